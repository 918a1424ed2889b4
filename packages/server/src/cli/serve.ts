import { Command, Option } from 'commander';
import pino from 'pino';
import { startIdleHeapTrim } from '../util/idle-heap-trim';
import { widenOldGenerationGrowth } from '../util/heap-growth';
import { startConcord } from '../embed';
import { Limits } from '../server/errors';
import { parseInitialCluster } from '../server/cluster';
import { DEFAULT_ZOOKEEPER_URL } from '../api/zk/start';
import { DEFAULT_BATCH_INTERVAL_MS, DEFAULT_BATCH_LIMIT } from '../backend/backend';

const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const int = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`not a number: ${v}`);
  return n;
};

/** `concord serve`: etcd's flag names and defaults, data in ./data. */
export function serveCommand(): Command {
  return new Command('serve')
    .description('run a Concord member (etcd v3 API on the client URLs)')
    .option('--name <name>', 'human-readable name for this member', 'default')
    .option('--data-dir <dir>', 'path to the data directory', './data')
    .option('--listen-client-urls <urls>', 'URLs to listen on for client traffic', list, [
      'http://127.0.0.1:2379',
    ])
    .option(
      '--listen-client-http-urls <urls>',
      'URLs for HTTP only (gateway, /health, /metrics); the client URLs then serve gRPC alone',
      list,
    )
    .option('--advertise-client-urls <urls>', "this member's client URLs to advertise", list)
    .option('--listen-peer-urls <urls>', 'URLs to listen on for peer traffic', list, [
      'http://127.0.0.1:2380',
    ])
    .option('--initial-advertise-peer-urls <urls>', "this member's peer URLs to advertise", list)
    .option('--initial-cluster <members>', 'initial cluster configuration (name=url,...)')
    .addOption(
      new Option('--initial-cluster-state <state>', 'new or existing')
        .choices(['new', 'existing'])
        .default('new'),
    )
    .option('--initial-cluster-token <token>', 'initial cluster token', 'etcd-cluster')
    .option(
      '--quota-backend-bytes <bytes>',
      'backend size before a NOSPACE alarm (0 = default 2 GiB)',
      int,
      0,
    )
    .option(
      '--max-request-bytes <bytes>',
      'maximum client request size',
      int,
      Limits.maxRequestBytes,
    )
    .option('--max-txn-ops <n>', 'maximum operations per txn', int, Limits.maxTxnOps)
    .option('--heartbeat-interval <ms>', 'heartbeat interval in ms', int, 100)
    .option('--election-timeout <ms>', 'election timeout in ms', int, 1000)
    .option(
      '--experimental-watch-progress-notify-interval <duration>',
      'progress notify interval, e.g. 10m, 5s',
      '10m',
    )
    .option(
      '--listen-zookeeper-urls <urls>',
      'URLs to serve the ZooKeeper protocol on (tcp://host:port, or none)',
      list,
    )
    .option(
      '--zookeeper-tick-time <ms>',
      'ZooKeeper tickTime: session timeouts are negotiated within 2-20 ticks',
      int,
      2000,
    )
    .option(
      '--zookeeper-4lw-commands-whitelist <words>',
      "ZooKeeper's 4lw.commands.whitelist (* = all)",
      list,
      ['srvr'],
    )
    .option(
      '--zookeeper-extended-types',
      "TTL nodes (ZooKeeper's zookeeper.extendedTypesEnabled)",
      false,
    )
    .option('--log-level <level>', 'debug, info, warn, error', 'info')
    .option('--logger <logger>', 'accepted for etcd compatibility (always structured JSON)', 'zap')
    .option('--log-outputs <outputs>', 'stderr or stdout', 'stderr')
    .option(
      '--no-idle-heap-trim',
      'do not run a full GC to return heap memory when the server goes quiet after a burst',
    )
    .option(
      '--backend-batch-interval <duration>',
      'longest an applied write waits for the backend commit it shares with others (the WAL has it already)',
      `${DEFAULT_BATCH_INTERVAL_MS}ms`,
    )
    .option(
      '--backend-batch-limit <n>',
      'applied writes after which the backend commits at once',
      int,
      DEFAULT_BATCH_LIMIT,
    )
    .option(
      '--snapshot-count <n>',
      'cluster members: applied entries between Raft snapshots (log compaction)',
      int,
      100000,
    )
    .action(async (o: Record<string, unknown>) => {
      const dest = o.logOutputs === 'stdout' ? 1 : 2;
      const logger = pino({ level: String(o.logLevel) }, pino.destination({ dest, sync: false }));
      const listen = o.listenClientUrls as string[];
      const peer =
        (o.initialAdvertisePeerUrls as string[] | undefined) ?? (o.listenPeerUrls as string[]);
      if (o.initialCluster) checkInitialCluster(String(o.initialCluster), String(o.name), peer);
      try {
        widenOldGenerationGrowth();
        const running = await startConcord({
          name: String(o.name),
          dataDir: String(o.dataDir),
          listenClientUrls: listen,
          listenClientHttpUrls: o.listenClientHttpUrls as string[] | undefined,
          advertiseClientUrls: (o.advertiseClientUrls as string[] | undefined) ?? listen,
          listenPeerUrls: o.listenPeerUrls as string[],
          initialAdvertisePeerUrls: peer,
          initialClusterToken: String(o.initialClusterToken),
          initialCluster: o.initialCluster ? String(o.initialCluster) : undefined,
          initialClusterState: o.initialClusterState === 'existing' ? 'existing' : 'new',
          snapshotCount: o.snapshotCount as number,
          backendBatchIntervalMs: parseDuration(String(o.backendBatchInterval)),
          backendBatchLimit: o.backendBatchLimit as number,
          quotaBackendBytes: o.quotaBackendBytes as number,
          maxRequestBytes: o.maxRequestBytes as number,
          maxTxnOps: o.maxTxnOps as number,
          heartbeatMs: o.heartbeatInterval as number,
          electionMs: o.electionTimeout as number,
          progressNotifyIntervalMs: parseDuration(
            String(o.experimentalWatchProgressNotifyInterval),
          ),
          listenZookeeperUrls: (o.listenZookeeperUrls as string[] | undefined) ?? [
            DEFAULT_ZOOKEEPER_URL,
          ],
          zookeeperOptional: o.listenZookeeperUrls === undefined,
          zookeeperTickTimeMs: o.zookeeperTickTime as number,
          zookeeper4lwWhitelist: o.zookeeper4lwCommandsWhitelist as string[],
          zookeeperExtendedTypes: o.zookeeperExtendedTypes === true,
          logger,
        });
        const trim =
          o.idleHeapTrim === false
            ? undefined
            : startIdleHeapTrim({
                activity: () => running.server.sm.appliedIndex,
                onTrim: (t) =>
                  logger.debug(
                    {
                      heapBeforeMiB: Math.round(t.beforeBytes / 1048576),
                      heapAfterMiB: Math.round(t.afterBytes / 1048576),
                      pauseMs: Math.round(t.pauseMs),
                    },
                    'idle: heap trimmed',
                  ),
              });
        const shutdown = (sig: string) => {
          logger.info({ signal: sig }, 'shutting down');
          trim?.stop();
          running.close().then(
            () => process.exit(0),
            () => process.exit(1),
          );
        };
        process.once('SIGINT', () => shutdown('SIGINT'));
        process.once('SIGTERM', () => shutdown('SIGTERM'));
      } catch (err) {
        logger.fatal({ err }, 'cannot start');
        logger.flush();
        const msg = err instanceof Error ? err.message : String(err);
        process.stderr.write(`concord: cannot start: ${msg}\n`);
        process.exitCode = 1;
        setTimeout(() => process.exit(1), 100);
      }
    });
}

function checkInitialCluster(spec: string, name: string, peerUrls: string[]): void {
  const members = parseInitialCluster(spec);
  const mine = members.find((m) => m.name === name);
  if (!mine) throw new Error(`--initial-cluster has no member named ${name}`);
  // every member derives our ID from the URLs listed in --initial-cluster: they must be ours
  if (members.length > 1 && [...mine.peerUrls].sort().join(',') !== [...peerUrls].sort().join(','))
    throw new Error(
      `--initial-cluster has ${name}=${mine.peerUrls.join(',')} but --initial-advertise-peer-urls is ${peerUrls.join(',')}`,
    );
}

/**
 * Go-style durations: "10m", "5s", "1h30m", "250ms", and "0" as Go's time.ParseDuration takes
 * it. What 0 means is the setting's business (etcd reads 0 as "the default" for the batch and
 * progress-notify intervals; the embed and backend apply that).
 */
export function parseDuration(s: string): number {
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let m: RegExpExecArray | null;
  let matched = '';
  while ((m = re.exec(s))) {
    matched += m[0];
    const n = Number(m[1]);
    total +=
      m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n * 3_600_000;
  }
  if (s === '' || matched !== s) throw new Error(`invalid duration: ${s}`);
  return total;
}
