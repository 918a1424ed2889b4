/**
 * Peer transport: Raft messages between members over plain TCP on --listen-peer-urls.
 *
 * Each member dials every other member once (the connection carries only our messages to that
 * peer) and accepts the peers' connections (carrying their messages to us): one connection per
 * peer and direction. A connection starts with a hello frame (JSON: cluster ID, member ID, name,
 * client URLs); a hello with another cluster ID or an unknown member ID closes the connection.
 *
 * Frame: u32 BE length of what follows, then a kind byte (1 = hello, 2 = raft message,
 * 3 = lease keep-alive forwarded to the leader, 4 = snapshot stream start, 5 = snapshot chunk,
 * 6 = membership query, sent instead of a hello by a member joining an existing cluster,
 * 7 = ZooKeeper session ids touched at a follower, forwarded to the leader), then the
 * body. Raft messages use the binary encoding below (numbers as float64 BE, which holds every
 * safe integer exactly; entry data as length-prefixed raw bytes, written without copying).
 *
 * Sending never blocks: with no connection (peer down, reconnecting with backoff) or with more
 * than MAX_BUFFERED bytes queued in the socket, the message is dropped and the peer reported
 * unreachable; Raft retransmits.
 *
 * Snapshots (MsgSnap) are not one frame: the leader streams the snapshot file (as stored in the
 * snap directory) on the same connection as a start frame (JSON: index, term, size) and chunks of
 * SNAP_CHUNK bytes, waiting for the socket to drain between chunks (TCP flow control paces it;
 * other Raft messages interleave between chunks), then sends the MsgSnap itself (metadata only).
 * The receiver writes the chunks to a temp file, verifies it (SHA-256) and renames it into its
 * snap directory before handing the MsgSnap to Raft; an incomplete stream is discarded.
 *
 * The peer set changes with membership: addPeer / removePeer / updatePeer.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import type { Logger } from 'pino';
import { ConfState, Entry, EntryType, Message, MessageType, NodeId, Snapshot } from '../raft';
import { ClusterMember } from './cluster';
import type { SnapshotReceiver } from './raft-snapshots';

const KIND_HELLO = 1;
const KIND_MSG = 2;
/** a follower forwards a lease keep-alive to the leader: body = lease ID, u64 BE */
const KIND_LEASE_RENEW = 3;
const KIND_SNAP_BEGIN = 4;
const KIND_SNAP_CHUNK = 5;
const KIND_MEMBERS = 6;
/** a follower forwards the ZooKeeper sessions its clients were heard from: body = n × u64 BE */
const KIND_ZK_TOUCH = 7;
const SNAP_CHUNK = 256 * 1024;
const MAX_FRAME = 256 * 1024 * 1024;
const MAX_BUFFERED = 16 * 1024 * 1024;
/** an Outgoing's buffer for the frames of one tick; one grown past PENDING_KEEP_MAX is dropped */
const PENDING_BYTES = 64 * 1024;
const PENDING_KEEP_MAX = 1024 * 1024;
const BACKOFF_MIN_MS = 50;
const BACKOFF_MAX_MS = 1000;

export interface Hello {
  clusterId: string;
  memberId: string;
  name: string;
  clientUrls: string[];
}

// ------------------------------------------------------------------------ codec

const TYPES: MessageType[] = [
  'MsgApp',
  'MsgAppResp',
  'MsgVote',
  'MsgPreVote',
  'MsgVoteResp',
  'MsgPreVoteResp',
  'MsgHeartbeat',
  'MsgHeartbeatResp',
  'MsgSnap',
  'MsgProp',
  'MsgReadIndex',
  'MsgReadIndexResp',
  'MsgTimeoutNow',
  'MsgTransferLeader',
];
const TYPE_CODE = new Map<MessageType, number>(TYPES.map((t, i) => [t, i]));
/**
 * Encodes into one growable buffer. An Outgoing keeps one for its whole life and encodes every
 * frame of a tick straight into it (no per-message buffers, part lists or concatenation: they
 * were a few KB of garbage per write on a leader).
 */
class Writer {
  buf: Buffer;
  pos = 0;

  constructor(initial = 1024) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }

  /** leaves n bytes to be filled in later (a frame's header, known once its body is written) */
  skip(n: number): void {
    this.ensure(n);
    this.pos += n;
  }

  num(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  bool(v: boolean): void {
    this.u8(v ? 1 : 0);
  }

  raw(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }

  bytes(b: Buffer): void {
    this.u32(b.length);
    this.raw(b);
  }

  str(s: string | undefined): void {
    if (s === undefined) {
      this.u32(0xffffffff);
      return;
    }
    const n = Buffer.byteLength(s, 'utf8');
    this.u32(n);
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, n, 'utf8');
  }

  ids(v: NodeId[]): void {
    this.u32(v.length);
    for (const x of v) this.num(x);
  }
}

class Reader {
  private pos = 0;
  constructor(private readonly b: Buffer) {}

  private need(n: number): void {
    if (this.pos + n > this.b.length) throw new Error('peer frame truncated');
  }

  u8(): number {
    this.need(1);
    return this.b[this.pos++];
  }

  u32(): number {
    this.need(4);
    const v = this.b.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  num(): number {
    this.need(8);
    const v = this.b.readDoubleBE(this.pos);
    this.pos += 8;
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`peer frame: bad integer ${v}`);
    return v;
  }

  bool(): boolean {
    return this.u8() !== 0;
  }

  bytes(): Buffer {
    const n = this.u32();
    this.need(n);
    const v = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  str(): string | undefined {
    const n = this.u32();
    if (n === 0xffffffff) return undefined;
    this.need(n);
    const v = this.b.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  ids(): NodeId[] {
    const n = this.u32();
    const v: NodeId[] = [];
    for (let i = 0; i < n; i++) v.push(this.num());
    return v;
  }

  end(): void {
    if (this.pos !== this.b.length) throw new Error('peer frame: trailing bytes');
  }
}

const ENTRY_TYPES: EntryType[] = ['normal', 'confChange'];

function writeEntries(
  w: Writer,
  es: Array<{ index?: number; term?: number; type: EntryType; data: Buffer }>,
  full: boolean,
): void {
  w.u32(es.length);
  for (const e of es) {
    if (full) {
      w.num(e.index!);
      w.num(e.term!);
    }
    w.u8(e.type === 'normal' ? 0 : 1);
    w.bytes(e.data);
  }
}

function readEntryType(r: Reader): EntryType {
  const t = ENTRY_TYPES[r.u8()];
  if (!t) throw new Error('peer frame: bad entry type');
  return t;
}

/** Encodes a Raft message (without the frame header). */
export function encodeMessage(m: Message): Buffer {
  const w = new Writer();
  writeMessage(w, m);
  return w.buf.subarray(0, w.pos);
}

function writeMessage(w: Writer, m: Message): void {
  w.u8(TYPE_CODE.get(m.type)!);
  w.num(m.from);
  w.num(m.to);
  w.num(m.term);
  switch (m.type) {
    case 'MsgApp':
      w.num(m.index);
      w.num(m.logTerm);
      w.num(m.commit);
      w.bool(m.noAck === true);
      writeEntries(w, m.entries, true);
      break;
    case 'MsgAppResp':
      w.num(m.index);
      w.bool(m.reject);
      w.num(m.rejectHint);
      w.num(m.logTerm);
      break;
    case 'MsgVote':
    case 'MsgPreVote':
      w.num(m.index);
      w.num(m.logTerm);
      w.bool(m.force);
      break;
    case 'MsgVoteResp':
    case 'MsgPreVoteResp':
      w.bool(m.reject);
      break;
    case 'MsgHeartbeat':
      w.num(m.commit);
      w.str(m.context);
      break;
    case 'MsgHeartbeatResp':
      w.str(m.context);
      break;
    case 'MsgSnap': {
      const s = m.snapshot;
      w.num(s.meta.index);
      w.num(s.meta.term);
      w.ids(s.meta.confState.voters);
      w.ids(s.meta.confState.learners);
      w.bytes(s.data);
      break;
    }
    case 'MsgProp':
      writeEntries(w, m.entries, false);
      break;
    case 'MsgReadIndex':
      w.str(m.context);
      break;
    case 'MsgReadIndexResp':
      w.num(m.index);
      w.str(m.context);
      break;
    case 'MsgTimeoutNow':
      break;
    case 'MsgTransferLeader':
      w.num(m.transferee);
      break;
  }
}

export function decodeMessage(b: Buffer): Message {
  const r = new Reader(b);
  const type = TYPES[r.u8()];
  if (!type) throw new Error('peer frame: bad message type');
  const from = r.num();
  const to = r.num();
  const term = r.num();
  let m: Message;
  switch (type) {
    case 'MsgApp': {
      const index = r.num();
      const logTerm = r.num();
      const commit = r.num();
      const noAck = r.bool();
      const n = r.u32();
      const entries: Entry[] = [];
      for (let i = 0; i < n; i++) {
        const ei = r.num();
        const et = r.num();
        entries.push({ index: ei, term: et, type: readEntryType(r), data: r.bytes() });
      }
      m = { type, from, to, term, index, logTerm, commit, noAck, entries };
      break;
    }
    case 'MsgAppResp':
      m = {
        type,
        from,
        to,
        term,
        index: r.num(),
        reject: r.bool(),
        rejectHint: r.num(),
        logTerm: r.num(),
      };
      break;
    case 'MsgVote':
    case 'MsgPreVote':
      m = { type, from, to, term, index: r.num(), logTerm: r.num(), force: r.bool() };
      break;
    case 'MsgVoteResp':
    case 'MsgPreVoteResp':
      m = { type, from, to, term, reject: r.bool() };
      break;
    case 'MsgHeartbeat': {
      const commit = r.num();
      const context = r.str();
      m = { type, from, to, term, commit };
      if (context !== undefined) m.context = context;
      break;
    }
    case 'MsgHeartbeatResp': {
      const context = r.str();
      m = { type, from, to, term };
      if (context !== undefined) m.context = context;
      break;
    }
    case 'MsgSnap': {
      const index = r.num();
      const sterm = r.num();
      const confState: ConfState = { voters: r.ids(), learners: r.ids() };
      const snapshot: Snapshot = { meta: { index, term: sterm, confState }, data: r.bytes() };
      m = { type, from, to, term, snapshot };
      break;
    }
    case 'MsgProp': {
      const n = r.u32();
      const entries: Array<{ type: EntryType; data: Buffer }> = [];
      for (let i = 0; i < n; i++) entries.push({ type: readEntryType(r), data: r.bytes() });
      m = { type, from, to, term, entries };
      break;
    }
    case 'MsgReadIndex':
      m = { type, from, to, term, context: r.str() ?? '' };
      break;
    case 'MsgReadIndexResp':
      m = { type, from, to, term, index: r.num(), context: r.str() ?? '' };
      break;
    case 'MsgTimeoutNow':
      m = { type, from, to, term };
      break;
    case 'MsgTransferLeader':
      m = { type, from, to, term, transferee: r.num() };
      break;
  }
  r.end();
  return m;
}

// ------------------------------------------------------------------------ framing

/** A frame is a u32 length (of what follows it), a kind byte, then the body. */
const FRAME_HEADER = 5;

function writeFrameHeader(b: Buffer, at: number, kind: number, bodyLength: number): void {
  b.writeUInt32BE(bodyLength + 1, at);
  b[at + 4] = kind;
}

function frame(kind: number, body: Buffer): Buffer {
  const f = Buffer.allocUnsafe(FRAME_HEADER + body.length);
  writeFrameHeader(f, 0, kind, body.length);
  body.copy(f, FRAME_HEADER);
  return f;
}

/** Splits a byte stream into frames; calls onFrame(kind, body). */
class FrameParser {
  private chunks: Buffer[] = [];
  private have = 0;

  constructor(private readonly onFrame: (kind: number, body: Buffer) => void) {}

  push(c: Buffer): void {
    this.chunks.push(c);
    this.have += c.length;
    for (;;) {
      if (this.have < 4) return;
      const len = this.peekLen();
      if (len < 1 || len > MAX_FRAME) throw new Error(`peer frame length ${len} out of range`);
      if (this.have < 4 + len) return;
      const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.have);
      const kind = all[4];
      const body = all.subarray(FRAME_HEADER, 4 + len);
      const rest = all.subarray(4 + len);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.have = rest.length;
      this.onFrame(kind, body);
    }
  }

  private peekLen(): number {
    const first = this.chunks[0];
    if (first.length >= 4) return first.readUInt32BE(0);
    const all = Buffer.concat(this.chunks, this.have);
    this.chunks = [all];
    return all.readUInt32BE(0);
  }
}

// ------------------------------------------------------------------------ transport

export interface PeerTransportOptions {
  self: ClusterMember;
  members: ClusterMember[];
  clusterId: bigint;
  listenPeerUrls: string[];
  /** our hello, read at each (re)connect */
  hello: () => Hello;
  onMessage: (m: Message) => void;
  onUnreachable: (raftId: NodeId) => void;
  onHello: (raftId: NodeId, h: Hello) => void;
  onLeaseRenew: (leaseId: bigint) => void;
  /** a follower forwarded the ZooKeeper sessions its clients were heard from */
  onZkSessionTouch?: (sessionIds: bigint[]) => void;
  /** where streamed snapshots are written */
  receiveSnapshot: (index: number, term: number) => SnapshotReceiver;
  /** answer to a joining member's membership query */
  membersInfo: () => unknown;
  logger: Logger;
}

class Outgoing {
  private sock: net.Socket | undefined;
  private connected = false;
  private backoff = BACKOFF_MIN_MS;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private wasUp = false;
  private readonly host: string;
  private readonly port: number;

  constructor(
    readonly peer: ClusterMember,
    private readonly t: PeerTransport,
  ) {
    const u = new URL(peer.peerUrls[0]);
    this.host = u.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(u.port || 2380);
  }

  start(): void {
    if (this.closed) return;
    const s = net.connect({ host: this.host, port: this.port });
    this.sock = s;
    s.setNoDelay(true);
    s.on('connect', () => {
      this.connected = true;
      this.backoff = BACKOFF_MIN_MS;
      if (!this.wasUp) this.t.log.info({ peer: this.peer.name }, 'peer connection established');
      this.wasUp = true;
      const h = Buffer.from(JSON.stringify(this.t.opts.hello()), 'utf8');
      this.write(frame(KIND_HELLO, h));
    });
    s.on('data', () => undefined); // the peer never writes on this connection
    s.on('error', () => undefined); // 'close' follows
    s.on('close', () => {
      if (this.wasUp && this.connected)
        this.t.log.warn({ peer: this.peer.name }, 'peer connection lost');
      if (this.connected) this.wasUp = false;
      this.connected = false;
      this.sock = undefined;
      this.dropPending();
      if (this.closed) return;
      this.timer = setTimeout(() => this.start(), this.backoff);
      this.timer.unref();
      this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS);
    });
  }

  /**
   * Frames sent in this tick, encoded back to back and written together (one syscall per peer
   * per tick, not per message). Kept for the connection's life; shrunk after a large message.
   */
  private pending = new Writer(PENDING_BYTES);
  private flushQueued = false;

  private dropPending(): void {
    this.pending.pos = 0;
    if (this.pending.buf.length > PENDING_KEEP_MAX) this.pending = new Writer(PENDING_BYTES);
  }

  private write(f: Buffer): void {
    this.flush(); // keep order with messages queued by send()
    this.sock!.write(f);
  }

  /** Writes the queued messages now (one syscall), instead of at the end of the tick. */
  flush(): void {
    const w = this.pending;
    if (w.pos === 0) return;
    // the socket may hold what it is given until written: it gets a copy, pending is reused
    const out = Buffer.allocUnsafe(w.pos);
    w.buf.copy(out, 0, 0, w.pos);
    this.dropPending();
    const s = this.sock;
    if (!s || !this.connected) return; // the connection went away: Raft retransmits
    s.write(out);
  }

  /** Streams a snapshot file, then the MsgSnap; false if the connection failed meanwhile. */
  async sendSnapshot(file: string, index: number, term: number, msg: Buffer): Promise<boolean> {
    const s = this.sock;
    if (!this.connected || !s) return false;
    let broken = false;
    const onClose = () => (broken = true);
    s.once('close', onClose);
    const fh = await fs.promises.open(file, 'r');
    try {
      const size = (await fh.stat()).size;
      if (broken || s !== this.sock) return false;
      this.write(
        frame(KIND_SNAP_BEGIN, Buffer.from(JSON.stringify({ index, term, size }), 'utf8')),
      );
      let pos = 0;
      while (pos < size) {
        // read straight into the frame, after room for its header
        const f = Buffer.allocUnsafe(FRAME_HEADER + Math.min(SNAP_CHUNK, size - pos));
        const { bytesRead } = await fh.read(f, FRAME_HEADER, f.length - FRAME_HEADER, pos);
        if (bytesRead === 0) throw new Error(`snapshot ${file} shrank while sending`);
        if (broken || s !== this.sock) return false;
        pos += bytesRead;
        writeFrameHeader(f, 0, KIND_SNAP_CHUNK, bytesRead);
        const ok = s.write(f.subarray(0, FRAME_HEADER + bytesRead));
        if (!ok)
          await new Promise<void>((r) => {
            s.once('drain', r);
            s.once('close', r);
          });
      }
      if (broken || s !== this.sock) return false;
      this.write(frame(KIND_MSG, msg));
      return true;
    } finally {
      s.off('close', onClose);
      await fh.close();
    }
  }

  /** false if the message was dropped */
  send(body: Buffer, kind: number): boolean {
    const start = this.beginFrame();
    if (start < 0) return false;
    this.pending.raw(body);
    this.endFrame(start, kind);
    return true;
  }

  /** A Raft message, encoded straight into the pending frames; false if it was dropped. */
  sendMessage(m: Message): boolean {
    const start = this.beginFrame();
    if (start < 0) return false;
    try {
      writeMessage(this.pending, m);
    } catch (err) {
      this.pending.pos = start; // no half-written frame in the stream
      throw err;
    }
    this.endFrame(start, KIND_MSG);
    return true;
  }

  /** Starts a frame in pending (its header written by endFrame); its offset, or -1 to drop it. */
  private beginFrame(): number {
    if (!this.connected || !this.sock || this.sock.writableLength > MAX_BUFFERED) return -1;
    const start = this.pending.pos;
    this.pending.skip(FRAME_HEADER);
    return start;
  }

  /** Finishes the frame begun at `start` and schedules the end-of-tick write. */
  private endFrame(start: number, kind: number): void {
    const w = this.pending;
    writeFrameHeader(w.buf, start, kind, w.pos - start - FRAME_HEADER);
    if (!this.flushQueued) {
      this.flushQueued = true;
      process.nextTick(this.flushAtTickEnd);
    }
  }

  private readonly flushAtTickEnd = (): void => {
    this.flushQueued = false;
    this.flush();
  };

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.sock?.destroy();
  }
}

export class PeerTransport {
  private readonly out = new Map<NodeId, Outgoing>();
  private readonly peers = new Map<NodeId, ClusterMember>();
  private readonly servers: net.Server[] = [];
  private readonly inbound = new Set<net.Socket>();
  private started = false;
  readonly log: Logger;

  constructor(readonly opts: PeerTransportOptions) {
    this.log = opts.logger.child({ component: 'peer' });
    for (const m of opts.members) this.addPeer(m);
  }

  /** Starts talking to a new member (or does nothing if it is known). */
  addPeer(m: ClusterMember): void {
    if (m.raftId === this.opts.self.raftId || this.peers.has(m.raftId)) return;
    this.peers.set(m.raftId, m);
    const o = new Outgoing(m, this);
    this.out.set(m.raftId, o);
    if (this.started) o.start();
  }

  removePeer(raftId: NodeId): void {
    this.peers.delete(raftId);
    this.out.get(raftId)?.close();
    this.out.delete(raftId);
  }

  /** A member's peer URLs changed: reconnect to the new ones. */
  updatePeer(m: ClusterMember): void {
    const cur = this.peers.get(m.raftId);
    if (!cur || cur.peerUrls.join(',') === m.peerUrls.join(',')) return;
    this.removePeer(m.raftId);
    this.addPeer(m);
  }

  hasPeer(raftId: NodeId): boolean {
    return this.peers.has(raftId);
  }

  async start(): Promise<void> {
    for (const u of this.opts.listenPeerUrls) {
      const url = new URL(u);
      if (url.protocol !== 'http:')
        throw new Error(`unsupported peer URL ${u}: only http:// is supported`);
      const srv = net.createServer((s) => this.accept(s));
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(Number(url.port || 2380), url.hostname.replace(/^\[|\]$/g, ''), () => {
          srv.off('error', reject);
          resolve();
        });
      });
      srv.on('error', (err) => this.log.error({ err }, 'peer listener error'));
      this.servers.push(srv);
    }
    this.started = true;
    for (const o of this.out.values()) o.start();
  }

  private accept(s: net.Socket): void {
    this.inbound.add(s);
    s.setNoDelay(true);
    let peer: ClusterMember | undefined;
    let recv: SnapshotReceiver | undefined;
    const parser = new FrameParser((kind, body) => {
      if (kind === KIND_MEMBERS && !peer) {
        // a joining member asks who is in the cluster, then hangs up
        const b = Buffer.from(JSON.stringify(this.opts.membersInfo()), 'utf8');
        s.end(frame(KIND_MEMBERS, b));
        return;
      }
      if (kind === KIND_HELLO) {
        const h = JSON.parse(body.toString('utf8')) as Hello;
        if (h.clusterId !== this.opts.clusterId.toString(16)) {
          throw new Error(
            `peer ${h.name} (${h.memberId}) belongs to cluster ${h.clusterId}, not ${this.opts.clusterId.toString(16)}`,
          );
        }
        peer = [...this.peers.values()].find((m) => m.id.toString(16) === h.memberId);
        if (!peer || peer.raftId === this.opts.self.raftId)
          throw new Error(`unknown peer member ${h.memberId} (${h.name})`);
        this.opts.onHello(peer.raftId, h);
        return;
      }
      if (!peer) throw new Error('peer sent a message before its hello');
      if (kind === KIND_LEASE_RENEW) {
        if (body.length !== 8) throw new Error('bad lease renew frame');
        this.opts.onLeaseRenew(body.readBigUInt64BE(0));
        return;
      }
      if (kind === KIND_ZK_TOUCH) {
        if (body.length % 8 !== 0) throw new Error('bad ZooKeeper session touch frame');
        const ids: bigint[] = [];
        for (let i = 0; i < body.length; i += 8) ids.push(body.readBigUInt64BE(i));
        this.opts.onZkSessionTouch?.(ids);
        return;
      }
      if (kind === KIND_SNAP_BEGIN) {
        recv?.abort();
        const h = JSON.parse(body.toString('utf8')) as {
          index: number;
          term: number;
          size: number;
        };
        if (!Number.isSafeInteger(h.index) || !Number.isSafeInteger(h.term))
          throw new Error('bad snapshot start frame');
        this.log.info(
          { peer: peer.name, index: h.index, term: h.term, bytes: h.size },
          'receiving snapshot',
        );
        recv = this.opts.receiveSnapshot(h.index, h.term);
        return;
      }
      if (kind === KIND_SNAP_CHUNK) {
        if (!recv) throw new Error('snapshot chunk without a start');
        recv.write(body);
        return;
      }
      if (kind !== KIND_MSG) throw new Error(`unknown peer frame kind ${kind}`);
      const m = decodeMessage(body);
      if (m.from !== peer.raftId || m.to !== this.opts.self.raftId)
        throw new Error(`peer ${peer.name} sent a message from ${m.from} to ${m.to}`);
      if (m.type === 'MsgSnap') {
        // the file came first: verify it before Raft sees the snapshot (later frames wait)
        const r = recv;
        recv = undefined;
        if (!r || r.index !== m.snapshot.meta.index || r.term !== m.snapshot.meta.term) {
          r?.abort();
          this.log.warn(
            { peer: peer.name, index: m.snapshot.meta.index },
            'MsgSnap without its snapshot file: dropped',
          );
          return;
        }
        s.pause();
        void r.finish().then((ok) => {
          if (ok) {
            this.log.info({ index: r.index, term: r.term }, 'snapshot received');
            this.opts.onMessage(m);
          } else
            this.log.warn({ index: r.index }, 'received snapshot failed verification: dropped');
          s.resume();
        });
        return;
      }
      this.opts.onMessage(m);
    });
    s.on('data', (c: Buffer) => {
      try {
        parser.push(c);
      } catch (err) {
        this.log.warn(
          { err: (err as Error).message, remote: s.remoteAddress },
          'closing peer connection',
        );
        s.destroy();
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      this.inbound.delete(s);
      recv?.abort();
      recv = undefined;
    });
  }

  send(m: Message): void {
    const o = this.out.get(m.to);
    if (!o) return;
    if (!o.sendMessage(m)) this.opts.onUnreachable(m.to);
  }

  /**
   * Writes every peer's queued messages now. send() leaves them for the end of the tick so the
   * messages of one tick share a syscall; a caller that is about to run long synchronous work
   * (applying entries, a WAL sync on the event loop) flushes first so peers are not kept waiting.
   */
  flush(): void {
    for (const o of this.out.values()) o.flush();
  }

  /** Streams a snapshot file to the peer, then the MsgSnap (see above); false on failure. */
  sendSnapshot(m: Message & { type: 'MsgSnap' }, file: string): Promise<boolean> {
    const o = this.out.get(m.to);
    if (!o) return Promise.resolve(false);
    return o
      .sendSnapshot(file, m.snapshot.meta.index, m.snapshot.meta.term, encodeMessage(m))
      .catch((err: Error) => {
        this.log.warn({ err: err.message, to: m.to }, 'sending snapshot failed');
        return false;
      });
  }

  /** Best effort (dropped when the connection is down): the client keeps sending keep-alives. */
  sendLeaseRenew(to: NodeId, leaseId: bigint): void {
    const b = Buffer.allocUnsafe(8);
    b.writeBigUInt64BE(leaseId, 0);
    this.out.get(to)?.send(b, KIND_LEASE_RENEW);
  }

  /** Best effort, as sendLeaseRenew: the follower sends the next batch a half tick later. */
  sendZkSessionTouch(to: NodeId, sessionIds: bigint[]): void {
    const b = Buffer.allocUnsafe(8 * sessionIds.length);
    sessionIds.forEach((id, i) => b.writeBigUInt64BE(BigInt.asUintN(64, id), 8 * i));
    this.out.get(to)?.send(b, KIND_ZK_TOUCH);
  }

  async close(): Promise<void> {
    for (const o of this.out.values()) o.close();
    for (const s of this.inbound) s.destroy();
    await Promise.all(this.servers.map((srv) => new Promise<void>((r) => srv.close(() => r()))));
  }
}

/** Asks a member at `peerUrl` for the cluster's membership (a joining member does this first). */
export function queryMembers(peerUrl: string, timeoutMs = 3000): Promise<unknown> {
  const u = new URL(peerUrl);
  return new Promise((resolve, reject) => {
    const sock = net.connect({
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port: Number(u.port || 2380),
    });
    const timer = setTimeout(
      () => sock.destroy(new Error(`membership query to ${peerUrl} timed out`)),
      timeoutMs,
    );
    let done = false;
    const parser = new FrameParser((kind, body) => {
      if (kind !== KIND_MEMBERS) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      try {
        resolve(JSON.parse(body.toString('utf8')));
      } catch (err) {
        reject(err as Error);
      }
    });
    sock.on('connect', () => sock.write(frame(KIND_MEMBERS, Buffer.from('{}'))));
    sock.on('data', (c: Buffer) => parser.push(c));
    sock.on('error', (err) => {
      clearTimeout(timer);
      if (!done) reject(err);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      if (!done) reject(new Error(`membership query to ${peerUrl}: connection closed`));
    });
  });
}
