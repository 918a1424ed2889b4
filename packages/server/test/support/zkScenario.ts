/**
 * The ZooKeeper scenarios of issue 5, driven with node-zookeeper-client (and a raw jute client
 * for a session that stops pinging). Returns a transcript of what the clients observed —
 * results, error codes, stats with zxids/times normalised, watch events in arrival order —
 * so the same run can be compared between Concord and a real ZooKeeper.
 */
import { Client, code, connectClient, normStat, RawZk, sleep, zookeeper, ZkTarget } from './zk';
import { JuteWriter } from '../../src/zk/jute';

const CM = zookeeper.CreateMode;

export async function runScenario(target: ZkTarget): Promise<unknown[]> {
  const out: unknown[] = [];
  const zxids = new Map<string, string>();
  const st = (s: any) => normStat(s, zxids);
  const a = await connectClient(target.connect);
  const b = await connectClient(target.connect);
  const clients: Client[] = [a, b];
  // B's watch events are placed before B's next reply: on one connection ZooKeeper orders
  // them (events of changes made before a request precede its reply); across connections
  // arrival order is a race, so it is not recorded
  const pending: string[] = [];
  const seen: string[] = [];
  const ev = (who: string) => (e: any) => {
    pending.push(`${who} event ${e.getName()} ${e.getPath()}`);
    seen.push(`${who} event ${e.getName()} ${e.getPath()}`);
  };
  const rec = async (label: string, p: Promise<unknown>) => {
    let v: unknown;
    try {
      v = normalize(await p, st);
    } catch (err: any) {
      v = typeof err?.getCode === 'function' ? err.getCode() : String(err);
    }
    if (label.startsWith('B ')) out.push(...pending.splice(0));
    out.push([label, v]);
  };
  void seen;
  try {
    // ---- basics and errors
    await rec('create /app', a.create('/app', Buffer.from('v1')));
    await rec('exists /app', a.exists('/app'));
    await rec('create /app again', a.create('/app'));
    await rec('create /nope/x', a.create('/nope/x'));
    await rec('setData bad version', a.setData('/app', Buffer.from('x'), 7));
    await rec('delete missing', a.remove('/app/missing'));
    await rec('getData missing', a.getData('/app/missing'));
    await rec('exists missing', a.exists('/app/missing'));
    // the root's data version: it counts from 0 like any node's, though the root has no data
    // to start with (only versions: the two servers' roots differ in their children)
    const version = (p: Promise<any>) => p.then((s) => s.version as number);
    await rec('setData / version 0', version(a.setData('/', Buffer.from('r1'), 0)));
    await rec('exists / version', version(a.exists('/')));
    await rec(
      'getData / version',
      a.getData('/').then(([, s]) => s.version as number),
    );
    await rec('setData / version 1', version(a.setData('/', Buffer.from('r2'), 1)));
    await rec('setData / stale version 1', version(a.setData('/', Buffer.from('r3'), 1)));
    await rec('exists / version again', version(a.exists('/')));
    // ---- config watch: B watches /app, A changes it; B sees the event before newer data
    await rec('B getData /app watch', b.getData('/app', ev('B')));
    await rec('A setData /app v2', a.setData('/app', Buffer.from('v2'), 0));
    await rec('B getData /app', b.getData('/app'));
    await rec('A setData /app v3 any version', a.setData('/app', Buffer.from('v3')));
    // ---- service discovery via children watches
    await rec('create /app/services', a.create('/app/services'));
    await rec('B getChildren watch', b.getChildren('/app/services', ev('B')));
    await rec(
      'A register s1 (ephemeral)',
      a.create('/app/services/s1', Buffer.from('10.0.0.1:80'), CM.EPHEMERAL),
    );
    await rec('B getChildren watch again', b.getChildren('/app/services', ev('B')));
    await rec(
      'B register s2 (ephemeral)',
      b.create('/app/services/s2', Buffer.from('10.0.0.2:80'), CM.EPHEMERAL),
    );
    await rec('child of ephemeral', a.create('/app/services/s1/x'));
    await rec('delete non-empty', a.remove('/app/services'));
    await rec('getChildren2 /app/services', b.getChildren('/app/services'));
    // ---- ephemeral-sequential lock
    await rec('create /app/lock', a.create('/app/lock'));
    await rec('A lock node', a.create('/app/lock/lock-', null, CM.EPHEMERAL_SEQUENTIAL));
    await rec('B lock node', b.create('/app/lock/lock-', null, CM.EPHEMERAL_SEQUENTIAL));
    await rec('B watches predecessor', b.exists('/app/lock/lock-0000000000', ev('B')));
    await rec('A unlocks', a.remove('/app/lock/lock-0000000000'));
    await rec('B lists lock', b.getChildren('/app/lock'));
    await rec('persistent sequential', a.create('/app/lock/p-', null, CM.PERSISTENT_SEQUENTIAL));
    await rec('stat /app/lock', a.exists('/app/lock'));
    // ---- leader election through an ephemeral node; A's session closes
    await rec('A becomes leader', a.create('/app/leader', Buffer.from('A'), CM.EPHEMERAL));
    await rec('B tries', b.create('/app/leader', Buffer.from('B'), CM.EPHEMERAL));
    await rec('B watches leader', b.exists('/app/leader', ev('B')));
    await rec('B watches services', b.getChildren('/app/services', ev('B')));
    await a.close();
    out.push('A closed');
    await sleep(300);
    await rec('B takes over', b.create('/app/leader', Buffer.from('B'), CM.EPHEMERAL));
    await rec('B lists services', b.getChildren('/app/services'));
    // ---- multi
    await rec(
      'multi ok',
      b.multi((t) =>
        t
          .create('/app/m1', Buffer.from('1'))
          .setData('/app', Buffer.from('v4'), -1)
          .check('/app', 3),
      ),
    );
    await rec(
      'multi fails',
      b.multi((t) => t.create('/app/m2').create('/app/none/x').setData('/app', Buffer.from('v5'))),
    );
    await rec('m2 absent', b.exists('/app/m2'));
    await rec('stat /app after multis', b.exists('/app'));
    // ---- ACLs
    const c = await connectClient(target.connect);
    clients.push(c);
    const digest = new zookeeper.Id(
      'digest',
      'alice:' + require('node:crypto').createHash('sha1').update('alice:secret').digest('base64'),
    );
    await rec(
      'setACL bad version',
      b.setACL('/app/m1', [new zookeeper.ACL(zookeeper.Permission.ALL, digest)], 5),
    );
    await rec(
      'setACL digest',
      b.setACL('/app/m1', [new zookeeper.ACL(zookeeper.Permission.ALL, digest)], 0),
    );
    await rec('C getData no auth', c.getData('/app/m1'));
    await rec('C exists no auth', c.exists('/app/m1'));
    await rec('C getACL no auth', c.getACL('/app/m1'));
    c.addAuth('digest', Buffer.from('alice:secret'));
    await rec('C getData after addauth', c.getData('/app/m1'));
    await rec('C getACL after addauth', c.getACL('/app/m1'));
    await rec(
      'C creates with auth ACL',
      c.create('/app/m1/c', null, CM.PERSISTENT, [
        new zookeeper.ACL(
          zookeeper.Permission.READ | zookeeper.Permission.ADMIN,
          new zookeeper.Id('auth', ''),
        ),
      ]),
    );
    await rec('C getACL auth-created', c.getACL('/app/m1/c'));
    await rec('B create under m1 no auth', b.create('/app/m1/d'));
    await rec(
      'B setACL auth without identity',
      b.setACL('/app', [new zookeeper.ACL(31, new zookeeper.Id('auth', ''))]),
    );
    await rec(
      'B setACL ip',
      b.setACL('/app', [new zookeeper.ACL(31, new zookeeper.Id('ip', '127.0.0.1'))]),
    );
    await rec('B getData ip allowed', b.getData('/app'));
    await rec(
      'B setACL bad ip',
      b.setACL('/app', [new zookeeper.ACL(31, new zookeeper.Id('ip', '300.1.1.1'))]),
    );
    await rec('B setACL world', b.setACL('/app', zookeeper.ACL.OPEN_ACL_UNSAFE));
    // ---- session expiry: a raw session stops pinging; its ephemeral goes, watches fire
    const raw = await RawZk.open(target.port);
    const hs = await raw.handshake(4000);
    out.push(['raw session timeout', hs?.timeOut]);
    const created = await raw.request(1, (w: JuteWriter) => {
      w.ustring('/app/raw-eph')
        .buffer(Buffer.from('r'))
        .int(1)
        .int(31)
        .ustring('world')
        .ustring('anyone')
        .int(CM.EPHEMERAL);
    });
    out.push(['raw create ephemeral', created?.err]);
    await rec('B watches raw-eph', b.exists('/app/raw-eph', ev('B')));
    const t0 = Date.now();
    while (Date.now() - t0 < 15_000 && !seen.includes('B event NODE_DELETED /app/raw-eph'))
      await sleep(100);
    out.push(['expired within 15 s', Date.now() - t0 < 15_000]);
    await rec('B raw-eph gone', b.exists('/app/raw-eph'));
    await Promise.race([raw.closed, sleep(8000)]);
    out.push(['server closed the expired connection', raw.isClosed]);
    const again = await RawZk.open(target.port);
    const re = await again.handshake(4000, hs!.sessionId, hs!.passwd);
    out.push(['reconnect expired session: timeout', re?.timeOut ?? 0]);
    await Promise.race([again.closed, sleep(5000)]);
    out.push(['closed after expired answer', again.isClosed]);
    again.close();
    // wrong password on a live session
    const live = await RawZk.open(target.port);
    const bid = BigInt('0x' + b.sessionId());
    const wrong = await live.handshake(6000, bid, Buffer.alloc(16, 7));
    // ZooKeeper answers timeout 0 and closes; it may close before the answer is read
    out.push(['wrong password: timeout', wrong?.timeOut ?? 0]);
    await Promise.race([live.closed, sleep(5000)]);
    out.push(['closed after wrong password', live.isClosed]);
    live.close();
    await rec('B still works', b.exists('/app'));
    // ---- cleanup order matters for later asserts: delete with version
    await rec('delete m1/c', c.remove('/app/m1/c', 0));
    await rec('delete m1 bad version', c.remove('/app/m1', 3));
    await rec('delete m1', c.remove('/app/m1', 0));
  } finally {
    for (const x of clients) await x.close().catch(() => undefined);
  }
  return out;
}

function normalize(v: unknown, st: (s: any) => unknown): unknown {
  if (v === undefined || v === null) return v ?? null;
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (Array.isArray(v)) {
    if (v.length > 0 && v.every((x) => typeof x === 'string')) return [...v].sort();
    return v.map((x) => normalize(x, st));
  }
  const o = v as any;
  if (o.czxid && o.pzxid) return st(o);
  if (o.permission !== undefined && o.id) return `${o.id.scheme}:${o.id.id}:${o.permission}`;
  if (o.type !== undefined) {
    const r: any = { type: o.type };
    if (o.err !== undefined) r.err = o.err;
    if (o.path !== undefined) r.path = o.path;
    if (o.stat) r.stat = st(o.stat);
    return r;
  }
  if (o.error !== undefined) return { error: o.error };
  return String(v);
}
