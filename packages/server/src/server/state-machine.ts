import { concordpb, etcdserverpb } from '@concord/proto';
import { Backend } from '../backend/backend';
import { KvStore, PutOptions, WriteTxn } from '../mvcc/kv-store';
import { KeyValue, MvccError, MvccEvent, RangeQuery, rangeQuery } from '../mvcc/types';
import { LeaseStore } from '../lease/lease-store';
import { EtcdError, Errors } from './errors';
import { big, buf, long, num, toPbKv } from './pb';
import { ZnodeStore } from '../zk/znode-store';

const META_APPLIED_INDEX = 'server/applied_index';
const META_APPLIED_TERM = 'server/applied_term';
const META_ALARMS = 'server/alarms';

export interface LogEntry {
  index: number;
  term: number;
  request: concordpb.IInternalRequest;
}

/** What applying one entry produced for the client waiting on it. */
export interface ApplyOutcome {
  response?: unknown;
  error?: EtcdError;
}

export interface AlarmMember {
  memberID: string; // decimal uint64
  alarm: number;
}

/** put options of a request that asks for prev_kv (one object, not one per put) */
const WITH_PREV_KV: PutOptions = { prevKv: true };

export interface StateMachineOptions {
  /** leases granted with a smaller TTL get this one (etcd: ceil(1.5 × election timeout)) */
  minLeaseTtlSeconds: number;
}

/**
 * The deterministic state machine: applies log entries in order to the MVCC store, the lease
 * table and the alarm list. Nothing here reads a clock, a random source or the network; the
 * only time it knows is the proposer's `time_ms` carried in each entry. Every member applying
 * the same entries ends in the same state.
 */
export class StateMachine {
  readonly kv: KvStore;
  readonly leases: LeaseStore;
  /** ZooKeeper znodes and sessions (zk/znode-store.ts) */
  readonly zk: ZnodeStore;
  private applied: number;
  private appliedTerm: number;
  private alarmList: AlarmMember[];
  /**
   * Whether every put's event must carry the key's previous value: true while a watcher created
   * with prev_kv exists (the watch side's business, not state; the value is read during the apply,
   * before a compaction in the same batch can remove it).
   */
  eventsNeedPrevKv: () => boolean = () => false;

  constructor(
    readonly backend: Backend,
    private readonly opts: StateMachineOptions,
  ) {
    this.leases = new LeaseStore(backend);
    this.kv = new KvStore(backend, this.leases);
    this.zk = new ZnodeStore(backend, this.kv);
    this.zk.load(); // before serving: about 4 µs per znode, too long to pay on a first request
    this.applied = backend.getMetaNumber(META_APPLIED_INDEX);
    this.appliedTerm = backend.getMetaNumber(META_APPLIED_TERM);
    const a = backend.getMeta(META_ALARMS);
    this.alarmList = a ? (JSON.parse(a.toString()) as AlarmMember[]) : [];
  }

  /** Re-reads everything cached from the backend (after the backend file was replaced by a snapshot). */
  reload(): void {
    this.leases.reload();
    this.kv.reload();
    this.zk.reload();
    this.zk.load(); // still paused for the snapshot install, not on the next request
    this.applied = this.backend.getMetaNumber(META_APPLIED_INDEX);
    this.appliedTerm = this.backend.getMetaNumber(META_APPLIED_TERM);
    const a = this.backend.getMeta(META_ALARMS);
    this.alarmList = a ? (JSON.parse(a.toString()) as AlarmMember[]) : [];
  }

  get appliedIndex(): number {
    return this.applied;
  }

  get appliedTermValue(): number {
    return this.appliedTerm;
  }

  alarms(): AlarmMember[] {
    return this.alarmList.slice();
  }

  hasNoSpaceAlarm(): boolean {
    return this.alarmList.some((a) => a.alarm === etcdserverpb.AlarmType.NOSPACE);
  }

  /**
   * Applies a batch of entries in one backend transaction. Entries at or below the applied
   * index (replayed from the WAL after a restart) are skipped.
   */
  apply(entries: LogEntry[]): { outcomes: ApplyOutcome[]; events: MvccEvent[] } {
    const outcomes: ApplyOutcome[] = [];
    const events: MvccEvent[] = [];
    try {
      this.backend.write(() => {
        for (const e of entries) {
          if (e.index <= this.applied) {
            outcomes.push({});
            continue;
          }
          outcomes.push(this.applyOne(e.request, events));
          this.applied = e.index;
          this.appliedTerm = e.term;
        }
        this.zk.flushMeta();
        this.kv.persistRevision();
        this.backend.putMetaNumber(META_APPLIED_INDEX, this.applied);
        this.backend.putMetaNumber(META_APPLIED_TERM, this.appliedTerm);
      }, entries.length);
    } catch (err) {
      // the transaction is aborted (in the callback or at commit): so are its pending znode
      // writes, and the in-memory records and key index its writes may have updated
      this.kv.reload();
      this.zk.reload();
      throw err;
    }
    return { outcomes, events };
  }

  private applyOne(r: concordpb.IInternalRequest, events: MvccEvent[]): ApplyOutcome {
    try {
      if (r.put) return { response: this.write(events, (t) => this.put(t, r.put!)) };
      if (r.deleteRange)
        return { response: this.write(events, (t) => this.deleteRange(t, r.deleteRange!)) };
      if (r.txn) return { response: this.write(events, (t) => this.txn(t, r.txn!)) };
      if (r.compaction) return { response: this.compact(r.compaction) };
      if (r.leaseGrant) return { response: this.leaseGrant(r.leaseGrant) };
      if (r.leaseRevoke)
        return { response: this.write(events, (t) => this.leaseRevoke(t, r.leaseRevoke!)) };
      if (r.alarm) return { response: this.alarm(r.alarm) };
      if (r.zkOp || r.zkCreateSession || r.zkCloseSession)
        return { response: this.zk.apply(r, (fn) => this.write(events, fn)) };
      return { response: {} };
    } catch (err) {
      if (err instanceof EtcdError) return { error: err };
      if (err instanceof MvccError) return { error: mvccToEtcd(err) };
      throw err;
    }
  }

  /** Runs fn in a WriteTxn; its events join the batch only if fn succeeded. */
  private write<T>(events: MvccEvent[], fn: (t: WriteTxn) => T): T {
    const t = this.kv.beginWrite(this.eventsNeedPrevKv());
    const result = fn(t);
    t.commit();
    for (const ev of t.events) events.push(ev);
    return result;
  }

  private header(): etcdserverpb.IResponseHeader {
    return { revision: this.kv.currentRevision };
  }

  // ---- KV ----

  range(r: etcdserverpb.IRangeRequest): etcdserverpb.IRangeResponse {
    const q: RangeQuery = {
      key: buf(r.key),
      rangeEnd: buf(r.rangeEnd),
      limit: num(r.limit),
      revision: num(r.revision),
      sortOrder: r.sortOrder ?? 0,
      sortTarget: r.sortTarget ?? 0,
      keysOnly: !!r.keysOnly,
      countOnly: !!r.countOnly,
      minModRevision: num(r.minModRevision),
      maxModRevision: num(r.maxModRevision),
      minCreateRevision: num(r.minCreateRevision),
      maxCreateRevision: num(r.maxCreateRevision),
    };
    try {
      const res = this.kv.range(q);
      return {
        header: { revision: res.revision },
        kvs: res.kvs.map(toPbKv),
        more: res.more,
        count: res.count,
      };
    } catch (err) {
      if (err instanceof MvccError) throw mvccToEtcd(err);
      throw err;
    }
  }

  private checkPut(p: etcdserverpb.IPutRequest): KeyValue | undefined {
    const key = buf(p.key);
    let prev: KeyValue | undefined;
    if (p.ignoreValue || p.ignoreLease) {
      prev = this.kv.get(key);
      if (!prev) throw Errors.keyNotFound();
    }
    const lease = big(p.lease);
    if (!p.ignoreLease && lease !== 0n && !this.leases.get(lease)) throw Errors.leaseNotFound();
    return prev;
  }

  private put(t: WriteTxn, p: etcdserverpb.IPutRequest): etcdserverpb.IPutResponse {
    if (this.hasNoSpaceAlarm()) throw Errors.noSpace();
    const prev = this.checkPut(p);
    return this.doPut(t, p, prev);
  }

  private doPut(
    t: WriteTxn,
    p: etcdserverpb.IPutRequest,
    prevChecked: KeyValue | undefined,
  ): etcdserverpb.IPutResponse {
    const key = buf(p.key);
    const prev = prevChecked ?? (p.ignoreValue || p.ignoreLease ? this.kv.get(key) : undefined);
    const value = p.ignoreValue ? prev!.value : buf(p.value);
    const lease = p.ignoreLease ? prev!.lease : big(p.lease);
    const ev = t.put(key, value, lease, p.prevKv ? WITH_PREV_KV : undefined);
    const resp: etcdserverpb.IPutResponse = { header: { revision: t.revision } };
    if (p.prevKv && ev.prevKv) resp.prevKv = toPbKv(ev.prevKv);
    return resp;
  }

  private deleteRange(
    t: WriteTxn,
    d: etcdserverpb.IDeleteRangeRequest,
  ): etcdserverpb.IDeleteRangeResponse {
    const deleted = t.deleteRange(buf(d.key), buf(d.rangeEnd));
    const resp: etcdserverpb.IDeleteRangeResponse = {
      header: { revision: t.changed ? t.revision : t.revision - 1 },
      deleted: deleted.length,
    };
    if (d.prevKv) resp.prevKvs = deleted.map(toPbKv);
    return resp;
  }

  private txn(t: WriteTxn, r: etcdserverpb.ITxnRequest): etcdserverpb.ITxnResponse {
    // As etcd: evaluate every compare (nested ones too) on the state before the txn, check the
    // chosen ops, then execute them; one revision for all writes.
    const path = this.txnPath(r);
    this.checkTxnPath(r, path, 0);
    if (this.hasNoSpaceAlarm() && txnPathWrites(r, path, 0)) throw Errors.noSpace();
    const resp = this.execTxn(t, r, path, { i: 0 });
    resp.header = { revision: t.changed ? t.revision : t.revision - 1 };
    return resp;
  }

  /** A txn whose chosen ops are all ranges, served without the log. */
  readTxn(r: etcdserverpb.ITxnRequest): etcdserverpb.ITxnResponse {
    try {
      const path = this.txnPath(r);
      this.checkTxnPath(r, path, 0);
      const t = this.kv.beginWrite();
      const resp = this.execTxn(t, r, path, { i: 0 });
      resp.header = { revision: this.kv.currentRevision };
      return resp;
    } catch (err) {
      if (err instanceof MvccError) throw mvccToEtcd(err);
      throw err;
    }
  }

  /** Branch taken by each txn in depth-first order. */
  private txnPath(r: etcdserverpb.ITxnRequest): boolean[] {
    const path: boolean[] = [];
    const walk = (x: etcdserverpb.ITxnRequest): void => {
      const ok = (x.compare ?? []).every((c) => this.compare(c));
      path.push(ok);
      for (const op of (ok ? x.success : x.failure) ?? []) if (op.requestTxn) walk(op.requestTxn);
    };
    walk(r);
    return path;
  }

  private checkTxnPath(r: etcdserverpb.ITxnRequest, path: boolean[], at: number): number {
    const ok = path[at++];
    for (const op of (ok ? r.success : r.failure) ?? []) {
      if (op.requestPut) this.checkPut(op.requestPut);
      else if (op.requestRange) {
        const rev = num(op.requestRange.revision);
        if (rev > this.kv.currentRevision) throw Errors.futureRev();
        if (rev > 0 && rev < this.kv.compactRevision) throw Errors.compacted();
      } else if (op.requestTxn) at = this.checkTxnPath(op.requestTxn, path, at);
    }
    return at;
  }

  private execTxn(
    t: WriteTxn,
    r: etcdserverpb.ITxnRequest,
    path: boolean[],
    cursor: { i: number },
  ): etcdserverpb.ITxnResponse {
    const ok = path[cursor.i++];
    const responses: etcdserverpb.IResponseOp[] = [];
    for (const op of (ok ? r.success : r.failure) ?? []) {
      if (op.requestRange) {
        const rr = this.range(op.requestRange);
        rr.header = { revision: t.changed ? t.revision : t.revision - 1 };
        responses.push({ responseRange: rr });
      } else if (op.requestPut) {
        responses.push({ responsePut: this.doPut(t, op.requestPut, undefined) });
      } else if (op.requestDeleteRange) {
        responses.push({ responseDeleteRange: this.deleteRange(t, op.requestDeleteRange) });
      } else if (op.requestTxn) {
        const inner = this.execTxn(t, op.requestTxn, path, cursor);
        inner.header = {}; // etcd leaves a nested txn's header empty
        responses.push({ responseTxn: inner });
      }
    }
    return { succeeded: ok, responses };
  }

  private compare(c: etcdserverpb.ICompare): boolean {
    const key = buf(c.key);
    const end = buf(c.rangeEnd);
    const T = etcdserverpb.Compare.CompareTarget;
    const target = c.target ?? T.VERSION;
    const kvs =
      end.length === 0
        ? [this.kv.get(key)].filter((x): x is KeyValue => !!x)
        : this.kv.range(rangeQuery({ key, rangeEnd: end })).kvs;
    if (kvs.length === 0) {
      // etcd: a VALUE compare on a missing key always fails; others compare against zeros
      if (target === T.VALUE) return false;
      return compareKv(c, undefined);
    }
    return kvs.every((kv) => compareKv(c, kv));
  }

  private compact(c: etcdserverpb.ICompactionRequest): etcdserverpb.ICompactionResponse {
    this.kv.compact(num(c.revision));
    return { header: this.header() };
  }

  // ---- leases ----

  private leaseGrant(g: etcdserverpb.ILeaseGrantRequest): etcdserverpb.ILeaseGrantResponse {
    if (this.hasNoSpaceAlarm()) throw Errors.noSpace();
    const id = big(g.ID);
    if (this.leases.get(id)) throw Errors.leaseExist();
    const ttl = Math.max(num(g.TTL), this.opts.minLeaseTtlSeconds);
    this.leases.grant(id, ttl);
    return { header: this.header(), ID: long(id), TTL: ttl, error: '' };
  }

  private leaseRevoke(
    t: WriteTxn,
    r: etcdserverpb.ILeaseRevokeRequest,
  ): etcdserverpb.ILeaseRevokeResponse {
    const id = big(r.ID);
    if (!this.leases.get(id)) throw Errors.leaseNotFound();
    for (const key of this.leases.keys(id)) t.deleteRange(key, Buffer.alloc(0));
    this.leases.remove(id);
    return { header: { revision: t.changed ? t.revision : t.revision - 1 } };
  }

  // ---- alarms ----

  private alarm(a: etcdserverpb.IAlarmRequest): etcdserverpb.IAlarmResponse {
    const A = etcdserverpb.AlarmRequest.AlarmAction;
    const member = big(a.memberID).toString();
    const type = a.alarm ?? 0;
    let changed: AlarmMember[] = [];
    if (a.action === A.ACTIVATE && type !== 0) {
      if (!this.alarmList.some((x) => x.memberID === member && x.alarm === type)) {
        this.alarmList.push({ memberID: member, alarm: type });
        changed = [{ memberID: member, alarm: type }];
      }
    } else if (a.action === A.DEACTIVATE) {
      const before = this.alarmList.length;
      this.alarmList = this.alarmList.filter(
        (x) => !(x.memberID === member && (type === 0 || x.alarm === type)),
      );
      if (this.alarmList.length !== before) changed = [{ memberID: member, alarm: type }];
    }
    this.backend.putMeta(META_ALARMS, Buffer.from(JSON.stringify(this.alarmList)));
    return { header: this.header(), alarms: changed.map(toPbAlarm) };
  }
}

export function toPbAlarm(a: AlarmMember): etcdserverpb.IAlarmMember {
  return { memberID: long(BigInt(a.memberID)), alarm: a.alarm };
}

function txnPathWrites(r: etcdserverpb.ITxnRequest, path: boolean[], at: number): boolean {
  let i = at;
  const walk = (x: etcdserverpb.ITxnRequest): boolean => {
    const ok = path[i++];
    let writes = false;
    for (const op of (ok ? x.success : x.failure) ?? []) {
      if (op.requestPut) writes = true;
      else if (op.requestTxn && walk(op.requestTxn)) writes = true;
    }
    return writes;
  };
  return walk(r);
}

function compareKv(c: etcdserverpb.ICompare, kv: KeyValue | undefined): boolean {
  const T = etcdserverpb.Compare.CompareTarget;
  let cmp: number;
  switch (c.target ?? T.VERSION) {
    case T.VALUE:
      cmp = Buffer.compare(kv ? kv.value : Buffer.alloc(0), buf(c.value));
      break;
    case T.CREATE:
      cmp = sign((kv?.createRevision ?? 0) - num(c.createRevision));
      break;
    case T.MOD:
      cmp = sign((kv?.modRevision ?? 0) - num(c.modRevision));
      break;
    case T.LEASE: {
      const a = kv?.lease ?? 0n;
      const b = big(c.lease);
      cmp = a < b ? -1 : a > b ? 1 : 0;
      break;
    }
    default:
      cmp = sign((kv?.version ?? 0) - num(c.version));
  }
  const R = etcdserverpb.Compare.CompareResult;
  switch (c.result ?? R.EQUAL) {
    case R.GREATER:
      return cmp > 0;
    case R.LESS:
      return cmp < 0;
    case R.NOT_EQUAL:
      return cmp !== 0;
    default:
      return cmp === 0;
  }
}

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

export function mvccToEtcd(err: MvccError): EtcdError {
  switch (err.code) {
    case 'compacted':
      return Errors.compacted();
    case 'future_rev':
      return Errors.futureRev();
    default:
      return Errors.keyNotFound();
  }
}
