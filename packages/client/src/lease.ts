import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import Long from 'long';
import { LeaseService } from '@concord/proto/grpc-services';
import type { etcdserverpb } from '@concord/proto';
import type { CallOptions, Connection, Endpoint } from './connection';
import {
  ClientClosedError,
  EtcdError,
  InvalidArgumentError,
  InvalidAuthTokenError,
  LeaseNotFoundError,
  SessionLostError,
  fromGrpcError,
} from './errors';
import { ResponseHeader, toHeader } from './kv';
import { LeaseIdLike, asBuffer, backoffDelay, toLeaseId, toLong, toNum } from './util';

/**
 * Lease IDs are exposed as unsigned 64-bit `bigint` (all 64 bits preserved) and accepted as
 * bigint, decimal string, or safe-integer number.
 */
export type LeaseId = bigint;

export interface LeaseGrantResult {
  header: ResponseHeader;
  id: LeaseId;
  ttl: number;
}

export interface LeaseTimeToLiveResult {
  header: ResponseHeader;
  id: LeaseId;
  /** Remaining TTL in seconds; -1 if the lease does not exist / has expired. */
  ttl: number;
  grantedTtl: number;
  keys: Buffer[];
}

export interface KeepAliveOptions {
  /** Refresh interval in ms. Default: TTL/3. */
  intervalMs?: number;
}

/**
 * Managed keep-alive of one lease.
 * Events: 'keepalive' ({ttl}), 'lost' (EtcdError) — emitted once when the lease is
 * gone (revoked, expired, or could not be refreshed before it expired).
 */
export class LeaseKeepAlive extends EventEmitter {
  private closed = false;
  private lostErr: EtcdError | null = null;
  private call: grpc.ClientDuplexStream<unknown, unknown> | null = null;
  private sendTimer: NodeJS.Timeout | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;
  /** Local estimate of when the lease expires (ms epoch). */
  expiresAt: number;
  ttl: number;

  constructor(
    private readonly conn: Connection,
    readonly id: LeaseId,
    ttlSeconds: number,
    private readonly opts: KeepAliveOptions = {},
  ) {
    super();
    this.ttl = ttlSeconds;
    this.expiresAt = ttlSeconds > 0 ? Date.now() + ttlSeconds * 1000 : Date.now() + 5000;
    this.armExpiry();
    this.onConnClose = () => this.stop();
    conn.closeSignal.addEventListener('abort', this.onConnClose, { once: true });
    void this.run();
  }
  private readonly onConnClose: () => void;

  get isLost(): boolean {
    return this.lostErr !== null;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private interval(): number {
    if (this.opts.intervalMs) return this.opts.intervalMs;
    return Math.max(200, Math.floor((this.ttl * 1000) / 3));
  }

  private armExpiry(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    const ms = Math.max(0, this.expiresAt - Date.now());
    this.expiryTimer = setTimeout(() => {
      if (Date.now() >= this.expiresAt)
        this.lose(
          new SessionLostError(`lease ${this.id} expired: keep-alive not acknowledged in time`),
        );
      else this.armExpiry();
    }, ms);
    this.expiryTimer.unref?.();
  }

  private lose(err: EtcdError): void {
    if (this.closed) return;
    this.lostErr = err;
    this.stop();
    this.emit('lost', err);
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.closed) {
      let ep: Endpoint | null = null;
      let err: EtcdError | null = null;
      try {
        const opened = await this.conn.bidi(LeaseService.LeaseKeepAlive);
        ep = opened.ep;
        const call = opened.call;
        if (this.closed) {
          call.cancel();
          break;
        }
        this.call = call;
        await new Promise<void>((resolve, reject) => {
          let sentAt = Date.now();
          const send = () => {
            if (this.closed) return;
            sentAt = Date.now();
            call.write({ ID: toLong(this.id) });
          };
          call.on('data', (r: etcdserverpb.LeaseKeepAliveResponse) => {
            const ttl = toNum(r.TTL as Long);
            if (ttl <= 0) {
              this.lose(
                new LeaseNotFoundError(
                  `lease ${this.id} not found (expired or revoked)`,
                  grpc.status.NOT_FOUND,
                ),
              );
              resolve();
              return;
            }
            attempt = 0;
            if (ep) this.conn.markUp(ep);
            this.ttl = ttl;
            this.expiresAt = sentAt + ttl * 1000;
            this.armExpiry();
            this.emit('keepalive', { ttl });
            if (this.sendTimer) clearTimeout(this.sendTimer);
            this.sendTimer = setTimeout(send, this.interval());
          });
          call.on('error', reject);
          call.on('end', () => resolve());
          send();
        });
      } catch (e) {
        err = fromGrpcError(e);
      } finally {
        if (this.sendTimer) clearTimeout(this.sendTimer);
        this.sendTimer = null;
        this.call = null;
      }
      if (this.closed) break;
      if (err instanceof InvalidAuthTokenError) this.conn.invalidateToken();
      else if (ep && (!err || err.code === grpc.status.UNAVAILABLE)) this.conn.markDown(ep);
      if (err instanceof ClientClosedError || this.conn.isClosed) {
        this.stop();
        break;
      }
      this.emit('disconnected', err);
      await new Promise((r) =>
        setTimeout(
          r,
          backoffDelay(
            attempt++,
            this.conn.opts.backoffBaseMs,
            Math.min(1000, this.conn.opts.backoffMaxMs),
          ),
        ),
      );
    }
  }

  /** Stop refreshing (does not revoke the lease). */
  stop(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.sendTimer) clearTimeout(this.sendTimer);
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.conn.closeSignal.removeEventListener('abort', this.onConnClose);
    const call = this.call;
    this.call = null;
    if (call) {
      call.on('error', () => undefined);
      call.cancel();
    }
    this.emit('stopped');
  }
}

export class Lease {
  constructor(private readonly conn: Connection) {}

  /**
   * Grant a lease. Retried on transient failures (a duplicate grant only leaks a lease that
   * expires by itself, as etcd's own client does).
   */
  async grant(
    ttlSeconds: number,
    options: CallOptions & { id?: LeaseIdLike } = {},
  ): Promise<LeaseGrantResult> {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0)
      throw new InvalidArgumentError(
        `lease TTL must be a positive integer (seconds), got ${ttlSeconds}`,
      );
    const req: etcdserverpb.ILeaseGrantRequest = { TTL: Long.fromNumber(ttlSeconds) };
    if (options.id !== undefined) req.ID = toLong(options.id);
    const r = await this.conn.unary<etcdserverpb.LeaseGrantResponse>(LeaseService.LeaseGrant, req, {
      ...options,
      idempotent: options.id === undefined,
    });
    if (r.error) throw new EtcdError(r.error);
    return { header: toHeader(r.header), id: toLeaseId(r.ID as Long), ttl: toNum(r.TTL as Long) };
  }

  async revoke(id: LeaseIdLike, options: CallOptions = {}): Promise<ResponseHeader> {
    const r = await this.conn.unary<etcdserverpb.LeaseRevokeResponse>(
      LeaseService.LeaseRevoke,
      { ID: toLong(id) },
      { ...options, idempotent: false },
    );
    return toHeader(r.header);
  }

  async timeToLive(
    id: LeaseIdLike,
    options: CallOptions & { keys?: boolean } = {},
  ): Promise<LeaseTimeToLiveResult> {
    const r = await this.conn.unary<etcdserverpb.LeaseTimeToLiveResponse>(
      LeaseService.LeaseTimeToLive,
      { ID: toLong(id), keys: !!options.keys },
      { ...options, idempotent: true },
    );
    return {
      header: toHeader(r.header),
      id: toLeaseId(r.ID as Long),
      ttl: toNum(r.TTL as Long),
      grantedTtl: toNum(r.grantedTTL as Long),
      keys: (r.keys ?? []).map((k) => asBuffer(k)),
    };
  }

  async leases(options: CallOptions = {}): Promise<LeaseId[]> {
    const r = await this.conn.unary<etcdserverpb.LeaseLeasesResponse>(
      LeaseService.LeaseLeases,
      {},
      { ...options, idempotent: true },
    );
    return (r.leases ?? []).map((l) => toLeaseId(l.ID as Long));
  }

  /** Refresh once; returns the new TTL. Throws LeaseNotFoundError if the lease is gone. */
  async keepAliveOnce(
    id: LeaseIdLike,
    options: CallOptions = {},
  ): Promise<{ id: LeaseId; ttl: number }> {
    const timeout = options.timeoutMs ?? this.conn.opts.defaultTimeoutMs;
    const { call } = await this.conn.bidi(LeaseService.LeaseKeepAlive, options.signal);
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (e: unknown, v?: { id: LeaseId; ttl: number }) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        call.removeAllListeners('data');
        call.on('error', () => undefined);
        call.cancel();
        if (e) reject(e);
        else resolve(v!);
      };
      const timer = setTimeout(
        () =>
          finish(
            fromGrpcError({
              code: grpc.status.DEADLINE_EXCEEDED,
              details: 'keepAliveOnce deadline exceeded',
            }),
          ),
        timeout,
      );
      const onAbort = () =>
        finish(fromGrpcError({ code: grpc.status.CANCELLED, details: 'aborted' }));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      call.on('data', (r: etcdserverpb.LeaseKeepAliveResponse) => {
        const ttl = toNum(r.TTL as Long);
        if (ttl <= 0)
          finish(new LeaseNotFoundError(`lease ${String(id)} not found`, grpc.status.NOT_FOUND));
        else finish(null, { id: toLeaseId(r.ID as Long), ttl });
      });
      call.on('error', (e) => finish(fromGrpcError(e)));
      call.on('end', () =>
        finish(fromGrpcError({ code: grpc.status.UNAVAILABLE, details: 'keepalive stream ended' })),
      );
      call.write({ ID: toLong(id) });
    });
  }

  /**
   * Keep a lease alive in the background until `stop()`; emits 'lost' if it expires.
   * `ttlSeconds` is the lease's TTL if known (from grant), used to arm the expiry timer.
   */
  keepAlive(id: LeaseIdLike, ttlSeconds = 0, options: KeepAliveOptions = {}): LeaseKeepAlive {
    if (this.conn.isClosed) throw new ClientClosedError();
    return new LeaseKeepAlive(this.conn, toLeaseId(id), ttlSeconds, options);
  }
}
