/**
 * The stable log as Raft reads it. Raft never writes through this interface: the caller
 * persists what a Ready hands out (entries, hardState, snapshot) and only then calls advance(),
 * after which Raft expects to read those entries back from here.
 *
 * Index contract: the storage holds a snapshot at S = firstIndex() - 1 (S = 0 for a fresh log)
 * and entries S+1 .. lastIndex(). term(S) is the snapshot's term; earlier indexes are compacted.
 */
import { ConfState, Entry, EMPTY_HARD_STATE, HardState, Snapshot, invariant } from './types';

/** Asked for an index at or below the snapshot: the caller must fall back to the snapshot. */
export class CompactedError extends Error {
  readonly code = 'RAFT_COMPACTED';
  constructor(index: number, firstIndex: number) {
    super(`raft log index ${index} is compacted (first index ${firstIndex})`);
    this.name = 'CompactedError';
  }
}

/** The snapshot is being produced; Raft retries on a later heartbeat. */
export class SnapshotTemporarilyUnavailableError extends Error {
  readonly code = 'RAFT_SNAPSHOT_UNAVAILABLE';
  constructor() {
    super('raft snapshot temporarily unavailable');
    this.name = 'SnapshotTemporarilyUnavailableError';
  }
}

export interface Storage {
  /** HardState and membership at startup. */
  initialState(): { hardState: HardState; confState: ConfState };
  /**
   * Entries [lo, hi) with lo >= firstIndex() and hi <= lastIndex() + 1, truncated after
   * maxBytes of data (always at least one entry). Throws CompactedError if lo < firstIndex().
   * The caller must not mutate the returned entries.
   */
  entries(lo: number, hi: number, maxBytes?: number): Entry[];
  /** Term of entry i for firstIndex()-1 <= i <= lastIndex(); CompactedError below that. */
  term(i: number): number;
  firstIndex(): number;
  lastIndex(): number;
  /** Most recent snapshot; may throw SnapshotTemporarilyUnavailableError. */
  snapshot(): Snapshot;
}

/**
 * In-memory Storage, the "disk" of tests and of the simulator. ents[0] is a dummy entry standing
 * for the snapshot (index, term); real entries follow contiguously.
 */
export class MemoryStorage implements Storage {
  private hard: HardState = EMPTY_HARD_STATE;
  private snap: Snapshot;
  private ents: Entry[];

  /** A fresh log whose initial membership is `confState` (bootstrapped at index 0). */
  constructor(confState: ConfState = { voters: [], learners: [] }) {
    this.snap = {
      meta: { index: 0, term: 0, confState: cloneConf(confState) },
      data: Buffer.alloc(0),
    };
    this.ents = [dummy(0, 0)];
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: { ...this.hard }, confState: cloneConf(this.snap.meta.confState) };
  }

  hardState(): HardState {
    return { ...this.hard };
  }

  setHardState(hs: HardState): void {
    this.hard = { ...hs };
  }

  private get offset(): number {
    return this.ents[0].index;
  }

  firstIndex(): number {
    return this.offset + 1;
  }

  lastIndex(): number {
    return this.offset + this.ents.length - 1;
  }

  term(i: number): number {
    if (i < this.offset) throw new CompactedError(i, this.firstIndex());
    invariant(
      i <= this.lastIndex(),
      () => `storage.term(${i}) beyond last index ${this.lastIndex()}`,
    );
    return this.ents[i - this.offset].term;
  }

  entries(lo: number, hi: number, maxBytes = Infinity): Entry[] {
    if (lo <= this.offset) throw new CompactedError(lo, this.firstIndex());
    invariant(
      hi <= this.lastIndex() + 1,
      () => `storage.entries(${lo}, ${hi}) beyond last ${this.lastIndex()}`,
    );
    return limitSize(this.ents.slice(lo - this.offset, hi - this.offset), maxBytes);
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the whole log with a snapshot received from the leader. Ignores older ones. */
  applySnapshot(s: Snapshot): void {
    if (s.meta.index <= this.snap.meta.index) return;
    this.snap = { meta: { ...s.meta, confState: cloneConf(s.meta.confState) }, data: s.data };
    this.ents = [dummy(s.meta.index, s.meta.term)];
  }

  /**
   * Records a snapshot of the application's state at applied index i (i <= committed), without
   * dropping entries; call compact() afterwards to release the log prefix.
   */
  createSnapshot(i: number, confState: ConfState, data: Buffer): Snapshot {
    invariant(
      i > this.snap.meta.index,
      () => `snapshot ${i} is not newer than ${this.snap.meta.index}`,
    );
    invariant(i <= this.lastIndex(), () => `snapshot ${i} beyond last index ${this.lastIndex()}`);
    this.snap = { meta: { index: i, term: this.term(i), confState: cloneConf(confState) }, data };
    return this.snap;
  }

  /** Drops entries up to and including i (which must be <= the snapshot index). */
  compact(i: number): void {
    if (i <= this.offset) return;
    invariant(
      i <= this.snap.meta.index,
      () => `compact(${i}) beyond snapshot ${this.snap.meta.index}`,
    );
    const t = this.term(i);
    this.ents = [dummy(i, t), ...this.ents.slice(i - this.offset + 1)];
  }

  /**
   * Appends entries, truncating any existing suffix from the first new index (Raft overwrites
   * conflicting entries). Entries at or below the snapshot are ignored.
   */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    let es = entries;
    if (es[0].index <= this.offset) es = es.slice(this.offset + 1 - es[0].index);
    if (es.length === 0) return;
    const first = es[0].index;
    invariant(
      first <= this.lastIndex() + 1,
      () => `append at ${first} leaves a gap after ${this.lastIndex()}`,
    );
    // truncate a conflicting suffix in place, then append (no copy of the retained prefix)
    this.ents.length = first - this.offset;
    for (const e of es) this.ents.push(e);
  }
}

function dummy(index: number, term: number): Entry {
  return { index, term, type: 'normal', data: Buffer.alloc(0) };
}

export function cloneConf(c: ConfState): ConfState {
  return { voters: [...c.voters], learners: [...c.learners] };
}

/** The longest prefix whose data fits in maxBytes, but at least one entry. */
export function limitSize(ents: Entry[], maxBytes: number): Entry[] {
  if (ents.length === 0 || maxBytes === Infinity) return ents;
  let size = ents[0].data.length;
  let n = 1;
  for (; n < ents.length; n++) {
    size += ents[n].data.length;
    if (size > maxBytes) break;
  }
  return n === ents.length ? ents : ents.slice(0, n);
}
