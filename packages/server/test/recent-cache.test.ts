import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecentCache } from '../src/util/recent-cache';

test('RecentCache keeps what was used lately, within 2 generations', () => {
  const c = new RecentCache<number, string>(4);
  for (let i = 0; i < 4; i++) c.set(i, `v${i}`); // 0..3 fill the young map: it turns old
  c.set(4, 'v4');
  c.set(5, 'v5');
  assert.equal(c.get(1), 'v1'); // used: moves to the young generation (4, 5, 1)
  c.set(6, 'v6'); // young full (4, 5, 1, 6): turns old, dropping 0, 2 and 3
  assert.equal(c.size, 4);
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6].map((k) => c.get(k)),
    [undefined, 'v1', undefined, undefined, 'v4', 'v5', 'v6'],
  );
  for (let i = 0; i < 100; i++) c.set(100 + i, 'x');
  assert.ok(c.size <= 8);
});

test('RecentCache: a newer value shadows the older generation; delete removes both', () => {
  const c = new RecentCache<string, number>(2);
  c.set('a', 1);
  c.set('b', 1); // turnover: a=1, b=1 old
  c.set('a', 2);
  assert.equal(c.get('a'), 2);
  c.delete('a');
  assert.equal(c.get('a'), undefined);
  c.set('b', 2);
  c.set('c', 2); // turnover: the old b=1 is dropped, b=2 kept
  assert.equal(c.get('b'), 2);
  c.clear();
  assert.equal(c.get('b'), undefined);
  assert.equal(c.size, 0);
});
