import { HUFFMAN_CODES, HUFFMAN_LENGTHS, STATIC_TABLE } from './hpack-tables';

/** A malformed header block: the connection must end with COMPRESSION_ERROR (RFC 7540 §4.3). */
export class HpackError extends Error {}

export type HeaderList = Array<[name: string, value: string]>;

// ---- Huffman decoding: a binary tree in flat arrays, walked one bit at a time ----
// child[2n] / child[2n+1] is node n's 0 / 1 child; a leaf stores -(symbol + 1).
const MAX_NODES = 512;
const child = new Int32Array(MAX_NODES * 2);
(function buildTree(): void {
  let next = 1;
  for (let sym = 0; sym < 256; sym++) {
    const code = HUFFMAN_CODES[sym];
    const len = HUFFMAN_LENGTHS[sym];
    let node = 0;
    for (let i = len - 1; i >= 0; i--) {
      const slot = node * 2 + ((code >>> i) & 1);
      if (i === 0) {
        child[slot] = -(sym + 1);
      } else {
        if (child[slot] === 0) child[slot] = next++;
        node = child[slot];
      }
    }
  }
})();

function huffmanDecode(buf: Buffer, start: number, end: number): string {
  const out = Buffer.allocUnsafe((end - start) * 2); // codes are ≥ 5 bits: ≤ 1.6 bytes per byte
  let n = 0;
  let node = 0;
  let depth = 0; // bits since the last symbol; padding must be < 8 bits, all ones
  let allOnes = true;
  for (let i = start; i < end; i++) {
    const byte = buf[i];
    for (let b = 7; b >= 0; b--) {
      const bit = (byte >>> b) & 1;
      const next = child[node * 2 + bit];
      if (next < 0) {
        out[n++] = -next - 1;
        node = 0;
        depth = 0;
        allOnes = true;
      } else if (next === 0) {
        throw new HpackError('invalid Huffman code');
      } else {
        node = next;
        depth++;
        if (bit === 0) allOnes = false;
      }
    }
  }
  // what is left must be a prefix of EOS (all ones), shorter than a byte
  if (depth > 7 || !allOnes) throw new HpackError('invalid Huffman padding');
  return out.toString('latin1', 0, n);
}

/**
 * Decodes HPACK header blocks for one connection (RFC 7541). The dynamic table is
 * connection state: every block must be decoded, in order, even for streams being refused.
 */
export class HpackDecoder {
  private dynamic: Array<[string, string]> = []; // newest first
  private dynamicSize = 0;
  private maxSize: number;

  /** @param settingsMax our SETTINGS_HEADER_TABLE_SIZE: the ceiling for size updates */
  constructor(
    private readonly settingsMax = 4096,
    private readonly maxListBytes = 64 * 1024,
  ) {
    this.maxSize = settingsMax;
  }

  decode(block: Buffer): HeaderList {
    const out: HeaderList = [];
    let listBytes = 0;
    let pos = 0;
    const end = block.length;
    // integer with an N-bit prefix at `pos`; advances pos
    const int = (prefixBits: number): number => {
      const max = (1 << prefixBits) - 1;
      let v = block[pos++] & max;
      if (v < max) return v;
      let shift = 0;
      for (;;) {
        if (pos >= end) throw new HpackError('truncated integer');
        const b = block[pos++];
        v += (b & 0x7f) * 2 ** shift;
        shift += 7;
        if ((b & 0x80) === 0) return v;
        if (shift > 28) throw new HpackError('integer overflow');
      }
    };
    const str = (): string => {
      if (pos >= end) throw new HpackError('truncated string');
      const huffman = (block[pos] & 0x80) !== 0;
      const len = int(7);
      if (pos + len > end) throw new HpackError('truncated string');
      const s = huffman
        ? huffmanDecode(block, pos, pos + len)
        : block.toString('latin1', pos, pos + len);
      pos += len;
      return s;
    };
    let sawField = false;
    while (pos < end) {
      const b = block[pos];
      let name: string;
      let value: string;
      if (b & 0x80) {
        // indexed field
        [name, value] = this.entry(int(7));
      } else if ((b & 0xe0) === 0x20) {
        // dynamic table size update: only at the start of a block
        if (sawField) throw new HpackError('table size update after a header field');
        const size = int(5);
        if (size > this.settingsMax) throw new HpackError('table size update above the limit');
        this.maxSize = size;
        this.evict(0);
        continue;
      } else {
        // literal: with incremental indexing (01), without (0000) or never indexed (0001)
        const indexing = (b & 0xc0) === 0x40;
        const idx = int(indexing ? 6 : 4);
        name = idx === 0 ? str() : this.entry(idx)[0];
        value = str();
        if (indexing) this.insert(name, value);
      }
      sawField = true;
      listBytes += name.length + value.length + 32;
      if (listBytes > this.maxListBytes) throw new HpackError('header list too large');
      out.push([name, value]);
    }
    return out;
  }

  private entry(index: number): readonly [string, string] {
    if (index >= 1 && index <= STATIC_TABLE.length) return STATIC_TABLE[index - 1];
    const e = this.dynamic[index - STATIC_TABLE.length - 1];
    if (!e) throw new HpackError(`header index ${index} out of range`);
    return e;
  }

  private insert(name: string, value: string): void {
    const size = name.length + value.length + 32;
    this.evict(size);
    if (size <= this.maxSize) {
      this.dynamic.unshift([name, value]);
      this.dynamicSize += size;
    }
  }

  /** evicts oldest entries until `room` more bytes fit */
  private evict(room: number): void {
    while (this.dynamic.length > 0 && this.dynamicSize + room > this.maxSize) {
      const [n, v] = this.dynamic.pop()!;
      this.dynamicSize -= n.length + v.length + 32;
    }
  }
}

function encodeInt(out: number[], first: number, prefixBits: number, v: number): void {
  const max = (1 << prefixBits) - 1;
  if (v < max) {
    out.push(first | v);
    return;
  }
  out.push(first | max);
  v -= max;
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

/**
 * Encodes fields as literals without indexing (no Huffman, no dynamic table): our responses
 * use a handful of fields, so the encoder keeps no state and the peer's table size is moot.
 * Names are taken from the static table where it has them.
 */
export function encodeHeaders(fields: HeaderList): Buffer {
  const out: number[] = [];
  for (const [name, value] of fields) {
    const fullIdx = STATIC_TABLE.findIndex(([n, v]) => n === name && v === value);
    if (fullIdx >= 0) {
      encodeInt(out, 0x80, 7, fullIdx + 1);
      continue;
    }
    const nameIdx = STATIC_TABLE.findIndex(([n]) => n === name);
    if (nameIdx >= 0) {
      encodeInt(out, 0x00, 4, nameIdx + 1);
    } else {
      out.push(0x00);
      const nb = Buffer.from(name, 'latin1');
      encodeInt(out, 0x00, 7, nb.length);
      for (const c of nb) out.push(c);
    }
    const vb = Buffer.from(value, 'latin1');
    encodeInt(out, 0x00, 7, vb.length);
    for (const c of vb) out.push(c);
  }
  return Buffer.from(out);
}
