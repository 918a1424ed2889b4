/**
 * Deterministic Raft cluster simulator (test support, in the spirit of etcd's rafttest and
 * FoundationDB's simulation). Everything — network delays, loss, duplication, partitions, disk
 * latency, crashes, client requests and election jitter — is drawn from one seeded PRNG, so a
 * failing seed replays exactly.
 *
 * Time advances in ticks. Each node follows the Ready contract literally: a Ready is "on disk"
 * only once its (simulated) write completes; a crash before that loses its entries, hardState
 * and messages, and the restarted node sees only what its MemoryStorage holds.
 *
 * Safety checks run continuously (SimInvariantError on violation):
 *  - election safety: at most one leader per term;
 *  - leader completeness: a new leader's log holds every entry known committed;
 *  - committed entries never change (every node's committed prefix agrees, across crashes);
 *  - state machine safety: every node applies the same entry at each index, in order;
 *  - log matching (pairwise, periodically): same (index, term) => identical prefixes;
 *  - ReadIndex: a read point is >= every commit index observed before the read was issued.
 *
 * Membership: the simulator keeps its own ("shadow") configuration per node, rebuilt from the
 * snapshots and conf-change entries that node applied, and checks against it — the
 * configuration in force, independently of the Raft core's tracker:
 *  - the core's configuration equals the shadow after every applied conf change;
 *  - every node applies the same configuration at each conf-change index;
 *  - a leader is a voter of its configuration, and a quorum of that configuration's voters
 *    durably voted for it in its term;
 *  - no node durably votes for two candidates in one term, and no node's durable term decreases;
 *  - when a leader advances its commit index, a quorum of its configuration's voters durably
 *    hold that entry (or a snapshot covering it).
 */
import { RawNode } from '../rawnode';
import { MemoryStorage } from '../storage';
import {
  ConfChange,
  ConfState,
  decodeConfChange,
  Entry,
  Message,
  NodeId,
  NONE,
  ProposalDroppedError,
  Ready,
  ReadState,
  Snapshot,
} from '../types';
import { Prng } from './prng';

export class SimInvariantError extends Error {
  constructor(msg: string) {
    super(msg);
    this.name = 'SimInvariantError';
  }
}

export interface SimOptions {
  seed: number;
  /** nodes 1..nodes, all voters unless initialVoters is given */
  nodes: number;
  /** initial membership; the other nodes start outside the cluster, waiting to be added */
  initialVoters?: NodeId[];
  preVote?: boolean;
  checkQuorum?: boolean;
  electionTick?: number;
  heartbeatTick?: number;
  lossRate?: number;
  dupRate?: number;
  /** message delay in ticks, uniform in [minDelay, maxDelay]; different delays reorder */
  minDelay?: number;
  maxDelay?: number;
  /** a Ready's write completes after uniform [0, diskDelayMax] ticks */
  diskDelayMax?: number;
  /** compact once this many applied entries sit in the log; 0 = never */
  snapshotThreshold?: number;
  maxSizePerMsg?: number;
  maxInflightMsgs?: number;
  /** keep the last N events for failure reports */
  trace?: number;
}

export interface SimStats {
  ticks: number;
  elections: number;
  messages: number;
  dropped: number;
  duplicated: number;
  partitions: number;
  crashes: number;
  crashesLosingWrites: number;
  snapshotsSent: number;
  snapshotsInstalled: number;
  compactions: number;
  proposals: number;
  committed: number;
  reads: number;
  transfers: number;
  /** distinct conf-change entries committed */
  confChanges: number;
  /** conf changes that removed the leader applying them */
  leaderRemovals: number;
  /** snapshots installed by nodes that had never applied anything (new members catching up) */
  freshSnapshots: number;
  /** snapshots taken because a member was offered one from before it joined */
  snapshotsForNewMembers: number;
}

export function emptyStats(): SimStats {
  return {
    ticks: 0,
    elections: 0,
    messages: 0,
    dropped: 0,
    duplicated: 0,
    partitions: 0,
    crashes: 0,
    crashesLosingWrites: 0,
    snapshotsSent: 0,
    snapshotsInstalled: 0,
    compactions: 0,
    proposals: 0,
    committed: 0,
    reads: 0,
    transfers: 0,
    confChanges: 0,
    leaderRemovals: 0,
    freshSnapshots: 0,
    snapshotsForNewMembers: 0,
  };
}

/** The single-step change applied to a configuration (the same rules as the core's). */
export function nextConf(cs: ConfState, cc: ConfChange): ConfState {
  const voters = cs.voters.filter((v) => v !== cc.nodeId);
  const learners = cs.learners.filter((v) => v !== cc.nodeId);
  switch (cc.type) {
    case 'addNode':
      voters.push(cc.nodeId);
      break;
    case 'addLearner':
      if (cs.voters.includes(cc.nodeId)) return sortConf(cs); // no demotion
      learners.push(cc.nodeId);
      break;
    case 'removeNode':
      if (voters.length === 0) return sortConf(cs); // the last voter stays
      break;
  }
  return sortConf({ voters, learners });
}

function sortConf(cs: ConfState): ConfState {
  return {
    voters: [...cs.voters].sort((a, b) => a - b),
    learners: [...cs.learners].sort((a, b) => a - b),
  };
}

export function confKey(cs: ConfState): string {
  const s = sortConf(cs);
  return `v${s.voters.join(',')}|l${s.learners.join(',')}`;
}

interface InFlight {
  at: number;
  key: number;
  m: Message;
}

function linkKey(from: NodeId, to: NodeId): number {
  return from * 65536 + to;
}

export class SimNode {
  raw?: RawNode;
  /** a Ready whose write is in progress; `early`: its messages and durable commits went first */
  pending?: { rd: Ready; doneAt: number; early: boolean; appliedEarly: number };
  /** state machine: sm[i - 1] is the value applied at index i */
  sm: string[] = [];
  applied = 0;
  checkedCommit = 0;
  /** configuration as of `applied`, per the snapshots and conf changes this node applied */
  conf: ConfState = { voters: [], learners: [] };
  /** highest term this node persisted */
  durableTerm = 0;
  /** a member was offered a snapshot from before it joined: take a fresh one */
  snapshotWanted = false;
  constructor(
    readonly id: NodeId,
    readonly storage: MemoryStorage,
    readonly rng: Prng,
  ) {}
}

function valueOf(e: Entry): string {
  if (e.type === 'confChange') return `cc:${e.data.toString()}`;
  return e.data.toString();
}

function fmtMsg(m: Message): string {
  let extra = '';
  switch (m.type) {
    case 'MsgApp':
      extra = ` i=${m.index} lt=${m.logTerm} n=${m.entries.length} c=${m.commit}${m.noAck ? ' noack' : ''}`;
      break;
    case 'MsgAppResp':
      extra = ` i=${m.index}${m.reject ? ` REJ hint=${m.rejectHint} lt=${m.logTerm}` : ''}`;
      break;
    case 'MsgVote':
    case 'MsgPreVote':
      extra = ` i=${m.index} lt=${m.logTerm}${m.force ? ' force' : ''}`;
      break;
    case 'MsgVoteResp':
    case 'MsgPreVoteResp':
      extra = m.reject ? ' REJ' : ' ok';
      break;
    case 'MsgHeartbeat':
      extra = ` c=${m.commit}${m.context ? ` ctx=${m.context}` : ''}`;
      break;
    case 'MsgSnap':
      extra = ` si=${m.snapshot.meta.index} st=${m.snapshot.meta.term}`;
      break;
    default:
      break;
  }
  return `${m.from}->${m.to} ${m.type} t=${m.term}${extra}`;
}

export class Cluster {
  now = 0;
  readonly nodes = new Map<NodeId, SimNode>();
  readonly ids: NodeId[];
  readonly rng: Prng;
  readonly opts: Required<Omit<SimOptions, 'trace'>> & { trace: number };
  /** in-flight messages by delivery tick */
  private net = new Map<number, InFlight[]>();
  /** links that drop everything, as linkKey(from, to) */
  private blocked = new Set<number>();
  /** index -> committed entry as first observed anywhere */
  readonly committed = new Map<number, { term: number; value: string }>();
  private leaders = new Map<number, NodeId>();
  maxCommit = 0;
  private readBounds = new Map<string, number>();
  private seq = 0;
  private traceBuf: string[] = [];
  /** term -> node -> the candidate it durably voted for */
  private votes = new Map<number, Map<NodeId, NodeId>>();
  /** vote grants sent: term → voter → candidate */
  private grants = new Map<number, Map<NodeId, NodeId>>();
  /** conf-change index -> resulting configuration (as first applied anywhere) */
  private confAt = new Map<number, string>();
  /** the configuration of the highest conf-change index applied anywhere: the one in force */
  latestConf: { index: number; conf: ConfState; members: NodeId[] };
  readonly stats: SimStats = emptyStats();
  /** read contexts answered (context -> index) */
  readonly readResults = new Map<string, number>();

  constructor(o: SimOptions) {
    this.opts = {
      preVote: true,
      checkQuorum: true,
      electionTick: 10,
      heartbeatTick: 1,
      lossRate: 0,
      dupRate: 0,
      minDelay: 0,
      maxDelay: 0,
      diskDelayMax: 0,
      snapshotThreshold: 0,
      maxSizePerMsg: Infinity,
      maxInflightMsgs: 256,
      trace: 0,
      initialVoters: [],
      ...o,
    };
    this.rng = new Prng(o.seed);
    this.ids = Array.from({ length: o.nodes }, (_, i) => i + 1);
    const conf0 = sortConf({ voters: o.initialVoters ?? this.ids, learners: [] });
    this.latestConf = { index: 0, conf: conf0, members: conf0.voters };
    for (const id of this.ids) {
      const voters = o.initialVoters ?? this.ids;
      const n = new SimNode(id, new MemoryStorage({ voters, learners: [] }), this.rng.fork());
      this.nodes.set(id, n);
      this.start(n);
    }
  }

  // ---- lifecycle ------------------------------------------------------------------------

  private start(n: SimNode): void {
    const snap = n.storage.snapshot();
    n.raw = new RawNode({
      id: n.id,
      storage: n.storage,
      electionTick: this.opts.electionTick,
      heartbeatTick: this.opts.heartbeatTick,
      applied: snap.meta.index,
      preVote: this.opts.preVote,
      checkQuorum: this.opts.checkQuorum,
      maxSizePerMsg: this.opts.maxSizePerMsg,
      maxInflightMsgs: this.opts.maxInflightMsgs,
      random: () => n.rng.next(),
    });
    n.sm = snap.data.length > 0 ? (JSON.parse(snap.data.toString()) as string[]) : [];
    n.applied = snap.meta.index;
    n.conf = sortConf(snap.meta.confState);
    n.checkedCommit = 0;
    this.checkSnapshotState(n, snap);
    this.observe(n);
  }

  /** Kills node id. afterPersist: its in-progress write completes but nothing is sent or applied. */
  crash(id: NodeId, afterPersist = false): void {
    const n = this.node(id);
    if (!n.raw) return;
    if (n.pending) {
      if (afterPersist) this.persist(n, n.pending.rd);
      else if (n.pending.rd.entries.length > 0 || n.pending.rd.hardState)
        this.stats.crashesLosingWrites++;
    }
    this.trace(`crash ${id}${afterPersist ? ' (after persist)' : ''}`);
    n.raw = undefined;
    n.pending = undefined;
    n.sm = [];
    this.stats.crashes++;
  }

  /** Shuts node id down cleanly (its in-progress write completes); not counted as a crash. */
  stop(id: NodeId): void {
    const n = this.node(id);
    if (!n.raw) return;
    if (n.pending) this.persist(n, n.pending.rd);
    this.trace(`stop ${id}`);
    n.raw = undefined;
    n.pending = undefined;
    n.sm = [];
  }

  restart(id: NodeId): void {
    const n = this.node(id);
    if (n.raw) return;
    this.trace(`restart ${id}`);
    this.start(n);
  }

  isUp(id: NodeId): boolean {
    return this.node(id).raw !== undefined;
  }

  node(id: NodeId): SimNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  raw(id: NodeId): RawNode {
    const r = this.node(id).raw;
    if (!r) throw new Error(`node ${id} is down`);
    return r;
  }

  // ---- network --------------------------------------------------------------------------

  /** Blocks from -> to (one way). */
  cut(from: NodeId, to: NodeId): void {
    this.blocked.add(linkKey(from, to));
  }

  /** Cuts every link between the two groups, both ways. */
  partition(a: NodeId[], b: NodeId[]): void {
    this.stats.partitions++;
    this.trace(`partition [${a}] | [${b}]`);
    for (const x of a)
      for (const y of b) {
        this.cut(x, y);
        this.cut(y, x);
      }
  }

  isolate(id: NodeId): void {
    this.partition(
      [id],
      this.ids.filter((x) => x !== id),
    );
  }

  heal(): void {
    if (this.blocked.size > 0) this.trace('heal');
    this.blocked.clear();
  }

  setFaults(f: { lossRate?: number; dupRate?: number }): void {
    Object.assign(this.opts, f);
  }

  private linkUp(from: NodeId, to: NodeId): boolean {
    return this.blocked.size === 0 || !this.blocked.has(linkKey(from, to));
  }

  private send(m: Message): void {
    this.stats.messages++;
    if (m.type === 'MsgVoteResp' && !m.reject) {
      let byVoter = this.grants.get(m.term);
      if (!byVoter) this.grants.set(m.term, (byVoter = new Map()));
      byVoter.set(m.from, m.to);
    }
    if (!this.linkUp(m.from, m.to) || this.rng.chance(this.opts.lossRate)) {
      this.drop(m);
      return;
    }
    const copies = this.rng.chance(this.opts.dupRate) ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let i = 0; i < copies; i++) {
      const at = this.now + this.rng.range(this.opts.minDelay, this.opts.maxDelay);
      const f: InFlight = { at, key: this.rng.next(), m };
      const bucket = this.net.get(at);
      if (bucket) bucket.push(f);
      else this.net.set(at, [f]);
    }
  }

  private drop(m: Message): void {
    this.stats.dropped++;
    if (m.type === 'MsgSnap') this.nodes.get(m.from)?.raw?.reportSnapshot(m.to, false);
  }

  private deliver(m: Message): void {
    const dest = this.nodes.get(m.to);
    if (!dest || !dest.raw || !this.linkUp(m.from, m.to)) {
      this.drop(m);
      return;
    }
    if (this.opts.trace) this.trace(fmtMsg(m));
    if (m.type === 'MsgSnap') {
      this.stats.snapshotsSent++;
      this.nodes.get(m.from)?.raw?.reportSnapshot(m.to, true);
    }
    dest.raw.step(m);
    this.drain(dest);
  }

  // ---- time -----------------------------------------------------------------------------

  /** One tick of simulated time: every live node ticks, then due messages and writes complete. */
  tick(): void {
    this.now++;
    this.stats.ticks++;
    for (const n of this.nodes.values()) {
      if (!n.raw) continue;
      n.raw.tick();
      this.drain(n);
    }
    this.settle();
    if (this.now % 16 === 0) this.checkLogMatching();
  }

  ticks(k: number): void {
    for (let i = 0; i < k; i++) this.tick();
  }

  /** Delivers every message and completes every write that is due now (bounded). */
  settle(): void {
    for (let round = 0; round < 10_000; round++) {
      let progressed = false;
      for (const n of this.nodes.values()) {
        // every change to a node drains it, except a restart: the first round catches those
        if (round === 0) this.drain(n);
        if (n.pending && n.pending.doneAt <= this.now) {
          const { rd, early, appliedEarly } = n.pending;
          n.pending = undefined;
          this.complete(n, rd, early, appliedEarly);
          this.drain(n);
          progressed = true;
        }
      }
      // delays are >= 0 and every tick settles, so nothing is ever due before now
      const due = this.net.get(this.now) ?? [];
      this.net.delete(this.now);
      due.sort((a, b) => a.key - b.key);
      for (const f of due) this.deliver(f.m);
      if (!progressed && due.length === 0) return;
    }
    throw new SimInvariantError('settle did not quiesce (message storm?)');
  }

  /** Ticks until pred() holds; throws after maxTicks. */
  runUntil(pred: () => boolean, maxTicks: number, what = 'condition'): void {
    this.settle();
    for (let i = 0; i < maxTicks; i++) {
      if (pred()) return;
      this.tick();
    }
    if (!pred()) throw new SimInvariantError(`${what} not reached within ${maxTicks} ticks`);
  }

  // ---- Ready processing -----------------------------------------------------------------

  private drain(n: SimNode): void {
    for (let i = 0; i < 1000 && n.raw && !n.pending; i++) {
      const rd = n.raw.ready();
      if (!rd) break;
      const delay = this.opts.diskDelayMax > 0 ? this.rng.int(this.opts.diskDelayMax + 1) : 0;
      if (delay === 0) {
        this.complete(n, rd, false, 0);
        continue;
      }
      // as the server (raft-log.ts handle): a leader sends before its write completes, and
      // everyone applies committed entries that are already durable
      const early = n.raw.raft.state === 'leader';
      if (early) this.sendMessages(n, rd);
      let appliedEarly = 0;
      // check the commit against the configuration it was made in, before applying it
      this.observeCommit(n);
      if (!rd.snapshot) {
        const durable = n.storage.lastIndex();
        for (const e of rd.committedEntries) {
          if (e.index > durable) break;
          this.apply(n, e);
          appliedEarly = e.index;
        }
      }
      n.pending = { rd, doneAt: this.now + delay, early, appliedEarly };
    }
    if (n.raw) this.observe(n);
  }

  private persist(n: SimNode, rd: Ready): void {
    if (rd.snapshot) n.storage.applySnapshot(rd.snapshot);
    n.storage.append(rd.entries);
    const hs = rd.hardState;
    if (hs) {
      if (hs.term < n.durableTerm)
        this.fail(`node ${n.id} persisted term ${hs.term} after ${n.durableTerm}`);
      n.durableTerm = hs.term;
      if (hs.vote !== 0) {
        let byNode = this.votes.get(hs.term);
        if (!byNode) this.votes.set(hs.term, (byNode = new Map()));
        const prev = byNode.get(n.id);
        if (prev !== undefined && prev !== hs.vote)
          this.fail(
            `node ${n.id} durably voted for ${prev} and then ${hs.vote} in term ${hs.term}`,
          );
        byNode.set(n.id, hs.vote);
      }
      n.storage.setHardState(hs);
    }
  }

  private complete(n: SimNode, rd: Ready, sentEarly: boolean, appliedEarly: number): void {
    const raw = n.raw!;
    this.persist(n, rd);
    this.observeCommit(n);
    if (!sentEarly) this.sendMessages(n, rd);
    if (rd.snapshot) this.installSnapshot(n, rd.snapshot);
    for (const e of rd.committedEntries) if (e.index > appliedEarly) this.apply(n, e);
    for (const rs of rd.readStates) this.checkRead(n, rs);
    raw.advance(rd);
    this.observeCommit(n); // our own copy may just have completed a quorum
    this.maybeCompact(n);
  }

  private sendMessages(n: SimNode, rd: Ready): void {
    const raw = n.raw!;
    for (const m of rd.messages) {
      if (m.type === 'MsgSnap') {
        const cs = m.snapshot.meta.confState;
        if (!cs.voters.includes(m.to) && !cs.learners.includes(m.to)) {
          // As the server does (raft-log.ts sendSnapshot): a member added after the snapshot
          // would refuse it, so take a fresh one (below) and offer that later.
          this.trace(`node ${n.id}: snapshot ${m.snapshot.meta.index} predates member ${m.to}`);
          n.snapshotWanted = true;
          raw.reportSnapshot(m.to, false);
          continue;
        }
      }
      this.send(m);
    }
  }

  private installSnapshot(n: SimNode, s: Snapshot): void {
    this.stats.snapshotsInstalled++;
    if (n.applied === 0) this.stats.freshSnapshots++;
    if (this.opts.trace)
      this.trace(
        `node ${n.id} installs snapshot ${s.meta.index}/${s.meta.term} ${confKey(s.meta.confState)}`,
      );
    n.sm = JSON.parse(s.data.toString()) as string[];
    n.applied = s.meta.index;
    n.conf = sortConf(s.meta.confState);
    this.checkSnapshotState(n, s);
  }

  private apply(n: SimNode, e: Entry): void {
    if (e.index <= n.applied) {
      throw new SimInvariantError(
        `node ${n.id} applied index ${e.index} again (applied ${n.applied})`,
      );
    }
    if (e.index !== n.applied + 1) {
      throw new SimInvariantError(`node ${n.id} applied ${e.index} after ${n.applied}: gap`);
    }
    const value = valueOf(e);
    this.recordCommitted(n.id, e.index, e.term, value, 'applied');
    n.sm.push(value);
    n.applied = e.index;
    if (e.type === 'confChange') this.applyConf(n, e);
  }

  private applyConf(n: SimNode, e: Entry): void {
    const raw = n.raw!;
    const cc = decodeConfChange(e.data);
    const wasLeader = raw.raft.state === 'leader';
    const want = nextConf(n.conf, cc);
    const got = raw.applyConfChange(cc);
    const key = confKey(want);
    if (confKey(got) !== key)
      this.fail(
        `node ${n.id} applied ${JSON.stringify(cc)} at ${e.index}: core has ${confKey(got)}, want ${key}`,
      );
    const first = this.confAt.get(e.index);
    if (first === undefined) {
      this.confAt.set(e.index, key);
      this.stats.confChanges++;
    } else if (first !== key) {
      this.fail(`node ${n.id} has configuration ${key} at ${e.index}, another node had ${first}`);
    }
    n.conf = want;
    if (e.index > this.latestConf.index)
      this.latestConf = {
        index: e.index,
        conf: want,
        members: [...want.voters, ...want.learners].sort((a, b) => a - b),
      };
    if (wasLeader && cc.type === 'removeNode' && cc.nodeId === n.id) this.stats.leaderRemovals++;
    this.trace(`node ${n.id} applies ${cc.type} ${cc.nodeId} at ${e.index}: ${key}`);
  }

  /** Members (voters and learners) of the configuration in force. */
  members(): readonly NodeId[] {
    return this.latestConf.members;
  }

  /** Does node id's leader (if it is one) have a conf change proposed and not yet applied? */
  confChangePending(id: NodeId): boolean {
    const r = this.node(id).raw?.raft;
    return r === undefined || r.pendingConfIndex > r.log.applied;
  }

  private maybeCompact(n: SimNode): void {
    const t = this.opts.snapshotThreshold;
    if (t <= 0 || !n.raw) return;
    const snapIndex = n.storage.firstIndex() - 1;
    if (n.snapshotWanted && n.applied > n.storage.snapshot().meta.index) {
      n.snapshotWanted = false;
      this.stats.snapshotsForNewMembers++;
    } else if (n.applied - snapIndex < t) return;
    const data = Buffer.from(JSON.stringify(n.sm.slice(0, n.applied)));
    n.storage.createSnapshot(n.applied, n.raw.raft.trk.confState(), data);
    // keep a few entries so slightly-behind followers still catch up from the log
    n.storage.compact(n.applied - this.rng.int(3));
    this.stats.compactions++;
  }

  // ---- clients --------------------------------------------------------------------------

  /** Proposes a unique value at node id; returns it, or undefined if the proposal was dropped. */
  propose(id: NodeId, value?: string): string | undefined {
    const n = this.node(id);
    if (!n.raw) return undefined;
    const v = value ?? `v${++this.seq}`;
    this.stats.proposals++;
    if (n.raw.raft.lead === NONE) return undefined; // dropped (saves building the error)
    try {
      n.raw.propose(Buffer.from(v));
    } catch (e) {
      if (e instanceof ProposalDroppedError) return undefined;
      throw e;
    }
    this.drain(n);
    return v;
  }

  /** Proposes a membership change at node id; false if dropped. */
  proposeConfChange(id: NodeId, cc: ConfChange): boolean {
    const n = this.node(id);
    if (!n.raw) return false;
    try {
      n.raw.proposeConfChange(cc);
    } catch (e) {
      if (e instanceof ProposalDroppedError) return false;
      throw e;
    }
    this.drain(n);
    return true;
  }

  /** Issues a ReadIndex request; returns its context, or undefined if dropped. */
  read(id: NodeId): string | undefined {
    const n = this.node(id);
    if (!n.raw) return undefined;
    const ctx = `r${++this.seq}`;
    if (n.raw.raft.lead === NONE) return undefined; // dropped (saves building the error)
    this.readBounds.set(ctx, this.maxCommit);
    try {
      n.raw.readIndex(ctx);
    } catch (e) {
      if (e instanceof ProposalDroppedError) return undefined;
      throw e;
    }
    this.drain(n);
    return ctx;
  }

  transferLeader(to: NodeId): void {
    const l = this.leader();
    if (l === undefined || !this.isUp(to)) return;
    this.trace(`transfer ${l} -> ${to}`);
    this.raw(l).transferLeader(to);
    this.drain(this.node(l));
  }

  /** The live leader with the highest term, if any. */
  leader(): NodeId | undefined {
    let best: NodeId | undefined;
    let bestTerm = -1;
    for (const n of this.nodes.values()) {
      const r = n.raw?.raft;
      if (r && r.state === 'leader' && r.term > bestTerm) {
        best = n.id;
        bestTerm = r.term;
      }
    }
    return best;
  }

  // ---- checks ---------------------------------------------------------------------------

  private fail(msg: string): never {
    throw new SimInvariantError(`t=${this.now}: ${msg}`);
  }

  private recordCommitted(
    id: NodeId,
    index: number,
    term: number,
    value: string,
    how: string,
  ): void {
    const c = this.committed.get(index);
    if (!c) {
      this.committed.set(index, { term, value });
      this.stats.committed = Math.max(this.stats.committed, index);
    } else if (c.term !== term || c.value !== value) {
      this.fail(
        `node ${id} ${how} index ${index} as term ${term} "${value}", but it was committed as term ${c.term} "${c.value}"`,
      );
    }
  }

  private checkSnapshotState(n: SimNode, s: Snapshot): void {
    if (n.sm.length !== s.meta.index)
      this.fail(`node ${n.id} snapshot ${s.meta.index} holds ${n.sm.length} values`);
    for (let i = 1; i <= n.sm.length; i++) {
      const c = this.committed.get(i);
      if (c && c.value !== n.sm[i - 1])
        this.fail(`node ${n.id} snapshot has "${n.sm[i - 1]}" at ${i}, committed "${c.value}"`);
    }
  }

  private checkRead(n: SimNode, rs: ReadState): void {
    const bound = this.readBounds.get(rs.context);
    if (bound === undefined) this.fail(`node ${n.id} got unknown read context ${rs.context}`);
    if (rs.index < bound)
      this.fail(
        `node ${n.id} read ${rs.context} at index ${rs.index}, but ${bound} was committed before it was issued`,
      );
    if (rs.index > this.maxCommit)
      this.fail(`read index ${rs.index} beyond any commit ${this.maxCommit}`);
    this.readResults.set(rs.context, rs.index);
    this.stats.reads++;
  }

  /** Called after every change to node n's state. */
  private observe(n: SimNode): void {
    const r = n.raw!.raft;
    if (r.state === 'leader') {
      const l = this.leaders.get(r.term);
      if (l === undefined) {
        this.leaders.set(r.term, n.id);
        this.stats.elections++;
        if (this.opts.trace) this.trace(`node ${n.id} leader of term ${r.term} ${confKey(n.conf)}`);
        this.checkElectionQuorum(n);
        this.checkLeaderCompleteness(n);
      } else if (l !== n.id) {
        this.fail(`two leaders in term ${r.term}: ${l} and ${n.id}`);
      }
    }
    this.observeCommit(n);
  }

  /**
   * Records n's newly committed entries. Runs before a Ready's committed entries are applied
   * too: a commit decided under one configuration is checked against that one, not the next.
   */
  private observeCommit(n: SimNode): void {
    const r = n.raw!.raft;
    const c = r.log.committed;
    if (c > this.maxCommit) this.maxCommit = c;
    if (c > n.checkedCommit) {
      if (r.state === 'leader') this.checkCommitQuorum(n, c, r.log.term(c)!);
      const lo = Math.max(n.checkedCommit + 1, r.log.firstIndex());
      const ents = lo <= c ? (r.log.slice(lo, c + 1) ?? []) : [];
      for (const e of ents) this.recordCommitted(n.id, e.index, e.term, valueOf(e), 'committed');
      n.checkedCommit = c;
    }
  }

  /** A quorum of the leader's configuration durably voted for it in its term. */
  private checkElectionQuorum(n: SimNode): void {
    const term = n.raw!.raft.term;
    const voters = n.conf.voters;
    if (!voters.includes(n.id))
      this.fail(`node ${n.id} leads term ${term} but is no voter of ${confKey(n.conf)}`);
    const byNode = this.votes.get(term);
    // a single voter elects itself without waiting for its vote to be persisted
    // A grant also counts when the voter durably moved past the term instead: one Ready can
    // carry a vote for term T and then the state of term T+1 (only the latter is written),
    // and a voter at T+1 can never vote in T again.
    const granted = voters.filter(
      (v) =>
        byNode?.get(v) === n.id ||
        (voters.length === 1 && v === n.id) ||
        (this.grants.get(term)?.get(v) === n.id && this.node(v).durableTerm > term),
    );
    if (granted.length < Math.floor(voters.length / 2) + 1)
      this.fail(
        `node ${n.id} leads term ${term} with durable votes from [${granted}] of voters [${voters}] (${confKey(n.conf)})`,
      );
  }

  /** Leader n commits index i: a quorum of its configuration's voters durably hold (i, term). */
  private checkCommitQuorum(n: SimNode, i: number, term: number): void {
    const voters = n.conf.voters;
    let held = 0;
    for (const v of voters) {
      // (a leader's own copy counts only once durable, so a single voter is checked like any)
      const st = this.node(v).storage;
      const snapIndex = st.firstIndex() - 1;
      if (i <= snapIndex) held++;
      else if (i <= st.lastIndex() && st.term(i) === term) held++;
    }
    if (held < Math.floor(voters.length / 2) + 1)
      this.fail(
        `leader ${n.id} commits ${i}/${term} held durably by ${held} of voters [${voters}]`,
      );
  }

  private checkLeaderCompleteness(n: SimNode): void {
    const log = n.raw!.raft.log;
    const first = log.firstIndex();
    for (const [i, c] of this.committed) {
      if (i < first) continue; // inside its snapshot, checked when the snapshot was taken
      const t = log.term(i);
      if (t !== c.term)
        this.fail(
          `leader completeness: new leader ${n.id} has term ${t} at ${i}, committed term ${c.term}`,
        );
    }
  }

  /** Pairwise: if two logs hold the same (index, term), they agree on every earlier entry. */
  checkLogMatching(): void {
    const live = [...this.nodes.values()].filter((n) => n.raw);
    for (let a = 0; a < live.length; a++) {
      for (let b = a + 1; b < live.length; b++) {
        const la = live[a].raw!.raft.log;
        const lb = live[b].raw!.raft.log;
        const lo = Math.max(la.firstIndex(), lb.firstIndex());
        const hi = Math.min(la.lastIndex(), lb.lastIndex());
        if (lo > hi) continue;
        const ea = la.slice(lo, hi + 1)!;
        const eb = lb.slice(lo, hi + 1)!;
        let k = -1;
        for (let i = ea.length - 1; i >= 0; i--)
          if (ea[i].term === eb[i].term) {
            k = i;
            break;
          }
        for (let i = 0; i <= k; i++) {
          if (ea[i] === eb[i]) continue; // the same entry object, replicated by reference
          if (ea[i].term !== eb[i].term || valueOf(ea[i]) !== valueOf(eb[i]))
            this.fail(
              `log matching: nodes ${live[a].id} and ${live[b].id} agree at ${ea[k].index}/${ea[k].term} but differ at ${ea[i].index}`,
            );
        }
      }
    }
  }

  /** Every node (of `ids`, default all) up, applied the same sequence through the same index. */
  converged(ids: readonly NodeId[] = this.ids): boolean {
    let ref: SimNode | undefined;
    for (const id of ids) {
      const n = this.node(id);
      if (!n.raw) return false;
      if (n.applied < this.maxCommit) return false;
      if (!ref) ref = n;
      else if (n.applied !== ref.applied) return false;
    }
    return true;
  }

  /** Final check once converged: identical state machines covering everything ever committed. */
  checkConvergedState(ids: readonly NodeId[] = this.ids): void {
    const ns = ids.map((id) => this.node(id));
    const ref = ns[0];
    const maxCommitted = Math.max(0, ...this.committed.keys());
    if (ref.sm.length < maxCommitted)
      this.fail(`committed index ${maxCommitted} lost: state has ${ref.sm.length}`);
    for (const n of ns) {
      if (n.sm.length !== ref.sm.length)
        this.fail(`node ${n.id} state length ${n.sm.length} != ${ref.sm.length}`);
      for (let i = 0; i < ref.sm.length; i++)
        if (n.sm[i] !== ref.sm[i]) this.fail(`node ${n.id} state differs at ${i + 1}`);
    }
    for (const [i, c] of this.committed) {
      if (ref.sm[i - 1] !== c.value)
        this.fail(`committed "${c.value}" at ${i} missing from final state`);
    }
  }

  // ---- tracing --------------------------------------------------------------------------

  /** One line per node: the state a failure report needs. */
  describe(): string[] {
    return [...this.nodes.values()].map((n) => {
      if (!n.raw) return `node ${n.id}: down (${confKey(n.conf)})`;
      const r = n.raw.raft;
      return (
        `node ${n.id}: ${r.state} term ${r.term} vote ${r.vote} lead ${r.lead} commit ${r.log.committed} ` +
        `applied ${n.applied} log ${r.log.firstIndex()}..${r.log.lastIndex()}/${r.log.lastTerm()} ` +
        `conf ${confKey(n.conf)} core ${confKey(r.trk.confState())} promotable ${r.promotable()}`
      );
    });
  }

  trace(line: string): void {
    if (!this.opts.trace) return;
    this.traceBuf.push(`[${this.now}] ${line}`);
    if (this.traceBuf.length > this.opts.trace * 2)
      this.traceBuf = this.traceBuf.slice(-this.opts.trace);
  }

  recentTrace(): string[] {
    return this.traceBuf.slice(-this.opts.trace);
  }
}
