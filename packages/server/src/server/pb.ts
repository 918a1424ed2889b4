import { Long, mvccpb } from '@concord/proto';
import { KeyValue } from '../mvcc/types';

/** Conversions between protobuf field values (Long, possibly-null bytes) and domain values. */

const EMPTY = Buffer.alloc(0);

export type Int64 = Long | number | null | undefined;

export function num(x: Int64): number {
  if (x === null || x === undefined) return 0;
  return typeof x === 'number' ? x : x.toNumber();
}

// Both conversions go through the two 32-bit halves: Long.toString and Long.fromString work
// digit by digit, and a ZooKeeper write converts its session id once per apply on every member.

export function big(x: Int64): bigint {
  if (x === null || x === undefined) return 0n;
  if (typeof x === 'number') return BigInt(x);
  if (x.high === 0) return BigInt(x.low >>> 0);
  // a signed high half makes the value negative, as two's complement; an unsigned Long keeps
  // its high half as a signed int32 too, so read the 64 bits as unsigned then
  const v = (BigInt(x.high) << 32n) | BigInt(x.low >>> 0);
  return x.unsigned ? BigInt.asUintN(64, v) : v;
}

/** A signed Long with x's low 64 bits (a uint64 above 2^63 - 1 wraps, as Long.fromString did). */
export function long(x: bigint): Long {
  if (x === 0n) return Long.ZERO;
  return Long.fromBits(Number(BigInt.asIntN(32, x)), Number(BigInt.asIntN(32, x >> 32n)));
}

export function buf(x: Uint8Array | null | undefined): Buffer {
  if (!x || x.length === 0) return EMPTY;
  return Buffer.isBuffer(x) ? x : Buffer.from(x.buffer, x.byteOffset, x.byteLength);
}

export function toPbKv(kv: KeyValue): mvccpb.IKeyValue {
  return {
    key: kv.key,
    createRevision: kv.createRevision,
    modRevision: kv.modRevision,
    version: kv.version,
    value: kv.value,
    lease: kv.lease === 0n ? 0 : long(kv.lease),
  };
}
