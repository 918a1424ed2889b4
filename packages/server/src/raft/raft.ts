/**
 * The Raft state machine. Inputs: tick(), step(message), and the local requests (propose,
 * readIndex, transferLeader, campaign). Outputs accumulate in `msgs` and `readStates`, and in
 * the log's unstable part; RawNode packages them into Ready values. No I/O, no clock: time is
 * the number of tick() calls, and the only randomness (election timeout jitter) comes from the
 * injected `random` function.
 *
 * References: the Raft paper (Ongaro & Ousterhout 2014) figure 2 for the core rules; Ongaro's
 * thesis for pre-vote (9.6), check-quorum / leader lease (6.2, 9.6), ReadIndex (6.4), leader
 * transfer (3.10) and single-server membership changes (4.1).
 */
import { RaftLog } from './log';
import { ProgressTracker } from './progress';
import { ReadOnly } from './readonly';
import { SnapshotTemporarilyUnavailableError, Storage } from './storage';
import {
  ConfChange,
  ConfState,
  decodeConfChange,
  Entry,
  EntryType,
  HardState,
  invariant,
  Message,
  MsgApp,
  MsgAppResp,
  MsgHeartbeat,
  MsgHeartbeatResp,
  MsgProp,
  MsgReadIndex,
  MsgSnap,
  MsgVote,
  MsgVoteResp,
  NodeId,
  NONE,
  ReadState,
  Snapshot,
  SoftState,
  StateType,
} from './types';

export interface RaftConfig {
  id: NodeId;
  storage: Storage;
  /** Followers campaign after a random [electionTick, 2*electionTick) ticks without a leader. */
  electionTick: number;
  /** Leaders send heartbeats every heartbeatTick ticks; must be < electionTick. */
  heartbeatTick: number;
  /** Last index the application applied before (re)start; entries after it are handed out again. */
  applied?: number;
  /** Soft cap on entry data bytes per MsgApp. */
  maxSizePerMsg?: number;
  /** Max unacknowledged MsgApp per follower in replicate state. */
  maxInflightMsgs?: number;
  /** Max bytes of committed entries per Ready. */
  maxCommittedSizePerReady?: number;
  /** A leader steps down if it has not heard from a quorum within an election timeout; voters ignore elections while they hear from a leader. */
  checkQuorum?: boolean;
  /** Campaign in a pre-vote round first, so a partitioned node cannot inflate terms on return. */
  preVote?: boolean;
  /** Followers drop proposals instead of forwarding them to the leader. */
  disableProposalForwarding?: boolean;
  /** Uniform [0, 1); a seeded PRNG in simulation. Defaults to Math.random. */
  random?: () => number;
}

export type StepResult = 'ok' | 'dropped';

type CampaignType = 'preElection' | 'election' | 'transfer';

/**
 * What sendAppend does when the follower has no entry to receive: 'send' an empty MsgApp (a
 * probe, or the answer a heartbeat response asks for), 'skip' it, or send it as a 'commit'
 * notice, which a follower in replicate state need not answer (MsgApp.noAck).
 */
type IfEmpty = 'send' | 'skip' | 'commit';

export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = NONE;
  lead: NodeId = NONE;
  state: StateType = 'follower';
  readonly log: RaftLog;
  readonly trk: ProgressTracker;
  msgs: Message[] = [];
  readStates: ReadState[] = [];

  /** leader transfer in progress to this node */
  leadTransferee: NodeId = NONE;
  /** a conf change at or below this index is not yet applied; only one may be in flight */
  pendingConfIndex = 0;
  private readOnly = new ReadOnly();
  /** reads received before this leader committed an entry of its term */
  private pendingReadIndexMessages: MsgReadIndex[] = [];

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private readonly electionTimeout: number;
  private readonly heartbeatTimeout: number;
  private readonly checkQuorum: boolean;
  private readonly preVote: boolean;
  private readonly disableProposalForwarding: boolean;
  private readonly maxMsgSize: number;
  private readonly random: () => number;

  constructor(c: RaftConfig) {
    invariant(c.id > 0, () => 'node id must be > 0');
    invariant(
      c.heartbeatTick > 0 && c.electionTick > c.heartbeatTick,
      () => 'need 0 < heartbeatTick < electionTick',
    );
    this.id = c.id;
    this.electionTimeout = c.electionTick;
    this.heartbeatTimeout = c.heartbeatTick;
    this.checkQuorum = c.checkQuorum ?? false;
    this.preVote = c.preVote ?? false;
    this.disableProposalForwarding = c.disableProposalForwarding ?? false;
    this.maxMsgSize = c.maxSizePerMsg ?? Infinity;
    this.random = c.random ?? Math.random;
    this.log = new RaftLog(c.storage, c.maxCommittedSizePerReady ?? Infinity);
    this.trk = new ProgressTracker(c.maxInflightMsgs ?? 256);

    const { hardState, confState } = c.storage.initialState();
    this.trk.applyConf(confState, this.log.lastIndex() + 1);
    if (hardState.term !== 0 || hardState.vote !== NONE || hardState.commit !== 0) {
      invariant(
        hardState.commit >= this.log.committed && hardState.commit <= this.log.lastIndex(),
        () =>
          `hardState.commit ${hardState.commit} outside [${this.log.committed}, ${this.log.lastIndex()}]`,
      );
      this.log.committed = hardState.commit;
      this.term = hardState.term;
      this.vote = hardState.vote;
    }
    if (c.applied !== undefined && c.applied > 0) this.log.appliedTo(c.applied);
    this.becomeFollower(this.term, NONE);
  }

  // ---- state ---------------------------------------------------------------------------

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  softState(): SoftState {
    return { lead: this.lead, state: this.state };
  }

  /** May this node campaign? Only voters that still hold their own progress entry can. */
  promotable(): boolean {
    const pr = this.trk.progress.get(this.id);
    return pr !== undefined && !pr.isLearner && !this.log.unstable.snapshot;
  }

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.leadTransferee = NONE;
    this.trk.resetVotes();
    const last = this.log.lastIndex();
    // our own copy counts only as far as it is durable (see persistedTo)
    const persisted = this.log.persistedLastIndex();
    for (const [id, pr] of this.trk.progress) {
      pr.match = id === this.id ? persisted : 0;
      pr.next = last + 1;
      pr.state = 'probe';
      pr.probeSent = false;
      pr.pendingSnapshot = 0;
      pr.recentActive = false;
      pr.inflights.reset();
    }
    this.pendingConfIndex = 0;
    this.readOnly = new ReadOnly();
    this.pendingReadIndexMessages = [];
  }

  private resetRandomizedElectionTimeout(): void {
    const r = this.random();
    invariant(r >= 0 && r < 1, () => `random() returned ${r}, want [0, 1)`);
    this.randomizedElectionTimeout = this.electionTimeout + Math.floor(r * this.electionTimeout);
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.state = 'follower';
  }

  private becomePreCandidate(): void {
    invariant(this.state !== 'leader', () => 'leader cannot become pre-candidate');
    // no term change and no vote: a pre-candidate only asks whether it could win
    this.trk.resetVotes();
    this.lead = NONE;
    this.state = 'preCandidate';
  }

  private becomeCandidate(): void {
    invariant(this.state !== 'leader', () => 'leader cannot become candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.state = 'candidate';
  }

  private becomeLeader(): void {
    invariant(this.state === 'candidate', () => `become leader from ${this.state}`);
    this.reset(this.term);
    this.lead = this.id;
    this.state = 'leader';
    const self = this.trk.progress.get(this.id)!;
    self.becomeReplicate();
    self.recentActive = true;
    // Entries before our no-op may hold an unapplied conf change: refuse new ones until then.
    this.pendingConfIndex = this.log.lastIndex();
    // The empty entry lets us commit everything from earlier terms (5.4.2).
    this.appendEntries([{ type: 'normal', data: Buffer.alloc(0) }]);
  }

  // ---- time ----------------------------------------------------------------------------

  tick(): void {
    if (this.state === 'leader') this.tickHeartbeat();
    else this.tickElection();
  }

  private pastElectionTimeout(): boolean {
    return this.electionElapsed >= this.randomizedElectionTimeout;
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.pastElectionTimeout()) {
      this.electionElapsed = 0;
      this.hup(this.preVote ? 'preElection' : 'election');
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0;
      if (this.checkQuorum && !this.trk.quorumActive(this.id)) {
        this.becomeFollower(this.term, NONE);
        return;
      }
      // a transfer that did not finish within an election timeout is abandoned
      this.leadTransferee = NONE;
    }
    if (this.heartbeatElapsed >= this.heartbeatTimeout) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat();
    }
  }

  // ---- elections -----------------------------------------------------------------------

  /** Start an election now (as if the election timeout had passed). */
  hup(t: CampaignType): void {
    if (this.state === 'leader' || !this.promotable()) return;
    if (this.hasUnappliedConfChanges()) return; // membership may be about to change under us
    this.campaign(t);
  }

  private hasUnappliedConfChanges(): boolean {
    if (this.log.applied >= this.log.committed) return false;
    const ents =
      this.log.slice(
        Math.max(this.log.applied + 1, this.log.firstIndex()),
        this.log.committed + 1,
      ) ?? [];
    return ents.some((e) => e.type === 'confChange');
  }

  private campaign(t: CampaignType): void {
    let voteType: 'MsgVote' | 'MsgPreVote';
    let term: number;
    if (t === 'preElection') {
      this.becomePreCandidate();
      voteType = 'MsgPreVote';
      term = this.term + 1; // the term we would campaign for; not adopted yet
    } else {
      this.becomeCandidate();
      voteType = 'MsgVote';
      term = this.term;
    }
    this.trk.recordVote(this.id, true);
    if (this.trk.tallyVotes().result === 'won') {
      // single voter
      if (t === 'preElection') this.campaign('election');
      else this.becomeLeader();
      return;
    }
    const index = this.log.lastIndex();
    const logTerm = this.log.lastTerm();
    for (const to of this.trk.voters) {
      if (to === this.id) continue;
      this.send({
        type: voteType,
        from: this.id,
        to,
        term,
        index,
        logTerm,
        force: t === 'transfer',
      });
    }
  }

  // ---- message entry point -------------------------------------------------------------

  step(m: Message): StepResult {
    if (m.term === 0) {
      // forwarded proposal / read / transfer request: outside the term protocol
    } else if (m.term > this.term) {
      if (m.type === 'MsgVote' || m.type === 'MsgPreVote') {
        // Leader lease (check-quorum): while we hear from a leader, ignore elections unless
        // the leader itself asked for one (transfer).
        const inLease =
          this.checkQuorum && this.lead !== NONE && this.electionElapsed < this.electionTimeout;
        if (inLease && !m.force) return 'ok';
      }
      if (m.type === 'MsgPreVote') {
        // a pre-vote never changes our term
      } else if (m.type === 'MsgPreVoteResp' && !m.reject) {
        // a granted pre-vote is answered at our future term; adopting it happens when we campaign
      } else if (m.type === 'MsgApp' || m.type === 'MsgHeartbeat' || m.type === 'MsgSnap') {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NONE);
      }
    } else if (m.term < this.term) {
      if (m.type === 'MsgHeartbeat' || m.type === 'MsgApp') {
        // A stale leader (or one whose term we outgrew while partitioned): tell it our term so
        // it steps down (Raft figure 2). With check-quorum/pre-vote its voters may never raise
        // their terms; without them we may be unable to campaign ourselves (a voter of the
        // leader's configuration that has not applied its promotion yet, its term raised by a
        // removed node's MsgVote), and the stale leader would never learn the term.
        this.send({
          type: 'MsgAppResp',
          from: this.id,
          to: m.from,
          term: this.term,
          index: 0,
          reject: false,
          rejectHint: 0,
          logTerm: 0,
        });
      } else if (m.type === 'MsgPreVote' || m.type === 'MsgVote') {
        // Reject with our term (Raft figure 2), so the candidate catches up on it: it may be the
        // only one able to win, and we may never send it anything ourselves (a stale
        // configuration in which it is no voter).
        const type = m.type === 'MsgVote' ? 'MsgVoteResp' : 'MsgPreVoteResp';
        this.send({ type, from: this.id, to: m.from, term: this.term, reject: true });
      }
      return 'ok';
    }

    if (m.type === 'MsgVote' || m.type === 'MsgPreVote') {
      this.handleVote(m);
      return 'ok';
    }
    switch (this.state) {
      case 'leader':
        return this.stepLeader(m);
      case 'candidate':
      case 'preCandidate':
        return this.stepCandidate(m);
      case 'follower':
        return this.stepFollower(m);
    }
  }

  private handleVote(m: MsgVote): void {
    const canVote =
      this.vote === m.from ||
      (this.vote === NONE && this.lead === NONE) ||
      (m.type === 'MsgPreVote' && m.term > this.term);
    const respType = m.type === 'MsgVote' ? 'MsgVoteResp' : 'MsgPreVoteResp';
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      // A granted pre-vote carries the candidate's future term so it is not mistaken for stale.
      this.send({ type: respType, from: this.id, to: m.from, term: m.term, reject: false });
      if (m.type === 'MsgVote') {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type: respType, from: this.id, to: m.from, term: this.term, reject: true });
    }
  }

  // ---- leader --------------------------------------------------------------------------

  private stepLeader(m: Message): StepResult {
    switch (m.type) {
      case 'MsgProp':
        return this.leaderPropose(m);
      case 'MsgReadIndex':
        this.leaderReadIndex(m);
        return 'ok';
      case 'MsgTransferLeader':
        this.leaderTransfer(m.transferee);
        return 'ok';
      default:
        break;
    }
    const pr = this.trk.progress.get(m.from);
    if (!pr) return 'ok'; // not (or no longer) a member
    switch (m.type) {
      case 'MsgAppResp':
        pr.recentActive = true;
        this.handleAppResp(m);
        break;
      case 'MsgHeartbeatResp':
        pr.recentActive = true;
        this.handleHeartbeatResp(m);
        break;
      default:
        break; // e.g. late vote responses
    }
    return 'ok';
  }

  private leaderPropose(m: MsgProp): StepResult {
    if (m.entries.length === 0) return 'ok';
    if (!this.trk.progress.has(this.id)) return 'dropped'; // removed from the cluster
    if (this.leadTransferee !== NONE) return 'dropped'; // handing over leadership
    const ents = m.entries.map((e) => ({ type: e.type, data: e.data }));
    for (let i = 0; i < ents.length; i++) {
      if (ents[i].type !== 'confChange') continue;
      if (this.pendingConfIndex > this.log.applied) {
        // one membership change at a time: drop this one (keeps the batch's indexes)
        ents[i] = { type: 'normal', data: Buffer.alloc(0) };
      } else {
        this.pendingConfIndex = this.log.lastIndex() + i + 1;
      }
    }
    this.appendEntries(ents);
    this.bcastAppend();
    return 'ok';
  }

  private appendEntries(es: Array<{ type: EntryType; data: Buffer }>): void {
    const li = this.log.lastIndex();
    const ents: Entry[] = es.map((e, i) => ({
      index: li + 1 + i,
      term: this.term,
      type: e.type,
      data: e.data,
    }));
    this.log.append(ents);
    // Our own copy counts toward the quorum only once it is durable (persistedTo, called from
    // RawNode.advance). So a leader may send entries before writing them itself, and a commit
    // always stands on a quorum of durable copies, ours included or not.
  }

  /** Our log up to (index, term) is durable: as leader, our own copy now counts. */
  persistedTo(index: number, term: number): void {
    if (this.state !== 'leader' || this.log.term(index) !== term) return;
    const self = this.trk.progress.get(this.id);
    if (!self || !self.maybeUpdate(index) || !this.maybeCommit()) return;
    // Tell everyone the new commit index. Followers whose acks made it usually have their
    // inflight window full of entries sent meanwhile (we send before writing), so MsgApp would
    // wait for their next ack; a heartbeat carries the commit index regardless of the window.
    for (const id of this.trk.progress.keys()) {
      if (id === this.id) continue;
      if (!this.sendAppend(id, 'commit')) this.sendHeartbeat(id);
    }
  }

  private maybeCommit(): boolean {
    const before = this.committedEntryInCurrentTerm();
    if (!this.log.maybeCommit(this.trk.committed(), this.term)) return false;
    if (!before && this.committedEntryInCurrentTerm()) this.releasePendingReadIndexMessages();
    return true;
  }

  private committedEntryInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  private bcastAppend(ifEmpty: IfEmpty = 'send'): void {
    for (const id of this.trk.progress.keys()) if (id !== this.id) this.sendAppend(id, ifEmpty);
  }

  /**
   * Sends the entries after pr.next (or a probe, or a snapshot when the follower is behind our
   * compacted log). Returns whether a message was sent.
   */
  private sendAppend(to: NodeId, ifEmpty: IfEmpty = 'send'): boolean {
    const pr = this.trk.progress.get(to);
    if (!pr || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    const ents =
      prevTerm === undefined
        ? undefined
        : this.log.slice(pr.next, this.log.lastIndex() + 1, this.maxMsgSize);
    if (prevTerm === undefined || ents === undefined) return this.sendSnapshot(to);
    if (ents.length === 0 && ifEmpty === 'skip') return false;
    this.send({
      type: 'MsgApp',
      from: this.id,
      to,
      term: this.term,
      index: prevIndex,
      logTerm: prevTerm,
      entries: ents,
      commit: this.log.committed,
      // a probe's answer is what the leader waits for; in replicate state the commit needs none
      noAck: ents.length === 0 && ifEmpty === 'commit' && pr.state === 'replicate',
    });
    if (ents.length > 0 && pr.state === 'replicate') {
      const last = ents[ents.length - 1].index;
      pr.optimisticUpdate(last);
      pr.inflights.add(last);
    } else if (pr.state === 'probe') {
      pr.probeSent = true;
    }
    return true;
  }

  private sendSnapshot(to: NodeId): boolean {
    const pr = this.trk.progress.get(to)!;
    // only to followers we heard from recently: an unreachable one would just stall us
    if (!pr.recentActive) return false;
    let snap: Snapshot;
    try {
      snap = this.log.snapshot();
    } catch (e) {
      if (e instanceof SnapshotTemporarilyUnavailableError) return false;
      throw e;
    }
    invariant(snap.meta.index > 0, () => 'need a non-empty snapshot');
    pr.becomeSnapshot(snap.meta.index);
    this.send({ type: 'MsgSnap', from: this.id, to, term: this.term, snapshot: snap });
    return true;
  }

  private handleAppResp(m: MsgAppResp): void {
    const pr = this.trk.progress.get(m.from)!;
    if (m.reject) {
      let next = m.rejectHint;
      if (m.logTerm > 0) next = this.log.findConflictByTerm(m.rejectHint, m.logTerm);
      if (pr.maybeDecrTo(m.index, next)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    const wasPaused = pr.isPaused();
    if (pr.maybeUpdate(m.index)) {
      if (pr.state === 'probe') {
        pr.becomeReplicate();
      } else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) {
        pr.becomeProbe();
        pr.becomeReplicate();
      } else if (pr.state === 'replicate') {
        pr.inflights.freeLE(m.index);
      }
      if (this.maybeCommit()) {
        this.bcastAppend('commit'); // tell everyone the new commit index
      } else if (wasPaused) {
        this.sendAppend(m.from);
      }
      // keep the pipeline full
      while (this.sendAppend(m.from, 'skip')) {
        /* bounded by inflights */
      }
      if (m.from === this.leadTransferee && pr.match === this.log.lastIndex())
        this.sendTimeoutNow(m.from);
    }
  }

  private bcastHeartbeat(): void {
    const ctx = this.readOnly.lastPendingContext();
    for (const id of this.trk.progress.keys()) if (id !== this.id) this.sendHeartbeat(id, ctx);
  }

  private sendHeartbeat(to: NodeId, context?: string): void {
    const pr = this.trk.progress.get(to)!;
    // never tell a follower to commit beyond what it is known to hold
    const commit = Math.min(pr.match, this.log.committed);
    const m: MsgHeartbeat = { type: 'MsgHeartbeat', from: this.id, to, term: this.term, commit };
    if (context !== undefined) m.context = context;
    this.send(m);
  }

  private handleHeartbeatResp(m: MsgHeartbeatResp): void {
    const pr = this.trk.progress.get(m.from)!;
    pr.probeSent = false;
    if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirst();
    if (pr.match < this.log.lastIndex()) this.sendAppend(m.from);
    if (m.context === undefined) return;
    const acks = this.readOnly.recvAck(m.from, m.context);
    if (!acks || !this.trk.hasQuorum(acks)) return;
    for (const { index, req } of this.readOnly.advance(m.context))
      this.respondRead(req.from, req.context, index);
  }

  private respondRead(to: NodeId, context: string, index: number): void {
    if (to === this.id || to === NONE) this.readStates.push({ index, context });
    else
      this.send({ type: 'MsgReadIndexResp', from: this.id, to, term: this.term, index, context });
  }

  private leaderReadIndex(m: MsgReadIndex): void {
    if (this.trk.voters.length === 1 && this.trk.isVoter(this.id)) {
      this.respondRead(m.from, m.context, this.log.committed);
      return;
    }
    // Until we commit an entry of our term, our commit index may lag the true one (5.4.2).
    if (!this.committedEntryInCurrentTerm()) {
      this.pendingReadIndexMessages.push(m);
      return;
    }
    this.readOnly.add(this.log.committed, { from: m.from, context: m.context });
    const acks = this.readOnly.recvAck(this.id, m.context);
    if (acks && this.trk.hasQuorum(acks)) {
      for (const r of this.readOnly.advance(m.context))
        this.respondRead(r.req.from, r.req.context, r.index);
      return;
    }
    this.bcastHeartbeat();
  }

  private releasePendingReadIndexMessages(): void {
    const ms = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const m of ms) this.leaderReadIndex(m);
  }

  private leaderTransfer(transferee: NodeId): void {
    const pr = this.trk.progress.get(transferee);
    if (!pr || pr.isLearner || transferee === this.id) return;
    if (this.leadTransferee === transferee) return; // already in progress
    this.leadTransferee = transferee;
    this.electionElapsed = 0; // must finish within one election timeout
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(transferee);
    else this.sendAppend(transferee);
  }

  private sendTimeoutNow(to: NodeId): void {
    this.send({ type: 'MsgTimeoutNow', from: this.id, to, term: this.term });
  }

  // ---- candidate -----------------------------------------------------------------------

  private stepCandidate(m: Message): StepResult {
    switch (m.type) {
      case 'MsgProp':
      case 'MsgReadIndex':
      case 'MsgTransferLeader':
        return 'dropped';
      case 'MsgApp':
        this.becomeFollower(m.term, m.from);
        this.handleAppend(m);
        break;
      case 'MsgHeartbeat':
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        break;
      case 'MsgSnap':
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        break;
      case 'MsgVoteResp':
      case 'MsgPreVoteResp':
        this.handleVoteResp(m);
        break;
      default:
        break;
    }
    return 'ok';
  }

  private handleVoteResp(m: MsgVoteResp): void {
    const mine = this.state === 'preCandidate' ? 'MsgPreVoteResp' : 'MsgVoteResp';
    if (m.type !== mine) return;
    this.trk.recordVote(m.from, !m.reject);
    const { result } = this.trk.tallyVotes();
    if (result === 'won') {
      if (this.state === 'preCandidate') {
        this.campaign('election');
      } else {
        this.becomeLeader();
        this.bcastAppend();
      }
    } else if (result === 'lost') {
      // a rejected pre-vote carries the voter's term; it is <= ours+1, so keep our term
      this.becomeFollower(this.term, NONE);
    }
  }

  // ---- follower ------------------------------------------------------------------------

  private stepFollower(m: Message): StepResult {
    switch (m.type) {
      case 'MsgProp':
        if (this.lead === NONE || this.disableProposalForwarding) return 'dropped';
        this.send({ ...m, from: m.from === NONE ? this.id : m.from, to: this.lead, term: 0 });
        return 'ok';
      case 'MsgReadIndex':
        if (this.lead === NONE) return 'dropped';
        this.send({ ...m, to: this.lead, term: 0 });
        return 'ok';
      case 'MsgTransferLeader':
        if (this.lead === NONE) return 'dropped';
        this.send({ ...m, to: this.lead, term: 0 });
        return 'ok';
      case 'MsgApp':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppend(m);
        return 'ok';
      case 'MsgHeartbeat':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return 'ok';
      case 'MsgSnap':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return 'ok';
      case 'MsgTimeoutNow':
        // our leader asks us to take over: campaign at once, skipping pre-vote
        this.hup('transfer');
        return 'ok';
      case 'MsgReadIndexResp':
        this.readStates.push({ index: m.index, context: m.context });
        return 'ok';
      default:
        return 'ok';
    }
  }

  private appResp(to: NodeId, index: number): MsgAppResp {
    return {
      type: 'MsgAppResp',
      from: this.id,
      to,
      term: this.term,
      index,
      reject: false,
      rejectHint: 0,
      logTerm: 0,
    };
  }

  private handleAppend(m: MsgApp): void {
    if (m.index < this.log.committed) {
      // everything up to our commit index already matches the leader
      this.send(this.appResp(m.from, this.log.committed));
      return;
    }
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== undefined) {
      if (m.noAck !== true || m.entries.length > 0) this.send(this.appResp(m.from, lastNew));
      return;
    }
    // Consistency check failed. Hint the leader at the last index that could match: at most
    // our last index, and skipping every entry whose term is newer than the leader's logTerm
    // there (those cannot match), so one round trip skips a whole divergent term.
    const hintIndex = this.log.findConflictByTerm(
      Math.min(m.index, this.log.lastIndex()),
      m.logTerm,
    );
    const hintTerm = this.log.term(hintIndex) ?? 0;
    this.send({
      type: 'MsgAppResp',
      from: this.id,
      to: m.from,
      term: this.term,
      index: m.index,
      reject: true,
      rejectHint: hintIndex,
      logTerm: hintTerm,
    });
  }

  private handleHeartbeat(m: MsgHeartbeat): void {
    this.log.commitTo(m.commit);
    const resp: MsgHeartbeatResp = {
      type: 'MsgHeartbeatResp',
      from: this.id,
      to: m.from,
      term: this.term,
    };
    if (m.context !== undefined) resp.context = m.context;
    this.send(resp);
  }

  private handleSnapshot(m: MsgSnap): void {
    if (this.restore(m.snapshot)) this.send(this.appResp(m.from, this.log.lastIndex()));
    else this.send(this.appResp(m.from, this.log.committed));
  }

  /** Installs a snapshot unless we already have everything it covers. */
  private restore(s: Snapshot): boolean {
    if (s.meta.index <= this.log.committed) return false;
    const cs = s.meta.confState;
    if (!cs.voters.includes(this.id) && !cs.learners.includes(this.id)) return false;
    if (this.log.matchTerm(s.meta.index, s.meta.term)) {
      // our log already holds the snapshot's last entry: just commit up to it
      this.log.commitTo(s.meta.index);
      return false;
    }
    // Committed conf changes not yet applied (possibly handed out in a Ready the application is
    // still processing) must be applied against the configuration they were committed under:
    // installing the snapshot's configuration first would make them apply on top of a newer one.
    // Refuse; the leader sends the snapshot again once we have applied them.
    if (this.hasUnappliedConfChanges()) return false;
    this.log.restore(s);
    this.trk.applyConf(cs, this.log.lastIndex() + 1);
    return true;
  }

  // ---- membership ----------------------------------------------------------------------

  /** Applies a committed conf change (called by the application when it applies the entry). */
  applyConfChange(cc: ConfChange): ConfState {
    const voters = new Set(this.trk.voters);
    const learners = new Set(this.trk.learners);
    switch (cc.type) {
      case 'addNode':
        learners.delete(cc.nodeId);
        voters.add(cc.nodeId);
        break;
      case 'addLearner':
        if (voters.has(cc.nodeId)) return this.trk.confState(); // no demotion in single-step mode
        learners.add(cc.nodeId);
        break;
      case 'removeNode':
        voters.delete(cc.nodeId);
        learners.delete(cc.nodeId);
        break;
    }
    if (voters.size === 0) return this.trk.confState(); // refuse to remove the last voter
    const existed = new Set(this.trk.progress.keys());
    this.trk.applyConf({ voters: [...voters], learners: [...learners] }, this.log.lastIndex() + 1);
    if (this.state !== 'leader') return this.trk.confState();
    if (!this.trk.progress.has(this.id)) {
      // we removed ourselves: stop leading (the application should shut this node down)
      this.becomeFollower(this.term, NONE);
      return this.trk.confState();
    }
    for (const id of this.trk.progress.keys()) {
      if (!existed.has(id)) {
        const pr = this.trk.progress.get(id)!;
        pr.recentActive = true; // give a new member a chance before check-quorum counts it
      }
    }
    if (this.leadTransferee !== NONE && !this.trk.progress.has(this.leadTransferee))
      this.leadTransferee = NONE;
    // a smaller quorum may commit more; new members need entries
    if (this.maybeCommit()) this.bcastAppend();
    else for (const id of this.trk.progress.keys()) if (!existed.has(id)) this.sendAppend(id);
    return this.trk.confState();
  }

  decodeAndApplyConfChange(e: Entry): ConfState {
    return this.applyConfChange(decodeConfChange(e.data));
  }

  // ---- output --------------------------------------------------------------------------

  private send(m: Message): void {
    invariant(m.to !== this.id, () => `sending ${m.type} to self`);
    this.msgs.push(m);
  }

  /** Report that a peer could not be reached: stop streaming to it, go back to probing. */
  reportUnreachable(id: NodeId): void {
    const pr = this.trk.progress.get(id);
    if (this.state === 'leader' && pr && pr.state === 'replicate') pr.becomeProbe();
  }

  /** Report the outcome of sending a snapshot (the transport streams it separately). */
  reportSnapshot(id: NodeId, ok: boolean): void {
    const pr = this.trk.progress.get(id);
    if (this.state !== 'leader' || !pr || pr.state !== 'snapshot') return;
    if (!ok) pr.pendingSnapshot = 0;
    pr.becomeProbe();
    // wait for the follower's MsgAppResp (or a heartbeat) before probing again
    pr.probeSent = true;
  }
}
