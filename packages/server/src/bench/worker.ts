/**
 * A `concord bench` worker thread: owns its share of the gRPC connections, clients
 * and watch streams, keeps one request in flight per client (closed loop), records
 * latencies in HDR histograms and reports to the main thread.
 *
 * Protocol (see common.ts): after setting up (connections ready, watchers created,
 * leases granted) the worker posts `ready`; on `run` it runs its clients until the
 * shared op counter reaches --total or the stop flag is set, posting `progress`
 * every 100 ms and `done` at the end; on `finish` it cleans up (revokes leases,
 * closes streams) and posts `result` with its encoded histograms.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { etcdserverpb } from '@concord/proto';
import {
  KVService,
  LeaseService,
  WatchService,
  toGrpcServiceDefinition,
} from '@concord/proto/grpc-services';
import { Op, WorkerRun } from './worker-kit';
import {
  BenchConfig,
  grpcTarget,
  HistName,
  KeyMaker,
  nowUs,
  watchersOnKey,
  WorkerData,
  WorkerMsg,
} from './common';

const KvClient = grpc.makeGenericClientConstructor(
  toGrpcServiceDefinition(KVService) as unknown as grpc.ServiceDefinition,
  'KV',
);
const WatchClient = grpc.makeGenericClientConstructor(
  toGrpcServiceDefinition(WatchService) as unknown as grpc.ServiceDefinition,
  'Watch',
);
const LeaseClient = grpc.makeGenericClientConstructor(
  toGrpcServiceDefinition(LeaseService) as unknown as grpc.ServiceDefinition,
  'Lease',
);

type Callback<T> = (err: grpc.ServiceError | null, res: T) => void;
type UnaryFn<Req, Res> = (
  req: Req,
  opts: grpc.CallOptions,
  cb: Callback<Res>,
) => grpc.ClientUnaryCall;
type Duplex<Req, Res> = grpc.ClientDuplexStream<Req, Res>;

interface KvStub extends grpc.Client {
  Put: UnaryFn<etcdserverpb.IPutRequest, etcdserverpb.PutResponse>;
  Range: UnaryFn<etcdserverpb.IRangeRequest, etcdserverpb.RangeResponse>;
  Txn: UnaryFn<etcdserverpb.ITxnRequest, etcdserverpb.TxnResponse>;
}
interface WatchStub extends grpc.Client {
  Watch(): Duplex<etcdserverpb.IWatchRequest, etcdserverpb.WatchResponse>;
}
interface LeaseStub extends grpc.Client {
  LeaseGrant: UnaryFn<etcdserverpb.ILeaseGrantRequest, etcdserverpb.LeaseGrantResponse>;
  LeaseRevoke: UnaryFn<etcdserverpb.ILeaseRevokeRequest, etcdserverpb.LeaseRevokeResponse>;
  LeaseKeepAlive(): Duplex<
    etcdserverpb.ILeaseKeepAliveRequest,
    etcdserverpb.LeaseKeepAliveResponse
  >;
}

/** One connection: its own HTTP/2 session (local subchannel pool), shared by the stubs. */
interface Conn {
  target: string;
  channel: grpc.Channel;
  kv: KvStub;
  watch: WatchStub;
  lease: LeaseStub;
}

const wd = workerData as WorkerData;
const cfg: BenchConfig = wd.cfg;
const control = new BigInt64Array(wd.control);
const port = parentPort!;
const post = (m: WorkerMsg) => port.postMessage(m);

const kit = new WorkerRun(cfg, control, port, wd.share.clients.length, errorKey);
const { counters, record, recordError } = kit;
let expectedEvents = 0;
const cleanups: (() => Promise<void> | void)[] = [];

function errorKey(e: unknown): string {
  const g = e as Partial<grpc.ServiceError> | undefined;
  if (g && typeof g.code === 'number') {
    return `${grpc.status[g.code] ?? g.code}: ${g.details || g.message || ''}`;
  }
  return e instanceof Error ? e.message : String(e);
}

function unary<Req, Res>(
  fn: UnaryFn<Req, Res>,
  stub: grpc.Client,
  req: Req,
  timeoutMs = cfg.requestTimeoutMs,
): Promise<Res> {
  return new Promise((resolve, reject) =>
    fn.call(stub, req, { deadline: Date.now() + timeoutMs }, (err, res) =>
      err ? reject(err) : resolve(res),
    ),
  );
}

// ---- connections ----

function connect(globalIndex: number): Conn {
  const target = grpcTarget(cfg.endpoints[globalIndex % cfg.endpoints.length]);
  const creds = grpc.credentials.createInsecure();
  const channel = new grpc.Channel(target, creds, {
    'grpc.use_local_subchannel_pool': 1,
    'grpc.max_receive_message_length': -1,
    'grpc.max_send_message_length': -1,
  });
  const opts = { channelOverride: channel };
  return {
    target,
    channel,
    kv: new KvClient(target, creds, opts) as unknown as KvStub,
    watch: new WatchClient(target, creds, opts) as unknown as WatchStub,
    lease: new LeaseClient(target, creds, opts) as unknown as LeaseStub,
  };
}

function waitReady(c: Conn): Promise<void> {
  return new Promise((resolve, reject) =>
    c.kv.waitForReady(Date.now() + cfg.dialTimeoutMs, (err) =>
      err ? reject(new Error(`cannot connect to ${c.target}: ${err.message}`)) : resolve(),
    ),
  );
}

// ---- workloads ----

const keys = new KeyMaker(cfg.keyPrefix, cfg.keySize, cfg.keySpaceSize);
const value = randomBytes(cfg.valSize);
const randomKeyNumber = () => Math.floor(Math.random() * cfg.keySpaceSize);
const keyNumber = (i: number) => (cfg.sequentialKeys ? i % cfg.keySpaceSize : randomKeyNumber());
const rangeRequest = (): etcdserverpb.IRangeRequest => ({
  key: Buffer.from(cfg.rangeKey ?? keys.key(0)),
  rangeEnd: cfg.rangeEnd !== undefined ? Buffer.from(cfg.rangeEnd) : undefined,
  limit: cfg.limit,
  countOnly: cfg.countOnly,
  serializable: cfg.consistency === 's',
});
const totalWatchers = cfg.streams * cfg.watchersPerStream;
/** watch workloads put the send time (µs, float64 LE) in the first 8 value bytes */
const timestamped =
  (cfg.workload === 'watch' || cfg.workload === 'watch-latency') && cfg.valSize >= 8;

function timed(name: HistName, also?: HistName): <T>(p: () => Promise<T>) => Promise<T> {
  return async (p) => {
    const t0 = nowUs();
    const r = await p();
    const us = nowUs() - t0;
    record(name, us);
    if (also) record(also, us);
    return r;
  };
}

function makeOp(conn: Conn, clientState: { lease?: KeepAliveClient }): Op {
  const kv = conn.kv;
  switch (cfg.workload) {
    case 'put': {
      const t = timed('main');
      return (i) => t(() => unary(kv.Put, kv, { key: keys.key(keyNumber(i)), value }));
    }
    case 'range': {
      const t = timed('main');
      const req = rangeRequest();
      return () => t(() => unary(kv.Range, kv, req));
    }
    case 'txn-put': {
      const t = timed('main');
      return (i) => {
        // distinct keys: etcd rejects a txn that puts one key twice
        const picked = new Set<number>();
        for (let j = 0; picked.size < cfg.txnOps; j++) {
          picked.add(
            cfg.sequentialKeys ? (i * cfg.txnOps + j) % cfg.keySpaceSize : randomKeyNumber(),
          );
        }
        const success: etcdserverpb.IRequestOp[] = [];
        for (const n of picked) success.push({ requestPut: { key: keys.key(n), value } });
        return t(() => unary(kv.Txn, kv, { success }));
      };
    }
    case 'txn-mixed': {
      const tr = timed('read', 'main');
      const tw = timed('write', 'main');
      const readShare = cfg.rwRatio / (1 + cfg.rwRatio);
      const read: etcdserverpb.ITxnRequest = { success: [{ requestRange: rangeRequest() }] };
      return (i) =>
        Math.random() < readShare
          ? tr(() => unary(kv.Txn, kv, read))
          : tw(() =>
              unary(kv.Txn, kv, {
                success: [{ requestPut: { key: keys.key(keyNumber(i)), value } }],
              }),
            );
    }
    case 'watch':
    case 'watch-latency': {
      const t = timed(cfg.workload === 'watch' ? 'main' : 'put');
      return (i) => {
        const k = keyNumber(i);
        expectedEvents += watchersOnKey(k, totalWatchers, cfg.keySpaceSize);
        let v = value;
        if (timestamped) {
          v = Buffer.from(value);
          v.writeDoubleLE(nowUs(), 0);
        }
        return t(() => unary(kv.Put, kv, { key: keys.key(k), value: v }));
      };
    }
    case 'lease-keepalive': {
      const t = timed('main');
      return () => t(() => clientState.lease!.keepAlive());
    }
    default:
      throw new Error(`not an etcd workload: ${cfg.workload}`);
  }
}

/** A lease and a keep-alive stream with one request in flight. */
class KeepAliveClient {
  id: etcdserverpb.LeaseGrantResponse['ID'] = 0;
  private stream?: Duplex<etcdserverpb.ILeaseKeepAliveRequest, etcdserverpb.LeaseKeepAliveResponse>;
  private pending?: {
    resolve(r: etcdserverpb.LeaseKeepAliveResponse): void;
    reject(e: unknown): void;
  };

  constructor(private readonly conn: Conn) {}

  async grant(): Promise<void> {
    const r = await unary(this.conn.lease.LeaseGrant, this.conn.lease, {
      TTL: cfg.leaseTtl,
      ID: 0,
    });
    if (r.error) throw new Error(`lease grant: ${r.error}`);
    this.id = r.ID;
  }

  private open() {
    const s = this.conn.lease.LeaseKeepAlive();
    s.on('data', (r: etcdserverpb.LeaseKeepAliveResponse) => {
      const p = this.pending;
      this.pending = undefined;
      if (!p) return;
      if (Number(r.TTL) <= 0) p.reject(new Error('lease keep-alive: lease not found (TTL <= 0)'));
      else p.resolve(r);
    });
    const broken = (e: unknown) => {
      if (this.stream === s) this.stream = undefined;
      const p = this.pending;
      this.pending = undefined;
      p?.reject(e ?? new Error('keep-alive stream ended'));
    };
    s.on('error', broken);
    s.on('end', () => broken(undefined));
    return (this.stream = s);
  }

  keepAlive(): Promise<etcdserverpb.LeaseKeepAliveResponse> {
    const s = this.stream ?? this.open();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        s.cancel();
        reject(new Error(`lease keep-alive: no response in ${cfg.requestTimeoutMs} ms`));
      }, cfg.requestTimeoutMs);
      this.pending = {
        resolve: (r) => (clearTimeout(timer), resolve(r)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
      s.write({ ID: this.id });
    });
  }

  async close(): Promise<void> {
    this.stream?.end();
    this.stream?.cancel();
    if (this.id)
      await unary(this.conn.lease.LeaseRevoke, this.conn.lease, { ID: this.id }, 2000).catch(
        () => undefined,
      );
  }
}

/** A watch stream with its watchers; creates them one at a time, counts the events. */
async function openWatchStream(conn: Conn, globalStream: number): Promise<void> {
  const call = conn.watch.Watch();
  let created: (() => void) | undefined;
  let failed: ((e: unknown) => void) | undefined;
  let closing = false;
  call.on('data', (r: etcdserverpb.WatchResponse) => {
    if (r.created) {
      const c = created;
      created = undefined;
      c?.();
    }
    if (r.canceled)
      recordError(new Error(`watch canceled${r.cancelReason ? `: ${r.cancelReason}` : ''}`));
    const n = r.events.length;
    if (n === 0) return;
    counters.events += n;
    if (!timestamped) return;
    const now = nowUs();
    for (const ev of r.events) {
      const v = ev.kv?.value;
      if (!v || v.length < 8) continue;
      const sent = Buffer.from(v.buffer, v.byteOffset, v.byteLength).readDoubleLE(0);
      const lat = now - sent;
      if (lat >= 0 && lat < 3_600_000_000)
        record(cfg.workload === 'watch-latency' ? 'main' : 'event', lat);
    }
  });
  call.on('error', (e) => {
    if (!closing) recordError(e);
    failed?.(e);
  });
  cleanups.push(() => {
    closing = true;
    call.end();
    call.cancel();
  });
  for (let t = 0; t < cfg.watchersPerStream; t++) {
    const j = globalStream * cfg.watchersPerStream + t;
    const t0 = nowUs();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`watch create: no response in ${cfg.requestTimeoutMs} ms`)),
        cfg.requestTimeoutMs,
      );
      created = () => (clearTimeout(timer), resolve());
      failed = (e) => (clearTimeout(timer), reject(new Error(`watch stream: ${errorKey(e)}`)));
      call.write({ createRequest: { key: keys.key(j % cfg.keySpaceSize) } });
    });
    record('create', nowUs() - t0);
  }
  failed = undefined;
}

// ---- lifecycle ----

async function main(): Promise<void> {
  const conns = wd.share.conns.map(connect);
  cleanups.push(() =>
    conns.forEach((c) => (c.kv.close(), c.watch.close(), c.lease.close(), c.channel.close())),
  );
  await Promise.all(conns.map(waitReady));

  const states = wd.share.clients.map(() => ({}) as { lease?: KeepAliveClient });
  const ops = wd.share.clients.map((_, k) => makeOp(conns[k % conns.length], states[k]));
  if (cfg.workload === 'lease-keepalive') {
    await Promise.all(
      states.map(async (s, k) => {
        s.lease = new KeepAliveClient(conns[k % conns.length]);
        cleanups.unshift(() => s.lease!.close());
        await s.lease.grant();
      }),
    );
  }
  if (cfg.workload === 'watch' || cfg.workload === 'watch-latency') {
    await Promise.all(wd.share.streams.map((s, k) => openWatchStream(conns[k % conns.length], s)));
  }

  await kit.runOps(
    ops,
    () => expectedEvents,
    async () => {
      for (const c of cleanups) await c();
    },
  );
}

main().catch((e: unknown) => {
  post({ t: 'fatal', error: e instanceof Error ? e.message : String(e) });
  // the main thread terminates this worker
});
