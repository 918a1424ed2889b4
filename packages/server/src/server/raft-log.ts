/**
 * RaftLog: the ReplicatedLog of a multi-member cluster. One loop drives the pure Raft core
 * (RawNode):
 *
 *   tick every heartbeat interval; step each message from the peer transport;
 *   ready → append entries (+ HardState when it must be durable) to the WAL in one append
 *   (the WAL's group commit fsyncs) → send messages → pass committed entries to onCommit
 *   → resolve reads and proposals → advance.
 *
 * Proposals from a follower are forwarded to the leader by Raft (MsgProp). A proposal's promise
 * resolves once its entry was committed and applied locally (matched by content: the entry
 * holds the proposer's unique request ID); it fails with "etcdserver: leader changed" when the
 * leader changes before that, and with "etcdserver: request timed out" after the request timeout
 * (as etcd: 5 s + 2 election timeouts). Proposals and reads made while no leader is known wait
 * for one, up to the same timeout.
 *
 * Linearizable reads use Raft's ReadIndex; reads arriving while one ReadIndex round is in
 * flight share the next round (as etcd's linearizableReadLoop).
 *
 * Snapshots and compaction: every `snapshotCount` applied entries (its metadata read between
 * two Readys, so nothing is applied meanwhile) a snapshot is taken: the backend flushed and the
 * index, term and membership recorded in a file without a body (raft-snapshots.ts); then a WAL
 * snapshot marker is appended at C = snapshot index - catch-up entries, the in-memory log
 * compacted to C and WAL segments below C released. A follower that needs entries below C is
 * streamed a copy of the backend made for it by the peer transport; when Raft hands the
 * snapshot out in a Ready, the marker is written to the WAL, the log replaced, and the backend
 * file swapped for the snapshot's body (EtcdServer.installSnapshot, under the maintenance guard);
 * the leader is told with reportSnapshot once the stream was sent.
 *
 * Membership: conf-change entries carry a MemberChange (membership.ts). Applying one updates the
 * membership in the backend, then Raft's configuration (applyConfChange) and the peer transport.
 * While a snapshot is being written the loop waits: with a large backend that stalls heartbeats
 * (a limit of this version).
 */
import type { Logger } from 'pino';
import {
  ConfChange,
  Entry,
  isRequestToLeader,
  Message,
  NodeId,
  NONE,
  ProposalDroppedError,
  RawNode,
  Ready,
  Snapshot,
  SoftState,
} from '../raft';
import type { Backend } from '../backend/backend';
import { Wal, WalRecord } from '../wal/wal';
import { ClusterMember } from './cluster';
import { EtcdError, Errors } from './errors';
import { CommittedEntry, ReplicatedLog } from './log';
import { Hello, PeerTransport } from './peer-transport';
import { WalStorage } from './wal-storage';
import { RaftSnapshots } from './raft-snapshots';
import {
  applyMemberChange,
  ChangeResult,
  decodeMemberChange,
  MemberChange,
  MemberRecord,
  MembershipState,
  confStateOf,
  toClusterMember,
} from './membership';

export interface RaftLogOptions {
  wal: Wal;
  storage: WalStorage;
  self: ClusterMember;
  /** the membership as of the backend's applied index */
  membership: MembershipState;
  /** more peers to talk to (a joining member: the current members it was told about) */
  hintPeers?: ClusterMember[];
  clusterId: bigint;
  listenPeerUrls: string[];
  /** applied index of the state machine at start */
  applied: number;
  heartbeatMs: number;
  electionMs: number;
  /** this member's client URLs (read when a peer connection starts) */
  clientUrls: () => string[];
  logger: Logger;
  /** take a snapshot every this many applied entries (etcd's --snapshot-count) */
  snapshotCount: number;
  snapshots: RaftSnapshots;
  /** the backend (snapshots copy it; membership lives in its meta) */
  backend: () => Backend;
  /** replaces the backend with a snapshot file's body (the loop waits) */
  installSnapshot: (snapPath: string) => Promise<void>;
  loadMembership: () => MembershipState;
  saveMembership: (st: MembershipState) => void;
  /** applied index of the state machine */
  appliedIndex: () => number;
}

export interface MemberView {
  id: bigint;
  raftId: number;
  name: string;
  peerUrls: string[];
  clientUrls: string[];
  isLearner: boolean;
}

interface MemberWaiter {
  resolve: (r: ChangeResult) => void;
  reject: (e: Error) => void;
  deadline: number;
}

/**
 * Most bytes of request data proposed in one message: a follower forwards a group as one MsgProp,
 * and peer frames are limited (peer-transport's MAX_FRAME), so a burst of large requests goes in
 * several groups.
 */
const PROPOSAL_GROUP_BYTES = 8 * 1024 * 1024;

/** Consecutive runs of proposals of at most maxBytes of data each (a larger one alone). */
export function byteGroups<T extends { data: Buffer }>(ps: T[], maxBytes: number): T[][] {
  const groups: T[][] = [];
  let group: T[] = [];
  let bytes = 0;
  for (const p of ps) {
    if (group.length > 0 && bytes + p.data.length > maxBytes) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(p);
    bytes += p.data.length;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

interface PendingProposal {
  data: Buffer;
  key: string;
  deadline: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

interface ReadWaiter {
  resolve: (index: number) => void;
  reject: (e: Error) => void;
  deadline: number;
}

interface ReadRound {
  ctx: string;
  waiters: ReadWaiter[];
  sentAt: number;
}

const READ_RETRY_MS = 500;
const MAX_SIZE_PER_MSG = 1024 * 1024;
const MAX_COMMITTED_PER_READY = 16 * 1024 * 1024;
/** entries kept below a snapshot for slow followers (etcd: 5000), at most --snapshot-count */
const CATCH_UP_ENTRIES = 5000;

function keyOf(data: Buffer): string {
  // the request ID (field 1) comes first in the encoding; length + prefix is nearly unique
  return `${data.length}:${data.toString('hex', 0, Math.min(24, data.length))}`;
}

export class RaftLog implements ReplicatedLog {
  readonly node: RawNode;
  private readonly transport: PeerTransport;
  private readonly storage: WalStorage;
  private readonly wal: Wal;
  private readonly log: Logger;
  private readonly requestTimeoutMs: number;
  private tickTimer: NodeJS.Timeout | undefined;
  private scheduled = false;
  private processing: Promise<void> | undefined;
  private closed = false;
  private failed: Error | undefined;
  private soft: SoftState = { lead: NONE, state: 'follower' };
  private proposals = new Map<string, PendingProposal[]>();
  private waitingForLeader: PendingProposal[] = [];
  /**
   * Proposals made since the loop last ran: handed to Raft together at its next turn, so a burst
   * of requests becomes one MsgApp per follower (and one forwarded MsgProp on a follower), not
   * one message each way per request.
   */
  private unproposed: PendingProposal[] = [];
  private readSeq = 0;
  private readInFlight: ReadRound | undefined;
  private readNext: ReadWaiter[] = [];
  private readonly clientUrls = new Map<NodeId, string[]>();
  /** names members gave in their hello (a member added by `member add` has none recorded) */
  private readonly helloNames = new Map<NodeId, string>();
  private readonly byRaftId = new Map<NodeId, ClusterMember>();
  private membership: MembershipState;
  private readonly memberWaiters = new Map<string, MemberWaiter>();
  private lastSnapshotIndex: number;
  private removedSelf = false;
  /** a snapshot being taken in the background (startSnapshot), its result for finishSnapshot */
  private snapshotting: Promise<void> | undefined;
  private snapshotMade: { snap: Snapshot; started: number } | undefined;
  /** backend copies being made for followers (sendSnapshot) */
  private readonly copying = new Set<Promise<void>>();

  onCommit: (entries: CommittedEntry[]) => void = () => undefined;
  /** called when this member becomes leader (true) or stops being leader (false) */
  onLeaderChange: (isLeader: boolean) => void = () => undefined;
  /** on the leader: a follower forwarded a client's lease keep-alive */
  onLeaseRenew: (leaseId: bigint) => void = () => undefined;
  /** on the leader: a follower forwarded the ZooKeeper sessions its clients were heard from */
  onZkSessionTouch: (sessionIds: bigint[]) => void = () => undefined;

  constructor(private readonly o: RaftLogOptions) {
    this.wal = o.wal;
    this.storage = o.storage;
    this.log = o.logger.child({ component: 'raft' });
    this.membership = o.membership;
    for (const m of o.hintPeers ?? []) this.byRaftId.set(m.raftId, m);
    for (const m of o.membership.members) this.byRaftId.set(m.raftId, toClusterMember(m));
    this.lastSnapshotIndex = o.applied;
    // etcd: request timeout = 5 s + 2 × election timeout
    this.requestTimeoutMs = 5000 + 2 * o.electionMs;
    const electionTick = Math.max(2, Math.round(o.electionMs / o.heartbeatMs));
    this.node = new RawNode({
      id: o.self.raftId,
      storage: o.storage,
      electionTick,
      heartbeatTick: 1,
      applied: o.applied,
      checkQuorum: true,
      preVote: true,
      maxSizePerMsg: MAX_SIZE_PER_MSG,
      maxInflightMsgs: 256,
      maxCommittedSizePerReady: MAX_COMMITTED_PER_READY,
    });
    this.transport = new PeerTransport({
      self: o.self,
      members: [...this.byRaftId.values()],
      clusterId: o.clusterId,
      listenPeerUrls: o.listenPeerUrls,
      hello: (): Hello => ({
        clusterId: o.clusterId.toString(16),
        memberId: o.self.id.toString(16),
        name: o.self.name,
        clientUrls: o.clientUrls(),
      }),
      onMessage: (m) => this.receive(m),
      onUnreachable: (id) => this.node.reportUnreachable(id),
      onHello: (id, h) => {
        this.clientUrls.set(id, h.clientUrls);
        this.helloNames.set(id, h.name);
      },
      onLeaseRenew: (id) => {
        if (this.isLeader) this.onLeaseRenew(id);
      },
      onZkSessionTouch: (ids) => {
        if (this.isLeader) this.onZkSessionTouch(ids);
      },
      receiveSnapshot: (index, term) => o.snapshots.receive(index, term),
      membersInfo: () => ({ membership: this.membership }),
      logger: o.logger,
    });
  }

  /** Listens on the peer URLs, dials the peers and starts ticking. */
  async start(): Promise<void> {
    await this.transport.start();
    this.tickTimer = setInterval(() => this.tick(), this.o.heartbeatMs);
    this.log.info(
      {
        raftId: this.o.self.raftId,
        members: this.membership.members.map((m) => `${m.name}=${m.id}`),
        term: this.node.raft.term,
      },
      'raft member started',
    );
    this.kick();
  }

  // ------------------------------------------------------------------ ReplicatedLog

  get term(): number {
    return this.node.raft.term;
  }

  get isLeader(): boolean {
    return this.node.raft.state === 'leader';
  }

  /** Member ID of the current leader, 0n if none is known. */
  get leader(): bigint {
    const lead = this.node.raft.lead;
    return lead === NONE ? 0n : (this.byRaftId.get(lead)?.id ?? 0n);
  }

  get lastIndex(): number {
    return this.node.raft.log.lastIndex();
  }

  get commitIndex(): number {
    return this.node.raft.log.committed;
  }

  members(): MemberView[] {
    return this.membership.members.map((m) => {
      const started = m.raftId === this.o.self.raftId || this.clientUrls.has(m.raftId);
      return {
        id: BigInt('0x' + m.id),
        raftId: m.raftId,
        // as etcd: a member that never connected is listed without a name ("unstarted")
        name: started
          ? m.raftId === this.o.self.raftId
            ? this.o.self.name
            : this.helloNames.get(m.raftId) || m.name
          : '',
        peerUrls: m.peerUrls,
        clientUrls:
          m.raftId === this.o.self.raftId
            ? this.o.clientUrls()
            : (this.clientUrls.get(m.raftId) ?? []),
        isLearner: m.isLearner,
      };
    });
  }

  get isLearner(): boolean {
    return this.membership.members.some((m) => m.raftId === this.o.self.raftId && m.isLearner);
  }

  membershipState(): MembershipState {
    return this.membership;
  }

  /** Raft node id of a member ID, if it is a member. */
  raftIdOf(id: bigint): number | undefined {
    const hex = id.toString(16);
    return this.membership.members.find((m) => m.id === hex)?.raftId;
  }

  /** Leader only: the replication progress of a member (undefined elsewhere). */
  progressOf(raftId: number): { match: number } | undefined {
    const pr = this.node.raft.trk.progress.get(raftId);
    return this.isLeader && pr ? { match: pr.match } : undefined;
  }

  /**
   * Proposes a membership change as a conf-change entry; resolves with the outcome once it is
   * applied here (error set if the membership refused it), as etcd's MemberAdd and friends.
   */
  proposeMemberChange(ch: MemberChange): Promise<ChangeResult> {
    if (this.closed || this.removedSelf) return Promise.reject(Errors.stopped());
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<ChangeResult>((resolve, reject) => {
      this.memberWaiters.set(ch.reqId, {
        resolve,
        reject,
        deadline: Date.now() + this.requestTimeoutMs,
      });
      try {
        if (this.node.raft.lead === NONE) throw new ProposalDroppedError('no leader');
        this.node.proposeConfChange(ch as unknown as ConfChange);
      } catch (err) {
        this.memberWaiters.delete(ch.reqId);
        reject(err instanceof ProposalDroppedError ? Errors.noLeader() : err);
        return;
      }
      this.kick();
    });
  }

  /**
   * Leader only: hands leadership to `raftId` and waits until it has it (or the transfer failed:
   * leadership is lost either way only to the transferee). Rejects with etcd's errors.
   */
  async transferLeadership(raftId: number, timeoutMs: number): Promise<void> {
    if (!this.isLeader) throw Errors.notLeader();
    if (raftId === this.o.self.raftId) return;
    const pr = this.node.raft.trk.progress.get(raftId);
    if (!pr || pr.isLearner) throw Errors.badLeaderTransferee();
    this.node.transferLeader(raftId);
    this.kick();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await new Promise((r) => setTimeout(r, 20));
      if (this.node.raft.lead === raftId) return;
      if (this.closed) throw Errors.stopped();
      if (Date.now() > deadline) throw Errors.leaderTransferTimeout();
      // the core abandons a transfer after an election timeout: ask again while we still lead
      if (this.isLeader && this.node.raft.leadTransferee === NONE)
        (this.node.transferLeader(raftId), this.kick());
    }
  }

  /**
   * Follower: passes a client's lease keep-alive on to the leader, whose lessor decides expiry
   * (etcd forwards keep-alives to the leader too). Returns false on the leader or without one.
   */
  forwardLeaseRenew(leaseId: bigint): boolean {
    const lead = this.node.raft.lead;
    if (lead === NONE || lead === this.o.self.raftId) return false;
    this.transport.sendLeaseRenew(lead, leaseId);
    return true;
  }

  /**
   * Follower: passes the ZooKeeper sessions its clients were heard from on to the leader, whose
   * session tracker decides expiry. Returns false on the leader or without one.
   */
  forwardZkSessionTouch(sessionIds: bigint[]): boolean {
    const lead = this.node.raft.lead;
    if (lead === NONE || lead === this.o.self.raftId) return false;
    if (sessionIds.length > 0) this.transport.sendZkSessionTouch(lead, sessionIds);
    return true;
  }

  propose(data: Buffer[]): Promise<void> {
    if (this.closed) return Promise.reject(Errors.stopped());
    if (this.failed) return Promise.reject(this.failed);
    const deadline = Date.now() + this.requestTimeoutMs;
    const ps = data.map(
      (d) =>
        new Promise<void>((resolve, reject) => {
          const p: PendingProposal = {
            data: d,
            key: keyOf(d),
            deadline,
            resolve,
            reject,
          };
          this.unproposed.push(p);
        }),
    );
    this.kick();
    return ps.length === 1 ? ps[0] : Promise.all(ps).then(() => undefined);
  }

  /** Hands the proposals made since the last call to Raft. */
  private submitUnproposed(): void {
    if (this.unproposed.length === 0) return;
    const ps = this.unproposed;
    this.unproposed = [];
    this.submit(ps);
  }

  /** Hands proposals to Raft in groups of at most PROPOSAL_GROUP_BYTES, in order. */
  private submit(ps: PendingProposal[]): void {
    for (const group of byteGroups(ps, PROPOSAL_GROUP_BYTES)) this.submitGroup(group);
  }

  private submitGroup(ps: PendingProposal[]): void {
    if (this.node.raft.lead === NONE) {
      this.waitingForLeader.push(...ps);
      return;
    }
    try {
      this.node.proposeAll(ps.map((p) => p.data));
    } catch (err) {
      if (err instanceof ProposalDroppedError) {
        this.waitingForLeader.push(...ps);
        return;
      }
      throw err;
    }
    for (const p of ps) {
      const list = this.proposals.get(p.key);
      if (list) list.push(p);
      else this.proposals.set(p.key, [p]);
    }
  }

  readIndex(): Promise<number> {
    if (this.closed) return Promise.reject(Errors.stopped());
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<number>((resolve, reject) => {
      this.readNext.push({ resolve, reject, deadline: Date.now() + this.requestTimeoutMs });
      this.startReadRound();
      this.kick();
    });
  }

  private startReadRound(): void {
    if (this.readInFlight || this.readNext.length === 0 || this.node.raft.lead === NONE) return;
    const round: ReadRound = {
      ctx: `${this.o.self.raftId}/${++this.readSeq}`,
      waiters: this.readNext,
      sentAt: Date.now(),
    };
    this.readNext = [];
    this.readInFlight = round;
    this.sendRead(round);
  }

  private sendRead(round: ReadRound): void {
    round.sentAt = Date.now();
    try {
      this.node.readIndex(round.ctx);
    } catch (err) {
      if (!(err instanceof ProposalDroppedError)) throw err;
      // no leader after all: retried on the next tick
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.tickTimer) clearInterval(this.tickTimer);
    await this.transport.close().catch(() => undefined);
    while (this.processing) await this.processing;
    await this.snapshotting;
    await Promise.all(this.copying);
    this.failAll(Errors.stopped());
    await this.wal.close();
  }

  // ------------------------------------------------------------------ the loop

  private receive(m: Message): void {
    if (this.closed) return;
    this.node.step(m);
    // what this may let leave early is sent at the end of the loop turn (kick), together with
    // what the turn's other messages add: one write per peer, not one per message received
    this.kick();
  }

  /**
   * While a Ready is being handled (its WAL write in flight), sends what may leave before that
   * write is durable (RawNode.takeEarlyMessages): a leader's new entries and commit notices, a
   * follower's forwarded proposals. They would otherwise wait for the write and the rest of
   * the Ready, so a leader's sync would hold back the replication of every request that
   * arrived during it.
   */
  private sendEarly(): void {
    const ms = this.node.takeEarlyMessages();
    if (ms.length > 0) this.sendAll(ms);
  }

  private tick(): void {
    if (this.closed) return;
    this.node.tick();
    const now = Date.now();
    // a read round nobody answered (lost message, leader busy committing its first entry): ask again
    if (
      this.readInFlight &&
      now - this.readInFlight.sentAt >= READ_RETRY_MS &&
      this.node.raft.lead !== NONE
    )
      this.sendRead(this.readInFlight);
    this.expire(now);
    this.kick();
  }

  private kick(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.processing) {
        this.processing = this.run().finally(() => (this.processing = undefined));
        return;
      }
      // A Ready is in flight: hand new proposals to Raft now, and send what may leave early.
      // Not past proposals waiting for a leader: the loop submits those first, in order.
      if (!this.failed && this.waitingForLeader.length === 0) this.submitUnproposed();
      this.sendEarly();
    });
  }

  private async run(): Promise<void> {
    for (;;) {
      if (this.failed) return;
      this.submitUnproposed();
      const rd = this.node.ready();
      if (!rd) return;
      try {
        await this.handle(rd);
      } catch (err) {
        // the WAL failed (or an invariant broke): this member cannot go on safely
        this.failed = new Error(`raft loop failed: ${(err as Error).message}`, { cause: err });
        this.log.fatal({ err }, 'raft loop failed; stopping');
        this.failAll(Errors.stopped());
        if (this.tickTimer) clearInterval(this.tickTimer);
        void this.transport.close();
        return;
      }
    }
  }

  private async handle(rd: Ready): Promise<void> {
    if (rd.softState) this.softStateChanged(rd.softState);
    const records: WalRecord[] = [];
    // a leader's snapshot replaces our log: its marker goes first (the WAL replay then drops
    // everything before it), as etcd saves the snapshot before the entries that follow it
    if (rd.snapshot)
      records.push({
        kind: 'snapshot',
        index: rd.snapshot.meta.index,
        term: rd.snapshot.meta.term,
      });
    for (const e of rd.entries)
      records.push({ kind: 'entry', index: e.index, term: e.term, data: e.data });
    // A commit-only HardState change is not written (it would cost an fsync per Ready): on restart
    // the commit index is at least the applied index, and Raft learns the rest from the leader.
    if (rd.hardState && (rd.mustSync || records.length > 0))
      records.push({ kind: 'hardState', ...rd.hardState });
    // A leader sends before writing (as etcd): its own copy counts toward a commit only once
    // durable (Raft.persistedTo), so followers write in parallel with it. Anyone else answers
    // only after the write: acknowledgements and votes must be durable.
    const sendFirst = this.node.raft.state === 'leader';
    let after: Message[] = [];
    if (sendFirst) this.sendAll(rd.messages);
    else {
      // forwarded proposals and reads need nothing durable: they go now, ahead of any sent
      // early while this Ready is written (sendEarly), so a member's proposals stay in order
      const now: Message[] = [];
      for (const m of rd.messages) (isRequestToLeader(m) ? now : after).push(m);
      this.sendAll(now);
    }
    // Committed entries already durable here are applied while the new ones are written.
    let committed = rd.committedEntries;
    let appliedFirst = false;
    if (!rd.snapshot && committed.length > 0 && records.length > 0) {
      const durable = this.storage.lastIndex();
      const n = committed.findIndex((e) => e.index > durable);
      const now = n < 0 ? committed : committed.slice(0, n);
      committed = n < 0 ? [] : committed.slice(n);
      if (now.length > 0) {
        this.apply(now);
        appliedFirst = true;
      }
    }
    // A member of a cluster syncs on the thread pool: its loop meanwhile steps what arrives and
    // sends on what may leave early (sendEarly), which a sync on the loop would block. A leader
    // sends new entries to followers and steps their acknowledgements; a follower forwards the
    // requests its own clients make meanwhile, which would otherwise wait for the sync (3
    // ZooKeeper clients, one per member, setData flat out: faster in 13 of 16 A/B rounds, +6-13 %,
    // with no cost measurable at 300 writes/s). Alone, a member has nothing to do meanwhile: a
    // lone writer syncs on the loop (Wal.flushLoop).
    if (records.length > 0)
      await this.wal.append(records, {
        offLoop: this.membership.members.length > 1,
        // replies to the entries just applied leave before a sync on the loop
        afterTurn: appliedFirst,
      });
    if (rd.snapshot) this.storage.applySnapshot(rd.snapshot);
    if (rd.hardState) this.storage.setHardState(rd.hardState);
    this.storage.append(rd.entries);
    this.sendAll(after);
    if (rd.snapshot) await this.installSnapshot(rd.snapshot);
    if (committed.length > 0) this.apply(committed);
    for (const rs of rd.readStates) this.readDone(rs.context, rs.index);
    this.node.advance(rd);
    if (this.removedSelf) {
      this.stopRemoved();
      return;
    }
    if (this.snapshotMade) await this.finishSnapshot();
    if (
      !this.snapshotting &&
      this.o.appliedIndex() - this.lastSnapshotIndex >= this.o.snapshotCount
    )
      this.startSnapshot();
    // a leader may have appeared: submit what waited for one
    if (this.node.raft.lead !== NONE) {
      if (this.waitingForLeader.length > 0) {
        const w = this.waitingForLeader;
        this.waitingForLeader = [];
        this.submit(w);
      }
      this.startReadRound();
    }
  }

  private sendAll(messages: Message[]): void {
    if (messages.length === 0) return;
    for (const m of messages) {
      if (m.type === 'MsgSnap') this.sendSnapshot(m);
      else this.transport.send(m);
    }
    // On the wire now, not at the end of the tick: what follows in this Ready (applying
    // committed entries, the WAL's write and sync on the event loop) would otherwise delay a
    // leader's MsgApp and commit notice, and a follower's acknowledgement, by its own duration.
    this.transport.flush();
  }

  private apply(entries: Entry[]): void {
    let batch: CommittedEntry[] = [];
    for (const e of entries) {
      if (e.type === 'normal') {
        batch.push({ index: e.index, term: e.term, data: e.data });
        continue;
      }
      if (batch.length > 0) this.onCommit(batch);
      batch = [];
      // membership first (idempotent by index), then the applied index moves past the entry
      this.applyMemberEntry(e);
      this.onCommit([{ index: e.index, term: e.term, data: Buffer.alloc(0) }]);
    }
    if (batch.length > 0) this.onCommit(batch);
    if (this.proposals.size === 0) return;
    for (const e of entries) {
      if (e.data.length === 0 || e.type !== 'normal') continue;
      const key = keyOf(e.data);
      const list = this.proposals.get(key);
      if (!list) continue;
      const i = list.findIndex((p) => p.data.equals(e.data));
      if (i < 0) continue;
      const [p] = list.splice(i, 1);
      if (list.length === 0) {
        // the last one out: a fresh Map rather than a delete, whose shrink would give this
        // long-lived Map a new table in V8's old generation on nearly every write of a member
        // with one proposal in flight (see util/sequence-table.ts)
        if (this.proposals.size === 1) this.proposals = new Map();
        else this.proposals.delete(key);
      }
      p.resolve();
    }
  }

  private applyMemberEntry(e: Entry): void {
    let ch: MemberChange;
    try {
      ch = decodeMemberChange(e.data);
    } catch (err) {
      this.log.error(
        { index: e.index, err: (err as Error).message },
        'undecodable conf change entry: ignored',
      );
      return;
    }
    if (e.index <= this.membership.index) return; // applied before a restart
    const r = applyMemberChange(this.membership, ch, e.index);
    this.o.saveMembership(r.state);
    this.membership = r.state;
    if (r.confChange) this.node.applyConfChange(r.confChange);
    if (r.error)
      this.log.info(
        { index: e.index, op: ch.op, member: ch.member.id, error: r.error.message },
        'membership change refused',
      );
    else
      this.log.info(
        { index: e.index, op: ch.op, member: ch.member.id, raftId: r.member?.raftId },
        'membership changed',
      );
    this.syncPeers();
    if (ch.op === 'remove' && !r.error && r.member?.raftId === this.o.self.raftId)
      this.removedSelf = true;
    const w = this.memberWaiters.get(ch.reqId);
    if (w) {
      this.memberWaiters.delete(ch.reqId);
      w.resolve(r);
    }
  }

  /** Makes the transport's peers match the membership (plus hinted peers not removed). */
  private syncPeers(): void {
    const want = new Map<NodeId, ClusterMember>();
    for (const m of this.o.hintPeers ?? [])
      if (!this.membership.removed.includes(m.id.toString(16))) want.set(m.raftId, m);
    for (const m of this.membership.members) want.set(m.raftId, toClusterMember(m));
    for (const [id, m] of want) {
      this.byRaftId.set(id, m);
      if (this.transport.hasPeer(id)) this.transport.updatePeer(m);
      else this.transport.addPeer(m);
    }
    for (const id of [...this.byRaftId.keys()]) {
      if (want.has(id)) continue;
      this.byRaftId.delete(id);
      this.transport.removePeer(id);
    }
  }

  private stopRemoved(): void {
    this.log.warn('this member was removed from the cluster: it stops taking part');
    this.failed = Errors.stopped();
    this.failAll(Errors.stopped());
    if (this.tickTimer) clearInterval(this.tickTimer);
    void this.transport.close();
  }

  private memberRecordOf(raftId: number): MemberRecord | undefined {
    return this.membership.members.find((m) => m.raftId === raftId);
  }

  // ------------------------------------------------------------------ snapshots

  /**
   * Streams a follower a copy of the backend made now, not the snapshot Raft picked (which has
   * no body, see raft-snapshots.ts): the copy holds at least that snapshot's index, and the
   * message carries the copy's own index, term and membership. The follower then continues
   * from the copy's index; Raft's progress takes any acknowledged index at or past the one it
   * asked for.
   */
  private sendSnapshot(m: Message & { type: 'MsgSnap' }): void {
    const to = this.memberRecordOf(m.to)?.name ?? String(m.to);
    const copy = this.o.snapshots.copyForSending(this.o.backend());
    // the backend must not be replaced or closed while it is being copied (not while streamed)
    const copied = copy.then(
      () => undefined,
      () => undefined,
    );
    this.copying.add(copied);
    void copied.then(() => this.copying.delete(copied));
    void copy
      .then(async ({ snap, file }) => {
        try {
          // The copy is at least at the snapshot Raft picked (applied only grows), and holds the
          // follower in its membership (Raft tracks a member once its conf change is applied,
          // which saved it in the backend first).
          if (this.closed) return false;
          this.log.info({ to, index: snap.meta.index }, 'sending snapshot');
          return await this.transport.sendSnapshot({ ...m, snapshot: snap }, file);
        } finally {
          await this.o.snapshots.dropSent(file);
        }
      })
      .catch((err: Error) => {
        this.log.warn({ to, err: err.message }, 'snapshot for a follower failed');
        return false;
      })
      .then((ok) => {
        if (this.closed) return;
        this.log.info({ to, ok }, 'snapshot sent');
        this.node.reportSnapshot(m.to, ok);
        this.kick();
      });
  }

  /** A leader's snapshot (already received and verified, and now in the WAL): load it. */
  private async installSnapshot(s: Snapshot): Promise<void> {
    // the backend is about to be replaced: let background uses of it finish first
    await this.snapshotting;
    await Promise.all(this.copying);
    this.snapshotMade = undefined;
    const file = this.o.snapshots.pathOf(s.meta.index, s.meta.term);
    this.log.info({ index: s.meta.index, term: s.meta.term }, 'installing snapshot');
    await this.o.installSnapshot(file);
    if (this.o.appliedIndex() !== s.meta.index)
      throw new Error(
        `snapshot ${file} holds applied index ${this.o.appliedIndex()}, not ${s.meta.index}`,
      );
    this.membership = this.o.loadMembership();
    this.syncPeers();
    this.lastSnapshotIndex = s.meta.index;
    this.log.info(
      { index: s.meta.index, members: this.membership.members.length },
      'snapshot installed',
    );
  }

  /**
   * Takes a snapshot of the applied state (flush the backend, record index, term and
   * membership; raft-snapshots.ts) in the background: the flush of a backend with many dirty
   * pages can take a while, and a Raft loop paused that long stops heartbeats. The snapshot's
   * metadata is read here, between two Readys, where nothing is being applied; the Raft side
   * (storage, WAL marker, log compaction) is done by finishSnapshot in the loop.
   */
  private startSnapshot(): void {
    const started = Date.now();
    const index = this.o.appliedIndex();
    const snap: Snapshot = {
      meta: { index, term: this.storage.term(index), confState: confStateOf(this.membership) },
      data: Buffer.alloc(0),
    };
    this.snapshotting = this.o.snapshots.record(this.o.backend(), snap).then(
      (taken) => {
        this.snapshotMade = { snap: taken, started };
        this.kick();
      },
      (err: Error) => this.log.error({ err }, 'snapshot failed'),
    );
    void this.snapshotting.finally(() => (this.snapshotting = undefined));
  }

  private async finishSnapshot(): Promise<void> {
    const { snap, started } = this.snapshotMade!;
    this.snapshotMade = undefined;
    if (snap.meta.index <= this.lastSnapshotIndex) return; // a received snapshot is newer
    this.lastSnapshotIndex = snap.meta.index;
    this.storage.setSnapshot(snap);
    // keep some entries for followers slightly behind (cheaper than a snapshot)
    const keep = Math.min(CATCH_UP_ENTRIES, this.o.snapshotCount);
    const compactTo = Math.min(snap.meta.index - keep, this.node.raft.log.applied);
    if (compactTo > this.storage.firstIndex() - 1) {
      // The backend must hold everything up to the marker before the WAL forgets it: taking
      // the snapshot (record) flushed it through snap.meta.index >= compactTo. (An installed
      // snapshot replaced the backend since? installSnapshot drops snapshotMade: not here.)
      await this.wal.append([
        { kind: 'snapshot', index: compactTo, term: this.storage.term(compactTo) },
      ]);
      this.storage.compact(compactTo);
      await this.wal.releaseTo(compactTo);
    }
    this.log.info(
      {
        index: snap.meta.index,
        compactedTo: this.storage.firstIndex() - 1,
        ms: Date.now() - started,
      },
      'snapshot taken',
    );
  }

  private readDone(ctx: string, index: number): void {
    const r = this.readInFlight;
    if (!r || r.ctx !== ctx) return;
    this.readInFlight = undefined;
    for (const w of r.waiters) w.resolve(index);
    this.startReadRound();
  }

  private softStateChanged(s: SoftState): void {
    const prev = this.soft;
    this.soft = s;
    const wasLeader = prev.state === 'leader';
    const isLeader = s.state === 'leader';
    if (s.lead !== prev.lead) {
      const name = s.lead === NONE ? undefined : this.byRaftId.get(s.lead)?.name;
      if (s.lead === NONE) this.log.info({ term: this.node.raft.term }, 'raft: no leader');
      else
        this.log.info(
          { term: this.node.raft.term, leader: name, isLeader },
          'raft: leader elected',
        );
      // proposals and reads handed to the previous leader may be lost: fail them (as etcd)
      if (prev.lead !== NONE) this.failSubmitted(leaderChanged());
    }
    if (wasLeader !== isLeader) this.onLeaderChange(isLeader);
  }

  /** Fails proposals already handed to Raft and the read round in flight. */
  private failSubmitted(err: Error): void {
    for (const list of this.proposals.values()) for (const p of list) p.reject(err);
    this.proposals.clear();
    for (const w of this.memberWaiters.values()) w.reject(err);
    this.memberWaiters.clear();
    const r = this.readInFlight;
    this.readInFlight = undefined;
    if (r) for (const w of r.waiters) w.reject(err);
  }

  private failAll(err: Error): void {
    this.failSubmitted(err);
    for (const p of this.waitingForLeader) p.reject(err);
    this.waitingForLeader = [];
    for (const p of this.unproposed) p.reject(err);
    this.unproposed = [];
    for (const w of this.readNext) w.reject(err);
    this.readNext = [];
  }

  private expire(now: number): void {
    const timeout = Errors.timeout;
    for (const [k, w] of this.memberWaiters)
      if (w.deadline <= now) {
        this.memberWaiters.delete(k);
        w.reject(timeout());
      }
    for (const [key, list] of this.proposals) {
      const keep = list.filter((p) => {
        if (p.deadline > now) return true;
        p.reject(timeout());
        return false;
      });
      if (keep.length === 0) this.proposals.delete(key);
      else if (keep.length !== list.length) this.proposals.set(key, keep);
    }
    if (this.waitingForLeader.some((p) => p.deadline <= now))
      this.waitingForLeader = this.waitingForLeader.filter((p) => {
        if (p.deadline > now) return true;
        p.reject(timeout());
        return false;
      });
    if (this.readNext.some((w) => w.deadline <= now))
      this.readNext = this.readNext.filter((w) => {
        if (w.deadline > now) return true;
        w.reject(timeout());
        return false;
      });
    const r = this.readInFlight;
    if (r && r.waiters.some((w) => w.deadline <= now)) {
      r.waiters = r.waiters.filter((w) => {
        if (w.deadline > now) return true;
        w.reject(timeout());
        return false;
      });
    }
  }
}

function leaderChanged(): EtcdError {
  return Errors.leaderChanged();
}
