import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withOpusDtx } from './codecs.ts';

const sdp = (...lines: string[]): string => ['v=0', 'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 109', ...lines, ''].join('\r\n');

test('withOpusDtx adds usedtx=1 to every Opus payload type and nothing else', () => {
  const out = withOpusDtx(
    sdp('a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;useinbandfec=1', 'a=rtpmap:63 red/48000/2', 'a=fmtp:63 111/111', 'a=rtpmap:109 OPUS/48000/2', 'a=fmtp:109 maxplaybackrate=48000;usedtx=0'),
  );
  assert.equal(
    out,
    sdp('a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;useinbandfec=1;usedtx=1', 'a=rtpmap:63 red/48000/2', 'a=fmtp:63 111/111', 'a=rtpmap:109 OPUS/48000/2', 'a=fmtp:109 maxplaybackrate=48000;usedtx=1'),
  );
  // already asked: unchanged
  assert.equal(withOpusDtx(out), out);
});

test('withOpusDtx gives an Opus payload type without format parameters a line of its own', () => {
  assert.equal(withOpusDtx(sdp('a=rtpmap:111 opus/48000/2', 'a=rtcp-fb:111 transport-cc')), sdp('a=rtpmap:111 opus/48000/2', 'a=fmtp:111 usedtx=1', 'a=rtcp-fb:111 transport-cc'));
  const noOpus = sdp('a=rtpmap:0 PCMU/8000');
  assert.equal(withOpusDtx(noOpus), noOpus);
});
