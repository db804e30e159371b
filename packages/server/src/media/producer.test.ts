import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Producer } from './producer.ts';

test("layer info is computed once per allocation round's time and follows the layers", () => {
  const p = new Producer('alice', 'video');
  try {
    const a = p.layerInfo(1000);
    assert.equal(p.layerInfo(1000), a, 'one round: the same answer for every subscriber');
    assert.deepEqual(a, [{ index: 0, width: p.layers[0]!.width, height: p.layers[0]!.height, bitrateBps: 0 }]);
    assert.notEqual(p.layerInfo(1250), a, 'the next round measures again');
    p.setRids(['q', 'h', 'f']);
    assert.deepEqual(p.layerInfo(1250).map((l) => l.index), [0, 1, 2], 'new layers are seen in the same round');
  } finally {
    p.close();
  }
});
