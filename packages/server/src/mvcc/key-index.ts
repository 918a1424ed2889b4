import BTree from 'sorted-btree';
import type { BinaryDb } from '../backend/backend';
import { EVENT_DELETE } from './types';
import { LivePointer, liveOfRecord, parseRevKey, recordKeyAndType, RevPointer } from './record';

/**
 * A live key's latest record (main, sub) and that record's create revision, version and lease.
 * A slot stays the key's slot for as long as the key lives (puts overwrite it in place); once
 * the key is deleted, or the index is rebuilt, it is retired (slotRetired), so a holder can
 * keep one across writes and check it instead of looking the key up again.
 */
export interface LiveSlot extends RevPointer {
  readonly createRevision: number;
  readonly version: number;
  readonly lease: bigint;
}

/**
 * The index's own, mutable LiveSlot. The hash map and the tree share it, and a put to the key
 * overwrites its fields: no allocation per write, and nothing left for the old generation's
 * collector (these slots live as long as their keys).
 */
class Slot implements LiveSlot {
  constructor(
    public main: number,
    public sub: number,
    public createRevision: number,
    public version: number,
    public lease: bigint,
  ) {}
}

/**
 * A key's id in the index: its bytes as a latin1 string, one char per byte, so JavaScript's
 * string order is the keys' byte order. Buffer.from(id, 'latin1') gives the key back.
 */
export function keyId(key: Buffer): string {
  return key.toString('latin1');
}

/** main of a retired slot: no record has revision 0 */
const RETIRED = 0;

/** The slot's key was deleted or the index rebuilt since the slot was handed out. */
export function slotRetired(s: LiveSlot): boolean {
  return s.main === RETIRED;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Every live key and where its latest record is, in memory (etcd's treeIndex). Derived from
 * `revs` alone: built by one scan of the history when the store opens (or after the backend file
 * was replaced), then kept current by the store's writes. A put to an existing key learns its
 * record, version and lease here instead of in a B-tree on disk, and the backend no longer
 * rewrites a random page of a key table per write, which was most of an LMDB commit's cost.
 *
 * Point lookups go through a hash map; ranges through a sorted B+ tree over the same slots.
 * Keys are given as ids (keyId), so a caller converts a key once for a lookup and a write.
 */
export class KeyIndex {
  private readonly byId = new Map<string, Slot>();
  private readonly ordered = new BTree<string, Slot>(undefined, compareIds);

  /** Replays the history in revision order: each key's last record decides (puts live, deletes gone). */
  static fromRevs(revs: BinaryDb): KeyIndex {
    const index = new KeyIndex();
    for (const { key: rk, value } of revs.getRange({})) {
      const { key, type } = recordKeyAndType(value);
      const id = keyId(key);
      if (type === EVENT_DELETE) index.delete(id);
      else {
        const p = liveOfRecord(parseRevKey(rk), value);
        index.set(id, p.at, p.createRevision, p.version, p.lease);
      }
    }
    return index;
  }

  get size(): number {
    return this.byId.size;
  }

  /**
   * The key's slot, not a copy: it changes with the next write to the key, so read what you
   * need before writing (get() hands out a copy to keep).
   */
  slot(id: string): LiveSlot | undefined {
    return this.byId.get(id);
  }

  /** The key's live pointer (a copy: later writes do not change it), or undefined. */
  get(id: string): LivePointer | undefined {
    const s = this.byId.get(id);
    if (!s) return undefined;
    return {
      at: { main: s.main, sub: s.sub },
      createRevision: s.createRevision,
      version: s.version,
      lease: s.lease,
    };
  }

  /** The key's latest record is now at `at`, with these header fields. */
  set(id: string, at: RevPointer, createRevision: number, version: number, lease: bigint): void {
    const slot = this.byId.get(id);
    if (slot) return this.rewrite(slot, at, createRevision, version, lease);
    this.insert(id, at, createRevision, version, lease);
  }

  /** set() of a key the caller knows is not in the index (no lookup); returns its new slot. */
  insert(
    id: string,
    at: RevPointer,
    createRevision: number,
    version: number,
    lease: bigint,
  ): LiveSlot {
    const s = new Slot(at.main, at.sub, createRevision, version, lease);
    this.byId.set(id, s);
    this.ordered.set(id, s);
    return s;
  }

  /** A live slot's key has its latest record at `at` now (set() without the lookup). */
  rewrite(
    slot: LiveSlot,
    at: RevPointer,
    createRevision: number,
    version: number,
    lease: bigint,
  ): void {
    const s = slot as Slot; // every LiveSlot is an index's Slot, and a live one is this index's
    s.main = at.main;
    s.sub = at.sub;
    s.createRevision = createRevision;
    s.version = version;
    s.lease = lease;
  }

  delete(id: string): void {
    const slot = this.byId.get(id);
    if (!slot) return;
    slot.main = RETIRED;
    this.byId.delete(id);
    this.ordered.delete(id);
  }

  /** Retires every slot: the index is being replaced by a rebuilt one. */
  retireAll(): void {
    for (const slot of this.byId.values()) slot.main = RETIRED;
  }

  /**
   * Live keys in [start, end) in byte order (end undefined: to the last key), as [id, slot]
   * pairs. Do not write to the index meanwhile.
   */
  *range(start: string, end: string | undefined): Iterable<readonly [string, LiveSlot]> {
    for (const pair of this.ordered.entries(start)) {
      if (end !== undefined && pair[0] >= end) return;
      yield pair;
    }
  }

  /** How many live keys are in [start, end), without visiting them one by one in JavaScript. */
  count(start: string, end: string | undefined): number {
    // forRange does not check that low <= high
    if (end !== undefined) return start < end ? this.ordered.forRange(start, end, false) : 0;
    const last = this.ordered.maxKey();
    return last === undefined || start > last ? 0 : this.ordered.forRange(start, last, true);
  }
}
