import type { Client } from '../client';
import {
  CancelledError,
  DeadlineExceededError,
  EtcdError,
  InvalidArgumentError,
  LockNotHeldError,
  LockTimeoutError,
} from '../errors';
import { Compare, cmp, op } from '../kv';
import { abortReason } from '../util';
import type { Session } from './session';
import { timeoutSignal, waitDeletes } from './wait';

export interface LockOptions {
  /** Give up after this many ms (LockTimeoutError). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export function leaseKey(prefix: string, session: Session): string {
  return `${prefix}${session.leaseId.toString(16)}`;
}

function normPrefix(name: string): string {
  if (!name) throw new InvalidArgumentError('lock name must not be empty');
  return name.endsWith('/') ? name : name + '/';
}

/**
 * Distributed mutex, compatible with etcd's concurrency.Mutex: waiters queue FIFO by the
 * create revision of their key `<name>/<lease-hex>`; each waits for the deletion of the key
 * just before it. The lock key's create revision is a monotonically increasing fencing token.
 */
export class Mutex {
  readonly prefix: string;
  readonly key: string;
  private rev = 0;

  constructor(
    readonly session: Session,
    name: string,
  ) {
    this.prefix = normPrefix(name);
    this.key = leaseKey(this.prefix, session);
  }

  private get client(): Client {
    return this.session.client;
  }

  /** True while this mutex believes it holds the lock. */
  get isHeld(): boolean {
    return this.rev > 0;
  }

  /** Fencing token: the create revision of the lock key (0 if not held). */
  get fencingToken(): number {
    return this.rev;
  }

  /** Compare that holds only while this mutex owns the lock (use in guarded txns). */
  ownerCompare(): Compare {
    if (!this.rev) throw new LockNotHeldError();
    return cmp.createRevision(this.key, '=', this.rev);
  }

  /** Create our key (or find it) and return [our create revision, owner create revision, header revision]. */
  private async tryAcquire(
    signal?: AbortSignal,
  ): Promise<{ myRev: number; ownerRev: number; headerRev: number }> {
    this.session.assertAlive();
    const r = await this.client
      .txn()
      .if(cmp.createRevision(this.key, '=', 0))
      .then(
        op.put(this.key, '', { lease: this.session.leaseId }),
        op.get(this.prefix, {
          prefix: true,
          sort: { target: 'create', order: 'ascend' },
          limit: 1,
        }),
      )
      .else(
        op.get(this.key),
        op.get(this.prefix, {
          prefix: true,
          sort: { target: 'create', order: 'ascend' },
          limit: 1,
        }),
      )
      .commit({ signal });
    let myRev = r.header.revision;
    if (!r.succeeded) {
      const g = r.responses[0];
      if (g.kind === 'get' && g.get.kvs[0]) myRev = g.get.kvs[0].createRevision;
    }
    const o = r.responses[1];
    const ownerRev = o.kind === 'get' && o.get.kvs[0] ? o.get.kvs[0].createRevision : myRev;
    return { myRev, ownerRev, headerRev: r.header.revision };
  }

  /** Acquire without waiting. Returns false if someone else holds it. */
  async tryLock(options: { signal?: AbortSignal } = {}): Promise<boolean> {
    const { myRev, ownerRev } = await this.tryAcquire(options.signal);
    if (ownerRev === myRev) {
      this.rev = myRev;
      return true;
    }
    await this.client.delete(this.key);
    return false;
  }

  /** Acquire, waiting FIFO behind earlier contenders. Returns the fencing token. */
  async lock(options: LockOptions = {}): Promise<number> {
    const ts = timeoutSignal(options.timeoutMs, options.signal);
    try {
      const { myRev, ownerRev } = await this.tryAcquire(ts.signal);
      if (ownerRev !== myRev) {
        try {
          await waitDeletes(this.client, this.prefix, myRev - 1, ts.signal, this.session);
        } catch (e) {
          // give up our place in the queue
          await this.client.delete(this.key).catch(() => undefined);
          throw e;
        }
      }
      // make sure our key still exists (session might have expired while waiting)
      const mine = await this.client.get(this.key);
      if (!mine || mine.createRevision !== myRev) {
        this.session.assertAlive();
        throw new LockNotHeldError('lock key vanished while waiting (session expired?)');
      }
      this.rev = myRev;
      return myRev;
    } catch (e) {
      if (ts.timedOut())
        throw new LockTimeoutError(
          `lock ${this.prefix} not acquired within ${options.timeoutMs}ms`,
        );
      if (e instanceof EtcdError) throw e;
      if (ts.signal?.aborted) throw abortReason(ts.signal);
      throw e;
    } finally {
      ts.dispose();
    }
  }

  /** Release. Throws LockNotHeldError if this mutex does not hold the lock. */
  async unlock(): Promise<void> {
    if (!this.rev) throw new LockNotHeldError(`lock ${this.prefix} is not held`);
    const rev = this.rev;
    this.rev = 0;
    const r = await this.client
      .txn()
      .if(cmp.createRevision(this.key, '=', rev))
      .then(op.delete(this.key))
      .commit();
    if (!r.succeeded)
      throw new LockNotHeldError(`lock ${this.prefix} was lost before unlock (session expired?)`);
  }

  /** Run fn while holding the lock. */
  async withLock<T>(
    fn: (fencingToken: number) => Promise<T> | T,
    options: LockOptions = {},
  ): Promise<T> {
    const token = await this.lock(options);
    try {
      return await fn(token);
    } finally {
      await this.unlock().catch(() => undefined);
    }
  }
}

export { CancelledError, DeadlineExceededError };
