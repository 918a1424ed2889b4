import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client, InvalidArgumentError, LeaseNotFoundError } from '../src';
import { TestServer, newClient, once, startServer, uniq, waitFor } from './harness';

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

describe('lease', () => {
  it('grant, timeToLive with keys, leases, revoke', async () => {
    const p = uniq('lease');
    const l = await client.lease.grant(30);
    assert.equal(typeof l.id, 'bigint');
    assert.ok(l.id > 0n);
    assert.equal(l.ttl, 30);
    await client.put(p + 'a', '1', { lease: l.id });
    await client.put(p + 'b', '1', { lease: l.id.toString() });
    const ttl = await client.lease.timeToLive(l.id, { keys: true });
    assert.equal(ttl.id, l.id);
    assert.equal(ttl.grantedTtl, 30);
    assert.ok(ttl.ttl > 0 && ttl.ttl <= 30);
    assert.deepEqual(ttl.keys.map((k) => k.toString()).sort(), [p + 'a', p + 'b']);
    assert.ok((await client.lease.leases()).includes(l.id));
    await client.lease.revoke(l.id);
    assert.equal((await client.lease.timeToLive(l.id)).ttl, -1);
    assert.equal((await client.getPrefix(p)).length, 0);
    await assert.rejects(client.lease.revoke(l.id), LeaseNotFoundError);
  });

  it('grant with explicit id using high bits, ids as string', async () => {
    const id = (1n << 62n) + 12345n;
    const l = await client.lease.grant(10, { id });
    assert.equal(l.id, id);
    const t = await client.lease.timeToLive(id.toString());
    assert.equal(t.id, id);
    await client.lease.revoke(id.toString());
    await assert.rejects(client.lease.grant(0), InvalidArgumentError);
  });

  it('keepAliveOnce refreshes; fails for unknown lease', async () => {
    const l = await client.lease.grant(10);
    const r = await client.lease.keepAliveOnce(l.id);
    assert.equal(r.id, l.id);
    assert.equal(r.ttl, 10);
    await client.lease.revoke(l.id);
    await assert.rejects(client.lease.keepAliveOnce(l.id), LeaseNotFoundError);
  });

  it('managed keepAlive keeps a short lease alive and reports loss on revoke', async () => {
    const p = uniq('ka');
    const l = await client.lease.grant(2);
    await client.put(p + 'k', 'v', { lease: l.id });
    const ka = client.lease.keepAlive(l.id, l.ttl);
    let beats = 0;
    ka.on('keepalive', () => beats++);
    // outlive the TTL twice: the key must still be there
    await waitFor(() => beats >= 4, 15_000, 'keepalives');
    assert.ok(await client.get(p + 'k'));
    const lost = once<Error>(ka, 'lost', 10_000);
    await client.lease.revoke(l.id);
    const err = await lost;
    assert.ok(err instanceof LeaseNotFoundError, String(err));
    assert.ok(ka.isLost);
    ka.stop();
  });

  it('managed keepAlive reports loss when the server is unreachable past the TTL', async () => {
    const l = await client.lease.grant(2);
    const ka = client.lease.keepAlive(l.id, l.ttl);
    await once(ka, 'keepalive');
    const lost = once<Error>(ka, 'lost', 15_000);
    await server.pause();
    try {
      const err = await lost;
      assert.match(err.message, /expired|not found/);
    } finally {
      server.resume();
    }
    ka.stop();
  });
});
