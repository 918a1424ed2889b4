import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client, EtcdError, MemberError, NoSpaceError } from '../src';
import { TARGET, TestServer, freePort, newClient, startServer, uniq, withTimeout } from './harness';

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

describe('maintenance', () => {
  it('status', async () => {
    const s = await client.maintenance.status();
    assert.ok(s.version.length > 0);
    assert.ok(s.dbSize > 0);
    assert.equal(typeof s.leader, 'bigint');
    assert.equal(s.leader, s.header.memberId);
    assert.ok(s.raftIndex > 0);
    assert.deepEqual(s.errors, []);
  });

  it('hashKV is stable for the same revision and changes with writes', async () => {
    const r = await client.put(uniq('hash') + 'k', 'v');
    const h1 = await client.maintenance.hashKV(r.header.revision);
    const h2 = await client.maintenance.hashKV(r.header.revision);
    assert.equal(h1.hash, h2.hash);
    await client.put(uniq('hash') + 'k', 'v2');
    const h3 = await client.maintenance.hashKV(0);
    assert.notEqual(h3.hash, h1.hash);
  });

  it('defragment', async () => {
    const h = await client.maintenance.defragment();
    assert.ok(h.revision >= 0);
  });

  it('alarms: list, activate, disarm', async () => {
    assert.deepEqual(await client.maintenance.alarms(), []);
    const s = await client.maintenance.status();
    await client.maintenance.activateAlarm('nospace', s.header.memberId);
    const list = await client.maintenance.alarms();
    assert.deepEqual(list, [{ memberId: s.header.memberId, alarm: 'nospace' }]);
    await assert.rejects(client.put(uniq('alarm') + 'k', 'v'), NoSpaceError);
    await client.maintenance.disarmAlarm('nospace', s.header.memberId);
    assert.deepEqual(await client.maintenance.alarms(), []);
    await client.put(uniq('alarm') + 'k', 'v');
  });

  it('snapshot streams the backend as a readable stream', async () => {
    await client.put(uniq('snap') + 'k', 'snapshot-marker-value');
    const chunks: Buffer[] = [];
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        const s = client.maintenance.snapshot();
        s.on('data', (c: Buffer) => chunks.push(c));
        s.on('end', resolve);
        s.on('error', reject);
      }),
      20_000,
      'snapshot',
    );
    const all = Buffer.concat(chunks);
    assert.ok(all.length > 1000);
    assert.ok(all.includes(Buffer.from('snapshot-marker-value')));
  });
});

describe('cluster', () => {
  it('memberList', async () => {
    const r = await client.cluster.memberList();
    assert.equal(r.members.length, 1);
    const m = r.members[0];
    assert.equal(m.name, 't');
    assert.equal(typeof m.id, 'bigint');
    assert.deepEqual(m.clientURLs, [`http://${server.endpoint}`]);
  });

  it(
    'memberAdd learner, promote (not in sync -> error), remove',
    { skip: TARGET !== 'etcd' },
    async () => {
      const url = `http://127.0.0.1:${await freePort()}`;
      const added = await client.cluster.memberAdd([url], { isLearner: true });
      assert.equal(added.member.isLearner, true);
      assert.deepEqual(added.member.peerURLs, [url]);
      assert.equal(added.members.length, 2);
      await assert.rejects(
        client.cluster.memberPromote(added.member.id),
        (e: unknown) => e instanceof EtcdError,
      );
      await assert.rejects(client.cluster.memberAdd([url]), MemberError);
      const removed = await client.cluster.memberRemove(added.member.id);
      assert.equal(removed.members.length, 1);
      await assert.rejects(client.cluster.memberRemove(added.member.id), MemberError);
    },
  );
});
