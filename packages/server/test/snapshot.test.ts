import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  readSnapshotFile,
  SnapshotCorruptionError,
  SnapshotStore,
  writeSnapshotFile,
} from '../src/snapshot/snapshot-store';
import { tempDir } from './support/tempDirs';

function tmpDir(): string {
  return tempDir('concord-snap-');
}

function makeSource(
  dir: string,
  size: number,
  name = 'backend.mdb',
): { file: string; data: Buffer } {
  const data = crypto.randomBytes(size);
  const file = path.join(dir, name);
  fs.writeFileSync(file, data);
  return { file, data };
}

const isCorrupt = (file: string, reason: RegExp) => (err: unknown) => {
  assert.ok(err instanceof SnapshotCorruptionError, String(err));
  assert.equal(err.code, 'SNAPSHOT_CORRUPT');
  assert.equal(err.file, file);
  assert.ok(err.message.includes(file));
  assert.match(err.reason, reason);
  return true;
};

test('snapshot round trip through the store', async () => {
  const work = tmpDir();
  const store = new SnapshotStore(path.join(work, 'snap'));
  assert.equal(await store.latest(), undefined);
  // Larger than the 1 MiB copy chunk, so the body spans several reads.
  const { file, data } = makeSource(work, 3 * 1024 * 1024 + 17);
  const meta = Buffer.from(JSON.stringify({ members: [1, 2, 3] }));
  const p = await store.save({ index: 1234, term: 5, meta }, file);
  assert.equal(path.basename(p), '0000000000000005-00000000000004d2.snap');

  const small = makeSource(work, 10, 'small.mdb');
  await store.save({ index: 2000, term: 6, meta: Buffer.alloc(0) }, small.file);

  const latest = await store.latest();
  assert.ok(latest);
  assert.equal(latest.index, 2000);
  assert.equal(latest.term, 6);

  const out = path.join(work, 'restored.mdb');
  const m = await store.extractBody(p, out);
  assert.deepEqual(m, { index: 1234, term: 5, meta });
  assert.ok(fs.readFileSync(out).equals(data));
  assert.deepEqual(await store.verify(p), { index: 1234, term: 5, meta });

  // Empty body works too.
  const empty = makeSource(work, 0, 'empty.mdb');
  const standalone = path.join(work, 'download.snap');
  await writeSnapshotFile(standalone, { index: 1, term: 1, meta: Buffer.from('m') }, empty.file);
  const out2 = path.join(work, 'empty-restored.mdb');
  assert.deepEqual(await readSnapshotFile(standalone, out2), {
    index: 1,
    term: 1,
    meta: Buffer.from('m'),
  });
  assert.equal(fs.statSync(out2).size, 0);

  await store.save({ index: 3000, term: 6, meta: Buffer.alloc(0) }, small.file);
  const removed = await store.purge(2);
  assert.deepEqual(removed, [p]);
  assert.deepEqual(
    (await store.list()).map((s) => s.index),
    [3000, 2000],
  );
  // No temp files left behind.
  assert.deepEqual(
    fs.readdirSync(store.dir).filter((n) => !n.endsWith('.snap')),
    [],
  );
});

test('corrupted snapshots are detected with a clear error', async () => {
  const work = tmpDir();
  const store = new SnapshotStore(path.join(work, 'snap'));
  const { file } = makeSource(work, 200_000);
  await store.save({ index: 10, term: 1, meta: Buffer.from('old') }, file);
  const p = await store.save({ index: 20, term: 2, meta: Buffer.from('meta') }, file);
  const good = fs.readFileSync(p);

  // Flipped byte in the body, in the metadata, and in the trailer.
  for (const off of [good.length >> 1, 36, good.length - 1]) {
    const bad = Buffer.from(good);
    bad[off] ^= 0x10;
    fs.writeFileSync(p, bad);
    await assert.rejects(store.verify(p), isCorrupt(p, /SHA-256 mismatch/));
    const dest = path.join(work, 'out.mdb');
    await assert.rejects(store.extractBody(p, dest), isCorrupt(p, /SHA-256 mismatch/));
    assert.ok(!fs.existsSync(dest), 'no body is produced from a corrupt snapshot');
    assert.deepEqual(
      fs.readdirSync(work).filter((n) => n.endsWith('.tmp')),
      [],
    );
  }

  // Truncated file.
  fs.writeFileSync(p, good.subarray(0, good.length - 1000));
  await assert.rejects(store.verify(p), isCorrupt(p, /truncated/));
  fs.writeFileSync(p, good.subarray(0, 10));
  await assert.rejects(store.verify(p), isCorrupt(p, /truncated header/));
  // Bad magic.
  const bad = Buffer.from(good);
  bad[0] = 0x58;
  fs.writeFileSync(p, bad);
  await assert.rejects(store.verify(p), isCorrupt(p, /bad magic/));

  // latest() reports the corrupt newest one rather than silently falling back…
  await assert.rejects(store.latest(), isCorrupt(p, /bad magic/));
  // …unless asked to, in which case it logs and uses the older one.
  const logs: string[] = [];
  const lenient = new SnapshotStore(store.dir, { skipCorrupt: true, log: (m) => logs.push(m) });
  const l = await lenient.latest();
  assert.equal(l?.index, 10);
  assert.equal(logs.length, 1);
  assert.ok(logs[0].includes(p));

  // A renamed file whose header disagrees with its name is rejected.
  fs.writeFileSync(p, good);
  const renamed = path.join(store.dir, '0000000000000002-0000000000000099.snap');
  fs.copyFileSync(p, renamed);
  await assert.rejects(store.verify(renamed), isCorrupt(renamed, /does not match/));
});
