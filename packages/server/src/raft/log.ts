/**
 * Raft's view of its log: the stable part (Storage) followed by the unstable part (entries and
 * possibly a snapshot handed out in a Ready but not yet confirmed persisted by advance()).
 *
 *   storage:  [snapshot S] S+1 ........ K
 *   unstable:                      offset ........ last        (offset <= K+1: may overwrite)
 *
 * committed: highest index known to be stored on a quorum. applied: highest index the
 * application has been handed. applied <= committed <= lastIndex().
 */
import { CompactedError, limitSize, Storage } from './storage';
import { Entry, invariant, Snapshot } from './types';

class Unstable {
  snapshot?: Snapshot;
  entries: Entry[] = [];
  constructor(public offset: number) {}

  firstIndex(): number | undefined {
    return this.snapshot ? this.snapshot.meta.index + 1 : undefined;
  }

  lastIndex(): number | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot ? this.snapshot.meta.index : undefined;
  }

  term(i: number): number | undefined {
    if (i < this.offset) {
      return this.snapshot && this.snapshot.meta.index === i ? this.snapshot.meta.term : undefined;
    }
    const last = this.lastIndex();
    if (last === undefined || i > last) return undefined;
    return this.entries[i - this.offset].term;
  }

  /** Entries up to (i, t) reached stable storage; a later overwrite of i makes this a no-op. */
  stableTo(i: number, t: number): void {
    if (i < this.offset || this.term(i) !== t) return;
    this.entries = this.entries.slice(i + 1 - this.offset);
    this.offset = i + 1;
  }

  stableSnapTo(i: number): void {
    if (this.snapshot && this.snapshot.meta.index === i) this.snapshot = undefined;
  }

  restore(s: Snapshot): void {
    this.offset = s.meta.index + 1;
    this.entries = [];
    this.snapshot = s;
  }

  truncateAndAppend(ents: Entry[]): void {
    const first = ents[0].index;
    if (first === this.offset + this.entries.length) {
      this.entries = this.entries.concat(ents);
    } else if (first <= this.offset) {
      // replaces everything unstable; storage's suffix >= first is overwritten on persist
      this.offset = first;
      this.entries = ents.slice();
    } else {
      this.entries = this.entries.slice(0, first - this.offset).concat(ents);
    }
  }

  slice(lo: number, hi: number): Entry[] {
    invariant(
      this.offset <= lo && lo <= hi && hi <= this.offset + this.entries.length,
      () =>
        `unstable.slice(${lo}, ${hi}) out of [${this.offset}, ${this.offset + this.entries.length}]`,
    );
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}

export class RaftLog {
  readonly unstable: Unstable;
  committed: number;
  applied: number;

  constructor(
    readonly storage: Storage,
    readonly maxNextEntsBytes = Infinity,
  ) {
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new Unstable(last + 1);
    this.committed = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): number {
    return this.unstable.firstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.lastIndex() ?? this.storage.lastIndex();
  }

  /** Last index in stable storage (unstable entries and a pending snapshot not counted). */
  persistedLastIndex(): number {
    return Math.min(this.unstable.offset - 1, this.storage.lastIndex());
  }

  lastTerm(): number {
    const t = this.term(this.lastIndex());
    invariant(t !== undefined, () => 'term of last index unavailable');
    return t;
  }

  /** Term of entry i, or undefined if i is compacted or beyond the log. */
  term(i: number): number | undefined {
    const dummyIndex = this.firstIndex() - 1;
    if (i < dummyIndex || i > this.lastIndex()) return undefined;
    const u = this.unstable.term(i);
    if (u !== undefined) return u;
    try {
      return this.storage.term(i);
    } catch (e) {
      if (e instanceof CompactedError) return undefined;
      throw e;
    }
  }

  matchTerm(i: number, t: number): boolean {
    return this.term(i) === t;
  }

  /**
   * Follower side of MsgApp: if our log holds (index, logTerm), append `ents` after it
   * (truncating a conflicting suffix) and advance commit. Returns the new last index covered by
   * the message, or undefined if the consistency check fails.
   */
  maybeAppend(
    index: number,
    logTerm: number,
    committed: number,
    ents: Entry[],
  ): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      invariant(
        ci > this.committed,
        () => `entry ${ci} conflicts with committed entry (committed ${this.committed})`,
      );
      this.append(ents.slice(ci - (index + 1)));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  /** First entry of ents whose index is new or whose term differs from ours; 0 if none. */
  findConflict(ents: Entry[]): number {
    for (const e of ents) if (!this.matchTerm(e.index, e.term)) return e.index;
    return 0;
  }

  /**
   * Fast backtracking: the largest index <= `index` whose term is <= `term` (or the first
   * available index - 1 if everything we still hold is newer). Logs cannot agree above it.
   */
  findConflictByTerm(index: number, term: number): number {
    const li = this.lastIndex();
    if (index > li) return index;
    for (;;) {
      const t = this.term(index);
      if (t === undefined || t <= term) return index;
      index--;
    }
  }

  append(ents: Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    const after = ents[0].index - 1;
    invariant(
      after >= this.committed,
      () => `append after ${after} is below committed ${this.committed}`,
    );
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  commitTo(i: number): void {
    if (i <= this.committed) return;
    invariant(
      i <= this.lastIndex(),
      () => `commit ${i} beyond last index ${this.lastIndex()} (lost log?)`,
    );
    this.committed = i;
  }

  /** Leader: commit up to maxIndex only if that entry is from the current term (Raft 5.4.2). */
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.term(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  appliedTo(i: number): void {
    if (i === 0) return;
    invariant(
      this.committed >= i && i >= this.applied,
      () => `applied(${i}) outside [prev applied ${this.applied}, committed ${this.committed}]`,
    );
    this.applied = i;
  }

  stableTo(i: number, t: number): void {
    this.unstable.stableTo(i, t);
  }

  stableSnapTo(i: number): void {
    this.unstable.stableSnapTo(i);
  }

  unstableEntries(): Entry[] {
    return this.unstable.entries.slice();
  }

  /** Committed entries not yet handed to the application (they may be persisted in the same Ready). */
  nextCommittedEntries(): Entry[] {
    const lo = Math.max(this.applied + 1, this.firstIndex());
    if (this.committed < lo) return [];
    return this.slice(lo, this.committed + 1, this.maxNextEntsBytes) ?? [];
  }

  hasNextCommittedEntries(): boolean {
    return this.committed > Math.max(this.applied, this.firstIndex() - 1);
  }

  /** Is (lastIndex, lastTerm) of a candidate at least as up to date as ours (Raft 5.4.1)? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  /** Install a leader's snapshot: the whole log is replaced by it. */
  restore(s: Snapshot): void {
    this.committed = s.meta.index;
    this.unstable.restore(s);
  }

  /**
   * Entries [lo, hi) limited to maxBytes (at least one entry), or undefined if lo is compacted.
   */
  slice(lo: number, hi: number, maxBytes = Infinity): Entry[] | undefined {
    if (lo >= hi) return [];
    if (lo < this.firstIndex()) return undefined;
    invariant(
      hi <= this.lastIndex() + 1,
      () => `slice(${lo}, ${hi}) beyond last index ${this.lastIndex()}`,
    );
    let out: Entry[] = [];
    const off = this.unstable.offset;
    if (lo < off) {
      try {
        out = this.storage.entries(lo, Math.min(hi, off), maxBytes);
      } catch (e) {
        if (e instanceof CompactedError) return undefined;
        throw e;
      }
      // storage returned fewer than asked: the size limit was hit
      if (out.length < Math.min(hi, off) - lo) return out;
    }
    if (hi > off) {
      const u = this.unstable.slice(Math.max(lo, off), hi);
      out = out.length > 0 ? out.concat(u) : u;
    }
    return limitSize(out, maxBytes);
  }
}
