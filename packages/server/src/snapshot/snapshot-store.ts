/**
 * State-machine snapshot files.
 *
 * A snapshot is an opaque body (a copy of the LMDB backend, produced
 * elsewhere; empty in a Raft snapshot that only records metadata, see
 * server/raft-snapshots.ts) plus metadata. File layout (integers little-endian):
 *
 *   offset  size     field
 *   0       6        magic "CSNAP1"
 *   6       8        index    u64 (< 2^53)
 *   14      8        term     u64
 *   22      8        bodyLen  u64 — lets truncation be reported as such
 *   30      4        metaLen  u32
 *   34      metaLen  meta     (e.g. membership)
 *   ...     bodyLen  body
 *   end-32  32       SHA-256 over every byte before it
 *
 * In a store directory files are named `<term 16 hex>-<index 16 hex>.snap`.
 * Files are written to a temp name, fsynced, renamed and the directory
 * fsynced, so a crash never leaves a half-written `.snap`. The same
 * standalone functions serve `concord snapshot restore`.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface SnapshotMeta {
  index: number;
  term: number;
  meta: Buffer;
}

export interface SnapshotInfo extends SnapshotMeta {
  path: string;
}

export interface SnapshotStoreOptions {
  /** If the newest snapshot is corrupt, log it and fall back to older ones. */
  skipCorrupt?: boolean;
  log?: (msg: string) => void;
}

export class SnapshotCorruptionError extends Error {
  readonly code = 'SNAPSHOT_CORRUPT';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`snapshot corrupted: ${file}: ${reason}`);
    this.name = 'SnapshotCorruptionError';
  }
}

const MAGIC = Buffer.from('CSNAP1', 'latin1');
const FIXED_HEADER = 34;
const TRAILER = 32;
const MAX_META = 64 * 1024 * 1024;
const CHUNK = 1024 * 1024;
const NAME_RE = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;

function hex16(n: number): string {
  return n.toString(16).padStart(16, '0');
}

export function snapshotFileName(index: number, term: number): string {
  return `${hex16(term)}-${hex16(index)}.snap`;
}

function putU64(buf: Buffer, off: number, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0)
    throw new RangeError(`snapshot field must be a safe non-negative integer, got ${v}`);
  buf.writeUInt32LE(v >>> 0, off);
  buf.writeUInt32LE(Math.floor(v / 0x100000000), off + 4);
}

function getU64(buf: Buffer, off: number): number {
  const hi = buf.readUInt32LE(off + 4);
  return hi > 0x1fffff ? -1 : hi * 0x100000000 + buf.readUInt32LE(off);
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.promises.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function tmpName(dest: string): string {
  return `${dest}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
}

/** Writes `dest` atomically; `fill` writes the content to the temp file handle. */
async function writeAtomically(
  dest: string,
  fill: (fh: fs.promises.FileHandle) => Promise<void>,
): Promise<void> {
  const tmp = tmpName(dest);
  const fh = await fs.promises.open(tmp, 'wx');
  try {
    await fill(fh);
    await fh.sync();
    await fh.close();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await fs.promises.unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fs.promises.rename(tmp, dest);
  await fsyncDir(path.dirname(dest));
}

async function writeAll(fh: fs.promises.FileHandle, buf: Uint8Array): Promise<void> {
  let off = 0;
  while (off < buf.length) off += (await fh.write(buf, off, buf.length - off)).bytesWritten;
}

/**
 * Builds a snapshot file at `destPath` from metadata and a body file (none: an empty body, a
 * snapshot that only records metadata).
 */
export async function writeSnapshotFile(
  destPath: string,
  meta: SnapshotMeta,
  sourceFilePath?: string,
): Promise<void> {
  const src =
    sourceFilePath === undefined ? undefined : await fs.promises.open(sourceFilePath, 'r');
  try {
    const bodyLen = src ? (await src.stat()).size : 0;
    const header = Buffer.alloc(FIXED_HEADER + meta.meta.length);
    MAGIC.copy(header, 0);
    putU64(header, 6, meta.index);
    putU64(header, 14, meta.term);
    putU64(header, 22, bodyLen);
    if (meta.meta.length > MAX_META) throw new RangeError('snapshot meta too large');
    header.writeUInt32LE(meta.meta.length, 30);
    header.set(meta.meta, FIXED_HEADER);
    await writeAtomically(destPath, async (fh) => {
      const hash = createHash('sha256');
      hash.update(header);
      await writeAll(fh, header);
      const chunk = Buffer.allocUnsafe(CHUNK);
      let copied = 0;
      while (src) {
        const { bytesRead } = await src.read(chunk, 0, CHUNK, copied);
        if (bytesRead === 0) break;
        const part = chunk.subarray(0, bytesRead);
        hash.update(part);
        await writeAll(fh, part);
        copied += bytesRead;
      }
      // The source must not change while being snapshotted.
      if (copied !== bodyLen)
        throw new Error(
          `snapshot source ${sourceFilePath} changed size during copy (${bodyLen} -> ${copied})`,
        );
      await writeAll(fh, hash.digest());
    });
  } finally {
    await src?.close();
  }
}

/** The fixed header's fields, checked (bytesRead of FIXED_HEADER were read into `fixed`). */
function parseFixedHeader(
  file: string,
  fixed: Buffer,
  bytesRead: number,
): { index: number; term: number; bodyLen: number; metaLen: number } {
  if (bytesRead < FIXED_HEADER)
    throw new SnapshotCorruptionError(file, `truncated header (${bytesRead} bytes)`);
  if (!fixed.subarray(0, 6).equals(MAGIC)) throw new SnapshotCorruptionError(file, 'bad magic');
  const index = getU64(fixed, 6);
  const term = getU64(fixed, 14);
  const bodyLen = getU64(fixed, 22);
  const metaLen = fixed.readUInt32LE(30);
  if (index < 0 || term < 0 || bodyLen < 0 || metaLen > MAX_META)
    throw new SnapshotCorruptionError(file, 'bad header fields');
  return { index, term, bodyLen, metaLen };
}

/** The body length a snapshot file's header gives (0: a snapshot of metadata only). */
export function readSnapshotBodyLength(file: string): number {
  const fixed = Buffer.alloc(FIXED_HEADER);
  const fd = fs.openSync(file, 'r');
  try {
    return parseFixedHeader(file, fixed, fs.readSync(fd, fixed, 0, FIXED_HEADER, 0)).bodyLen;
  } finally {
    fs.closeSync(fd);
  }
}

interface Header extends SnapshotMeta {
  bodyStart: number;
  bodyLen: number;
}

async function readHeader(
  file: string,
  fh: fs.promises.FileHandle,
  fileSize: number,
): Promise<Header> {
  const fixed = Buffer.alloc(FIXED_HEADER);
  const { bytesRead } = await fh.read(fixed, 0, FIXED_HEADER, 0);
  const { index, term, bodyLen, metaLen } = parseFixedHeader(file, fixed, bytesRead);
  const expected = FIXED_HEADER + metaLen + bodyLen + TRAILER;
  if (fileSize !== expected) {
    throw new SnapshotCorruptionError(
      file,
      `${fileSize < expected ? 'truncated' : 'trailing bytes'}: size ${fileSize}, expected ${expected}`,
    );
  }
  const meta = Buffer.alloc(metaLen);
  if (metaLen > 0) await fh.read(meta, 0, metaLen, FIXED_HEADER);
  return { index, term, meta, bodyStart: FIXED_HEADER + metaLen, bodyLen };
}

/**
 * Streams the whole file through SHA-256, calling `onBody` for body bytes,
 * and checks the trailer. Returns the metadata.
 */
async function scan(
  file: string,
  onBody?: (chunk: Buffer) => Promise<void>,
): Promise<SnapshotMeta> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const h = await readHeader(file, fh, size);
    const hash = createHash('sha256');
    const chunk = Buffer.allocUnsafe(CHUNK);
    const end = size - TRAILER;
    let pos = 0;
    while (pos < end) {
      const { bytesRead } = await fh.read(chunk, 0, Math.min(CHUNK, end - pos), pos);
      if (bytesRead === 0) throw new SnapshotCorruptionError(file, `unexpected EOF at ${pos}`);
      const part = chunk.subarray(0, bytesRead);
      hash.update(part);
      if (onBody) {
        // Only the body portion of this chunk (the first may include the header).
        const from = Math.max(0, h.bodyStart - pos);
        if (from < bytesRead) await onBody(part.subarray(from));
      }
      pos += bytesRead;
    }
    const trailer = Buffer.alloc(TRAILER);
    await fh.read(trailer, 0, TRAILER, end);
    if (!hash.digest().equals(trailer)) throw new SnapshotCorruptionError(file, 'SHA-256 mismatch');
    return { index: h.index, term: h.term, meta: h.meta };
  } finally {
    await fh.close();
  }
}

/** Verifies `file` end to end and returns its metadata; throws SnapshotCorruptionError. */
export function verifySnapshotFile(file: string): Promise<SnapshotMeta> {
  return scan(file);
}

/**
 * Verifies the snapshot and writes its body to `bodyDest` (atomically: the
 * destination only appears if the whole snapshot checked out).
 */
export async function readSnapshotFile(file: string, bodyDest: string): Promise<SnapshotMeta> {
  let result: SnapshotMeta | undefined;
  await writeAtomically(bodyDest, async (out) => {
    result = await scan(file, (part) => writeAll(out, part));
  });
  return result!;
}

export class SnapshotStore {
  constructor(
    readonly dir: string,
    private readonly opts: SnapshotStoreOptions = {},
  ) {}

  /** Stores a snapshot of `sourceFilePath` (none: metadata only); returns the snapshot's path. */
  async save(meta: SnapshotMeta, sourceFilePath?: string): Promise<string> {
    await fs.promises.mkdir(this.dir, { recursive: true });
    const dest = path.join(this.dir, snapshotFileName(meta.index, meta.term));
    await writeSnapshotFile(dest, meta, sourceFilePath);
    return dest;
  }

  /** Snapshot files by name, newest (highest index, then term) first. */
  async list(): Promise<Array<{ path: string; index: number; term: number }>> {
    let names: string[];
    try {
      names = await fs.promises.readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: Array<{ path: string; index: number; term: number }> = [];
    for (const n of names) {
      const m = NAME_RE.exec(n);
      if (m)
        out.push({
          path: path.join(this.dir, n),
          term: parseInt(m[1], 16),
          index: parseInt(m[2], 16),
        });
    }
    return out.sort((a, b) => b.index - a.index || b.term - a.term);
  }

  /**
   * The newest valid snapshot. A corrupt newest snapshot throws unless
   * `skipCorrupt` is set: silently using an older one could hide data loss.
   */
  async latest(): Promise<SnapshotInfo | undefined> {
    for (const s of await this.list()) {
      try {
        const m = await this.verify(s.path);
        return { path: s.path, ...m };
      } catch (err) {
        if (!(err instanceof SnapshotCorruptionError) || !this.opts.skipCorrupt) throw err;
        (this.opts.log ?? ((msg: string) => process.emitWarning(msg)))(
          `${err.message}; trying an older snapshot`,
        );
      }
    }
    return undefined;
  }

  /** Full check, including that the name matches the header. */
  async verify(file: string): Promise<SnapshotMeta> {
    const m = await verifySnapshotFile(file);
    const nm = NAME_RE.exec(path.basename(file));
    if (nm && (parseInt(nm[1], 16) !== m.term || parseInt(nm[2], 16) !== m.index)) {
      throw new SnapshotCorruptionError(
        file,
        `name does not match header (index ${m.index}, term ${m.term})`,
      );
    }
    return m;
  }

  extractBody(snapPath: string, destFile: string): Promise<SnapshotMeta> {
    return readSnapshotFile(snapPath, destFile);
  }

  /** Keeps the `keep` newest snapshots, deletes the rest; returns deleted paths. */
  async purge(keep: number): Promise<string[]> {
    const victims = (await this.list()).slice(Math.max(0, keep)).map((s) => s.path);
    for (const v of victims) await fs.promises.unlink(v);
    if (victims.length > 0) await fsyncDir(this.dir);
    return victims;
  }
}
