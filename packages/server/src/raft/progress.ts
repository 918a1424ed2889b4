/**
 * The leader's view of each follower's log, and the voter/learner sets with quorum arithmetic.
 *
 * A follower's progress is in one of three states:
 *  - probe: we don't know where its log matches ours; send one MsgApp per heartbeat interval
 *    (or per response) and back off using its reject hints;
 *  - replicate: it matched; stream entries optimistically, bounded by `inflights`;
 *  - snapshot: it needs the snapshot we sent; send nothing until it reports back.
 */
import { ConfState, NodeId, invariant } from './types';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/** Bounded window of in-flight MsgApp (their last indexes), for flow control in replicate. */
export class Inflights {
  private q: number[] = [];
  constructor(readonly max: number) {}
  add(lastIndex: number): void {
    invariant(!this.full(), () => 'inflights overflow');
    this.q.push(lastIndex);
  }
  /** Frees every message whose last index is <= to. */
  freeLE(to: number): void {
    let n = 0;
    while (n < this.q.length && this.q[n] <= to) n++;
    if (n > 0) this.q = this.q.slice(n);
  }
  freeFirst(): void {
    this.q.shift();
  }
  full(): boolean {
    return this.q.length >= this.max;
  }
  count(): number {
    return this.q.length;
  }
  reset(): void {
    this.q = [];
  }
}

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** in snapshot state: index of the snapshot sent */
  pendingSnapshot = 0;
  /** heard from since the last check-quorum round */
  recentActive = false;
  /** probe state: a MsgApp is outstanding, wait for its answer or the next heartbeat */
  probeSent = false;
  readonly inflights: Inflights;

  constructor(
    next: number,
    maxInflight: number,
    public isLearner: boolean,
  ) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // after a snapshot, the follower has at least the snapshot; probe from there
    if (this.state === 'snapshot') {
      const pending = this.pendingSnapshot;
      this.resetState('probe');
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState('probe');
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('snapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  /** An acknowledgement up to n. Returns false if it was stale. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /** Entries up to n were sent in replicate state. */
  optimisticUpdate(n: number): void {
    this.next = n + 1;
  }

  /**
   * A rejection of the MsgApp sent at prev index `rejected`; `matchHint` is the highest index
   * that may still match. Returns false if the rejection is stale (already handled).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }
}

export type VoteResult = 'won' | 'lost' | 'pending';

export class ProgressTracker {
  voters: NodeId[] = [];
  learners: NodeId[] = [];
  progress = new Map<NodeId, Progress>();
  votes = new Map<NodeId, boolean>();

  constructor(readonly maxInflight: number) {}

  /** Resets membership to cs; keeps progress of members that remain. */
  applyConf(cs: ConfState, nextIndex: number): void {
    invariant(
      cs.voters.every((v) => !cs.learners.includes(v)),
      () => `node both voter and learner in ${JSON.stringify(cs)}`,
    );
    this.voters = [...cs.voters].sort((a, b) => a - b);
    this.learners = [...cs.learners].sort((a, b) => a - b);
    const keep = new Map<NodeId, Progress>();
    for (const id of [...this.voters, ...this.learners]) {
      const pr = this.progress.get(id) ?? new Progress(nextIndex, this.maxInflight, false);
      pr.isLearner = this.learners.includes(id);
      keep.set(id, pr);
    }
    this.progress = keep;
  }

  confState(): ConfState {
    return { voters: [...this.voters], learners: [...this.learners] };
  }

  isVoter(id: NodeId): boolean {
    return this.voters.includes(id);
  }

  quorum(): number {
    return Math.floor(this.voters.length / 2) + 1;
  }

  /** the voters' match indexes for committed(), reused: it runs on every acknowledgement */
  private matches = new Float64Array(0);

  /** Highest index stored on a quorum of voters. */
  committed(): number {
    const n = this.voters.length;
    if (n === 0) return 0;
    if (this.matches.length !== n) this.matches = new Float64Array(n);
    const m = this.matches;
    // insertion sort, highest first: a handful of voters, and no array or comparator per call
    for (let i = 0; i < n; i++) {
      const v = this.progress.get(this.voters[i])!.match;
      let j = i;
      for (; j > 0 && m[j - 1] < v; j--) m[j] = m[j - 1];
      m[j] = v;
    }
    return m[this.quorum() - 1];
  }

  resetVotes(): void {
    this.votes.clear();
  }

  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const id of this.voters) {
      const v = this.votes.get(id);
      if (v === true) granted++;
      else if (v === false) rejected++;
    }
    const q = this.quorum();
    const result: VoteResult =
      granted >= q ? 'won' : this.voters.length - rejected < q ? 'lost' : 'pending';
    return { granted, rejected, result };
  }

  /** Do a quorum of voters count as active (self always does)? Clears the flags for the next round. */
  quorumActive(self: NodeId): boolean {
    let active = 0;
    for (const id of this.voters) {
      const pr = this.progress.get(id)!;
      if (id === self || pr.recentActive) active++;
    }
    for (const [id, pr] of this.progress) pr.recentActive = id === self;
    return active >= this.quorum();
  }

  /** Do the voters in `acks` form a quorum? */
  hasQuorum(acks: Set<NodeId>): boolean {
    let n = 0;
    for (const id of this.voters) if (acks.has(id)) n++;
    return n >= this.quorum();
  }
}
