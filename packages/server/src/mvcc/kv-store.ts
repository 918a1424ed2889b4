import { Backend } from '../backend/backend';
import { KeyIndex, keyId, LiveSlot, slotRetired } from './key-index';
import {
  decodeRecord,
  encodeRecord,
  LivePointer,
  parseRevKey,
  recordKeyAndType,
  revKey,
  RevPointer,
  toKeyValue,
  EMPTY,
} from './record';
import {
  errCompacted,
  errFutureRev,
  EVENT_DELETE,
  EVENT_PUT,
  KeyValue,
  MvccEvent,
  RangeQuery,
  RangeResult,
  SORT_ASCEND,
  SORT_DESCEND,
  SORT_NONE,
  TARGET_CREATE,
  TARGET_KEY,
  TARGET_MOD,
  TARGET_VALUE,
  TARGET_VERSION,
} from './types';

const META_REVISION = 'mvcc/revision';
const META_COMPACT = 'mvcc/compact_revision';

/** Hook the lease table uses to follow which keys a lease holds. */
export interface LeaseKeyTracker {
  attach(lease: bigint, key: Buffer): void;
  detach(lease: bigint, key: Buffer): void;
}

/**
 * The multi-version key-value store on the LMDB backend, as etcd's mvcc: every change gets the
 * next global revision; history is kept until compaction. Reads are synchronous; writes happen
 * only through a WriteTxn opened by the state machine inside a backend write transaction.
 */
export class KvStore {
  private rev: number;
  private revDirty = false;
  private compactRev: number;
  /** the live keys (derived from revs; see KeyIndex) */
  private index: KeyIndex;

  constructor(
    readonly backend: Backend,
    private readonly leases?: LeaseKeyTracker,
  ) {
    // as etcd: a fresh store is at revision 1 (the first write gets 2) and has never been
    // compacted (-1, so compacting at 0 or 1 succeeds)
    this.rev = backend.getMeta(META_REVISION) ? backend.getMetaNumber(META_REVISION) : 1;
    const c = backend.getMeta(META_COMPACT);
    this.compactRev = c ? backend.getMetaNumber(META_COMPACT) : -1;
    this.index = KeyIndex.fromRevs(backend.revs);
  }

  /**
   * Re-reads the revisions and rebuilds the key index from the backend: after the backend file
   * was replaced by a snapshot, or a batch's transaction was aborted after its writes had
   * updated them.
   */
  reload(): void {
    this.rev = this.backend.getMeta(META_REVISION) ? this.backend.getMetaNumber(META_REVISION) : 1;
    const c = this.backend.getMeta(META_COMPACT);
    this.compactRev = c ? this.backend.getMetaNumber(META_COMPACT) : -1;
    this.index.retireAll(); // a slot someone kept must not look live (see LiveSlot)
    this.index = KeyIndex.fromRevs(this.backend.revs);
  }

  /** Number of live keys. */
  get keyCount(): number {
    return this.index.size;
  }

  get currentRevision(): number {
    return this.rev;
  }

  get compactRevision(): number {
    return this.compactRev;
  }

  /**
   * Opens a write transaction; call only inside Backend.write(). `withPrevKv`: every put's
   * event carries the key's previous value (a watcher wants it); otherwise only a put that
   * asks for it (PutOptions.prevKv) reads it.
   */
  beginWrite(withPrevKv = false): WriteTxn {
    return new WriteTxn(this, withPrevKv);
  }

  /** Reads a range; throws MvccError for compacted or future revisions. */
  range(q: RangeQuery): RangeResult {
    const rev = q.revision > 0 ? q.revision : this.rev;
    if (rev > this.rev) throw errFutureRev();
    if (q.revision > 0 && rev < this.compactRev) throw errCompacted();
    // as etcd 3.4: only an explicit order or a filter makes it read the whole range before the
    // limit; a non-key target with no order sorts just the first limit+1 keys
    const needAll =
      q.sortOrder !== SORT_NONE ||
      q.minModRevision > 0 ||
      q.maxModRevision > 0 ||
      q.minCreateRevision > 0 ||
      q.maxCreateRevision > 0;
    const fetchLimit = needAll || q.limit <= 0 ? 0 : q.limit + 1;
    let kvs: KeyValue[];
    let count: number;
    if (rev === this.rev) {
      ({ kvs, count } = this.rangeLatest(q.key, q.rangeEnd, fetchLimit, q.countOnly));
    } else {
      ({ kvs, count } = this.rangeHistorical(q.key, q.rangeEnd, rev, fetchLimit, q.countOnly));
    }
    if (q.maxModRevision > 0) kvs = kvs.filter((kv) => kv.modRevision <= q.maxModRevision);
    if (q.minModRevision > 0) kvs = kvs.filter((kv) => kv.modRevision >= q.minModRevision);
    if (q.maxCreateRevision > 0) kvs = kvs.filter((kv) => kv.createRevision <= q.maxCreateRevision);
    if (q.minCreateRevision > 0) kvs = kvs.filter((kv) => kv.createRevision >= q.minCreateRevision);
    sortKvs(kvs, q.sortOrder, q.sortTarget);
    let more = false;
    if (q.limit > 0 && kvs.length > q.limit) {
      kvs = kvs.slice(0, q.limit);
      more = true;
    }
    if (q.keysOnly) kvs = kvs.map((kv) => ({ ...kv, value: EMPTY }));
    return { kvs, more, count, revision: this.rev };
  }

  /** Latest value of one key, or undefined. */
  get(key: Buffer): KeyValue | undefined {
    return this.getLive(key)?.kv;
  }

  /** Latest value of one key and where its record is. */
  getLive(key: Buffer): LiveRecord | undefined {
    const s = this.index.slot(keyId(key));
    return s ? { kv: this.readLive(s), at: { main: s.main, sub: s.sub } } : undefined;
  }

  /**
   * Where a live key's record is, with its create revision, version and lease, without reading
   * the record.
   */
  getLivePointer(key: Buffer): LivePointer | undefined {
    return this.index.get(keyId(key));
  }

  /**
   * The key's live slot (not a copy: later writes to the key show in it; once slotRetired says
   * so, look the key up again), the key given as a latin1 string, one char per byte (the
   * index's id, see keyId): a caller that has the key as text need not build a Buffer only for
   * the lookup.
   */
  getLiveSlotLatin1(key: string): LiveSlot | undefined {
    return this.index.slot(key);
  }

  /**
   * The record a live pointer or a live (not retired) slot names: it exists (compaction keeps
   * every live record).
   */
  readLive(at: RevPointer): KeyValue {
    const kv = this.readRevision(at);
    if (!kv) throw new Error(`mvcc: dangling key pointer ${at.main}/${at.sub}`);
    return kv;
  }

  readRevision(p: RevPointer): KeyValue | undefined {
    const raw = this.backend.revs.getBinary(revKey(p.main, p.sub));
    return raw ? toKeyValue(decodeRecord(raw), p.main) : undefined;
  }

  private rangeLatest(
    key: Buffer,
    end: Buffer,
    limit: number,
    countOnly: boolean,
  ): { kvs: KeyValue[]; count: number } {
    if (end.length === 0) {
      const kv = this.get(key);
      return { kvs: kv && !countOnly ? [kv] : [], count: kv ? 1 : 0 };
    }
    const bounds = rangeBounds(key, end);
    if (bounds === undefined) return { kvs: [], count: 0 };
    const start = keyId(bounds.start);
    const stop = bounds.end === undefined ? undefined : keyId(bounds.end);
    const count = this.index.count(start, stop);
    if (countOnly) return { kvs: [], count };
    const kvs: KeyValue[] = [];
    for (const [, slot] of this.index.range(start, stop)) {
      kvs.push(this.readLive(slot));
      if (limit > 0 && kvs.length >= limit) break;
    }
    return { kvs, count };
  }

  /**
   * A range at an old revision: the state at `rev` of each key is the version live just before
   * the key's first change after `rev` (its record's prev pointer), or its current version if it
   * has not changed since. Costs O(changes since rev + keys in range).
   */
  private rangeHistorical(
    key: Buffer,
    end: Buffer,
    rev: number,
    limit: number,
    countOnly: boolean,
  ): { kvs: KeyValue[]; count: number } {
    const bounds = end.length === 0 ? undefined : rangeBounds(key, end);
    if (end.length !== 0 && bounds === undefined) return { kvs: [], count: 0 };
    const inRange = (k: Buffer): boolean =>
      bounds === undefined
        ? k.equals(key)
        : Buffer.compare(k, bounds.start) >= 0 &&
          (bounds.end === undefined || Buffer.compare(k, bounds.end) < 0);
    // First change after rev of every key in range → the version that was live at rev.
    const firstChange = new Map<string, { key: Buffer; prev: RevPointer | undefined }>();
    for (const { value } of this.backend.revs.getRange({ start: revKey(rev + 1, 0) })) {
      const { key: k } = recordKeyAndType(value);
      if (!inRange(k)) continue;
      const id = k.toString('latin1');
      if (!firstChange.has(id))
        firstChange.set(id, { key: Buffer.from(k), prev: decodeRecord(value).prev });
    }
    // slots, not copies: nothing writes to the index while this read runs
    const live = new Map<string, RevPointer>();
    if (bounds === undefined) {
      const id = keyId(key);
      const s = this.index.slot(id);
      if (s && !firstChange.has(id)) live.set(id, s);
    } else {
      const stop = bounds.end === undefined ? undefined : keyId(bounds.end);
      for (const [id, s] of this.index.range(keyId(bounds.start), stop))
        if (!firstChange.has(id)) live.set(id, s);
    }
    for (const [id, c] of firstChange) if (c.prev) live.set(id, c.prev);
    const ids = [...live.keys()].sort(compareLatin1);
    const count = ids.length;
    if (countOnly) return { kvs: [], count };
    const take = limit > 0 ? ids.slice(0, limit) : ids;
    const kvs: KeyValue[] = [];
    for (const id of take) {
      const kv = this.readRevision(live.get(id)!);
      if (kv) kvs.push(kv);
    }
    return { kvs, count };
  }

  /**
   * Events with revision >= fromRev in revision order, at most maxEvents (never splitting one
   * revision), for watchers catching up from the backend. `prevKv` is filled when asked.
   */
  eventsSince(
    fromRev: number,
    maxEvents: number,
    withPrev: boolean,
  ): { events: MvccEvent[]; nextRev: number } {
    const events: MvccEvent[] = [];
    let lastMain = 0;
    let nextRev = fromRev;
    for (const { key: rk, value } of this.backend.revs.getRange({ start: revKey(fromRev, 0) })) {
      const p = parseRevKey(rk);
      if (events.length >= maxEvents && p.main !== lastMain) break;
      const rec = decodeRecord(value);
      const ev: MvccEvent = { type: rec.type, kv: toKeyValue(rec, p.main) };
      if (withPrev && rec.prev) {
        const prev = this.readRevision(rec.prev);
        if (prev) ev.prevKv = prev;
      }
      events.push(ev);
      lastMain = p.main;
      nextRev = p.main + 1;
    }
    if (events.length === 0) nextRev = Math.max(fromRev, this.rev + 1);
    return { events, nextRev };
  }

  /** Validates a compaction request against the current state (deterministic). */
  checkCompact(rev: number): void {
    if (rev <= this.compactRev) throw errCompacted();
    if (rev > this.rev) throw errFutureRev();
  }

  /**
   * Removes history below `rev`, keeping each key's version live at `rev` and every record of
   * revision `rev` itself. Call inside Backend.write().
   */
  compact(rev: number): number {
    this.checkCompact(rev);
    const last = new Map<string, { rk: Buffer; main: number; deleted: boolean }>();
    const doomed: Buffer[] = [];
    for (const { key: rk, value } of this.backend.revs.getRange({ end: revKey(rev + 1, 0) })) {
      const main = parseRevKey(rk).main;
      const { key, type } = recordKeyAndType(value);
      const id = key.toString('latin1');
      const before = last.get(id);
      if (before && before.main < rev) doomed.push(before.rk);
      last.set(id, { rk: Buffer.from(rk), main, deleted: type === EVENT_DELETE });
    }
    for (const l of last.values()) if (l.deleted && l.main < rev) doomed.push(l.rk);
    for (const rk of doomed) this.backend.revs.removeSync(rk);
    this.compactRev = rev;
    this.backend.putMetaNumber(META_COMPACT, rev);
    return doomed.length;
  }

  /** Deterministic hash of the history in (compactRev, rev] and of the compact revision. */
  hashKV(rev: number): { hash: number; compactRevision: number; hashRevision: number } {
    const upTo = rev > 0 ? rev : this.rev;
    if (upTo > this.rev) throw errFutureRev();
    let h = 0x811c9dc5;
    const mix = (b: Buffer): void => {
      for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193) >>> 0;
    };
    for (const { key, value } of this.backend.revs.getRange({ end: revKey(upTo + 1, 0) })) {
      mix(key);
      mix(value);
    }
    return { hash: h >>> 0, compactRevision: this.compactRev, hashRevision: upTo };
  }

  /** Called by WriteTxn when it commits changes. */
  _setRevision(rev: number): void {
    this.rev = rev;
    this.revDirty = true;
  }

  /**
   * Persists the current revision; the state machine calls it once per applied batch, inside
   * the batch's backend transaction (one meta write per batch, not per write).
   */
  persistRevision(): void {
    if (!this.revDirty) return;
    this.backend.putMetaNumber(META_REVISION, this.rev);
    this.revDirty = false;
  }

  _leases(): LeaseKeyTracker | undefined {
    return this.leases;
  }

  /** The key index, for WriteTxn (which keeps it current). */
  _index(): KeyIndex {
    return this.index;
  }
}

/** A key's live record: its value and the revision pointer it is stored under. */
export interface LiveRecord {
  kv: KeyValue;
  at: RevPointer;
}

export interface PutOptions {
  /** stored with the record (KeyValue.timeMs): ZooKeeper's mtime */
  timeMs?: number;
  /** the event must carry the previous value (the request asked for prev_kv) */
  prevKv?: boolean;
  /**
   * The key's live slot, if the caller kept one (getLiveSlotLatin1 of this very key): the put
   * then skips the index lookup (a new string's hash and several cache misses). Ignored once
   * retired.
   */
  slot?: LiveSlot;
  /**
   * The key starts anew here (create revision = this revision, version 1): a live key is
   * deleted first, in this txn (its DELETE event comes before the PUT), as a delete and a put
   * of the key would do, with the one index lookup the put makes anyway. ZooKeeper's create,
   * where an etcd client had written the node's key.
   */
  newKey?: boolean;
}

/**
 * One atomic change set: all its writes get the same main revision (and increasing sub
 * revisions), as an etcd txn. Reads through the store inside the same backend transaction see
 * the writes made so far.
 */
export class WriteTxn {
  readonly revision: number;
  private sub = 0;
  readonly events: MvccEvent[] = [];
  /** The live slot of the key the last put() wrote (a caller may keep it, see PutOptions.slot). */
  lastSlot: LiveSlot | undefined;

  constructor(
    private readonly store: KvStore,
    private readonly withPrevKv: boolean,
  ) {
    this.revision = store.currentRevision + 1;
  }

  get changed(): boolean {
    return this.sub > 0;
  }

  put(key: Buffer, value: Buffer, lease: bigint, opts?: PutOptions): MvccEvent {
    const b = this.store.backend;
    const index = this.store._index();
    const kept = opts?.slot;
    const id = kept !== undefined && !slotRetired(kept) ? undefined : keyId(key);
    // the index's own slot: everything needed from it is read before it is overwritten below
    let prev = id === undefined ? kept : index.slot(id);
    if (prev && opts?.newKey) {
      this.deleteOne(Buffer.from(key), id ?? keyId(key), prev);
      prev = undefined;
    }
    const prevLease = prev?.lease;
    // read now if at all: a compaction later in this batch may delete the previous record
    const prevKv =
      prev && (this.withPrevKv || opts?.prevKv) ? this.store.readRevision(prev) : undefined;
    const createRevision = prev ? prev.createRevision : this.revision;
    const version = prev ? prev.version + 1 : 1;
    const at: RevPointer = { main: this.revision, sub: this.sub++ };
    const rk = revKey(at.main, at.sub);
    const keyCopy = Buffer.from(key);
    const timeMs = opts?.timeMs;
    b.revs.putSync(
      rk,
      encodeRecord({
        type: EVENT_PUT,
        createRevision,
        version,
        lease,
        prev: prev ? { main: prev.main, sub: prev.sub } : undefined,
        key: keyCopy,
        value,
        timeMs,
      }),
    );
    if (prev) index.rewrite(prev, at, createRevision, version, lease);
    // no prev: the lookup above missed, or the key was just deleted (newKey)
    this.lastSlot = prev ?? index.insert(id ?? keyId(key), at, createRevision, version, lease);
    const leases = this.store._leases();
    if (leases && prevLease !== undefined && prevLease !== 0n && prevLease !== lease)
      leases.detach(prevLease, keyCopy);
    if (leases && lease !== 0n && prevLease !== lease) leases.attach(lease, keyCopy);
    const kv: KeyValue = {
      key: keyCopy,
      createRevision,
      modRevision: this.revision,
      version,
      value,
      lease,
    };
    if (timeMs !== undefined) kv.timeMs = timeMs;
    const ev: MvccEvent = { type: EVENT_PUT, kv, prevKv };
    this.events.push(ev);
    return ev;
  }

  /** Deletes every live key in [key, end) (or the single key); returns their last values. */
  deleteRange(key: Buffer, end: Buffer): KeyValue[] {
    const index = this.store._index();
    // collected first: the index is not written to while it is iterated (deleting a key leaves
    // the other keys' slots as they are)
    const victims: Array<{ id: string; slot: RevPointer }> = [];
    if (end.length === 0) {
      const id = keyId(key);
      const slot = index.slot(id);
      if (slot) victims.push({ id, slot });
    } else {
      const bounds = rangeBounds(key, end);
      const stop = bounds?.end === undefined ? undefined : keyId(bounds.end);
      if (bounds)
        for (const [id, slot] of index.range(keyId(bounds.start), stop)) victims.push({ id, slot });
    }
    const deleted: KeyValue[] = [];
    for (const v of victims)
      deleted.push(this.deleteOne(Buffer.from(v.id, 'latin1'), v.id, v.slot));
    return deleted;
  }

  /** prev may be the key's live slot: everything read from it is read before delete() retires it. */
  private deleteOne(key: Buffer, id: string, prev: RevPointer): KeyValue {
    const b = this.store.backend;
    const prevKv = this.store.readRevision(prev)!;
    const rk = revKey(this.revision, this.sub++);
    b.revs.putSync(
      rk,
      encodeRecord({
        type: EVENT_DELETE,
        createRevision: 0,
        version: 0,
        lease: 0n,
        prev,
        key,
        value: EMPTY,
      }),
    );
    this.store._index().delete(id);
    const leases = this.store._leases();
    if (leases && prevKv.lease !== 0n) leases.detach(prevKv.lease, key);
    this.events.push({
      type: EVENT_DELETE,
      kv: {
        key,
        createRevision: 0,
        modRevision: this.revision,
        version: 0,
        value: EMPTY,
        lease: 0n,
      },
      prevKv,
    });
    return prevKv;
  }

  /** Makes the revision current if anything changed. Returns the store's revision after. */
  commit(): number {
    if (this.sub > 0) this.store._setRevision(this.revision);
    return this.store.currentRevision;
  }
}

/** LMDB range bounds for [key, end); end [0x00] means "to the end of the keyspace". */
export function rangeBounds(
  key: Buffer,
  end: Buffer,
): { start: Buffer; end: Buffer | undefined } | undefined {
  const unbounded = end.length === 1 && end[0] === 0;
  const start = key.length === 0 ? Buffer.from([0]) : key;
  if (!unbounded && Buffer.compare(start, end) >= 0) return undefined;
  return { start, end: unbounded ? undefined : end };
}

function compareLatin1(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortKvs(kvs: KeyValue[], order: number, target: number): void {
  // etcd: a non-key target with no order sorts ascending; key + ascending is the natural order.
  let o = order;
  if (target !== TARGET_KEY && o === SORT_NONE) o = SORT_ASCEND;
  if (o === SORT_NONE || (o === SORT_ASCEND && target === TARGET_KEY)) return;
  const by = (kv: KeyValue): number | Buffer => {
    switch (target) {
      case TARGET_VERSION:
        return kv.version;
      case TARGET_CREATE:
        return kv.createRevision;
      case TARGET_MOD:
        return kv.modRevision;
      case TARGET_VALUE:
        return kv.value;
      default:
        return kv.key;
    }
  };
  const cmp = (a: KeyValue, b: KeyValue): number => {
    const x = by(a);
    const y = by(b);
    return typeof x === 'number' ? x - (y as number) : Buffer.compare(x, y as Buffer);
  };
  kvs.sort(o === SORT_DESCEND ? (a, b) => cmp(b, a) : cmp);
}
