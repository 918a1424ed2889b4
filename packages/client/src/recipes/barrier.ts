import type { Client } from '../client';
import { InvalidArgumentError } from '../errors';
import { cmp, op } from '../kv';
import type { Session } from './session';
import { waitDelete } from './wait';

/**
 * Barrier (etcd recipe): `hold()` raises it, `release()` lowers it, `wait()` blocks while it
 * is raised.
 */
export class Barrier {
  constructor(
    private readonly client: Client,
    readonly key: string,
  ) {
    if (!key) throw new InvalidArgumentError('barrier key must not be empty');
  }
  /** Raise the barrier. Returns false if it was already raised. */
  async hold(): Promise<boolean> {
    const r = await this.client
      .txn()
      .if(cmp.createRevision(this.key, '=', 0))
      .then(op.put(this.key, ''))
      .commit();
    return r.succeeded;
  }
  async release(): Promise<void> {
    await this.client.delete(this.key);
  }
  /** Resolve when the barrier is not raised. */
  async wait(options: { signal?: AbortSignal } = {}): Promise<void> {
    const r = await this.client.range(this.key, { signal: options.signal });
    if (r.kvs.length === 0) return;
    await waitDelete(this.client, this.key, r.header.revision, options.signal);
  }
}

/**
 * Double barrier (etcd recipe): `enter()` blocks until `count` participants entered,
 * `leave()` blocks until all of them left. Participant keys are tied to the session lease.
 */
export class DoubleBarrier {
  private myKey: string | null = null;
  constructor(
    readonly session: Session,
    readonly key: string,
    readonly count: number,
  ) {
    if (!key) throw new InvalidArgumentError('barrier key must not be empty');
    if (!Number.isInteger(count) || count < 1)
      throw new InvalidArgumentError('count must be a positive integer');
  }
  private get client(): Client {
    return this.session.client;
  }
  private get waiters(): string {
    return `${this.key}/waiters/`;
  }
  private get readyKey(): string {
    return `${this.key}/ready`;
  }

  async enter(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.myKey) throw new InvalidArgumentError('already entered');
    this.session.assertAlive();
    const key = `${this.waiters}${this.session.leaseId.toString(16)}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    await this.client.put(key, '', { lease: this.session.leaseId });
    this.myKey = key;
    const r = await this.client.range(this.waiters, { prefix: true, countOnly: true });
    if (r.count >= this.count) {
      await this.client.put(this.readyKey, '');
      return;
    }
    // wait for the ready key
    const w = this.client.watch(this.readyKey, {
      startRevision: r.header.revision + 1,
      noDelete: true,
      signal: options.signal,
    });
    try {
      const again = await this.client.get(this.readyKey);
      if (again) return;
      await new Promise<void>((resolve, reject) => {
        w.once('put', () => resolve());
        w.once('error', reject);
        w.once('end', () => reject(new InvalidArgumentError('double barrier wait aborted')));
      });
    } finally {
      await w.cancel();
    }
  }

  async leave(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (!this.myKey) throw new InvalidArgumentError('not entered');
    const me = this.myKey;
    for (;;) {
      const r = await this.client.range(this.waiters, {
        prefix: true,
        sort: { target: 'create', order: 'ascend' },
      });
      const kvs = r.kvs;
      if (kvs.length === 0) break;
      const lowest = kvs[0];
      const highest = kvs[kvs.length - 1];
      const mine = kvs.find((k) => k.keyString === me);
      if (!mine) break;
      if (kvs.length === 1) {
        await this.client.txn().then(op.delete(me), op.delete(this.readyKey)).commit();
        this.myKey = null;
        return;
      }
      if (lowest.keyString === me) {
        // lowest waits for the highest to leave
        await waitDelete(this.client, highest.key, r.header.revision, options.signal);
        continue;
      }
      await this.client.delete(me);
      await waitDelete(this.client, lowest.key, r.header.revision, options.signal);
      // the lowest deletes the ready key when it leaves last
      this.myKey = null;
      return;
    }
    this.myKey = null;
  }
}
