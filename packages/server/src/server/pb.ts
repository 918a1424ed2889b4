import { Long, mvccpb } from '@concord/proto';
import { KeyValue } from '../mvcc/types';

/** Conversions between protobuf field values (Long, possibly-null bytes) and domain values. */

const EMPTY = Buffer.alloc(0);

export type Int64 = Long | number | null | undefined;

export function num(x: Int64): number {
  if (x === null || x === undefined) return 0;
  return typeof x === 'number' ? x : x.toNumber();
}

export function big(x: Int64): bigint {
  if (x === null || x === undefined) return 0n;
  if (typeof x === 'number') return BigInt(x);
  return x.isZero() ? 0n : BigInt(x.toString());
}

export function long(x: bigint): Long {
  return x === 0n ? Long.ZERO : Long.fromString(x.toString());
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
