import { EventEmitter } from 'node:events';
import type { Client } from '../client';
import {
  EtcdError,
  InvalidArgumentError,
  NoElectionLeaderError,
  NotLeaderOfElectionError,
} from '../errors';
import { KeyValue, cmp, op } from '../kv';
import { Bytes, abortReason } from '../util';
import type { Watcher } from '../watch';
import { leaseKey } from './mutex';
import type { Session } from './session';
import { timeoutSignal, waitDeletes } from './wait';

export interface CampaignOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Leader election compatible with etcd's concurrency.Election: candidates create
 * `<name>/<lease-hex>` keys; the one with the lowest create revision leads.
 *
 * Events: 'elected' (KeyValue) when this candidate becomes leader, 'lost' (EtcdError) when
 * leadership is lost (session expired, key deleted) — not emitted on resign().
 */
export class Election extends EventEmitter {
  readonly prefix: string;
  private leaderKey: string | null = null;
  private leaderRev = 0;
  private guard: Watcher | null = null;
  private onSessionLost: ((e: EtcdError) => void) | null = null;

  constructor(
    readonly session: Session,
    name: string,
  ) {
    super();
    if (!name) throw new InvalidArgumentError('election name must not be empty');
    this.prefix = name.endsWith('/') ? name : name + '/';
  }

  private get client(): Client {
    return this.session.client;
  }

  get isLeader(): boolean {
    return this.leaderKey !== null;
  }
  /** Create revision of our leader key (a fencing token for the term), 0 if not leader. */
  get leaderRevision(): number {
    return this.leaderRev;
  }
  get key(): string | null {
    return this.leaderKey;
  }

  /** Become a candidate and resolve once elected. */
  async campaign(value: Bytes, options: CampaignOptions = {}): Promise<void> {
    this.session.assertAlive();
    const key = leaseKey(this.prefix, this.session);
    const r = await this.client
      .txn()
      .if(cmp.createRevision(key, '=', 0))
      .then(op.put(key, value, { lease: this.session.leaseId }))
      .else(op.get(key))
      .commit({ signal: options.signal });
    let rev = r.header.revision;
    if (!r.succeeded) {
      const g = r.responses[0];
      const kv = g.kind === 'get' ? g.get.kvs[0] : undefined;
      if (kv) {
        rev = kv.createRevision;
        await this.client
          .txn()
          .if(cmp.createRevision(key, '=', rev))
          .then(op.put(key, value, { lease: this.session.leaseId }))
          .commit();
      }
    }
    const ts = timeoutSignal(options.timeoutMs, options.signal);
    try {
      await waitDeletes(this.client, this.prefix, rev - 1, ts.signal, this.session);
    } catch (e) {
      // withdraw the candidacy
      await this.client
        .txn()
        .if(cmp.createRevision(key, '=', rev))
        .then(op.delete(key))
        .commit()
        .catch(() => undefined);
      if (ts.timedOut())
        throw Object.assign(
          new NotLeaderOfElectionError(`not elected within ${options.timeoutMs}ms`),
          { code: 4 },
        );
      if (ts.signal?.aborted && !(e instanceof EtcdError)) throw abortReason(ts.signal);
      throw e;
    } finally {
      ts.dispose();
    }
    const mine = await this.client.get(key);
    if (!mine || mine.createRevision !== rev) {
      this.session.assertAlive();
      throw new NotLeaderOfElectionError('candidate key vanished while campaigning');
    }
    this.leaderKey = key;
    this.leaderRev = rev;
    this.armGuard(mine);
    this.emit('elected', mine);
  }

  private armGuard(kv: KeyValue): void {
    this.disarmGuard();
    const w = this.client.watch(kv.key, { startRevision: kv.modRevision + 1, noPut: true });
    this.guard = w;
    w.on('delete', () => this.lose(new NotLeaderOfElectionError('leader key deleted')));
    w.on('error', (e: EtcdError) => {
      if (this.leaderKey) void this.recheck(e);
    });
    this.onSessionLost = (e: EtcdError) => this.lose(e);
    this.session.once('lost', this.onSessionLost);
  }

  private async recheck(cause: EtcdError): Promise<void> {
    const key = this.leaderKey;
    if (!key) return;
    const kv = await this.client.get(key).catch(() => null);
    if (!kv || kv.createRevision !== this.leaderRev) this.lose(cause);
    else this.armGuard(kv);
  }

  private disarmGuard(): void {
    if (this.guard) void this.guard.cancel();
    this.guard = null;
    if (this.onSessionLost) this.session.removeListener('lost', this.onSessionLost);
    this.onSessionLost = null;
  }

  private lose(err: EtcdError): void {
    if (!this.leaderKey) return;
    this.leaderKey = null;
    this.leaderRev = 0;
    this.disarmGuard();
    this.emit('lost', err);
  }

  /** Update the leader's value without a new election. */
  async proclaim(value: Bytes): Promise<void> {
    if (!this.leaderKey) throw new NotLeaderOfElectionError();
    const r = await this.client
      .txn()
      .if(cmp.createRevision(this.leaderKey, '=', this.leaderRev))
      .then(op.put(this.leaderKey, value, { lease: this.session.leaseId }))
      .commit();
    if (!r.succeeded) {
      this.lose(new NotLeaderOfElectionError('leadership lost'));
      throw new NotLeaderOfElectionError('leadership lost before proclaim');
    }
  }

  /** Give up leadership (no 'lost' event). */
  async resign(): Promise<void> {
    if (!this.leaderKey) return;
    const key = this.leaderKey;
    const rev = this.leaderRev;
    this.leaderKey = null;
    this.leaderRev = 0;
    this.disarmGuard();
    await this.client
      .txn()
      .if(cmp.createRevision(key, '=', rev))
      .then(op.delete(key))
      .commit();
  }

  /** Current leader's key-value. Throws NoElectionLeaderError if there is none. */
  async leader(): Promise<KeyValue> {
    const kv = await leaderOf(this.client, this.prefix);
    if (!kv) throw new NoElectionLeaderError();
    return kv;
  }

  /** Observe leadership changes: see {@link observeElection}. */
  observe(options: { signal?: AbortSignal } = {}): LeaderObserver {
    return new LeaderObserver(this.client, this.prefix, options.signal);
  }
}

async function leaderOf(client: Client, prefix: string): Promise<KeyValue | null> {
  const r = await client.range(prefix, {
    prefix: true,
    sort: { target: 'create', order: 'ascend' },
    limit: 1,
  });
  return r.kvs[0] ?? null;
}

/**
 * Follows the leader of an election. Events: 'leader' (KeyValue | null) on every change of
 * leader key or value (null = no leader). Also an async iterator of the leader KeyValue.
 */
export class LeaderObserver extends EventEmitter implements AsyncIterable<KeyValue | null> {
  private current: KeyValue | null | undefined = undefined;
  private w: Watcher | null = null;
  private closed = false;
  private queue: Array<KeyValue | null> = [];
  private waiters: Array<() => void> = [];
  private iterating = false;

  constructor(
    private readonly client: Client,
    private readonly prefix: string,
    signal?: AbortSignal,
  ) {
    super();
    signal?.addEventListener('abort', () => this.close(), { once: true });
    void this.start();
  }

  get leader(): KeyValue | null | undefined {
    return this.current;
  }

  private async start(): Promise<void> {
    try {
      const r = await this.client.range(this.prefix, {
        prefix: true,
        sort: { target: 'create', order: 'ascend' },
        limit: 1,
      });
      if (this.closed) return;
      this.update(r.kvs[0] ?? null);
      this.w = this.client.watch(this.prefix, {
        prefix: true,
        startRevision: r.header.revision + 1,
      });
      this.w.on('events', () => void this.refresh());
      this.w.on('error', (e) => {
        if (this.listenerCount('error')) this.emit('error', e);
        if (!this.closed) {
          this.w = null;
          void this.start();
        }
      });
    } catch (e) {
      if (!this.closed && this.listenerCount('error')) this.emit('error', e);
    }
  }

  private async refresh(): Promise<void> {
    try {
      const kv = await leaderOf(this.client, this.prefix);
      if (!this.closed) this.update(kv);
    } catch {
      /* next event retries */
    }
  }

  private update(kv: KeyValue | null): void {
    const c = this.current;
    const same =
      c !== undefined &&
      ((c === null && kv === null) ||
        (c !== null && kv !== null && c.key.equals(kv.key) && c.modRevision === kv.modRevision));
    if (same) return;
    this.current = kv;
    this.emit('leader', kv);
    if (this.iterating) this.queue.push(kv);
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.w?.cancel();
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }

  async *[Symbol.asyncIterator](): AsyncIterator<KeyValue | null> {
    this.iterating = true;
    if (this.current !== undefined) this.queue.push(this.current);
    try {
      for (;;) {
        if (this.queue.length) {
          yield this.queue.shift()!;
          continue;
        }
        if (this.closed) return;
        await new Promise<void>((r) => this.waiters.push(r));
      }
    } finally {
      this.close();
    }
  }
}
