/** The MVCC data model, as etcd's: one global revision orders every change. */

export interface KeyValue {
  key: Buffer;
  /** revision of the put that created this key's current generation (0 for a tombstone) */
  createRevision: number;
  /** revision of the last change to the key */
  modRevision: number;
  /** number of puts in the current generation; 0 for a tombstone */
  version: number;
  value: Buffer;
  /** lease id (64-bit signed); 0n when none */
  lease: bigint;
  /** the change's time (ms), only where the writer recorded one (ZooKeeper writes: mtime) */
  timeMs?: number;
}

export const EVENT_PUT = 0;
export const EVENT_DELETE = 1;
export type EventType = typeof EVENT_PUT | typeof EVENT_DELETE;

export interface MvccEvent {
  type: EventType;
  kv: KeyValue;
  /**
   * the key's value before this change, when it existed: always for a delete, for a put only
   * when asked (the request's prev_kv, or a watcher's: KvStore.beginWrite)
   */
  prevKv?: KeyValue;
}

export const SORT_NONE = 0;
export const SORT_ASCEND = 1;
export const SORT_DESCEND = 2;
export const TARGET_KEY = 0;
export const TARGET_VERSION = 1;
export const TARGET_CREATE = 2;
export const TARGET_MOD = 3;
export const TARGET_VALUE = 4;

export interface RangeQuery {
  key: Buffer;
  /** empty: the single key; [0x00]: every key >= key; otherwise the exclusive end */
  rangeEnd: Buffer;
  limit: number;
  /** <= 0: the current revision */
  revision: number;
  sortOrder: number;
  sortTarget: number;
  keysOnly: boolean;
  countOnly: boolean;
  minModRevision: number;
  maxModRevision: number;
  minCreateRevision: number;
  maxCreateRevision: number;
}

export interface RangeResult {
  kvs: KeyValue[];
  more: boolean;
  /** number of keys in the range at that revision, before limit and filters */
  count: number;
  /** the revision the read was served at (the store's current revision) */
  revision: number;
}

/** Errors decided by the store; the API layer maps them onto etcd's gRPC errors. */
export class MvccError extends Error {
  constructor(
    readonly code: 'compacted' | 'future_rev' | 'key_not_found',
    message: string,
  ) {
    super(message);
  }
}

export const errCompacted = () =>
  new MvccError('compacted', 'mvcc: required revision has been compacted');
export const errFutureRev = () =>
  new MvccError('future_rev', 'mvcc: required revision is a future revision');

export function rangeQuery(partial: Partial<RangeQuery> & { key: Buffer }): RangeQuery {
  return {
    rangeEnd: Buffer.alloc(0),
    limit: 0,
    revision: 0,
    sortOrder: SORT_NONE,
    sortTarget: TARGET_KEY,
    keysOnly: false,
    countOnly: false,
    minModRevision: 0,
    maxModRevision: 0,
    minCreateRevision: 0,
    maxCreateRevision: 0,
    ...partial,
  };
}
