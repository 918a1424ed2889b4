import { KeyValue, EVENT_DELETE, EVENT_PUT, EventType } from './types';

/**
 * Binary layouts of the MVCC backend.
 *
 * revs key (12 bytes): main revision u64 BE | sub revision u32 BE — so LMDB orders by revision.
 * revs value:
 *   0  flags u8: bit 0 = delete (else put), bit 1 = a change time follows the header
 *   1  create revision u64 BE
 *   9  version u64 BE
 *   17 lease i64 BE
 *   25 previous live version of this key: main u64 BE | sub u32 BE (0,0 when none)
 *   37 key length u32 BE
 *   41 (bit 1 only) change time, ms since the epoch, u64 BE — ZooKeeper's mtime, so a setData
 *      need not rewrite the znode's metadata record as well
 *   41 or 49: key bytes, then value bytes
 * keys value (36 bytes): the revs key of the key's latest (live) record (12 bytes), then its
 *   create revision u64 BE, version u64 BE and lease i64 BE — copies of the record's header, so
 *   a put to an existing key learns them without reading the record (etcd keeps them in its
 *   in-memory key index). Data written before this layout has the 12-byte pointer only; it is
 *   read as before (the record is looked up) and rewritten in the new layout by the next put.
 */
export const REV_KEY_BYTES = 12;
const LIVE_BYTES = REV_KEY_BYTES + 24;
const HEADER_BYTES = 41;
const TIME_BYTES = 8;
const FLAG_DELETE = 1;
const FLAG_TIME = 2;
const TWO_32 = 4294967296;

export interface RevPointer {
  main: number;
  sub: number;
}

export interface StoredRecord {
  type: EventType;
  createRevision: number;
  version: number;
  lease: bigint;
  prev: RevPointer | undefined;
  key: Buffer;
  value: Buffer;
  /** when the writer recorded one: the entry's time (ms) */
  timeMs?: number;
}

function writeU64(b: Buffer, v: number, off: number): void {
  b.writeUInt32BE(Math.floor(v / TWO_32), off);
  b.writeUInt32BE(v >>> 0, off + 4);
}

function readU64(b: Buffer, off: number): number {
  return b.readUInt32BE(off) * TWO_32 + b.readUInt32BE(off + 4);
}

/** A lease id (i64 BE); no BigInt read for the common "no lease". */
function readLease(b: Buffer, off: number): bigint {
  return b.readUInt32BE(off) === 0 && b.readUInt32BE(off + 4) === 0 ? 0n : b.readBigInt64BE(off);
}

export function revKey(main: number, sub: number): Buffer {
  const b = Buffer.allocUnsafe(REV_KEY_BYTES);
  writeU64(b, main, 0);
  b.writeUInt32BE(sub, 8);
  return b;
}

export function parseRevKey(b: Buffer): RevPointer {
  return { main: readU64(b, 0), sub: b.readUInt32BE(8) };
}

/** What the keys value says of a live key: where its record is and the record's header fields. */
export interface LivePointer {
  at: RevPointer;
  createRevision: number;
  version: number;
  lease: bigint;
}

/** The keys value for a record stored under `revKeyBytes` (see the layout above). */
export function encodeLivePointer(
  revKeyBytes: Buffer,
  createRevision: number,
  version: number,
  lease: bigint,
): Buffer {
  const b = Buffer.allocUnsafe(LIVE_BYTES);
  revKeyBytes.copy(b, 0, 0, REV_KEY_BYTES);
  writeU64(b, createRevision, 12);
  writeU64(b, version, 20);
  b.writeBigInt64BE(lease, 28);
  return b;
}

/** A keys value; undefined for the older 12-byte layout, whose fields are in the record only. */
export function decodeLivePointer(b: Buffer): LivePointer | undefined {
  if (b.length < LIVE_BYTES) return undefined;
  return {
    at: parseRevKey(b),
    createRevision: readU64(b, 12),
    version: readU64(b, 20),
    lease: readLease(b, 28),
  };
}

/** The live pointer of a record read in full (stored at `at`). */
export function livePointerOf(at: RevPointer, kv: KeyValue): LivePointer {
  return { at, createRevision: kv.createRevision, version: kv.version, lease: kv.lease };
}

/** The revs key a keys value points to (either layout). */
export function pointedRevKey(b: Buffer): Buffer {
  return b.length === REV_KEY_BYTES ? b : b.subarray(0, REV_KEY_BYTES);
}

export function encodeRecord(r: StoredRecord): Buffer {
  const keyAt = r.timeMs === undefined ? HEADER_BYTES : HEADER_BYTES + TIME_BYTES;
  const b = Buffer.allocUnsafe(keyAt + r.key.length + r.value.length);
  b[0] = (r.type === EVENT_DELETE ? FLAG_DELETE : 0) | (r.timeMs === undefined ? 0 : FLAG_TIME);
  writeU64(b, r.createRevision, 1);
  writeU64(b, r.version, 9);
  b.writeBigInt64BE(r.lease, 17);
  writeU64(b, r.prev ? r.prev.main : 0, 25);
  b.writeUInt32BE(r.prev ? r.prev.sub : 0, 33);
  b.writeUInt32BE(r.key.length, 37);
  if (r.timeMs !== undefined) writeU64(b, r.timeMs, HEADER_BYTES);
  r.key.copy(b, keyAt);
  r.value.copy(b, keyAt + r.key.length);
  return b;
}

function keyOffset(b: Buffer): number {
  return b[0] & FLAG_TIME ? HEADER_BYTES + TIME_BYTES : HEADER_BYTES;
}

export function decodeRecord(b: Buffer): StoredRecord {
  const prevMain = readU64(b, 25);
  const prevSub = b.readUInt32BE(33);
  const keyLen = b.readUInt32BE(37);
  const keyAt = keyOffset(b);
  const rec: StoredRecord = {
    type: b[0] & FLAG_DELETE ? EVENT_DELETE : EVENT_PUT,
    createRevision: readU64(b, 1),
    version: readU64(b, 9),
    lease: readLease(b, 17),
    prev: prevMain === 0 ? undefined : { main: prevMain, sub: prevSub },
    key: b.subarray(keyAt, keyAt + keyLen),
    value: b.subarray(keyAt + keyLen),
  };
  if (b[0] & FLAG_TIME) rec.timeMs = readU64(b, HEADER_BYTES);
  return rec;
}

/** Only the key and type, for scans that need nothing else. */
export function recordKeyAndType(b: Buffer): { key: Buffer; type: EventType } {
  const keyLen = b.readUInt32BE(37);
  const keyAt = keyOffset(b);
  return {
    key: b.subarray(keyAt, keyAt + keyLen),
    type: b[0] & FLAG_DELETE ? EVENT_DELETE : EVENT_PUT,
  };
}

export function toKeyValue(rec: StoredRecord, modRevision: number): KeyValue {
  if (rec.type === EVENT_DELETE) {
    return { key: rec.key, createRevision: 0, modRevision, version: 0, value: EMPTY, lease: 0n };
  }
  const kv: KeyValue = {
    key: rec.key,
    createRevision: rec.createRevision,
    modRevision,
    version: rec.version,
    value: rec.value,
    lease: rec.lease,
  };
  if (rec.timeMs !== undefined) kv.timeMs = rec.timeMs;
  return kv;
}

export const EMPTY = Buffer.alloc(0);
