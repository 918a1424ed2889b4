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
 * First version limits: no log compaction (the WAL keeps every segment; EtcdServer does not
 * release WAL segments in cluster mode), hence no snapshots; static membership.
 */
import type { Logger } from 'pino';
import { Entry, Message, NodeId, NONE, ProposalDroppedError, RawNode, Ready, SoftState } from '../raft';
import { Wal, WalRecord } from '../wal/wal';
import { ClusterMember } from './cluster';
import { EtcdError, Errors } from './errors';
import { CommittedEntry, ReplicatedLog } from './log';
import { Hello, PeerTransport } from './peer-transport';
import { WalStorage } from './wal-storage';

export interface RaftLogOptions {
  wal: Wal;
  storage: WalStorage;
  self: ClusterMember;
  members: ClusterMember[];
  clusterId: bigint;
  listenPeerUrls: string[];
  /** applied index of the state machine at start */
  applied: number;
  heartbeatMs: number;
  electionMs: number;
  /** this member's client URLs (read when a peer connection starts) */
  clientUrls: () => string[];
  logger: Logger;
}

export interface MemberView {
  id: bigint;
  name: string;
  peerUrls: string[];
  clientUrls: string[];
}

interface PendingProposal {
  data: Buffer;
  key: string;
  deadline: number;
  /** proposed to Raft (false: waiting for a leader) */
  submitted: boolean;
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
  private readonly proposals = new Map<string, PendingProposal[]>();
  private waitingForLeader: PendingProposal[] = [];
  private readSeq = 0;
  private readInFlight: ReadRound | undefined;
  private readNext: ReadWaiter[] = [];
  private readonly clientUrls = new Map<NodeId, string[]>();
  private readonly byRaftId = new Map<NodeId, ClusterMember>();

  onCommit: (entries: CommittedEntry[]) => void = () => undefined;
  /** called when this member becomes leader (true) or stops being leader (false) */
  onLeaderChange: (isLeader: boolean) => void = () => undefined;
  /** on the leader: a follower forwarded a client's lease keep-alive */
  onLeaseRenew: (leaseId: bigint) => void = () => undefined;

  constructor(private readonly o: RaftLogOptions) {
    this.wal = o.wal;
    this.storage = o.storage;
    this.log = o.logger.child({ component: 'raft' });
    for (const m of o.members) this.byRaftId.set(m.raftId, m);
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
      members: o.members,
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
      onHello: (id, h) => this.clientUrls.set(id, h.clientUrls),
      onLeaseRenew: (id) => {
        if (this.isLeader) this.onLeaseRenew(id);
      },
      logger: o.logger,
    });
  }

  /** Listens on the peer URLs, dials the peers and starts ticking. */
  async start(): Promise<void> {
    await this.transport.start();
    this.tickTimer = setInterval(() => this.tick(), this.o.heartbeatMs);
    this.log.info(
      { raftId: this.o.self.raftId, members: this.o.members.map((m) => `${m.name}=${m.id.toString(16)}`), term: this.node.raft.term },
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
    return this.o.members.map((m) => ({
      id: m.id,
      name: m.raftId === this.o.self.raftId || this.clientUrls.has(m.raftId) ? m.name : '',
      peerUrls: m.peerUrls,
      clientUrls: m.raftId === this.o.self.raftId ? this.o.clientUrls() : (this.clientUrls.get(m.raftId) ?? []),
    }));
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

  propose(data: Buffer[]): Promise<void> {
    if (this.closed) return Promise.reject(Errors.stopped());
    if (this.failed) return Promise.reject(this.failed);
    const deadline = Date.now() + this.requestTimeoutMs;
    const ps = data.map(
      (d) =>
        new Promise<void>((resolve, reject) => {
          const p: PendingProposal = { data: d, key: keyOf(d), deadline, submitted: false, resolve, reject };
          this.submit(p);
        }),
    );
    this.kick();
    return ps.length === 1 ? ps[0] : Promise.all(ps).then(() => undefined);
  }

  private submit(p: PendingProposal): void {
    if (this.node.raft.lead === NONE) {
      this.waitingForLeader.push(p);
      return;
    }
    try {
      this.node.propose(p.data);
    } catch (err) {
      if (err instanceof ProposalDroppedError) {
        this.waitingForLeader.push(p);
        return;
      }
      throw err;
    }
    p.submitted = true;
    const list = this.proposals.get(p.key);
    if (list) list.push(p);
    else this.proposals.set(p.key, [p]);
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
    const round: ReadRound = { ctx: `${this.o.self.raftId}/${++this.readSeq}`, waiters: this.readNext, sentAt: Date.now() };
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
    this.failAll(Errors.stopped());
    await this.wal.close();
  }

  // ------------------------------------------------------------------ the loop

  private receive(m: Message): void {
    if (this.closed) return;
    this.node.step(m);
    this.kick();
  }

  private tick(): void {
    if (this.closed) return;
    this.node.tick();
    const now = Date.now();
    // a read round nobody answered (lost message, leader busy committing its first entry): ask again
    if (this.readInFlight && now - this.readInFlight.sentAt >= READ_RETRY_MS && this.node.raft.lead !== NONE)
      this.sendRead(this.readInFlight);
    this.expire(now);
    this.kick();
  }

  private kick(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.processing) this.processing = this.run().finally(() => (this.processing = undefined));
    });
  }

  private async run(): Promise<void> {
    for (;;) {
      if (this.failed) return;
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
    if (rd.snapshot) throw new Error('received a Raft snapshot: InstallSnapshot is not supported yet');
    const records: WalRecord[] = rd.entries.map((e) => ({ kind: 'entry', index: e.index, term: e.term, data: e.data }));
    // A commit-only HardState change is not written (it would cost an fsync per Ready): on restart
    // the commit index is at least the applied index, and Raft learns the rest from the leader.
    if (rd.hardState && (rd.mustSync || records.length > 0)) records.push({ kind: 'hardState', ...rd.hardState });
    if (records.length > 0) await this.wal.append(records);
    if (rd.hardState) this.storage.setHardState(rd.hardState);
    this.storage.append(rd.entries);
    for (const m of rd.messages) this.transport.send(m);
    if (rd.committedEntries.length > 0) this.apply(rd.committedEntries);
    for (const rs of rd.readStates) this.readDone(rs.context, rs.index);
    this.node.advance(rd);
    // a leader may have appeared: submit what waited for one
    if (this.node.raft.lead !== NONE) {
      if (this.waitingForLeader.length > 0) {
        const w = this.waitingForLeader;
        this.waitingForLeader = [];
        for (const p of w) this.submit(p);
      }
      this.startReadRound();
    }
  }

  private apply(entries: Entry[]): void {
    this.onCommit(entries.map((e) => ({ index: e.index, term: e.term, data: e.type === 'normal' ? e.data : Buffer.alloc(0) })));
    if (this.proposals.size === 0) return;
    for (const e of entries) {
      if (e.data.length === 0) continue;
      const key = keyOf(e.data);
      const list = this.proposals.get(key);
      if (!list) continue;
      const i = list.findIndex((p) => p.data.equals(e.data));
      if (i < 0) continue;
      const [p] = list.splice(i, 1);
      if (list.length === 0) this.proposals.delete(key);
      p.resolve();
    }
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
      else this.log.info({ term: this.node.raft.term, leader: name, isLeader }, 'raft: leader elected');
      // proposals and reads handed to the previous leader may be lost: fail them (as etcd)
      if (prev.lead !== NONE) this.failSubmitted(leaderChanged());
    }
    if (wasLeader !== isLeader) this.onLeaderChange(isLeader);
  }

  /** Fails proposals already handed to Raft and the read round in flight. */
  private failSubmitted(err: Error): void {
    for (const list of this.proposals.values()) for (const p of list) p.reject(err);
    this.proposals.clear();
    const r = this.readInFlight;
    this.readInFlight = undefined;
    if (r) for (const w of r.waiters) w.reject(err);
  }

  private failAll(err: Error): void {
    this.failSubmitted(err);
    for (const p of this.waitingForLeader) p.reject(err);
    this.waitingForLeader = [];
    for (const w of this.readNext) w.reject(err);
    this.readNext = [];
  }

  private expire(now: number): void {
    const timeout = Errors.timeout;
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
