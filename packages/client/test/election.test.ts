import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Client,
  Election,
  KeyValue,
  NoElectionLeaderError,
  NotLeaderOfElectionError,
  Session,
} from '../src';
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

describe('election', () => {
  it('campaign, leader, proclaim, resign, observe', async () => {
    const name = uniq('el');
    const s1 = await Session.create(client, { ttl: 10 });
    const s2 = await Session.create(client, { ttl: 10 });
    const e1 = new Election(s1, name);
    const e2 = new Election(s2, name);
    const obs = e1.observe();
    const seen: Array<string | null> = [];
    obs.on('leader', (kv: KeyValue | null) => seen.push(kv ? kv.valueString : null));
    try {
      // the observer reports the state it starts from; only changes after that are promised
      await waitFor(() => seen.length >= 1, 10_000, 'observer started');
      await assert.rejects(e1.leader(), NoElectionLeaderError);
      await assert.rejects(e1.proclaim('x'), NotLeaderOfElectionError);
      const elected = once<KeyValue>(e1, 'elected');
      await e1.campaign('node-1');
      assert.equal((await elected).valueString, 'node-1');
      assert.ok(e1.isLeader);
      assert.ok(e1.leaderRevision > 0);
      assert.equal((await e2.leader()).valueString, 'node-1');
      let e2Elected = false;
      const c2 = e2.campaign('node-2').then(() => (e2Elected = true));
      await e1.proclaim('node-1b');
      assert.equal((await e2.leader()).valueString, 'node-1b');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(e2Elected, false);
      await e1.resign();
      assert.equal(e1.isLeader, false);
      await withTimeout(c2, 10_000, 'e2 elected after resign');
      assert.equal((await e1.leader()).valueString, 'node-2');
      await waitFor(() => seen[seen.length - 1] === 'node-2', 10_000, 'observer sees node-2');
      assert.deepEqual(
        seen.filter((v, i) => seen.indexOf(v) === i),
        [null, 'node-1', 'node-1b', 'node-2'],
      );
      await e2.resign();
      await waitFor(() => seen[seen.length - 1] === null, 10_000, 'observer sees no leader');
    } finally {
      obs.close();
      await s1.close();
      await s2.close();
    }
  });

  it('failover: when the leader session dies, the next candidate is elected and the old leader gets lost', async () => {
    const name = uniq('el-fo');
    const c1 = newClient(server);
    const s1 = await Session.create(c1, { ttl: 2 });
    const s2 = await Session.create(client, { ttl: 10 });
    const e1 = new Election(s1, name);
    const e2 = new Election(s2, name);
    try {
      await e1.campaign('a');
      const lost = once<Error>(e1, 'lost', 15_000);
      const elected = once<KeyValue>(e2, 'elected', 15_000);
      const p2 = e2.campaign('b');
      // leader process dies: its keep-alives stop and the lease expires after its TTL
      s1.orphan();
      c1.close();
      assert.equal((await elected).valueString, 'b');
      await p2;
      assert.ok(e2.isLeader);
      await lost;
      assert.equal(e1.isLeader, false);
    } finally {
      await s2.close();
    }
  });

  it('leader loses leadership when its key is deleted externally', async () => {
    const name = uniq('el-del');
    const s = await Session.create(client, { ttl: 10 });
    const e = new Election(s, name);
    try {
      await e.campaign('x');
      const lost = once(e, 'lost');
      await client.delete(e.key!);
      await lost;
      assert.equal(e.isLeader, false);
      await assert.rejects(e.proclaim('y'), NotLeaderOfElectionError);
    } finally {
      await s.close();
    }
  });

  it('observe as async iterator', async () => {
    const name = uniq('el-it');
    const s = await Session.create(client, { ttl: 10 });
    const e = new Election(s, name);
    const obs = e.observe();
    try {
      const got: Array<string | null> = [];
      const consumer = (async () => {
        for await (const kv of obs) {
          got.push(kv ? kv.valueString : null);
          if (got.length === 2) break;
        }
      })();
      await waitFor(() => got.length >= 1, 5000, 'initial');
      await e.campaign('leader-x');
      await withTimeout(consumer, 10_000, 'observer');
      assert.deepEqual(got, [null, 'leader-x']);
    } finally {
      obs.close();
      await s.close();
    }
  });
});
