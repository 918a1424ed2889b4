import { open, RootDatabase, Database } from 'lmdb';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The durable backend: one LMDB environment holding the MVCC state, leases and meta data
 * (applied index, compaction revision). Commits do not fsync (the WAL is the durability
 * point); `flush()` forces everything committed so far to disk, and the WAL keeps every
 * entry above the last flushed applied index, so a crash never loses an applied write.
 */
export interface BackendOptions {
  /** LMDB map size in bytes; the backend quota is enforced separately, above. */
  mapSizeBytes?: number;
}

export type BinaryDb = Database<Buffer, Buffer>;

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
    await this.env.close();
    fs.renameSync(tmp, path.join(this.path, 'data.mdb'));
    const d = fs.openSync(this.path, 'r');
    fs.fsyncSync(d);
    fs.closeSync(d);
    fs.rmSync(path.join(this.path, 'lock.mdb'), { force: true });
    this.env = this.openEnv();
    this.sizeCache.at = -Infinity;
  }

  /** Runs fn inside one synchronous write transaction (reads inside see its writes). */
  write<T>(fn: () => T): T {
    return this.env.transactionSync(fn) as T;
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

  /** Forces every committed transaction to disk. Concurrent callers share one flush. */
  flush(): Promise<void> {
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
