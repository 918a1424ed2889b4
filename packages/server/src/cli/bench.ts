/**
 * `concord bench`: load generator with the workloads of etcd's benchmark tool
 * (put, range, txn-put, txn-mixed, watch, watch-latency, lease-keepalive), run over
 * worker threads so the client is not the bottleneck (see ../bench/).
 *
 * The ZooKeeper workloads (zk-create, zk-set, zk-get, zk-ephemeral, zk-watch) speak the
 * ZooKeeper protocol (a minimal jute client in ../bench/zk-worker.ts) to Concord's
 * --listen-zookeeper-urls or to a real ZooKeeper.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import * as os from 'node:os';
import { parseDuration } from '@concord/client';
import { BenchConfig, EtcdWorkload, grpcTarget, KeyMaker, ZkWorkload } from '../bench/common';
import { runBench } from '../bench/runner';
import { humanSummary } from '../bench/report';

function int(min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`must be an integer >= ${min}`);
    return n;
  };
}

function num(min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min)
      throw new InvalidArgumentError(`must be a number >= ${min}`);
    return n;
  };
}

/** A duration: 30s, 1m30s, 500ms; a bare number is seconds. */
function duration(v: string): number {
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Number(v) * 1000;
  let ms: number;
  try {
    ms = parseDuration(v);
  } catch {
    throw new InvalidArgumentError('use e.g. 30s, 2m, 500ms (a bare number is seconds)');
  }
  if (!(ms >= 0)) throw new InvalidArgumentError('must not be negative');
  return ms;
}

function durationOption(flags: string, description: string, ms: number, shown: string): Option {
  return new Option(flags, description).argParser(duration).default(ms, shown);
}

const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

interface CommonOpts {
  endpoints: string[];
  conns: number;
  clients: number;
  workers?: number;
  total?: number;
  duration?: number;
  keySize: number;
  valSize: number;
  keySpaceSize: number;
  sequentialKeys?: boolean;
  keyPrefix: string;
  rate?: number;
  targetLeader?: boolean;
  dialTimeout: number;
  requestTimeout: number;
  json?: boolean;
  progress: boolean;
  // workload-specific
  consistency?: 'l' | 's';
  limit?: number;
  countOnly?: boolean;
  txnOps?: number;
  rwRatio?: number;
  streams?: number;
  watchersPerStream?: number;
  drainTimeout?: number;
  leaseTtl?: number;
}

function addCommon(cmd: Command, defaults: { valSize?: number } = {}): Command {
  return cmd
    .option('--endpoints <list>', 'comma-separated host:port or http://host:port', list, [
      '127.0.0.1:2379',
    ])
    .option('--conns <n>', 'gRPC connections (each its own HTTP/2 session)', int(1), 1)
    .option(
      '--clients <n>',
      'concurrent clients, each with one request in flight (closed loop)',
      int(1),
      1,
    )
    .option(
      '--workers <n>',
      `worker threads generating the load (default: CPU count, ${os.availableParallelism()} here; at most --conns and --clients)`,
      int(1),
    )
    .option(
      '--total <n>',
      'operations in all (default 10000; unlimited when only --duration is given; 0 = unlimited)',
      int(0),
    )
    .option(
      '--duration <d>',
      'stop after this long (30s, 2m; bare number = seconds); with --total, whichever comes first',
      duration,
    )
    .option(
      '--key-size <bytes>',
      'key size in bytes (keys are --key-prefix + zero-padded key number)',
      int(1),
      8,
    )
    .option('--val-size <bytes>', 'value size in bytes', int(0), defaults.valSize ?? 8)
    .option('--key-space-size <n>', 'number of distinct keys', int(1), 1)
    .option('--sequential-keys', 'op i uses key i mod key-space-size instead of a random key')
    .option('--key-prefix <s>', 'prefix of every key written or watched', '')
    .option(
      '--rate <ops/s>',
      'limit on operations per second for the whole run (0 = unlimited)',
      num(0),
    )
    .option('--target-leader', 'send requests to the leader only (accepted; no effect yet)')
    .addOption(
      durationOption('--dial-timeout <d>', 'time to wait for each connection at start', 5000, '5s'),
    )
    .addOption(durationOption('--request-timeout <d>', 'deadline of each request', 10_000, '10s'))
    .option(
      '--json',
      'print one JSON line with the results and parameters on stdout (the summary goes to stderr)',
    )
    .option('--no-progress', 'no progress bar / progress lines on stderr');
}

function consistencyOption(): Option {
  return new Option('--consistency <l|s>', 'linearizable (l) or serializable (s) reads')
    .choices(['l', 's'])
    .default('l');
}

function config(
  workload: EtcdWorkload,
  o: CommonOpts,
  args: { key?: string; end?: string } = {},
): BenchConfig {
  if (o.endpoints.length === 0) throw new Error('no endpoints given (--endpoints)');
  for (const e of o.endpoints) grpcTarget(e);
  const durationMs = o.duration ?? 0;
  const total = o.total ?? (durationMs > 0 ? 0 : 10_000);
  const requested = o.workers ?? os.availableParallelism();
  const workers = Math.max(1, Math.min(requested, o.conns, o.clients));
  if (o.workers !== undefined && workers < o.workers) {
    process.stderr.write(
      `bench: using ${workers} worker thread(s): each worker needs its own connection and client\n`,
    );
  }
  let rate = o.rate ?? 0;
  if (workload === 'watch-latency' && o.rate === undefined) rate = 100;
  if (workload === 'watch-latency' && o.valSize < 8) {
    throw new Error('watch-latency needs --val-size >= 8 (the put time travels in the value)');
  }
  const cfg: BenchConfig = {
    workload,
    endpoints: o.endpoints,
    conns: o.conns,
    clients: o.clients,
    workers,
    total,
    durationMs,
    keySize: o.keySize,
    valSize: o.valSize,
    keySpaceSize: o.keySpaceSize,
    sequentialKeys: Boolean(o.sequentialKeys),
    keyPrefix: o.keyPrefix,
    rate,
    targetLeader: Boolean(o.targetLeader),
    dialTimeoutMs: o.dialTimeout,
    requestTimeoutMs: o.requestTimeout,
    consistency: o.consistency ?? 'l',
    rangeKey: args.key,
    rangeEnd: args.end,
    limit: o.limit ?? 0,
    countOnly: Boolean(o.countOnly),
    txnOps: o.txnOps ?? 1,
    rwRatio: o.rwRatio ?? 1,
    streams: o.streams ?? 0,
    watchersPerStream: o.watchersPerStream ?? 0,
    drainTimeoutMs: o.drainTimeout ?? 10_000,
    leaseTtl: o.leaseTtl ?? 60,
  };
  if (workload === 'txn-put' && cfg.txnOps > cfg.keySpaceSize) {
    throw new Error(
      `--txn-ops ${cfg.txnOps} needs --key-space-size >= ${cfg.txnOps} (the keys of a txn must differ)`,
    );
  }
  new KeyMaker(cfg.keyPrefix, cfg.keySize, cfg.keySpaceSize); // validates key size vs key space
  return cfg;
}

async function run(cfg: BenchConfig, o: CommonOpts): Promise<void> {
  const report = await runBench(cfg, { progress: o.progress });
  const summary = humanSummary(report);
  if (o.json) {
    process.stderr.write(summary);
    process.stdout.write(JSON.stringify(report) + '\n');
  } else {
    process.stdout.write(summary);
  }
}

function etcdWorkload(
  name: EtcdWorkload,
  description: string,
  setup: (c: Command) => Command = (c) => c,
  positional?: boolean,
): Command {
  const c = addCommon(new Command(name).description(description));
  if (positional)
    c.argument('[key]', 'key to read (default: the first key of the key space)').argument(
      '[end]',
      'range end (exclusive)',
    );
  setup(c);
  return c.action(async (...a: unknown[]) => {
    const cmd = a[a.length - 1] as Command;
    const o = cmd.opts<CommonOpts>();
    const args = positional
      ? { key: a[0] as string | undefined, end: a[1] as string | undefined }
      : {};
    await run(config(name, o, args), o);
  });
}

interface ZkOpts {
  endpoints: string[];
  conns: number;
  clients: number;
  workers?: number;
  total?: number;
  duration?: number;
  root: string;
  valSize: number;
  keySpaceSize: number;
  sequentialKeys?: boolean;
  rate?: number;
  sessionTimeout: number;
  dialTimeout: number;
  requestTimeout: number;
  drainTimeout: number;
  sequential?: boolean;
  watchersPerSession?: number;
  json?: boolean;
  progress: boolean;
}

function zkConfig(workload: ZkWorkload, o: ZkOpts): BenchConfig {
  if (o.endpoints.length === 0) throw new Error('no endpoints given (--endpoints)');
  for (const e of o.endpoints) {
    if (!/^(tcp:\/\/)?(\[[0-9a-fA-F:.]+\]|[^:/\s]+):\d+$/.test(e.trim()))
      throw new Error(`invalid endpoint ${JSON.stringify(e)} (use host:port)`);
  }
  if (!o.root.startsWith('/') || o.root === '/')
    throw new Error('--root must be an absolute znode path other than /');
  const durationMs = o.duration ?? 0;
  const total = o.total ?? (durationMs > 0 ? 0 : 10_000);
  const workers = Math.max(1, Math.min(o.workers ?? os.availableParallelism(), o.conns, o.clients));
  let rate = o.rate ?? 0;
  if (workload === 'zk-watch' && o.rate === undefined) rate = 100;
  const watch = workload === 'zk-watch';
  if (watch && o.valSize < 8)
    throw new Error('zk-watch needs --val-size >= 8 (the setData time travels in the data)');
  return {
    workload,
    endpoints: o.endpoints,
    conns: o.conns,
    clients: o.clients,
    workers,
    total,
    durationMs,
    keySize: 0,
    valSize: o.valSize,
    keySpaceSize: o.keySpaceSize,
    sequentialKeys: Boolean(o.sequentialKeys),
    keyPrefix: '',
    rate,
    targetLeader: false,
    dialTimeoutMs: o.dialTimeout,
    requestTimeoutMs: o.requestTimeout,
    consistency: 'l',
    limit: 0,
    countOnly: false,
    txnOps: 1,
    rwRatio: 1,
    // zk-watch: one "stream" per session
    streams: watch ? o.conns : 0,
    watchersPerStream: watch ? (o.watchersPerSession ?? 100) : 0,
    drainTimeoutMs: o.drainTimeout ?? 10_000,
    leaseTtl: 0,
    zk: {
      root: o.root,
      sessionTimeoutMs: o.sessionTimeout,
      sequential: Boolean(o.sequential),
      watchersPerSession: o.watchersPerSession ?? 0,
      runId: Date.now().toString(36) + process.pid.toString(36),
    },
  };
}

/** ZooKeeper workloads: sessions over the ZooKeeper protocol (Concord or a real ZooKeeper). */
function zkWorkload(
  name: ZkWorkload,
  description: string,
  setup: (c: Command) => Command = (c) => c,
): Command {
  const c = new Command(name)
    .description(description)
    .option('--endpoints <list>', 'comma-separated ZooKeeper host:port', list, ['127.0.0.1:2181'])
    .option('--conns <n>', 'ZooKeeper sessions (connections)', int(1), 1)
    .option(
      '--clients <n>',
      'concurrent clients, each with one request in flight (closed loop)',
      int(1),
      1,
    )
    .option('--workers <n>', 'worker threads generating the load (default: CPU count)', int(1))
    .option(
      '--total <n>',
      'operations in all (default 10000; unlimited when only --duration is given)',
      int(0),
    )
    .option('--duration <d>', 'stop after this long; with --total, whichever comes first', duration)
    .option('--root <path>', 'parent znode of every znode the run uses', '/concord-bench')
    .option('--val-size <bytes>', 'znode data size in bytes', int(0), 8)
    .option('--key-space-size <n>', 'number of distinct znodes', int(1), 1)
    .option('--sequential-keys', 'op i uses znode i mod key-space-size instead of a random one')
    .option(
      '--rate <ops/s>',
      'limit on operations per second for the whole run (0 = unlimited)',
      num(0),
    )
    .addOption(durationOption('--session-timeout <d>', 'ZooKeeper session timeout', 10_000, '10s'))
    .addOption(
      durationOption('--dial-timeout <d>', 'time to wait for each session at start', 5000, '5s'),
    )
    .addOption(durationOption('--request-timeout <d>', 'deadline of each request', 10_000, '10s'))
    .option(
      '--json',
      'print one JSON line with the results and parameters on stdout (the summary goes to stderr)',
    )
    .option('--no-progress', 'no progress bar / progress lines on stderr');
  setup(c);
  return c.action(async (o: ZkOpts) => {
    const cfg = zkConfig(name, o);
    const report = await runBench(cfg, { progress: o.progress });
    const summary = humanSummary(report);
    if (o.json) {
      process.stderr.write(summary);
      process.stdout.write(JSON.stringify(report) + '\n');
    } else {
      process.stdout.write(summary);
    }
  });
}

export function benchCommand(): Command {
  const bench = new Command('bench')
    .description("Benchmark a Concord or etcd cluster with the workloads of etcd's benchmark tool")
    .addHelpText(
      'after',
      `
Every etcd workload accepts --endpoints, --conns, --clients, --workers, --total,
--duration, --key-size, --val-size, --key-space-size, --sequential-keys, --rate,
--target-leader (no effect yet) and --json; see \`concord bench <workload> --help\`.
The load is spread over worker threads (each owns its share of the connections and
clients); latencies go to HDR histograms merged at the end. Output: progress on
stderr, then a summary (ops, duration, ops/s, avg/p50/p90/p99/p99.9/max latency,
errors by gRPC code); with --json one JSON line per run on stdout.

ZooKeeper workloads (zk-create, zk-set, zk-get, zk-ephemeral, zk-watch) take
--endpoints host:port of ZooKeeper listeners (Concord's --listen-zookeeper-urls or a
real ZooKeeper), --conns sessions, --clients, --root (default /concord-bench) and
report the same summary / --json line; zk-set, zk-get and zk-watch first create the
key space (--key-space-size znodes <root>/k<n>) if missing.

Examples:
  concord bench put --endpoints 127.0.0.1:2379 --conns 16 --clients 256 --total 100000 --key-space-size 100000
  concord bench range 00000000 --consistency s --clients 64 --duration 30s
  concord bench txn-mixed --rw-ratio 4 --key-space-size 1000 --clients 32 --json
  concord bench watch-latency --streams 10 --watchers-per-stream 10 --rate 100 --total 1000
  concord bench zk-set --endpoints 127.0.0.1:2181 --conns 4 --clients 64 --key-space-size 10000 --total 50000`,
    );

  bench.addCommand(etcdWorkload('put', 'Put random (or sequential) keys of the key space'));
  bench.addCommand(
    etcdWorkload(
      'range',
      'Range over [key, end): --consistency l (linearizable) or s (serializable)',
      (c) =>
        c
          .addOption(consistencyOption())
          .option('--limit <n>', 'maximum keys per response (0 = no limit)', int(0), 0)
          .option('--count-only', 'return only the count'),
      true,
    ),
  );
  bench.addCommand(
    etcdWorkload('txn-put', 'Txns each putting --txn-ops keys', (c) =>
      c.option('--txn-ops <n>', 'puts in each txn', int(1), 1),
    ),
  );
  bench.addCommand(
    etcdWorkload(
      'txn-mixed',
      'Txns reading [key, end) or putting a key, --rw-ratio reads per write; reports reads and writes apart',
      (c) =>
        c
          .option('--rw-ratio <r>', 'reads per write (e.g. 4 = 80% reads)', num(0), 1)
          .addOption(consistencyOption())
          .option('--limit <n>', 'maximum keys per read (0 = no limit)', int(0), 0),
      true,
    ),
  );
  const watchOptions = (perStream: number) => (c: Command) =>
    c
      .option('--streams <n>', 'watch streams (spread over the connections)', int(1), 10)
      .option(
        '--watchers-per-stream <n>',
        'watchers on each stream; watcher j watches key j mod key-space-size',
        int(1),
        perStream,
      )
      .addOption(
        durationOption(
          '--drain-timeout <d>',
          'after the last put, how long to wait for all events',
          10_000,
          '10s',
        ),
      );
  bench.addCommand(
    etcdWorkload(
      'watch',
      'Create many watchers (creation latency), then put to the watched keys (put latency) and report event delivery',
      watchOptions(100),
    ),
  );
  bench.addCommand(
    etcdWorkload(
      'watch-latency',
      'Put-to-event latency seen by every watcher while putting to the watched keys (--rate defaults to 100)',
      watchOptions(10),
    ),
  );
  bench.addCommand(
    etcdWorkload(
      'lease-keepalive',
      'Each client grants a lease, then sends keep-alives on its stream (one in flight)',
      (c) =>
        c.option(
          '--lease-ttl <s>',
          'TTL of the granted leases in seconds (revoked at the end)',
          int(1),
          60,
        ),
    ),
  );

  bench.addCommand(
    zkWorkload('zk-create', 'Create znodes under --root', (c) =>
      c.option('--sequential', 'create SEQUENTIAL znodes'),
    ),
  );
  bench.addCommand(zkWorkload('zk-set', 'setData on existing znodes'));
  bench.addCommand(zkWorkload('zk-get', 'getData on existing znodes'));
  bench.addCommand(
    zkWorkload('zk-ephemeral', 'Create and delete EPHEMERAL znodes (one per session and op)'),
  );
  bench.addCommand(
    zkWorkload(
      'zk-watch',
      'Set data watches, then setData on the watched znodes; reports notification delivery and latency',
      (c) =>
        c
          .option('--watchers-per-session <n>', 'watches set by each session', int(1), 100)
          .addOption(
            durationOption(
              '--drain-timeout <d>',
              'after the last setData, how long to wait for all notifications',
              10_000,
              '10s',
            ),
          ),
    ),
  );
  return bench;
}
