/**
 * ZooKeeper sessions on a 3-member cluster (three `concord serve` processes, each with its own
 * ZooKeeper port). Session liveness is cluster-wide: a follower forwards the sessions its clients
 * are heard from to the leader, whose tracker decides expiry.
 *
 *  - A node-zookeeper-client session connected to a follower outlives its timeout (the leader
 *    hears of its pings), keeps its ephemeral when that member is killed -9 (the client moves to
 *    another member with the same session id and password, its watch re-registered by
 *    setWatches), and closing it deletes the ephemeral on every member.
 *  - A session whose client disappears entirely expires: its ephemeral is deleted once (one etcd
 *    DELETE event), on every member.
 *
 * Every wait polls with a bound.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ctl, makeMembers, Member, startMember, until, waitLeader } from './support/clusterKit';
import { makeTemp, rmTemp } from './support/tempDirs';
import { etcdctlSpawn, freePorts, sleep } from './support/servers';
import { connectClient, fourLetter, RawZk, zookeeper } from './support/zk';
import { OpCode } from '../src/zk/records';

const TOKEN = 'zk-cluster-test';
const T = { timeout: 180_000 };
const SESSION_TIMEOUT = 6000;

interface ZkMember extends Member {
  zkPort: number;
}

function zkAddr(m: ZkMember): string {
  return `127.0.0.1:${m.zkPort}`;
}

/** node-zookeeper-client over several members, trying them in the given order (no shuffle). */
async function connectOrdered(ms: ZkMember[], sessionTimeout: number): Promise<any> {
  const c = zookeeper.createClient(ms.map(zkAddr).join(','), {
    sessionTimeout,
    spinDelay: 100,
    retries: 0,
  });
  c.connectionManager.servers = ms.map((m) => ({ host: '127.0.0.1', port: m.zkPort }));
  c.connectionManager.nextServerIndex = 0;
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('connect timeout')), 15_000);
    c.once('connected', () => {
      clearTimeout(t);
      resolve();
    });
    c.connect();
  });
  return c;
}

function cb<T>(fn: (done: (err: any, res?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) =>
    fn((err, res) => (err ? reject(err) : resolve(res as T))),
  );
}

/** Whether a znode exists, asked through a fresh client connected to that member only. */
async function existsAt(m: ZkMember, path: string): Promise<boolean> {
  const c = await connectClient(zkAddr(m), 4000);
  try {
    return (await c.exists(path)) != null;
  } finally {
    await c.close();
  }
}

/** The etcd key of a znode, read locally at the member (serializable). */
async function keyAt(m: ZkMember, path: string): Promise<boolean> {
  const r = await ctl(m.endpoint, ['get', `/zookeeper${path}`, '--consistency=s', '--keys-only']);
  if (r.code !== 0) throw new Error(`get via ${m.name}: ${r.stderr}`);
  return r.stdout.trim() !== '';
}

describe('zookeeper on a 3-member cluster', () => {
  const work = makeTemp('concord-zk-cluster-');
  let ms: ZkMember[] = [];
  const clients: any[] = [];

  after(async () => {
    for (const c of clients) {
      try {
        c.close();
      } catch {
        /* ignore */
      }
    }
    for (const m of ms) {
      if (m.proc?.running) m.proc.signal('SIGKILL');
      await m.proc?.exited;
    }
    rmTemp(work);
  });

  test('the cluster starts with a ZooKeeper port per member', T, async () => {
    const base = await makeMembers(work, ['m1', 'm2', 'm3']);
    const zkPorts = await freePorts(3);
    ms = base.map((m, i) => ({ ...m, zkPort: zkPorts[i] }));
    for (const m of ms)
      startMember(m, ms, {
        token: TOKEN,
        extraArgs: [
          '--listen-zookeeper-urls',
          `tcp://127.0.0.1:${m.zkPort}`,
          '--zookeeper-tick-time',
          '2000',
        ],
      });
    await Promise.all(ms.map((m) => m.proc!.waitReady(30_000)));
    const { leader } = await waitLeader(ms, 30_000);
    for (const m of ms) assert.equal(await existsAt(m, '/'), true);
    // as a ZooKeeper ensemble: srvr says leader on the Raft leader, follower elsewhere
    for (const m of ms) {
      const mode = /Mode: (\w+)/.exec(await fourLetter(m.zkPort, 'srvr'))?.[1];
      assert.equal(mode, m === leader ? 'leader' : 'follower', m.name);
    }
  });

  test(
    "a follower's sessions pipeline writes: each session's are applied in the order sent",
    T,
    async () => {
      // A follower forwards proposals while a Ready of its own is being written (sendEarly): the
      // forwarded ones must stay in order behind those still in that Ready.
      const leader = (await waitLeader(ms, 30_000)).leader as ZkMember;
      const follower = ms.find((m) => m !== leader)!;
      const cs = [
        await connectOrdered([follower], SESSION_TIMEOUT),
        await connectOrdered([follower], SESSION_TIMEOUT),
      ];
      clients.push(...cs);
      const N = 300;
      const runs = cs.map(async (c, k) => {
        const path = `/pipelined-${k}`;
        await cb((d) => c.create(path, Buffer.from('0'), d));
        // every setData sent without waiting for the one before
        const versions = await Promise.all(
          Array.from({ length: N }, (_, i) =>
            cb<any>((d) => c.setData(path, Buffer.from(String(i + 1)), -1, d)).then(
              (stat) => stat.version as number,
            ),
          ),
        );
        assert.deepEqual(
          versions,
          Array.from({ length: N }, (_, i) => i + 1),
          `${path}: the i-th setData made version i`,
        );
        const data = await cb<Buffer>((d) => c.getData(path, d));
        assert.equal(data.toString(), String(N));
      });
      await Promise.all(runs);
      for (const c of cs) {
        c.close();
        clients.splice(clients.indexOf(c), 1);
      }
    },
  );

  test('a session survives the death of the member it was connected to', T, async () => {
    const leader = (await waitLeader(ms, 30_000)).leader as ZkMember;
    const followers = ms.filter((m) => m !== leader);
    // connected to a follower first, then the other members
    const order = [followers[0], leader, followers[1]];
    const c = await connectOrdered(order, SESSION_TIMEOUT);
    clients.push(c);
    const sid = c.getSessionId().toString('hex');
    const timeout = c.getSessionTimeout();
    assert.equal(timeout, SESSION_TIMEOUT);
    assert.equal(c.connectionManager.socket.remotePort, followers[0].zkPort);
    await cb((d) =>
      c.create('/svc', null, zookeeper.ACL.OPEN_ACL_UNSAFE, zookeeper.CreateMode.PERSISTENT, d),
    );
    await cb((d) =>
      c.create(
        '/svc/eph',
        Buffer.from('x'),
        zookeeper.ACL.OPEN_ACL_UNSAFE,
        zookeeper.CreateMode.EPHEMERAL,
        d,
      ),
    );
    // longer than the session timeout on the follower: the leader hears of the pings
    await sleep(timeout + 3000);
    for (const m of ms)
      assert.equal(await keyAt(m, '/svc/eph'), true, `ephemeral at ${m.name} after one timeout`);
    assert.equal(c.getState().name, 'SYNC_CONNECTED');

    // a watch set before the move must be re-registered on the new member (setWatches)
    const watchEvents: string[] = [];
    await cb((d) =>
      c.getData('/svc/eph', (e: any) => watchEvents.push(`${e.getName()} ${e.getPath()}`), d),
    );

    const states: string[] = [];
    c.on('state', (s: any) => states.push(s.name));
    const killedAt = Date.now();
    followers[0].proc!.signal('SIGKILL');
    await followers[0].proc!.exited;
    await until(
      'the client reconnected to another member',
      timeout,
      async () =>
        c.getState().name === 'SYNC_CONNECTED' &&
        c.connectionManager.socket?.remotePort !== followers[0].zkPort
          ? true
          : undefined,
      100,
    );
    const movedIn = Date.now() - killedAt;
    assert.ok(movedIn < timeout, `moved in ${movedIn} ms`);
    assert.ok(!states.includes('EXPIRED'), `states: ${states.join(',')}`);
    assert.equal(c.getSessionId().toString('hex'), sid, 'same session');
    const now = ms.find((m) => m.zkPort === c.connectionManager.socket.remotePort)!;
    const live = ms.filter((m) => m !== followers[0]);

    // the session is still valid: it can write, and its ephemeral is still there (other clients)
    await cb((d) =>
      c.create('/svc/eph2', null, zookeeper.ACL.OPEN_ACL_UNSAFE, zookeeper.CreateMode.EPHEMERAL, d),
    );
    for (const m of live) {
      assert.equal(await existsAt(m, '/svc/eph'), true, `ephemeral seen through ${m.name}`);
      assert.equal(await existsAt(m, '/svc/eph2'), true, `second ephemeral seen through ${m.name}`);
    }
    // the watch moved with the session
    const other = await connectClient(zkAddr(live.find((m) => m !== now)!), 6000);
    await other.setData('/svc/eph', Buffer.from('y'));
    await other.close();
    await until(
      'watch event after the move',
      10_000,
      async () => (watchEvents.length > 0 ? true : undefined),
      100,
    );
    assert.deepEqual(watchEvents, ['NODE_DATA_CHANGED /svc/eph']);

    // still alive after another full timeout at its new member
    await sleep(timeout + 2000);
    assert.equal(c.getState().name, 'SYNC_CONNECTED');
    for (const m of live) assert.equal(await keyAt(m, '/svc/eph'), true);

    // the killed member comes back and catches up; then closing the session deletes the
    // ephemerals everywhere
    startMember(followers[0], ms, {
      token: TOKEN,
      extraArgs: ['--listen-zookeeper-urls', `tcp://127.0.0.1:${followers[0].zkPort}`],
    });
    await followers[0].proc!.waitReady(30_000);
    await until('restarted member has the ephemeral', 30_000, async () =>
      (await keyAt(followers[0], '/svc/eph')) ? true : undefined,
    );
    await new Promise<void>((resolve) => {
      c.once('disconnected', () => resolve());
      c.close();
      setTimeout(resolve, 5000);
    });
    clients.splice(clients.indexOf(c), 1);
    for (const m of ms)
      await until(`ephemerals gone at ${m.name}`, 15_000, async () =>
        !(await keyAt(m, '/svc/eph')) && !(await keyAt(m, '/svc/eph2')) ? true : undefined,
      );
    for (const m of ms) assert.equal(await existsAt(m, '/svc/eph'), false);
  });

  test(
    'a session survives the death of the leader it was connected to (the new leader gives it a full timeout)',
    T,
    async () => {
      const leader = (await waitLeader(ms, 30_000)).leader as ZkMember;
      const followers = ms.filter((m) => m !== leader);
      const c = await connectOrdered([leader, ...followers], SESSION_TIMEOUT);
      clients.push(c);
      const sid = c.getSessionId().toString('hex');
      assert.equal(c.connectionManager.socket.remotePort, leader.zkPort);
      await cb((d) =>
        c.create(
          '/lead-eph',
          null,
          zookeeper.ACL.OPEN_ACL_UNSAFE,
          zookeeper.CreateMode.EPHEMERAL,
          d,
        ),
      );
      const states: string[] = [];
      c.on('state', (s: any) => states.push(s.name));
      leader.proc!.signal('SIGKILL');
      await leader.proc!.exited;
      await until(
        'the client reconnected to another member',
        SESSION_TIMEOUT,
        async () =>
          c.getState().name === 'SYNC_CONNECTED' &&
          c.connectionManager.socket?.remotePort !== leader.zkPort
            ? true
            : undefined,
        100,
      );
      assert.equal(c.getSessionId().toString('hex'), sid);
      await waitLeader(followers, 30_000);
      await sleep(SESSION_TIMEOUT + 2000);
      assert.ok(!states.includes('EXPIRED'), `states: ${states.join(',')}`);
      assert.equal(c.getState().name, 'SYNC_CONNECTED');
      for (const m of followers)
        assert.equal(await existsAt(m, '/lead-eph'), true, `ephemeral seen through ${m.name}`);
      startMember(leader, ms, {
        token: TOKEN,
        extraArgs: ['--listen-zookeeper-urls', `tcp://127.0.0.1:${leader.zkPort}`],
      });
      await leader.proc!.waitReady(30_000);
      await new Promise<void>((resolve) => {
        c.once('disconnected', () => resolve());
        c.close();
        setTimeout(resolve, 5000);
      });
      clients.splice(clients.indexOf(c), 1);
      for (const m of ms)
        await until(`ephemeral gone at ${m.name}`, 30_000, async () =>
          !(await keyAt(m, '/lead-eph')) ? true : undefined,
        );
    },
  );

  test(
    'a session whose client disappears expires on the cluster, its ephemeral deleted once',
    T,
    async () => {
      const leader = (await waitLeader(ms, 30_000)).leader as ZkMember;
      const follower = ms.find((m) => m !== leader)!;
      const z = await RawZk.open(follower.zkPort);
      const hs = await z.handshake(4000);
      assert.ok(hs && hs.sessionId !== 0n);
      const create = await z.request(OpCode.create, (w) => {
        w.ustring('/gone').buffer(Buffer.from('v'));
        w.int(1).int(31).ustring('world').ustring('anyone');
        w.int(1); // ephemeral
      });
      assert.equal(create?.err, 0);
      const createdRev = Number(create!.zxid);
      for (const m of ms)
        await until(`ephemeral at ${m.name}`, 10_000, async () =>
          (await keyAt(m, '/gone')) ? true : undefined,
        );
      const watch = etcdctlSpawn(leader.endpoint, [
        'watch',
        '/zookeeper/gone',
        `--rev=${createdRev}`,
      ]);
      try {
        await watch.waitFor((out) => out.includes('PUT'), 10_000);
        // the client vanishes without closing its session
        const goneAt = Date.now();
        z.close();
        await watch.waitFor((out) => out.includes('DELETE'), 20_000);
        const expiredIn = Date.now() - goneAt;
        assert.ok(expiredIn >= 3000, `expired after ${expiredIn} ms`);
        for (const m of ms)
          await until(`ephemeral gone at ${m.name}`, 10_000, async () =>
            !(await keyAt(m, '/gone')) ? true : undefined,
          );
        for (const m of ms) assert.equal(await existsAt(m, '/gone'), false);
        await sleep(3000);
        const deletes = watch.stdout.split('\n').filter((l) => l === 'DELETE').length;
        assert.equal(deletes, 1, watch.stdout);
        // the session is gone: reattaching is refused (timeout 0)
        const z2 = await RawZk.open(follower.zkPort);
        const again = await z2.handshake(4000, hs!.sessionId, hs!.passwd);
        assert.ok(!again || again.timeOut === 0);
        z2.close();
      } finally {
        await watch.kill();
      }
    },
  );
});
