import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cameraEncodings, capTopLayer, fitLayers, withoutScalabilityMode } from './simulcast.ts';

test('two layers from 270p, three from 720p, one below; the top layer takes the cap', () => {
  assert.deepEqual(cameraEncodings(360, undefined)?.map((e) => [e.rid, e.scaleResolutionDownBy]), [['q', 2], ['h', 1]]);
  assert.deepEqual(cameraEncodings(720, 2_000_000)?.map((e) => [e.rid, e.scaleResolutionDownBy, e.maxBitrate]), [['q', 4, 150_000], ['h', 2, 500_000], ['f', 1, 2_000_000]]);
  assert.deepEqual(cameraEncodings(180, 300_000), [{ maxBitrate: 300_000 }]);
  assert.equal(cameraEncodings(180, undefined), undefined);
  const modes = (es: RTCRtpEncodingParameters[] | undefined) => es?.map((e) => (e as { scalabilityMode?: string }).scalabilityMode);
  assert.deepEqual(modes(cameraEncodings(360, undefined)), ['L1T1', 'L1T1']);
  assert.deepEqual(modes(withoutScalabilityMode(cameraEncodings(360, undefined)!)), [undefined, undefined]);
});

test('a smaller camera turns the lowest layers off and keeps the top at full size; a bigger one turns them back on', () => {
  const e = cameraEncodings(360, undefined)!;
  assert.equal(fitLayers(e, 180), true);
  assert.deepEqual(e.map((x) => [x.active, x.scaleResolutionDownBy]), [[false, 2], [true, 1]]);
  assert.equal(fitLayers(e, 180), false, 'nothing more to change');
  assert.equal(fitLayers(e, 360), true);
  assert.deepEqual(e.map((x) => [x.active, x.scaleResolutionDownBy]), [[true, 2], [true, 1]]);
});

test('dynacast turns off the layers nobody can use, never the lowest one in use', () => {
  const e = cameraEncodings(720, undefined)!;
  fitLayers(e, 720, [true, false, false]);
  assert.deepEqual(e.map((x) => x.active), [true, false, false]);
  fitLayers(e, 360, [false, false, true]);
  assert.deepEqual(e.map((x) => x.active), [false, true, true], 'the lowest in use (h) stays on');
  assert.equal(capTopLayer(e, 800_000), true);
  assert.equal(e[2]!.maxBitrate, 800_000);
});
