/**
 * Write-ahead log: the single ordered, durable log of Concord mutations and
 * (later) of the Raft core's entries and HardState.
 *
 * On-disk layout
 * --------------
 * The WAL directory holds segment files `<seq 16 hex>-<first index 16 hex>.wal`.
 * `seq` increases by exactly 1 per segment; `first index` is the index the
 * next entry was expected to have when the segment was created, so every
 * (non-overwritten) entry in segment N has index < first index of segment N+1.
 * That is what lets releaseTo() delete old segments by name alone.
 *
 * A segment is a plain concatenation of records (no file header), followed by
 * zeros up to the segment size: segments are preallocated (see preallocate()),
 * so a batch's fdatasync only has data to flush, not a new file size. Each record:
 *
 *   offset  size  field
 *   0       4     len   u32 LE = number of bytes after this 8-byte header (kind + payload)
 *   4       4     crc   u32 LE = CRC-32C over the `len` bytes that follow
 *   8       1     kind  1 = entry, 2 = hardState, 3 = snapshot marker
 *   9       ...   payload, all integers u64 LE (values < 2^53):
 *                   entry:     index, term, data (rest of record)
 *                   hardState: term, vote, commit
 *                   snapshot:  index, term
 *
 * A new segment is written to `<name>.tmp`, starts with the current durable
 * hardState and snapshot marker (so deleting older segments never loses
 * them), is fsynced, renamed into place, and the directory is fsynced.
 *
 * Recovery rules
 * --------------
 * - Entries are replayed in order; an entry whose index is <= the previous one
 *   truncates the earlier suffix (Raft overwrites conflicting entries). An
 *   index that skips ahead is corruption (a lost record or segment).
 * - A snapshot marker (index S, term T) drops entries <= S. If the log holds
 *   an entry at S with a different term, the whole log after S is discarded
 *   as well (Raft's log matching rule when installing a snapshot).
 * - Zeros from a record boundary to the end of a file are preallocated space: the
 *   segment ends there (a zero length is never a valid record). A rollover trims
 *   the finished segment to its records; one a crash left untrimmed reads the same.
 * - A bad record at the end of the LAST segment with nothing valid after it is
 *   a torn write: the file is truncated there (with a warning). Any other bad
 *   record is WalCorruptionError: we never silently drop data.
 *
 * Writing uses group commit: appends arriving while a write+fdatasync is in
 * flight are queued and then written with one writev and one fdatasync.
 *
 * Zeros are written a chunk ahead of the log's end (zeroAhead), so appends land in blocks the
 * file system has already allocated and their fdatasync needs no journal commit.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import {
  anyValidRecordAfter,
  encodeRecords,
  Frame,
  FRAME_HEADER,
  getU64,
  HardState,
  lastNonZero,
  KIND_ENTRY,
  KIND_HARD_STATE,
  KIND_SNAPSHOT,
  readFrame,
  SnapshotMarker,
  WalCorruptionError,
  WalEntry,
  WalRecord,
} from './record';

export { HardState, SnapshotMarker, WalCorruptionError, WalEntry, WalRecord } from './record';

const fsOpen = promisify(fs.open);
const fsClose = promisify(fs.close);
const fsFsync = promisify(fs.fsync);
const fsFtruncate = promisify(fs.ftruncate);
const fsFstat = promisify(fs.fstat);
const fsWrite = promisify(fs.write);

// Read once at module load: failpoints are for crash tests in child processes.
const FAILPOINT = process.env.CONCORD_FAILPOINT ?? '';

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
/** a lone writer's batch is synced on the event loop only if the last sync took less than this */
const INLINE_SYNC_MAX_LAST_MS = 2;

export interface WalOptions {
  /** Roll over to a new segment once the current one reaches this size. */
  segmentBytes?: number;
  /** Entries with index < fromIndex (already applied) are not kept in memory. */
  fromIndex?: number;
  /** Receives warnings, e.g. about a repaired torn tail. */
  log?: (msg: string) => void;
  /** Called with the duration of each fdatasync, in seconds (for metrics). */
  onSync?: (seconds: number) => void;
}

export interface RecoveredState {
  hardState?: HardState;
  snapshot?: SnapshotMarker;
  /** Live entries after the snapshot marker and >= fromIndex, in index order. */
  entries: WalEntry[];
  /** Index of the last live entry in the log (or the snapshot index); 0 if none. */
  lastIndex: number;
}

export interface WalStats {
  /** fdatasync calls made for appends. */
  syncs: number;
  /** Records made durable. */
  records: number;
  /** Write batches (one writev each). */
  batches: number;
  bytes: number;
  segments: number;
}

interface Segment {
  seq: number;
  firstIndex: number;
  path: string;
}

export interface AppendOptions {
  /**
   * Sync on the thread pool even if this looks like a lone writer's append: for a caller whose
   * event loop has work to do while the disk syncs (a member of a Raft cluster: a leader steps
   * acknowledgements and sends new entries to followers meanwhile, a follower forwards its
   * clients' requests).
   */
  offLoop?: boolean;
  /**
   * If synced on the event loop, not before the end of this turn of the loop (setImmediate):
   * for a caller that has just made replies ready, which leave at the end of the tick and
   * would otherwise wait for the sync (a Raft Ready applies the entries committed with it
   * before appending the new ones).
   */
  afterTurn?: boolean;
}

/** Appends queued behind the in-flight write; they share one promise. */
interface Batch {
  /** one encoded buffer per append() call, so its length is the number of callers waiting */
  bufs: Buffer[];
  bytes: number;
  records: number;
  /** entry records in the batch (hardState and snapshot markers not counted) */
  entries: number;
  /** a caller asked for the sync off the event loop (AppendOptions.offLoop) */
  offLoop: boolean;
  /** a caller asked for an inline sync after this turn of the loop (AppendOptions.afterTurn) */
  afterTurn: boolean;
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
  // Effects on the durable state once this batch is synced (for segment headers).
  hardState?: HardState;
  snapshot?: SnapshotMarker;
  lastIndex?: number;
}

const SEGMENT_RE = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/;

function hex16(n: number): string {
  return n.toString(16).padStart(16, '0');
}

function segmentPath(dir: string, seq: number, firstIndex: number): string {
  return path.join(dir, `${hex16(seq)}-${hex16(firstIndex)}.wal`);
}

async function fsyncDir(dir: string): Promise<void> {
  const fd = await fsOpen(dir, 'r');
  try {
    await fsFsync(fd);
  } finally {
    await fsClose(fd);
  }
}

// CONCORD_FAILPOINT_SKIP=n lets the first n hits pass (e.g. the entry a member writes at start).
let failpointSkip = Number(process.env.CONCORD_FAILPOINT_SKIP ?? 0);

function failpoint(name: string): void {
  if (FAILPOINT !== name) return;
  if (failpointSkip-- > 0) return;
  process.kill(process.pid, 'SIGKILL');
}

/** Replays records into the recovered state, enforcing the rules above. */
class Replayer {
  entries: WalEntry[] = [];
  lastIndex: number | undefined;
  hardState: HardState | undefined;
  snapshot: SnapshotMarker | undefined;

  constructor(private readonly fromIndex: number) {}

  apply(buf: Buffer, kind: number, body: number, end: number, file: string, off: number): void {
    const a = getU64(buf, body + 1);
    const b = getU64(buf, body + 9);
    if (a < 0 || b < 0) throw new WalCorruptionError(file, off, 'integer field out of range');
    if (kind === KIND_ENTRY) this.entry(a, b, buf, body + 17, end, file, off);
    else if (kind === KIND_HARD_STATE) {
      const commit = getU64(buf, body + 17);
      if (commit < 0) throw new WalCorruptionError(file, off, 'integer field out of range');
      this.hardState = { term: a, vote: b, commit };
    } else if (kind === KIND_SNAPSHOT) this.snap(a, b);
  }

  private entry(
    index: number,
    term: number,
    buf: Buffer,
    start: number,
    end: number,
    file: string,
    off: number,
  ): void {
    const last = this.lastIndex;
    if (last !== undefined) {
      if (index > last + 1)
        throw new WalCorruptionError(file, off, `entry index gap: got ${index} after ${last}`);
      if (index <= last) {
        const ents = this.entries;
        if (ents.length > 0)
          ents.length = Math.max(0, Math.min(ents.length, index - ents[0].index));
      }
    }
    this.lastIndex = index;
    if (index < this.fromIndex) return;
    if (this.snapshot !== undefined && index <= this.snapshot.index) return;
    // Copy so the entry does not pin the whole segment buffer in memory.
    this.entries.push({ index, term, data: Buffer.from(buf.subarray(start, end)) });
  }

  private snap(index: number, term: number): void {
    const ents = this.entries;
    const k = ents.length > 0 ? index - ents[0].index : -1;
    if (k >= 0 && k < ents.length) {
      if (ents[k].term === term) ents.splice(0, k + 1);
      else {
        ents.length = 0;
        this.lastIndex = index;
      }
    } else if (this.lastIndex === undefined || this.lastIndex <= index) {
      ents.length = 0;
      this.lastIndex = index;
    }
    // Otherwise the entry at `index` is below fromIndex (already applied, thus
    // committed, thus matching) and every kept entry is > index: keep them.
    this.snapshot = { index, term };
  }
}

export class Wal {
  private pending: Batch | undefined;
  private running = false;
  private failure: Error | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;
  private idleWaiters: Array<() => void> = [];
  private releaseChain: Promise<void> = Promise.resolve();
  private readonly counters = { syncs: 0, records: 0, batches: 0, bytes: 0 };
  /** how long the last fdatasync took; a slow disk is not synced on the event loop */
  private lastSyncMs = Infinity;
  /** the current segment holds written zeros (or records) up to here: see zeroAhead */
  private zeroedTo: number;

  private constructor(
    private readonly dir: string,
    private readonly onSync: ((seconds: number) => void) | undefined,
    private readonly segmentBytes: number,
    private readonly segments: Segment[],
    private fd: number,
    private size: number,
    private hardState: HardState | undefined,
    private snapshot: SnapshotMarker | undefined,
    private lastIndex: number,
  ) {
    this.zeroedTo = size;
  }

  static async open(
    dir: string,
    opts: WalOptions = {},
  ): Promise<{ wal: Wal; state: RecoveredState }> {
    const segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    const log = opts.log ?? ((msg: string) => process.emitWarning(msg));
    await fs.promises.mkdir(dir, { recursive: true });

    const segments: Segment[] = [];
    for (const name of await fs.promises.readdir(dir)) {
      if (name.endsWith('.wal.tmp')) {
        // A rollover that crashed before its rename: never part of the log.
        await fs.promises.unlink(path.join(dir, name));
        continue;
      }
      const m = SEGMENT_RE.exec(name);
      if (!m) continue;
      const seq = parseInt(m[1], 16);
      const firstIndex = parseInt(m[2], 16);
      const p = path.join(dir, name);
      if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(firstIndex))
        throw new WalCorruptionError(p, 0, 'bad segment name');
      segments.push({ seq, firstIndex, path: p });
    }
    segments.sort((x, y) => x.seq - y.seq);
    for (let i = 1; i < segments.length; i++) {
      if (segments[i].seq !== segments[i - 1].seq + 1) {
        throw new WalCorruptionError(
          segments[i].path,
          0,
          `missing segment with seq ${segments[i - 1].seq + 1}`,
        );
      }
    }

    const rp = new Replayer(opts.fromIndex ?? 0);
    // Segments before the first one were released: the log continues from
    // its first index, so seed the gap check with that.
    if (segments.length > 0 && segments[0].firstIndex > 0)
      rp.lastIndex = segments[0].firstIndex - 1;
    let size = 0;
    for (let i = 0; i < segments.length; i++) {
      const file = segments[i].path;
      const { buf, fileSize } = await readSegment(file);
      let off = 0;
      while (off < buf.length) {
        const f = readFrame(buf, off);
        if (typeof f === 'string') {
          const last = lastRecordEndingInZeros(buf, off, fileSize);
          if (last) {
            rp.apply(last.buf, last.frame.kind, last.frame.body, last.frame.end, file, off);
            off += last.buf.length;
            break;
          }
          if (i !== segments.length - 1 || anyValidRecordAfter(buf, off))
            throw new WalCorruptionError(file, off, f);
          await truncateFile(file, off);
          log(
            `WAL: repaired torn tail of ${file}: truncated at offset ${off} (${buf.length - off} bytes dropped: ${f})`,
          );
          break;
        }
        rp.apply(buf, f.kind, f.body, f.end, file, off);
        off = f.end;
      }
      size = off;
    }

    let fd: number;
    if (segments.length === 0) {
      // An empty log continues after what the caller already has (e.g. a data dir restored
      // from a snapshot starts at its applied index + 1), so the gap check accepts that start.
      const seg = await createSegment(
        dir,
        0,
        Math.max(0, (opts.fromIndex ?? 1) - 1) + 1,
        [],
        segmentBytes,
      );
      segments.push(seg.segment);
      fd = seg.fd;
      size = seg.size;
    } else {
      fd = await fsOpen(segments[segments.length - 1].path, 'r+');
      // a segment written before preallocation, or cut back by a torn-tail repair
      await preallocate(fd, segmentBytes);
    }
    const lastIndex = rp.lastIndex ?? 0;
    const wal = new Wal(
      dir,
      opts.onSync,
      segmentBytes,
      segments,
      fd,
      size,
      rp.hardState,
      rp.snapshot,
      lastIndex,
    );
    return {
      wal,
      state: { hardState: rp.hardState, snapshot: rp.snapshot, entries: rp.entries, lastIndex },
    };
  }

  /**
   * Appends records; resolves once they (and everything appended before) are
   * durable. Concurrent callers are group-committed and may share a promise.
   * An empty array acts as a barrier for earlier appends.
   */
  append(records: readonly WalRecord[], opts?: AppendOptions): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('WAL is closed'));
    let buf: Buffer;
    try {
      buf = encodeRecords(records);
    } catch (err) {
      return Promise.reject(err);
    }
    let b = this.pending;
    if (b === undefined) {
      let resolve!: () => void;
      let reject!: (err: Error) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      b = this.pending = {
        bufs: [],
        bytes: 0,
        records: 0,
        entries: 0,
        offLoop: false, // set here so every Batch has one shape
        afterTurn: false,
        promise,
        resolve,
        reject,
      };
    }
    if (opts?.offLoop) b.offLoop = true;
    if (opts?.afterTurn) b.afterTurn = true;
    b.bufs.push(buf);
    b.bytes += buf.length;
    b.records += records.length;
    for (const r of records) {
      if (r.kind === 'entry') {
        b.lastIndex = r.index;
        b.entries++;
      } else if (r.kind === 'hardState')
        b.hardState = { term: r.term, vote: r.vote, commit: r.commit };
      else {
        b.snapshot = { index: r.index, term: r.term };
        if (b.lastIndex === undefined ? r.index > this.lastIndex : r.index > b.lastIndex)
          b.lastIndex = r.index;
      }
    }
    if (!this.running) {
      this.running = true;
      // Defer so every append made in this tick (and its microtasks) joins the batch.
      process.nextTick(() => this.flushLoop(true));
    }
    return b.promise;
  }

  /** Deletes whole segments all of whose entries are < index. */
  releaseTo(index: number): Promise<void> {
    const run = async (): Promise<void> => {
      const victims: Segment[] = [];
      // Never the last (open) segment; only a prefix, so seqs stay contiguous.
      while (this.segments.length > 1 && this.segments[1].firstIndex <= index)
        victims.push(this.segments.shift()!);
      if (victims.length === 0) return;
      for (const v of victims) await fs.promises.unlink(v.path);
      await fsyncDir(this.dir);
    };
    const p = this.releaseChain.then(run);
    this.releaseChain = p.catch(() => undefined);
    return p;
  }

  stats(): WalStats {
    return { ...this.counters, segments: this.segments.length };
  }

  /** Flushes queued appends, waits for in-flight work, closes the file. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      if (this.running) await new Promise<void>((r) => this.idleWaiters.push(r));
      await this.releaseChain;
      await fsClose(this.fd);
    })();
    return this.closing;
  }

  // ---- write path ----
  // Callback fs API: measured equal to FileHandle when fsync dominates and
  // 15-50% more batches/s when fsync is cheap (fewer promise allocations).

  /**
   * Writes and syncs the queued batch, if any. `fromIdle`: started by an append to an idle
   * WAL, so nobody waits on an earlier batch (after a sync, that batch's callers still wait
   * for this call to return before they are resolved).
   */
  private flushLoop(fromIdle: boolean): void {
    const b = this.pending;
    if (b === undefined || this.failure) {
      this.running = false;
      for (const w of this.idleWaiters.splice(0)) w();
      return;
    }
    if (this.size >= this.segmentBytes) {
      this.rollover().then(
        () => this.flushLoop(false),
        (err: Error) => this.fail(err, b),
      );
      return;
    }
    this.pending = undefined;
    const pos = this.size;
    // The write itself only copies into the page cache: done here, synchronously, it saves a
    // thread-pool round trip per batch (measurable on 1-client latency); the fdatasync, which
    // waits for the disk, stays off the event loop.
    let written: number;
    try {
      this.zeroAhead(pos + b.bytes);
      written = fs.writevSync(this.fd, b.bufs, pos);
    } catch (err) {
      return this.fail(err as Error, b);
    }
    // libuv loops over partial writes; a short count means something is badly wrong.
    if (written !== b.bytes)
      return this.fail(new Error(`short WAL write: ${written} of ${b.bytes} bytes`), b);
    this.size = pos + written;
    failpoint('wal-after-write');
    failpoint('wal-before-fsync');
    if (
      fromIdle &&
      !b.offLoop &&
      b.bufs.length === 1 &&
      b.entries <= 1 &&
      this.lastSyncMs < INLINE_SYNC_MAX_LAST_MS
    ) {
      // One append of at most one entry (with the hardState that often comes with it) started
      // from idle: a lone writer, nobody else is waiting, so sync it right here. Batches of
      // more entries mean load: on the pool, their sync overlaps the loop's work. Not after a
      // sync (synced): there the previous batch's callers, often a whole group of clients,
      // would wait for this fdatasync too before being resolved.
      // Handing the fdatasync to the thread pool and back costs two thread wake-ups, which on
      // these VMs took a 1-client put from 0.54 to 0.71 ms p50 (same disk, same sitting). A
      // disk whose last sync was slow goes back to the pool, so a stall cannot freeze the loop.
      // With afterTurn, replies queued for the end of this tick leave before the loop blocks
      // in fdatasync (not after it, a whole sync later); otherwise no extra loop turn.
      if (b.afterTurn) setImmediate(() => this.syncOnLoop(b));
      else this.syncOnLoop(b);
      return;
    }
    const syncStart = performance.now();
    fs.fdatasync(this.fd, (err) => this.synced(b, syncStart, err ?? undefined));
  }

  /**
   * Writes zeros from where the written part of the segment ends to a chunk past `end` (within
   * the preallocated size). A preallocated segment is a hole: an append into it makes the file
   * system allocate blocks, and the fdatasync then waits for a journal commit as well as the
   * data; into blocks written once already it flushes the data only (bench/wal-ab.js, 16
   * writers: fdatasync p50 0.18-0.24 ms instead of 0.24-0.29, 20.6k -> 32.3k appends/s). One
   * fdatasync per chunk also writes the chunk's zeros. Zeros are only ever written past every
   * record, so an append always lands after them.
   */
  private zeroAhead(end: number): void {
    while (this.zeroedTo < this.segmentBytes && this.zeroedTo < end + ZERO_CHUNK) {
      const n = Math.min(ZERO_CHUNK, this.segmentBytes - this.zeroedTo);
      const w = fs.writeSync(this.fd, zeroChunk(), 0, n, this.zeroedTo);
      if (w !== n) throw new Error(`short WAL zero fill: ${w} of ${n} bytes`);
      this.zeroedTo += n;
    }
  }

  /** Syncs a written batch on the event loop (a lone writer's: see flushLoop). */
  private syncOnLoop(b: Batch): void {
    const syncStart = performance.now();
    let err: Error | undefined;
    try {
      fs.fdatasyncSync(this.fd);
    } catch (e) {
      err = e as Error;
    }
    this.synced(b, syncStart, err);
  }

  /** A batch's fdatasync returned: record it, start the next batch, then resolve this one. */
  private synced(b: Batch, syncStart: number, err: Error | undefined): void {
    if (err) return this.fail(err, b);
    const seconds = (performance.now() - syncStart) / 1000;
    this.lastSyncMs = seconds * 1000;
    this.onSync?.(seconds);
    this.counters.syncs++;
    this.counters.batches++;
    this.counters.records += b.records;
    this.counters.bytes += b.bytes;
    if (b.hardState) this.hardState = b.hardState;
    if (b.snapshot) this.snapshot = b.snapshot;
    if (b.lastIndex !== undefined) this.lastIndex = b.lastIndex;
    // Start the next batch (what arrived during this fdatasync) before resolving this one:
    // its fdatasync then runs while this batch's callers apply and answer, instead of after.
    // Appends those callers make go into the batch after (or start a new one when idle).
    this.flushLoop(false);
    b.resolve();
  }

  /**
   * After a failed write or fsync the file contents and the kernel's dirty
   * state are unknown (a retried fsync can report success after data was
   * dropped), so the WAL refuses all further appends; recovery is a restart.
   */
  private fail(err: Error, inflight: Batch): void {
    if (!this.failure) this.failure = new Error(`WAL failed: ${err.message}`, { cause: err });
    inflight.reject(this.failure);
    const queued = this.pending;
    this.pending = undefined;
    if (queued && queued !== inflight) queued.reject(this.failure);
    this.running = false;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private async rollover(): Promise<void> {
    const last = this.segments[this.segments.length - 1];
    const header: WalRecord[] = [];
    if (this.hardState) header.push({ kind: 'hardState', ...this.hardState });
    if (this.snapshot) header.push({ kind: 'snapshot', ...this.snapshot });
    const seg = await createSegment(
      this.dir,
      last.seq + 1,
      this.lastIndex + 1,
      header,
      this.segmentBytes,
    );
    const oldFd = this.fd;
    const oldSize = this.size;
    this.fd = seg.fd;
    this.size = seg.size;
    this.zeroedTo = seg.size;
    this.segments.push(seg.segment);
    // the finished segment gives back its unused preallocated space; no fsync: its records are
    // durable already, and a trim lost in a crash leaves a zero tail, which reads the same
    await fsFtruncate(oldFd, oldSize);
    await fsClose(oldFd);
  }
}

/**
 * Extends the file to `bytes` with zeros (a hole: no data is written) and makes the new size
 * durable. Appends inside it then change no file size, so their fdatasync need not record one:
 * on these machines' ext4 that took an fdatasync of a 300-byte append from a p50 of 340-400 µs
 * to 260-280 µs (etcd and ZooKeeper preallocate their logs for the same reason). The blocks
 * are allocated as zeroAhead writes zeros into the hole.
 */
async function preallocate(fd: number, bytes: number): Promise<void> {
  const { size } = await fsFstat(fd);
  if (size >= bytes) return;
  await fsFtruncate(fd, bytes);
  await fsFsync(fd);
}

/** how far zeroAhead writes past the log's end, and how much at a time */
const ZERO_CHUNK = 1024 * 1024;
let zeros: Buffer | undefined;
const zeroChunk = (): Buffer => (zeros ??= Buffer.alloc(ZERO_CHUNK));

const READ_BLOCK = 1024 * 1024;

/**
 * A segment's bytes up to its last non-zero byte, and the file's size. The zeros after it (a
 * preallocated segment's unused space, up to 64 MiB) are not read into memory: recovered
 * entries point into this buffer, and a Raft member keeps them until its log is compacted.
 */
async function readSegment(file: string): Promise<{ buf: Buffer; fileSize: number }> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const fileSize = (await fh.stat()).size;
    const block = Buffer.allocUnsafe(READ_BLOCK);
    let dataEnd = 0;
    for (let end = fileSize; end > 0;) {
      const start = Math.max(0, end - READ_BLOCK);
      const { bytesRead } = await fh.read(block, 0, end - start, start);
      const last = lastNonZero(block.subarray(0, bytesRead), 0);
      if (last >= 0) {
        dataEnd = start + last + 1;
        break;
      }
      end = start;
    }
    const buf = Buffer.allocUnsafe(dataEnd);
    let pos = 0;
    while (pos < dataEnd) {
      const { bytesRead } = await fh.read(buf, pos, dataEnd - pos, pos);
      if (bytesRead === 0) throw new Error(`WAL segment ${file} shrank while being read`);
      pos += bytesRead;
    }
    return { buf, fileSize };
  } finally {
    await fh.close();
  }
}

/**
 * The record at `off` when it is the segment's last and ends in zero bytes: readSegment stops
 * at the last non-zero byte, so those zeros are in the file (up to `fileSize`) but not in
 * `buf`. Returns the record in a buffer of its own with them added back (only this record is
 * copied: earlier entries keep pointing into `buf`), or undefined if it is not such a record.
 */
function lastRecordEndingInZeros(
  buf: Buffer,
  off: number,
  fileSize: number,
): { buf: Buffer; frame: Frame } | undefined {
  const header = Buffer.alloc(FRAME_HEADER); // bytes past buf are zeros
  buf.copy(header, 0, off, Math.min(off + FRAME_HEADER, buf.length));
  const end = off + FRAME_HEADER + Math.max(1, header.readUInt32LE(0));
  if (end <= buf.length || end > fileSize) return undefined;
  const record = Buffer.alloc(end - off);
  buf.copy(record, 0, off);
  const frame = readFrame(record, 0);
  return typeof frame === 'string' ? undefined : { buf: record, frame };
}

/** Creates a segment atomically: tmp file, header, preallocation, fsync, rename, fsync dir. */
async function createSegment(
  dir: string,
  seq: number,
  firstIndex: number,
  header: WalRecord[],
  preallocateBytes: number,
): Promise<{ segment: Segment; fd: number; size: number }> {
  const final = segmentPath(dir, seq, firstIndex);
  const tmp = `${final}.tmp`;
  const fd = await fsOpen(tmp, 'w+');
  try {
    const buf = encodeRecords(header);
    if (buf.length > 0) await fsWrite(fd, buf, 0, buf.length, 0);
    if (preallocateBytes > buf.length) await fsFtruncate(fd, preallocateBytes);
    await fsFsync(fd);
    await fs.promises.rename(tmp, final);
    await fsyncDir(dir);
    return { segment: { seq, firstIndex, path: final }, fd, size: buf.length };
  } catch (err) {
    await fsClose(fd).catch(() => undefined);
    throw err;
  }
}

async function truncateFile(file: string, size: number): Promise<void> {
  const fd = await fsOpen(file, 'r+');
  try {
    await fsFtruncate(fd, size);
    await fsFsync(fd);
  } finally {
    await fsClose(fd);
  }
}
