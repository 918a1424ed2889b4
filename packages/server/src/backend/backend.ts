import { open, RootDatabase, Database } from 'lmdb';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The durable backend: one LMDB environment holding the MVCC state, leases and meta data
 * (applied index, compaction revision). Commits do not fsync (the WAL is the durability
 * point); `flush()` forces everything committed so far to disk, and the WAL keeps every
 * entry above the last flushed applied index, so a crash never loses an applied write.
 *
 * Writes are batched as etcd batches its bbolt transactions: they go into one open LMDB write
 * transaction that commits every `batchIntervalMs` or `batchLimit` writes (and before a flush,
 * a copy or a close). Reads in this process go through it and so see every write at once; a
 * crash loses at most the open batch, which the WAL replays (the batch's applied index is in
 * it too). A commit per write cost a member its dirty B-tree pages, their pwrite calls and a
 * meta page every time, about 10 % of a 1-member put (docs/benchmarks.md, item 48).
 */
export interface BackendOptions {
  /** LMDB map size in bytes; the backend quota is enforced separately, above. */
  mapSizeBytes?: number;
  /** longest a write waits in the open batch before it is committed (etcd's
   * --backend-batch-interval); 100 ms, as etcd, also when 0 */
  batchIntervalMs?: number;
  /** applied writes after which the open batch is committed (etcd's --backend-batch-limit);
   * 10,000, also when 0 */
  batchLimit?: number;
}

export type BinaryDb = Database<Buffer, Buffer>;

export const DEFAULT_BATCH_INTERVAL_MS = 100;
export const DEFAULT_BATCH_LIMIT = 10_000;

/**
 * Backends with an open batch. lmdb-js closes its environments on process exit and would wait
 * forever for an open write transaction: each is committed first (a batch holds only whole
 * writes, its applied index with them, so committing it is as consistent as any commit; a batch
 * a failed write aborted is closed already).
 */
const openBatches = new Set<Backend>();
let exitHookInstalled = false;
function commitOnExit(): void {
  for (const b of openBatches) {
    try {
      b.commit();
    } catch {
      // the WAL still holds every entry of the batch
    }
  }
}

/** A batch setting as etcd reads it: 0 (or none) means the default; a negative one is refused. */
function batchSetting(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined || v === 0) return dflt;
  if (!(v > 0)) throw new Error(`backend: ${name} must be 0 (the default) or positive, not ${v}`);
  return v;
}

interface Batch {
  finish: (v: unknown) => unknown;
  fail: (e: unknown) => unknown;
  writes: number;
  timer: NodeJS.Timeout | undefined;
}

export class BackendCorruptionError extends Error {
  readonly code = 'BACKEND_CORRUPT';
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`backend corrupted: ${file}: ${reason}`);
    this.name = 'BackendCorruptionError';
  }
}

// Meta page layout of the LMDB build inside lmdb-js (page header 24 bytes): magic, version,
// address, map size, then the free DB record whose first field holds the page size.
const LMDB_MAGIC = 0xbeefc0de;
const META_MAGIC_OFFSET = 24;
const META_PAGE_SIZE_OFFSET = 48;
const META_LAST_PAGE_OFFSET = 144;
const META_TXNID_OFFSET = 152;

/**
 * LMDB maps the file and trusts it: a truncated or overwritten file makes it crash the process
 * (SIGBUS/SIGSEGV) instead of returning an error. So check what LMDB would rely on first:
 * both meta pages, and that the file holds every page the newest meta page points to.
 */
export function checkBackendFile(file: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return; // no file yet: LMDB creates it
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) throw new BackendCorruptionError(file, 'empty file');
    const head = Buffer.alloc(256);
    if (fs.readSync(fd, head, 0, 256, 0) < 256)
      throw new BackendCorruptionError(file, 'truncated (shorter than a meta page)');
    if (head.readUInt32LE(META_MAGIC_OFFSET) !== LMDB_MAGIC)
      throw new BackendCorruptionError(
        file,
        'meta page 0 has no LMDB magic (not an LMDB file, or overwritten)',
      );
    const pageSize = head.readUInt32LE(META_PAGE_SIZE_OFFSET);
    if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0)
      throw new BackendCorruptionError(file, `meta page 0 has an invalid page size ${pageSize}`);
    const metas = [head];
    const second = Buffer.alloc(256);
    if (fs.readSync(fd, second, 0, 256, pageSize) < 256)
      throw new BackendCorruptionError(file, 'truncated (second meta page missing)');
    if (second.readUInt32LE(META_MAGIC_OFFSET) !== LMDB_MAGIC)
      throw new BackendCorruptionError(file, 'meta page 1 has no LMDB magic (overwritten)');
    metas.push(second);
    const newest = metas.reduce((a, b) =>
      b.readBigUInt64LE(META_TXNID_OFFSET) > a.readBigUInt64LE(META_TXNID_OFFSET) ? b : a,
    );
    const lastPage = Number(newest.readBigUInt64LE(META_LAST_PAGE_OFFSET));
    const needed = (lastPage + 1) * pageSize;
    if (size < needed)
      throw new BackendCorruptionError(
        file,
        `truncated: ${size} bytes, the last committed transaction needs ${needed}`,
      );
  } finally {
    fs.closeSync(fd);
  }
}

export class Backend {
  env: RootDatabase;
  /** revision (main u64 BE, sub u32 BE) → event record (see mvcc/record.ts) */
  revs!: BinaryDb;
  /** lease id (i64 BE) → lease record */
  leases!: BinaryDb;
  /** lease id (i64 BE) + user key → empty: which keys a lease holds */
  leaseKeys!: BinaryDb;
  /** small named values: applied index, compact revision, cluster identity, ... */
  meta!: BinaryDb;
  /** ZooKeeper (zk/znode-store.ts): path → znode metadata; session id → timeout + password;
   * session id + path → 1 */
  zkNodes!: BinaryDb;
  zkSessions!: BinaryDb;
  zkEphemerals!: BinaryDb;
  readonly path: string;
  /** true while defragment() swaps the environment; readers must wait */
  busy = false;
  private flushing: Promise<void> | undefined;

  constructor(
    dir: string,
    private readonly opts: BackendOptions = {},
  ) {
    fs.mkdirSync(dir, { recursive: true });
    this.path = dir;
    this.batchIntervalMs = batchSetting(
      'batchIntervalMs',
      opts.batchIntervalMs,
      DEFAULT_BATCH_INTERVAL_MS,
    );
    this.batchLimit = batchSetting('batchLimit', opts.batchLimit, DEFAULT_BATCH_LIMIT);
    this.env = this.openEnv();
  }

  private openEnv(): RootDatabase {
    checkBackendFile(path.join(this.path, 'data.mdb'));
    const env = open({
      path: this.path,
      noSubdir: false, // lmdb-js would treat a path ending like "x.y" as a file
      noSync: true,
      mapSize: this.opts.mapSizeBytes ?? 16 * 1024 ** 3,
      maxDbs: 16,
      keyEncoding: 'binary',
      encoding: 'binary',
    });
    const sub = (name: string): BinaryDb =>
      env.openDB({ name, keyEncoding: 'binary', encoding: 'binary' }) as unknown as BinaryDb;
    // Before the in-memory key index (mvcc/key-index.ts), a `keys` table held every live key's
    // pointer; it is derived data, no longer kept current, so its pages are given back.
    // The same for `zk_children` once the znode store kept its children index in memory.
    for (const legacy of [sub('keys'), sub('zk_children')])
      if ((legacy.getStats() as { entryCount: number }).entryCount > 0) legacy.clearSync();
    this.revs = sub('revs');
    this.leases = sub('leases');
    this.leaseKeys = sub('lease_keys');
    this.meta = sub('meta');
    this.zkNodes = sub('zk_nodes');
    this.zkSessions = sub('zk_sessions');
    this.zkEphemerals = sub('zk_ephemerals');
    return env;
  }

  /**
   * Rewrites the data file compactly (LMDB never shrinks it by itself). The caller makes sure
   * no write happens meanwhile; reads keep working on the old file until the swap.
   */
  async defragment(): Promise<void> {
    const tmp = path.join(this.path, 'defrag.mdb.tmp');
    fs.rmSync(tmp, { force: true });
    await this.flush();
    await this.backupTo(tmp);
    const fd = fs.openSync(tmp, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    await this.env.close();
    fs.renameSync(tmp, path.join(this.path, 'data.mdb'));
    fs.rmSync(path.join(this.path, 'lock.mdb'), { force: true });
    this.env = this.openEnv();
    this.sizeCache.at = -Infinity;
  }

  /**
   * Replaces the data file with another (a Raft snapshot's body): `fill` writes it durably to
   * the temp path given, then the environment is closed, the file renamed over data.mdb and the
   * environment reopened. As in defragment(), the caller keeps readers and writers out meanwhile.
   */
  async replaceWith(fill: (tmpFile: string) => Promise<unknown>): Promise<void> {
    const tmp = path.join(this.path, 'snapshot.mdb.tmp');
    fs.rmSync(tmp, { force: true });
    await fill(tmp);
    checkBackendFile(tmp);
    this.commit();
    await this.env.close();
    fs.renameSync(tmp, path.join(this.path, 'data.mdb'));
    const d = fs.openSync(this.path, 'r');
    fs.fsyncSync(d);
    fs.closeSync(d);
    fs.rmSync(path.join(this.path, 'lock.mdb'), { force: true });
    this.env = this.openEnv();
    this.sizeCache.at = -Infinity;
  }

  /**
   * Runs fn inside the open batch transaction (reads inside see its writes and the batch's).
   * If fn throws, the whole batch is aborted, not only fn's writes (a child transaction per
   * write would undo only those, but cost most of what batching saves), and the backend
   * refuses writes from then on: what the batch held is in the WAL, which a restart replays.
   * The server stops on a failed apply anyway. `writes`: how many applied writes fn makes (the
   * state machine applies a batch of entries in one call), counted against the batch limit.
   */
  write<T>(fn: () => T, writes = 1): T {
    if (this.failed) throw this.failed;
    const b = this.batch ?? this.openBatch();
    let result: T;
    try {
      result = fn();
    } catch (err) {
      this.abortBatch(err);
      throw err;
    }
    b.writes += writes;
    if (b.writes >= this.batchLimit) this.commit();
    return result;
  }

  private readonly batchIntervalMs: number;
  private readonly batchLimit: number;
  private batch: Batch | undefined;
  /** set once a write failed (its batch aborted) or a commit failed */
  private failed: Error | undefined;

  private openBatch(): Batch {
    let finish: ((v: unknown) => unknown) | undefined;
    let fail: ((e: unknown) => unknown) | undefined;
    // lmdb-js keeps a transactionSync open while the callback's result is pending, and its
    // reads and writes meanwhile go through it; a thenable of our own hands us the functions
    // that commit or abort it, so both run synchronously when we call them.
    this.env.transactionSync(() => ({
      then(ok: (v: unknown) => unknown, bad: (e: unknown) => unknown) {
        finish = ok;
        fail = bad;
      },
    }));
    if (!finish || !fail) throw new Error('lmdb-js did not keep the batch transaction open');
    const b: Batch = { finish, fail, writes: 0, timer: undefined };
    // closeBatch() clears it, so when it fires, b is the open batch
    b.timer = setTimeout(() => this.commit(), this.batchIntervalMs);
    b.timer.unref();
    this.batch = b;
    openBatches.add(this);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.prependListener('exit', commitOnExit);
    }
    return b;
  }

  /** Commits the open batch, if any (synchronously). A failed commit fails the backend. */
  commit(): void {
    const b = this.closeBatch();
    if (!b) return;
    try {
      b.finish(undefined);
    } catch (err) {
      this.failed = new Error(`backend: a batch commit failed; restart to replay the WAL: ${err}`);
      throw err;
    }
  }

  private abortBatch(err: unknown): void {
    this.failed = new Error(
      `backend: a write failed and its batch was aborted; restart to replay the WAL: ${err}`,
    );
    const b = this.closeBatch();
    if (!b) return;
    try {
      b.fail(err);
    } catch {
      // lmdb-js rethrows the error it was given, after the abort
    }
  }

  private closeBatch(): Batch | undefined {
    const b = this.batch;
    if (!b) return undefined;
    this.batch = undefined;
    openBatches.delete(this);
    clearTimeout(b.timer);
    return b;
  }

  private readonly metaKeys = new Map<string, Buffer>();

  /** meta key names are few and fixed: keep their buffers instead of allocating per write */
  private metaKey(name: string): Buffer {
    let k = this.metaKeys.get(name);
    if (!k) this.metaKeys.set(name, (k = Buffer.from(name)));
    return k;
  }

  getMetaNumber(name: string): number {
    const v = this.meta.getBinary(this.metaKey(name));
    return v ? Number(v.readBigUInt64BE(0)) : 0;
  }

  putMetaNumber(name: string, value: number): void {
    // as a u64 BE, written in two halves: a BigInt per call was garbage on every apply
    const b = Buffer.allocUnsafe(8);
    b.writeUInt32BE(Math.floor(value / 0x1_0000_0000), 0);
    b.writeUInt32BE(value >>> 0, 4);
    this.meta.putSync(this.metaKey(name), b);
  }

  getMeta(name: string): Buffer | undefined {
    return this.meta.getBinary(Buffer.from(name)) ?? undefined;
  }

  putMeta(name: string, value: Buffer): void {
    this.meta.putSync(Buffer.from(name), value);
  }

  /** Commits the open batch, then forces every commit to disk. Concurrent callers share one flush. */
  flush(): Promise<void> {
    // a failed backend has lost its open batch: flushing would let the WAL drop entries in it
    if (this.failed) return Promise.reject(this.failed);
    try {
      this.commit();
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.flushing) return this.flushing.then(() => this.flush());
    const p = new Promise<void>((resolve, reject) => {
      (this.env as unknown as { sync(cb: (err?: Error) => void): void }).sync((err?: Error) =>
        err ? reject(err) : resolve(),
      );
    }).finally(() => {
      this.flushing = undefined;
    });
    this.flushing = p;
    return p;
  }

  private sizeCache = { bytes: 0, at: -Infinity };

  /** sizeOnDisk() at most 100 ms old: the quota check runs on every write, a stat each is waste. */
  sizeOnDiskCached(): number {
    const now = performance.now();
    if (now - this.sizeCache.at > 100) this.sizeCache = { bytes: this.sizeOnDisk(), at: now };
    return this.sizeCache.bytes;
  }

  /** Size of the data file on disk (what etcd calls dbSize). */
  sizeOnDisk(): number {
    try {
      return fs.statSync(path.join(this.path, 'data.mdb')).size;
    } catch {
      return 0;
    }
  }

  /** Bytes in use by live pages (etcd's dbSizeInUse). */
  sizeInUse(): number {
    const st = this.env.getStats() as { pageSize: number; lastPageNumber: number };
    return (st.lastPageNumber + 1) * st.pageSize;
  }

  /** Writes a consistent, compacted copy of the backend's data file to `destFile`. */
  async backupTo(destFile: string): Promise<void> {
    this.commit();
    // LMDB copies an environment into a directory (as data.mdb)
    const dir = fs.mkdtempSync(path.join(path.dirname(destFile), '.backup-'));
    try {
      await (this.env as unknown as { backup(p: string, compact: boolean): Promise<void> }).backup(
        dir,
        true,
      );
      fs.renameSync(path.join(dir, 'data.mdb'), destFile);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
    await this.env.close();
  }
}
