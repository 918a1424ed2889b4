/**
 * Raft Storage over the WAL: starts from what Wal.open recovered (hardState, snapshot marker,
 * entries) and keeps the log in memory; RaftLog appends to it after the WAL made the same
 * records durable, so this is always a copy of the durable log.
 *
 * Compaction: after RaftLog took a snapshot (the backend flushed and its state recorded in the
 * snap directory, see raft-snapshots.ts) it compacts this log up to some index C (appending a
 * WAL snapshot marker at C first), and entries <= C are gone from memory; WAL segments below C
 * are released. On restart the WAL replay drops entries at or below the last marker, so the log
 * starts at C+1 and term(C) is the marker's term. snapshot() returns the newest snapshot's
 * metadata (index S >= C); a follower sent one is streamed a copy of the backend made for it.
 * A follower that installs a leader's snapshot replaces its whole log with it (applySnapshot).
 */
import {
  CompactedError,
  ConfState,
  Entry,
  HardState,
  invariant,
  Snapshot,
  SnapshotTemporarilyUnavailableError,
  Storage,
} from '../raft';
import { limitSize } from '../raft/storage';
import { RecoveredState } from '../wal/wal';

export class WalStorage implements Storage {
  private hard: HardState;
  private snapIndex: number;
  private snapTerm: number;
  /** entries snapIndex+1 .. lastIndex */
  private ents: Entry[];
  private conf: ConfState;
  /** the newest snapshot file's metadata (undefined: none taken or received yet) */
  private snap: Snapshot | undefined;

  /**
   * @param applied the state machine's applied index: everything at or below it was committed,
   *   so the initial commit index is at least that (the commit index in the WAL may lag, since a
   *   commit-only HardState change is not written on its own).
   */
  constructor(state: RecoveredState, conf: ConfState, applied: number, snap?: Snapshot) {
    this.conf = { voters: [...conf.voters], learners: [...conf.learners] };
    this.snap = snap;
    const first = state.entries.length > 0 ? state.entries[0].index : state.lastIndex + 1;
    this.snapIndex = first - 1;
    // The term of the entry before the first kept one: the snapshot marker's when there is one.
    // (Without one, the log starts at 1 in cluster mode: the WAL is never released.)
    this.snapTerm =
      state.snapshot && state.snapshot.index === this.snapIndex ? state.snapshot.term : 0;
    this.ents = state.entries.map((e) => ({
      index: e.index,
      term: e.term,
      type: 'normal' as const,
      data: e.data,
    }));
    for (let i = 0; i < this.ents.length; i++)
      invariant(
        this.ents[i].index === first + i,
        () => `WAL entries not contiguous at ${this.ents[i].index}`,
      );
    const hs = state.hardState ?? { term: 0, vote: 0, commit: 0 };
    const commit = Math.min(Math.max(hs.commit, applied, this.snapIndex), this.lastIndex());
    this.hard = { term: hs.term, vote: hs.vote, commit };
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return {
      hardState: { ...this.hard },
      confState: { voters: [...this.conf.voters], learners: [...this.conf.learners] },
    };
  }

  setHardState(hs: HardState): void {
    this.hard = { ...hs };
  }

  firstIndex(): number {
    return this.snapIndex + 1;
  }

  lastIndex(): number {
    return this.snapIndex + this.ents.length;
  }

  term(i: number): number {
    if (i < this.snapIndex) throw new CompactedError(i, this.firstIndex());
    if (i === this.snapIndex) return this.snapTerm;
    invariant(
      i <= this.lastIndex(),
      () => `storage.term(${i}) beyond last index ${this.lastIndex()}`,
    );
    return this.ents[i - this.snapIndex - 1].term;
  }

  entries(lo: number, hi: number, maxBytes = Infinity): Entry[] {
    if (lo <= this.snapIndex) throw new CompactedError(lo, this.firstIndex());
    invariant(
      hi <= this.lastIndex() + 1,
      () => `storage.entries(${lo}, ${hi}) beyond last ${this.lastIndex()}`,
    );
    return limitSize(this.ents.slice(lo - this.snapIndex - 1, hi - this.snapIndex - 1), maxBytes);
  }

  snapshot(): Snapshot {
    if (this.snap && this.snap.meta.index >= this.snapIndex) return this.snap;
    if (this.snapIndex > 0) throw new SnapshotTemporarilyUnavailableError();
    return {
      meta: {
        index: 0,
        term: 0,
        confState: { voters: [...this.conf.voters], learners: [...this.conf.learners] },
      },
      data: Buffer.alloc(0),
    };
  }

  /** A snapshot was taken here or received: Raft offers it to lagging followers. */
  setSnapshot(s: Snapshot): void {
    if (!this.snap || s.meta.index > this.snap.meta.index) this.snap = s;
  }

  /** Drops entries up to and including i (i <= the last index). */
  compact(i: number): void {
    if (i <= this.snapIndex) return;
    invariant(i <= this.lastIndex(), () => `compact(${i}) beyond last index ${this.lastIndex()}`);
    const t = this.term(i);
    this.ents = this.ents.slice(i - this.snapIndex);
    this.snapIndex = i;
    this.snapTerm = t;
  }

  /** Replaces the whole log with a leader's snapshot (already recorded in the WAL). */
  applySnapshot(s: Snapshot): void {
    this.snapIndex = s.meta.index;
    this.snapTerm = s.meta.term;
    this.ents = [];
    this.conf = { voters: [...s.meta.confState.voters], learners: [...s.meta.confState.learners] };
    this.setSnapshot(s);
    if (this.hard.commit < s.meta.index) this.hard = { ...this.hard, commit: s.meta.index };
  }

  /** Appends entries made durable in the WAL, truncating a conflicting suffix (as the WAL's replay does). */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    let es = entries;
    if (es[0].index <= this.snapIndex) es = es.slice(this.snapIndex + 1 - es[0].index);
    if (es.length === 0) return;
    const first = es[0].index;
    invariant(
      first <= this.lastIndex() + 1,
      () => `append at ${first} leaves a gap after ${this.lastIndex()}`,
    );
    this.ents.length = first - this.snapIndex - 1;
    for (const e of es) this.ents.push(e);
  }
}
