import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CancelledError,
  Client,
  LeaseNotFoundError,
  LockNotHeldError,
  LockTimeoutError,
  Mutex,
  RWMutex,
  Session,
  SessionLostError,
  cmp,
  op,
} from '../src';
import { TestServer, newClient, once, startServer, uniq, withTimeout } from './harness';

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

describe('session', () => {
  it('keeps its lease alive, revokes on close, emits lost on external revoke', async () => {
    const s = await Session.create(client, { ttl: 2 });
    const p = uniq('sess');
    await client.put(p + 'k', 'v', { lease: s.leaseId });
    await new Promise((r) => setTimeout(r, 3000)); // longer than the TTL: still alive thanks to keep-alives
    assert.ok(await client.get(p + 'k'));
    await s.close();
    assert.equal(await client.get(p + 'k'), null);
    const s2 = await Session.create(client, { ttl: 3 });
    const lost = once<Error>(s2, 'lost');
    await client.lease.revoke(s2.leaseId);
    assert.ok((await lost) instanceof SessionLostError);
    assert.ok(s2.isLost);
    assert.throws(() => s2.assertAlive(), SessionLostError);
    assert.ok((await s2.done) instanceof SessionLostError);
    await s2.close();
  });
});

describe('session from an existing lease', () => {
  it('adopts the lease TTL; unknown lease is rejected', async () => {
    const l = await client.lease.grant(7);
    const s = await Session.create(client, { leaseId: l.id.toString() });
    assert.equal(s.leaseId, l.id);
    assert.equal(s.ttl, 7);
    await s.close();
    await assert.rejects(Session.create(client, { leaseId: l.id }), LeaseNotFoundError);
  });
});

describe('mutex', () => {
  it('lock/unlock, fencing token, tryLock, unlock not held', async () => {
    const name = uniq('mx');
    const s1 = await Session.create(client, { ttl: 10 });
    const s2 = await Session.create(client, { ttl: 10 });
    try {
      const a = new Mutex(s1, name);
      const b = new Mutex(s2, name);
      await assert.rejects(a.unlock(), LockNotHeldError);
      const t1 = await a.lock();
      assert.ok(t1 > 0);
      assert.equal(a.fencingToken, t1);
      assert.equal(await b.tryLock(), false);
      assert.equal((await client.getPrefix(name)).length, 1, 'tryLock cleaned up its key');
      // fenced write succeeds only for the holder
      const ok = await client
        .txn()
        .if(a.ownerCompare())
        .then(op.put(name.slice(0, -1) + '-data', 'a'))
        .commit();
      assert.ok(ok.succeeded);
      await a.unlock();
      assert.equal(a.isHeld, false);
      await assert.rejects(a.unlock(), LockNotHeldError);
      assert.equal(await b.tryLock(), true);
      assert.ok(b.fencingToken > t1);
      await b.unlock();
    } finally {
      await s1.close();
      await s2.close();
    }
  });

  it('lock timeout and AbortSignal give up the queue position', async () => {
    const name = uniq('mx-to');
    const s1 = await Session.create(client, { ttl: 10 });
    const s2 = await Session.create(client, { ttl: 10 });
    try {
      const a = new Mutex(s1, name);
      const b = new Mutex(s2, name);
      await a.lock();
      await assert.rejects(b.lock({ timeoutMs: 300 }), LockTimeoutError);
      const ac = new AbortController();
      const p = b.lock({ signal: ac.signal });
      setTimeout(() => ac.abort(), 200);
      await assert.rejects(p, CancelledError);
      assert.equal((await client.getPrefix(name)).length, 1);
      await a.unlock();
    } finally {
      await s1.close();
      await s2.close();
    }
  });

  it('FIFO order and handover when the holder session dies', async () => {
    const name = uniq('mx-fifo');
    const sessions = await Promise.all([0, 1, 2].map(() => Session.create(client, { ttl: 10 })));
    try {
      const [a, b, c] = sessions.map((s) => new Mutex(s, name));
      await a.lock();
      const order: string[] = [];
      const pb = b.lock().then(() => order.push('b'));
      await new Promise((r) => setTimeout(r, 100));
      const pc = c.lock().then(() => order.push('c'));
      await new Promise((r) => setTimeout(r, 100));
      // holder's session dies (lease revoked): next in line gets the lock
      await client.lease.revoke(sessions[0].leaseId);
      await withTimeout(pb, 10_000, 'b acquires');
      assert.deepEqual(order, ['b']);
      await b.unlock();
      await withTimeout(pc, 10_000, 'c acquires');
      assert.deepEqual(order, ['b', 'c']);
      await c.unlock();
    } finally {
      await Promise.all(sessions.map((s) => s.close()));
    }
  });

  it('session lost while waiting rejects the lock', async () => {
    const name = uniq('mx-lost');
    const s1 = await Session.create(client, { ttl: 10 });
    const s2 = await Session.create(client, { ttl: 10 });
    try {
      await new Mutex(s1, name).lock();
      const p = new Mutex(s2, name).lock();
      await new Promise((r) => setTimeout(r, 100));
      await client.lease.revoke(s2.leaseId);
      await assert.rejects(withTimeout(p, 10_000), SessionLostError);
    } finally {
      await s1.close();
      await s2.close();
    }
  });

  it('many contenders: never two holders, fencing tokens strictly increase', async () => {
    const name = uniq('mx-many');
    const N = 8;
    const ROUNDS = 4;
    const clients = Array.from({ length: N }, () => newClient(server));
    const sessions = await Promise.all(clients.map((c) => Session.create(c, { ttl: 10 })));
    let holders = 0;
    let maxHolders = 0;
    const tokens: number[] = [];
    try {
      await withTimeout(
        Promise.all(
          sessions.map(async (s, i) => {
            const m = new Mutex(s, name);
            for (let r = 0; r < ROUNDS; r++) {
              const token = await m.lock();
              holders++;
              maxHolders = Math.max(maxHolders, holders);
              tokens.push(token);
              // fenced write: the storage only accepts writes from the current holder
              const res = await s.client
                .txn()
                .if(m.ownerCompare())
                .then(op.put(name.slice(0, -1) + '-fenced', `${i}:${token}`))
                .commit();
              assert.ok(res.succeeded);
              await new Promise((res2) => setTimeout(res2, 2));
              holders--;
              await m.unlock();
            }
          }),
        ),
        60_000,
        'contenders',
      );
      assert.equal(maxHolders, 1);
      assert.equal(tokens.length, N * ROUNDS);
      for (let i = 1; i < tokens.length; i++)
        assert.ok(tokens[i] > tokens[i - 1], `token ${tokens[i]} after ${tokens[i - 1]}`);
      // a stale holder's fenced write is rejected
      const stale = await client
        .txn()
        .if(cmp.createRevision(name.slice(0, -1) + '-nonexistent', '=', tokens[0]))
        .then(op.put(name.slice(0, -1) + '-fenced', 'stale'))
        .commit();
      assert.equal(stale.succeeded, false);
    } finally {
      await Promise.all(sessions.map((s) => s.close()));
      clients.forEach((c) => c.close());
    }
  });
});

describe('rwmutex', () => {
  it('readers share, writers exclude', async () => {
    const name = uniq('rw');
    const ss = await Promise.all([0, 1, 2].map(() => Session.create(client, { ttl: 10 })));
    try {
      const [r1, r2, w] = ss.map((s) => new RWMutex(s, name));
      await r1.rLock();
      await withTimeout(r2.rLock(), 5000, 'second reader');
      let wHeld = false;
      const pw = w.lock().then(() => (wHeld = true));
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(wHeld, false);
      await r1.rUnlock();
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(wHeld, false);
      await r2.rUnlock();
      await withTimeout(pw, 5000, 'writer');
      const r3 = new RWMutex(ss[0], name);
      await assert.rejects(r3.rLock({ timeoutMs: 300 }), LockTimeoutError);
      await w.unlock();
      await r3.rLock({ timeoutMs: 5000 });
      await r3.unlock();
      await assert.rejects(r3.unlock(), LockNotHeldError);
    } finally {
      await Promise.all(ss.map((s) => s.close()));
    }
  });
});
