import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Backend } from '../src/backend/backend';
import type { Logger } from 'pino';
import { parseDuration } from '../src/cli/serve';
import { progressNotifyInterval } from '../src/api/etcd/watch-stream';
import { tempDir } from './support/tempDirs';

// The backend batches its writes into one LMDB transaction (backend/backend.ts). What a
// reader of this process sees, what reaches the file and when, and what a failure leaves.

const tmp = () => tempDir('concord-batch-');
const k = (s: string) => Buffer.from(s);

/** what another process reads from the data file (read-only: it takes no write lock) */
function readElsewhere(dir: string, key: string): string {
  const script = `
    const { open } = require('lmdb');
    const env = open({ path: ${JSON.stringify(dir)}, readOnly: true, maxDbs: 16 });
    const meta = env.openDB({ name: 'meta', keyEncoding: 'binary', encoding: 'binary' });
    const v = meta.getBinary(Buffer.from(${JSON.stringify(key)}));
    process.stdout.write(v ? v.toString() : '(none)');
  `;
  const r = spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    timeout: 30_000,
    cwd: __dirname, // where require finds lmdb
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('a write is read back at once, reaches the file at the interval, and a flush commits it', async () => {
  const dir = tmp();
  const backend = new Backend(dir, { batchIntervalMs: 200 });
  backend.write(() => backend.putMeta('a', k('1')));
  assert.equal(backend.getMeta('a')?.toString(), '1');
  assert.equal(readElsewhere(dir, 'a'), '(none)');
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(readElsewhere(dir, 'a'), '1');
  backend.write(() => backend.putMeta('b', k('2')));
  await backend.flush();
  assert.equal(readElsewhere(dir, 'b'), '2');
  await backend.close();
});

test('the batch commits after the write limit without waiting for the interval, counting applied writes', async () => {
  const dir = tmp();
  const backend = new Backend(dir, { batchIntervalMs: 60_000, batchLimit: 3 });
  for (const n of ['x', 'y']) backend.write(() => backend.putMeta(n, k(n)));
  assert.equal(readElsewhere(dir, 'y'), '(none)');
  backend.write(() => backend.putMeta('z', k('z')));
  assert.equal(readElsewhere(dir, 'z'), 'z');
  // one call that applies a batch of entries counts each of them
  backend.write(() => backend.putMeta('w', k('w')), 3);
  assert.equal(readElsewhere(dir, 'w'), 'w');
  await backend.close();
});

test('a copy holds every write made before it', async () => {
  const dir = tmp();
  const backend = new Backend(dir, { batchIntervalMs: 60_000 });
  backend.write(() => backend.putMeta('a', k('1')));
  const copyDir = tmp();
  await backend.backupTo(path.join(copyDir, 'data.mdb'));
  assert.equal(readElsewhere(copyDir, 'a'), '1');
  await backend.close();
});

test('a process that exits with a batch open commits it (lmdb-js would wait forever)', () => {
  const dir = tmp();
  const backendModule = path.join(__dirname, '..', 'src', 'backend', 'backend.js');
  const script = `
    const { Backend } = require(${JSON.stringify(backendModule)});
    const b = new Backend(${JSON.stringify(dir)}, { batchIntervalMs: 60000 });
    b.write(() => b.putMeta('a', Buffer.from('1')));
    process.exit(0);
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, `exit status ${r.status} signal ${r.signal}: ${r.stderr}`);
  assert.equal(readElsewhere(dir, 'a'), '1');
});

test('a failed write aborts the open batch and the backend takes no write after it', async () => {
  const dir = tmp();
  const backend = new Backend(dir, { batchIntervalMs: 60_000 });
  backend.write(() => backend.putMeta('a', k('1')));
  backend.commit();
  backend.write(() => backend.putMeta('b', k('2')));
  assert.throws(
    () =>
      backend.write(() => {
        backend.putMeta('c', k('3'));
        throw new Error('injected');
      }),
    /injected/,
  );
  // b was in the same open batch: gone with it (the server stops; its WAL has b)
  assert.equal(backend.getMeta('b'), undefined);
  assert.equal(backend.getMeta('c'), undefined);
  assert.equal(backend.getMeta('a')?.toString(), '1');
  assert.throws(() => backend.write(() => backend.putMeta('d', k('4'))), /restart to replay/);
  await assert.rejects(backend.flush(), /restart to replay/);
  await backend.close();
  assert.equal(readElsewhere(dir, 'b'), '(none)');
  assert.equal(readElsewhere(dir, 'a'), '1');
});

test("batch settings of 0 mean etcd's defaults (100 ms, 10,000 writes); negative ones are refused", async () => {
  const dir = tmp();
  const backend = new Backend(dir, { batchIntervalMs: 0, batchLimit: 0 });
  backend.write(() => backend.putMeta('a', k('1')));
  // The batch timer and this 10 ms one start back to back: this one fires first unless the
  // batch interval is shorter. A limit of 0 taken as 1 would have committed at once, an
  // interval of 0 taken as 0 ms before now.
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(readElsewhere(dir, 'a'), '(none)');
  await backend.close();
  assert.equal(readElsewhere(dir, 'a'), '1');
  assert.throws(
    () => new Backend(tmp(), { batchLimit: -1 }),
    /batchLimit must be 0 \(the default\) or positive/,
  );
  assert.throws(() => new Backend(tmp(), { batchIntervalMs: -5 }), /batchIntervalMs must be/);
});

test('duration flags take 0 as Go durations do; 0 means the default where etcd says so', () => {
  assert.equal(parseDuration('0'), 0);
  assert.equal(parseDuration('0s'), 0);
  assert.equal(parseDuration('100ms'), 100);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.throws(() => parseDuration(''), /invalid duration/);
  assert.throws(() => parseDuration('-1s'), /invalid duration/);
  assert.throws(() => parseDuration('5'), /invalid duration: 5/);
  // --experimental-watch-progress-notify-interval, as etcd's NewWatchServer takes it
  const warnings: unknown[] = [];
  const logger = { warn: (o: unknown) => warnings.push(o) } as unknown as Logger;
  assert.equal(progressNotifyInterval(undefined, logger), 600_000);
  assert.equal(progressNotifyInterval(0, logger), 600_000);
  assert.equal(progressNotifyInterval(-5, logger), 600_000);
  assert.equal(warnings.length, 0);
  assert.equal(progressNotifyInterval(20, logger), 100);
  assert.equal(warnings.length, 1);
  assert.equal(progressNotifyInterval(5_000, logger), 5_000);
});
