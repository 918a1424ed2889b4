/**
 * Bad input, from the network and on disk. Every case must end in a clear error
 * (a gRPC status the client can act on, or a startup message naming the bad
 * file, with a non-zero exit code) — never a crash, a hang, or silent loss.
 * After each network case the server must still be alive with its data intact.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { etcdserverpb } from '@concord/proto';
import {
  KVService,
  LeaseService,
  MaintenanceService,
  WatchService,
} from '@concord/proto/grpc-services';
import { EtcdClient, RpcError } from './support/grpcClient';
import { freePorts, isHealthy } from './support/servers';
import { ConcordProcess, runCli } from './support/concordProcess';
import { makeTemp, rmTemp } from './support/tempDirs';
import { RawClient, RawOutcome } from './support/rawGrpc';

const MiB = 1024 * 1024;

/** Expect a gRPC error outcome; returns it. */
async function expectRpcError(
  p: Promise<unknown>,
  code: string,
  message?: string | RegExp,
): Promise<RpcError> {
  try {
    const v = await p;
    assert.fail(
      `expected ${code}${message ? ` "${message}"` : ''}, got success: ${JSON.stringify(v).slice(0, 300)}`,
    );
  } catch (e) {
    if (!(e instanceof RpcError)) throw e;
    assert.equal(e.info.code, code, `gRPC code (message: ${e.info.message})`);
    if (typeof message === 'string') assert.equal(e.info.message, message);
    else if (message) assert.match(e.info.message, message);
    return e;
  }
}

function expectRawError(o: RawOutcome, what: string): { code: string; message: string } {
  assert.equal(o.ok, false, `${what}: expected a gRPC error, got a response`);
  const e = o as { code: string; message: string };
  assert.notEqual(e.code, 'UNAVAILABLE', `${what}: server unreachable (crashed?): ${e.message}`);
  assert.notEqual(e.code, 'DEADLINE_EXCEEDED', `${what}: no answer`);
  return e;
}

// ---------------------------------------------------------------------------
// Network input: one server, a baseline data set checked after every case.

describe('bad requests over gRPC', () => {
  let dataDir: string;
  let proc: ConcordProcess;
  let client: EtcdClient;
  let raw: RawClient;
  const baseline = new Map<string, string>();

  async function assertAliveAndIntact(what: string): Promise<void> {
    assert.ok(proc.running, `${what}: server exited: ${JSON.stringify(proc.exit)}\n${proc.tail()}`);
    assert.ok(await isHealthy(proc.url, 5000), `${what}: /health is not healthy\n${proc.tail()}`);
    const r = await client.range({ key: 'base/', rangeEnd: 'base0' });
    const got = new Map<string, string>(
      r.kvs.map((kv: { key: string; value: string }) => [kv.key, kv.value]),
    );
    assert.deepEqual(got, baseline, `${what}: baseline data changed`);
  }

  before(async () => {
    dataDir = makeTemp('concord-badinput-');
    const [port] = await freePorts(1);
    proc = await ConcordProcess.startReady({ dataDir, port });
    client = new EtcdClient(proc.endpoint);
    raw = new RawClient(proc.endpoint);
    for (let i = 0; i < 20; i++) {
      const k = `base/${String(i).padStart(2, '0')}`;
      const v = `value-${i}-${'x'.repeat(i * 10)}`;
      await client.put({ key: k, value: v });
      baseline.set(k, v);
    }
  });

  after(async () => {
    client?.close();
    raw?.close();
    if (proc) {
      const e = await proc.kill('SIGTERM');
      assert.equal(e.code, 0, `graceful stop: ${JSON.stringify(e)}\n${proc.tail()}`);
    }
    if (dataDir) rmTemp(dataDir);
  });

  // Bytes that no protobuf decoder can accept, whatever the message type (each fails for a
  // different reason; unknown field numbers, because protobufjs does not check the wire type
  // of a known field). Each is checked against the local decoder first.
  const GARBAGE: { name: string; bytes: Buffer }[] = [
    {
      name: 'length-delimited field longer than the message',
      bytes: Buffer.from([0xfa, 0x01, 0x05, 0x61]),
    },
    { name: 'invalid wire type 7', bytes: Buffer.from([0xff, 0x01, 0x01]) },
    { name: 'invalid wire type 6', bytes: Buffer.from([0xfe, 0x01]) },
    { name: 'truncated varint', bytes: Buffer.from([0xf8, 0x01, 0xff]) },
    { name: 'truncated tag', bytes: Buffer.from([0xff]) },
    {
      name: 'huge length prefix',
      bytes: Buffer.from([0xfa, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]),
    },
    { name: 'unmatched end-group', bytes: Buffer.from([0xfc, 0x01]) },
    { name: 'all 0xff', bytes: Buffer.alloc(64, 0xff) },
  ];

  for (const method of [
    KVService.Put,
    KVService.Range,
    KVService.DeleteRange,
    KVService.Txn,
    LeaseService.LeaseGrant,
  ]) {
    test(`malformed protobuf to ${method.path} → gRPC error, server alive`, async () => {
      for (const g of GARBAGE) {
        assert.throws(
          () => method.requestType.decode(g.bytes),
          `${g.name} must not decode locally`,
        );
        const e = expectRawError(await raw.unary(method.path, g.bytes), `${method.path} ${g.name}`);
        // grpc-js reports a request it cannot deserialize as INTERNAL
        assert.ok(
          ['INTERNAL', 'INVALID_ARGUMENT'].includes(e.code),
          `${g.name}: ${e.code} ${e.message}`,
        );
      }
      await assertAliveAndIntact(method.path);
    });
  }

  test('malformed protobuf on the Watch stream → stream ends with a gRPC error, server alive', async () => {
    for (const g of GARBAGE) {
      assert.throws(
        () => etcdserverpb.WatchRequest.decode(g.bytes),
        `${g.name} must not decode locally`,
      );
      const valid = Buffer.from(
        etcdserverpb.WatchRequest.encode({
          createRequest: { key: Buffer.from('base/00') },
        }).finish(),
      );
      // a valid create first, then the garbage; the stream is not half-closed by us
      const r = await raw.bidi(WatchService.Watch.path, [valid, g.bytes], {
        timeoutMs: 8000,
        halfClose: false,
      });
      assert.notEqual(
        r.status.code,
        'OK',
        `${g.name}: stream ended normally: ${JSON.stringify(r.status)}`,
      );
      assert.notEqual(
        r.status.code,
        'DEADLINE_EXCEEDED',
        `${g.name}: garbage ignored, stream kept open`,
      );
      assert.notEqual(r.status.code, 'UNAVAILABLE', `${g.name}: ${r.status.message}`);
    }
    await assertAliveAndIntact('watch garbage');
    // the Watch service still works on a new stream
    const w = client.watch();
    try {
      w.send({ createRequest: { key: 'base/00' } });
      const created = await w.next(5000);
      assert.equal(created.created, true);
    } finally {
      w.close();
    }
  });

  test('oversize requests: > 1.5 MiB → "etcdserver: request is too large"; > 2 MiB → RESOURCE_EXHAUSTED', async () => {
    // just under the limit is accepted (the internal envelope adds only a few bytes)
    const ok = 'a'.repeat(1.5 * MiB - 512);
    await client.put({ key: 'big/ok', value: ok });
    const got = await client.range({ key: 'big/ok' });
    assert.equal(got.kvs[0].value.length, ok.length);
    assert.ok(got.kvs[0].value === ok);

    await expectRpcError(
      client.put({ key: 'big/too-large', value: 'b'.repeat(1.5 * MiB + 1) }),
      'INVALID_ARGUMENT',
      'etcdserver: request is too large',
    );
    await expectRpcError(
      client.txn({
        success: [{ requestPut: { key: 'big/txn-too-large', value: 'c'.repeat(1.6 * MiB) } }],
      }),
      'INVALID_ARGUMENT',
      'etcdserver: request is too large',
    );
    await expectRpcError(
      client.put({ key: 'big/huge', value: 'd'.repeat(2 * MiB + 1024) }),
      'RESOURCE_EXHAUSTED',
    );
    await expectRpcError(
      client.put({ key: 'big/huger', value: 'e'.repeat(8 * MiB) }),
      'RESOURCE_EXHAUSTED',
    );
    const rest = await client.range({ key: 'big/', rangeEnd: 'big0', keysOnly: true });
    assert.deepEqual(
      rest.kvs.map((kv: { key: string }) => kv.key),
      ['big/ok'],
      'a rejected request must not be applied',
    );
    await client.deleteRange({ key: 'big/ok' });
    await assertAliveAndIntact('oversize');
  });

  test('invalid ranges: empty key, range_end < key, invalid sort enums', async () => {
    const noKey = 'etcdserver: key is not provided';
    await expectRpcError(client.range({ key: '' }), 'INVALID_ARGUMENT', noKey);
    await expectRpcError(client.range({ key: '', rangeEnd: 'z' }), 'INVALID_ARGUMENT', noKey);
    await expectRpcError(client.put({ key: '', value: 'v' }), 'INVALID_ARGUMENT', noKey);
    await expectRpcError(client.deleteRange({ key: '' }), 'INVALID_ARGUMENT', noKey);
    await expectRpcError(
      client.txn({ compare: [{ key: '', target: 'VERSION', result: 'EQUAL', version: 0 }] }),
      'INVALID_ARGUMENT',
      noKey,
    );
    await expectRpcError(
      client.txn({ success: [{ requestRange: { key: '' } }] }),
      'INVALID_ARGUMENT',
      noKey,
    );

    // range_end < key: an empty result, not an error (as etcd)
    const empty = await client.range({ key: 'base/10', rangeEnd: 'base/05' });
    assert.deepEqual(empty.kvs, []);
    assert.equal(empty.count, 0);
    const del = await client.deleteRange({ key: 'base/10', rangeEnd: 'base/05' });
    assert.equal(del.deleted, 0);

    // enum values outside the declared ones (built by hand: a client library could not)
    const bad = 'etcdserver: invalid sort option';
    for (const req of [
      { key: Buffer.from('base/'), rangeEnd: Buffer.from('base0'), sortOrder: 3 },
      { key: Buffer.from('base/'), rangeEnd: Buffer.from('base0'), sortOrder: -1 },
      { key: Buffer.from('base/'), rangeEnd: Buffer.from('base0'), sortTarget: 5 },
      { key: Buffer.from('base/'), rangeEnd: Buffer.from('base0'), sortOrder: 1, sortTarget: 99 },
    ]) {
      const bytes = Buffer.from(
        etcdserverpb.RangeRequest.encode(req as etcdserverpb.IRangeRequest).finish(),
      );
      const e = expectRawError(await raw.unary(KVService.Range.path, bytes), JSON.stringify(req));
      assert.deepEqual(
        { code: e.code, message: e.message },
        { code: 'INVALID_ARGUMENT', message: bad },
        JSON.stringify(req),
      );
    }
    await assertAliveAndIntact('invalid ranges');
  });

  test('put with an unknown lease → "etcdserver: requested lease not found", nothing written', async () => {
    const msg = 'etcdserver: requested lease not found';
    await expectRpcError(
      client.put({ key: 'lease/k', value: 'v', lease: 0x1234567 }),
      'NOT_FOUND',
      msg,
    );
    await expectRpcError(
      client.txn({ success: [{ requestPut: { key: 'lease/t', value: 'v', lease: 42 } }] }),
      'NOT_FOUND',
      msg,
    );
    const r = await client.range({ key: 'lease/', rangeEnd: 'lease0' });
    assert.equal(r.count, 0);
    await assertAliveAndIntact('unknown lease');
  });

  test('watch from a compacted revision → canceled with compact_revision', async () => {
    const revs: number[] = [];
    for (let i = 0; i < 5; i++)
      revs.push((await client.put({ key: 'cw/k', value: `v${i}` })).header.revision);
    const compactRev = revs[3];
    await client.compact({ revision: compactRev, physical: true });
    const w = client.watch();
    try {
      w.send({ createRequest: { key: 'cw/k', startRevision: revs[1] } });
      const frames = [];
      for (;;) {
        const f = await w.next(5000);
        frames.push(f);
        if (f.canceled) break;
      }
      const last = frames[frames.length - 1];
      assert.equal(last.canceled, true);
      assert.equal(last.compactRevision, compactRev, JSON.stringify(frames));
      // etcd leaves cancel_reason empty here (clients derive the error from compact_revision)
      assert.ok(
        ['', 'etcdserver: mvcc: required revision has been compacted'].includes(last.cancelReason),
        `cancel_reason ${JSON.stringify(last.cancelReason)}`,
      );
      assert.ok(
        frames.every((f) => !f.events || f.events.length === 0),
        'no events from before the compaction',
      );
    } finally {
      w.close();
    }
    // a range at the compacted revision is an error too
    await expectRpcError(
      client.range({ key: 'cw/k', revision: revs[1] }),
      'OUT_OF_RANGE',
      'etcdserver: mvcc: required revision has been compacted',
    );
    await assertAliveAndIntact('compacted watch');
  });
});

// ---------------------------------------------------------------------------
// On-disk corruption: each case has its own data dir.

interface Seeded {
  dataDir: string;
  port: number;
  /** key → value, in write order */
  data: [string, string][];
}

/** A data dir with n acknowledged puts, cleanly stopped. */
async function seededDataDir(n: number, valueBytes = 100): Promise<Seeded> {
  const dataDir = makeTemp('concord-corrupt-');
  const [port] = await freePorts(1);
  const p = await ConcordProcess.startReady({ dataDir, port });
  const c = new EtcdClient(p.endpoint);
  const data: [string, string][] = [];
  try {
    for (let i = 0; i < n; i++) {
      const k = `d/${String(i).padStart(4, '0')}`;
      const v = `${i}:` + 'v'.repeat(valueBytes);
      await c.put({ key: k, value: v });
      data.push([k, v]);
    }
  } finally {
    c.close();
  }
  const e = await p.kill('SIGTERM');
  assert.equal(e.code, 0, `clean stop: ${JSON.stringify(e)}\n${p.tail()}`);
  return { dataDir, port, data };
}

function walSegments(dataDir: string): string[] {
  const dir = path.join(dataDir, 'member', 'wal');
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.wal'))
    .sort()
    .map((n) => path.join(dir, n));
}

/** Record boundaries of a WAL segment: [offset, total length] per record (up to its zero tail). */
function walRecords(file: string): { off: number; len: number; kind: number }[] {
  const b = fs.readFileSync(file);
  const out: { off: number; len: number; kind: number }[] = [];
  let off = 0;
  while (off + 8 <= b.length) {
    const len = b.readUInt32LE(off);
    if (len === 0 || off + 8 + len > b.length) break;
    out.push({ off, len: 8 + len, kind: b[off + 8] });
    off += 8 + len;
  }
  return out;
}

async function readAll(p: ConcordProcess): Promise<Map<string, string>> {
  const c = new EtcdClient(p.endpoint);
  try {
    const r = await c.range({ key: 'd/', rangeEnd: 'd0' });
    return new Map(r.kvs.map((kv: { key: string; value: string }) => [kv.key, kv.value]));
  } finally {
    c.close();
  }
}

/** Start must fail: non-zero exit code (not a signal), within a bound, never ready. */
async function expectRefusal(s: Seeded, what: string): Promise<string> {
  const p = ConcordProcess.start({ dataDir: s.dataDir, port: s.port });
  const ready = p.waitReady(20_000).then(
    () => true,
    () => false,
  );
  const e = await p.waitExit(25_000).catch(async (err: Error) => {
    await p.kill('SIGKILL');
    throw new Error(`${what}: neither started nor exited: ${err.message}`);
  });
  assert.equal(await ready, false, `${what}: the server started on corrupt data`);
  assert.equal(
    e.signal,
    null,
    `${what}: crashed with ${e.signal} instead of refusing with a message; output:\n${p.tail()}`,
  );
  assert.ok(e.code !== null && e.code !== 0, `${what}: exit code ${e.code}; output:\n${p.tail()}`);
  return p.output;
}

describe('corrupt data on disk', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach(rmTemp));

  test('truncated WAL tail (torn last record) → starts, keeps all but possibly the torn record', async () => {
    const s = await seededDataDir(20);
    dirs.push(s.dataDir);
    const segs = walSegments(s.dataDir);
    const newest = segs[segs.length - 1];
    const recs = walRecords(newest);
    const last = recs[recs.length - 1];
    fs.truncateSync(newest, last.off + last.len - 3); // the preallocated zeros go too
    const p = await ConcordProcess.startReady({ dataDir: s.dataDir, port: s.port });
    try {
      const got = await readAll(p);
      const [lastK] = s.data[s.data.length - 1];
      for (const [k, v] of s.data) {
        if (k === lastK && !got.has(k)) continue; // the torn record may be gone
        assert.equal(got.get(k), v, `${k} lost or changed`);
      }
      assert.equal(got.size >= s.data.length - 1, true);
      assert.match(p.output, /torn tail/, 'the repair is logged');
    } finally {
      await p.kill('SIGTERM');
    }
  });

  test('truncated WAL tail → after the repair, new writes survive the next restart', async () => {
    const s = await seededDataDir(20);
    dirs.push(s.dataDir);
    const segs = walSegments(s.dataDir);
    const newest = segs[segs.length - 1];
    const recs = walRecords(newest);
    const last = recs[recs.length - 1];
    fs.truncateSync(newest, last.off + last.len - 3);
    let p = await ConcordProcess.startReady({ dataDir: s.dataDir, port: s.port });
    const c = new EtcdClient(p.endpoint);
    try {
      await c.put({ key: 'd/after-repair', value: 'new' });
    } finally {
      c.close();
    }
    await p.kill('SIGKILL');
    p = ConcordProcess.start({ dataDir: s.dataDir, port: s.port });
    try {
      await p.waitReady(20_000);
      const got = await readAll(p);
      assert.equal(got.get('d/after-repair'), 'new');
      for (const [k, v] of s.data.slice(0, -1)) assert.equal(got.get(k), v);
    } finally {
      await p.kill('SIGKILL');
    }
  });

  test('flipped byte in the middle of a WAL segment, valid records after it → refuses to start, names file and offset', async () => {
    const s = await seededDataDir(20);
    dirs.push(s.dataDir);
    const [seg] = walSegments(s.dataDir);
    const recs = walRecords(seg);
    assert.ok(recs.length >= 20, `expected >= 20 records, got ${recs.length}`);
    const victim = recs[Math.floor(recs.length / 2)];
    const buf = fs.readFileSync(seg);
    const at = victim.off + 9 + Math.floor((victim.len - 9) / 2);
    buf[at] ^= 0x40;
    fs.writeFileSync(seg, buf);
    const out = await expectRefusal(s, 'flipped WAL byte');
    assert.ok(out.includes(seg), `message names the segment file ${seg}; output:\n${out}`);
    assert.match(
      out,
      new RegExp(`offset ${victim.off}\\b`),
      `message names offset ${victim.off}; output:\n${out}`,
    );
    // nothing was "repaired" away
    assert.ok(fs.readFileSync(seg).equals(buf), 'the corrupt segment must be left untouched');
  });

  const backendCases: { name: string; corrupt: (f: string) => void }[] = [
    {
      name: 'truncated to half its size',
      corrupt: (f) => fs.truncateSync(f, Math.floor(fs.statSync(f).size / 2)),
    },
    { name: 'truncated to one page', corrupt: (f) => fs.truncateSync(f, 4096) },
    {
      name: 'first page overwritten with garbage',
      corrupt: (f) => {
        const fd = fs.openSync(f, 'r+');
        try {
          fs.writeSync(fd, Buffer.alloc(4096, 0xab), 0, 4096, 0);
        } finally {
          fs.closeSync(fd);
        }
      },
    },
  ];
  for (const bc of backendCases) {
    test(`backend file member/db/data.mdb ${bc.name} → refuses to start with a message naming the file`, async () => {
      const s = await seededDataDir(300, 1000);
      dirs.push(s.dataDir);
      const file = path.join(s.dataDir, 'member', 'db', 'data.mdb');
      bc.corrupt(file);
      const out = await expectRefusal(s, `data.mdb ${bc.name}`);
      assert.ok(out.includes(file), `message names ${file}; output:\n${out}`);
    });
  }

  test(
    'backend file with garbage in its middle pages → refuses to start, or serves all data (no silent loss)',
    {
      todo: 'BUG: starts on the corrupt file, then answers INTERNAL MDB_BAD_TXN or an empty key space (LMDB pages have no checksum; see report)',
    },
    async () => {
      const s = await seededDataDir(300, 1000);
      dirs.push(s.dataDir);
      const file = path.join(s.dataDir, 'member', 'db', 'data.mdb');
      const fd = fs.openSync(file, 'r+');
      try {
        fs.writeSync(fd, Buffer.alloc(4 * 4096, 0xab), 0, 4 * 4096, 2 * 4096);
      } finally {
        fs.closeSync(fd);
      }
      const p = ConcordProcess.start({ dataDir: s.dataDir, port: s.port });
      try {
        const ready = await p.waitReady(20_000).then(
          () => true,
          () => false,
        );
        if (ready) {
          const got = await readAll(p);
          assert.deepEqual(
            got,
            new Map(s.data),
            'started, so every key must be there with its value',
          );
        } else {
          const e = await p.waitExit(10_000);
          assert.equal(e.signal, null, `crashed with ${e.signal}; output:\n${p.tail()}`);
          assert.ok(p.output.includes(file), `message names ${file}; output:\n${p.tail()}`);
        }
      } finally {
        await p.kill('SIGKILL');
      }
    },
  );

  test(
    'backend file lost (truncated to 0 bytes) after the WAL released its first segment → refuses to start (no silent loss)',
    {
      timeout: 120_000,
    },
    async () => {
      const dataDir = makeTemp('concord-released-');
      dirs.push(dataDir);
      const [port] = await freePorts(1);
      const walDir = path.join(dataDir, 'member', 'wal');
      let p = await ConcordProcess.startReady({ dataDir, port });
      const c = new EtcdClient(p.endpoint);
      const big = 'r'.repeat(1.5 * MiB - 1024);
      try {
        await c.put({ key: 'd/first', value: 'written before the rollover' });
        // > 64 MiB of WAL: the first segment rolls over and, once the backend is flushed
        // (every second), is deleted.
        const firstSeg = walSegments(dataDir)[0];
        const gone = new Promise<void>((resolve) => {
          const w = fs.watch(walDir, () => {
            if (!fs.existsSync(firstSeg)) {
              w.close();
              resolve();
            }
          });
        });
        for (let i = 0; i < 46; i++) await c.put({ key: `d/big${i % 4}`, value: big });
        await c.put({ key: 'd/last', value: 'after the rollover' });
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          gone,
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new Error('first WAL segment not released in 20 s')),
              20_000,
            );
          }),
        ]).finally(() => clearTimeout(timer));
      } finally {
        c.close();
      }
      await p.kill('SIGTERM');
      const file = path.join(dataDir, 'member', 'db', 'data.mdb');
      fs.truncateSync(file, 0);
      p = ConcordProcess.start({ dataDir, port });
      try {
        const ready = await p.waitReady(20_000).then(
          () => true,
          () => false,
        );
        if (ready) {
          const got = await readAll(p);
          assert.equal(
            got.get('d/first'),
            'written before the rollover',
            'started, but d/first is lost',
          );
        } else {
          const e = await p.waitExit(10_000);
          assert.equal(e.signal, null, `crashed with ${e.signal}; output:\n${p.tail()}`);
          assert.notEqual(e.code, 0);
          assert.ok(
            p.output.includes(file) || p.output.includes(walDir),
            `names the file; output:\n${p.tail()}`,
          );
        }
      } finally {
        await p.kill('SIGKILL');
      }
    },
  );

  describe('`concord snapshot restore` of a corrupt snapshot file → clear error naming the file, nothing restored', () => {
    let snapshot: Buffer | undefined;
    let work: string;
    const hasSnapshotCommand = /^\s*snapshot\b/m.test(runCli(['--help']).stdout);

    before(async () => {
      if (!hasSnapshotCommand) return;
      work = makeTemp('concord-snaprestore-');
      dirs.push(work);
      // a real snapshot, as Maintenance.Snapshot streams it (database + SHA-256)
      const s = await seededDataDir(0);
      dirs.push(s.dataDir);
      const p = await ConcordProcess.startReady({ dataDir: s.dataDir, port: s.port });
      const c = new EtcdClient(p.endpoint);
      const raw = new RawClient(p.endpoint);
      try {
        for (let i = 0; i < 50; i++) await c.put({ key: `s/${i}`, value: `v${i}` });
        const frames = await raw.serverStream(MaintenanceService.Snapshot.path, Buffer.alloc(0));
        snapshot = Buffer.concat(
          frames.map((f) => Buffer.from(etcdserverpb.SnapshotResponse.decode(f).blob)),
        );
      } finally {
        c.close();
        raw.close();
        await p.kill('SIGTERM');
      }
    });

    const restore = (name: string, content: (good: Buffer) => Buffer, todo?: string) =>
      test(name, { todo }, (t) => {
        if (!hasSnapshotCommand) {
          t.skip('`concord snapshot` does not exist yet');
          return;
        }
        const file = path.join(work, `${name.replace(/\W+/g, '_')}.db`);
        fs.writeFileSync(file, content(snapshot!));
        const dataDir = path.join(work, `restored-${name.replace(/\W+/g, '_')}`);
        const r = runCli(['snapshot', 'restore', file, '--data-dir', dataDir]);
        assert.equal(r.signal, null, `restore crashed with ${r.signal}; stderr:\n${r.stderr}`);
        assert.notEqual(r.code, 0, `exit code ${r.code}; stdout:\n${r.stdout}`);
        assert.ok((r.stderr + r.stdout).includes(file), `the message names ${file}: ${r.stderr}`);
        assert.ok(
          !fs.existsSync(path.join(dataDir, 'member', 'db', 'data.mdb')),
          'nothing half-restored is left behind',
        );
      });

    test('sanity: the intact snapshot restores and serves its data', async (t) => {
      if (!hasSnapshotCommand) {
        t.skip('`concord snapshot` does not exist yet');
        return;
      }
      const file = path.join(work, 'good.db');
      fs.writeFileSync(file, snapshot!);
      const dataDir = path.join(work, 'restored-good');
      const r = runCli(['snapshot', 'restore', file, '--data-dir', dataDir]);
      assert.equal(r.code, 0, r.stderr);
      const [port] = await freePorts(1);
      const p = await ConcordProcess.startReady({ dataDir, port });
      const c = new EtcdClient(p.endpoint);
      try {
        const got = await c.range({ key: 's/', rangeEnd: 's0', countOnly: true });
        assert.equal(got.count, 50);
      } finally {
        c.close();
        await p.kill('SIGTERM');
      }
    });
    restore('one flipped byte in the database part', (g) => {
      const b = Buffer.from(g);
      b[Math.floor((b.length - 32) / 2)] ^= 0x01;
      return b;
    });
    restore('truncated by 1000 bytes', (g) => g.subarray(0, g.length - 1000));
    restore('truncated to 10 bytes', (g) => g.subarray(0, 10));
    restore('empty file', () => Buffer.alloc(0));
    restore('garbage with a matching SHA-256 (not a database)', () => {
      const body = Buffer.alloc(16 * 1024, 0xab);
      return Buffer.concat([body, crypto.createHash('sha256').update(body).digest()]);
    });
  });
});
