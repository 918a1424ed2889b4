import type * as net from 'node:net';
import { HeaderList, HpackDecoder, HpackError } from './hpack';

/**
 * The server side of one HTTP/2 connection (RFC 7540), as much of it as gRPC needs: frames,
 * header blocks, flow control in both directions, PING, RST_STREAM, GOAWAY. No push, no
 * priorities (accepted and ignored).
 *
 * Why not node:http2: every request there builds a Duplex stream, header objects and several
 * callbacks between C++ and JS; on small unary calls that was most of the server's CPU. Here
 * a request is a small object and all responses made in one tick leave in one socket write.
 */

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

const enum FrameType {
  DATA = 0,
  HEADERS = 1,
  PRIORITY = 2,
  RST_STREAM = 3,
  SETTINGS = 4,
  PUSH_PROMISE = 5,
  PING = 6,
  GOAWAY = 7,
  WINDOW_UPDATE = 8,
  CONTINUATION = 9,
}

const FLAG_END_STREAM = 0x1;
const FLAG_ACK = 0x1;
const FLAG_END_HEADERS = 0x4;
const FLAG_PADDED = 0x8;
const FLAG_PRIORITY = 0x20;

export const enum H2Error {
  NO_ERROR = 0,
  PROTOCOL_ERROR = 1,
  INTERNAL_ERROR = 2,
  FLOW_CONTROL_ERROR = 3,
  STREAM_CLOSED = 5,
  FRAME_SIZE_ERROR = 6,
  REFUSED_STREAM = 7,
  CANCEL = 8,
  COMPRESSION_ERROR = 9,
}

const SETTINGS_ENABLE_PUSH = 2;
const SETTINGS_INITIAL_WINDOW_SIZE = 4;
const SETTINGS_MAX_FRAME_SIZE = 5;
const SETTINGS_MAX_HEADER_LIST_SIZE = 6;

const DEFAULT_WINDOW = 65535;
const MAX_WINDOW = 2 ** 31 - 1;
/** frames we accept; clients default to 16 KiB unless told more */
const OUR_MAX_FRAME = 16384;
/** receive windows we grant, per stream and for the connection */
const STREAM_RECV_WINDOW = 4 * 1024 * 1024;
const CONN_RECV_WINDOW = 16 * 1024 * 1024;
const MAX_HEADER_LIST = 64 * 1024;
/**
 * Output: frames are written into one buffer of this size; a tick's frames leave in one socket
 * write. Payloads above OUT_COPY_MAX go out as their own chunk instead of being copied.
 */
const OUT_CHUNK = 64 * 1024;
export const OUT_COPY_MAX = 4096;
/**
 * A tick that produces more than this (a watch fan-out to hundreds of watchers) writes it as it
 * goes, so the client starts reading while the rest is encoded rather than after.
 */
const OUT_EARLY_FLUSH = 16 * 1024;
/** socket bytes queued in the kernel/Node beyond which streams hold their data */
const SOCKET_HIGH_WATER = 1024 * 1024;

class ConnectionError extends Error {
  constructor(
    readonly code: H2Error,
    message: string,
  ) {
    super(message);
  }
}

/** What a session tells its owner about a stream. */
export interface StreamHandler {
  onData(chunk: Buffer): void;
  /** the client half-closed its side */
  onEnd(): void;
  /** the stream was reset by the client or the connection went away */
  onReset(): void;
  /** queued outbound data fell to zero after having been held back */
  onDrain(): void;
}

/** Dispatches new streams: returns the handler for this stream's data. */
export type StreamOpener = (stream: H2Stream, headers: HeaderList) => StreamHandler;

export class H2Stream {
  handler: StreamHandler | undefined;
  sendWindow: number;
  private recvUnacked = 0;
  /** outbound DATA payload waiting for flow-control window or socket room */
  queue: Buffer[] = [];
  queuedBytes = 0;
  queuedMessages = 0;
  headersSent = false;
  /** trailers to send once the queue is empty */
  pendingTrailers: Buffer | undefined;
  localClosed = false;
  remoteClosed = false;
  blocked = false;

  constructor(
    readonly session: Http2Session,
    readonly id: number,
    initialWindow: number,
  ) {
    this.sendWindow = initialWindow;
  }

  get closed(): boolean {
    return this.localClosed;
  }

  /** Replenishes the client's window for this stream once half of it is used. */
  consumed(n: number): void {
    this.recvUnacked += n;
    if (this.recvUnacked >= STREAM_RECV_WINDOW / 2 && !this.remoteClosed) {
      this.session.windowUpdate(this.id, this.recvUnacked);
      this.recvUnacked = 0;
    }
  }

  /** Sends the response headers (once, before any data). */
  sendHeaders(block: Buffer): void {
    if (this.headersSent || this.localClosed) return;
    this.headersSent = true;
    this.session.writeHeaders(this.id, block, false);
  }

  /** Queues one message's bytes (one gRPC frame); sent as the windows allow. */
  sendData(bytes: Buffer): void {
    if (this.localClosed) return;
    this.queue.push(bytes);
    this.queuedBytes += bytes.length;
    this.queuedMessages++;
    this.session.flushStream(this);
  }

  /**
   * Sends one message of `len` bytes that `fill` writes at `pos` of `b`. When nothing is queued
   * and the windows allow, the bytes are written straight into the connection's output buffer:
   * no buffer of its own and no copy (watch fan-out sends one small message per watcher).
   */
  sendDataWith(len: number, fill: (b: Buffer, pos: number) => void): void {
    if (this.localClosed) return;
    if (this.queue.length === 0 && this.session.writeDataDirect(this, len, fill)) return;
    const b = Buffer.allocUnsafe(len);
    fill(b, 0);
    this.sendData(b);
  }

  /** Ends the stream with trailers after the queued data. */
  end(trailers: Buffer): void {
    if (this.localClosed || this.pendingTrailers) return;
    this.pendingTrailers = trailers;
    this.session.flushStream(this);
  }

  /** Resets the stream (RST_STREAM) and forgets it. */
  reset(code: H2Error): void {
    if (this.localClosed) return;
    this.localClosed = true;
    this.session.resetStream(this, code);
  }
}

export class Http2Session {
  private buf: Buffer = Buffer.alloc(0);
  private prefaceSeen = false;
  private readonly decoder = new HpackDecoder(4096, MAX_HEADER_LIST);
  private readonly streams = new Map<number, H2Stream>();
  private lastStreamId = 0;
  private peerInitialWindow = DEFAULT_WINDOW;
  private peerMaxFrame = 16384;
  private connSendWindow = DEFAULT_WINDOW;
  private connRecvUnacked = 0;
  /** a header block spread over HEADERS + CONTINUATION frames */
  private continuation:
    { streamId: number; flags: number; parts: Buffer[]; bytes: number } | undefined;
  /** streams waiting for connection window or socket room, in arrival order */
  private readonly waiting = new Set<H2Stream>();
  /** frames not yet flushed: written at outPos of outBuf, after any full chunks in outChunks */
  private outBuf = Buffer.allocUnsafe(OUT_CHUNK);
  /** the whole allocation outBuf is the unused tail of: reused once the socket took it all */
  private outBlock = this.outBuf;
  /** outBuf position of the last frame's header when that is a DATA frame of writeDataDirect */
  private openData = -1;
  private openDataStream = 0;
  private outPos = 0;
  private outChunks: Buffer[] = [];
  private flushQueued = false;
  private goingAway = false;
  private dead = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly open: StreamOpener,
    private readonly onClose: () => void,
  ) {
    // our settings: larger windows than the default 64 KiB so big responses and puts flow
    const settings = Buffer.alloc(18);
    settings.writeUInt16BE(SETTINGS_INITIAL_WINDOW_SIZE, 0);
    settings.writeUInt32BE(STREAM_RECV_WINDOW, 2);
    settings.writeUInt16BE(SETTINGS_MAX_HEADER_LIST_SIZE, 6);
    settings.writeUInt32BE(MAX_HEADER_LIST, 8);
    settings.writeUInt16BE(SETTINGS_ENABLE_PUSH, 12);
    settings.writeUInt32BE(0, 14);
    this.frame(FrameType.SETTINGS, 0, 0, settings);
    this.windowUpdate(0, CONN_RECV_WINDOW - DEFAULT_WINDOW);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('drain', () => this.resumeWaiting());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.closed());
  }

  /** Bytes read before the session took the socket (the sniffed preface). */
  feed(head: Buffer): void {
    this.receive(head);
  }

  get activeStreams(): number {
    return this.streams.size;
  }

  /** Sends GOAWAY and closes the connection once what is queued is written. */
  shutdown(): void {
    if (this.dead) return;
    this.goAway(H2Error.NO_ERROR, '');
    this.flush();
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  // ---- input ----

  private receive(chunk: Buffer): void {
    if (this.dead) return;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    try {
      if (!this.prefaceSeen) {
        if (this.buf.length < PREFACE.length) {
          if (!PREFACE.subarray(0, this.buf.length).equals(this.buf)) this.die();
          return;
        }
        if (!this.buf.subarray(0, PREFACE.length).equals(PREFACE)) return this.die();
        this.prefaceSeen = true;
        this.buf = this.buf.subarray(PREFACE.length);
      }
      let pos = 0;
      const b = this.buf;
      while (b.length - pos >= 9) {
        const len = (b[pos] << 16) | (b[pos + 1] << 8) | b[pos + 2];
        if (len > OUR_MAX_FRAME)
          throw new ConnectionError(H2Error.FRAME_SIZE_ERROR, `frame of ${len} bytes`);
        if (b.length - pos < 9 + len) break;
        const type = b[pos + 3];
        const flags = b[pos + 4];
        const streamId = b.readUInt32BE(pos + 5) & 0x7fffffff;
        const payload = b.subarray(pos + 9, pos + 9 + len);
        pos += 9 + len;
        this.onFrame(type, flags, streamId, payload);
        if (this.dead) return;
      }
      this.buf = pos === b.length ? Buffer.alloc(0) : b.subarray(pos);
    } catch (err) {
      if (err instanceof ConnectionError) this.goAway(err.code, err.message);
      else if (err instanceof HpackError) this.goAway(H2Error.COMPRESSION_ERROR, err.message);
      else this.goAway(H2Error.INTERNAL_ERROR, String(err));
      this.flush();
      this.die();
    }
  }

  private onFrame(type: number, flags: number, streamId: number, p: Buffer): void {
    if (this.continuation && type !== FrameType.CONTINUATION)
      throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'expected CONTINUATION');
    switch (type) {
      case FrameType.DATA:
        return this.onDataFrame(flags, streamId, p);
      case FrameType.HEADERS:
        return this.onHeadersFrame(flags, streamId, p);
      case FrameType.CONTINUATION: {
        const c = this.continuation;
        if (!c || c.streamId !== streamId)
          throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'unexpected CONTINUATION');
        c.parts.push(p);
        c.bytes += p.length;
        if (c.bytes > MAX_HEADER_LIST * 2)
          throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'header block too large');
        if (flags & FLAG_END_HEADERS) {
          this.continuation = undefined;
          this.onHeaderBlock(streamId, c.flags, Buffer.concat(c.parts));
        }
        return;
      }
      case FrameType.PRIORITY:
        if (streamId === 0) throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'PRIORITY on 0');
        if (p.length !== 5) throw new ConnectionError(H2Error.FRAME_SIZE_ERROR, 'PRIORITY size');
        return;
      case FrameType.RST_STREAM: {
        if (streamId === 0) throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'RST_STREAM on 0');
        if (p.length !== 4) throw new ConnectionError(H2Error.FRAME_SIZE_ERROR, 'RST_STREAM size');
        if (streamId > this.lastStreamId)
          throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'RST_STREAM on an idle stream');
        const s = this.streams.get(streamId);
        if (s) {
          s.localClosed = true;
          s.remoteClosed = true;
          this.forget(s);
          s.handler?.onReset();
        }
        return;
      }
      case FrameType.SETTINGS:
        return this.onSettings(flags, streamId, p);
      case FrameType.PUSH_PROMISE:
        throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'PUSH_PROMISE from a client');
      case FrameType.PING:
        if (streamId !== 0) throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'PING on a stream');
        if (p.length !== 8) throw new ConnectionError(H2Error.FRAME_SIZE_ERROR, 'PING size');
        if (!(flags & FLAG_ACK)) this.frame(FrameType.PING, FLAG_ACK, 0, Buffer.from(p));
        return;
      case FrameType.GOAWAY:
        if (streamId !== 0) throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'GOAWAY on a stream');
        this.goingAway = true; // the client opens no more streams; current ones finish
        return;
      case FrameType.WINDOW_UPDATE:
        return this.onWindowUpdate(streamId, p);
      default:
        return; // unknown frame types are ignored (RFC 7540 §4.1)
    }
  }

  private unpad(flags: number, p: Buffer, extra: number): Buffer {
    let start = 0;
    let padLen = 0;
    if (flags & FLAG_PADDED) {
      if (p.length < 1) throw new ConnectionError(H2Error.FRAME_SIZE_ERROR, 'padded frame');
      padLen = p[0];
      start = 1;
    }
    start += extra;
    if (start + padLen > p.length)
      throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'padding longer than the frame');
    return p.subarray(start, p.length - padLen);
  }

  private onHeadersFrame(flags: number, streamId: number, p: Buffer): void {
    if (streamId === 0) throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'HEADERS on 0');
    const block = this.unpad(flags, p, flags & FLAG_PRIORITY ? 5 : 0);
    if (flags & FLAG_END_HEADERS) return this.onHeaderBlock(streamId, flags, block);
    this.continuation = { streamId, flags, parts: [Buffer.from(block)], bytes: block.length };
  }

  private onHeaderBlock(streamId: number, flags: number, block: Buffer): void {
    const headers = this.decoder.decode(block); // always, to keep the table in step
    const existing = this.streams.get(streamId);
    if (existing) {
      // trailers from the client: they must end the stream
      if (!(flags & FLAG_END_STREAM) || existing.remoteClosed)
        throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'HEADERS on an open stream');
      existing.remoteClosed = true;
      existing.handler?.onEnd();
      this.maybeForget(existing);
      return;
    }
    if (streamId % 2 === 0 || streamId <= this.lastStreamId)
      throw new ConnectionError(H2Error.PROTOCOL_ERROR, `HEADERS on stream ${streamId}`);
    this.lastStreamId = streamId;
    const s = new H2Stream(this, streamId, this.peerInitialWindow);
    if (this.goingAway) {
      s.localClosed = true;
      this.resetStream(s, H2Error.REFUSED_STREAM);
      return;
    }
    this.streams.set(streamId, s);
    s.handler = this.open(s, headers);
    if (flags & FLAG_END_STREAM && !s.remoteClosed) {
      s.remoteClosed = true;
      s.handler.onEnd();
      this.maybeForget(s);
    }
  }

  private onDataFrame(flags: number, streamId: number, p: Buffer): void {
    if (streamId === 0) throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'DATA on 0');
    // the whole frame counts against the connection window, padding included
    this.connRecvUnacked += p.length;
    if (this.connRecvUnacked >= CONN_RECV_WINDOW / 2) {
      this.windowUpdate(0, this.connRecvUnacked);
      this.connRecvUnacked = 0;
    }
    const data = this.unpad(flags, p, 0);
    const s = this.streams.get(streamId);
    if (!s) {
      if (streamId > this.lastStreamId)
        throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'DATA on an idle stream');
      return; // a stream we finished or reset: frames already in flight are ignored (§5.1)
    }
    if (s.remoteClosed) return s.reset(H2Error.STREAM_CLOSED);
    s.consumed(p.length);
    if (data.length > 0) s.handler?.onData(data);
    if (flags & FLAG_END_STREAM && !s.remoteClosed) {
      s.remoteClosed = true;
      s.handler?.onEnd();
      this.maybeForget(s);
    }
  }

  private onSettings(flags: number, streamId: number, p: Buffer): void {
    if (streamId !== 0) throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'SETTINGS on a stream');
    if (flags & FLAG_ACK) {
      if (p.length !== 0) throw new ConnectionError(H2Error.FRAME_SIZE_ERROR, 'SETTINGS ack size');
      return;
    }
    if (p.length % 6 !== 0) throw new ConnectionError(H2Error.FRAME_SIZE_ERROR, 'SETTINGS size');
    for (let i = 0; i < p.length; i += 6) {
      const id = p.readUInt16BE(i);
      const v = p.readUInt32BE(i + 2);
      if (id === SETTINGS_INITIAL_WINDOW_SIZE) {
        if (v > MAX_WINDOW)
          throw new ConnectionError(H2Error.FLOW_CONTROL_ERROR, 'initial window too large');
        const delta = v - this.peerInitialWindow;
        this.peerInitialWindow = v;
        for (const s of this.streams.values()) s.sendWindow += delta;
      } else if (id === SETTINGS_MAX_FRAME_SIZE) {
        if (v < 16384 || v > 16777215)
          throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'bad max frame size');
        this.peerMaxFrame = v;
      } else if (id === SETTINGS_ENABLE_PUSH && v > 1) {
        throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'bad enable push');
      }
      // SETTINGS_HEADER_TABLE_SIZE: our encoder never indexes, so any size suits it
    }
    this.frame(FrameType.SETTINGS, FLAG_ACK, 0, Buffer.alloc(0));
    for (const s of this.streams.values()) if (s.sendWindow > 0) this.flushStream(s);
  }

  private onWindowUpdate(streamId: number, p: Buffer): void {
    if (p.length !== 4) throw new ConnectionError(H2Error.FRAME_SIZE_ERROR, 'WINDOW_UPDATE size');
    const inc = p.readUInt32BE(0) & 0x7fffffff;
    if (streamId === 0) {
      if (inc === 0) throw new ConnectionError(H2Error.PROTOCOL_ERROR, 'zero window increment');
      this.connSendWindow += inc;
      if (this.connSendWindow > MAX_WINDOW)
        throw new ConnectionError(H2Error.FLOW_CONTROL_ERROR, 'connection window overflow');
      this.resumeWaiting();
      return;
    }
    const s = this.streams.get(streamId);
    if (!s) return; // closed streams may still get updates
    if (inc === 0) return s.reset(H2Error.PROTOCOL_ERROR);
    s.sendWindow += inc;
    if (s.sendWindow > MAX_WINDOW) return s.reset(H2Error.FLOW_CONTROL_ERROR);
    this.flushStream(s);
  }

  // ---- output ----

  /** Sends what the windows allow of a stream's queue, then its trailers if all is sent. */
  flushStream(s: H2Stream): void {
    if (this.dead || s.localClosed) return;
    const socketFull = this.socket.writableLength > SOCKET_HIGH_WATER;
    while (s.queue.length > 0) {
      const room = Math.min(s.sendWindow, this.connSendWindow, this.peerMaxFrame);
      if (room <= 0 || socketFull) {
        s.blocked = true;
        this.waiting.add(s);
        return;
      }
      const head = s.queue[0];
      let chunk: Buffer;
      if (head.length <= room) {
        chunk = s.queue.shift()!;
        s.queuedMessages--;
      } else {
        chunk = head.subarray(0, room);
        s.queue[0] = head.subarray(room);
      }
      s.queuedBytes -= chunk.length;
      s.sendWindow -= chunk.length;
      this.connSendWindow -= chunk.length;
      this.frame(FrameType.DATA, 0, s.id, chunk);
    }
    if (s.pendingTrailers) {
      const t = s.pendingTrailers;
      s.pendingTrailers = undefined;
      this.writeHeaders(s.id, t, true);
      s.localClosed = true;
      this.waiting.delete(s);
      // the response is complete; a client still sending is asked to stop (RFC 7540 §8.1)
      if (!s.remoteClosed) this.frameRst(s.id, H2Error.NO_ERROR);
      this.forget(s);
      return;
    }
    if (s.blocked) {
      s.blocked = false;
      this.waiting.delete(s);
      s.handler?.onDrain();
    }
  }

  /**
   * Writes one DATA frame of `len` bytes made by `fill` directly into outBuf, if the windows and
   * the socket take it now and it is small enough to copy anyway; false: the caller queues it.
   */
  writeDataDirect(s: H2Stream, len: number, fill: (b: Buffer, pos: number) => void): boolean {
    if (this.dead || s.localClosed) return true;
    if (
      len > OUT_COPY_MAX ||
      len > s.sendWindow ||
      len > this.connSendWindow ||
      len > this.peerMaxFrame ||
      this.socket.writableLength > SOCKET_HIGH_WATER
    )
      return false;
    s.sendWindow -= len;
    this.connSendWindow -= len;
    if (this.extendOpenData(s, len)) {
      fill(this.outBuf, this.outPos);
      this.outPos += len;
      this.afterCopy();
      return true;
    }
    this.reserve(9 + len);
    const at = this.outPos;
    this.frameHeader(len, FrameType.DATA, 0, s.id);
    this.openData = at;
    this.openDataStream = s.id;
    fill(this.outBuf, this.outPos);
    this.outPos += len;
    this.afterCopy();
    return true;
  }

  /**
   * Grows the last frame by `len` when it is a DATA frame of the same stream with room left:
   * consecutive messages of one stream then share a frame (a watch fan-out writes a stream's
   * responses one after the other), which saves the client a frame each.
   */
  private extendOpenData(s: H2Stream, len: number): boolean {
    const h = this.openData;
    if (h < 0 || this.openDataStream !== s.id || this.outPos + len > this.outBuf.length)
      return false;
    const b = this.outBuf;
    const total = ((b[h] << 16) | (b[h + 1] << 8) | b[h + 2]) + len;
    if (total > this.peerMaxFrame) return false;
    b[h] = total >>> 16;
    b[h + 1] = (total >>> 8) & 0xff;
    b[h + 2] = total & 0xff;
    return true;
  }

  private resumeWaiting(): void {
    for (const s of [...this.waiting]) {
      this.waiting.delete(s);
      this.flushStream(s);
      if (this.socket.writableLength > SOCKET_HIGH_WATER) break;
    }
  }

  writeHeaders(streamId: number, block: Buffer, endStream: boolean): void {
    const max = this.peerMaxFrame;
    if (block.length <= max) {
      this.frame(
        FrameType.HEADERS,
        FLAG_END_HEADERS | (endStream ? FLAG_END_STREAM : 0),
        streamId,
        block,
      );
      return;
    }
    this.frame(
      FrameType.HEADERS,
      endStream ? FLAG_END_STREAM : 0,
      streamId,
      block.subarray(0, max),
    );
    for (let off = max; off < block.length; off += max) {
      const last = off + max >= block.length;
      this.frame(
        FrameType.CONTINUATION,
        last ? FLAG_END_HEADERS : 0,
        streamId,
        block.subarray(off, off + max),
      );
    }
  }

  resetStream(s: H2Stream, code: H2Error): void {
    this.frameRst(s.id, code);
    this.forget(s);
  }

  windowUpdate(streamId: number, inc: number): void {
    const p = Buffer.allocUnsafe(4);
    p.writeUInt32BE(inc, 0);
    this.frame(FrameType.WINDOW_UPDATE, 0, streamId, p);
  }

  private frameRst(streamId: number, code: H2Error): void {
    const p = Buffer.allocUnsafe(4);
    p.writeUInt32BE(code, 0);
    this.frame(FrameType.RST_STREAM, 0, streamId, p);
  }

  private goAway(code: H2Error, debug: string): void {
    const d = Buffer.from(debug.slice(0, 256));
    const p = Buffer.allocUnsafe(8 + d.length);
    p.writeUInt32BE(this.lastStreamId, 0);
    p.writeUInt32BE(code, 4);
    d.copy(p, 8);
    this.frame(FrameType.GOAWAY, 0, 0, p);
  }

  private frame(type: FrameType, flags: number, streamId: number, payload: Buffer): void {
    if (this.dead) return;
    const len = payload.length;
    const copy = len <= OUT_COPY_MAX;
    this.reserve(9 + (copy ? len : 0));
    this.frameHeader(len, type, flags, streamId);
    if (copy) {
      if (len > 0) this.outPos += payload.copy(this.outBuf, this.outPos);
      this.afterCopy();
      return;
    }
    this.sealOut();
    this.outChunks.push(payload);
    this.scheduleFlush();
  }

  /** The 9-byte frame header at outPos (room reserved by the caller). */
  private frameHeader(len: number, type: FrameType, flags: number, streamId: number): void {
    this.openData = -1;
    const b = this.outBuf;
    const p = this.outPos;
    b[p] = len >>> 16;
    b[p + 1] = (len >>> 8) & 0xff;
    b[p + 2] = len & 0xff;
    b[p + 3] = type;
    b[p + 4] = flags;
    b.writeUInt32BE(streamId, p + 5);
    this.outPos = p + 9;
  }

  /** A frame was copied into outBuf: write early once enough has collected, else this tick. */
  private afterCopy(): void {
    if (this.outPos >= OUT_EARLY_FLUSH) this.flush();
    else this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (!this.flushQueued) {
      this.flushQueued = true;
      // after the current tick's promise callbacks: responses completed together leave together
      process.nextTick(() => this.flush());
    }
  }

  /** Makes room for n more bytes at outPos. */
  private reserve(n: number): void {
    if (this.outPos + n <= this.outBuf.length) return;
    this.sealOut();
    if (this.outBuf.length < n) this.newOutBlock(Math.max(OUT_CHUNK, n));
  }

  /**
   * Moves what outBuf holds into outChunks; later frames go into the rest of the buffer (the
   * socket keeps a view of the sealed part only, which is never written again).
   */
  private sealOut(): void {
    this.openData = -1;
    if (this.outPos === 0) return;
    this.outChunks.push(this.outBuf.subarray(0, this.outPos));
    this.outBuf = this.outBuf.subarray(this.outPos);
    this.outPos = 0;
    if (this.outBuf.length < 1024) this.newOutBlock(OUT_CHUNK);
  }

  private newOutBlock(size: number): void {
    this.outBuf = this.outBlock = Buffer.allocUnsafe(size);
  }

  private flush(): void {
    this.flushQueued = false;
    this.sealOut();
    const chunks = this.outChunks;
    this.outChunks = [];
    if (chunks.length === 0 || this.dead || this.socket.destroyed) return;
    if (chunks.length === 1) this.socket.write(chunks[0]);
    else {
      // one writev for the tick
      this.socket.cork();
      for (const c of chunks) this.socket.write(c);
      this.socket.uncork();
    }
    // Nothing left queued: the kernel took the bytes during write(), which keeps no reference,
    // so the block is written again from its start instead of touching fresh memory (a watch
    // fan-out fills several blocks per change).
    if (this.socket.writableLength === 0) {
      this.outBuf = this.outBlock;
      this.outPos = 0;
      this.openData = -1;
    }
  }

  // ---- stream and connection end ----

  private maybeForget(s: H2Stream): void {
    if (s.localClosed && s.remoteClosed) this.forget(s);
  }

  private forget(s: H2Stream): void {
    this.streams.delete(s.id);
    this.waiting.delete(s);
  }

  private die(): void {
    if (this.dead) return;
    this.flush();
    this.dead = true;
    this.socket.end();
  }

  private closed(): void {
    this.dead = true;
    const streams = [...this.streams.values()];
    this.streams.clear();
    this.waiting.clear();
    for (const s of streams) {
      s.localClosed = true;
      s.handler?.onReset();
    }
    this.onClose();
  }
}
