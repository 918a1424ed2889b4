import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import Long from 'long';
import { WatchService } from '@concord/proto/grpc-services';
import type { etcdserverpb } from '@concord/proto';
import type { Connection, Endpoint } from './connection';
import {
  CancelledError,
  ClientClosedError,
  CompactedError,
  EtcdError,
  InvalidAuthTokenError,
  PermissionDeniedError,
  WatchCancelledError,
  fromGrpcError,
} from './errors';
import { KeyValue, RangeSelector, ResponseHeader, rangeOf, toHeader } from './kv';
import { Bytes, abortReason, backoffDelay, deferred, toNum } from './util';

export interface WatchOptions extends RangeSelector {
  /** First revision to watch from (inclusive). 0/undefined = from now. */
  startRevision?: number;
  /** Include the previous key-value in events. */
  prevKv?: boolean;
  /** Ask the server for periodic progress notifications. */
  progressNotify?: boolean;
  /** Do not deliver put events. */
  noPut?: boolean;
  /** Do not deliver delete events. */
  noDelete?: boolean;
  /** Cancel the watch when aborted. */
  signal?: AbortSignal;
}

export interface WatchEvent {
  type: 'put' | 'delete';
  kv: KeyValue;
  prevKv: KeyValue | null;
}

export interface WatchBatch {
  header: ResponseHeader;
  events: WatchEvent[];
}

/**
 * A watch on a key or range.
 *
 * Events: 'created' (revision), 'events' (WatchBatch), 'put'/'delete' (WatchEvent),
 * 'progress' (revision), 'disconnected' (error), 'reconnected' (revision),
 * 'error' (EtcdError: CompactedError with `compactRevision`, WatchCancelledError...), 'end'.
 *
 * Also an async iterator of WatchEvent (iteration throws the terminal error, if any).
 *
 * After a disconnect the watch is re-created from the last delivered revision + 1 on a
 * (possibly different) endpoint: no event is lost or delivered twice.
 */
export class Watcher extends EventEmitter implements AsyncIterable<WatchEvent> {
  /** Next revision this watcher expects (last delivered revision + 1). */
  private nextRev: number;
  private call: grpc.ClientDuplexStream<unknown, unknown> | null = null;
  private watchId: Long | null = null;
  private closed = false;
  private everCreated = false;
  private readonly readyD = deferred<number>();
  private readonly doneD = deferred<void>();
  private terminalError: EtcdError | null = null;
  private queue: WatchEvent[] = [];
  private waiters: Array<() => void> = [];
  private fragments: WatchEvent[] = [];
  private iterating = false;
  private readonly key: Buffer;
  private readonly rangeEnd?: Buffer;
  private onAbort?: () => void;
  private onConnClose: () => void;

  constructor(
    private readonly conn: Connection,
    key: Bytes,
    private readonly options: WatchOptions = {},
  ) {
    super();
    const r = rangeOf(key, options);
    this.key = r.key;
    this.rangeEnd = r.rangeEnd;
    this.nextRev = options.startRevision ?? 0;
    this.readyD.promise.catch(() => undefined);
    if (options.signal) {
      if (options.signal.aborted) {
        this.closed = true;
        this.finish(abortReason(options.signal));
      } else {
        this.onAbort = () => void this.cancel();
        options.signal.addEventListener('abort', this.onAbort, { once: true });
      }
    }
    this.onConnClose = () => this.finish(new ClientClosedError());
    conn.closeSignal.addEventListener('abort', this.onConnClose, { once: true });
    if (!this.closed) void this.run();
  }

  /** Resolves with the revision once the watch is established on the server. */
  get ready(): Promise<number> {
    return this.readyD.promise;
  }

  /** Resolves when the watcher has ended (cancelled, compacted or closed). */
  get done(): Promise<void> {
    return this.doneD.promise;
  }

  /** Last revision fully delivered (0 if unknown yet). */
  get lastRevision(): number {
    return Math.max(0, this.nextRev - 1);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private buildCreate(): etcdserverpb.IWatchRequest {
    const c: etcdserverpb.IWatchCreateRequest = { key: this.key };
    if (this.rangeEnd) c.rangeEnd = this.rangeEnd;
    if (this.nextRev > 0) c.startRevision = Long.fromNumber(this.nextRev);
    if (this.options.prevKv) c.prevKv = true;
    if (this.options.progressNotify) c.progressNotify = true;
    const filters: number[] = [];
    if (this.options.noPut) filters.push(0);
    if (this.options.noDelete) filters.push(1);
    if (filters.length) c.filters = filters;
    return { createRequest: c };
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.closed) {
      let ep: Endpoint | null = null;
      let err: EtcdError | null = null;
      try {
        const opened = await this.conn.bidi(WatchService.Watch);
        ep = opened.ep;
        const call = opened.call;
        if (this.closed) {
          call.cancel();
          break;
        }
        this.call = call;
        this.watchId = null;
        this.fragments = [];
        await new Promise<void>((resolve, reject) => {
          call.on('data', (resp: etcdserverpb.WatchResponse) => {
            try {
              if (this.onResponse(resp)) attempt = 0;
            } catch (e) {
              reject(e);
            }
          });
          call.on('error', (e) => reject(e));
          call.on('end', () => resolve());
          call.write(this.buildCreate());
        });
      } catch (e) {
        err = fromGrpcError(e);
      } finally {
        this.call = null;
      }
      if (this.closed) break;
      if (err instanceof ClientClosedError || this.conn.isClosed) {
        this.finish(new ClientClosedError());
        break;
      }
      if (err instanceof InvalidAuthTokenError) this.conn.invalidateToken();
      else if (err instanceof PermissionDeniedError) {
        this.finish(err);
        break;
      } else if (ep && (!err || err.code === grpc.status.UNAVAILABLE)) this.conn.markDown(ep);
      this.emit(
        'disconnected',
        err ?? new EtcdError('watch stream ended by server', grpc.status.UNAVAILABLE),
      );
      const delay = backoffDelay(
        attempt++,
        this.conn.opts.backoffBaseMs,
        this.conn.opts.backoffMaxMs,
      );
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  /** Returns true when the response shows a healthy stream. */
  private onResponse(resp: etcdserverpb.WatchResponse): boolean {
    if (this.closed) return false;
    const header = toHeader(resp.header);
    if (resp.created && !resp.canceled) {
      this.watchId = resp.watchId as Long;
      if (this.nextRev === 0) this.nextRev = header.revision + 1;
      if (!this.everCreated) {
        this.everCreated = true;
        this.readyD.resolve(header.revision);
        this.emit('created', header.revision);
      } else {
        this.emit('reconnected', header.revision);
      }
    }
    if (resp.canceled) {
      const compact = toNum(resp.compactRevision as Long);
      if (compact > 0) {
        const e = new CompactedError(
          `watch start revision ${this.nextRev} has been compacted (compact revision ${compact})`,
          grpc.status.OUT_OF_RANGE,
        );
        e.compactRevision = compact;
        this.finish(e);
      } else {
        const reason = resp.cancelReason ?? '';
        const mapped = /etcdserver:|mvcc:/.test(reason)
          ? fromGrpcError({ code: grpc.status.CANCELLED, details: reason })
          : null;
        this.finish(
          mapped && !(mapped instanceof CancelledError)
            ? mapped
            : new WatchCancelledError(
                `watch cancelled by server${reason ? `: ${reason}` : ''}`,
                grpc.status.CANCELLED,
                reason,
              ),
        );
      }
      return false;
    }
    const rawEvents = resp.events ?? [];
    if (rawEvents.length > 0 || resp.fragment) {
      for (const ev of rawEvents) {
        const kv = KeyValue.from(ev.kv ?? {});
        this.fragments.push({
          type: ev.type === 1 ? 'delete' : 'put',
          kv,
          prevKv: ev.prevKv ? KeyValue.from(ev.prevKv) : null,
        });
      }
      if (resp.fragment) return true;
      const events = this.fragments.filter((e) => e.kv.modRevision >= this.nextRev);
      this.fragments = [];
      if (events.length === 0) return true;
      this.nextRev = events[events.length - 1].kv.modRevision + 1;
      this.deliver({ header, events });
      return true;
    }
    if (!resp.created) {
      // progress notification. Only advance on notifications addressed to this watcher
      // (watch id -1 = broadcast reply to a manual progress request, which etcd 3.4 may
      // send before all events up to that revision were delivered).
      const wid = resp.watchId as Long | null;
      if (wid && this.watchId && wid.equals(this.watchId) && header.revision + 1 > this.nextRev)
        this.nextRev = header.revision + 1;
      this.emit('progress', header.revision);
    }
    return true;
  }

  private deliver(batch: WatchBatch): void {
    this.emit('events', batch);
    for (const ev of batch.events) {
      this.emit(ev.type, ev);
      if (
        this.iterating ||
        this.listenerCount('events') + this.listenerCount('put') + this.listenerCount('delete') ===
          0
      )
        this.queue.push(ev);
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private finish(err: EtcdError | null): void {
    const wasClosed = this.closed && this.terminalError !== null;
    this.closed = true;
    if (wasClosed) return;
    this.terminalError = err;
    if (this.onAbort) this.options.signal?.removeEventListener('abort', this.onAbort);
    this.conn.closeSignal.removeEventListener('abort', this.onConnClose);
    const call = this.call;
    this.call = null;
    if (call) {
      call.removeAllListeners('data');
      call.on('error', () => undefined);
      call.cancel();
    }
    if (!this.everCreated)
      this.readyD.reject(
        err ?? new WatchCancelledError('watch cancelled before creation', grpc.status.CANCELLED),
      );
    if (err && !(err instanceof ClientClosedError && this.listenerCount('error') === 0)) {
      if (this.listenerCount('error') > 0) this.emit('error', err);
    }
    this.emit('end');
    this.doneD.resolve();
    this.wake();
  }

  /** Ask the server for a progress notification (etcd >= 3.4). */
  requestProgress(): void {
    this.call?.write({ progressRequest: {} });
  }

  /** Cancel the watch. */
  async cancel(): Promise<void> {
    if (this.closed) return;
    const call = this.call;
    if (call && this.watchId) {
      try {
        call.write({ cancelRequest: { watchId: this.watchId } });
      } catch {
        /* ignore */
      }
    }
    this.finish(null);
  }

  /** Iterate events. Leaving the loop early (break/return/throw) cancels the watch. */
  async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    this.iterating = true;
    try {
      for (;;) {
        if (this.queue.length > 0) {
          yield this.queue.shift()!;
          continue;
        }
        if (this.closed) {
          if (this.terminalError && !(this.terminalError instanceof ClientClosedError))
            throw this.terminalError;
          return;
        }
        await new Promise<void>((r) => this.waiters.push(r));
      }
    } finally {
      if (!this.closed) await this.cancel();
    }
  }
}

export class Watch {
  constructor(private readonly conn: Connection) {}
  watch(key: Bytes, options: WatchOptions = {}): Watcher {
    if (this.conn.isClosed) throw new ClientClosedError();
    return new Watcher(this.conn, key, options);
  }
}
