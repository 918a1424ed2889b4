/**
 * A 3-member Concord cluster: three `concord serve` processes on loopback started with etcd's
 * bootstrap flags. Checked with etcdctl: one leader, linearizable reads across members,
 * `member list` and `endpoint status` on every member; then kill -9 of the leader: the other two
 * elect a new leader and keep accepting writes, every acknowledged write survives, and the
 * killed member restarts and catches up.
 *
 * Every wait polls with a bound (no fixed sleeps deciding the outcome), with generous bounds for
 * a busy 2-core machine.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ConcordProcess } from './support/concordProcess';
import { makeTemp, rmTemp } from './support/tempDirs';
import { etcdctlSpawn, sleep } from './support/servers';
import {
  Member,
  ctl,
  getPrefix,
  makeMembers,
  startMember,
  status,
  until,
  waitLeader,
} from './support/clusterKit';

const TOKEN = 'cluster-test';

async function get(
  endpoint: string,
  key: string,
  serializable = false,
): Promise<string | undefined> {
  const r = await ctl(endpoint, [
    'get',
    key,
    '--print-value-only',
    ...(serializable ? ['--consistency=s'] : []),
  ]);
  if (r.code !== 0) throw new Error(`get ${key} via ${endpoint}: ${r.stderr}`);
  const v = r.stdout.replace(/\n$/, '');
  return v === '' ? undefined : v;
}

describe('3-member cluster', { timeout: 300_000 }, () => {
  const work = makeTemp('concord-cluster-');
  let members: Member[] = [];

  after(async () => {
    await Promise.all(
      members.map((m) => (m.proc ? m.proc.kill('SIGKILL').catch(() => undefined) : undefined)),
    );
    rmTemp(work);
  });

  const start = (m: Member): ConcordProcess => startMember(m, members, { token: TOKEN });

  test('bootstrap, replicate, lose the leader, restart it', async () => {
    members = await makeMembers(work, ['n1', 'n2', 'n3']);
    for (const m of members) start(m);
    await Promise.all(members.map((m) => m.proc!.waitReady(30_000)));

    // ---- one leader, agreed on by everyone
    const first = await waitLeader(members, 30_000);
    const ids = new Set<string>();
    for (const m of members) ids.add((await status(m.endpoint))!.id);
    assert.equal(ids.size, 3, 'three distinct member IDs');

    // ---- member list on every member: all three with their peer and client URLs
    for (const m of members) {
      await until(`member list via ${m.name} shows every member started`, 20_000, async () => {
        const r = await ctl(m.endpoint, ['member', 'list']);
        if (r.code !== 0) return undefined;
        const rows = r.stdout
          .trim()
          .split('\n')
          .map((l) => l.split(', '));
        if (rows.length !== 3) return undefined;
        for (const x of members) {
          const row = rows.find((rw) => rw[2] === x.name);
          if (!row || row[1] !== 'started') return undefined;
          assert.equal(row[3], `http://127.0.0.1:${x.peerPort}`);
          assert.equal(row[4], `http://127.0.0.1:${x.clientPort}`);
          assert.ok(ids.has(row[0]), `member list ID ${row[0]} is an endpoint status ID`);
        }
        return true;
      });
    }
    // the same cluster ID everywhere
    const clusterIds = new Set<string>();
    for (const m of members) {
      const r = await ctl(m.endpoint, ['member', 'list', '-w', 'fields']);
      const line = r.stdout.split('\n').find((l) => l.startsWith('"ClusterID"'));
      assert.ok(line, r.stdout);
      clusterIds.add(line);
    }
    assert.equal(clusterIds.size, 1, [...clusterIds].join(' / '));

    // ---- put via one member, linearizable read via each of the others
    const followers = members.filter((m) => m !== first.leader);
    const put = await ctl(followers[0].endpoint, ['put', 'greeting', 'hello']);
    assert.equal(put.code, 0, put.stderr);
    assert.equal(put.stdout.trim(), 'OK');
    for (const m of members)
      assert.equal(await get(m.endpoint, 'greeting'), 'hello', `linearizable read via ${m.name}`);
    const put2 = await ctl(first.leader.endpoint, ['put', 'greeting', 'hello again']);
    assert.equal(put2.code, 0, put2.stderr);
    assert.equal(await get(followers[1].endpoint, 'greeting'), 'hello again');

    // ---- a lease kept alive through a follower stays (the keep-alives reach the leader's
    //      lessor); once they stop, the leader revokes it
    const grant = await ctl(first.leader.endpoint, ['lease', 'grant', '2']);
    assert.equal(grant.code, 0, grant.stderr);
    const leaseId = /lease ([0-9a-f]+) granted/.exec(grant.stdout)?.[1];
    assert.ok(leaseId, grant.stdout);
    const lput = await ctl(first.leader.endpoint, ['put', 'leased', 'x', `--lease=${leaseId}`]);
    assert.equal(lput.code, 0, lput.stderr);
    const ka = etcdctlSpawn(followers[0].endpoint, ['lease', 'keep-alive', leaseId]);
    try {
      await ka.waitFor((o) => o.includes('keepalived with TTL'), 10_000);
      await sleep(5000); // 2.5 × the TTL
      assert.equal(
        await get(first.leader.endpoint, 'leased'),
        'x',
        'kept-alive lease survives on the leader',
      );
    } finally {
      await ka.kill();
    }
    await until('the lease expires once keep-alives stop', 20_000, async () =>
      (await get(first.leader.endpoint, 'leased')) === undefined ? true : undefined,
    );

    // acknowledged writes before the failure, spread over all members
    const acked = new Map<string, string>();
    for (let i = 0; i < 30; i++) {
      const m = members[i % 3];
      const r = await ctl(m.endpoint, ['put', `k/${String(i).padStart(3, '0')}`, `v${i}`]);
      assert.equal(r.code, 0, `put via ${m.name}: ${r.stderr}`);
      acked.set(`k/${String(i).padStart(3, '0')}`, `v${i}`);
    }

    // ---- kill -9 the leader
    const old = first.leader;
    const before = await Promise.all(followers.map((m) => status(m.endpoint)));
    assert.ok(before.every((s) => s && !s.isLeader));
    await old.proc!.kill('SIGKILL');

    // the two survivors elect a new leader in a later term
    const second = await waitLeader(followers, 30_000, first.term + 1);
    assert.notEqual(second.leader, old);

    // and keep accepting writes (a write in flight during the election may fail: retried,
    // and counted as acknowledged only when etcdctl says OK)
    let failures = 0;
    for (let i = 30; i < 60; i++) {
      const key = `k/${String(i).padStart(3, '0')}`;
      await until(`put ${key} after the leader was killed`, 30_000, async () => {
        const m = followers[i % 2];
        const r = await ctl(m.endpoint, ['put', key, `v${i}`]);
        if (r.code === 0) return true;
        failures++;
        return undefined;
      });
      acked.set(key, `v${i}`);
    }
    assert.ok(failures < 20, `too many failed writes after the election: ${failures}`);

    // every acknowledged write is there, on both survivors (linearizable reads)
    for (const m of followers) {
      const got = await getPrefix(m.endpoint, 'k/');
      for (const [k, v] of acked) assert.equal(got.get(k), v, `${k} via ${m.name}`);
    }

    // ---- the killed member restarts and catches up
    start(old);
    await old.proc!.waitReady(30_000);
    await until(`${old.name} caught up`, 30_000, async () => {
      const got = await getPrefix(old.endpoint, 'k/', true);
      for (const [k, v] of acked) if (got.get(k) !== v) return undefined;
      return true;
    });
    // it rejoins as a follower of the current leader (same term for everyone)
    const third = await waitLeader(members, 30_000, second.term);
    assert.ok(members.includes(third.leader));
    // linearizable reads and writes through the restarted member
    const r = await until('put via the restarted member', 20_000, async () => {
      const x = await ctl(old.endpoint, ['put', 'after-restart', 'yes']);
      return x.code === 0 ? x : undefined;
    });
    assert.equal(r.stdout.trim(), 'OK');
    for (const m of members)
      assert.equal(await get(m.endpoint, 'after-restart'), 'yes', `read via ${m.name}`);
    // and every member has applied the same log
    await until('all members at the same raft index', 20_000, async () => {
      const sts = await Promise.all(members.map((m) => status(m.endpoint)));
      if (sts.some((s) => !s)) return undefined;
      const a = sts[0]!.index;
      if (sts.every((s) => s!.index === a)) return true;
      throw new Error(`statuses: ${JSON.stringify(sts)}`);
    });
    // with the same contents: the same KV hash on every member
    const hashes = new Set<string>();
    for (const m of members) {
      const h = await ctl(m.endpoint, ['endpoint', 'hashkv']);
      assert.equal(h.code, 0, h.stderr);
      hashes.add(h.stdout.trim().split(', ')[1]);
    }
    assert.equal(hashes.size, 1, `KV hashes differ: ${[...hashes].join(' ')}`);
  });
});
