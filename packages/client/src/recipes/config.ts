import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Client } from '../client';
import { ClientClosedError, EtcdError, InvalidArgumentError } from '../errors';
import type { WatchBatch, Watcher } from '../watch';
import { backoffDelay, deferred, parseDuration } from '../util';

export interface ConfigOptions {
  env: string;
  app: string;
  /** Root prefix (default "/config"). Keys are read from `<prefix>/<env>/<app>/`. */
  prefix?: string;
  /** Local JSON cache file: written on every change, read when the cluster is unreachable at start. */
  cacheFile?: string;
  /** How long start() tries the cluster before falling back to the cache file (ms, default 5000). */
  startTimeoutMs?: number;
}

export type ConfigSource = 'cluster' | 'cache' | 'empty';

export interface ConfigChange {
  key: string;
  value: string | undefined;
  previous: string | undefined;
}

/**
 * Application configuration from `/config/{env}/{app}/`, kept current by a watch.
 * Keys are relative to the prefix (e.g. "db/pool_size").
 *
 * Events: 'change' (ConfigChange), 'synced' (source), 'error'.
 */
export class ConfigClient extends EventEmitter {
  readonly keyPrefix: string;
  private values = new Map<string, string>();
  private w: Watcher | null = null;
  private closed = false;
  private sourceV: ConfigSource = 'empty';
  private readonly keyListeners = new Map<string, Set<(c: ConfigChange) => void>>();
  private readonly prefixListeners: Array<{ prefix: string; fn: (c: ConfigChange) => void }> = [];
  private readonly syncedD = deferred<void>();

  constructor(
    private readonly client: Client,
    private readonly options: ConfigOptions,
  ) {
    super();
    if (!options?.env || !options.app) throw new InvalidArgumentError('env and app are required');
    this.keyPrefix = `${(options.prefix ?? '/config').replace(/\/$/, '')}/${options.env}/${options.app}/`;
    this.syncedD.promise.catch(() => undefined);
  }

  /** Where the current values came from. */
  get source(): ConfigSource {
    return this.sourceV;
  }

  /** Resolves once values were loaded from the cluster (not just the cache). */
  get synced(): Promise<void> {
    return this.syncedD.promise;
  }

  /**
   * Load configuration. Tries the cluster for `startTimeoutMs`; if unreachable, loads the
   * cache file (if any) and keeps trying the cluster in the background.
   */
  async start(): Promise<this> {
    const timeout = this.options.startTimeoutMs ?? 5000;
    const first = this.load(timeout);
    try {
      await first;
    } catch (e) {
      if (e instanceof ClientClosedError || this.closed) throw e;
      if (!this.loadCache()) {
        if (this.listenerCount('error')) this.emit('error', e);
      }
      void this.retryLoad();
    }
    return this;
  }

  private loadCache(): boolean {
    const f = this.options.cacheFile;
    if (!f || !fs.existsSync(f)) return false;
    try {
      const data = JSON.parse(fs.readFileSync(f, 'utf8')) as {
        prefix?: string;
        values: Record<string, string>;
      };
      if (data.prefix && data.prefix !== this.keyPrefix) return false;
      this.values = new Map(Object.entries(data.values ?? {}));
      this.sourceV = 'cache';
      this.emit('synced', 'cache');
      return true;
    } catch {
      return false;
    }
  }

  private saveCache(): void {
    const f = this.options.cacheFile;
    if (!f) return;
    try {
      fs.mkdirSync(path.dirname(f), { recursive: true });
      const tmp = `${f}.${process.pid}.tmp`;
      fs.writeFileSync(
        tmp,
        JSON.stringify(
          {
            prefix: this.keyPrefix,
            savedAt: new Date().toISOString(),
            values: Object.fromEntries(this.values),
          },
          null,
          2,
        ),
      );
      fs.renameSync(tmp, f);
    } catch (e) {
      if (this.listenerCount('error')) this.emit('error', e);
    }
  }

  private async retryLoad(): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      await new Promise((r) => setTimeout(r, backoffDelay(attempt, 200, 5000)));
      if (this.closed) return;
      try {
        await this.load(this.client.connection.opts.defaultTimeoutMs);
        return;
      } catch (e) {
        if (e instanceof ClientClosedError) return;
      }
    }
  }

  private async load(timeoutMs: number): Promise<void> {
    const r = await this.client.range(this.keyPrefix, { prefix: true, timeoutMs });
    if (this.closed) return;
    const next = new Map<string, string>();
    for (const kv of r.kvs) next.set(kv.keyString.slice(this.keyPrefix.length), kv.valueString);
    const old = this.values;
    this.values = next;
    for (const [k, v] of next)
      if (old.get(k) !== v) this.fire({ key: k, value: v, previous: old.get(k) });
    for (const [k, v] of old)
      if (!next.has(k)) this.fire({ key: k, value: undefined, previous: v });
    this.sourceV = 'cluster';
    this.saveCache();
    this.syncedD.resolve();
    this.emit('synced', 'cluster');
    const w = this.client.watch(this.keyPrefix, {
      prefix: true,
      startRevision: r.header.revision + 1,
    });
    this.w = w;
    w.on('events', (b: WatchBatch) => {
      for (const ev of b.events) {
        const k = ev.kv.keyString.slice(this.keyPrefix.length);
        const prev = this.values.get(k);
        if (ev.type === 'delete') {
          if (!this.values.has(k)) continue;
          this.values.delete(k);
          this.fire({ key: k, value: undefined, previous: prev });
        } else {
          const v = ev.kv.valueString;
          this.values.set(k, v);
          if (prev !== v) this.fire({ key: k, value: v, previous: prev });
        }
      }
      this.saveCache();
    });
    w.on('error', (e: EtcdError) => {
      if (this.closed) return;
      if (this.listenerCount('error')) this.emit('error', e);
      this.w = null;
      void this.retryLoad();
    });
  }

  private fire(c: ConfigChange): void {
    this.emit('change', c);
    const ks = this.keyListeners.get(c.key);
    if (ks) for (const fn of [...ks]) fn(c);
    for (const { prefix, fn } of [...this.prefixListeners]) if (c.key.startsWith(prefix)) fn(c);
  }

  /** Listen to one key. Returns an unsubscribe function. */
  onKey(key: string, fn: (c: ConfigChange) => void): () => void {
    let s = this.keyListeners.get(key);
    if (!s) this.keyListeners.set(key, (s = new Set()));
    s.add(fn);
    return () => s!.delete(fn);
  }

  /** Listen to every key under a (relative) prefix. Returns an unsubscribe function. */
  onPrefix(prefix: string, fn: (c: ConfigChange) => void): () => void {
    const entry = { prefix, fn };
    this.prefixListeners.push(entry);
    return () => {
      const i = this.prefixListeners.indexOf(entry);
      if (i >= 0) this.prefixListeners.splice(i, 1);
    };
  }

  /** All values (relative keys). */
  all(): Record<string, string> {
    return Object.fromEntries(this.values);
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  getString(key: string, def: string): string;
  getString(key: string): string | undefined;
  getString(key: string, def?: string): string | undefined {
    return this.values.get(key) ?? def;
  }

  getInt(key: string, def: number): number {
    const v = this.values.get(key);
    if (v === undefined) return def;
    const s = v.trim();
    if (!/^[-+]?\d+$/.test(s)) return def;
    const n = Number(s);
    return Number.isSafeInteger(n) ? n : def;
  }

  getFloat(key: string, def: number): number {
    const v = this.values.get(key);
    if (v === undefined || v.trim() === '') return def;
    const n = Number(v.trim());
    return Number.isFinite(n) ? n : def;
  }

  getBool(key: string, def: boolean): boolean {
    const v = this.values.get(key)?.trim().toLowerCase();
    if (v === undefined) return def;
    if (['true', '1', 'yes', 'on', 'y'].includes(v)) return true;
    if (['false', '0', 'no', 'off', 'n'].includes(v)) return false;
    return def;
  }

  getJSON<T>(key: string, def: T): T {
    const v = this.values.get(key);
    if (v === undefined) return def;
    try {
      return JSON.parse(v) as T;
    } catch {
      return def;
    }
  }

  /** Duration in milliseconds; accepts "5s", "1m30s", "250ms", "1h" or a plain number of ms. */
  getDuration(key: string, def: number | string): number {
    const d = typeof def === 'string' ? parseDuration(def) : def;
    const v = this.values.get(key);
    if (v === undefined) return d;
    try {
      return parseDuration(v);
    } catch {
      return d;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.syncedD.reject(new ClientClosedError('config client closed'));
    await this.w?.cancel();
  }
}
