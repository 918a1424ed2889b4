import Long from 'long';
import { CancelledError, DeadlineExceededError, EtcdError, InvalidArgumentError } from './errors';

export type Bytes = string | Buffer | Uint8Array;

export function toBuffer(v: Bytes): Buffer {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  throw new InvalidArgumentError(`expected string or Buffer, got ${typeof v}`);
}

export function asBuffer(v: Uint8Array | null | undefined): Buffer {
  if (!v) return Buffer.alloc(0);
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** The smallest key greater than every key having `prefix` as prefix (etcd's GetPrefixRangeEnd). */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i] = end[i] + 1;
      return end.subarray(0, i + 1);
    }
  }
  // prefix is all 0xff (or empty): range to the end of the keyspace
  return Buffer.from([0]);
}

export type LongLike = Long | number | string | bigint | null | undefined;

/** int64/uint64 field -> JS number (revisions, counts). */
export function toNum(v: LongLike): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') return Number(v);
  return (v as Long).toNumber();
}

/** int64/uint64 field -> bigint (lease ids, member ids). */
export function toBig(v: LongLike): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'string') return BigInt(v);
  return BigInt((v as Long).toString());
}

/** Lease IDs are accepted as bigint, decimal string or (safe) number. */
export type LeaseIdLike = bigint | string | number;

export function toLong(v: LeaseIdLike | Long, unsigned = false): Long {
  if (Long.isLong(v)) return v as Long;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new InvalidArgumentError(`not a safe integer: ${v}`);
    return Long.fromNumber(v, unsigned);
  }
  let s = String(v);
  if (!/^-?\d+$/.test(s)) throw new InvalidArgumentError(`not an integer: ${s}`);
  let b = BigInt(s);
  // allow unsigned 64-bit values for signed fields (two's complement) and vice versa
  if (!unsigned && b >= 1n << 63n) b -= 1n << 64n;
  if (unsigned && b < 0n) b += 1n << 64n;
  s = b.toString();
  return Long.fromString(s, unsigned, 10);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(abortReason(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortReason(signal: AbortSignal): EtcdError {
  const r = signal.reason;
  if (r instanceof CancelledError || r instanceof DeadlineExceededError) return r;
  if (r && (r as Error).name === 'TimeoutError')
    return new DeadlineExceededError('operation timed out');
  if (r instanceof Error && r.name !== 'AbortError') {
    const e = new CancelledError(`operation aborted: ${r.message}`);
    (e as { cause?: unknown }).cause = r;
    return e;
  }
  return new CancelledError('operation aborted');
}

/** Jittered exponential backoff ("full jitter" on top of half the window). */
export function backoffDelay(attempt: number, baseMs = 50, maxMs = 2000): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16));
  return Math.round(exp / 2 + Math.random() * (exp / 2));
}

/** Combine signals (any abort aborts the result). Returns the signal and a dispose fn. */
export function combineSignals(...signals: Array<AbortSignal | undefined>): {
  signal: AbortSignal;
  dispose: () => void;
} {
  const ctrl = new AbortController();
  const cleanups: Array<() => void> = [];
  for (const s of signals) {
    if (!s) continue;
    if (s.aborted) {
      ctrl.abort(s.reason);
      break;
    }
    const on = () => ctrl.abort(s.reason);
    s.addEventListener('abort', on, { once: true });
    cleanups.push(() => s.removeEventListener('abort', on));
  }
  return { signal: ctrl.signal, dispose: () => cleanups.forEach((c) => c()) };
}

/** Parse durations like "5s", "1m30s", "250ms", "1h", "2.5s" or a bare number of ms. Returns ms. */
export function parseDuration(s: string): number {
  const str = s.trim();
  if (/^-?\d+(\.\d+)?$/.test(str)) return Number(str);
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/g;
  let total = 0;
  let consumed = 0;
  let m: RegExpExecArray | null;
  const neg = str.startsWith('-');
  const body = neg ? str.slice(1) : str;
  while ((m = re.exec(body))) {
    if (m.index !== consumed) throw new InvalidArgumentError(`invalid duration: ${s}`);
    consumed = m.index + m[0].length;
    const n = Number(m[1]);
    const unit = m[2];
    const mult: Record<string, number> = {
      ns: 1e-6,
      us: 1e-3,
      µs: 1e-3,
      ms: 1,
      s: 1000,
      m: 60000,
      h: 3600000,
      d: 86400000,
    };
    total += n * mult[unit];
  }
  if (consumed !== body.length || consumed === 0)
    throw new InvalidArgumentError(`invalid duration: ${s}`);
  return neg ? -total : total;
}

/** A promise with external resolve/reject. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}
export function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Lease id as an unsigned 64-bit bigint. The wire field is int64; ids with the top bit set
 * are reinterpreted (two's complement) so every id is in [0, 2^64).
 */
export function toLeaseId(v: LongLike | LeaseIdLike): bigint {
  return BigInt.asUintN(64, toBig(v as LongLike));
}
