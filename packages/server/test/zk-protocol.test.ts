/**
 * ZooKeeper wire protocol at the byte level against Concord: handshake and timeout bounds,
 * ping, closeSession, framing limits, malformed input (closed connection, never a crash),
 * a bounded fuzz run of the decoders, four-letter words, and the etcd view of znodes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { EtcdClient, KVService } from './support/grpcClient';
import { JuteReader, JuteWriter, JuteError } from '../src/zk/jute';
import { createFlags, readMulti, readCreate, ZkError } from '../src/zk/records';
import { invalidPathReason } from '../src/zk/paths';
import {
  connectClient,
  fourLetter,
  RawZk,
  startConcordZk,
  ZkTarget,
  zookeeper,
} from './support/zk';

const T = { timeout: 60_000 };

describe('zookeeper protocol', () => {
  let z: ZkTarget;
  before(async () => {
    z = await startConcordZk({
      whitelist: ['ruok', 'srvr', 'mntr', 'stat', 'conf', 'cons', 'wchs', 'envi'],
    });
  });
  after(async () => {
    await z.stop();
  });

  test(
    'handshake negotiates the timeout within 2x and 20x tickTime; ping; closeSession',
    T,
    async () => {
      for (const [asked, got] of [
        [1000, 4000],
        [10_000, 10_000],
        [999_999, 40_000],
      ]) {
        const c = await RawZk.open(z.port);
        const hs = await c.handshake(asked);
        assert.ok(hs);
        assert.equal(hs.timeOut, got);
        assert.notEqual(hs.sessionId, 0n);
        assert.equal(hs.passwd.length, 16);
        const ping = await c.request(11, undefined, -2);
        assert.equal(ping?.xid, -2);
        assert.equal(ping?.err, 0);
        const close = await c.request(-11);
        assert.equal(close?.err, 0);
        await c.closed;
        // the session is gone: reconnecting with it is answered as expired
        const again = await RawZk.open(z.port);
        const re = await again.handshake(10_000, hs.sessionId, hs.passwd);
        assert.equal(re?.timeOut ?? 0, 0);
        again.close();
      }
    },
  );

  test(
    'reconnect with the same session id and password keeps the session and its ephemerals',
    T,
    async () => {
      const c = await RawZk.open(z.port);
      const hs = (await c.handshake(10_000))!;
      const cr = await c.request(1, (w) =>
        w
          .ustring('/keep')
          .buffer(Buffer.from('k'))
          .int(1)
          .int(31)
          .ustring('world')
          .ustring('anyone')
          .int(1),
      );
      assert.equal(cr?.err, 0);
      c.close();
      const d = await RawZk.open(z.port);
      const re = (await d.handshake(10_000, hs.sessionId, hs.passwd))!;
      assert.equal(re.sessionId, hs.sessionId);
      assert.equal(re.timeOut, 10_000);
      const ex = await d.request(3, (w) => w.ustring('/keep').bool(false));
      assert.equal(ex?.err, 0);
      await d.request(-11);
      const e = await RawZk.open(z.port);
      await e.handshake(10_000);
      const gone = await e.request(3, (w) => w.ustring('/keep').bool(false));
      assert.equal(gone?.err, -101);
      e.close();
    },
  );

  test(
    'oversize and malformed frames close the connection; the server keeps serving',
    T,
    async () => {
      const bad: Buffer[] = [];
      const len = Buffer.alloc(4);
      len.writeInt32BE(0x100000); // > jute.maxbuffer 0xfffff
      bad.push(len);
      const neg = Buffer.alloc(4);
      neg.writeInt32BE(-5);
      bad.push(neg);
      // a connect request whose password claims 1000 bytes
      bad.push(new JuteWriter().int(0).long(0).int(5000).long(0).int(1000).toFrame());
      for (const b of bad) {
        const c = await RawZk.open(z.port);
        c.send(b);
        await Promise.race([c.closed, new Promise((r) => setTimeout(r, 3000))]);
        assert.ok(c.isClosed, `closed after ${b.toString('hex').slice(0, 40)}`);
      }
      // after a session: a getData whose path length lies
      const c = await RawZk.open(z.port);
      await c.handshake(10_000);
      c.send(new JuteWriter().int(1).int(4).int(1_000_000).toFrame());
      await Promise.race([c.closed, new Promise((r) => setTimeout(r, 3000))]);
      assert.ok(c.isClosed);
      // invalid path: BADARGUMENTS, connection stays
      const d = await RawZk.open(z.port);
      await d.handshake(10_000);
      const r = await d.request(4, (w) => w.ustring('/a//b').bool(false));
      assert.equal(r?.err, -8);
      const r2 = await d.request(1, (w) =>
        w.ustring('/x/').buffer(null).int(1).int(31).ustring('world').ustring('anyone').int(0),
      );
      assert.equal(r2?.err, -8);
      await d.request(-11);
      assert.equal(await fourLetter(z.port, 'ruok'), 'imok');
    },
  );

  test('bounded fuzz of the jute decoders: only JuteError/ZkError, never anything else', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed);
    for (let i = 0; i < 5000; i++) {
      const n = rnd() % 64;
      const b = Buffer.alloc(n);
      for (let j = 0; j < n; j++) b[j] = rnd() & 0xff;
      if (n >= 4 && rnd() % 2) b.writeInt32BE((rnd() % 40) - 2, 0);
      for (const decode of [
        (r: JuteReader) => readMulti(r),
        (r: JuteReader) => readCreate(r),
        (r: JuteReader) => r.vector((x) => x.ustring()),
      ]) {
        try {
          decode(new JuteReader(b));
        } catch (err) {
          assert.ok(err instanceof JuteError || err instanceof ZkError, String(err));
        }
      }
    }
    // the proposer's flags-only read agrees with the full decode, on valid and malformed input
    const outcome = (f: () => number) => {
      try {
        return f();
      } catch (err) {
        assert.ok(err instanceof JuteError, String(err));
        return 'JuteError';
      }
    };
    // the high bits: an LCG's low bits repeat with a short period
    const pick = (n: number) => (rnd() >>> 8) % n;
    for (let i = 0; i < 5000; i++) {
      const w = new JuteWriter().ustring(pick(5) ? '/p' + pick(100) : null);
      w.buffer(pick(5) ? Buffer.alloc(pick(20), 1) : null);
      const acls = pick(4) - 1;
      w.int(acls);
      for (let k = 0; k < acls; k++) w.int(pick(32)).ustring('world').ustring('anyone');
      w.int(pick(8));
      const full = w.toBuffer();
      const b = pick(3) ? full : full.subarray(0, pick(full.length)); // truncated: malformed
      assert.equal(
        outcome(() => createFlags(new JuteReader(b))),
        outcome(() => readCreate(new JuteReader(b)).flags),
      );
    }
    assert.equal(invalidPathReason('/a/./b'), 'relative paths not allowed @3');
    assert.equal(invalidPathReason('/a\u0001'), 'invalid character @2');
    assert.equal(invalidPathReason('/ok/path'), undefined);
    // "." and ".." only as a whole name; the rest as ZooKeeper's PathUtils
    assert.equal(invalidPathReason('/a/..'), 'relative paths not allowed @4');
    assert.equal(invalidPathReason('/.'), 'relative paths not allowed @1');
    assert.equal(invalidPathReason('/a/...'), undefined);
    assert.equal(invalidPathReason('/..b'), undefined);
    assert.equal(invalidPathReason('/a/.b/c'), undefined);
    assert.equal(invalidPathReason('//a'), 'empty node name specified @1');
    assert.equal(invalidPathReason('/a\0'), 'null character not allowed @2');
  });

  test('four-letter words behind the whitelist', T, async () => {
    assert.equal(await fourLetter(z.port, 'ruok'), 'imok');
    assert.match(
      await fourLetter(z.port, 'srvr'),
      /^Zookeeper version: .*\nLatency min\/avg\/max: .*\nMode: standalone\nNode count: \d+\n$/s,
    );
    assert.match(await fourLetter(z.port, 'mntr'), /zk_znode_count\t\d+\n/);
    assert.match(
      await fourLetter(z.port, 'conf'),
      /minSessionTimeout=4000\nmaxSessionTimeout=40000\n/,
    );
    assert.match(
      await fourLetter(z.port, 'wchs'),
      /connections watching \d+ paths\nTotal watches:\d+\n/,
    );
    assert.match(await fourLetter(z.port, 'envi'), /^Environment:\n/);
    assert.equal(
      await fourLetter(z.port, 'dump'),
      'dump is not executed because it is not in the whitelist.\n',
    );
  });

  test(
    'one store: znodes are etcd keys under /zookeeper; etcd writes are data changes',
    T,
    async () => {
      const c = await connectClient(z.connect);
      try {
        await c.create('/shared', Buffer.from('from-zk'));
        const endpoint = z.concord!.clientUrls[0].replace('http://', '');
        const g = new EtcdClient(endpoint);
        try {
          const r: any = await g.call(KVService.Range, { key: Buffer.from('/zookeeper/shared') });
          assert.equal(Buffer.from(r.kvs[0].value).toString(), 'from-zk');
          const [, stat] = await c.getData('/shared');
          assert.equal(Number(r.kvs[0].createRevision), Number(stat.czxid.readBigInt64BE(0)));
          const events: string[] = [];
          await c.getData('/shared', (e) => events.push(e.getName()));
          await g.call(KVService.Put, {
            key: Buffer.from('/zookeeper/shared'),
            value: Buffer.from('from-etcd'),
          });
          const [data, st2] = await c.getData('/shared');
          assert.deepEqual(events, ['NODE_DATA_CHANGED']);
          assert.equal(data.toString(), 'from-etcd');
          assert.equal(st2.version, 1);
          // a key without a parent znode is not listed
          await g.call(KVService.Put, {
            key: Buffer.from('/zookeeper/nozn/child'),
            value: Buffer.from('x'),
          });
          const [root] = await c.getChildren('/');
          assert.ok(!root.includes('nozn'));
        } finally {
          g.close();
        }
      } finally {
        await c.close();
      }
      void zookeeper;
      void crypto;
    },
  );
});
