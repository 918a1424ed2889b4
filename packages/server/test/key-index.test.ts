import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyIndex, keyId, slotRetired } from '../src/mvcc/key-index';
import { prng } from './support/concordProcess';

test('ranges follow the keys byte order, bytes above 0x7f and prefixes included', () => {
  const next = prng(7); // the same keys on every run
  const index = new KeyIndex();
  const live = new Map<string, Buffer>();
  const randomKey = () =>
    Buffer.from(
      Array.from(
        { length: 1 + Math.floor(next() * 4) },
        () => [0, 0x41, 0x7f, 0x80, 0xc3, 0xff][Math.floor(next() * 6)],
      ),
    );
  for (let i = 0; i < 3000; i++) {
    const k = randomKey();
    if (next() < 0.25) {
      index.delete(keyId(k));
      live.delete(k.toString('hex'));
    } else {
      index.set(keyId(k), { main: i + 2, sub: 0 }, 2, 1, 0n);
      live.set(k.toString('hex'), k);
    }
  }
  const sorted = [...live.values()].sort(Buffer.compare);
  assert.equal(index.size, sorted.length);
  for (let i = 0; i < 200; i++) {
    const start = randomKey();
    const end = next() < 0.2 ? undefined : randomKey();
    const want = sorted
      .filter(
        (k) => Buffer.compare(k, start) >= 0 && (end === undefined || Buffer.compare(k, end) < 0),
      )
      .map((k) => k.toString('hex'));
    const range = (a: Buffer, z: Buffer | undefined) =>
      index.range(keyId(a), z === undefined ? undefined : keyId(z));
    const got = [...range(start, end)].map(([id]) => Buffer.from(id, 'latin1').toString('hex'));
    assert.deepEqual(got, want, `[${start.toString('hex')}, ${end?.toString('hex') ?? '∞'})`);
    assert.equal(
      index.count(keyId(start), end === undefined ? undefined : keyId(end)),
      want.length,
    );
  }
});

test('get returns a copy: a later write to the key does not change what a caller holds', () => {
  const index = new KeyIndex();
  const k = keyId(Buffer.from('k'));
  index.set(k, { main: 2, sub: 0 }, 2, 1, 5n);
  const before = index.get(k)!;
  index.set(k, { main: 3, sub: 1 }, 2, 2, 0n);
  assert.deepEqual(before, { at: { main: 2, sub: 0 }, createRevision: 2, version: 1, lease: 5n });
  assert.deepEqual(index.get(k), {
    at: { main: 3, sub: 1 },
    createRevision: 2,
    version: 2,
    lease: 0n,
  });
  index.delete(k);
  assert.equal(index.get(k), undefined);
  assert.equal(index.size, 0);
  assert.deepEqual([...index.range('\0', undefined)], []);
});

test('a kept slot follows the key until the key is deleted or the index rebuilt', () => {
  const index = new KeyIndex();
  const k = keyId(Buffer.from('k'));
  index.set(k, { main: 2, sub: 0 }, 2, 1, 0n);
  const kept = index.slot(k)!;
  index.set(k, { main: 3, sub: 0 }, 2, 2, 0n);
  assert.deepEqual([kept.main, kept.version, slotRetired(kept)], [3, 2, false]);
  index.delete(k);
  assert.equal(slotRetired(kept), true);
  index.set(k, { main: 4, sub: 0 }, 4, 1, 0n); // re-created: a new slot, the kept one stays retired
  assert.equal(slotRetired(kept), true);
  const again = index.slot(k)!;
  assert.deepEqual([again.main, again.version, slotRetired(again)], [4, 1, false]);
  index.retireAll();
  assert.equal(slotRetired(again), true);
});
