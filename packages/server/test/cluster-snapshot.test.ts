/**
 * Log compaction and snapshots in a 3-member cluster (--snapshot-count 50): one member is
 * stopped while more than 4 × snapshot-count entries are written, so the others snapshot and
 * compact their logs past it; restarted, it can only catch up by receiving a snapshot over the
 * peer transport (a copy of the leader's backend made for it: the snapshots the members take
 * only record metadata). Then every member has every key, the same KV hash, keeps serving, and
 * restarts again from its own snapshot + WAL marker.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeTemp, rmTemp } from './support/tempDirs';
import { EtcdClient } from './support/grpcClient';
import {
  ctl,
  getPrefix,
  hashesWhenEqual,
  makeMembers,
  Member,
  startMember,
  until,
  waitLeader,
} from './support/clusterKit';

const TOKEN = 'snapshot-test';
const SNAPSHOT_COUNT = 50;

describe('cluster snapshots', { timeout: 300_000 }, () => {
  const work = makeTemp('concord-cluster-snap-');
  let members: Member[] = [];

  after(async () => {
    await Promise.all(
      members.map((m) => (m.proc ? m.proc.kill('SIGKILL').catch(() => undefined) : undefined)),
    );
    rmTemp(work);
  });

  /** keys every write of the first test was acknowledged with */
  const acked = new Map<string, string>();
  const start = (m: Member) =>
    startMember(m, members, {
      token: TOKEN,
      extraArgs: ['--snapshot-count', String(SNAPSHOT_COUNT)],
    });

  test('a member behind the compacted log catches up via snapshot', async () => {
    members = await makeMembers(work, ['s1', 's2', 's3']);
    for (const m of members) start(m);
    await Promise.all(members.map((m) => m.proc!.waitReady(30_000)));
    const first = await waitLeader(members, 30_000);
    const lagging = members.find((m) => m !== first.leader)!;
    const live = members.filter((m) => m !== lagging);

    const put = async (c: EtcdClient, k: string, v: string) => {
      await c.put({ key: Buffer.from(k), value: Buffer.from(v) });
      acked.set(k, v);
    };
    const c0 = new EtcdClient(first.leader.endpoint);
    try {
      for (let i = 0; i < 20; i++) await put(c0, `k/${String(i).padStart(4, '0')}`, `v${i}`);
      // stop one member, then write far past what the others keep in their logs
      await lagging.proc!.kill('SIGTERM');
      const writes: Promise<void>[] = [];
      for (let i = 20; i < 20 + 5 * SNAPSHOT_COUNT; i++) {
        writes.push(put(c0, `k/${String(i).padStart(4, '0')}`, `v${i}-${'x'.repeat(i % 7)}`));
        if (writes.length >= 16) await Promise.all(writes.splice(0));
      }
      await Promise.all(writes);
    } finally {
      c0.close();
    }
    // the live members took snapshots and compacted
    for (const m of live) {
      const snaps = fs
        .readdirSync(path.join(m.dataDir, 'member', 'snap'))
        .filter((n) => n.endsWith('.snap'));
      assert.ok(snaps.length > 0, `${m.name} has snapshot files`);
      // a snapshot records where the flushed backend is; it does not copy the backend
      for (const n of snaps) {
        const size = fs.statSync(path.join(m.dataDir, 'member', 'snap', n)).size;
        assert.ok(size < 4096, `${m.name}'s snapshot ${n} is ${size} bytes: a backend copy`);
      }
    }
    await until('leader logs "snapshot taken"', 10_000, async () =>
      first.leader.proc!.output.includes('snapshot taken') ? true : undefined,
    );

    // the stopped member restarts: it must be sent a snapshot
    start(lagging);
    await lagging.proc!.waitReady(30_000);
    await until(`${lagging.name} installed a snapshot`, 30_000, async () =>
      lagging.proc!.output.includes('snapshot installed') ? true : undefined,
    );
    assert.match(first.leader.proc!.output, /sending snapshot/);
    // the copy made for it was removed once streamed
    await until('the leader removed the copy it sent', 10_000, async () => {
      const send = path.join(first.leader.dataDir, 'member', 'snap', 'send');
      return !fs.existsSync(send) || fs.readdirSync(send).length === 0 ? true : undefined;
    });
    await until(`${lagging.name} has every key`, 30_000, async () => {
      const got = await getPrefix(lagging.endpoint, 'k/', true);
      for (const [k, v] of acked) if (got.get(k) !== v) return undefined;
      return true;
    });
    const hashes = await hashesWhenEqual(members);
    assert.equal(hashes.size, 1, `KV hashes differ: ${[...hashes].join(' ')}`);

    // it keeps replicating new writes after the snapshot
    const r = await until('put via the caught-up member', 20_000, async () => {
      const x = await ctl(lagging.endpoint, ['put', 'after-snap', 'yes']);
      return x.code === 0 ? x : undefined;
    });
    assert.equal(r.stdout.trim(), 'OK');

    // ---- every member restarts from its snapshot + WAL marker (and has everything)
    for (const m of members) await m.proc!.kill('SIGTERM');
    for (const m of members) start(m);
    await Promise.all(members.map((m) => m.proc!.waitReady(30_000)));
    await waitLeader(members, 30_000);
    for (const m of members) {
      const got = await until(`${m.name} serves after restart`, 20_000, async () =>
        getPrefix(m.endpoint, 'k/'),
      );
      for (const [k, v] of acked) assert.equal(got.get(k), v, `${k} via ${m.name} after restart`);
    }
    const w = await until('write after restart', 20_000, async () => {
      const x = await ctl(members[0].endpoint, ['put', 'after-restart', 'yes']);
      return x.code === 0 ? x : undefined;
    });
    assert.equal(w.stdout.trim(), 'OK');
    const hashes2 = await hashesWhenEqual(members);
    assert.equal(hashes2.size, 1, `KV hashes differ after restart: ${[...hashes2].join(' ')}`);
  });
  test('a member whose backend file is lost does not serve without its data', async (t) => {
    assert.ok(members.length === 3 && acked.size > 0, 'runs after the first test');
    const { leader } = await waitLeader(members, 30_000);
    const victim = members.find((m) => m !== leader)!;
    await victim.proc!.kill('SIGTERM');
    // its snapshots hold no backend to fall back on: only metadata (see the first test)
    const file = path.join(victim.dataDir, 'member', 'db', 'data.mdb');
    fs.truncateSync(file, 0);
    const p = start(victim);
    const ready = await p.waitReady(30_000).then(
      () => true,
      () => false,
    );
    t.diagnostic(ready ? 'the member started and caught up' : 'the member refused to start');
    if (ready) {
      // started (e.g. brought up to date by a snapshot from the leader): then with every key
      const got = await until(`${victim.name} has every key`, 30_000, async () => {
        const kv = await getPrefix(victim.endpoint, 'k/', true);
        for (const [k, v] of acked) if (kv.get(k) !== v) return undefined;
        return kv;
      });
      assert.equal(got.size, acked.size);
    } else {
      const e = await p.waitExit(10_000);
      assert.equal(e.signal, null, `crashed with ${e.signal}; output:\n${p.tail()}`);
      assert.notEqual(e.code, 0);
      const walDir = path.join(victim.dataDir, 'member', 'wal');
      assert.ok(
        p.output.includes(file) || p.output.includes(walDir),
        `names the file; output:\n${p.tail()}`,
      );
    }
  });
});
