import { etcdserverpb, mvccpb, protobuf } from '@concord/proto';
import { MvccEvent } from '../../mvcc/types';
import { toPbKv } from '../../server/pb';

/**
 * Wire encoding for watch fan-out. One change usually goes to many watchers: each event is
 * encoded once (with and without its prev_kv) and every watcher's WatchResponse is assembled
 * from those bytes plus its own watch id, instead of converting and encoding per watcher.
 *
 * WatchResponse fields used here: header = 1, watch_id = 2, fragment = 7, events = 11.
 */
const withPrev = new WeakMap<MvccEvent, Buffer>();
const withoutPrev = new WeakMap<MvccEvent, Buffer>();

export function encodedEvent(ev: MvccEvent, prev: boolean): Buffer {
  const cache = prev && ev.prevKv ? withPrev : withoutPrev;
  let b = cache.get(ev);
  if (!b) {
    const pb: mvccpb.IEvent = { type: ev.type, kv: toPbKv(ev.kv) };
    if (prev && ev.prevKv) pb.prevKv = toPbKv(ev.prevKv);
    b = Buffer.from(mvccpb.Event.encode(pb).finish());
    cache.set(ev, b);
  }
  return b;
}

const lastHeader = new WeakMap<object, { revision: number; term: number; bytes: Buffer }>();

/**
 * Header bytes of `server` for a revision, reused while revision and term stay the same (one
 * change is fanned out to every watcher with the same header). `make` builds the header.
 */
export function encodedHeader(
  server: object,
  revision: number,
  term: number,
  make: () => etcdserverpb.IResponseHeader,
): Buffer {
  let h = lastHeader.get(server);
  if (h?.revision !== revision || h.term !== term) {
    h = { revision, term, bytes: Buffer.from(etcdserverpb.ResponseHeader.encode(make()).finish()) };
    lastHeader.set(server, h);
  }
  return h.bytes;
}

function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function putVarint(b: Buffer, pos: number, v: number): number {
  while (v >= 0x80) {
    b[pos++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  b[pos++] = v;
  return pos;
}

/**
 * The events of one notification, encoded, for every watcher it goes to: the hub hands the same
 * array to all of them, so the last one is kept (per prev_kv choice).
 */
const lastEncoded = [
  { events: undefined as MvccEvent[] | undefined, bytes: [] as Buffer[] },
  { events: undefined as MvccEvent[] | undefined, bytes: [] as Buffer[] },
];

export function encodedEvents(events: MvccEvent[], prev: boolean): Buffer[] {
  const slot = lastEncoded[prev ? 1 : 0];
  if (slot.events !== events) {
    slot.bytes = events.map((ev) => encodedEvent(ev, prev));
    slot.events = events;
  }
  return slot.bytes;
}

// Field writers shared by both ways of building a response (one watcher's events, or the
// parts of a change shared by all its watchers): header = 1, watch_id = 2, fragment = 7,
// events = 11; watch_id non-negative (a negative one goes through protobufjs).

function bytesFieldSize(len: number): number {
  return 1 + varintSize(len) + len;
}

function putBytesField(b: Buffer, pos: number, field: number, bytes: Buffer): number {
  b[pos++] = (field << 3) | 2;
  pos = putVarint(b, pos, bytes.length);
  b.set(bytes, pos); // (set, not copy: cheaper for these small arrays)
  return pos + bytes.length;
}

function watchIdFieldSize(watchId: number): number {
  return watchId !== 0 ? 1 + varintSize(watchId) : 0;
}

function putWatchIdField(b: Buffer, pos: number, watchId: number): number {
  if (watchId === 0) return pos; // proto3 default: not written
  b[pos++] = (2 << 3) | 0;
  return putVarint(b, pos, watchId);
}

function eventFieldsSize(events: Buffer[]): number {
  let n = 0;
  for (const e of events) n += bytesFieldSize(e.length);
  return n;
}

function putEventFields(b: Buffer, pos: number, events: Buffer[]): number {
  for (const e of events) pos = putBytesField(b, pos, 11, e);
  return pos;
}

/** The gRPC message prefix: flag byte 0 and the 4-byte length of what follows. */
function putFramePrefix(b: Buffer, pos: number, framedSize: number): number {
  b[pos] = 0;
  b.writeUInt32BE(framedSize - 5, pos + 1);
  return pos + 5;
}

/**
 * Size of one WatchResponse framed as a gRPC message (flag byte + 4-byte length + bytes), as
 * writeWatchEventsFramed writes it. watch_id must be non-negative (ids are assigned from 0 or
 * chosen ≥ 0 by the client; a negative one goes through encodeWatchEventsFramed).
 */
export function watchEventsFramedSize(
  header: Buffer,
  watchId: number,
  events: Buffer[],
  fragment: boolean,
): number {
  return (
    5 +
    bytesFieldSize(header.length) +
    watchIdFieldSize(watchId) +
    (fragment ? 2 : 0) +
    eventFieldsSize(events)
  );
}

/**
 * Writes one framed WatchResponse of `framedSize` bytes (watchEventsFramedSize, which the
 * caller needed first to make room) at `pos` of `b`: straight into the output buffer.
 */
export function writeWatchEventsFramed(
  b: Buffer,
  pos: number,
  framedSize: number,
  header: Buffer,
  watchId: number,
  events: Buffer[],
  fragment: boolean,
): void {
  pos = putFramePrefix(b, pos, framedSize);
  pos = putBytesField(b, pos, 1, header);
  pos = putWatchIdField(b, pos, watchId);
  if (fragment) {
    b[pos++] = (7 << 3) | 0;
    b[pos++] = 1;
  }
  putEventFields(b, pos, events);
}

/** One WatchResponse framed as a gRPC message, in a buffer of its own. */
export function encodeWatchEventsFramed(
  header: Buffer,
  watchId: number,
  events: Buffer[],
  fragment: boolean,
): Buffer {
  if (watchId < 0) {
    // int64 varint of a negative id: leave it to protobufjs
    const body = encodeWatchEvents(header, watchId, events, fragment);
    const f = Buffer.allocUnsafe(5 + body.length);
    body.copy(f, putFramePrefix(f, 0, f.length));
    return f;
  }
  const size = watchEventsFramedSize(header, watchId, events, fragment);
  const b = Buffer.allocUnsafe(size);
  writeWatchEventsFramed(b, 0, size, header, watchId, events, fragment);
  return b;
}

function encodeWatchEvents(
  header: Buffer,
  watchId: number,
  events: Buffer[],
  fragment: boolean,
): Buffer {
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 2).bytes(header);
  if (watchId !== 0) w.uint32((2 << 3) | 0).int64(watchId);
  if (fragment) w.uint32((7 << 3) | 0).bool(true);
  for (const e of events) w.uint32((11 << 3) | 2).bytes(e);
  return Buffer.from(w.finish());
}

/**
 * The parts of a WatchResponse that every watcher of one change shares: the header field and
 * the events fields, each with its tag and length. A watcher's framed response is then
 * prefix + head + its watch_id field + events (fields in number order, as etcd writes them),
 * so a fan-out writes each response with two copies and a few bytes (writeSharedResponse).
 */
export interface SharedResponse {
  head: Buffer;
  events: Buffer;
}

/** by the encoded events of a change (encodedEvents keeps one array per change and prev_kv choice) */
const sharedByEvents = new WeakMap<Buffer[], { header: Buffer; shared: SharedResponse }>();

/** The shared parts for a header and events; every stream of a fan-out asks for the same. */
export function sharedResponse(header: Buffer, events: Buffer[]): SharedResponse {
  const known = sharedByEvents.get(events);
  if (known?.header === header) return known.shared;
  const head = Buffer.allocUnsafe(bytesFieldSize(header.length));
  putBytesField(head, 0, 1, header);
  const evs = Buffer.allocUnsafe(eventFieldsSize(events));
  putEventFields(evs, 0, events);
  const shared = { head, events: evs };
  sharedByEvents.set(events, { header, shared });
  return shared;
}

/** Framed size of one watcher's response built from shared parts (watch id ≥ 0). */
export function sharedResponseFramedSize(s: SharedResponse, watchId: number): number {
  return 5 + s.head.length + watchIdFieldSize(watchId) + s.events.length;
}

/** Writes one watcher's framed response of `framedSize` bytes at `pos`; returns the end. */
export function writeSharedResponse(
  b: Buffer,
  pos: number,
  framedSize: number,
  s: SharedResponse,
  watchId: number,
): number {
  pos = putFramePrefix(b, pos, framedSize);
  b.set(s.head, pos);
  pos = putWatchIdField(b, pos + s.head.length, watchId);
  b.set(s.events, pos);
  return pos + s.events.length;
}
