import type { Logger } from 'pino';
import type { StreamCall } from '../grpc/grpc-server';
import { OUT_COPY_MAX } from '../grpc/http2-session';
import { etcdserverpb } from '@concord/proto';
import { EtcdServer } from '../../server/etcd-server';
import { Watcher, WatchSink } from '../../watch/watch-hub';
import { MvccEvent } from '../../mvcc/types';
import { buf, num } from '../../server/pb';
import {
  encodedEvents,
  encodedHeader,
  encodeWatchEventsFramed,
  SharedResponse,
  sharedResponse,
  sharedResponseFramedSize,
  watchEventsFramedSize,
  writeSharedResponse,
  writeWatchEventsFramed,
} from './watch-encoding';

type WatchCall = StreamCall<etcdserverpb.WatchRequest, etcdserverpb.IWatchResponse>;

const DEFAULT_PROGRESS_NOTIFY_MS = 10 * 60 * 1000;
const MIN_PROGRESS_NOTIFY_MS = 100;

/**
 * The watch progress-notify interval as etcd takes --experimental-watch-progress-notify-interval:
 * 0 or less (or none) keeps the default, 10 minutes; a positive one below 100 ms is raised to
 * 100 ms with a warning.
 */
export function progressNotifyInterval(ms: number | undefined, logger?: Logger): number {
  if (ms === undefined || !(ms > 0)) return DEFAULT_PROGRESS_NOTIFY_MS;
  if (ms < MIN_PROGRESS_NOTIFY_MS) {
    logger?.warn(
      { requestedMs: ms, minMs: MIN_PROGRESS_NOTIFY_MS },
      'watch progress notify interval raised to its minimum',
    );
    return MIN_PROGRESS_NOTIFY_MS;
  }
  return ms;
}

export interface WatchStreamOptions {
  progressNotifyIntervalMs: number;
  maxRequestBytes: number;
}

/**
 * What a stream keeps per watcher lives on the hub's Watcher: its watch ID (sinkId; etcd's
 * watch IDs are per stream, assigned from 0 unless the client chooses one) and these flags
 * (sinkFlags). No object and no map entry of the stream's own per watcher: ten thousand
 * watchers are often created in one burst.
 */
const PROGRESS_NOTIFY = 1;
const FRAGMENT = 2;
/**
 * Canceled by a compaction (its start revision was compacted away): it gets no more events,
 * but as in etcd its ID stays taken on the stream until the client cancels it, and that cancel
 * is answered (etcd's watch stream keeps such a watcher until Cancel). The hub has dropped it
 * already, so it is never synced again; a second hub cancel is a no-op.
 */
const COMPACTED = 4;
/** Canceled by the client or closed with its stream: anything still handed to it is dropped. */
const CANCELED = 8;

const MAX_QUEUED_RESPONSES = 1024;
/**
 * A fan-out hands the transport its responses in writes of at most this many bytes: what the
 * HTTP/2 session copies straight into its output (consecutive writes of one stream then share
 * a DATA frame), so a stream's hundred responses cost a few calls and no buffers of their own.
 */
const FANOUT_WRITE_BYTES = OUT_COPY_MAX;
const ERR_DUPLICATE_ID = 'mvcc: duplicate watch ID provided on the WatchStream';

/** One client Watch stream: many watchers share it and its flow control. */
export class WatchStream implements WatchSink {
  /** this stream's watchers by watch ID */
  private readonly watches = new Map<number, Watcher>();
  private nextId = 0;
  private closed = false;
  private progressTimer: NodeJS.Timeout | undefined;
  private progressPending = false;

  constructor(
    private readonly server: EtcdServer,
    private readonly call: WatchCall,
    private readonly opts: WatchStreamOptions,
  ) {
    call.on('data', (req: etcdserverpb.WatchRequest) => this.onRequest(req));
    call.on('end', () => this.close(true));
    call.on('error', () => this.close(false));
    call.on('cancelled', () => this.close(false));
    call.on('drain', () => this.server.watches.resume());
    this.progressTimer = setInterval(
      () => this.sendProgressNotifies(),
      opts.progressNotifyIntervalMs,
    );
    this.progressTimer.unref();
  }

  /**
   * Room for more responses on this stream: below the transport's byte high-water mark and
   * below MAX_QUEUED_RESPONSES queued messages. When full, watchers fall back to catch-up from
   * the backend instead of growing a queue; 'drain' resumes them.
   */
  get writable(): boolean {
    // (the JSON gateway's call has no writableLength; its writableNeedDrain is the HTTP response's)
    return (
      !this.closed &&
      !this.call.writableNeedDrain &&
      !((this.call.writableLength ?? 0) >= MAX_QUEUED_RESPONSES)
    );
  }

  private onRequest(req: etcdserverpb.WatchRequest): void {
    if (this.closed) return;
    if (req.createRequest) this.create(req.createRequest);
    else if (req.cancelRequest) this.cancel(num(req.cancelRequest.watchId));
    else if (req.progressRequest) this.progress();
  }

  private create(c: etcdserverpb.IWatchCreateRequest): void {
    let id = num(c.watchId);
    if (id !== 0 && this.watches.has(id)) {
      this.write({
        header: this.server.header(),
        watchId: -1,
        created: true,
        canceled: true,
        cancelReason: ERR_DUPLICATE_ID,
      });
      return;
    }
    if (id === 0) {
      while (this.watches.has(this.nextId)) this.nextId++;
      id = this.nextId++;
    }
    const filters = c.filters ?? [];
    const F = etcdserverpb.WatchCreateRequest.FilterType;
    // the created response must precede any event of this watcher
    this.write({ header: this.server.header(), watchId: id, created: true });
    const watcher = this.server.watches.watch({
      key: buf(c.key),
      rangeEnd: buf(c.rangeEnd),
      startRevision: num(c.startRevision),
      noPut: filters.includes(F.NOPUT),
      noDelete: filters.includes(F.NODELETE),
      prevKv: !!c.prevKv,
      sink: this,
      sinkId: id,
      sinkFlags: (c.progressNotify ? PROGRESS_NOTIFY : 0) | (c.fragment ? FRAGMENT : 0),
    });
    this.watches.set(id, watcher);
  }

  /**
   * Whether the watcher still gets events: a flag test, not a map lookup, as it runs for every
   * watcher of a fan-out (the hub no longer hands out a watcher it canceled; this is the
   * stream's own guard that no event follows a cancel or compaction response).
   */
  private live(w: Watcher): boolean {
    return (w.sinkFlags & (COMPACTED | CANCELED)) === 0;
  }

  private cancel(id: number): void {
    const w = this.watches.get(id);
    if (!w) return;
    w.sinkFlags |= CANCELED;
    this.server.watches.cancel(w);
    this.watches.delete(id);
    this.write({ header: this.server.header(), watchId: id, canceled: true });
  }

  /** A progress request is answered once every watcher of the stream is synced. */
  private progress(): void {
    this.progressPending = true;
    this.maybeSendProgress();
  }

  private maybeSendProgress(): void {
    if (!this.progressPending) return;
    for (const w of this.watches.values()) if ((w.sinkFlags & COMPACTED) === 0 && !w.synced) return;
    this.progressPending = false;
    this.write({ header: this.server.header(), watchId: -1 });
  }

  private sendProgressNotifies(): void {
    for (const w of this.watches.values())
      if (w.sinkFlags & PROGRESS_NOTIFY && w.synced)
        this.write({ header: this.server.header(), watchId: w.sinkId });
  }

  // ---- WatchSink

  send(watcher: Watcher, events: MvccEvent[], revision: number): boolean {
    if (!this.live(watcher)) return true;
    const encoded = encodedEvents(events, watcher.prevKv);
    const header = encodedHeader(this.server, revision, this.server.raftTerm, () =>
      this.server.header(revision),
    );
    if (watcher.sinkFlags & FRAGMENT) this.sendFragmented(watcher.sinkId, header, encoded);
    else this.writeEvents(header, watcher.sinkId, encoded);
    if (this.progressPending) queueMicrotask(() => this.maybeSendProgress());
    return this.writable;
  }

  /**
   * The same change to several watchers of this stream (the hub's fan-out to one key): each
   * response is built from parts shared by all of them (sharedResponse) and written in batches
   * of FANOUT_WRITE_BYTES. Stops once the stream is full; returns how many watchers, from the
   * start of the list, were served (the hub lets the rest catch up after the drain).
   */
  sendMany(watchers: Watcher[], events: MvccEvent[], revision: number): number {
    const call = this.call as unknown as {
      writeFramedWith?(len: number, fill: (b: Buffer, pos: number) => void): boolean;
    };
    if (this.closed) return watchers.length; // nothing goes out on a closed stream
    if (!call.writeFramedWith) return this.sendEach(watchers, events, revision);
    const writeWith = call.writeFramedWith.bind(call);
    const header = encodedHeader(this.server, revision, this.server.raftTerm, () =>
      this.server.header(revision),
    );
    // the shared parts with and without prev_kv, each made once per call
    let plain: SharedResponse | undefined;
    let withPrev: SharedResponse | undefined;
    const ids: number[] = [];
    const sizes: number[] = [];
    let bytes = 0;
    let batchShared: SharedResponse | undefined;
    const flush = (): void => {
      const shared = batchShared!;
      const n = ids.length;
      writeWith(bytes, (b, pos) => {
        for (let j = 0; j < n; j++) pos = writeSharedResponse(b, pos, sizes[j], shared, ids[j]);
      });
      ids.length = 0;
      sizes.length = 0;
      bytes = 0;
    };
    for (let i = 0; i < watchers.length; i++) {
      const w = watchers[i];
      if (!this.live(w)) continue; // canceled on this stream meanwhile: nothing to send
      if (w.sinkFlags & FRAGMENT || w.sinkId < 0) {
        if (ids.length > 0) flush();
        this.send(w, events, revision);
      } else {
        const shared = w.prevKv
          ? (withPrev ??= sharedResponse(header, encodedEvents(events, true)))
          : (plain ??= sharedResponse(header, encodedEvents(events, false)));
        const size = sharedResponseFramedSize(shared, w.sinkId);
        if (ids.length > 0 && (shared !== batchShared || bytes + size > FANOUT_WRITE_BYTES))
          flush();
        batchShared = shared;
        ids.push(w.sinkId);
        sizes.push(size);
        bytes += size;
        if (bytes < FANOUT_WRITE_BYTES) continue;
        flush();
      }
      if (!this.writable) return this.served(i + 1);
    }
    if (ids.length > 0) flush();
    return this.served(watchers.length);
  }

  /** A fan-out's end: a progress request waiting for it can be answered after it. */
  private served(n: number): number {
    if (this.progressPending) queueMicrotask(() => this.maybeSendProgress());
    return n;
  }

  private sendEach(watchers: Watcher[], events: MvccEvent[], revision: number): number {
    for (let i = 0; i < watchers.length; i++)
      if (!this.send(watchers[i], events, revision)) return i + 1;
    return watchers.length;
  }

  /** etcd's fragment option: split an oversized response, fragment=true on all but the last. */
  private sendFragmented(id: number, header: Buffer, events: Buffer[]): void {
    const limit = this.opts.maxRequestBytes;
    const chunks: Buffer[][] = [];
    let chunk: Buffer[] = [];
    let size = 0;
    for (const ev of events) {
      if (chunk.length > 0 && size + ev.length > limit) {
        chunks.push(chunk);
        chunk = [];
        size = 0;
      }
      chunk.push(ev);
      size += ev.length;
    }
    chunks.push(chunk);
    chunks.forEach((c, i) =>
      this.writeFramed(encodeWatchEventsFramed(header, id, c, i < chunks.length - 1)),
    );
  }

  /** One WatchResponse of events: encoded straight into the connection's output if it can. */
  private writeEvents(header: Buffer, id: number, events: Buffer[]): void {
    if (this.closed) return;
    const call = this.call as unknown as {
      writeFramedWith?(len: number, fill: (b: Buffer, pos: number) => void): boolean;
    };
    if (id < 0 || !call.writeFramedWith) {
      this.writeFramed(encodeWatchEventsFramed(header, id, events, false));
      return;
    }
    const size = watchEventsFramedSize(header, id, events, false);
    call.writeFramedWith(size, (b, pos) =>
      writeWatchEventsFramed(b, pos, size, header, id, events, false),
    );
  }

  /** Writes a WatchResponse already framed as a gRPC message (see encodeWatchEventsFramed). */
  private writeFramed(framed: Buffer): void {
    if (this.closed) return;
    const call = this.call as unknown as {
      writeFramed?(b: Buffer): boolean;
      write(b: Buffer): boolean;
    };
    // the JSON gateway's call takes the message bytes without the gRPC prefix
    if (call.writeFramed) call.writeFramed(framed);
    else call.write(framed.subarray(5));
  }

  compacted(watcher: Watcher, compactRevision: number): void {
    if (!this.live(watcher)) return;
    watcher.sinkFlags |= COMPACTED; // its ID stays taken until the client cancels it
    // etcd 3.4 sends this frame with header revision 0 and no cancel reason
    this.write({
      header: this.server.header(0),
      watchId: watcher.sinkId,
      canceled: true,
      compactRevision,
    });
  }

  private write(resp: etcdserverpb.IWatchResponse): void {
    if (this.closed) return;
    this.call.write(resp as etcdserverpb.WatchResponse);
  }

  private close(endStream: boolean): void {
    if (this.closed) return;
    this.closed = true;
    if (this.progressTimer) clearInterval(this.progressTimer);
    for (const w of this.watches.values()) {
      w.sinkFlags |= CANCELED;
      this.server.watches.cancel(w);
    }
    this.watches.clear();
    if (endStream) this.call.end();
  }
}
