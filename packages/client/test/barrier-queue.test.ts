import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Barrier,
  CancelledError,
  Client,
  DeadlineExceededError,
  DoubleBarrier,
  Queue,
  Session,
} from '../src';
import { TestServer, newClient, startServer, uniq, withTimeout } from './harness';

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

describe('barrier', () => {
  it('hold blocks waiters until release', async () => {
    const b = new Barrier(client, uniq('bar') + 'b');
    await b.wait(); // not held: returns immediately
    assert.equal(await b.hold(), true);
    assert.equal(await b.hold(), false);
    let passed = false;
    const p = b.wait().then(() => (passed = true));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(passed, false);
    await b.release();
    await withTimeout(p, 5000, 'barrier wait');
    const ac = new AbortController();
    await b.hold();
    const w = b.wait({ signal: ac.signal });
    ac.abort();
    await assert.rejects(w, CancelledError);
    await b.release();
  });
});

describe('double barrier', () => {
  it('enter blocks until N participants, leave blocks until all left', async () => {
    const key = uniq('dbar') + 'b';
    const N = 3;
    const sessions = await Promise.all(
      Array.from({ length: N }, () => Session.create(client, { ttl: 10 })),
    );
    try {
      const bars = sessions.map((s) => new DoubleBarrier(s, key, N));
      let entered = 0;
      const p1 = bars[0].enter().then(() => entered++);
      const p2 = bars[1].enter().then(() => entered++);
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(entered, 0);
      await bars[2].enter();
      await withTimeout(Promise.all([p1, p2]), 5000, 'enter');
      let left = 0;
      const l1 = bars[0].leave().then(() => left++);
      const l2 = bars[1].leave().then(() => left++);
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(left, 0);
      await withTimeout(Promise.all([bars[2].leave(), l1, l2]), 10_000, 'leave');
      assert.equal((await client.getPrefix(key)).length, 0);
    } finally {
      await Promise.all(sessions.map((s) => s.close()));
    }
  });
});

describe('queue', () => {
  it('FIFO, blocking dequeue, each item delivered once with concurrent consumers', async () => {
    const q = new Queue(client, uniq('q'));
    assert.equal(await q.tryDequeue(), null);
    await q.enqueue('a');
    await q.enqueue(Buffer.from('b'));
    assert.equal(await q.length(), 2);
    assert.equal((await q.dequeue())!.valueString, 'a');
    assert.equal((await q.tryDequeue())!.valueString, 'b');
    const pending = q.dequeue();
    await new Promise((r) => setTimeout(r, 100));
    await q.enqueue('c');
    assert.equal((await withTimeout(pending, 5000, 'blocking dequeue')).valueString, 'c');
    await assert.rejects(
      q.dequeue({ timeoutMs: 200 }),
      (e: unknown) => e instanceof DeadlineExceededError || e instanceof CancelledError,
    );

    const M = 30;
    for (let i = 0; i < M; i++) await q.enqueue(String(i));
    const consumers = Array.from({ length: 4 }, () => newClient(server));
    try {
      const got: string[][] = await withTimeout(
        Promise.all(
          consumers.map(async (c) => {
            const cq = new Queue(c, (q as unknown as { prefix: string }).prefix);
            const mine: string[] = [];
            for (;;) {
              const kv = await cq.tryDequeue();
              if (!kv) return mine;
              mine.push(kv.valueString);
            }
          }),
        ),
        30_000,
        'consumers',
      );
      const all = got.flat();
      assert.equal(all.length, M);
      assert.equal(new Set(all).size, M);
      for (const mine of got)
        for (let i = 1; i < mine.length; i++)
          assert.ok(Number(mine[i]) > Number(mine[i - 1]), 'each consumer sees FIFO order');
    } finally {
      consumers.forEach((c) => c.close());
    }
  });
});
