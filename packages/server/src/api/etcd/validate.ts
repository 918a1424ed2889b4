import { etcdserverpb } from '@concord/proto';
import { Code, EtcdError, Errors, Limits } from '../../server/errors';
import { buf, num } from '../../server/pb';

/** Request checks etcd makes before a request reaches the server (v3rpc's key.go). */

export function checkRange(r: etcdserverpb.IRangeRequest): void {
  if (buf(r.key).length === 0) throw Errors.emptyKey();
  if (etcdserverpb.RangeRequest.SortOrder[r.sortOrder ?? 0] === undefined)
    throw Errors.invalidSortOption();
  if (etcdserverpb.RangeRequest.SortTarget[r.sortTarget ?? 0] === undefined)
    throw Errors.invalidSortOption();
}

export function checkPut(r: etcdserverpb.IPutRequest): void {
  const key = buf(r.key);
  if (key.length === 0) throw Errors.emptyKey();
  if (key.length > Limits.maxKeyBytes) throw Errors.keyTooLarge();
  if (r.ignoreValue && buf(r.value).length !== 0) throw Errors.valueProvided();
  if (r.ignoreLease && num(r.lease) !== 0) throw Errors.leaseProvided();
}

export function checkDeleteRange(r: etcdserverpb.IDeleteRangeRequest): void {
  if (buf(r.key).length === 0) throw Errors.emptyKey();
}

/**
 * Nesting limit for txns: the protobuf runtime stops at 100 message levels and each txn level
 * is two (TxnRequest, RequestOp), plus the log entry around it. etcd has no explicit limit.
 */
export const MAX_TXN_DEPTH = 32;

export function checkTxn(r: etcdserverpb.ITxnRequest, maxTxnOps: number, depth = 1): void {
  if (depth > MAX_TXN_DEPTH)
    throw new EtcdError(
      Code.INVALID_ARGUMENT,
      `etcdserver: txn nested more than ${MAX_TXN_DEPTH} levels deep`,
    );
  const tooMany = (n: number | undefined): boolean => (n ?? 0) > maxTxnOps;
  if (tooMany(r.compare?.length) || tooMany(r.success?.length) || tooMany(r.failure?.length))
    throw Errors.tooManyOps();
  for (const c of r.compare ?? []) if (buf(c.key).length === 0) throw Errors.emptyKey();
  for (const op of [...(r.success ?? []), ...(r.failure ?? [])]) {
    if (op.requestRange) checkRange(op.requestRange);
    else if (op.requestPut) checkPut(op.requestPut);
    else if (op.requestDeleteRange) checkDeleteRange(op.requestDeleteRange);
    else if (op.requestTxn) checkTxn(op.requestTxn, maxTxnOps, depth + 1);
  }
  checkIntervals(r.success ?? []);
  checkIntervals(r.failure ?? []);
}

/** A deleted interval [start, end); end undefined = the single key `start`; null = no end. */
interface Interval {
  start: Buffer;
  end: Buffer | undefined | null;
}

function covers(iv: Interval, key: Buffer): boolean {
  if (iv.end === undefined) return iv.start.equals(key);
  return Buffer.compare(key, iv.start) >= 0 && (iv.end === null || Buffer.compare(key, iv.end) < 0);
}

/**
 * etcd's duplicate-key rule for one branch of a txn (nested txns included): a key may be put
 * once, and may not be both put and deleted. The two branches of a nested txn exclude each
 * other, so the same key in both is fine.
 */
function checkIntervals(ops: etcdserverpb.IRequestOp[]): { puts: Set<string>; dels: Interval[] } {
  const dels: Interval[] = [];
  for (const op of ops) {
    const d = op.requestDeleteRange;
    if (!d) continue;
    const end = buf(d.rangeEnd);
    dels.push({
      start: buf(d.key),
      end: end.length === 0 ? undefined : end.length === 1 && end[0] === 0 ? null : end,
    });
  }
  const deleted = (k: string): boolean => dels.some((iv) => covers(iv, Buffer.from(k, 'latin1')));
  const puts = new Set<string>();
  for (const op of ops) {
    if (!op.requestTxn) continue;
    const then = checkIntervals(op.requestTxn.success ?? []);
    const other = checkIntervals(op.requestTxn.failure ?? []);
    for (const k of then.puts) {
      if (puts.has(k) || deleted(k)) throw Errors.duplicateKey();
      puts.add(k);
    }
    for (const k of other.puts) {
      if ((puts.has(k) && !then.puts.has(k)) || deleted(k)) throw Errors.duplicateKey();
      puts.add(k);
    }
    dels.push(...then.dels, ...other.dels);
  }
  for (const op of ops) {
    if (!op.requestPut) continue;
    const k = buf(op.requestPut.key).toString('latin1');
    if (puts.has(k) || deleted(k)) throw Errors.duplicateKey();
    puts.add(k);
  }
  return { puts, dels };
}
