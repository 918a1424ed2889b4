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

let lastHeader: { header: etcdserverpb.IResponseHeader; bytes: Buffer } | undefined;

/** Header bytes, reused while the header object is the same one. */
export function encodedHeader(header: etcdserverpb.IResponseHeader): Buffer {
  if (lastHeader?.header !== header)
    lastHeader = {
      header,
      bytes: Buffer.from(etcdserverpb.ResponseHeader.encode(header).finish()),
    };
  return lastHeader.bytes;
}

export function encodeWatchEvents(
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
