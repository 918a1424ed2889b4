/**
 * `concord bench`: what the main thread and the worker threads share — the run
 * configuration, the messages between them, keys, clocks and latency histograms.
 *
 * Latencies are recorded in microseconds in HDR histograms (hdr-histogram-js, 3
 * significant digits); a worker sends its histograms to the main thread encoded
 * (compressed base64), where they are decoded and added together.
 */
import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  Histogram,
} from 'hdr-histogram-js';

export const ETCD_WORKLOADS = [
  'put',
  'range',
  'txn-put',
  'txn-mixed',
  'watch',
  'watch-latency',
  'lease-keepalive',
] as const;
export type EtcdWorkload = (typeof ETCD_WORKLOADS)[number];

export const ZK_WORKLOADS = ['zk-create', 'zk-set', 'zk-get', 'zk-ephemeral', 'zk-watch'] as const;
export type ZkWorkload = (typeof ZK_WORKLOADS)[number];
export type Workload = EtcdWorkload | ZkWorkload;
export const isZk = (w: Workload): w is ZkWorkload => w.startsWith('zk-');
/** workloads whose events are counted and drained at the end */
export const isWatchLike = (w: Workload): boolean =>
  w === 'watch' || w === 'watch-latency' || w === 'zk-watch';

/** ZooKeeper workloads only. */
export interface ZkConfig {
  /** parent znode of everything the run touches */
  root: string;
  sessionTimeoutMs: number;
  /** zk-create: SEQUENTIAL znodes */
  sequential: boolean;
  /** zk-watch: data watches set by each session */
  watchersPerSession: number;
  /** unique per run: names of created znodes (zk-create, zk-ephemeral) */
  runId: string;
}

/** Everything a run needs; sent to every worker as workerData (with the worker's own share). */
export interface BenchConfig {
  workload: Workload;
  /** set for the zk-* workloads */
  zk?: ZkConfig;
  endpoints: string[];
  conns: number;
  clients: number;
  /** worker threads actually used (min of --workers, --conns, --clients) */
  workers: number;
  /** 0 = no limit (then --duration or Ctrl-C ends the run) */
  total: number;
  /** ms; 0 = no limit */
  durationMs: number;
  keySize: number;
  valSize: number;
  keySpaceSize: number;
  sequentialKeys: boolean;
  keyPrefix: string;
  /** ops/s for the whole run; 0 = unlimited */
  rate: number;
  targetLeader: boolean;
  dialTimeoutMs: number;
  requestTimeoutMs: number;
  // range / txn-mixed
  consistency: 'l' | 's';
  rangeKey?: string;
  rangeEnd?: string;
  limit: number;
  countOnly: boolean;
  // txn-put
  txnOps: number;
  // txn-mixed
  rwRatio: number;
  // watch, watch-latency
  streams: number;
  watchersPerStream: number;
  drainTimeoutMs: number;
  // lease-keepalive
  leaseTtl: number;
}

/** What worker `index` owns: global indices of its connections, clients and watch streams. */
export interface WorkerShare {
  index: number;
  conns: number[];
  clients: number[];
  streams: number[];
}

export interface WorkerData {
  cfg: BenchConfig;
  share: WorkerShare;
  /** [0] = next global op index (claimed with Atomics.add), [1] = stop flag */
  control: SharedArrayBuffer;
}

/** Named histograms a worker may record; `main` is the one every summary reports. */
export type HistName = 'main' | 'read' | 'write' | 'put' | 'event' | 'create';

export interface Counters {
  ops: number;
  errors: number;
  /** watch events received by this worker's watchers */
  events: number;
}

export type WorkerMsg =
  | { t: 'ready' }
  | { t: 'fatal'; error: string }
  | ({ t: 'progress' } & Counters)
  | ({ t: 'done'; expectedEvents: number } & Counters)
  | ({
      t: 'result';
      expectedEvents: number;
      hists: Partial<Record<HistName, { hdr: string; sumUs: number }>>;
      errorsByCode: Record<string, number>;
    } & Counters);

export type MainMsg = { t: 'run' } | { t: 'finish' };

/** Monotonic clock in microseconds, the same in every thread of the process. */
export function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export function newHistogram(): Histogram {
  return build({
    bitBucketSize: 32,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60 * 60 * 1_000_000,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
  });
}

export function encodeHistogram(h: Histogram): string {
  return encodeIntoCompressedBase64(h);
}

export function decodeHistogram(s: string): Histogram {
  return decodeFromCompressedBase64(s, 32);
}

/**
 * Key number n as bytes: `keyPrefix` then n in decimal, zero-padded so that the whole
 * key is `keySize` bytes (etcd's tool writes a varint into keySize zero bytes; a readable
 * key is easier to check with `concord ctl get`).
 */
export class KeyMaker {
  private readonly width: number;
  constructor(
    private readonly prefix: string,
    keySize: number,
    keySpaceSize: number,
  ) {
    this.width = keySize - Buffer.byteLength(prefix);
    const digits = String(Math.max(0, keySpaceSize - 1)).length;
    if (this.width < digits) {
      throw new Error(
        `--key-size ${keySize} is too small for --key-space-size ${keySpaceSize}` +
          (prefix ? ` with --key-prefix ${JSON.stringify(prefix)}` : '') +
          `: need at least ${digits + Buffer.byteLength(prefix)}`,
      );
    }
  }
  key(n: number): Buffer {
    return Buffer.from(this.prefix + String(n).padStart(this.width, '0'));
  }
}

/** How many of `watchers` watchers (watcher j watches key j % keySpace) watch key k. */
export function watchersOnKey(k: number, watchers: number, keySpace: number): number {
  return k < watchers ? Math.floor((watchers - 1 - k) / keySpace) + 1 : 0;
}

/** `host:port` from an endpoint given as host:port or http://host:port. */
export function grpcTarget(endpoint: string): string {
  const e = endpoint.trim();
  if (/^https:\/\//i.test(e))
    throw new Error(`endpoint ${e}: TLS is not supported by concord bench`);
  const hostPort = e.replace(/^http:\/\//i, '').replace(/\/+$/, '');
  if (!/^(\[[0-9a-fA-F:.]+\]|[^:/\s]+):\d+$/.test(hostPort)) {
    throw new Error(
      `invalid endpoint ${JSON.stringify(endpoint)} (use host:port or http://host:port)`,
    );
  }
  return hostPort;
}
