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
 * The live keys are not stored: the in-memory KeyIndex (key-index.ts) is rebuilt from the
 *   records. (Data directories written before it have a `keys` table, cleared at open.)
 */
export const REV_KEY_BYTES = 12;
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

/** A live key: where its latest record is and that record's header fields (KeyIndex). */
export interface LivePointer {
  at: RevPointer;
  createRevision: number;
  version: number;
  lease: bigint;
}

/** The live pointer of a put record stored at `at`, from the record's header alone. */
export function liveOfRecord(at: RevPointer, b: Buffer): LivePointer {
  return { at, createRevision: readU64(b, 1), version: readU64(b, 9), lease: readLease(b, 17) };
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
