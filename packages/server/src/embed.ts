import { GrpcServer } from './api/grpc/grpc-server';
import pino, { Logger } from 'pino';
import { EtcdServer, ServerConfig } from './server/etcd-server';
import { addEtcdServices } from './api/etcd/services';
import { ClientListener } from './api/client-listener';
import { createHttpApi, GatewayHandler } from './api/http/http-api';
import { jsonGateway } from './api/http/gateway';
import { progressNotifyInterval } from './api/etcd/watch-stream';
import { Limits } from './server/errors';
import { startZooKeeper } from './api/zk/start';

export interface ConcordOptions {
  name?: string;
  dataDir?: string;
  listenClientUrls?: string[];
  /** etcd 3.5's --listen-client-http-urls: HTTP (gateway, /health, /metrics) only here, and
   * the client URLs serve gRPC alone (no per-connection protocol sniffing) */
  listenClientHttpUrls?: string[];
  advertiseClientUrls?: string[];
  listenPeerUrls?: string[];
  initialAdvertisePeerUrls?: string[];
  initialClusterToken?: string;
  /** etcd's --initial-cluster; with several members this member joins a Raft cluster */
  initialCluster?: string;
  /** etcd's --initial-cluster-state */
  initialClusterState?: 'new' | 'existing';
  /** etcd's --snapshot-count (cluster members) */
  snapshotCount?: number;
  /** etcd's --backend-batch-interval (ms) and --backend-batch-limit: how long and for how many
   * writes applied writes share one backend commit; 100 ms and 10,000, as etcd */
  backendBatchIntervalMs?: number;
  backendBatchLimit?: number;
  quotaBackendBytes?: number;
  maxRequestBytes?: number;
  maxTxnOps?: number;
  heartbeatMs?: number;
  electionMs?: number;
  progressNotifyIntervalMs?: number;
  logger?: Logger;
  /** JSON gateway for /v3/... paths */
  gateway?: (server: EtcdServer) => GatewayHandler;
  /** ZooKeeper client port(s), tcp://host:port; none by default when embedded */
  listenZookeeperUrls?: string[];
  /** the ZooKeeper URLs are the CLI default: a port in use is logged, not fatal */
  zookeeperOptional?: boolean;
  /** ZooKeeper tickTime (session timeouts are 2-20 ticks); 2000 ms */
  zookeeperTickTimeMs?: number;
  /** 4lw.commands.whitelist; ZooKeeper's default is srvr */
  zookeeper4lwWhitelist?: string[];
  /** TTL nodes (zookeeper.extendedTypesEnabled); off by default, as ZooKeeper */
  zookeeperExtendedTypes?: boolean;
}

export interface RunningConcord {
  server: EtcdServer;
  /** actual client URLs (ports resolved when 0 was asked for) */
  clientUrls: string[];
  /** actual ZooKeeper URLs (tcp://host:port), empty when not served */
  zookeeperUrls: string[];
  close(): Promise<void>;
}

/** Starts a single-member Concord in this process: the embeddable entry point. */
export async function startConcord(o: ConcordOptions = {}): Promise<RunningConcord> {
  const logger = o.logger ?? pino({ level: 'info' });
  const listen = o.listenClientUrls ?? ['http://127.0.0.1:2379'];
  const maxRequestBytes = o.maxRequestBytes ?? Limits.maxRequestBytes;
  const progressNotifyIntervalMs = progressNotifyInterval(o.progressNotifyIntervalMs, logger);
  const cfg: ServerConfig = {
    name: o.name ?? 'default',
    dataDir: o.dataDir ?? './data',
    advertiseClientUrls: o.advertiseClientUrls ?? listen,
    initialAdvertisePeerUrls: o.initialAdvertisePeerUrls ?? ['http://127.0.0.1:2380'],
    initialClusterToken: o.initialClusterToken ?? 'etcd-cluster',
    quotaBackendBytes:
      o.quotaBackendBytes && o.quotaBackendBytes > 0
        ? o.quotaBackendBytes
        : Limits.defaultQuotaBackendBytes,
    maxRequestBytes,
    maxTxnOps: o.maxTxnOps ?? Limits.maxTxnOps,
    heartbeatMs: o.heartbeatMs ?? 100,
    electionMs: o.electionMs ?? 1000,
    initialCluster: o.initialCluster,
    listenPeerUrls: o.listenPeerUrls,
    initialClusterState: o.initialClusterState,
    snapshotCount: o.snapshotCount,
    backendBatchIntervalMs: o.backendBatchIntervalMs,
    backendBatchLimit: o.backendBatchLimit,
    logger,
  };
  const server = await EtcdServer.open(cfg);
  const g = new GrpcServer({
    maxReceiveMessageLength: maxRequestBytes + Limits.grpcOverheadBytes,
  });
  addEtcdServices(g, server, {
    maxTxnOps: cfg.maxTxnOps,
    maxRequestBytes,
    progressNotifyIntervalMs,
  });
  const httpApi = createHttpApi(
    server,
    (o.gateway ?? jsonGateway({ progressNotifyIntervalMs }))(server),
  );
  const listeners: ClientListener[] = [];
  const clientUrls: string[] = [];
  const httpOnly = o.listenClientHttpUrls ?? [];
  for (const u of listen) {
    const url = new URL(u);
    if (url.protocol !== 'http:')
      throw new Error(`unsupported client URL ${u}: only http:// is supported`);
    const l = new ClientListener(g, httpOnly.length > 0 ? undefined : httpApi);
    await l.listen(url.hostname, Number(url.port || 2379));
    listeners.push(l);
    clientUrls.push(`http://${url.hostname}:${l.address().port}`);
  }
  const httpListeners: import('node:http').Server[] = [];
  for (const u of httpOnly) {
    const url = new URL(u);
    if (url.protocol !== 'http:')
      throw new Error(`unsupported client HTTP URL ${u}: only http:// is supported`);
    const h = createHttpApi(
      server,
      (o.gateway ?? jsonGateway({ progressNotifyIntervalMs }))(server),
    );
    await new Promise<void>((resolve, reject) => {
      h.once('error', reject);
      h.listen(Number(url.port || 2379), url.hostname, () => resolve());
    });
    httpListeners.push(h);
  }
  // advertise the real ports when the caller let the OS pick them
  if (!o.advertiseClientUrls) cfg.advertiseClientUrls = clientUrls;
  const zk = await startZooKeeper(server, {
    urls: o.listenZookeeperUrls ?? [],
    optional: o.zookeeperOptional,
    tickTimeMs: o.zookeeperTickTimeMs,
    fourLetterWhitelist: o.zookeeper4lwWhitelist,
    extendedTypesEnabled: o.zookeeperExtendedTypes,
    dataDir: cfg.dataDir,
    logger,
  });
  logger.info(
    { name: cfg.name, dataDir: cfg.dataDir, clientUrls, memberId: server.memberId.toString(16) },
    'ready to serve client requests',
  );
  return {
    server,
    clientUrls,
    zookeeperUrls: zk?.urls ?? [],
    async close() {
      zk?.close();
      for (const l of listeners) l.close();
      for (const h of httpListeners) h.close();
      g.forceShutdown();
      await server.stop();
    },
  };
}
