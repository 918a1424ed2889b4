/** Starts the ZooKeeper client port(s) of a member: `--listen-zookeeper-urls tcp://host:port`. */
import type { Logger } from 'pino';
import type { EtcdServer } from '../../server/etcd-server';
import { ZkService } from '../../zk/zk-service';
import { ZkListener } from './zk-listener';

export const DEFAULT_ZOOKEEPER_URL = 'tcp://127.0.0.1:2181';

export interface ZooKeeperOptions {
  /** tcp://host:port URLs; empty or ["none"] disables ZooKeeper */
  urls: string[];
  /** the URLs are the default, not asked for: a port in use is a warning, not a failure */
  optional?: boolean;
  tickTimeMs?: number;
  /** --zookeeper-extended-types: TTL nodes (zookeeper.extendedTypesEnabled) */
  extendedTypesEnabled?: boolean;
  fourLetterWhitelist?: string[];
  maxBuffer?: number;
  dataDir: string;
  logger: Logger;
}

export interface RunningZooKeeper {
  service: ZkService;
  /** actual tcp://host:port URLs */
  urls: string[];
  close(): void;
}

export async function startZooKeeper(
  server: EtcdServer,
  o: ZooKeeperOptions,
): Promise<RunningZooKeeper | undefined> {
  const urls = o.urls.filter((u) => u !== 'none' && u !== '');
  if (urls.length === 0) return undefined;
  const service = new ZkService(server, {
    tickTimeMs: o.tickTimeMs ?? 2000,
    extendedTypesEnabled: o.extendedTypesEnabled,
  });
  const listeners: ZkListener[] = [];
  const actual: string[] = [];
  for (const u of urls) {
    const url = new URL(u);
    if (url.protocol !== 'tcp:')
      throw new Error(`unsupported ZooKeeper URL ${u}: only tcp:// is supported`);
    const l = new ZkListener(service, {
      fourLetterWhitelist: o.fourLetterWhitelist,
      maxBuffer: o.maxBuffer,
      dataDir: o.dataDir,
      logger: o.logger,
    });
    try {
      await l.listen(url.hostname, Number(url.port || 2181));
    } catch (err) {
      if (o.optional && (err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        o.logger.warn(
          { url: u },
          'ZooKeeper port in use; ZooKeeper protocol not served (set --listen-zookeeper-urls)',
        );
        continue;
      }
      for (const x of listeners) x.close();
      throw err;
    }
    listeners.push(l);
    actual.push(`tcp://${url.hostname}:${l.address().port}`);
  }
  if (listeners.length === 0) return undefined;
  service.start();
  o.logger.info({ zookeeperUrls: actual }, 'serving the ZooKeeper protocol');
  return {
    service,
    urls: actual,
    close() {
      for (const l of listeners) l.close();
      service.stop();
    },
  };
}
