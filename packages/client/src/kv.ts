import Long from 'long';
import { KVService } from '@concord/proto/grpc-services';
import type { etcdserverpb, mvccpb } from '@concord/proto';
import type { CallOptions, Connection } from './connection';
import { EmptyKeyError, InvalidArgumentError } from './errors';
import {
  Bytes,
  LeaseIdLike,
  asBuffer,
  prefixEnd,
  toBig,
  toBuffer,
  toLeaseId,
  toLong,
  toNum,
} from './util';

/** Response header. Revisions are JS numbers; cluster/member ids are bigint (uint64). */
export interface ResponseHeader {
  clusterId: bigint;
  memberId: bigint;
  revision: number;
  raftTerm: number;
}

export function toHeader(h: etcdserverpb.IResponseHeader | null | undefined): ResponseHeader {
  return {
    clusterId: toBig(h?.clusterId as Long | undefined),
    memberId: toBig(h?.memberId as Long | undefined),
    revision: toNum(h?.revision as Long | undefined),
    raftTerm: toNum(h?.raftTerm as Long | undefined),
  };
}

/** A key-value pair. `key`/`value` are Buffers; use keyString/valueString for UTF-8 text. */
export class KeyValue {
  constructor(
    readonly key: Buffer,
    readonly value: Buffer,
    readonly createRevision: number,
    readonly modRevision: number,
    readonly version: number,
    /** Lease id (bigint, 0n = no lease). */
    readonly lease: bigint,
  ) {}
  get keyString(): string {
    return this.key.toString('utf8');
  }
  get valueString(): string {
    return this.value.toString('utf8');
  }
  /** Parse the value as JSON. */
  json<T = unknown>(): T {
    return JSON.parse(this.valueString) as T;
  }
  static from(kv: mvccpb.IKeyValue): KeyValue {
    return new KeyValue(
      asBuffer(kv.key),
      asBuffer(kv.value),
      toNum(kv.createRevision as Long | undefined),
      toNum(kv.modRevision as Long | undefined),
      toNum(kv.version as Long | undefined),
      toLeaseId(kv.lease as Long | undefined),
    );
  }
}

export type SortTarget = 'key' | 'version' | 'create' | 'mod' | 'value';
export type SortOrder = 'none' | 'ascend' | 'descend';

/** Key range selection shared by get/delete/watch/compare. */
export interface RangeSelector {
  /** Treat `key` as a prefix. An empty key with prefix selects every key. */
  prefix?: boolean;
  /** Select every key >= `key`. */
  fromKey?: boolean;
  /** Explicit exclusive range end. */
  end?: Bytes;
}

export interface RangeOptions extends RangeSelector, CallOptions {
  limit?: number;
  /** Read at this revision (0 = latest). */
  revision?: number;
  sort?: { target?: SortTarget; order?: SortOrder };
  keysOnly?: boolean;
  countOnly?: boolean;
  minModRevision?: number;
  maxModRevision?: number;
  minCreateRevision?: number;
  maxCreateRevision?: number;
  /** Serializable (possibly stale, local) read. */
  serializable?: boolean;
}

export interface RangeResult {
  header: ResponseHeader;
  kvs: KeyValue[];
  more: boolean;
  count: number;
}

export interface PutOptions extends CallOptions {
  lease?: LeaseIdLike;
  prevKv?: boolean;
  ignoreValue?: boolean;
  ignoreLease?: boolean;
}

export interface PutResult {
  header: ResponseHeader;
  prevKv: KeyValue | null;
}

export interface DeleteOptions extends RangeSelector, CallOptions {
  prevKv?: boolean;
}

export interface DeleteResult {
  header: ResponseHeader;
  deleted: number;
  prevKvs: KeyValue[];
}

const SORT_TARGET: Record<SortTarget, number> = { key: 0, version: 1, create: 2, mod: 3, value: 4 };
const SORT_ORDER: Record<SortOrder, number> = { none: 0, ascend: 1, descend: 2 };

export function L(n: number | undefined): Long | undefined {
  if (n === undefined || n === 0) return undefined;
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected an integer, got ${n}`);
  return Long.fromNumber(n);
}

/** Compute [key, rangeEnd] for a selector. */
export function rangeOf(
  key: Bytes,
  sel: RangeSelector,
  what = 'key',
): { key: Buffer; rangeEnd?: Buffer } {
  if (key === undefined || key === null) throw new EmptyKeyError(`${what} is required`);
  const k = toBuffer(key);
  const n = (sel.prefix ? 1 : 0) + (sel.fromKey ? 1 : 0) + (sel.end !== undefined ? 1 : 0);
  if (n > 1) throw new InvalidArgumentError('prefix, fromKey and end are mutually exclusive');
  if (sel.prefix) {
    if (k.length === 0) return { key: Buffer.from([0]), rangeEnd: Buffer.from([0]) };
    return { key: k, rangeEnd: prefixEnd(k) };
  }
  if (sel.fromKey) {
    return { key: k.length === 0 ? Buffer.from([0]) : k, rangeEnd: Buffer.from([0]) };
  }
  if (k.length === 0) throw new EmptyKeyError(`${what} must not be empty`);
  if (sel.end !== undefined) return { key: k, rangeEnd: toBuffer(sel.end) };
  return { key: k };
}

export function buildRangeRequest(key: Bytes, o: RangeOptions = {}): etcdserverpb.IRangeRequest {
  const { key: k, rangeEnd } = rangeOf(key, o);
  const req: etcdserverpb.IRangeRequest = { key: k };
  if (rangeEnd) req.rangeEnd = rangeEnd;
  if (o.limit) req.limit = L(o.limit);
  if (o.revision) req.revision = L(o.revision);
  if (o.sort) {
    const t = o.sort.target ?? 'key';
    const ord = o.sort.order ?? 'ascend';
    if (!(t in SORT_TARGET)) throw new InvalidArgumentError(`invalid sort target ${t}`);
    if (!(ord in SORT_ORDER)) throw new InvalidArgumentError(`invalid sort order ${ord}`);
    req.sortTarget = SORT_TARGET[t];
    req.sortOrder = SORT_ORDER[ord];
  }
  if (o.keysOnly) req.keysOnly = true;
  if (o.countOnly) req.countOnly = true;
  if (o.serializable) req.serializable = true;
  if (o.minModRevision) req.minModRevision = L(o.minModRevision);
  if (o.maxModRevision) req.maxModRevision = L(o.maxModRevision);
  if (o.minCreateRevision) req.minCreateRevision = L(o.minCreateRevision);
  if (o.maxCreateRevision) req.maxCreateRevision = L(o.maxCreateRevision);
  return req;
}

export function buildPutRequest(
  key: Bytes,
  value: Bytes | undefined,
  o: PutOptions = {},
): etcdserverpb.IPutRequest {
  if (key === undefined || key === null) throw new EmptyKeyError('key is required');
  const k = toBuffer(key);
  if (k.length === 0) throw new EmptyKeyError('key must not be empty');
  const req: etcdserverpb.IPutRequest = { key: k };
  if (o.ignoreValue) {
    if (value !== undefined && toBuffer(value).length > 0)
      throw new InvalidArgumentError('value must be empty with ignoreValue');
  } else {
    if (value === undefined || value === null) throw new InvalidArgumentError('value is required');
    req.value = toBuffer(value);
  }
  if (o.lease !== undefined && o.lease !== 0n && o.lease !== 0 && o.lease !== '0') {
    if (o.ignoreLease)
      throw new InvalidArgumentError('lease and ignoreLease are mutually exclusive');
    req.lease = toLong(o.lease);
  }
  if (o.prevKv) req.prevKv = true;
  if (o.ignoreValue) req.ignoreValue = true;
  if (o.ignoreLease) req.ignoreLease = true;
  return req;
}

export function buildDeleteRequest(
  key: Bytes,
  o: DeleteOptions = {},
): etcdserverpb.IDeleteRangeRequest {
  const { key: k, rangeEnd } = rangeOf(key, o);
  const req: etcdserverpb.IDeleteRangeRequest = { key: k };
  if (rangeEnd) req.rangeEnd = rangeEnd;
  if (o.prevKv) req.prevKv = true;
  return req;
}

export function toRangeResult(r: etcdserverpb.IRangeResponse): RangeResult {
  return {
    header: toHeader(r.header),
    kvs: (r.kvs ?? []).map(KeyValue.from),
    more: !!r.more,
    count: toNum(r.count as Long | undefined),
  };
}
export function toPutResult(r: etcdserverpb.IPutResponse): PutResult {
  return { header: toHeader(r.header), prevKv: r.prevKv ? KeyValue.from(r.prevKv) : null };
}
export function toDeleteResult(r: etcdserverpb.IDeleteRangeResponse): DeleteResult {
  return {
    header: toHeader(r.header),
    deleted: toNum(r.deleted as Long | undefined),
    prevKvs: (r.prevKvs ?? []).map(KeyValue.from),
  };
}

// ---------------------------------------------------------------- Txn

export type CompareOp = '=' | '==' | '!=' | '<' | '>';
export type CompareTarget = 'value' | 'version' | 'createRevision' | 'modRevision' | 'lease';

export interface Compare {
  readonly kind: 'compare';
  key: Bytes;
  target: CompareTarget;
  op: CompareOp;
  operand: Bytes | number | bigint | string;
  range?: RangeSelector;
}

const CMP_RESULT: Record<CompareOp, number> = { '=': 0, '==': 0, '>': 1, '<': 2, '!=': 3 };
const CMP_TARGET: Record<CompareTarget, number> = {
  version: 0,
  createRevision: 1,
  modRevision: 2,
  value: 3,
  lease: 4,
};

function mkCmp(target: CompareTarget) {
  return (
    key: Bytes,
    op: CompareOp,
    operand: Bytes | number | bigint,
    range?: RangeSelector,
  ): Compare => {
    if (!(op in CMP_RESULT)) throw new InvalidArgumentError(`invalid compare operator ${op}`);
    return { kind: 'compare', key, target, op, operand, range };
  };
}

/** Compare constructors: `cmp.value('k', '=', 'v')`, `cmp.version('k', '>', 0)`, ... */
export const cmp = {
  value: mkCmp('value') as (
    key: Bytes,
    op: CompareOp,
    value: Bytes,
    range?: RangeSelector,
  ) => Compare,
  version: mkCmp('version') as (
    key: Bytes,
    op: CompareOp,
    version: number,
    range?: RangeSelector,
  ) => Compare,
  createRevision: mkCmp('createRevision') as (
    key: Bytes,
    op: CompareOp,
    rev: number,
    range?: RangeSelector,
  ) => Compare,
  modRevision: mkCmp('modRevision') as (
    key: Bytes,
    op: CompareOp,
    rev: number,
    range?: RangeSelector,
  ) => Compare,
  lease: mkCmp('lease') as (
    key: Bytes,
    op: CompareOp,
    lease: LeaseIdLike,
    range?: RangeSelector,
  ) => Compare,
};

export type Op =
  | { readonly kind: 'get'; key: Bytes; options: RangeOptions }
  | { readonly kind: 'put'; key: Bytes; value: Bytes | undefined; options: PutOptions }
  | { readonly kind: 'delete'; key: Bytes; options: DeleteOptions }
  | { readonly kind: 'txn'; txn: TxnSpec };

/** Operation constructors for txn branches. */
export const op = {
  get: (key: Bytes, options: RangeOptions = {}): Op => ({ kind: 'get', key, options }),
  put: (key: Bytes, value: Bytes | undefined, options: PutOptions = {}): Op => ({
    kind: 'put',
    key,
    value,
    options,
  }),
  delete: (key: Bytes, options: DeleteOptions = {}): Op => ({ kind: 'delete', key, options }),
  txn: (t: TxnSpec | Txn): Op => ({ kind: 'txn', txn: t instanceof Txn ? t.spec() : t }),
};

export interface TxnSpec {
  compare: Compare[];
  success: Op[];
  failure: Op[];
}

export type OpResponse =
  | { kind: 'get'; get: RangeResult }
  | { kind: 'put'; put: PutResult }
  | { kind: 'delete'; delete: DeleteResult }
  | { kind: 'txn'; txn: TxnResult };

export interface TxnResult {
  header: ResponseHeader;
  succeeded: boolean;
  responses: OpResponse[];
}

function buildCompare(c: Compare): etcdserverpb.ICompare {
  const { key, rangeEnd } = c.range ? rangeOf(c.key, c.range) : rangeOf(c.key, {});
  const out: etcdserverpb.ICompare = {
    key,
    result: CMP_RESULT[c.op],
    target: CMP_TARGET[c.target],
  };
  if (rangeEnd) out.rangeEnd = rangeEnd;
  switch (c.target) {
    case 'value':
      out.value = toBuffer(c.operand as Bytes);
      break;
    case 'version':
      out.version = Long.fromNumber(Number(c.operand));
      break;
    case 'createRevision':
      out.createRevision = Long.fromNumber(Number(c.operand));
      break;
    case 'modRevision':
      out.modRevision = Long.fromNumber(Number(c.operand));
      break;
    case 'lease':
      out.lease = toLong(c.operand as LeaseIdLike);
      break;
  }
  return out;
}

function buildOp(o: Op): etcdserverpb.IRequestOp {
  switch (o.kind) {
    case 'get':
      return { requestRange: buildRangeRequest(o.key, o.options) };
    case 'put':
      return { requestPut: buildPutRequest(o.key, o.value, o.options) };
    case 'delete':
      return { requestDeleteRange: buildDeleteRequest(o.key, o.options) };
    case 'txn':
      return { requestTxn: buildTxnRequest(o.txn) };
    default:
      throw new InvalidArgumentError(`invalid txn op ${(o as { kind: string }).kind}`);
  }
}

export function buildTxnRequest(t: TxnSpec): etcdserverpb.ITxnRequest {
  return {
    compare: t.compare.map(buildCompare),
    success: t.success.map(buildOp),
    failure: t.failure.map(buildOp),
  };
}

export function isReadOnlyTxn(t: TxnSpec): boolean {
  const ro = (ops: Op[]): boolean =>
    ops.every((o) => o.kind === 'get' || (o.kind === 'txn' && isReadOnlyTxn(o.txn)));
  return ro(t.success) && ro(t.failure);
}

export function toTxnResult(r: etcdserverpb.ITxnResponse): TxnResult {
  return {
    header: toHeader(r.header),
    succeeded: !!r.succeeded,
    responses: (r.responses ?? []).map((x): OpResponse => {
      if (x.responseRange) return { kind: 'get', get: toRangeResult(x.responseRange) };
      if (x.responsePut) return { kind: 'put', put: toPutResult(x.responsePut) };
      if (x.responseDeleteRange)
        return { kind: 'delete', delete: toDeleteResult(x.responseDeleteRange) };
      if (x.responseTxn) return { kind: 'txn', txn: toTxnResult(x.responseTxn) };
      throw new InvalidArgumentError('unknown txn response op');
    }),
  };
}

/** Fluent transaction builder: `kv.txn().if(...).then(...).else(...).commit()`. */
export class Txn {
  private cmps: Compare[] = [];
  private ok: Op[] = [];
  private ko: Op[] = [];
  private stage = 0;
  constructor(private readonly kv: KV | null) {}

  if(...compares: Compare[]): this {
    if (this.stage > 0) throw new InvalidArgumentError('txn: if() must come before then()/else()');
    for (const c of compares)
      if (!c || c.kind !== 'compare')
        throw new InvalidArgumentError('txn: if() takes Compare values (use cmp.*)');
    this.cmps.push(...compares);
    return this;
  }
  then(...ops: Op[]): this {
    if (this.stage > 1) throw new InvalidArgumentError('txn: then() must come before else()');
    this.stage = 1;
    this.ok.push(...ops);
    return this;
  }
  else(...ops: Op[]): this {
    this.stage = 2;
    this.ko.push(...ops);
    return this;
  }
  spec(): TxnSpec {
    return { compare: [...this.cmps], success: [...this.ok], failure: [...this.ko] };
  }
  commit(options: CallOptions = {}): Promise<TxnResult> {
    if (!this.kv)
      throw new InvalidArgumentError('nested txn builder cannot be committed; pass it to op.txn()');
    return this.kv.txnRaw(this.spec(), options);
  }
}

export class KV {
  constructor(private readonly conn: Connection) {}

  /** Range request with every option. */
  async range(key: Bytes, options: RangeOptions = {}): Promise<RangeResult> {
    const req = buildRangeRequest(key, options);
    const res = await this.conn.unary<etcdserverpb.RangeResponse>(KVService.Range, req, {
      ...options,
      idempotent: true,
    });
    return toRangeResult(res);
  }

  /** Get a single key (or the first of a range). Returns null if absent. */
  async get(key: Bytes, options: RangeOptions = {}): Promise<KeyValue | null> {
    const r = await this.range(key, options);
    return r.kvs[0] ?? null;
  }

  /** Get all keys under a prefix. */
  async getPrefix(prefix: Bytes, options: Omit<RangeOptions, 'prefix'> = {}): Promise<KeyValue[]> {
    return (await this.range(prefix, { ...options, prefix: true })).kvs;
  }

  async put(key: Bytes, value: Bytes, options: PutOptions = {}): Promise<PutResult> {
    const req = buildPutRequest(key, value, options);
    const res = await this.conn.unary<etcdserverpb.PutResponse>(KVService.Put, req, {
      ...options,
      idempotent: false,
    });
    return toPutResult(res);
  }

  async delete(key: Bytes, options: DeleteOptions = {}): Promise<DeleteResult> {
    const req = buildDeleteRequest(key, options);
    const res = await this.conn.unary<etcdserverpb.DeleteRangeResponse>(
      KVService.DeleteRange,
      req,
      { ...options, idempotent: false },
    );
    return toDeleteResult(res);
  }

  /** Compact the key-value history up to `revision`. */
  async compact(
    revision: number,
    options: CallOptions & { physical?: boolean } = {},
  ): Promise<ResponseHeader> {
    const res = await this.conn.unary<etcdserverpb.CompactionResponse>(
      KVService.Compact,
      { revision: L(revision), physical: !!options.physical },
      { ...options, idempotent: true },
    );
    return toHeader(res.header);
  }

  txn(): Txn {
    return new Txn(this);
  }

  async txnRaw(spec: TxnSpec, options: CallOptions = {}): Promise<TxnResult> {
    const req = buildTxnRequest(spec);
    const res = await this.conn.unary<etcdserverpb.TxnResponse>(KVService.Txn, req, {
      ...options,
      idempotent: isReadOnlyTxn(spec),
    });
    return toTxnResult(res);
  }
}
