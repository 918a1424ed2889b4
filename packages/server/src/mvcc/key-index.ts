import BTree from 'sorted-btree';
import type { BinaryDb } from '../backend/backend';
import { EVENT_DELETE } from './types';
import { LivePointer, liveOfRecord, parseRevKey, recordKeyAndType, RevPointer } from './record';

/**
 * A live key's latest record and that record's header fields. The hash map and the tree share
 * it, and a put to the key overwrites its fields: no allocation per write, and nothing left for
 * the old generation's collector (these slots live as long as their keys).
 */
class Slot {
  constructor(
    public main: number,
    public sub: number,
    public createRevision: number,
    public version: number,
    public lease: bigint,
  ) {}
}

/** latin1 keeps one char per byte, so JavaScript's string order is the keys' byte order. */
function idOf(key: Buffer): string {
  return key.toString('latin1');
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
 */
export class KeyIndex {
  private readonly byId = new Map<string, Slot>();
  private readonly ordered = new BTree<string, Slot>(undefined, compareIds);

  /** Replays the history in revision order: each key's last record decides (puts live, deletes gone). */
  static fromRevs(revs: BinaryDb): KeyIndex {
    const index = new KeyIndex();
    for (const { key: rk, value } of revs.getRange({})) {
      const { key, type } = recordKeyAndType(value);
      if (type === EVENT_DELETE) index.delete(key);
      else {
        const p = liveOfRecord(parseRevKey(rk), value);
        index.set(key, p.at, p.createRevision, p.version, p.lease);
      }
    }
    return index;
  }

  get size(): number {
    return this.byId.size;
  }

  /** The key's live pointer (a copy: later writes do not change it), or undefined. */
  get(key: Buffer): LivePointer | undefined {
    return this.getById(idOf(key));
  }

  /** get() for a key given as its latin1 id (one char per byte; see idOf). */
  getById(id: string): LivePointer | undefined {
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
  set(key: Buffer, at: RevPointer, createRevision: number, version: number, lease: bigint): void {
    const id = idOf(key);
    const slot = this.byId.get(id);
    if (slot) {
      slot.main = at.main;
      slot.sub = at.sub;
      slot.createRevision = createRevision;
      slot.version = version;
      slot.lease = lease;
      return;
    }
    const s = new Slot(at.main, at.sub, createRevision, version, lease);
    this.byId.set(id, s);
    this.ordered.set(id, s);
  }

  delete(key: Buffer): void {
    const id = idOf(key);
    if (this.byId.delete(id)) this.ordered.delete(id);
  }

  /**
   * Live keys in [start, end) in byte order (end undefined: to the last key), as latin1 ids (see
   * idOf; Buffer.from(id, 'latin1') gives the key back). Do not write to the index meanwhile.
   */
  *range(start: Buffer, end: Buffer | undefined): Iterable<{ id: string; at: RevPointer }> {
    const endId = end === undefined ? undefined : idOf(end);
    for (const [id, slot] of this.ordered.entries(idOf(start))) {
      if (endId !== undefined && id >= endId) return;
      yield { id, at: { main: slot.main, sub: slot.sub } };
    }
  }

  count(start: Buffer, end: Buffer | undefined): number {
    let n = 0;
    for (const _ of this.range(start, end)) n++;
    return n;
  }
}
