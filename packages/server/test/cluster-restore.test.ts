/**
 * Disaster recovery of a cluster, as etcd's `snapshot restore`: a 3-member cluster is written
 * to, a snapshot is saved from one member, every member is stopped and its data dir dropped;
 * `concord snapshot restore` then builds three fresh data dirs for a NEW cluster (new token,
 * membership from the restore flags), the members started on them elect a leader, serve every
 * key at the snapshot's revision with equal HashKV, and new writes continue the revision.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConcordProcess, runCli } from './support/concordProcess';
import { makeTemp, rmTemp } from './support/tempDirs';
import { freePorts } from './support/servers';
import {
  ctl,
  getPrefix,
  hashesWhenEqual,
  initialCluster,
  makeMembers,
  Member,
  peerUrl,
  startMember,
  until,
  waitLeader,
} from './support/clusterKit';

async function revisionOf(endpoint: string, serializable = false): Promise<number> {
  const r = await ctl(endpoint, [
    'get',
    'nothing-here',
    '-w',
    'json',
    ...(serializable ? ['--consistency=s'] : []),
  ]);
  if (r.code !== 0) throw new Error(`get via ${endpoint}: ${r.stderr}`);
  return Number(
    (JSON.parse(r.stdout) as { header: { revision: number | string } }).header.revision,
  );
}

describe('cluster restore from a snapshot', { timeout: 300_000 }, () => {
  const work = makeTemp('concord-cluster-restore-');
  let members: Member[] = [];
  let single: ConcordProcess | undefined;
  /** the 3-member cluster's snapshot (first test) */
  const backup = path.join(work, 'backup.db');
  let backupRev = 0;
  let backupKeys = new Map<string, string>();

  const restore = (file: string, m: Member, cluster: Member[], token: string) => {
    const r = runCli([
      'snapshot',
      'restore',
      file,
      '--data-dir',
      m.dataDir,
      '--name',
      m.name,
      '--initial-cluster',
      initialCluster(cluster),
      '--initial-advertise-peer-urls',
      peerUrl(m),
      '--initial-cluster-token',
      token,
    ]);
    assert.equal(r.code, 0, `restore ${m.name}: ${r.stderr}`);
    return r;
  };

  after(async () => {
    await Promise.all(
      members.map((m) => (m.proc ? m.proc.kill('SIGKILL').catch(() => undefined) : undefined)),
    );
    if (single) await single.kill('SIGKILL').catch(() => undefined);
    rmTemp(work);
  });

  test('3 members restored from one snapshot form a new cluster with every key', async () => {
    members = await makeMembers(work, ['r1', 'r2', 'r3']);
    for (const m of members) startMember(m, members, { token: 'restore-old' });
    await Promise.all(members.map((m) => m.proc!.waitReady(30_000)));
    const { leader } = await waitLeader(members, 30_000);

    const acked = new Map<string, string>();
    for (let i = 0; i < 40; i++) {
      const k = `k/${String(i).padStart(3, '0')}`;
      const v = `v${i}-${'x'.repeat(i % 5)}`;
      const r = await ctl(members[i % 3].endpoint, ['put', k, v]);
      assert.equal(r.code, 0, r.stderr);
      acked.set(k, v);
    }
    assert.equal((await ctl(leader.endpoint, ['del', 'k/000'])).code, 0);
    acked.delete('k/000');
    const source = members.find((m) => m !== leader)!;
    await until('source member applied everything', 20_000, async () =>
      (await getPrefix(source.endpoint, 'k/', true)).size === acked.size ? true : undefined,
    );
    const revBefore = await revisionOf(source.endpoint, true);

    const saved = await ctl(source.endpoint, ['snapshot', 'save', backup], 30_000);
    assert.equal(saved.code, 0, saved.stderr);

    // the cluster is gone for good
    for (const m of members) await m.proc!.kill('SIGTERM');
    for (const m of members) fs.rmSync(m.dataDir, { recursive: true, force: true });

    // restore once per member, same snapshot and flags, each with its own name
    const fresh = await makeMembers(work, ['n1', 'n2', 'n3']);
    backupRev = revBefore;
    backupKeys = new Map(acked);
    for (const m of fresh)
      assert.match(
        restore(backup, m, fresh, 'restore-new').stdout,
        new RegExp(`revision ${revBefore}`),
      );
    members = fresh;
    for (const m of members) startMember(m, members, { token: 'restore-new' });
    await Promise.all(members.map((m) => m.proc!.waitReady(30_000)));
    await waitLeader(members, 30_000);

    for (const m of members) {
      const got = await until(`${m.name} serves`, 20_000, async () => getPrefix(m.endpoint, 'k/'));
      assert.equal(got.size, acked.size, `key count via ${m.name}`);
      for (const [k, v] of acked) assert.equal(got.get(k), v, `${k} via ${m.name}`);
      assert.equal(await revisionOf(m.endpoint), revBefore, `revision via ${m.name}`);
    }
    const list = await ctl(members[0].endpoint, ['member', 'list']);
    assert.equal(list.code, 0, list.stderr);
    for (const m of members)
      assert.match(list.stdout, new RegExp(`, ${m.name}, ${peerUrl(m).replace(/[.]/g, '\\.')}`));
    const h = await hashesWhenEqual(members);
    assert.equal(h.size, 1, `KV hashes differ: ${[...h].join(' ')}`);

    // writes continue the revision, through every member
    for (const m of members) {
      const r = await until(`put via ${m.name}`, 20_000, async () => {
        const x = await ctl(m.endpoint, ['put', `after/${m.name}`, 'yes']);
        return x.code === 0 ? x : undefined;
      });
      assert.equal(r.stdout.trim(), 'OK');
    }
    assert.equal(await revisionOf(members[2].endpoint), revBefore + 3);
    for (const m of members) {
      const got = await until(`${m.name} sees the new writes`, 20_000, async () => {
        const g = await getPrefix(m.endpoint, 'after/', true);
        return g.size === 3 ? g : undefined;
      });
      assert.equal(got.size, 3);
    }
    const h2 = await hashesWhenEqual(members);
    assert.equal(h2.size, 1, `KV hashes differ after writes: ${[...h2].join(' ')}`);

    // and they restart on their data dirs
    for (const m of members) await m.proc!.kill('SIGTERM');
    for (const m of members) startMember(m, members, { token: 'restore-new' });
    await Promise.all(members.map((m) => m.proc!.waitReady(30_000)));
    await waitLeader(members, 30_000);
    const got = await until('serves after restart', 20_000, async () =>
      getPrefix(members[1].endpoint, 'after/'),
    );
    assert.equal(got.size, 3);
  });

  test("a cluster's snapshot restored into a single member (one --initial-cluster entry)", async () => {
    for (const m of members) await m.proc?.kill('SIGTERM');
    members = [];
    const [m] = await makeMembers(work, ['solo']);
    restore(backup, m, [m], 'restore-solo');
    single = startMember(m, [m], { token: 'restore-solo' });
    await single.waitReady(30_000);
    const got = await getPrefix(m.endpoint, 'k/');
    assert.deepEqual(got, backupKeys);
    assert.equal(await revisionOf(m.endpoint), backupRev);
    assert.equal((await ctl(m.endpoint, ['put', 'solo', 'yes'])).stdout.trim(), 'OK');
    assert.equal(await revisionOf(m.endpoint), backupRev + 1);
    await single.kill('SIGTERM');
    single = undefined;
  });

  test("a single member's snapshot restored into a 3-member cluster", async () => {
    const [port] = await freePorts(1);
    single = ConcordProcess.start({ dataDir: path.join(work, 'one'), port });
    await single.waitReady(30_000);
    const ep = `127.0.0.1:${port}`;
    const want = new Map<string, string>();
    for (let i = 0; i < 25; i++) {
      assert.equal((await ctl(ep, ['put', `s/${i}`, `w${i}`])).code, 0);
      want.set(`s/${i}`, `w${i}`);
    }
    const rev = await revisionOf(ep);
    const file = path.join(work, 'single.db');
    assert.equal((await ctl(ep, ['snapshot', 'save', file], 30_000)).code, 0);
    await single.kill('SIGTERM');
    single = undefined;

    members = await makeMembers(work, ['c1', 'c2', 'c3']);
    for (const m of members) restore(file, m, members, 'restore-grow');
    for (const m of members) startMember(m, members, { token: 'restore-grow' });
    await Promise.all(members.map((m) => m.proc!.waitReady(30_000)));
    await waitLeader(members, 30_000);
    for (const m of members) {
      const got = await until(`${m.name} serves`, 20_000, async () => getPrefix(m.endpoint, 's/'));
      assert.deepEqual(got, want, `keys via ${m.name}`);
      assert.equal(await revisionOf(m.endpoint), rev, `revision via ${m.name}`);
    }
    const w = await until('write', 20_000, async () => {
      const x = await ctl(members[1].endpoint, ['put', 'grown', 'yes']);
      return x.code === 0 ? x : undefined;
    });
    assert.equal(w.stdout.trim(), 'OK');
    assert.equal(await revisionOf(members[0].endpoint), rev + 1);
    const h = await hashesWhenEqual(members);
    assert.equal(h.size, 1, `KV hashes differ: ${[...h].join(' ')}`);
  });
});
