import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { concordpb, etcdserverpb, Long } from '@concord/proto';
import type { Logger } from 'pino';
import { Backend } from '../backend/backend';
import { Wal } from '../wal/wal';
import { WatchHub } from '../watch/watch-hub';
import { Lessor } from '../lease/lessor';
import { MvccEvent } from '../mvcc/types';
import { EtcdError, Errors, Limits } from './errors';
import { CommittedEntry, ReplicatedLog, SingleNodeLog } from './log';
import { clusterIdOf } from './cluster';
import { RaftLog } from './raft-log';
import { ClusterBoot, resolveCluster } from './cluster-boot';
import { confStateOf, loadMembership, saveMembership } from './membership';
import { RaftSnapshots } from './raft-snapshots';
import { readSnapshotFile } from '../snapshot/snapshot-store';
import { WalStorage } from './wal-storage';
import { ApplyOutcome, LogEntry, StateMachine, toPbAlarm } from './state-machine';
import { big, long, num } from './pb';
import { Metrics } from './metrics';
import { ownBuffer } from '../util/own-buffer';
import { SequenceTable } from '../util/sequence-table';

export const SERVER_VERSION = '3.5.0';
export const CLUSTER_VERSION = '3.5.0';

export interface ServerConfig {
  name: string;
  dataDir: string;
  advertiseClientUrls: string[];
  initialAdvertisePeerUrls: string[];
  initialClusterToken: string;
  quotaBackendBytes: number;
  maxRequestBytes: number;
  maxTxnOps: number;
  /** raft-ish timing used to derive the minimum lease TTL, as etcd */
  heartbeatMs: number;
  electionMs: number;
  /** etcd's --initial-cluster (name=peerURL,...); several members = a Raft cluster */
  initialCluster?: string;
  listenPeerUrls?: string[];
  /** etcd's --initial-cluster-state: 'existing' joins a running cluster (after `member add`) */
  initialClusterState?: 'new' | 'existing';
  /** cluster: applied entries between Raft snapshots (etcd's --snapshot-count) */
  snapshotCount?: number;
  /** etcd's --backend-batch-interval and --backend-batch-limit (see backend/backend.ts) */
  backendBatchIntervalMs?: number;
  backendBatchLimit?: number;
  logger: Logger;
}

/** Member and cluster identity, derived as etcd does from names, URLs and the cluster token. */
function hash64(...parts: string[]): bigint {
  const h = crypto.createHash('sha1').update(parts.join('\u0000')).digest();
  return h.readBigUInt64BE(0);
}

interface Pending {
  resolve: (o: ApplyOutcome) => void;
}

/**
 * The server: owns the log, the state machine, the watch hub and the lessor, and offers the
 * operations the API adapters call. Writes go through the log; reads are served from the
 * local state machine once it has applied everything committed before the read began.
 */
export class EtcdServer {
  readonly memberId: bigint;
  readonly clusterId: bigint;
  readonly sm: StateMachine;
  readonly watches: WatchHub;
  readonly lessor = new Lessor();
  readonly metrics = new Metrics();
  private backend: Backend;
  private log!: ReplicatedLog;
  /** proposals of this member waiting for their apply, by ownProposal(id) */
  private readonly pending = new SequenceTable<Pending>();
  /** as etcd's idutil: time-based start, so IDs do not repeat across restarts (a restarted member's
   * new proposals must not match old entries it is still catching up on) */
  private nextProposalId = (Date.now() % 2 ** 40) * 256;
  /** the id's high 32 bits above the counter's: the member id's low 16 bits (etcd's idutil) */
  private readonly proposalIdHighPrefix: number;
  private lessorTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private appliedWaiters: Array<{ index: number; resolve: () => void }> = [];
  /** set while the backend is being swapped (defragment): every backend access waits */
  private maintenance: Promise<void> | undefined;
  readonly minLeaseTtlSeconds: number;
  private lastFlushedIndex = 0;

  private constructor(
    readonly cfg: ServerConfig,
    backend: Backend,
    boot?: ClusterBoot,
  ) {
    this.backend = backend;
    const peerUrls = [...cfg.initialAdvertisePeerUrls].sort().join(',');
    // one member: derived from its peer URLs, as before clusters; a cluster member: as resolved
    this.memberId = boot
      ? boot.self.id
      : hash64('member', peerUrls, cfg.initialClusterToken) & ((1n << 64n) - 1n);
    this.clusterId = boot ? boot.clusterId : clusterIdOf([this.memberId], cfg.initialClusterToken);
    this.proposalIdHighPrefix = Number(this.memberId & 0xffffn) * 65536;
    // etcd: minimum lease TTL = ceil(1.5 × election timeout)
    this.minLeaseTtlSeconds = Math.ceil((3 * cfg.electionMs) / 2 / 1000);
    this.sm = new StateMachine(backend, { minLeaseTtlSeconds: this.minLeaseTtlSeconds });
    this.watches = new WatchHub(this.sm.kv);
    this.sm.eventsNeedPrevKv = () => this.watches.wantsPrevKv;
  }

  static async open(cfg: ServerConfig): Promise<EtcdServer> {
    const memberDir = path.join(cfg.dataDir, 'member');
    fs.mkdirSync(memberDir, { recursive: true });
    const backend = new Backend(path.join(memberDir, 'db'), {
      batchIntervalMs: cfg.backendBatchIntervalMs,
      batchLimit: cfg.backendBatchLimit,
    });
    let boot: ClusterBoot | undefined;
    try {
      boot = await resolveCluster({ ...cfg, memberDir }, backend);
    } catch (err) {
      await backend.close();
      throw err;
    }
    const server = new EtcdServer(cfg, backend, boot);
    let applied = server.sm.appliedIndex;
    const members = boot;
    const { wal, state } = await Wal.open(path.join(memberDir, 'wal'), {
      // Raft serves lagging followers from the log: keep every entry (no compaction yet)
      fromIndex: members ? 0 : applied + 1,
      log: (msg) => cfg.logger.warn({ component: 'wal' }, msg),
      onSync: (seconds) => {
        server.metrics.walFsync.observe(seconds);
        // as etcd's "slow fdatasync": a member whose disk stalls this long misses heartbeats
        if (seconds >= 1)
          cfg.logger.warn({ component: 'wal', took: `${seconds.toFixed(3)}s` }, 'slow fdatasync');
      },
    });
    // Cluster: the WAL recorded a leader's snapshot the backend does not hold yet (a crash
    // between the two): install it from the snap directory first.
    const snaps = members ? new RaftSnapshots(path.join(memberDir, 'snap')) : undefined;
    if (snaps && state.snapshot && state.snapshot.index > applied) {
      const file = snaps.pathOf(state.snapshot.index, state.snapshot.term);
      // (a snapshot taken here has no body: the backend was flushed past it, and being behind
      // it means the backend file was lost, refused below)
      if (fs.existsSync(file) && snaps.hasBody(state.snapshot.index, state.snapshot.term)) {
        cfg.logger.info(
          { index: state.snapshot.index },
          'installing the snapshot the WAL starts from',
        );
        await backend.replaceWith((tmp) => readSnapshotFile(file, tmp));
        server.sm.reload();
        applied = server.sm.appliedIndex;
      }
    }
    // The WAL must continue the backend: if its first entry is beyond applied+1, the backend
    // lost entries the WAL no longer has (a lost or replaced data.mdb). Refuse rather than
    // serve a store with a hole in its history.
    const first = state.entries.length > 0 ? state.entries[0].index : state.lastIndex + 1;
    if (first > applied + 1 && state.lastIndex > applied) {
      await wal.close();
      throw new Error(
        `backend ${path.join(memberDir, 'db', 'data.mdb')} is at applied index ${applied} but the WAL in ` +
          `${path.join(memberDir, 'wal')} starts at ${first}: entries ${applied + 1}-${first - 1} are lost ` +
          '(backend file lost or replaced); restore the member from a snapshot',
      );
    }
    // A torn record that the backend had already applied leaves the WAL behind the backend:
    // mark the applied index so the next entry (applied+1) continues the log without a gap.
    if (state.lastIndex < applied && !members) {
      await wal.append([
        { kind: 'snapshot', index: applied, term: server.sm.appliedTermValue || 1 },
      ]);
    }
    // Replay what was committed but not yet in the (lazily flushed) backend.
    // (In a cluster, WAL entries may be uncommitted: Raft hands out the committed ones.)
    const replay = members ? [] : state.entries.filter((e) => e.index > applied);
    if (replay.length > 0) {
      cfg.logger.info(
        { from: replay[0].index, to: replay[replay.length - 1].index },
        'replaying WAL tail',
      );
      server.applyCommitted(replay.map((e) => ({ index: e.index, term: e.term, data: e.data })));
    }
    server.lastFlushedIndex = server.sm.appliedIndex;
    let log: ReplicatedLog;
    let raft: RaftLog | undefined;
    if (members && snaps) {
      const self = members.self;
      if (state.lastIndex < applied) {
        await wal.close();
        throw new Error(
          `the WAL ends at ${state.lastIndex}, before the backend's applied index ${applied}`,
        );
      }
      const membership = loadMembership(backend)!;
      const latest = await snaps.latest();
      raft = new RaftLog({
        wal,
        storage: new WalStorage(state, confStateOf(membership), applied, latest),
        self,
        membership,
        hintPeers: members.hintPeers,
        snapshotCount: Math.max(1, cfg.snapshotCount ?? 100_000),
        snapshots: snaps,
        backend: () => server.backend,
        installSnapshot: (file) => server.installSnapshot(file),
        loadMembership: () => loadMembership(server.backend)!,
        saveMembership: (st) => saveMembership(server.backend, st),
        appliedIndex: () => server.sm.appliedIndex,
        clusterId: server.clusterId,
        listenPeerUrls: cfg.listenPeerUrls ?? self.peerUrls,
        applied,
        heartbeatMs: cfg.heartbeatMs,
        electionMs: cfg.electionMs,
        clientUrls: () => cfg.advertiseClientUrls,
        logger: cfg.logger,
      });
      // as etcd: a new leader gives every lease a full TTL again
      raft.onLeaderChange = (leader) => {
        if (leader) for (const l of server.sm.leases.all()) server.lessor.track(l.id, l.ttl);
      };
      raft.onLeaseRenew = (id) => void (server.sm.leases.get(id) && server.lessor.renew(id));
      log = raft;
    } else log = new SingleNodeLog(wal, Math.max(state.lastIndex, server.sm.appliedIndex));
    log.onCommit = (entries) => server.applyCommitted(entries);
    server.log = log;
    for (const l of server.sm.leases.all()) server.lessor.track(l.id, l.ttl);
    server.registerGauges();
    // Like a newly elected Raft leader, start the term with an empty entry: the log index moves
    // on every start, as etcd's does.
    if (!raft) await server.propose({ noop: {} }); // (a Raft leader appends its own)
    server.lessorTimer = setInterval(() => server.revokeExpiredLeases(), 500);
    server.lessorTimer.unref();
    server.flushTimer = setInterval(() => void server.flushBackend(raft ? undefined : wal), 1000);
    server.flushTimer.unref();
    if (raft) await raft.start();
    return server;
  }

  /** Gauges read at scrape time, under etcd's metric names. */
  private registerGauges(): void {
    const m = this.metrics;
    m.gauge(
      'etcd_server_has_leader',
      'Whether or not a leader exists. 1 is existence, 0 is not.',
      () => (this.log instanceof RaftLog ? (this.log.leader !== 0n ? 1 : 0) : 1),
    );
    m.gauge(
      'etcd_server_is_leader',
      'Whether or not this member is a leader. 1 if is, 0 otherwise.',
      () => (this.log.isLeader ? 1 : 0),
    );
    m.gauge(
      'etcd_server_quota_backend_bytes',
      'Current backend storage quota size in bytes.',
      () => this.cfg.quotaBackendBytes,
    );
    m.gauge(
      'etcd_mvcc_db_total_size_in_bytes',
      'Total size of the underlying database physically allocated in bytes.',
      () => this.backend.sizeOnDisk(),
    );
    m.gauge(
      'etcd_mvcc_db_total_size_in_use_in_bytes',
      'Total size of the underlying database logically in use in bytes.',
      () => this.backend.sizeInUse(),
    );
    m.gauge('etcd_debugging_mvcc_keys_total', 'Total number of keys.', () => this.sm.kv.keyCount);
    m.gauge(
      'etcd_debugging_mvcc_watcher_total',
      'Total number of watchers.',
      () => this.watches.watcherCount,
    );
    m.gauge(
      'etcd_debugging_mvcc_slow_watcher_total',
      'Total number of unsynced slow watchers.',
      () => this.watches.unsyncedCount,
    );
    m.gauge(
      'etcd_debugging_mvcc_compact_revision',
      'The revision of the last compaction in store.',
      () => this.sm.kv.compactRevision,
    );
    m.gauge(
      'etcd_server_proposals_pending',
      'The current number of pending proposals to commit.',
      () => this.pending.size,
    );
    m.gauge('etcd_debugging_lease_total', 'The number of leases.', () => this.lessor.size);
    m.gauge(
      'etcd_server_version',
      'Which version is running. 1 for server_version label with current version.',
      () => 1,
      { server_version: SERVER_VERSION },
    );
  }

  // ---------------------------------------------------------------- header

  private clusterIdLong: Long | undefined;
  private memberIdLong: Long | undefined;

  get raftTerm(): number {
    return this.log ? this.log.term : 1;
  }

  header(revision?: number): etcdserverpb.IResponseHeader {
    // the ids never change: build their Long values once, not per response
    this.clusterIdLong ??= long(this.clusterId);
    this.memberIdLong ??= long(this.memberId);
    return {
      clusterId: this.clusterIdLong,
      memberId: this.memberIdLong,
      revision: revision ?? this.sm.kv.currentRevision,
      raftTerm: this.log ? this.log.term : 1,
    };
  }

  // ---------------------------------------------------------------- proposals

  /** Proposes a request through the log and waits for its outcome. */
  async propose(req: concordpb.IInternalRequest): Promise<unknown> {
    if (this.stopped) throw Errors.stopped();
    if (this.maintenance) await this.maintenance;
    // member bits (16) | counter (48), as two 32-bit halves: numbers, not BigInt arithmetic
    // (the counter stays far below 2^53, where numbers are exact)
    const counter = this.nextProposalId++;
    const high = (this.proposalIdHighPrefix | Math.floor(counter / 4294967296)) >>> 0;
    const idLong = Long.fromBits(counter >>> 0, high, true);
    req.id = idLong;
    req.timeMs = Date.now();
    const encoded = concordpb.InternalRequest.encode(req).finish();
    if (encoded.length > this.cfg.maxRequestBytes) throw Errors.requestTooLarge();
    // In a cluster the entry stays in the in-memory Raft log until a snapshot compacts it (up to
    // --snapshot-count entries later): a slice of node's Buffer pool would keep its whole 8 KiB
    // pool alive that long (see ownBuffer)
    const data = ownBuffer(encoded);
    const key = this.ownProposal(idLong)!;
    let resolve!: (o: ApplyOutcome) => void;
    const outcome = new Promise<ApplyOutcome>((r) => (resolve = r));
    // outside the promise: a key the table refuses (ids only increase) fails the request here,
    // before its entry is proposed, not after as a rejection nobody awaits yet
    this.pending.set(key, { resolve });
    try {
      await this.log.propose([data]);
    } catch (err) {
      this.pending.take(key);
      if (err instanceof EtcdError) throw err; // timeout, leader changed (cluster)
      this.cfg.logger.fatal({ err }, 'log append failed; stopping');
      void this.stop();
      throw Errors.stopped();
    }
    const o = await outcome;
    if (o.error) throw o.error;
    return o.response;
  }

  /**
   * A proposal id's key in `pending`: its 48-bit counter (a number, exact) when this member's
   * prefix made it; undefined for another member's proposal, which none of ours can be.
   */
  private ownProposal(id: Long | number | null | undefined): number | undefined {
    if (id === null || id === undefined) return undefined;
    const high = typeof id === 'number' ? Math.floor(id / 4294967296) >>> 0 : id.high >>> 0;
    const low = typeof id === 'number' ? id >>> 0 : id.low >>> 0;
    if ((high & 0xffff0000) >>> 0 !== this.proposalIdHighPrefix) return undefined;
    return (high & 0xffff) * 4294967296 + low;
  }

  private applyCommitted(entries: CommittedEntry[]): void {
    const batch: LogEntry[] = entries.map((e) => ({
      index: e.index,
      term: e.term,
      // always decode, even what this member proposed: every member must apply exactly the
      // bytes in the log (a request object can differ, e.g. a signed Long for a uint64 id)
      request: concordpb.InternalRequest.decode(e.data),
    }));
    let result: { outcomes: ApplyOutcome[]; events: MvccEvent[] };
    try {
      result = this.sm.apply(batch);
    } catch (err) {
      // A failed apply would let replicas diverge: stop rather than continue.
      this.cfg.logger.fatal({ err }, 'apply failed; stopping');
      process.exit(2);
    }
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i].request;
      const o = result.outcomes[i];
      if (!o.error) this.afterApply(r, o);
      const key = this.ownProposal(r.id);
      const p = key === undefined ? undefined : this.pending.take(key);
      if (p) p.resolve(o);
    }
    this.metrics.applied(batch.length, this.sm.kv.currentRevision);
    this.watches.notify(result.events);
    if (this.appliedWaiters.length > 0) {
      const applied = this.sm.appliedIndex;
      this.appliedWaiters = this.appliedWaiters.filter((w) => {
        if (w.index > applied) return true;
        w.resolve();
        return false;
      });
    }
  }

  /** Effects outside the state machine of an applied request (the lessor's clock). */
  private afterApply(r: concordpb.IInternalRequest, o: ApplyOutcome): void {
    if (r.leaseGrant) {
      const resp = o.response as etcdserverpb.ILeaseGrantResponse;
      this.lessor.track(big(resp.ID), num(resp.TTL));
    } else if (r.leaseRevoke) {
      this.lessor.forget(big(r.leaseRevoke.ID));
    }
  }

  /** Waits until everything committed when the read began is applied (linearizable read). */
  async linearizableBarrier(): Promise<void> {
    const index = await this.log.readIndex();
    if (this.sm.appliedIndex >= index) return;
    await new Promise<void>((resolve) => this.appliedWaiters.push({ index, resolve }));
  }

  // ---------------------------------------------------------------- KV

  private async backendReady(): Promise<void> {
    while (this.maintenance) await this.maintenance;
  }

  async range(r: etcdserverpb.IRangeRequest): Promise<etcdserverpb.IRangeResponse> {
    if (this.maintenance) await this.backendReady();
    if (!r.serializable) await this.linearizableBarrier();
    const resp = this.sm.range(r);
    resp.header = this.header(num(resp.header?.revision));
    return resp;
  }

  private checkQuota(cost: number): void {
    if (this.sm.hasNoSpaceAlarm()) throw Errors.noSpace();
    if (this.backend.sizeOnDiskCached() + cost > this.cfg.quotaBackendBytes) {
      void this.activateAlarm(etcdserverpb.AlarmType.NOSPACE);
      throw Errors.noSpace();
    }
  }

  private async activateAlarm(type: etcdserverpb.AlarmType): Promise<void> {
    if (this.sm.alarms().some((a) => a.alarm === type)) return;
    this.cfg.logger.warn({ alarm: type }, 'activating alarm');
    await this.propose({
      alarm: {
        action: etcdserverpb.AlarmRequest.AlarmAction.ACTIVATE,
        memberID: long(this.memberId),
        alarm: type,
      },
    }).catch(() => undefined);
  }

  async put(r: etcdserverpb.IPutRequest): Promise<etcdserverpb.IPutResponse> {
    this.checkQuota((r.key?.length ?? 0) + (r.value?.length ?? 0));
    const resp = (await this.propose({ put: r })) as etcdserverpb.IPutResponse;
    resp.header = this.header(num(resp.header?.revision));
    return resp;
  }

  async deleteRange(
    r: etcdserverpb.IDeleteRangeRequest,
  ): Promise<etcdserverpb.IDeleteRangeResponse> {
    const resp = (await this.propose({ deleteRange: r })) as etcdserverpb.IDeleteRangeResponse;
    resp.header = this.header(num(resp.header?.revision));
    return resp;
  }

  async txn(r: etcdserverpb.ITxnRequest): Promise<etcdserverpb.ITxnResponse> {
    if (isReadOnlyTxn(r)) {
      // as etcd: a read-only txn is served locally after a linearizable barrier, not logged
      await this.linearizableBarrier();
      if (this.maintenance) await this.backendReady();
      const t = this.sm.readTxn(r);
      t.header = this.header(num(t.header?.revision));
      return t;
    }
    this.checkQuota(txnPutBytes(r));
    const resp = (await this.propose({ txn: r })) as etcdserverpb.ITxnResponse;
    resp.header = this.header(num(resp.header?.revision));
    return resp;
  }

  async compact(r: etcdserverpb.ICompactionRequest): Promise<etcdserverpb.ICompactionResponse> {
    const resp = (await this.propose({ compaction: r })) as etcdserverpb.ICompactionResponse;
    resp.header = this.header(num(resp.header?.revision));
    return resp;
  }

  // ---------------------------------------------------------------- leases

  async leaseGrant(r: etcdserverpb.ILeaseGrantRequest): Promise<etcdserverpb.ILeaseGrantResponse> {
    if (num(r.TTL) > Limits.maxLeaseTtlSeconds) throw Errors.leaseTTLTooLarge();
    this.checkQuota(16);
    let id = big(r.ID);
    if (id === 0n) {
      // as etcd: the proposer picks the ID, so apply stays deterministic
      do id = crypto.randomBytes(8).readBigInt64BE(0) & ((1n << 63n) - 1n);
      while (id === 0n || this.sm.leases.get(id));
    }
    const resp = (await this.propose({
      leaseGrant: { TTL: r.TTL, ID: long(id) },
    })) as etcdserverpb.ILeaseGrantResponse;
    resp.header = this.header();
    return resp;
  }

  async leaseRevoke(
    r: etcdserverpb.ILeaseRevokeRequest,
  ): Promise<etcdserverpb.ILeaseRevokeResponse> {
    const resp = (await this.propose({
      leaseRevoke: { ID: r.ID },
    })) as etcdserverpb.ILeaseRevokeResponse;
    resp.header = this.header(num(resp.header?.revision));
    return resp;
  }

  leaseKeepAlive(id: bigint): etcdserverpb.ILeaseKeepAliveResponse {
    const info = this.sm.leases.get(id);
    // cluster follower: the leader's lessor decides; forward, answer with the full TTL (the
    // leader revokes a lease that had already expired there, and later keep-alives get 0)
    if (info && this.log instanceof RaftLog && this.log.forwardLeaseRenew(id)) {
      this.lessor.track(id, info.ttl);
      return { header: this.header(), ID: long(id), TTL: info.ttl };
    }
    const ttl = info ? this.lessor.renew(id) : 0;
    return { header: this.header(), ID: long(id), TTL: ttl };
  }

  async leaseTimeToLive(
    r: etcdserverpb.ILeaseTimeToLiveRequest,
  ): Promise<etcdserverpb.ILeaseTimeToLiveResponse> {
    await this.linearizableBarrier();
    await this.backendReady();
    const id = big(r.ID);
    const info = this.sm.leases.get(id);
    if (!info) return { header: this.header(), ID: long(id), TTL: -1 };
    const resp: etcdserverpb.ILeaseTimeToLiveResponse = {
      header: this.header(),
      ID: long(id),
      TTL: this.lessor.remaining(id),
      grantedTTL: info.ttl,
    };
    if (r.keys) resp.keys = this.sm.leases.keys(id);
    return resp;
  }

  async leaseLeases(): Promise<etcdserverpb.ILeaseLeasesResponse> {
    await this.linearizableBarrier();
    return { header: this.header(), leases: this.sm.leases.all().map((l) => ({ ID: long(l.id) })) };
  }

  private revokeExpiredLeases(): void {
    if (this.stopped || !this.log.isLeader) return;
    for (const id of this.lessor.takeExpired(500)) {
      this.propose({ leaseRevoke: { ID: long(id) } }).catch((err: unknown) => {
        if (err instanceof EtcdError && err.message === Errors.leaseNotFound().message) {
          this.lessor.forget(id);
        } else this.lessor.retry(id);
      });
    }
  }

  // ---------------------------------------------------------------- maintenance

  status(): etcdserverpb.IStatusResponse {
    return {
      header: this.header(),
      version: SERVER_VERSION,
      dbSize: this.backend.sizeOnDisk(),
      leader: long(this.log instanceof RaftLog ? this.log.leader : this.memberId),
      raftIndex: this.log.commitIndex,
      raftTerm: this.log.term,
      raftAppliedIndex: this.sm.appliedIndex,
      dbSizeInUse: this.backend.sizeInUse(),
      isLearner: this.log instanceof RaftLog ? this.log.isLearner : false,
      errors: this.sm.alarms().map((a) => `memberID:${a.memberID} alarm:${alarmName(a.alarm)} `),
      dbSizeQuota: this.cfg.quotaBackendBytes,
    };
  }

  async alarm(r: etcdserverpb.IAlarmRequest): Promise<etcdserverpb.IAlarmResponse> {
    const A = etcdserverpb.AlarmRequest.AlarmAction;
    if ((r.action ?? A.GET) === A.GET) {
      await this.linearizableBarrier();
      return { header: this.header(), alarms: this.sm.alarms().map(toPbAlarm) };
    }
    const resp = (await this.propose({ alarm: r })) as etcdserverpb.IAlarmResponse;
    resp.header = this.header();
    return resp;
  }

  async hashKV(revision: number): Promise<etcdserverpb.IHashKVResponse> {
    await this.backendReady();
    const h = this.sm.kv.hashKV(revision);
    return {
      header: this.header(),
      hash: h.hash,
      compactRevision: h.compactRevision,
      hashRevision: h.hashRevision,
    };
  }

  /** Writes a consistent copy of the backend (without the WAL) to `file`. */
  async snapshotTo(file: string): Promise<void> {
    await this.backendReady();
    await this.backend.flush();
    await this.backend.backupTo(file);
  }

  /**
   * LMDB reuses freed pages itself; defragmenting means rewriting the file compactly so it
   * shrinks on disk. Writes wait meanwhile, as they do in etcd.
   */
  async defragment(): Promise<void> {
    while (this.maintenance) await this.maintenance;
    let release!: () => void;
    this.maintenance = new Promise<void>((r) => (release = r));
    this.backend.busy = true;
    try {
      // let proposals already in the log be applied before the file is swapped
      while (
        this.log.commitIndex < this.log.lastIndex ||
        this.sm.appliedIndex < this.log.commitIndex
      )
        await new Promise((r) => setTimeout(r, 1));
      await this.backend.defragment();
    } finally {
      this.backend.busy = false;
      this.maintenance = undefined;
      release();
      this.watches.resume();
    }
  }

  /** The cluster's Raft log (undefined for a single member without cluster state). */
  get raft(): RaftLog | undefined {
    return this.log instanceof RaftLog ? this.log : undefined;
  }

  /**
   * Cluster: replaces the backend with a leader's snapshot file (called by the Raft loop, which
   * applies nothing meanwhile). Readers and proposals wait, as during defragment.
   */
  async installSnapshot(snapPath: string): Promise<void> {
    while (this.maintenance) await this.maintenance;
    let release!: () => void;
    this.maintenance = new Promise<void>((r) => (release = r));
    this.backend.busy = true;
    const prevRev = this.sm.kv.currentRevision;
    try {
      await this.backend.replaceWith((tmp) => readSnapshotFile(snapPath, tmp));
      this.sm.reload();
      this.lastFlushedIndex = this.sm.appliedIndex;
      for (const l of this.sm.leases.all()) this.lessor.track(l.id, l.ttl);
    } finally {
      this.backend.busy = false;
      this.maintenance = undefined;
      release();
      this.watches.resync(prevRev);
    }
    const applied = this.sm.appliedIndex;
    this.appliedWaiters = this.appliedWaiters.filter((w) => {
      if (w.index > applied) return true;
      w.resolve();
      return false;
    });
  }

  memberList(): etcdserverpb.IMember[] {
    if (this.log instanceof RaftLog)
      return this.log.members().map((m) => ({
        ID: long(m.id),
        name: m.name,
        peerURLs: m.peerUrls,
        clientURLs: m.clientUrls,
        isLearner: m.isLearner,
      }));
    return [
      {
        ID: long(this.memberId),
        name: this.cfg.name,
        peerURLs: this.cfg.initialAdvertisePeerUrls,
        clientURLs: this.cfg.advertiseClientUrls,
        isLearner: false,
      },
    ];
  }

  /** Member ID of the current leader, 0n when there is none (a member cut off from a majority). */
  leaderId(): bigint {
    return this.log instanceof RaftLog ? this.log.leader : this.memberId;
  }

  backendSize(): number {
    return this.backend.sizeOnDisk();
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Flushes the backend, then lets the WAL drop segments whose entries are all in the flushed
   * backend. Until then the WAL is what makes an applied entry durable.
   */
  private async flushBackend(wal: Wal | undefined): Promise<void> {
    const applied = this.sm.appliedIndex;
    if (applied === this.lastFlushedIndex || this.stopped) return;
    try {
      await this.backend.flush();
      this.lastFlushedIndex = applied;
      // cluster mode: WAL segments are kept (Raft log compaction/snapshots are not built yet)
      if (wal) await wal.releaseTo(applied);
    } catch (err) {
      this.cfg.logger.error({ err }, 'backend flush failed');
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.lessorTimer) clearInterval(this.lessorTimer);
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.watches.close();
    await this.log.close().catch(() => undefined);
    await this.backend.close();
  }
}

/** Map key of a proposal id: its two 32-bit halves, without a bigint or decimal conversion. */

/** What a txn adds to the backend, as etcd's quota counts it: the keys and values it puts. */
function txnPutBytes(r: etcdserverpb.ITxnRequest): number {
  let n = 0;
  for (const op of [...(r.success ?? []), ...(r.failure ?? [])]) {
    if (op.requestPut) n += (op.requestPut.key?.length ?? 0) + (op.requestPut.value?.length ?? 0);
    else if (op.requestTxn) n += txnPutBytes(op.requestTxn);
  }
  return n;
}

function isReadOnlyTxn(r: etcdserverpb.ITxnRequest): boolean {
  const ops = [...(r.success ?? []), ...(r.failure ?? [])];
  return ops.every((op) =>
    op.requestRange ? true : op.requestTxn ? isReadOnlyTxn(op.requestTxn) : false,
  );
}

export function alarmName(a: number): string {
  return etcdserverpb.AlarmType[a] ?? String(a);
}
