import { Auth } from './auth';
import { Cluster } from './cluster';
import { CallOptions, ClientOptions, Connection } from './connection';
import {
  DeleteOptions,
  DeleteResult,
  KV,
  KeyValue,
  PutOptions,
  PutResult,
  RangeOptions,
  RangeResult,
  Txn,
} from './kv';
import { Lease } from './lease';
import { Maintenance } from './maintenance';
import { Bytes } from './util';
import { Watch, WatchOptions, Watcher } from './watch';

/**
 * etcd v3 client.
 *
 * ```ts
 * const client = new Client({ endpoints: ['127.0.0.1:2379'] });
 * await client.put('k', 'v');
 * const kv = await client.get('k'); // kv?.valueString === 'v'
 * client.close();
 * ```
 */
export class Client {
  readonly connection: Connection;
  readonly kv: KV;
  readonly lease: Lease;
  readonly watcher: Watch;
  readonly maintenance: Maintenance;
  readonly cluster: Cluster;
  readonly auth: Auth;

  constructor(options: ClientOptions) {
    this.connection = new Connection(options);
    this.kv = new KV(this.connection);
    this.lease = new Lease(this.connection);
    this.watcher = new Watch(this.connection);
    this.maintenance = new Maintenance(this.connection);
    this.cluster = new Cluster(this.connection);
    this.auth = new Auth(this.connection);
  }

  get isClosed(): boolean {
    return this.connection.isClosed;
  }

  /** Get one key; null if absent. */
  get(key: Bytes, options?: RangeOptions): Promise<KeyValue | null> {
    return this.kv.get(key, options);
  }
  /** Full range request. */
  range(key: Bytes, options?: RangeOptions): Promise<RangeResult> {
    return this.kv.range(key, options);
  }
  /** All key-values under a prefix. */
  getPrefix(prefix: Bytes, options?: Omit<RangeOptions, 'prefix'>): Promise<KeyValue[]> {
    return this.kv.getPrefix(prefix, options);
  }
  put(key: Bytes, value: Bytes, options?: PutOptions): Promise<PutResult> {
    return this.kv.put(key, value, options);
  }
  delete(key: Bytes, options?: DeleteOptions): Promise<DeleteResult> {
    return this.kv.delete(key, options);
  }
  txn(): Txn {
    return this.kv.txn();
  }
  compact(revision: number, options?: CallOptions & { physical?: boolean }) {
    return this.kv.compact(revision, options);
  }
  watch(key: Bytes, options?: WatchOptions): Watcher {
    return this.watcher.watch(key, options);
  }

  /** Close all connections; pending calls fail with ClientClosedError. */
  close(): void {
    this.connection.close();
  }
}
