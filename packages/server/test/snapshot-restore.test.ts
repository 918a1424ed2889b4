/**
 * Backup and restore: `concord ctl snapshot save`, `concord snapshot status|restore`, then a
 * server on the restored data dir serves every key at the same revision and keeps going.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { Client } from '@concord/client';
import { startConcord, RunningConcord } from '../src/embed';

const MAIN = path.join(__dirname, '..', 'src', 'cli', 'main.js');

function cli(
  args: string[],
  timeoutMs = 20_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      reject(
        new Error(`concord ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`),
      );
    }, timeoutMs);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

const silent = () => pino({ level: 'silent' });

describe('snapshot save / restore', { timeout: 120_000 }, () => {
  let work: string;
  let src: RunningConcord;
  let client: Client;
  let snap: string;
  let expected: Array<{ key: string; value: string; create: number; mod: number; version: number }>;
  let revision: number;

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-restore-'));
    src = await startConcord({
      dataDir: path.join(work, 'src'),
      listenClientUrls: ['http://127.0.0.1:0'],
      logger: silent(),
    });
    client = new Client({ endpoints: [new URL(src.clientUrls[0]).host] });
    for (let i = 0; i < 200; i++)
      await client.put(`k/${String(i).padStart(3, '0')}`, `value-${i}`.repeat(1 + (i % 7)));
    await client.put('k/000', 'overwritten');
    await client.delete('k/199');
    await client.put('bin', Buffer.from([0, 1, 2, 255]));
    const lease = await client.lease.grant(600);
    await client.put('leased', 'x', { lease: lease.id });
    const all = await client.range('', { prefix: true });
    revision = all.header.revision;
    expected = all.kvs.map((kv) => ({
      key: kv.key.toString('hex'),
      value: kv.value.toString('hex'),
      create: kv.createRevision,
      mod: kv.modRevision,
      version: kv.version,
    }));
    assert.equal(expected.length, 201);
    snap = path.join(work, 'backup.db');
    const r = await cli([
      'ctl',
      '--endpoints',
      new URL(src.clientUrls[0]).host,
      'snapshot',
      'save',
      snap,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Snapshot saved at ${snap}\n`);
    assert.ok(!fs.existsSync(`${snap}.part`));
  });
  after(async () => {
    client?.close();
    await src?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('snapshot status reads hash, revision, key count and size', async () => {
    const r = await cli(['snapshot', 'status', snap, '-w', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const st = JSON.parse(r.stdout);
    assert.equal(st.revision, revision);
    assert.equal(st.totalKey, 201);
    assert.equal(st.totalSize, fs.statSync(snap).size - 32);
    // the hash is the KV hash: what HashKV returns at that revision on the source
    assert.equal(st.hash, (await client.maintenance.hashKV(revision)).hash);
    const t = await cli(['snapshot', 'status', snap]);
    assert.match(t.stdout, /\|\s+HASH\s+\|\s+REVISION\s+\|\s+TOTAL KEYS\s+\|\s+TOTAL SIZE\s+\|/);
    assert.match(
      t.stdout,
      new RegExp(`\\| ${st.hash.toString(16).padStart(8, '0')} \\|\\s+${revision} \\|\\s+201 \\|`),
    );
  });

  test('restore into a new dir; a server on it serves every key at the same revision', async () => {
    const dataDir = path.join(work, 'restored');
    const r = await cli([
      'snapshot',
      'restore',
      snap,
      '--data-dir',
      dataDir,
      '--name',
      'm1',
      '--initial-cluster',
      'm1=http://127.0.0.1:2380',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Restored snapshot .* \\(revision ${revision}, 201 keys, `));
    assert.ok(fs.statSync(path.join(dataDir, 'member', 'db', 'data.mdb')).size > 0);

    let restored = await startConcord({
      dataDir,
      listenClientUrls: ['http://127.0.0.1:0'],
      logger: silent(),
    });
    let c = new Client({ endpoints: [new URL(restored.clientUrls[0]).host] });
    try {
      const all = await c.range('', { prefix: true });
      assert.equal(all.header.revision, revision);
      assert.deepEqual(
        all.kvs.map((kv) => ({
          key: kv.key.toString('hex'),
          value: kv.value.toString('hex'),
          create: kv.createRevision,
          mod: kv.modRevision,
          version: kv.version,
        })),
        expected,
      );
      // history before the snapshot is there too
      assert.equal((await c.get('k/000', { revision: revision - 10 }))?.valueString, 'value-0');
      assert.equal((await c.get('k/000'))?.valueString, 'overwritten');
      // leases carried over and are kept alive with their TTL
      const leases = await c.lease.leases();
      assert.equal(leases.length, 1);
      assert.deepEqual((await c.lease.timeToLive(leases[0], { keys: true })).keys.map(String), [
        'leased',
      ]);
      // new writes continue after the snapshot's revision and survive a restart (WAL continues)
      const p = await c.put('after', 'restore');
      assert.equal(p.header.revision, revision + 1);
    } finally {
      c.close();
      await restored.close();
    }
    restored = await startConcord({
      dataDir,
      listenClientUrls: ['http://127.0.0.1:0'],
      logger: silent(),
    });
    c = new Client({ endpoints: [new URL(restored.clientUrls[0]).host] });
    try {
      assert.equal((await c.get('after'))?.valueString, 'restore');
      assert.equal((await c.range('', { prefix: true, countOnly: true })).count, 202);
    } finally {
      c.close();
      await restored.close();
    }
  });

  test('refuses a non-empty data dir', async () => {
    const dataDir = path.join(work, 'busy');
    fs.mkdirSync(dataDir);
    fs.writeFileSync(path.join(dataDir, 'something'), 'x');
    const r = await cli(['snapshot', 'restore', snap, '--data-dir', dataDir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error: data-dir .*busy exists and is not empty/);
    assert.deepEqual(fs.readdirSync(dataDir), ['something']);
  });

  test('a corrupted or truncated snapshot is refused with a clear error', async () => {
    const data = fs.readFileSync(snap);
    const flipped = Buffer.from(data);
    flipped[4096] ^= 0xff;
    const cases: Array<[string, Buffer, RegExp]> = [
      ['flipped.db', flipped, /failed its integrity check/],
      [
        'truncated.db',
        data.subarray(0, data.length - 1000),
        /failed its integrity check.*(corrupted or truncated)/,
      ],
      ['no-hash.db', data.subarray(0, data.length - 32), /failed its integrity check/],
      ['tiny.db', data.subarray(0, 20), /is truncated: 20 bytes/],
    ];
    for (const [name, content, re] of cases) {
      const file = path.join(work, name);
      fs.writeFileSync(file, content);
      const dataDir = path.join(work, `restore-${name}`);
      const r = await cli(['snapshot', 'restore', file, '--data-dir', dataDir]);
      assert.equal(r.code, 1, `${name}: ${r.stdout}`);
      assert.match(r.stderr, /^Error: snapshot file /, name);
      assert.ok(r.stderr.includes(file), `${name}: error names the file: ${r.stderr}`);
      assert.match(r.stderr, re, name);
      assert.ok(!fs.existsSync(dataDir), `${name}: nothing left behind`);
      const s = await cli(['snapshot', 'status', file]);
      assert.equal(s.code, 1, name);
      assert.ok(s.stderr.includes(file));
    }
    const missing = await cli([
      'snapshot',
      'restore',
      path.join(work, 'nope.db'),
      '--data-dir',
      path.join(work, 'x'),
    ]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^Error: cannot open snapshot file .*nope\.db/);
  });
});
