/**
 * Membership changes with etcdctl against a 3-process cluster (--snapshot-count 50, so the new
 * member catches up from a snapshot): add a learner, start it with --initial-cluster-state
 * existing, promote it, remove another member, update peer URLs; etcd's error texts for the
 * refused changes; the cluster keeps serving throughout and a restarted member knows the current
 * membership whatever its flags. Then `etcdctl move-leader`.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeTemp, rmTemp } from './support/tempDirs';
import { EtcdClient, MaintenanceService } from './support/grpcClient';
import { freePorts } from './support/servers';
import * as path from 'node:path';
import {
  ctl,
  getPrefix,
  hashesWhenEqual,
  makeMembers,
  Member,
  peerUrl,
  startMember,
  status,
  until,
  waitLeader,
} from './support/clusterKit';

const TOKEN = 'membership-test';
const ARGS = ['--snapshot-count', '50'];

interface ListedMember {
  id: string;
  status: string;
  name: string;
  peerUrls: string;
  clientUrls: string;
  isLearner: boolean;
}

async function memberList(endpoint: string): Promise<ListedMember[]> {
  const r = await ctl(endpoint, ['member', 'list']);
  if (r.code !== 0) throw new Error(`member list via ${endpoint}: ${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => l.split(', '))
    .map((f) => ({
      id: f[0],
      status: f[1],
      name: f[2],
      peerUrls: f[3],
      clientUrls: f[4],
      isLearner: f[5] === 'true',
    }));
}

describe('cluster membership', { timeout: 400_000 }, () => {
  const work = makeTemp('concord-cluster-members-');
  let all: Member[] = [];

  after(async () => {
    await Promise.all(
      all.map((m) => (m.proc ? m.proc.kill('SIGKILL').catch(() => undefined) : undefined)),
    );
    rmTemp(work);
  });

  test('add a learner, start it, promote it, remove a member, update, errors; move-leader', async () => {
    const initial = await makeMembers(work, ['m1', 'm2', 'm3']);
    const [p4c, p4p] = await freePorts(2);
    const m4: Member = {
      name: 'm4',
      clientPort: p4c,
      peerPort: p4p,
      endpoint: `127.0.0.1:${p4c}`,
      dataDir: path.join(work, 'm4'),
    };
    all = [...initial, m4];
    for (const m of initial) startMember(m, initial, { token: TOKEN, extraArgs: ARGS });
    await Promise.all(initial.map((m) => m.proc!.waitReady(30_000)));
    const first = await waitLeader(initial, 30_000);

    // enough writes that the leader has compacted its log: the new member needs a snapshot
    const acked = new Map<string, string>();
    const c = new EtcdClient(first.leader.endpoint);
    try {
      for (let i = 0; i < 150; i++) {
        const k = `k/${String(i).padStart(4, '0')}`;
        await c.put({ key: Buffer.from(k), value: Buffer.from(`v${i}`) });
        acked.set(k, `v${i}`);
      }
    } finally {
      c.close();
    }

    // ---- add m4 as a learner
    const add = await ctl(initial[1].endpoint, [
      'member',
      'add',
      'm4',
      `--peer-urls=${peerUrl(m4)}`,
      '--learner',
    ]);
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /Member +[0-9a-f]+ added to cluster +[0-9a-f]+/);
    assert.match(add.stdout, /ETCD_INITIAL_CLUSTER_STATE="existing"/);
    const id4 = /Member +([0-9a-f]+) added/.exec(add.stdout)![1];
    let list = await memberList(first.leader.endpoint);
    assert.equal(list.length, 4);
    const row4 = list.find((x) => x.id === id4)!;
    assert.equal(row4.status, 'unstarted');
    assert.equal(row4.isLearner, true);

    // the same peer URL again, and a second learner: refused with etcd's errors
    const dup = await ctl(first.leader.endpoint, [
      'member',
      'add',
      'm4b',
      `--peer-urls=${peerUrl(m4)}`,
    ]);
    assert.notEqual(dup.code, 0);
    assert.match(dup.stderr, /etcdserver: Peer URLs already exists/);
    const second = await ctl(first.leader.endpoint, [
      'member',
      'add',
      'm5',
      '--peer-urls=http://127.0.0.1:1',
      '--learner',
    ]);
    assert.notEqual(second.code, 0);
    assert.match(second.stderr, /etcdserver: too many learner members in cluster/);
    // promoting a voter
    const voterId = list.find((x) => x.name === 'm1')!.id;
    const pv = await ctl(first.leader.endpoint, ['member', 'promote', voterId]);
    assert.notEqual(pv.code, 0);
    assert.match(pv.stderr, /etcdserver: can only promote a learner member/);

    // ---- start m4: joins with the full --initial-cluster list, catches up (via a snapshot)
    startMember(m4, all, { token: TOKEN, state: 'existing', extraArgs: ARGS });
    await m4.proc!.waitReady(30_000);
    await until('m4 has every key', 60_000, async () => {
      const got = await getPrefix(m4.endpoint, 'k/', true);
      for (const [k, v] of acked) if (got.get(k) !== v) return undefined;
      return true;
    });
    assert.match(m4.proc!.output, /snapshot installed/);
    const st4 = await status(m4.endpoint);
    assert.equal(st4?.isLearner, true);
    await until('member list shows m4 started', 20_000, async () =>
      (await memberList(first.leader.endpoint)).find((x) => x.id === id4)?.name === 'm4'
        ? true
        : undefined,
    );

    // ---- promote m4 (through the leader, which knows its progress)
    const leaderNow = (await waitLeader(initial, 30_000)).leader;
    const prom = await until('promote m4', 30_000, async () => {
      const r = await ctl(leaderNow.endpoint, ['member', 'promote', id4]);
      return r.code === 0 ? r : undefined;
    });
    assert.match(prom.stdout, /promoted/);
    list = await memberList(m4.endpoint);
    assert.equal(list.find((x) => x.id === id4)!.isLearner, false);

    // ---- remove a follower that is not the leader; the cluster keeps serving
    const victim = initial.find((m) => m !== leaderNow)!;
    const victimId = (await status(victim.endpoint))!.id;
    const rm = await ctl(leaderNow.endpoint, ['member', 'remove', victimId]);
    assert.equal(rm.code, 0, rm.stderr);
    assert.match(rm.stdout, /removed from cluster/);
    const rest = all.filter((m) => m !== victim);
    for (const m of rest)
      await until(`member list via ${m.name} without ${victim.name}`, 20_000, async () =>
        (await memberList(m.endpoint)).length === 3 ? true : undefined,
      );
    await victim.proc!.kill('SIGKILL');
    all = rest;
    for (let i = 0; i < 20; i++) {
      const m = rest[i % rest.length];
      const k = `after/${i}`;
      await until(`put ${k} via ${m.name}`, 20_000, async () =>
        (await ctl(m.endpoint, ['put', k, 'x'])).code === 0 ? true : undefined,
      );
      acked.set(k, 'x');
    }
    const notFound = await ctl(leaderNow.endpoint, ['member', 'remove', 'abcdef']);
    assert.notEqual(notFound.code, 0);
    assert.match(notFound.stderr, /etcdserver: member not found/);

    // ---- update: another member's URL is refused; a fresh URL is recorded
    const upd = await ctl(leaderNow.endpoint, [
      'member',
      'update',
      id4,
      `--peer-urls=${peerUrl(leaderNow)}`,
    ]);
    assert.notEqual(upd.code, 0);
    assert.match(upd.stderr, /etcdserver: Peer URLs already exists/);
    const upd2 = await ctl(leaderNow.endpoint, [
      'member',
      'update',
      id4,
      `--peer-urls=${peerUrl(m4)}`,
    ]);
    assert.equal(upd2.code, 0, upd2.stderr);
    assert.match(upd2.stdout, /updated in cluster/);

    // ---- a restarted member knows the membership (its flags still list the removed member)
    await m4.proc!.kill('SIGTERM');
    startMember(m4, [...initial, m4], { token: TOKEN, state: 'existing', extraArgs: ARGS });
    await m4.proc!.waitReady(30_000);
    await waitLeader(rest, 30_000);
    list = await memberList(m4.endpoint);
    assert.deepEqual(
      list.map((x) => x.id).sort(),
      await Promise.all(rest.map(async (m) => (await status(m.endpoint))!.id)).then((ids) =>
        ids.sort(),
      ),
    );
    for (const m of rest) {
      const got = await until(`${m.name} serves`, 20_000, async () =>
        getPrefix(m.endpoint, '', true),
      );
      for (const [k, v] of acked) assert.equal(got.get(k), v, `${k} via ${m.name}`);
    }
    const hashes = await hashesWhenEqual(rest);
    assert.equal(hashes.size, 1, `KV hashes differ: ${[...hashes].join(' ')}`);

    // ---- move-leader: only the leader can; the target becomes leader
    const cur = await waitLeader(rest, 30_000);
    const target = rest.find((m) => m !== cur.leader)!;
    const targetId = (await status(target.endpoint))!.id;
    // (etcdctl itself refuses without the leader among its endpoints: ask a follower directly)
    const fc = new EtcdClient(target.endpoint);
    try {
      const o = await fc.attempt(MaintenanceService.MoveLeader, {
        targetID: BigInt('0x' + targetId).toString(),
      });
      assert.equal(o.ok, false);
      if (!o.ok) assert.match(o.error.message ?? JSON.stringify(o.error), /etcdserver: not leader/);
    } finally {
      fc.close();
    }
    // etcdctl finds the leader among the endpoints it is given; written as URLs, etcdctl 3.4
    // sends "http://host:port" as :authority (our HTTP/2 layer accepts it, as Go's does)
    const mv = await ctl(rest.map((m) => `http://${m.endpoint}`).join(','), [
      'move-leader',
      targetId,
    ]);
    assert.equal(mv.code, 0, mv.stderr);
    const st = await ctl(`http://${target.endpoint}`, ['endpoint', 'status', '--cluster']);
    assert.equal(st.code, 0, st.stderr);
    assert.equal(st.stdout.trim().split('\n').length, rest.length, st.stdout);
    assert.match(mv.stdout, /Leadership transferred from [0-9a-f]+ to [0-9a-f]+/);
    const after = await waitLeader(rest, 30_000, cur.term + 1);
    assert.equal(after.leader, target);
    const bad = await ctl(target.endpoint, ['move-leader', 'abcdef']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /etcdserver: bad leader transferee/);
    const w = await until('write after move-leader', 20_000, async () => {
      const x = await ctl(cur.leader.endpoint, ['put', 'moved', 'yes']);
      return x.code === 0 ? x : undefined;
    });
    assert.equal(w.stdout.trim(), 'OK');
  });
});
