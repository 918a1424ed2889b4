import { EventEmitter } from 'node:events';
import type { Client } from '../client';
import { ClientClosedError, EtcdError, LeaseNotFoundError, SessionLostError } from '../errors';
import type { LeaseId, LeaseKeepAlive } from '../lease';
import { LeaseIdLike, deferred, toLeaseId } from '../util';

export interface SessionOptions {
  /** Lease TTL in seconds (default 60). */
  ttl?: number;
  /** Reuse an existing lease instead of granting a new one. */
  leaseId?: LeaseIdLike;
  /** Keep-alive interval (ms); default TTL/3. */
  keepAliveIntervalMs?: number;
  /** Deadline / abort for creating the session. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * A lease kept alive in the background. Emits 'lost' (EtcdError) once if the lease
 * expires or is revoked; `close()` revokes it.
 */
export class Session extends EventEmitter {
  private readonly ka: LeaseKeepAlive;
  private closed = false;
  private lostErr: EtcdError | null = null;
  private readonly doneD = deferred<EtcdError | null>();

  private constructor(
    readonly client: Client,
    readonly leaseId: LeaseId,
    readonly ttl: number,
    opts: SessionOptions,
  ) {
    super();
    this.ka = client.lease.keepAlive(leaseId, ttl, { intervalMs: opts.keepAliveIntervalMs });
    this.ka.on('lost', (err: EtcdError) => {
      if (this.closed) return;
      this.lostErr =
        err instanceof SessionLostError
          ? err
          : Object.assign(new SessionLostError(`session lost: ${err.message}`), { cause: err });
      this.doneD.resolve(this.lostErr);
      this.emit('lost', this.lostErr);
    });
    this.ka.on('stopped', () => {
      if (!this.lostErr && !this.closed && client.isClosed) {
        this.closed = true;
        this.doneD.resolve(new ClientClosedError());
      }
    });
  }

  static async create(client: Client, opts: SessionOptions = {}): Promise<Session> {
    let ttl = opts.ttl ?? 60;
    let id: LeaseId;
    const call = { signal: opts.signal, timeoutMs: opts.timeoutMs };
    if (opts.leaseId !== undefined) {
      id = toLeaseId(opts.leaseId);
      const t = await client.lease.timeToLive(id, call);
      if (t.ttl <= 0) throw new LeaseNotFoundError(`lease ${id} not found`, 5);
      ttl = t.grantedTtl;
    } else {
      id = (await client.lease.grant(ttl, call)).id;
    }
    return new Session(client, id, ttl, opts);
  }

  /** True once the lease is known to be gone. */
  get isLost(): boolean {
    return this.lostErr !== null;
  }
  get isClosed(): boolean {
    return this.closed;
  }
  /** Resolves when the session ends: with the loss error, or null when closed. */
  get done(): Promise<EtcdError | null> {
    return this.doneD.promise;
  }

  /** Throws if the session can no longer be used. */
  assertAlive(): void {
    if (this.lostErr) throw this.lostErr;
    if (this.closed) throw new ClientClosedError('session is closed');
  }

  /** Stop keep-alives and revoke the lease (keys attached to it are deleted). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ka.stop();
    this.doneD.resolve(null);
    if (!this.lostErr && !this.client.isClosed) {
      try {
        await this.client.lease.revoke(this.leaseId, { timeoutMs: 5000 });
      } catch {
        /* the lease expires by itself */
      }
    }
  }

  /** Stop keep-alives without revoking (the lease expires after its TTL). */
  orphan(): void {
    this.closed = true;
    this.ka.stop();
    this.doneD.resolve(null);
  }
}
