/**
 * ZooKeeper's jute binary encoding: big-endian int32/int64, 1-byte booleans, buffers and
 * strings as int32 length + bytes (-1 = null), vectors as int32 count + items.
 * The reader never reads past its buffer: any malformed input throws JuteError.
 */

export class JuteError extends Error {
  constructor(message: string) {
    super(`jute: ${message}`);
    this.name = 'JuteError';
  }
}

export class JuteReader {
  private pos = 0;

  constructor(
    private readonly b: Buffer,
    /** largest length a buffer, string or vector may announce */
    private readonly maxLen = b.length,
  ) {}

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.b.length - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.b.length)
      throw new JuteError(`truncated record (need ${n} bytes at ${this.pos} of ${this.b.length})`);
  }

  int(): number {
    this.need(4);
    const v = this.b.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  long(): bigint {
    this.need(8);
    const v = this.b.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  bool(): boolean {
    this.need(1);
    return this.b[this.pos++] !== 0;
  }

  /** A buffer; null (length -1) reads as an empty buffer unless keepNull. */
  buffer(): Buffer;
  buffer(keepNull: true): Buffer | null;
  buffer(keepNull = false): Buffer | null {
    const n = this.int();
    if (n === -1) return keepNull ? null : Buffer.alloc(0);
    if (n < 0 || n > this.maxLen) throw new JuteError(`bad buffer length ${n}`);
    this.need(n);
    const v = Buffer.from(this.b.subarray(this.pos, this.pos + n));
    this.pos += n;
    return v;
  }

  /** Skips a buffer or string (same layout), with the checks reading it makes. */
  skipBytes(): void {
    const n = this.int();
    if (n === -1) return;
    if (n < 0 || n > this.maxLen) throw new JuteError(`bad buffer length ${n}`);
    this.need(n);
    this.pos += n;
  }

  /** A string (UTF-8); null reads as ''. */
  ustring(): string {
    const n = this.int();
    if (n === -1) return '';
    if (n < 0 || n > this.maxLen) throw new JuteError(`bad string length ${n}`);
    this.need(n);
    const v = this.b.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  vector<T>(item: (r: JuteReader) => T): T[] {
    const n = this.int();
    if (n === -1) return [];
    // every item takes at least one byte: a count larger than what is left is malformed
    if (n < 0 || n > this.remaining) throw new JuteError(`bad vector length ${n}`);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item(this));
    return out;
  }
}

export class JuteWriter {
  private b: Buffer;
  private pos = 0;

  constructor(initial = 256) {
    this.b = Buffer.allocUnsafe(initial);
  }

  private room(n: number): void {
    if (this.pos + n <= this.b.length) return;
    let size = this.b.length * 2;
    while (size < this.pos + n) size *= 2;
    const nb = Buffer.allocUnsafe(size);
    this.b.copy(nb, 0, 0, this.pos);
    this.b = nb;
  }

  int(v: number): this {
    this.room(4);
    this.b.writeInt32BE(v | 0, this.pos);
    this.pos += 4;
    return this;
  }

  long(v: bigint | number): this {
    this.room(8);
    if (typeof v === 'number' && Number.isSafeInteger(v)) {
      // zxids, times: no BigInt on the hot path
      const hi = Math.floor(v / 0x100000000);
      this.b.writeInt32BE(hi, this.pos);
      this.b.writeUInt32BE(v - hi * 0x100000000, this.pos + 4);
    } else this.b.writeBigInt64BE(BigInt.asIntN(64, BigInt(v)), this.pos);
    this.pos += 8;
    return this;
  }

  bool(v: boolean): this {
    this.room(1);
    this.b[this.pos++] = v ? 1 : 0;
    return this;
  }

  buffer(v: Buffer | null | undefined): this {
    if (v === null || v === undefined) return this.int(-1);
    this.int(v.length);
    this.room(v.length);
    v.copy(this.b, this.pos);
    this.pos += v.length;
    return this;
  }

  ustring(v: string | null | undefined): this {
    if (v === null || v === undefined) return this.int(-1);
    // encoded in place (at most 3 bytes per UTF-16 unit), then the length in front
    this.room(4 + 3 * v.length);
    const n = this.b.write(v, this.pos + 4, 'utf8');
    this.b.writeInt32BE(n, this.pos);
    this.pos += 4 + n;
    return this;
  }

  vector<T>(items: T[] | null | undefined, item: (w: JuteWriter, v: T) => void): this {
    if (!items) return this.int(-1);
    this.int(items.length);
    for (const v of items) item(this, v);
    return this;
  }

  raw(v: Buffer): this {
    this.room(v.length);
    v.copy(this.b, this.pos);
    this.pos += v.length;
    return this;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  /**
   * Starts a frame (a 4-byte length placeholder, filled in by endFrame): several packets can
   * be encoded back to back into one writer and sent with one socket write.
   */
  startFrame(): number {
    this.room(4);
    const start = this.pos;
    this.pos += 4;
    return start;
  }

  /** Ends the frame started at `start`: writes its length. */
  endFrame(start: number): void {
    this.b.writeInt32BE(this.pos - start - 4, start);
  }

  /** The encoded bytes. */
  toBuffer(): Buffer {
    return this.b.subarray(0, this.pos);
  }

  /** The encoded bytes preceded by their 4-byte length (one ZooKeeper packet). */
  toFrame(): Buffer {
    const out = Buffer.allocUnsafe(4 + this.pos);
    out.writeInt32BE(this.pos, 0);
    this.b.copy(out, 4, 0, this.pos);
    return out;
  }
}
