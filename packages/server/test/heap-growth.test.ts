import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heapGrowthSetByUser } from '../src/util/heap-growth';

test('a heap-growing-percent the user gave node is kept, from the command line or NODE_OPTIONS', () => {
  assert.equal(heapGrowthSetByUser([], undefined), false);
  assert.equal(heapGrowthSetByUser(['--expose-gc'], '--max-old-space-size=512'), false);
  assert.equal(heapGrowthSetByUser(['--heap-growing-percent=50'], undefined), true);
  assert.equal(heapGrowthSetByUser(['--heap_growing_percent=50'], ''), true);
  assert.equal(
    heapGrowthSetByUser([], '--max-old-space-size=512  --heap-growing-percent=30'),
    true,
  );
  // another flag that merely starts the same way is not it
  assert.equal(heapGrowthSetByUser(['--heap-growing-percentage=5'], undefined), false);
});
