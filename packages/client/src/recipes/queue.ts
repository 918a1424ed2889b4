import type { Client } from '../client';
import { InvalidArgumentError } from '../errors';
import { KeyValue, cmp, op } from '../kv';
import { Bytes, abortReason } from '../util';

/**
 * Distributed FIFO queue (etcd recipe): items are keys under `<prefix>/` ordered by
 * create revision; dequeue atomically deletes the oldest item (at most one consumer gets it).
 */
export class Queue {
  private readonly prefix: string;
  private seq = 0;
  constructor(
    private readonly client: Client,
    name: string,
  ) {
    if (!name) throw new InvalidArgumentError('queue name must not be empty');
    this.prefix = name.endsWith('/') ? name : name + '/';
  }

  async enqueue(value: Bytes): Promise<string> {
    for (;;) {
      const key = `${this.prefix}${process.hrtime.bigint().toString().padStart(20, '0')}-${process.pid}-${this.seq++}`;
      const r = await this.client
        .txn()
        .if(cmp.createRevision(key, '=', 0))
        .then(op.put(key, value))
        .commit();
      if (r.succeeded) return key;
    }
  }

  /** Number of queued items. */
  async length(): Promise<number> {
    return (await this.client.range(this.prefix, { prefix: true, countOnly: true })).count;
  }

  /** Remove and return the oldest item, or null if empty. */
  async tryDequeue(): Promise<KeyValue | null> {
    for (;;) {
      const r = await this.client.range(this.prefix, {
        prefix: true,
        sort: { target: 'create', order: 'ascend' },
        limit: 1,
      });
      const kv = r.kvs[0];
      if (!kv) return null;
      const d = await this.client
        .txn()
        .if(cmp.modRevision(kv.key, '=', kv.modRevision))
        .then(op.delete(kv.key))
        .commit();
      if (d.succeeded) return kv;
    }
  }

  /** Remove and return the oldest item, waiting for one if the queue is empty. */
  async dequeue(options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<KeyValue> {
    const signal =
      options.timeoutMs !== undefined
        ? AbortSignal.any([
            options.signal ?? new AbortController().signal,
            AbortSignal.timeout(options.timeoutMs),
          ])
        : options.signal;
    for (;;) {
      if (signal?.aborted) throw abortReason(signal);
      const r = await this.client.range(this.prefix, {
        prefix: true,
        sort: { target: 'create', order: 'ascend' },
        limit: 1,
        signal,
      });
      const kv = r.kvs[0];
      if (kv) {
        const d = await this.client
          .txn()
          .if(cmp.modRevision(kv.key, '=', kv.modRevision))
          .then(op.delete(kv.key))
          .commit();
        if (d.succeeded) return kv;
        continue;
      }
      const w = this.client.watch(this.prefix, {
        prefix: true,
        startRevision: r.header.revision + 1,
        noDelete: true,
        signal,
      });
      try {
        await new Promise<void>((resolve, reject) => {
          w.once('put', () => resolve());
          w.once('error', reject);
          w.once('end', () =>
            reject(
              signal?.aborted ? abortReason(signal) : new InvalidArgumentError('queue watch ended'),
            ),
          );
        });
      } finally {
        await w.cancel();
      }
    }
  }
}
