/**
 * SequenceTable against a Map, the structure it replaces: random runs of increasing keys set and
 * taken in any order, with windows that outgrow the ring and keys beyond 2^32.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { SequenceTable } from '../src/util/sequence-table';

/** small deterministic generator (xorshift32), so a failing seed can be replayed */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

test('SequenceTable holds what a Map holds, for random set/take runs', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const rand = rng(seed);
    const table = new SequenceTable<string>(8);
    const model = new Map<number, string>();
    // start near 2^32 for half the seeds: slots come from the key's low bits
    let next = seed % 2 === 0 ? 2 ** 32 - 50 : Math.floor(rand() * 1000);
    for (let step = 0; step < 3000; step++) {
      const r = rand();
      if (r < 0.45) {
        next += rand() < 0.1 ? 1 + Math.floor(rand() * 5) : 1; // gaps: ids used elsewhere
        table.set(next, `v${next}`);
        model.set(next, `v${next}`);
      } else if (model.size > 0) {
        // mostly the oldest, sometimes any held key, sometimes one never set or already gone
        const keys = [...model.keys()];
        const k =
          r < 0.8
            ? keys[0]
            : r < 0.95
              ? keys[Math.floor(rand() * keys.length)]
              : next - Math.floor(rand() * 200);
        assert.equal(table.take(k), model.get(k), `seed ${seed} step ${step} take ${k}`);
        model.delete(k);
      }
      assert.equal(table.size, model.size, `seed ${seed} step ${step} size`);
      const probe = next - Math.floor(rand() * 300);
      assert.equal(table.get(probe), model.get(probe), `seed ${seed} step ${step} get ${probe}`);
    }
    for (const [k, v] of model) assert.equal(table.take(k), v);
    assert.equal(table.size, 0);
  }
});

test('SequenceTable keeps a long-held key while the window grows past the ring', () => {
  const table = new SequenceTable<number>(8);
  table.set(100, 100); // a proposal that waits (a timeout away)
  for (let k = 101; k < 5000; k++) {
    table.set(k, k);
    assert.equal(table.take(k), k);
  }
  assert.equal(table.get(100), 100);
  assert.equal(table.size, 1);
  assert.equal(table.take(100), 100);
  assert.equal(table.size, 0);
  // empty: the next key may be far ahead, and the ring does not grow for it
  table.set(2 ** 40, 1);
  assert.equal(table.get(2 ** 40), 1);
});

test('SequenceTable stays small while keys are released in order, two in flight', () => {
  const table = new SequenceTable<number>(8);
  table.set(0, 0);
  for (let k = 1; k < 10_000; k++) {
    table.set(k, k);
    assert.equal(table.take(k - 1), k - 1); // never empty: the window must slide
  }
  assert.equal(table.size, 1);
  assert.equal(table.capacity, 8);
});

test('SequenceTable refuses a key below one already set', () => {
  const table = new SequenceTable<number>();
  table.set(10, 1);
  assert.throws(() => table.set(10, 2), RangeError);
  assert.throws(() => table.set(9, 2), RangeError);
  table.take(10);
  assert.throws(() => table.set(5, 2), RangeError); // keys are never reused, even when empty
});
