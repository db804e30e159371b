import { test } from 'node:test';
import assert from 'node:assert/strict';
import { minSemiSpaceMb, SEMI_SPACE_FLAGS, youngGenerationWarning } from './young-generation.ts';

test('the floor of the young generation from the command line or NODE_OPTIONS; a warning without it', () => {
  assert.equal(minSemiSpaceMb([...SEMI_SPACE_FLAGS], ''), 16);
  assert.equal(minSemiSpaceMb([], '--max-old-space-size=4096 --min_semi_space_size=32'), 32);
  assert.equal(minSemiSpaceMb(['--min-semi-space-size=8'], '--min-semi-space-size=32'), 8, 'the command line comes last');
  assert.equal(minSemiSpaceMb(['--max-semi-space-size=16'], ''), undefined);
  assert.equal(youngGenerationWarning([...SEMI_SPACE_FLAGS], ''), undefined);
  assert.equal(youngGenerationWarning([], '--min-semi-space-size=64'), undefined);
  assert.match(youngGenerationWarning([], '') ?? '', /started without --max-semi-space-size=16 --min-semi-space-size=16/);
  assert.match(youngGenerationWarning(['--min-semi-space-size=4'], '') ?? '', /started without/);
});
