/**
 * RawNode: the caller-facing wrapper around Raft. It turns Raft's accumulated outputs into
 * Ready values and tracks what the caller has acknowledged with advance().
 *
 * Loop (single-threaded, the caller owns all I/O and timers):
 *
 *   node.tick() every tick interval; node.step(m) for each message from a peer;
 *   node.propose(data) / readIndex(ctx) / transferLeader(id) on requests;
 *   const rd = node.ready();
 *   if (rd) { persist(rd.snapshot, rd.entries, rd.hardState); send(rd.messages);
 *             apply(rd.snapshot, rd.committedEntries); serveReads(rd.readStates); node.advance(rd); }
 *
 * Between ready() and advance() the caller may keep calling tick/step/propose; ready() must not
 * be called again until the previous Ready was advanced.
 */
import { Raft, RaftConfig } from './raft';
import {
  ConfChange,
  ConfState,
  encodeConfChange,
  HardState,
  hardStateEqual,
  invariant,
  Message,
  NodeId,
  ProposalDroppedError,
  Ready,
  SoftState,
} from './types';
import { ProgressState } from './progress';

export interface Status {
  id: NodeId;
  term: number;
  vote: NodeId;
  commit: number;
  applied: number;
  lead: NodeId;
  state: SoftState['state'];
  lastIndex: number;
  firstIndex: number;
  leadTransferee: NodeId;
  /** leader only: each member's replication state */
  progress?: Map<NodeId, { match: number; next: number; state: ProgressState; isLearner: boolean }>;
}

/**
 * A forwarded proposal or read request: it carries no state of the sender, so it may leave
 * before the sender's pending write is durable. A member sends these in the order it made
 * them (a ZooKeeper session's pipelined writes must be applied in order).
 */
export function isRequestToLeader(m: Message): boolean {
  return m.type === 'MsgProp' || m.type === 'MsgReadIndex';
}

export class RawNode {
  readonly raft: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;
  /** the Ready handed out and not yet advanced */
  private outstanding = false;

  constructor(config: RaftConfig) {
    this.raft = new Raft(config);
    this.prevSoft = this.raft.softState();
    this.prevHard = this.raft.hardState();
  }

  get id(): NodeId {
    return this.raft.id;
  }

  tick(): void {
    this.raft.tick();
  }

  /** Campaign now, as if the election timeout had elapsed (respects pre-vote). */
  campaign(): void {
    this.raft.hup('election');
  }

  /** Feeds a message received from a peer. Messages from unknown senders' responses are ignored. */
  step(m: Message): void {
    invariant(m.to === this.raft.id, () => `message for ${m.to} delivered to ${this.raft.id}`);
    this.raft.step(m);
  }

  /** Proposes opaque data. Throws ProposalDroppedError if there is no leader to take it. */
  propose(data: Buffer): void {
    this.proposeAll([data]);
  }

  /**
   * Proposes several entries in one message: a leader appends them together and sends them to
   * each follower in one MsgApp, a follower forwards them in one MsgProp. All or none are taken.
   */
  proposeAll(data: Buffer[]): void {
    const r = this.raft.step({
      type: 'MsgProp',
      from: this.raft.id,
      to: this.raft.id,
      term: 0,
      entries: data.map((d) => ({ type: 'normal' as const, data: d })),
    });
    if (r === 'dropped')
      throw new ProposalDroppedError(`no leader accepted it at node ${this.raft.id}`);
  }

  /**
   * Removes and returns the queued messages that may leave before the outstanding Ready is
   * persisted: forwarded proposals and read requests (they carry no state of ours), and a
   * leader's MsgApp and MsgHeartbeat of its current term (a leader sends entries before writing
   * them itself: its own copy counts toward a commit only from persistedTo). Everything else
   * (acknowledgements, votes, a candidate's requests) stays for the next Ready, to leave after
   * the write it depends on.
   */
  takeEarlyMessages(): Message[] {
    const r = this.raft;
    if (r.msgs.length === 0) return [];
    const leader = r.state === 'leader';
    const early: Message[] = [];
    const rest: Message[] = [];
    for (const m of r.msgs) {
      if (
        isRequestToLeader(m) ||
        (leader && m.term === r.term && (m.type === 'MsgApp' || m.type === 'MsgHeartbeat'))
      )
        early.push(m);
      else rest.push(m);
    }
    if (early.length > 0) r.msgs = rest;
    return early;
  }

  /** Proposes a single-step membership change; apply it with applyConfChange once committed. */
  proposeConfChange(cc: ConfChange): void {
    const r = this.raft.step({
      type: 'MsgProp',
      from: this.raft.id,
      to: this.raft.id,
      term: 0,
      entries: [{ type: 'confChange', data: encodeConfChange(cc) }],
    });
    if (r === 'dropped')
      throw new ProposalDroppedError(`conf change not accepted at node ${this.raft.id}`);
  }

  /** Applies a committed conf change entry's change to the membership; returns the new ConfState. */
  applyConfChange(cc: ConfChange): ConfState {
    return this.raft.applyConfChange(cc);
  }

  /**
   * Requests a linearizable read point. Later a Ready carries ReadState{index, context}: serve
   * the read once index is applied. No answer arrives if leadership is lost meanwhile; the
   * caller retries after a timeout. Throws ProposalDroppedError if no leader is known.
   */
  readIndex(context: string): void {
    const r = this.raft.step({
      type: 'MsgReadIndex',
      from: this.raft.id,
      to: this.raft.id,
      term: 0,
      context,
    });
    if (r === 'dropped')
      throw new ProposalDroppedError(`read index without leader at node ${this.raft.id}`);
  }

  /** Asks the leader (this node or, forwarded, ours) to hand leadership to `transferee`. */
  transferLeader(transferee: NodeId): void {
    this.raft.step({
      type: 'MsgTransferLeader',
      from: this.raft.id,
      to: this.raft.id,
      term: 0,
      transferee,
    });
  }

  reportUnreachable(id: NodeId): void {
    this.raft.reportUnreachable(id);
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    this.raft.reportSnapshot(id, ok);
  }

  hasReady(): boolean {
    const r = this.raft;
    if (this.outstanding) return false;
    if (r.lead !== this.prevSoft.lead || r.state !== this.prevSoft.state) return true;
    const ph = this.prevHard;
    if (r.term !== ph.term || r.vote !== ph.vote || r.log.committed !== ph.commit) return true;
    return (
      r.log.unstable.snapshot !== undefined ||
      r.log.unstable.entries.length > 0 ||
      r.msgs.length > 0 ||
      r.readStates.length > 0 ||
      r.log.hasNextCommittedEntries()
    );
  }

  /** The next batch of work, or undefined if there is none (or the previous one is not advanced). */
  ready(): Ready | undefined {
    if (!this.hasReady()) return undefined;
    const r = this.raft;
    const rd: Ready = {
      entries: r.log.unstableEntries(),
      committedEntries: r.log.nextCommittedEntries(),
      messages: r.msgs,
      readStates: r.readStates,
      mustSync: false,
    };
    r.msgs = [];
    r.readStates = [];
    const soft = r.softState();
    if (soft.lead !== this.prevSoft.lead || soft.state !== this.prevSoft.state) {
      rd.softState = soft;
      this.prevSoft = soft;
    }
    const hs = r.hardState();
    if (!hardStateEqual(hs, this.prevHard)) rd.hardState = hs;
    if (r.log.unstable.snapshot) rd.snapshot = r.log.unstable.snapshot;
    // the vote and term must survive a crash, and so must entries we acknowledge
    rd.mustSync =
      rd.entries.length > 0 ||
      (rd.hardState !== undefined &&
        (hs.term !== this.prevHard.term || hs.vote !== this.prevHard.vote));
    this.outstanding = true;
    return rd;
  }

  /** The caller has persisted, sent and applied everything in rd. */
  advance(rd: Ready): void {
    invariant(this.outstanding, () => 'advance without an outstanding Ready');
    this.outstanding = false;
    const log = this.raft.log;
    if (rd.hardState) this.prevHard = rd.hardState;
    if (rd.snapshot) log.stableSnapTo(rd.snapshot.meta.index);
    if (rd.entries.length > 0) {
      const last = rd.entries[rd.entries.length - 1];
      log.stableTo(last.index, last.term);
      this.raft.persistedTo(last.index, last.term);
    }
    const applied =
      rd.committedEntries.length > 0
        ? rd.committedEntries[rd.committedEntries.length - 1].index
        : 0;
    if (applied > 0) log.appliedTo(applied);
    else if (rd.snapshot && rd.snapshot.meta.index > log.applied)
      log.appliedTo(rd.snapshot.meta.index);
  }

  status(): Status {
    const r = this.raft;
    const s: Status = {
      id: r.id,
      term: r.term,
      vote: r.vote,
      commit: r.log.committed,
      applied: r.log.applied,
      lead: r.lead,
      state: r.state,
      lastIndex: r.log.lastIndex(),
      firstIndex: r.log.firstIndex(),
      leadTransferee: r.leadTransferee,
    };
    if (r.state === 'leader') {
      s.progress = new Map();
      for (const [id, pr] of r.trk.progress)
        s.progress.set(id, {
          match: pr.match,
          next: pr.next,
          state: pr.state,
          isLearner: pr.isLearner,
        });
    }
    return s;
  }
}
