import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client, NoInstanceError, ServiceDiscovery, ServiceRegistry } from '../src';
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

describe('service registry and discovery', () => {
  it('register/discover/deregister with metadata and pickers', async () => {
    const prefix = uniq('svc').slice(0, -1);
    const reg = new ServiceRegistry(client, { prefix, ttl: 10 });
    const disc = new ServiceDiscovery(client, 'orders', { prefix });
    await disc.start();
    assert.deepEqual(disc.instances(), []);
    assert.throws(() => disc.pick(), NoInstanceError);
    const changes: string[] = [];
    const unsub = disc.onChange((_list, ch) =>
      changes.push(...ch.map((c) => `${c.type}:${c.instance.id}`)),
    );
    try {
      await reg.register({
        service: 'orders',
        id: 'o1',
        address: '10.0.0.1:80',
        metadata: { weight: 1, zone: 'a' },
      });
      await reg.register({
        service: 'orders',
        id: 'o2',
        address: '10.0.0.2:80',
        metadata: { weight: 0 },
      });
      await reg.register({
        service: 'orders',
        id: 'o3',
        address: '10.0.0.3:80',
        metadata: { weight: 3 },
      });
      await reg.register({ service: 'billing', id: 'b1', address: '10.0.1.1:80' });
      await waitFor(() => disc.instances().length === 3, 10_000, 'three instances');
      const o1 = disc.instances()[0];
      assert.equal(o1.address, '10.0.0.1:80');
      assert.deepEqual(o1.metadata, { weight: 1, zone: 'a' });
      assert.equal(o1.lease, reg.leaseId);
      // round-robin cycles through all instances in order
      assert.deepEqual(
        [0, 1, 2, 3, 4, 5].map(() => disc.pick('round-robin').id),
        ['o1', 'o2', 'o3', 'o1', 'o2', 'o3'],
      );
      const counts: Record<string, number> = { o1: 0, o2: 0, o3: 0 };
      for (let i = 0; i < 400; i++) counts[disc.pick('weighted').id]++;
      assert.equal(counts.o2, 0, 'weight 0 is never picked');
      assert.ok(counts.o3 > counts.o1, `weighted: ${JSON.stringify(counts)}`);
      for (let i = 0; i < 20; i++) assert.ok(['o1', 'o2', 'o3'].includes(disc.pick('random').id));
      await reg.update('orders', 'o1', { weight: 5 });
      await waitFor(() => disc.instances()[0].metadata?.weight === 5, 10_000, 'metadata update');
      await reg.deregister('orders', 'o2');
      await waitFor(() => disc.instances().length === 2, 10_000, 'deregistered');
      assert.deepEqual(changes.slice(0, 3), ['added:o1', 'added:o2', 'added:o3']);
      assert.ok(changes.includes('updated:o1') && changes.includes('removed:o2'));
      await reg.close();
      await waitFor(() => disc.instances().length === 0, 10_000, 'deregistered on close');
      await assert.rejects(reg.register({ service: 'orders', id: 'x', address: 'y' }));
    } finally {
      unsub();
      await disc.close();
      await reg.close();
    }
  });

  it('instances vanish when their lease expires (process died)', async () => {
    const prefix = uniq('svc-exp').slice(0, -1);
    const dying = newClient(server);
    const reg = new ServiceRegistry(dying, { prefix, ttl: 2 });
    const disc = new ServiceDiscovery(client, 'orders', { prefix });
    try {
      await reg.register({ service: 'orders', id: 'o1', address: 'a:1' });
      await disc.start();
      assert.equal(disc.instances().length, 1);
      const t0 = Date.now();
      dying.close(); // keep-alives stop, nothing is deregistered
      await waitFor(() => disc.instances().length === 0, 15_000, 'expired instance removed');
      assert.ok(Date.now() - t0 >= 1000, 'removed by lease expiry, not by deregistration');
    } finally {
      await disc.close();
    }
  });

  it('registry re-registers after the session lease is lost', async () => {
    const prefix = uniq('svc-rereg').slice(0, -1);
    const reg = new ServiceRegistry(client, { prefix, ttl: 3 });
    const disc = new ServiceDiscovery(client, 'orders', { prefix });
    try {
      await reg.register({ service: 'orders', id: 'o1', address: 'a:1', metadata: { v: 1 } });
      await disc.start();
      const firstLease = reg.leaseId!;
      const rereg = once<bigint>(reg, 'reregistered', 15_000);
      const removed = new Promise<void>((r) => disc.onChange((list) => list.length === 0 && r()));
      await client.lease.revoke(firstLease); // e.g. expired during a partition
      await removed;
      const newLease = await rereg;
      assert.notEqual(newLease, firstLease);
      await waitFor(
        () => disc.instances().length === 1 && disc.instances()[0].lease === newLease,
        10_000,
        'rediscovered',
      );
      assert.deepEqual(disc.instances()[0].metadata, { v: 1 });
    } finally {
      await disc.close();
      await reg.close();
    }
  });

  it('discovery survives compaction of its watch revision by re-snapshotting', async () => {
    const prefix = uniq('svc-cmp').slice(0, -1);
    const disc = new ServiceDiscovery(client, 'orders', { prefix });
    const reg = new ServiceRegistry(client, { prefix, ttl: 10 });
    try {
      await disc.start();
      await reg.register({ service: 'orders', id: 'o1', address: 'a:1' });
      await waitFor(() => disc.instances().length === 1, 10_000, 'first');
      const r = await client.put(uniq('noise') + 'k', 'v');
      await client.compact(r.header.revision);
      await reg.register({ service: 'orders', id: 'o2', address: 'a:2' });
      await waitFor(() => disc.instances().length === 2, 10_000, 'second');
    } finally {
      await disc.close();
      await reg.close();
    }
  });
});
