import { EventEmitter } from 'node:events';
import type { Client } from '../client';
import { ClientClosedError, EtcdError, NoInstanceError } from '../errors';
import type { KeyValue } from '../kv';
import { backoffDelay, deferred } from '../util';
import type { WatchBatch, Watcher } from '../watch';
import { ServiceInstance } from './registry';

export type Picker = 'round-robin' | 'random' | 'weighted';

export interface DiscoveryOptions {
  prefix?: string;
}

export interface DiscoveredInstance extends ServiceInstance {
  /** Lease the instance is registered under. */
  lease: bigint;
  modRevision: number;
}

export interface ChangeEvent {
  type: 'added' | 'updated' | 'removed';
  instance: DiscoveredInstance;
}

/**
 * Keeps an up-to-date view of a service's instances: a snapshot of the prefix followed by
 * a watch from the snapshot revision (re-snapshots after compaction). Instances vanish when
 * their lease expires.
 *
 * Events: 'change' (ChangeEvent[], instances), 'error'.
 */
export class ServiceDiscovery extends EventEmitter {
  private readonly keyPrefix: string;
  private readonly map = new Map<string, DiscoveredInstance>();
  private w: Watcher | null = null;
  private closed = false;
  private rr = 0;
  private readonly readyD = deferred<void>();

  constructor(
    private readonly client: Client,
    readonly service: string,
    options: DiscoveryOptions = {},
  ) {
    super();
    this.keyPrefix = `${(options.prefix ?? '/services').replace(/\/$/, '')}/${service}/`;
    this.readyD.promise.catch(() => undefined);
  }

  /** Load the snapshot and start watching. Resolves once the snapshot is loaded. */
  async start(): Promise<this> {
    void this.sync(0);
    await this.readyD.promise;
    return this;
  }

  get ready(): Promise<void> {
    return this.readyD.promise;
  }

  private parse(kv: KeyValue): DiscoveredInstance | null {
    try {
      const v = kv.json<ServiceInstance>();
      return {
        service: this.service,
        id: v.id ?? kv.keyString.slice(this.keyPrefix.length),
        address: v.address,
        metadata: v.metadata ?? {},
        lease: kv.lease,
        modRevision: kv.modRevision,
      };
    } catch {
      return null;
    }
  }

  private async sync(attempt: number): Promise<void> {
    if (this.closed) return;
    try {
      const r = await this.client.range(this.keyPrefix, { prefix: true });
      if (this.closed) return;
      const changes: ChangeEvent[] = [];
      const seen = new Set<string>();
      for (const kv of r.kvs) {
        const inst = this.parse(kv);
        if (!inst) continue;
        const k = kv.keyString;
        seen.add(k);
        const old = this.map.get(k);
        if (!old) changes.push({ type: 'added', instance: inst });
        else if (old.modRevision !== inst.modRevision)
          changes.push({ type: 'updated', instance: inst });
        this.map.set(k, inst);
      }
      for (const [k, inst] of this.map) {
        if (!seen.has(k)) {
          this.map.delete(k);
          changes.push({ type: 'removed', instance: inst });
        }
      }
      this.readyD.resolve();
      if (changes.length) this.emit('change', changes, this.instances());
      const w = this.client.watch(this.keyPrefix, {
        prefix: true,
        startRevision: r.header.revision + 1,
      });
      this.w = w;
      w.on('events', (b: WatchBatch) => this.apply(b));
      w.on('error', (e: EtcdError) => {
        // compaction or cancellation: re-snapshot
        if (this.closed) return;
        if (this.listenerCount('error')) this.emit('error', e);
        this.w = null;
        void this.sync(0);
      });
    } catch (e) {
      if (this.closed || e instanceof ClientClosedError) {
        this.readyD.reject(e);
        return;
      }
      if (this.listenerCount('error')) this.emit('error', e);
      await new Promise((res) => setTimeout(res, backoffDelay(attempt, 100, 2000)));
      return this.sync(attempt + 1);
    }
  }

  private apply(b: WatchBatch): void {
    const changes: ChangeEvent[] = [];
    for (const ev of b.events) {
      const k = ev.kv.keyString;
      if (ev.type === 'delete') {
        const old = this.map.get(k);
        if (old) {
          this.map.delete(k);
          changes.push({ type: 'removed', instance: old });
        }
      } else {
        const inst = this.parse(ev.kv);
        if (!inst) continue;
        const had = this.map.has(k);
        this.map.set(k, inst);
        changes.push({ type: had ? 'updated' : 'added', instance: inst });
      }
    }
    if (changes.length) this.emit('change', changes, this.instances());
  }

  /** Current instances sorted by id. */
  instances(): DiscoveredInstance[] {
    return [...this.map.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Subscribe to changes; returns an unsubscribe function. */
  onChange(fn: (instances: DiscoveredInstance[], changes: ChangeEvent[]) => void): () => void {
    const h = (changes: ChangeEvent[], instances: DiscoveredInstance[]) => fn(instances, changes);
    this.on('change', h);
    return () => this.off('change', h);
  }

  /**
   * Pick an instance: 'round-robin', 'random', or 'weighted' (metadata.weight, default 1).
   * Throws if there is no instance.
   */
  pick(strategy: Picker = 'round-robin'): DiscoveredInstance {
    const list = this.instances();
    if (list.length === 0) throw new NoInstanceError(`no instance of service ${this.service}`);
    switch (strategy) {
      case 'random':
        return list[Math.floor(Math.random() * list.length)];
      case 'weighted': {
        const weights = list.map((i) => {
          const w = Number((i.metadata ?? {}).weight ?? 1);
          return Number.isFinite(w) && w > 0 ? w : 0;
        });
        const total = weights.reduce((a, b) => a + b, 0);
        if (total <= 0) return list[Math.floor(Math.random() * list.length)];
        let x = Math.random() * total;
        for (let i = 0; i < list.length; i++) {
          x -= weights[i];
          if (x < 0) return list[i];
        }
        return list[list.length - 1];
      }
      default:
        return list[this.rr++ % list.length];
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.readyD.reject(new ClientClosedError('discovery closed'));
    await this.w?.cancel();
  }
}
