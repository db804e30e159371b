// Room recording through the admin API with a real Chromium publisher (fake camera and
// microphone), media on a worker process: the files decode with ffmpeg and last as long as the
// call; a video unpublished and published again continues in a second file; list, download,
// bad ids, no key; a recording stops when its room closes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { APP, mintToken, startTestServer } from '../helpers/server.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { PAGES_DIR } from '../helpers/fixture.ts';
import { captureAndJoin, openSdkPage, until } from '../helpers/sdk-page.ts';

const KEY = 'admin-key-for-tests-0123456789';
const run = promisify(execFile);

/** ffprobe's duration of a file (s). */
async function probeDuration(path: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_name', '-of', 'json', path]);
  return Number(JSON.parse(stdout).format.duration);
}

/** Decodes every frame; resolves with ffmpeg's complaints (none for a good file). */
async function decodeErrors(path: string): Promise<string> {
  const { stderr } = await run('ffmpeg', ['-v', 'error', '-i', path, '-f', 'null', '-']);
  return stderr.trim();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('recording', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let tb: TestBrowser;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rtcroom-rec-'));
    server = await startTestServer({ demoDir: PAGES_DIR, adminKey: KEY, workers: 2, recording: { dir, maxMinutes: 5 } });
    tb = await launchBrowser();
  });
  after(async () => {
    await tb?.close();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const api = async (method: string, path: string, o: { key?: string | null } = {}) => {
    const key = o.key === undefined ? KEY : o.key;
    const r = await fetch(`${server.url}/api/v1/apps/${APP.appId}${path}`, { method, headers: key === null ? {} : { authorization: `Bearer ${key}` } });
    const type = r.headers.get('content-type') ?? '';
    return { status: r.status, type, body: type.startsWith('application/json') ? ((await r.json()) as any) : Buffer.from(await r.arrayBuffer()) };
  };

  test('a call recorded: per-track WebM files that decode, with the call durations; republish starts the next file', async (t) => {
    const alice = await openSdkPage(tb, server.url, APP.appId);
    await captureAndJoin(alice, 'rec', 'alice', mintToken('rec', 'alice'));
    await until(async () => JSON.stringify((await api('GET', '/rooms/rec/members')).body.members?.[0]?.published) === '["audio","video"]', 'alice publishes', 15_000);

    assert.equal((await api('POST', '/rooms/rec/recordings', { key: null })).status, 401);
    assert.equal((await api('POST', '/rooms/nobody/recordings')).body.error.code, 'unknown_room');
    const started = await api('POST', '/rooms/rec/recordings');
    const t0 = Date.now();
    assert.equal(started.status, 200, JSON.stringify(started.body));
    assert.equal(started.body.status, 'recording');
    const id: string = started.body.id;
    const again = await api('POST', '/rooms/rec/recordings');
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'already_recording');

    await sleep(5000 - (Date.now() - t0));
    await alice.evaluate(() => (window as any).ctx.changeStreamPublishState({ state: 0, streamType: 'video' }));
    const tOff = Date.now();
    await sleep(1000);
    await alice.evaluate(() => (window as any).ctx.changeStreamPublishState({ state: 1, streamType: 'video' }));
    const tOn = Date.now();
    await sleep(2500);
    const stopped = await api('POST', `/rooms/rec/recordings/${id}/stop`);
    const tStop = Date.now();
    assert.equal(stopped.status, 200, JSON.stringify(stopped.body));
    assert.equal(stopped.body.status, 'stopped');
    assert.equal(stopped.body.stopReason, 'api');
    // stopping again answers the same, stopped recording
    assert.equal((await api('POST', `/rooms/rec/recordings/${id}/stop`)).body.status, 'stopped');

    const list = await api('GET', '/rooms/rec/recordings');
    assert.equal(list.status, 200);
    const rec = list.body.recordings.find((r: { id: string }) => r.id === id);
    assert.ok(rec, JSON.stringify(list.body));
    const files = new Map<string, any>(rec.files.map((f: { name: string }) => [f.name, f]));
    assert.deepEqual([...files.keys()].sort(), ['alice-audio-1.webm', 'alice-video-1.webm', 'alice-video-2.webm']);
    for (const f of files.values()) assert.equal(f.state, 'complete', JSON.stringify(f));

    // downloaded through the API, each file decodes without an error and lasts as long as it was published
    // a file starts at its track's first frame (a video one at its first key frame, asked for at
    // once: offsetMs tells when it came) and ends when the track stopped
    for (const [name, from] of [['alice-audio-1.webm', t0], ['alice-video-1.webm', t0], ['alice-video-2.webm', tOn]] as const) {
      assert.ok(files.get(name).offsetMs - (from - t0) < 1500, `${name} starts promptly: ${JSON.stringify(files.get(name))}`);
    }
    const expected: Record<string, [number, number]> = {
      'alice-audio-1.webm': [(tStop - t0) / 1000, 0.5],
      'alice-video-1.webm': [(tOff - t0) / 1000, 0.5],
      'alice-video-2.webm': [(tStop - tOn) / 1000, 0.5],
    };
    for (const [name, [want, tolerance]] of Object.entries(expected)) {
      const dl = await api('GET', `/rooms/rec/recordings/${id}/files/${name}`);
      assert.equal(dl.status, 200);
      assert.equal(dl.type, name.includes('audio') ? 'audio/webm' : 'video/webm');
      assert.equal((dl.body as Buffer).length, files.get(name).bytes);
      const copy = join(dir, `download-${name}`);
      await writeFile(copy, dl.body as Buffer);
      assert.equal(await decodeErrors(copy), '', `${name} decodes`);
      const seconds = await probeDuration(copy);
      t.diagnostic(`${name}: ffprobe ${seconds} s, expected ${want.toFixed(2)} s, ${files.get(name).frames} frames, ${files.get(name).bytes} bytes, offset ${files.get(name).offsetMs} ms, ${files.get(name).width ?? '-'}x${files.get(name).height ?? '-'}`);
      assert.ok(Math.abs(seconds - want) <= tolerance, `${name}: ${seconds} s, expected ${want.toFixed(2)} ± ${tolerance}`);
      assert.ok(Math.abs(files.get(name).durationMs / 1000 - seconds) < 0.1, `${name}: manifest ${files.get(name).durationMs} ms, ffprobe ${seconds} s`);
    }
    assert.ok(Math.abs(files.get('alice-video-2.webm').offsetMs - (tOn - t0)) < 1000, JSON.stringify(files.get('alice-video-2.webm')));
    assert.ok(files.get('alice-video-1.webm').width > 0);

    // bad ids and names
    assert.equal((await api('GET', `/rooms/rec/recordings/${id}/files/${name('manifest.json')}`)).body.error.code, 'unknown_file');
    assert.equal((await api('GET', `/rooms/rec/recordings/${id}/files/${name('../' + id + '/alice-audio-1.webm')}`)).body.error.code, 'unknown_file');
    assert.equal((await api('GET', `/rooms/rec/recordings/rec_0000000000/files/alice-audio-1.webm`)).status, 404);
    assert.equal((await api('GET', `/rooms/rec/recordings/${name('../etc')}`)).body.error.code, 'unknown_recording');
    assert.equal((await api('POST', `/rooms/rec/recordings/rec_0000000000/stop`)).body.error.code, 'unknown_recording');
    assert.equal((await api('GET', `/rooms/other/recordings/${id}`)).status, 404, 'another room does not see it');
    assert.equal((await api('GET', `/rooms/rec/recordings/${id}/files/alice-audio-1.webm`, { key: null })).status, 401);

    // the room closing stops a running recording
    const second = await api('POST', '/rooms/rec/recordings');
    assert.equal(second.status, 200);
    await sleep(1500);
    await alice.evaluate(() => (window as any).ctx.exitRtcRoom());
    const closed = await until(async () => {
      const r = await api('GET', `/rooms/rec/recordings/${second.body.id}`);
      return r.body.status === 'stopped' ? r.body : undefined;
    }, 'the second recording stopped', 10_000);
    assert.equal(closed.stopReason, 'room_closed');
    assert.ok(closed.files.length >= 1, JSON.stringify(closed));
    await alice.context().close();
  });
});

function name(s: string): string {
  return encodeURIComponent(s);
}
