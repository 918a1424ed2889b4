/**
 * Seeded, bounded fuzzing of the request decoders and validators.
 *
 * 1. In process (FUZZ_ITERATIONS, default 20,000): random and mutated encodings
 *    of PutRequest, RangeRequest, DeleteRangeRequest, TxnRequest (nested),
 *    WatchRequest and LeaseGrantRequest are decoded with @concord/proto; what
 *    decodes goes to the validators of src/api/etcd/validate.ts, which must
 *    accept it or throw EtcdError (nothing else), and must be re-encodable
 *    (the server re-encodes every request into its log entry).
 * 2. Over gRPC (FUZZ_GRPC_REQUESTS, default 500): the same kind of bytes sent
 *    to a running server, which must answer every one (a response or a gRPC
 *    error), stay alive, and restart (graceful and SIGKILL) to the same state.
 *
 * FUZZ_SEED=<uint32> reproduces a run; each iteration draws from its own PRNG
 * seeded from (seed, iteration), so a failure names the iteration and its bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concordpb, etcdserverpb } from '@concord/proto';
import {
  KVService,
  LeaseService,
  MaintenanceService,
  WatchService,
} from '@concord/proto/grpc-services';
import { checkDeleteRange, checkPut, checkRange, checkTxn } from '../src/api/etcd/validate';
import { EtcdError } from '../src/server/errors';
import { Limits } from '../src/server/errors';
import { EtcdClient } from './support/grpcClient';
import { freePorts, isHealthy } from './support/servers';
import { ConcordProcess, prng, seedFrom } from './support/concordProcess';
import { makeTemp, rmTemp } from './support/tempDirs';
import { RawClient } from './support/rawGrpc';

const SEED = seedFrom('FUZZ_SEED');
const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 20_000);
const GRPC_REQUESTS = Number(process.env.FUZZ_GRPC_REQUESTS ?? 500);
console.log(
  `# fuzz.test: seed=${SEED} (reproduce with FUZZ_SEED=${SEED}), iterations=${ITERATIONS}, grpc=${GRPC_REQUESTS}`,
);

type Rnd = () => number;

function iterRng(seed: number, i: number): Rnd {
  return prng((seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
}

const int = (r: Rnd, n: number) => Math.floor(r() * n);
const chance = (r: Rnd, p: number) => r() < p;

/** Interesting integers for int64/enum fields (numbers; protobufjs encodes them as varints). */
function anInt(r: Rnd): number {
  const pool = [
    0,
    1,
    -1,
    2,
    3,
    5,
    100,
    127,
    128,
    255,
    65535,
    2 ** 31 - 1,
    -(2 ** 31),
    2 ** 32,
    2 ** 53 - 1,
    -(2 ** 53 - 1),
    9_000_000_001,
  ];
  return chance(r, 0.7) ? pool[int(r, pool.length)] : int(r, 1000) - 10;
}

function someBytes(r: Rnd, max = 24): Buffer {
  const x = r();
  if (x < 0.15) return Buffer.alloc(0);
  if (x < 0.2) return Buffer.from([0]);
  if (x < 0.25) return Buffer.alloc(Limits.maxKeyBytes + int(r, 3) - 1, 0x61); // around the key limit
  const n = 1 + int(r, max);
  const b = Buffer.alloc(n);
  const alphabet = chance(r, 0.5);
  for (let i = 0; i < n; i++) b[i] = alphabet ? 0x61 + int(r, 4) : int(r, 256);
  return b;
}

function genPut(r: Rnd): etcdserverpb.IPutRequest {
  return {
    key: someBytes(r),
    value: chance(r, 0.8) ? someBytes(r, 64) : undefined,
    lease: chance(r, 0.3) ? anInt(r) : undefined,
    prevKv: chance(r, 0.3),
    ignoreValue: chance(r, 0.2),
    ignoreLease: chance(r, 0.2),
  };
}

function genRange(r: Rnd): etcdserverpb.IRangeRequest {
  return {
    key: someBytes(r),
    rangeEnd: chance(r, 0.5) ? someBytes(r) : undefined,
    limit: chance(r, 0.3) ? anInt(r) : undefined,
    revision: chance(r, 0.3) ? anInt(r) : undefined,
    sortOrder: chance(r, 0.3) ? (chance(r, 0.7) ? int(r, 3) : anInt(r)) : undefined,
    sortTarget: chance(r, 0.3) ? (chance(r, 0.7) ? int(r, 5) : anInt(r)) : undefined,
    serializable: chance(r, 0.3),
    keysOnly: chance(r, 0.2),
    countOnly: chance(r, 0.2),
    minModRevision: chance(r, 0.1) ? anInt(r) : undefined,
    maxModRevision: chance(r, 0.1) ? anInt(r) : undefined,
    minCreateRevision: chance(r, 0.1) ? anInt(r) : undefined,
    maxCreateRevision: chance(r, 0.1) ? anInt(r) : undefined,
  };
}

function genDelete(r: Rnd): etcdserverpb.IDeleteRangeRequest {
  return {
    key: someBytes(r),
    rangeEnd: chance(r, 0.5) ? someBytes(r) : undefined,
    prevKv: chance(r, 0.3),
  };
}

function genCompare(r: Rnd): etcdserverpb.ICompare {
  const target = chance(r, 0.9) ? int(r, 5) : anInt(r);
  const c: etcdserverpb.ICompare = {
    key: someBytes(r),
    result: chance(r, 0.9) ? int(r, 4) : anInt(r),
    target,
    rangeEnd: chance(r, 0.2) ? someBytes(r) : undefined,
  };
  switch (int(r, 5)) {
    case 0:
      c.version = anInt(r);
      break;
    case 1:
      c.createRevision = anInt(r);
      break;
    case 2:
      c.modRevision = anInt(r);
      break;
    case 3:
      c.value = someBytes(r);
      break;
    default:
      c.lease = anInt(r);
  }
  return c;
}

function genOp(r: Rnd, depth: number): etcdserverpb.IRequestOp {
  const x = r();
  if (x < 0.3) return { requestRange: genRange(r) };
  if (x < 0.65) return { requestPut: genPut(r) };
  if (x < 0.85 || depth <= 0) return { requestDeleteRange: genDelete(r) };
  return { requestTxn: genTxn(r, depth - 1) };
}

function genTxn(r: Rnd, depth = 3): etcdserverpb.ITxnRequest {
  const n = () => (chance(r, 0.05) ? 129 : int(r, 4));
  return {
    compare: Array.from({ length: chance(r, 0.05) ? 129 : int(r, 3) }, () => genCompare(r)),
    success: Array.from({ length: n() }, () => genOp(r, depth)),
    failure: Array.from({ length: n() }, () => genOp(r, depth)),
  };
}

/** A chain of nested txns `levels` deep (each level: Txn → RequestOp → Txn). */
function deepTxn(levels: number, leaf: etcdserverpb.IRequestOp): etcdserverpb.ITxnRequest {
  let t: etcdserverpb.ITxnRequest = { success: [leaf] };
  for (let i = 1; i < levels; i++) t = { success: [{ requestTxn: t }] };
  return t;
}

function genWatch(r: Rnd): etcdserverpb.IWatchRequest {
  const x = r();
  if (x < 0.6)
    return {
      createRequest: {
        key: someBytes(r),
        rangeEnd: chance(r, 0.4) ? someBytes(r) : undefined,
        startRevision: chance(r, 0.4) ? anInt(r) : undefined,
        progressNotify: chance(r, 0.2),
        filters: chance(r, 0.3)
          ? Array.from({ length: int(r, 3) }, () => (chance(r, 0.8) ? int(r, 2) : anInt(r)))
          : undefined,
        prevKv: chance(r, 0.3),
        watchId: chance(r, 0.3) ? anInt(r) : undefined,
        fragment: chance(r, 0.2),
      },
    };
  if (x < 0.85) return { cancelRequest: { watchId: anInt(r) } };
  return { progressRequest: {} };
}

function genLeaseGrant(r: Rnd): etcdserverpb.ILeaseGrantRequest {
  return { TTL: chance(r, 0.8) ? anInt(r) : undefined, ID: chance(r, 0.5) ? anInt(r) : undefined };
}

interface Kind {
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type: { encode(m: any): { finish(): Uint8Array }; decode(b: Uint8Array): any };
  gen: (r: Rnd) => unknown;
  /** The validator the server applies to this request (none for Watch/LeaseGrant). */
  check?: (m: unknown) => void;
  /** How the server wraps it into its log entry (none: not logged as such). */
  wrap?: (m: unknown) => concordpb.IInternalRequest;
  path: string;
}

const KINDS: Kind[] = [
  {
    name: 'PutRequest',
    type: etcdserverpb.PutRequest,
    gen: genPut,
    check: (m) => checkPut(m as etcdserverpb.IPutRequest),
    wrap: (m) => ({ put: m as etcdserverpb.IPutRequest }),
    path: KVService.Put.path,
  },
  {
    name: 'RangeRequest',
    type: etcdserverpb.RangeRequest,
    gen: genRange,
    check: (m) => checkRange(m as etcdserverpb.IRangeRequest),
    path: KVService.Range.path,
  },
  {
    name: 'DeleteRangeRequest',
    type: etcdserverpb.DeleteRangeRequest,
    gen: genDelete,
    check: (m) => checkDeleteRange(m as etcdserverpb.IDeleteRangeRequest),
    wrap: (m) => ({ deleteRange: m as etcdserverpb.IDeleteRangeRequest }),
    path: KVService.DeleteRange.path,
  },
  {
    name: 'TxnRequest',
    type: etcdserverpb.TxnRequest,
    gen: (r) => genTxn(r),
    check: (m) => checkTxn(m as etcdserverpb.ITxnRequest, Limits.maxTxnOps),
    wrap: (m) => ({ txn: m as etcdserverpb.ITxnRequest }),
    path: KVService.Txn.path,
  },
  {
    name: 'WatchRequest',
    type: etcdserverpb.WatchRequest,
    gen: genWatch,
    path: WatchService.Watch.path,
  },
  {
    name: 'LeaseGrantRequest',
    type: etcdserverpb.LeaseGrantRequest,
    gen: genLeaseGrant,
    wrap: (m) => ({ leaseGrant: m as etcdserverpb.ILeaseGrantRequest }),
    path: LeaseService.LeaseGrant.path,
  },
];

/** Structure-unaware mutations of an encoding (one to three of them). */
function mutate(r: Rnd, input: Buffer, other: () => Buffer): Buffer {
  let b = Buffer.from(input);
  const times = 1 + int(r, 3);
  for (let t = 0; t < times; t++) {
    const op = int(r, 9);
    const at = b.length ? int(r, b.length) : 0;
    switch (op) {
      case 0: // flip a bit
        if (b.length) b[at] ^= 1 << int(r, 8);
        break;
      case 1: // random byte
        if (b.length) b[at] = int(r, 256);
        break;
      case 2: // interesting byte (varint continuation, tags, lengths)
        if (b.length) b[at] = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x0a, 0x12, 0x1a, 0x08][int(r, 9)];
        break;
      case 3: // insert random bytes
        b = Buffer.concat([
          b.subarray(0, at),
          Buffer.from(Array.from({ length: 1 + int(r, 4) }, () => int(r, 256))),
          b.subarray(at),
        ]);
        break;
      case 4: // delete a run
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + int(r, 4)))]);
        break;
      case 5: // truncate
        b = b.subarray(0, at);
        break;
      case 6: // duplicate a chunk (repeated fields, overlong lengths)
        b = Buffer.concat([b, b.subarray(at, at + 1 + int(r, 16))]);
        break;
      case 7: // splice with another encoding (of any kind)
        b = Buffer.concat([b.subarray(0, at), other()]);
        break;
      default: // overlong varint length prefix
        b = Buffer.concat([
          b.subarray(0, at),
          Buffer.from([0x80 | int(r, 128), 0x80, 0x80, 0x00]),
          b.subarray(at),
        ]);
    }
  }
  return b;
}

function randomBytes(r: Rnd): Buffer {
  return Buffer.from(Array.from({ length: int(r, 48) }, () => int(r, 256)));
}

/** Bytes for iteration i: a valid encoding, a mutated one, or pure noise. */
function sample(seed: number, i: number): { kind: Kind; bytes: Buffer; how: string } {
  const r = iterRng(seed, i);
  const kind = KINDS[int(r, KINDS.length)];
  const enc = (k: Kind) => Buffer.from(k.type.encode(k.gen(r)).finish());
  const x = r();
  if (x < 0.15) return { kind, bytes: enc(kind), how: 'valid' };
  if (x < 0.25) return { kind, bytes: randomBytes(r), how: 'noise' };
  return {
    kind,
    bytes: mutate(r, enc(kind), () => enc(KINDS[int(r, KINDS.length)])),
    how: 'mutated',
  };
}

type Verdict = 'undecodable' | 'accepted' | 'rejected';

/** Decode + validate + re-encode; throws an AssertionError describing any contract violation. */
function runOne(kind: Kind, bytes: Buffer, where: string): Verdict {
  let msg: unknown;
  try {
    msg = kind.type.decode(bytes);
  } catch (e) {
    assert.ok(e instanceof Error, `${where}: decoder threw a non-Error: ${String(e)}`);
    return 'undecodable';
  }
  let verdict: Verdict = 'accepted';
  if (kind.check) {
    try {
      kind.check(msg);
    } catch (e) {
      if (e instanceof EtcdError) verdict = 'rejected';
      else
        assert.fail(
          `${where}: validator for ${kind.name} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} instead of EtcdError`,
        );
    }
  }
  if (verdict === 'accepted') {
    // What the server does next with an accepted request must not throw either.
    try {
      const again = kind.type.decode(kind.type.encode(msg).finish());
      assert.deepEqual(again, msg, `${where}: decode(encode(decode(bytes))) differs`);
      if (kind.wrap) {
        const entry = concordpb.InternalRequest.encode({
          id: 1,
          timeMs: 1,
          ...kind.wrap(msg),
        }).finish();
        concordpb.InternalRequest.decode(entry);
      }
    } catch (e) {
      if (e instanceof assert.AssertionError) throw e;
      assert.fail(
        `${where}: an accepted ${kind.name} cannot be re-encoded into a log entry: ${String(e)}`,
      );
    }
  }
  return verdict;
}

test(
  `fuzz: decoders + validators over ${ITERATIONS} random/mutated requests (seed ${SEED})`,
  { timeout: 60_000 },
  (t) => {
    const counts: Record<string, Record<Verdict, number>> = {};
    const started = Date.now();
    for (let i = 0; i < ITERATIONS; i++) {
      const { kind, bytes, how } = sample(SEED, i);
      const where = `FUZZ_SEED=${SEED} iteration ${i} (${how} ${kind.name}, bytes ${bytes.toString('hex').slice(0, 400)})`;
      const v = runOne(kind, bytes, where);
      counts[kind.name] ??= { undecodable: 0, accepted: 0, rejected: 0 };
      counts[kind.name][v]++;
    }
    const ms = Date.now() - started;
    for (const [k, c] of Object.entries(counts)) t.diagnostic(`${k}: ${JSON.stringify(c)}`);
    t.diagnostic(`${ITERATIONS} iterations in ${ms} ms`);
    // the fuzzer must actually reach the validators on both sides
    for (const k of ['PutRequest', 'RangeRequest', 'DeleteRangeRequest', 'TxnRequest']) {
      assert.ok(
        counts[k].accepted > 0 && counts[k].rejected > 0 && counts[k].undecodable > 0,
        `${k}: ${JSON.stringify(counts[k])}`,
      );
    }
  },
);

test('fuzz: nested txns down to the decoder depth limit are validated without a non-EtcdError', () => {
  for (let levels = 1; levels <= 60; levels++) {
    for (const leaf of [
      { requestRange: { key: Buffer.from('k') } },
      { requestPut: { key: Buffer.from('k'), value: Buffer.from('v') } },
      { requestDeleteRange: { key: Buffer.from('') } },
    ]) {
      let bytes: Buffer;
      try {
        bytes = Buffer.from(etcdserverpb.TxnRequest.encode(deepTxn(levels, leaf)).finish());
      } catch {
        continue; // deeper than protobufjs encodes
      }
      const kind = KINDS.find((k) => k.name === 'TxnRequest')!;
      // only the validator contract here; the log-entry property is the next test
      let msg: etcdserverpb.TxnRequest;
      try {
        msg = etcdserverpb.TxnRequest.decode(bytes);
      } catch {
        continue;
      }
      try {
        kind.check!(msg);
      } catch (e) {
        assert.ok(e instanceof EtcdError, `depth ${levels}: ${String(e)}`);
      }
    }
  }
});

test('a nested txn the decoder accepts is answered properly over gRPC (not INTERNAL)', async () => {
  const dataDir = makeTemp('concord-fuzz-deep-');
  const [port] = await freePorts(1);
  const p = await ConcordProcess.startReady({ dataDir, port });
  const raw = new RawClient(p.endpoint);
  try {
    const failures: string[] = [];
    for (let levels = 40; levels <= 60; levels++) {
      for (const leaf of [
        { requestRange: { key: Buffer.from('k') } },
        { requestPut: { key: Buffer.from('k'), value: Buffer.from('v') } },
      ]) {
        let bytes: Buffer;
        try {
          bytes = Buffer.from(etcdserverpb.TxnRequest.encode(deepTxn(levels, leaf)).finish());
          etcdserverpb.TxnRequest.decode(bytes);
        } catch {
          continue; // not a request the server can decode: covered by the other tests
        }
        const o = await raw.unary(KVService.Txn.path, bytes);
        if (!o.ok && o.code === 'INTERNAL')
          failures.push(`${levels} levels, ${Object.keys(leaf)[0]}: INTERNAL ${o.message}`);
      }
    }
    assert.deepEqual(failures, []);
    assert.ok(p.running);
  } finally {
    raw.close();
    await p.kill('SIGKILL');
    rmTemp(dataDir);
  }
});

test(
  `fuzz over gRPC: ${GRPC_REQUESTS} random/mutated requests to a running server (seed ${SEED})`,
  { timeout: 120_000 },
  async (t) => {
    const dataDir = makeTemp('concord-fuzz-');
    const [port] = await freePorts(1);
    let p = await ConcordProcess.startReady({ dataDir, port });
    let raw = new RawClient(p.endpoint);
    let client = new EtcdClient(p.endpoint);
    const codes: Record<string, number> = {};
    const internal: string[] = [];
    try {
      for (let i = 0; i < 20; i++) await client.put({ key: `fuzz-base/${i}`, value: `v${i}` });
      const BATCH = 10;
      let watchFrames = 0;
      for (let start = 0; start < GRPC_REQUESTS; start += BATCH) {
        const batch: Promise<void>[] = [];
        for (let i = start; i < Math.min(GRPC_REQUESTS, start + BATCH); i++) {
          // distinct iteration space from the in-process run
          const { kind, bytes, how } = sample(SEED ^ 0x6a09e667, i);
          const where = `FUZZ_SEED=${SEED} grpc request ${i} (${how} ${kind.name} to ${kind.path}, bytes ${bytes.toString('hex').slice(0, 200)})`;
          if (kind.path === WatchService.Watch.path) {
            batch.push(
              raw
                .bidi(kind.path, [bytes, bytes], { timeoutMs: 10_000, halfClose: true })
                .then((r) => {
                  assert.notEqual(r.status.code, 'UNAVAILABLE', `${where}: ${r.status.message}`);
                  assert.notEqual(
                    r.status.code,
                    'DEADLINE_EXCEEDED',
                    `${where}: the stream was not ended after half-close`,
                  );
                  watchFrames += r.responses.length;
                  codes[`Watch:${r.status.code}`] = (codes[`Watch:${r.status.code}`] ?? 0) + 1;
                }),
            );
          } else {
            batch.push(
              raw.unary(kind.path, bytes).then((o) => {
                const code = o.ok ? 'OK' : o.code;
                codes[`${kind.name}:${code}`] = (codes[`${kind.name}:${code}`] ?? 0) + 1;
                assert.notEqual(
                  code,
                  'UNAVAILABLE',
                  `${where}: server unreachable: ${o.ok ? '' : o.message}\n${p.tail()}`,
                );
                assert.notEqual(code, 'DEADLINE_EXCEEDED', `${where}: no answer`);
                if (!o.ok && o.code === 'INTERNAL') {
                  // INTERNAL for bytes that decode is an unhandled server exception (undecodable bytes get INTERNAL from grpc-js)
                  let decodes = true;
                  try {
                    kind.type.decode(bytes);
                  } catch {
                    decodes = false;
                  }
                  if (decodes) internal.push(`${where}: INTERNAL ${o.message}`);
                }
              }),
            );
          }
        }
        await Promise.all(batch);
        assert.ok(
          p.running,
          `server exited after request ${start + BATCH}: ${JSON.stringify(p.exit)}\n${p.tail()}`,
        );
      }
      t.diagnostic(`outcomes: ${JSON.stringify(codes)}; watch frames received: ${watchFrames}`);
      assert.deepEqual(
        internal,
        [],
        'decodable requests answered with INTERNAL (unhandled exceptions)',
      );
      assert.ok(await isHealthy(p.url, 5000));
      const base = await client.range({
        key: 'fuzz-base/',
        rangeEnd: 'fuzz-base0',
        serializable: true,
      });
      // (fuzzed deletes may legitimately have removed some of these; the server must answer)
      assert.ok(base.header.revision > 0);

      // the log written by the fuzzed requests must replay to the same state: graceful and SIGKILL restarts
      const rev: number = (await client.range({ key: 'x' })).header.revision;
      const hash = async (c: EtcdClient) =>
        (await c.call(MaintenanceService.HashKV, { revision: rev })).hash;
      const before = await hash(client);
      for (const sig of ['SIGTERM', 'SIGKILL'] as const) {
        client.close();
        raw.close();
        const e = await p.kill(sig);
        if (sig === 'SIGTERM')
          assert.equal(e.code, 0, `graceful stop after fuzzing: ${JSON.stringify(e)}\n${p.tail()}`);
        p = await ConcordProcess.startReady({ dataDir, port });
        client = new EtcdClient(p.endpoint);
        raw = new RawClient(p.endpoint);
        const r = await client.range({ key: 'x' });
        assert.ok(r.header.revision >= rev, `revision went backwards after ${sig} restart`);
        assert.equal(
          await hash(client),
          before,
          `state at revision ${rev} differs after a ${sig} restart`,
        );
      }
    } finally {
      client.close();
      raw.close();
      await p.kill('SIGKILL');
      rmTemp(dataDir);
    }
  },
);
