/**
 * WAL record codec. The on-disk layout is documented at the top of wal.ts.
 */
import { crc32c } from '../util/crc32';

export interface HardState {
  term: number;
  vote: number;
  commit: number;
}

export interface SnapshotMarker {
  index: number;
  term: number;
}

export interface WalEntry {
  index: number;
  term: number;
  data: Buffer;
}

export type WalRecord =
  | { kind: 'entry'; index: number; term: number; data: Buffer }
  | { kind: 'hardState'; term: number; vote: number; commit: number }
  | { kind: 'snapshot'; index: number; term: number };

export const KIND_ENTRY = 1;
export const KIND_HARD_STATE = 2;
export const KIND_SNAPSHOT = 3;

/** u32 length + u32 crc. */
export const FRAME_HEADER = 8;
/** Refuse absurd records; also bounds what a garbage length field can claim. */
export const MAX_RECORD_LEN = 256 * 1024 * 1024;

// "len" counts the kind byte plus payload.
const ENTRY_MIN_LEN = 1 + 16;
const HARD_STATE_LEN = 1 + 24;
const SNAPSHOT_LEN = 1 + 16;

export class WalCorruptionError extends Error {
  readonly code = 'WAL_CORRUPT';
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`WAL corrupted: ${file} at offset ${offset}: ${reason}`);
    this.name = 'WalCorruptionError';
  }
}

function checkU53(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0)
    throw new RangeError(`WAL record ${name} must be a safe non-negative integer, got ${v}`);
}

function putU64(buf: Buffer, off: number, v: number): void {
  buf.writeUInt32LE(v >>> 0, off);
  buf.writeUInt32LE(Math.floor(v / 0x100000000), off + 4);
}

/** Returns -1 when the value does not fit in a JS safe integer. */
export function getU64(buf: Uint8Array, off: number): number {
  const lo = (buf[off] | (buf[off + 1] << 8) | (buf[off + 2] << 16) | (buf[off + 3] << 24)) >>> 0;
  const hi =
    (buf[off + 4] | (buf[off + 5] << 8) | (buf[off + 6] << 16) | (buf[off + 7] << 24)) >>> 0;
  if (hi > 0x1fffff) return -1;
  return hi * 0x100000000 + lo;
}

/** Encoded size of one record including its frame header; validates fields. */
export function encodedSize(r: WalRecord): number {
  switch (r.kind) {
    case 'entry':
      checkU53('index', r.index);
      checkU53('term', r.term);
      if (!(r.data instanceof Uint8Array)) throw new TypeError('WAL entry data must be a Buffer');
      if (ENTRY_MIN_LEN + r.data.length > MAX_RECORD_LEN)
        throw new RangeError('WAL entry too large');
      return FRAME_HEADER + ENTRY_MIN_LEN + r.data.length;
    case 'hardState':
      checkU53('term', r.term);
      checkU53('vote', r.vote);
      checkU53('commit', r.commit);
      return FRAME_HEADER + HARD_STATE_LEN;
    case 'snapshot':
      checkU53('index', r.index);
      checkU53('term', r.term);
      return FRAME_HEADER + SNAPSHOT_LEN;
    default:
      throw new TypeError(`unknown WAL record kind ${(r as { kind: unknown }).kind}`);
  }
}

/** Encodes `r` at `off` (space must be reserved via encodedSize); returns the next offset. */
export function encodeInto(buf: Buffer, off: number, r: WalRecord): number {
  const body = off + FRAME_HEADER;
  let end: number;
  switch (r.kind) {
    case 'entry':
      buf[body] = KIND_ENTRY;
      putU64(buf, body + 1, r.index);
      putU64(buf, body + 9, r.term);
      buf.set(r.data, body + 17);
      end = body + 17 + r.data.length;
      break;
    case 'hardState':
      buf[body] = KIND_HARD_STATE;
      putU64(buf, body + 1, r.term);
      putU64(buf, body + 9, r.vote);
      putU64(buf, body + 17, r.commit);
      end = body + 25;
      break;
    case 'snapshot':
      buf[body] = KIND_SNAPSHOT;
      putU64(buf, body + 1, r.index);
      putU64(buf, body + 9, r.term);
      end = body + 17;
      break;
  }
  buf.writeUInt32LE(end - body, off);
  buf.writeUInt32LE(crc32c(buf.subarray(body, end)), off + 4);
  return end;
}

export function encodeRecords(records: readonly WalRecord[]): Buffer {
  let size = 0;
  for (const r of records) size += encodedSize(r);
  const buf = Buffer.allocUnsafe(size);
  let off = 0;
  for (const r of records) off = encodeInto(buf, off, r);
  return buf;
}

/** A framed record located in a buffer: `body` is the kind byte, `end` the next record. */
export interface Frame {
  kind: number;
  body: number;
  end: number;
}

function plausibleLen(kind: number, len: number): boolean {
  if (kind === KIND_ENTRY) return len >= ENTRY_MIN_LEN && len <= MAX_RECORD_LEN;
  if (kind === KIND_HARD_STATE) return len === HARD_STATE_LEN;
  if (kind === KIND_SNAPSHOT) return len === SNAPSHOT_LEN;
  return false;
}

/**
 * Parses the frame at `off`. Returns a Frame, or a string describing why the
 * bytes at `off` are not a valid record.
 */
export function readFrame(buf: Buffer, off: number): Frame | string {
  if (buf.length - off < FRAME_HEADER + 1) return 'incomplete record header';
  const len = buf.readUInt32LE(off);
  const kind = buf[off + FRAME_HEADER];
  if (len === 0 || len > MAX_RECORD_LEN) return `invalid record length ${len}`;
  const body = off + FRAME_HEADER;
  const end = body + len;
  if (end > buf.length)
    return `incomplete record (length ${len}, ${buf.length - body} bytes present)`;
  if (crc32c(buf.subarray(body, end)) !== buf.readUInt32LE(off + 4)) return 'CRC mismatch';
  // The CRC matched, so these bytes were written by a WAL writer: an unknown
  // kind means a newer/incompatible format, not a torn write.
  if (!plausibleLen(kind, len)) return `unknown record kind ${kind} or bad length ${len}`;
  return { kind, body, end };
}

/**
 * Is there any CRC-valid record starting after `from`? Used to tell a torn
 * tail (nothing valid follows the bad bytes) from real corruption.
 */
export function anyValidRecordAfter(buf: Buffer, from: number): boolean {
  // a record's length field is not zero, so none starts after the last non-zero byte (this
  // skips a preallocated segment's zero tail quickly)
  const last = lastNonZero(buf, from);
  for (let p = from + 1; p <= last && p + FRAME_HEADER + 1 <= buf.length; p++) {
    const len = buf.readUInt32LE(p);
    if (!plausibleLen(buf[p + FRAME_HEADER], len)) continue;
    const end = p + FRAME_HEADER + len;
    if (end > buf.length) continue;
    if (crc32c(buf.subarray(p + FRAME_HEADER, end)) === buf.readUInt32LE(p + 4)) return true;
  }
  return false;
}

const ZERO_BLOCK = Buffer.alloc(64 * 1024);

/** Index of the last non-zero byte of buf at or after `from` (from - 1 if none): memcmp by block. */
export function lastNonZero(buf: Buffer, from: number): number {
  let end = buf.length;
  while (end > from) {
    const start = Math.max(from, end - ZERO_BLOCK.length);
    if (buf.compare(ZERO_BLOCK, 0, end - start, start, end) !== 0) {
      for (let i = end - 1; i >= start; i--) if (buf[i] !== 0) return i;
    }
    end = start;
  }
  return from - 1;
}
