import { randomBytes } from 'node:crypto';
import type { Client } from '../client';
import { InvalidArgumentError, LockNotHeldError, LockTimeoutError } from '../errors';
import { cmp, op } from '../kv';
import type { LockOptions } from './mutex';
import type { Session } from './session';
import { timeoutSignal, waitDelete } from './wait';

/**
 * Readers-writer lock (etcd recipe style): readers wait only for earlier writers,
 * writers wait for every earlier reader and writer. Keys: `<name>/read/…`, `<name>/write/…`.
 */
export class RWMutex {
  readonly prefix: string;
  private myKey: string | null = null;
  private myRev = 0;

  constructor(
    readonly session: Session,
    name: string,
  ) {
    if (!name) throw new InvalidArgumentError('lock name must not be empty');
    this.prefix = name.endsWith('/') ? name : name + '/';
  }
  private get client(): Client {
    return this.session.client;
  }
  get isHeld(): boolean {
    return this.myKey !== null;
  }
  get fencingToken(): number {
    return this.myRev;
  }

  private async acquire(kind: 'read' | 'write', options: LockOptions): Promise<number> {
    if (this.myKey) throw new InvalidArgumentError('RWMutex already held by this instance');
    this.session.assertAlive();
    const key = `${this.prefix}${kind}/${this.session.leaseId.toString(16)}-${randomBytes(4).toString('hex')}`;
    const put = await this.client.put(key, '', { lease: this.session.leaseId });
    const rev = put.header.revision;
    const waitOn = kind === 'read' ? `${this.prefix}write/` : this.prefix;
    const ts = timeoutSignal(options.timeoutMs, options.signal);
    try {
      for (;;) {
        const r = await this.client.range(waitOn, {
          prefix: true,
          maxCreateRevision: rev - 1,
          sort: { target: 'create', order: 'descend' },
          limit: 1,
          signal: ts.signal,
        });
        if (r.kvs.length === 0) break;
        await waitDelete(this.client, r.kvs[0].key, r.header.revision, ts.signal, this.session);
      }
      this.myKey = key;
      this.myRev = rev;
      return rev;
    } catch (e) {
      await this.client.delete(key).catch(() => undefined);
      if (ts.timedOut())
        throw new LockTimeoutError(
          `${kind} lock ${this.prefix} not acquired within ${options.timeoutMs}ms`,
        );
      throw e;
    } finally {
      ts.dispose();
    }
  }

  /** Acquire a shared (read) lock. */
  rLock(options: LockOptions = {}): Promise<number> {
    return this.acquire('read', options);
  }
  /** Acquire the exclusive (write) lock. */
  lock(options: LockOptions = {}): Promise<number> {
    return this.acquire('write', options);
  }
  /** Release whichever lock is held. */
  async unlock(): Promise<void> {
    if (!this.myKey) throw new LockNotHeldError(`rwmutex ${this.prefix} is not held`);
    const key = this.myKey;
    const rev = this.myRev;
    this.myKey = null;
    this.myRev = 0;
    const r = await this.client
      .txn()
      .if(cmp.createRevision(key, '=', rev))
      .then(op.delete(key))
      .commit();
    if (!r.succeeded) throw new LockNotHeldError(`rwmutex ${this.prefix} was lost before unlock`);
  }
  rUnlock(): Promise<void> {
    return this.unlock();
  }
}
