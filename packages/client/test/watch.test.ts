import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client, ClientClosedError, CompactedError, WatchBatch, WatchEvent, Watcher } from '../src';
import { TestServer, newClient, once, startServer, uniq, waitFor, withTimeout } from './harness';

let server: TestServer;
let client: Client;

before(async () => {
  server = await startServer();
  client = newClient(server);
});
after(async () => {
  client?.close();
  await server?.stop();
});

type Rec = { key: string; value: string; rev: number; type: string };
const rec = (e: WatchEvent): Rec => ({
  key: e.kv.keyString,
  value: e.kv.valueString,
  rev: e.kv.modRevision,
  type: e.type,
});

/** Collect history from `from` up to `to` (inclusive) with a fresh watcher: the oracle. */
async function history(c: Client, prefix: string, from: number, to: number): Promise<Rec[]> {
  const out: Rec[] = [];
  const w = c.watch(prefix, { prefix: true, startRevision: from });
  try {
    await withTimeout(
      (async () => {
        for await (const e of w) {
          out.push(rec(e));
          if (e.kv.modRevision >= to) break;
        }
      })(),
      15_000,
      'history',
    );
  } finally {
    await w.cancel();
  }
  return out;
}

function assertStrictlyIncreasing(evs: Rec[]): void {
  for (let i = 1; i < evs.length; i++)
    assert.ok(
      evs[i].rev > evs[i - 1].rev,
      `revisions not increasing at ${i}: ${evs[i - 1].rev} then ${evs[i].rev}`,
    );
}

describe('watch', () => {
  it('async iterator delivers puts and deletes in order', async () => {
    const p = uniq('w-iter');
    const w = client.watch(p, { prefix: true });
    await w.ready;
    const got: Rec[] = [];
    const consumer = (async () => {
      for await (const e of w) {
        got.push(rec(e));
        if (got.length === 3) break;
      }
    })();
    await client.put(p + 'a', '1');
    await client.put(p + 'b', '2');
    await client.delete(p + 'a');
    await withTimeout(consumer, 10_000, 'iterator');
    assert.deepEqual(
      got.map((g) => [g.type, g.key]),
      [
        ['put', p + 'a'],
        ['put', p + 'b'],
        ['delete', p + 'a'],
      ],
    );
    assert.ok(w.isClosed, 'leaving the for-await loop cancels the watch');
  });

  it('EventEmitter interface with prevKv and filters', async () => {
    const p = uniq('w-emit');
    const w = client.watch(p + 'k', { prevKv: true });
    const noDel = client.watch(p + 'k', { noDelete: true });
    const noPut = client.watch(p + 'k', { noPut: true });
    await Promise.all([w.ready, noDel.ready, noPut.ready]);
    const puts: WatchEvent[] = [];
    const dels: WatchEvent[] = [];
    const batches: WatchBatch[] = [];
    w.on('put', (e: WatchEvent) => puts.push(e));
    w.on('delete', (e: WatchEvent) => dels.push(e));
    w.on('events', (b: WatchBatch) => batches.push(b));
    const onlyPuts: WatchEvent[] = [];
    const onlyDels: WatchEvent[] = [];
    noDel.on('events', (b: WatchBatch) => onlyPuts.push(...b.events));
    noPut.on('events', (b: WatchBatch) => onlyDels.push(...b.events));
    await client.put(p + 'k', 'v1');
    await client.put(p + 'k', 'v2');
    const d = await client.delete(p + 'k');
    await waitFor(
      () => dels.length === 1 && onlyDels.length === 1 && onlyPuts.length === 2,
      10_000,
      'events',
    );
    assert.equal(puts.length, 2);
    assert.equal(puts[1].prevKv?.valueString, 'v1');
    assert.equal(dels[0].prevKv?.valueString, 'v2');
    assert.equal(dels[0].kv.modRevision, d.header.revision);
    assert.ok(onlyPuts.every((e) => e.type === 'put'));
    assert.ok(onlyDels.every((e) => e.type === 'delete'));
    assert.ok(batches.length >= 1 && batches[0].header.revision > 0);
    assert.equal(w.lastRevision, d.header.revision);
    await Promise.all([w.cancel(), noDel.cancel(), noPut.cancel()]);
    assert.ok(w.isClosed);
  });

  it('startRevision replays history; range end and fromKey selectors', async () => {
    const p = uniq('w-hist');
    const r1 = await client.put(p + 'a', '1');
    await client.put(p + 'b', '2');
    await client.put(p + 'c', '3');
    const w = client.watch(p + 'a', { end: p + 'c', startRevision: r1.header.revision });
    const got: string[] = [];
    for await (const e of w) {
      got.push(e.kv.keyString);
      if (got.length === 2) break;
    }
    assert.deepEqual(got, [p + 'a', p + 'b']);
    await w.cancel();
    const wf = client.watch(p + 'b', { fromKey: true, startRevision: r1.header.revision });
    const first = await withTimeout(once<WatchEvent>(wf, 'put'), 10_000);
    assert.equal(first.kv.keyString, p + 'b');
    await wf.cancel();
  });

  it('compaction surfaces as an error event with the compact revision', async () => {
    const p = uniq('w-compact');
    const r1 = await client.put(p + 'k', '1');
    const r2 = await client.put(p + 'k', '2');
    await client.compact(r2.header.revision);
    const w = client.watch(p + 'k', { startRevision: r1.header.revision });
    const err = await once<CompactedError>(w, 'error');
    assert.ok(err instanceof CompactedError);
    assert.equal(err.compactRevision, r2.header.revision);
    assert.ok(w.isClosed);
    const w2 = client.watch(p + 'k', { startRevision: r1.header.revision });
    await assert.rejects(
      withTimeout(
        (async () => {
          for await (const _ of w2) {
            /* nothing */
          }
        })(),
        10_000,
      ),
      CompactedError,
    );
  });

  it('progress requests', async () => {
    const p = uniq('w-progress');
    const w = client.watch(p, { prefix: true, progressNotify: true });
    const rev = await w.ready;
    const pr = once<number>(w, 'progress');
    w.requestProgress();
    assert.ok((await pr) >= rev);
    await w.cancel();
  });

  it('AbortSignal cancels a watch; closing the client ends watches', async () => {
    const ac = new AbortController();
    const w = client.watch(uniq('w-abort'), { signal: ac.signal });
    await w.ready;
    ac.abort();
    await withTimeout(w.done, 5000);
    assert.ok(w.isClosed);
    const c2 = newClient(server);
    const w2 = c2.watch(uniq('w-close'));
    await w2.ready;
    c2.close();
    await withTimeout(w2.done, 5000);
    const it = w2[Symbol.asyncIterator]();
    assert.deepEqual(await it.next(), { value: undefined, done: true });
    assert.throws(() => c2.watch('x'), ClientClosedError);
  });
});

describe('watch fault tolerance', () => {
  it('server killed and restarted during writes: no lost, no duplicated events', async () => {
    const p = uniq('w-restart');
    const wc = newClient(server, { backoffMaxMs: 500 });
    const writer = newClient(server, { backoffMaxMs: 500 });
    const w = wc.watch(p, { prefix: true });
    const start = await w.ready;
    const got: Rec[] = [];
    w.on('events', (b: WatchBatch) => got.push(...b.events.map(rec)));
    let disconnected = 0;
    w.on('disconnected', () => disconnected++);
    let lastRev = 0;
    const put = async (i: number) => {
      for (let attempt = 0; ; attempt++) {
        try {
          lastRev = (await writer.put(p + (i % 7), String(i), { timeoutMs: 5000 })).header.revision;
          return;
        } catch (e) {
          if (attempt > 100) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    try {
      for (let i = 0; i < 15; i++) await put(i);
      await server.restart();
      for (let i = 15; i < 30; i++) await put(i);
      await waitFor(() => w.lastRevision >= lastRev, 30_000, 'watcher catches up');
      assert.ok(disconnected >= 1, 'watch noticed the restart');
      const oracle = await history(writer, p, start + 1, lastRev);
      assertStrictlyIncreasing(got);
      assert.deepEqual(got, oracle);
      assert.equal(new Set(got.map((g) => g.value)).size, 30);
    } finally {
      await w.cancel();
      wc.close();
      writer.close();
    }
  });

  it('server paused (SIGSTOP) until keepalive fails, then resumed (SIGCONT): no lost, no duplicated events', async () => {
    const p = uniq('w-stop');
    const wc = newClient(server, {
      keepaliveTimeMs: 6000,
      keepaliveTimeoutMs: 1500,
      backoffMaxMs: 500,
    });
    const writer = newClient(server);
    const w = wc.watch(p, { prefix: true });
    const start = await w.ready;
    const got: Rec[] = [];
    w.on('events', (b: WatchBatch) => got.push(...b.events.map(rec)));
    try {
      let lastRev = 0;
      for (let i = 0; i < 5; i++) lastRev = (await writer.put(p + i, 'a' + i)).header.revision;
      await waitFor(() => w.lastRevision >= lastRev, 10_000, 'first events');
      const disc = once(w, 'disconnected', 20_000);
      await server.pause();
      try {
        await disc;
      } finally {
        server.resume();
      }
      for (let i = 0; i < 5; i++) lastRev = (await writer.put(p + i, 'b' + i)).header.revision;
      await waitFor(() => w.lastRevision >= lastRev, 30_000, 'watcher catches up after SIGCONT');
      const oracle = await history(writer, p, start + 1, lastRev);
      assertStrictlyIncreasing(got);
      assert.deepEqual(got, oracle);
      assert.equal(got.length, 10);
    } finally {
      server.resume();
      await w.cancel();
      wc.close();
      writer.close();
    }
  });
});

export type { Watcher };
