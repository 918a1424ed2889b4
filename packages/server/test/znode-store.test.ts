import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { Backend } from '../src/backend/backend';
import { StateMachine } from '../src/server/state-machine';
import { JuteWriter } from '../src/zk/jute';
import { CreateMode, Err, OpCode, OPEN_ACL_UNSAFE, writeAcl } from '../src/zk/records';
import { decodeMeta, encodeMeta, ZkApplyResult } from '../src/zk/znode-store';
import { dataKey, dataKeyLatin1 } from '../src/zk/paths';
import { tempDir } from './support/tempDirs';

// The znode model applied directly (no network): metadata layout and mtime, which lives with
// the data key's MVCC record so a setData writes nothing else.

const SESSION = 0x1234n;

function fresh(): { sm: StateMachine; backend: Backend; dir: string } {
  const dir = tempDir('concord-znode-');
  const backend = new Backend(dir);
  return { sm: new StateMachine(backend, { minLeaseTtlSeconds: 2 }), backend, dir };
}

let index = 0;
function zk(sm: StateMachine, timeMs: number, type: number, body: Buffer): ZkApplyResult {
  const { outcomes } = sm.apply([
    {
      index: ++index,
      term: 1,
      request: { timeMs, zkOp: { sessionId: Number(SESSION), type, body } },
    },
  ]);
  return outcomes[0].response as ZkApplyResult;
}

function openSession(sm: StateMachine): void {
  sm.apply([
    {
      index: ++index,
      term: 1,
      request: {
        timeMs: 1,
        zkCreateSession: {
          sessionId: Number(SESSION),
          timeoutMs: 30000,
          password: Buffer.alloc(16),
        },
      },
    },
  ]);
}

const create = (
  p: string,
  data: string,
  flags: number = CreateMode.PERSISTENT,
  ttl?: bigint,
): Buffer => {
  const w = new JuteWriter().ustring(p).buffer(Buffer.from(data)).vector(OPEN_ACL_UNSAFE, writeAcl);
  w.int(flags);
  if (ttl !== undefined) w.long(ttl);
  return w.toBuffer();
};
const setData = (p: string, data: string, version = -1): Buffer =>
  new JuteWriter().ustring(p).buffer(Buffer.from(data)).int(version).toBuffer();
/** A multi request's body: each op's header (type, not done, no error) and body, then the end marker. */
const multi = (ops: ReadonlyArray<readonly [number, Buffer]>): Buffer => {
  const w = new JuteWriter();
  for (const [type, body] of ops) w.int(type).bool(false).int(-1).raw(body);
  return w.int(-1).bool(true).int(-1).toBuffer();
};

test('setData keeps mtime with the data record and leaves the metadata record alone', () => {
  const { sm, backend } = fresh();
  openSession(sm);
  assert.equal(zk(sm, 1000, OpCode.create, create('/a', 'x')).err, 0);
  const metaBefore = backend.zkNodes.getBinary(Buffer.from('/a'));
  const r = zk(sm, 5000, OpCode.setData, setData('/a', 'y', 0));
  assert.equal(r.err, 0);
  assert.equal(r.stat!.mtime, 5000);
  assert.equal(r.stat!.ctime, 1000);
  assert.equal(r.stat!.version, 1);
  assert.deepEqual(backend.zkNodes.getBinary(Buffer.from('/a')), metaBefore);
  const n = sm.zk.getNode('/a')!;
  assert.deepEqual([n.mtime, n.ctime, n.version, n.data.toString()], [5000, 1000, 1, 'y']);
  assert.equal(n.mzxid, sm.kv.currentRevision);
  // the etcd view of the data key is unchanged: value = znode data, version counts puts
  const kv = sm.kv.get(dataKey('/a'))!;
  assert.deepEqual([kv.value.toString(), kv.version, kv.createRevision], ['y', 2, n.czxid]);
  // a bad version still fails without a write
  assert.equal(zk(sm, 6000, OpCode.setData, setData('/a', 'z', 0)).err, -103);
  assert.equal(sm.zk.getNode('/a')!.mtime, 5000);
});

test('a multi that creates and sets the same znode counts both versions', () => {
  const { sm } = fresh();
  openSession(sm);
  const body = multi([
    [OpCode.create, create('/m', 'one')],
    [OpCode.setData, setData('/m', 'two', 0)],
    [OpCode.setData, setData('/m', 'three', 1)],
  ]);
  const r = zk(sm, 7000, OpCode.multi, body);
  assert.equal(r.err, 0, inspect(r));
  const n = sm.zk.getNode('/m')!;
  assert.deepEqual([n.version, n.data.toString(), n.mtime], [2, 'three', 7000]);
  assert.equal(sm.kv.get(dataKey('/m'))!.version, 3);
});

test('a data key written by an etcd client falls back to the metadata mtime', () => {
  const { sm } = fresh();
  openSession(sm);
  zk(sm, 1000, OpCode.create, create('/e', 'x'));
  sm.apply([
    {
      index: ++index,
      term: 1,
      request: { put: { key: dataKey('/e'), value: Buffer.from('etcd') } },
    },
  ]);
  const n = sm.zk.getNode('/e')!;
  assert.deepEqual([n.data.toString(), n.version, n.mtime], ['etcd', 1, 1000]);
});

test('metadata records: binary round trip, and the JSON of older data directories', () => {
  const m = {
    czxid: 7,
    ctime: 1700000000123,
    mtime: 1700000000456,
    cversion: 3,
    aversion: 1,
    ephemeralOwner: -(1n << 63n),
    pzxid: 9,
    numChildren: 2,
    seq: 4294967296,
    acl: [
      { perms: 31, id: { scheme: 'world', id: 'anyone' } },
      { perms: 1, id: { scheme: 'digest', id: 'u:ä/b=' } },
    ],
    dataSlot: undefined,
  };
  assert.deepEqual(decodeMeta(encodeMeta(m)), m);
  const legacy = Buffer.from(
    JSON.stringify({
      czxid: 7,
      ctime: 1,
      mtime: 2,
      cversion: 3,
      aversion: 4,
      eph: '-9223372036854775808',
      pzxid: 5,
      nc: 6,
      seq: 7,
      acl: [[31, 'world', 'anyone']],
    }),
  );
  assert.deepEqual(decodeMeta(legacy), {
    czxid: 7,
    ctime: 1,
    mtime: 2,
    cversion: 3,
    aversion: 4,
    ephemeralOwner: -(1n << 63n),
    pzxid: 5,
    numChildren: 6,
    seq: 7,
    acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }],
    dataSlot: undefined,
  });
  assert.throws(() => decodeMeta(Buffer.from([9, 0, 0])), /unknown record format 9/);
});

test('a TTL node is due by the time of its last setData', () => {
  const { sm } = fresh();
  openSession(sm);
  const r = zk(sm, 1000, OpCode.createTTL, create('/t', 'x', CreateMode.PERSISTENT_WITH_TTL, 100n));
  assert.equal(r.err, 0, inspect(r));
  assert.deepEqual(sm.zk.reapCandidates(1200, 10), ['/t']);
  zk(sm, 1150, OpCode.setData, setData('/t', 'y'));
  assert.deepEqual(sm.zk.reapCandidates(1200, 10), []);
  assert.deepEqual(sm.zk.reapCandidates(1251, 10), ['/t']);
});

test('the reaper sees containers and TTL nodes from the records in memory, also after a restart', () => {
  const { sm, backend } = fresh();
  openSession(sm);
  const container = (p: string) => create(p, '', CreateMode.CONTAINER);
  for (const p of ['/c1', '/c2', '/plain'])
    assert.equal(
      zk(
        sm,
        1000,
        p === '/plain' ? OpCode.create : OpCode.createContainer,
        p === '/plain' ? create(p, '') : container(p),
      ).err,
      0,
    );
  assert.equal(
    zk(sm, 1100, OpCode.createTTL, create('/t', '', CreateMode.PERSISTENT_WITH_TTL, 100n)).err,
    0,
  );
  const del = (p: string) => new JuteWriter().ustring(p).int(-1).toBuffer();
  // a container is due once it has had a child and has none; a plain node never is
  for (const p of ['/c1/x', '/plain/x'])
    assert.equal(zk(sm, 1100, OpCode.create, create(p, '')).err, 0);
  assert.deepEqual(sm.zk.reapCandidates(1150, 10), []);
  for (const p of ['/c1/x', '/plain/x']) assert.equal(zk(sm, 1100, OpCode.delete, del(p)).err, 0);
  assert.deepEqual(sm.zk.reapCandidates(1150, 10).sort(), ['/c1']);
  assert.deepEqual(sm.zk.reapCandidates(1250, 10).sort(), ['/c1', '/t']);
  assert.equal(sm.zk.reapCandidates(1250, 1).length, 1);
  const restarted = new StateMachine(backend, { minLeaseTtlSeconds: 2 });
  assert.deepEqual(restarted.zk.reapCandidates(1250, 10).sort(), ['/c1', '/t']);
  // deleted: no longer a candidate
  assert.equal(zk(restarted, 1300, OpCode.delete, del('/c1')).err, 0);
  assert.deepEqual(restarted.zk.reapCandidates(1300, 10), ['/t']);
});

test('a batch of creates and deletes under one parent writes the parent record once, correctly', () => {
  const { sm, backend } = fresh();
  openSession(sm);
  assert.equal(zk(sm, 1, OpCode.create, create('/p', '')).err, 0);
  const op = (type: number, body: Buffer) => ({
    index: ++index,
    term: 1,
    request: { timeMs: 7, zkOp: { sessionId: Number(SESSION), type, body } },
  });
  const del = (p: string) => new JuteWriter().ustring(p).int(-1).toBuffer();
  // one batch: 5 children, a sequential one, a delete, a delete of a node created in the same
  // batch, and a re-create of it; outcomes as if applied one by one
  const batch = [
    ...['a', 'b', 'c', 'd', 'e'].map((c) => op(OpCode.create, create(`/p/${c}`, c))),
    op(OpCode.create, create('/p/s-', 's', CreateMode.PERSISTENT_SEQUENTIAL)),
    op(OpCode.delete, del('/p/b')),
    op(OpCode.delete, del('/p/e')),
    op(OpCode.create, create('/p/e', 'again')),
    op(OpCode.create, create('/p/a', 'dup')),
  ];
  const { outcomes } = sm.apply(batch);
  const errs = outcomes.map((o) => (o.response as ZkApplyResult).err);
  assert.deepEqual(errs, [0, 0, 0, 0, 0, 0, 0, 0, 0, -110]); // the last: NODEEXISTS
  assert.equal((outcomes[5].response as ZkApplyResult).path, '/p/s-0000000005');
  const rev = sm.kv.currentRevision;
  const p = sm.zk.getNode('/p')!;
  // 6 creates + 2 deletes + 1 create: cversion 9, children a c d e s-…; pzxid the last change
  assert.deepEqual([p.numChildren, p.cversion, p.pzxid, p.seq], [5, 9, rev, 7]);
  assert.deepEqual(sm.zk.children('/p').sort(), ['a', 'c', 'd', 'e', 's-0000000005']);
  assert.equal(sm.zk.getNode('/p/b'), undefined);
  assert.equal(backend.zkNodes.getBinary(Buffer.from('/p/b')), undefined);
  assert.equal(sm.zk.getNode('/p/e')!.data.toString(), 'again');
  // what is on disk is the same as what the store answered (nothing left pending)
  const stored = decodeMeta(backend.zkNodes.getBinary(Buffer.from('/p'))!);
  assert.deepEqual([stored.numChildren, stored.cversion, stored.pzxid], [5, 9, rev]);
  // znodes without the root: /p and its 5 children (the root has a record since /p's create)
  assert.ok(backend.zkNodes.doesExist(Buffer.from('/')));
  assert.equal(sm.zk.count(), 6);
});

// ZnodeStore keeps decoded metadata records in memory: these check that it never answers with
// a record the backend does not hold.

test('a batch aborted after its metadata was written leaves nothing of it in memory', async () => {
  const { sm, backend, dir } = fresh();
  openSession(sm);
  assert.equal(zk(sm, 1, OpCode.create, create('/p', '')).err, 0);
  backend.commit();
  const put = backend.putMetaNumber.bind(backend);
  backend.putMetaNumber = () => {
    throw new Error('disk full (test)');
  };
  assert.throws(() => zk(sm, 2, OpCode.create, create('/p/c', 'x')), /disk full/);
  backend.putMetaNumber = put;
  assert.equal(backend.zkNodes.getBinary(Buffer.from('/p/c')), undefined);
  assert.equal(sm.zk.getNode('/p/c'), undefined);
  assert.equal(sm.zk.getNode('/p')!.numChildren, 0);
  assert.deepEqual(sm.zk.children('/p'), []);
  // the backend takes no write after a failed one (the server stops and replays its WAL);
  // reopened, it serves the committed state and takes writes again
  assert.throws(() => zk(sm, 3, OpCode.create, create('/p/d', 'y')), /restart to replay/);
  await backend.close();
  const reopened = new Backend(dir);
  const sm2 = new StateMachine(reopened, { minLeaseTtlSeconds: 2 });
  assert.equal(sm2.zk.getNode('/p/c'), undefined);
  assert.deepEqual(sm2.zk.children('/p'), []);
  assert.equal(zk(sm2, 4, OpCode.create, create('/p/d', 'y')).err, 0);
  assert.deepEqual(sm2.zk.children('/p'), ['d']);
  await reopened.close();
});

test('replacing the backend file (a snapshot) drops the in-memory metadata', async () => {
  const { sm, backend } = fresh();
  openSession(sm);
  assert.equal(zk(sm, 1, OpCode.create, create('/p', '')).err, 0);
  const copy = path.join(backend.path, 'before.mdb');
  await backend.backupTo(copy);
  assert.equal(zk(sm, 2, OpCode.create, create('/p/c', 'x')).err, 0);
  assert.equal(sm.zk.getNode('/p')!.numChildren, 1);
  assert.deepEqual(sm.zk.children('/p'), ['c']);
  await backend.replaceWith(async (tmp) => fs.copyFileSync(copy, tmp));
  sm.reload();
  assert.equal(sm.zk.getNode('/p/c'), undefined);
  assert.equal(sm.zk.getNode('/p')!.numChildren, 0);
  assert.deepEqual(sm.zk.children('/p'), []);
});

test('znodes with the same ACL share it read-only; setACL on one leaves the others alone', () => {
  const { sm } = fresh();
  openSession(sm);
  for (const p of ['/a', '/b']) assert.equal(zk(sm, 1, OpCode.create, create(p, '')).err, 0);
  assert.equal(sm.zk.getNode('/a')!.acl, sm.zk.getNode('/b')!.acl); // as created
  sm.zk.reload(); // read both back from the backend
  const [a, b] = [sm.zk.getNode('/a')!, sm.zk.getNode('/b')!];
  assert.equal(a.acl, b.acl);
  assert.ok(Object.isFrozen(a.acl) && Object.isFrozen(a.acl[0]));
  const readOnly = [{ perms: 1, id: { scheme: 'world', id: 'anyone' } }];
  const setAcl = new JuteWriter().ustring('/a').vector(readOnly, writeAcl).int(-1).toBuffer();
  assert.equal(zk(sm, 2, OpCode.setACL, setAcl).err, 0);
  assert.deepEqual(sm.zk.getNode('/a')!.acl, readOnly);
  assert.deepEqual(sm.zk.getNode('/b')!.acl, OPEN_ACL_UNSAFE);
});

test('a znode deleted in a later batch is gone; created again, it reads the new record', () => {
  const { sm } = fresh();
  openSession(sm);
  assert.equal(zk(sm, 1, OpCode.create, create('/d', 'one')).err, 0);
  assert.equal(sm.zk.getNode('/d')!.data.toString(), 'one'); // read: the records are loaded
  const del = new JuteWriter().ustring('/d').int(-1).toBuffer();
  assert.equal(zk(sm, 2, OpCode.delete, del).err, 0);
  assert.equal(sm.zk.getNode('/d'), undefined);
  assert.deepEqual(sm.zk.children('/'), []);
  assert.equal(zk(sm, 3, OpCode.create, create('/d', 'two', CreateMode.EPHEMERAL)).err, 0);
  assert.deepEqual(sm.zk.children('/'), ['d']);
  const d = sm.zk.getNode('/d')!;
  assert.equal(d.data.toString(), 'two');
  assert.equal(d.ephemeralOwner, SESSION);
});

test('a second store on the same backend file (a restart) loads every znode record', () => {
  const { sm, backend } = fresh();
  openSession(sm);
  for (const p of ['/r', '/r/x', '/r/y'])
    assert.equal(zk(sm, 1, OpCode.create, create(p, p)).err, 0);
  const restarted = new StateMachine(backend, { minLeaseTtlSeconds: 2 });
  assert.equal(restarted.zk.getNode('/r')!.numChildren, 2);
  assert.deepEqual(restarted.zk.children('/'), ['r']);
  assert.deepEqual(restarted.zk.children('/r'), ['x', 'y']);
  assert.deepEqual(restarted.zk.children('/r/x'), []);
  assert.equal(restarted.zk.getNode('/r/y')!.data.toString(), '/r/y');
  assert.equal(restarted.zk.getNode('/r/z'), undefined);
});

test('versioned ops find the data key of non-ASCII paths (its bytes, not its UTF-16 text)', () => {
  for (const p of ['/a', '/é', '/日本/x', '/emoji-\u{1f600}'])
    assert.equal(dataKeyLatin1(p), dataKey(p).toString('latin1'), p);
  const { sm } = fresh();
  openSession(sm);
  assert.equal(zk(sm, 1000, OpCode.create, create('/é', 'x')).err, 0);
  assert.equal(zk(sm, 2000, OpCode.setData, setData('/é', 'y', 0)).err, 0);
  assert.equal(zk(sm, 3000, OpCode.setData, setData('/é', 'z', 0)).err, -103); // BADVERSION
  const r = zk(sm, 4000, OpCode.setData, setData('/é', 'z', 1));
  assert.deepEqual([r.err, r.stat!.version], [0, 2]);
  assert.equal(sm.zk.getNode('/é')!.data.toString(), 'z');
});

test('a data key deleted and re-created by an etcd client: ZooKeeper ops see the new key', () => {
  const { sm } = fresh();
  openSession(sm);
  zk(sm, 1000, OpCode.create, create('/k', 'x'));
  assert.equal(zk(sm, 2000, OpCode.setData, setData('/k', 'y', 0)).err, 0); // the node keeps its data key's slot
  const etcd = (request: object) => sm.apply([{ index: ++index, term: 1, request }]);
  etcd({ deleteRange: { key: dataKey('/k') } });
  // no data key: version -1 + 1, as a node whose key an etcd client removed reads
  assert.equal(zk(sm, 3000, OpCode.setData, setData('/k', 'z', 1)).err, -103); // BADVERSION
  assert.equal(sm.zk.getNode('/k')!.version, 0);
  // the etcd put changes the node: its version moves on (a key the create did not put counts
  // from 1), so a conditional setData on the version read before the put fails
  etcd({ put: { key: dataKey('/k'), value: Buffer.from('etcd') } });
  const n = sm.zk.getNode('/k')!;
  assert.deepEqual([n.data.toString(), n.version], ['etcd', 1]);
  assert.equal(zk(sm, 3500, OpCode.setData, setData('/k', 'w', 0)).err, Err.BADVERSION);
  const r = zk(sm, 4000, OpCode.setData, setData('/k', 'w', 1));
  assert.deepEqual([r.err, r.stat!.version], [0, 2]);
  assert.equal(sm.zk.getNode('/k')!.data.toString(), 'w');
  // a rebuilt key index (snapshot install, aborted batch) retires every kept slot
  sm.kv.reload();
  assert.equal(zk(sm, 5000, OpCode.setData, setData('/k', 'v', 2)).err, 0);
  assert.deepEqual(
    [
      sm.zk.getNode('/k')!.data.toString(),
      sm.zk.getNode('/k')!.version,
      sm.kv.get(dataKey('/k'))!.version,
    ],
    ['v', 3, 3],
  );
});

test('a setData after an etcd client deleted the data key reads back the version it replied', () => {
  const { sm } = fresh();
  openSession(sm);
  zk(sm, 1000, OpCode.create, create('/d', 'x'));
  zk(sm, 2000, OpCode.setData, setData('/d', 'y'));
  assert.equal(zk(sm, 2500, OpCode.setData, setData('/d', 'z')).stat!.version, 2);
  sm.apply([{ index: ++index, term: 1, request: { deleteRange: { key: dataKey('/d') } } }]);
  assert.deepEqual([sm.zk.getNode('/d')!.version, sm.zk.getNode('/d')!.data.length], [0, 0]);
  const r = zk(sm, 3000, OpCode.setData, setData('/d', 'again'));
  assert.deepEqual([r.err, r.stat!.version], [0, 1]);
  const n = sm.zk.getNode('/d')!;
  assert.deepEqual([n.data.toString(), n.version], ['again', 1]);
  // so a compare-and-set on the replied version goes through
  const r2 = zk(sm, 4000, OpCode.setData, setData('/d', 'cas', 1));
  assert.deepEqual([r2.err, r2.stat!.version], [0, 2]);
  assert.equal(sm.zk.getNode('/d')!.version, 2);
  // and a new store on the same file (a restart) reads the same
  sm.kv.reload();
  sm.zk.reload();
  assert.equal(sm.zk.getNode('/d')!.version, 2);
});

test('a multi that sets, deletes, re-creates and sets one znode writes the new data key', () => {
  const { sm } = fresh();
  openSession(sm);
  zk(sm, 1000, OpCode.create, create('/r', 'old'));
  assert.equal(zk(sm, 2000, OpCode.setData, setData('/r', 'kept', 0)).err, 0); // the node keeps its slot
  const body = multi([
    [OpCode.setData, setData('/r', 'a', 1)],
    [OpCode.delete, new JuteWriter().ustring('/r').int(2).toBuffer()],
    [OpCode.create, create('/r', 'b')],
    [OpCode.setData, setData('/r', 'c', 0)], // the deleted record (and its kept slot) is gone: a lookup finds the new key
  ]);
  const r = zk(sm, 3000, OpCode.multi, body);
  assert.equal(r.err, 0, inspect(r));
  const n = sm.zk.getNode('/r')!;
  assert.deepEqual([n.version, n.data.toString()], [1, 'c']);
  const kv = sm.kv.get(dataKey('/r'))!;
  assert.deepEqual([kv.value.toString(), kv.version], ['c', 2]);
  assert.equal(zk(sm, 4000, OpCode.setData, setData('/r', 'd', 1)).err, 0);
  assert.equal(sm.kv.get(dataKey('/r'))!.value.toString(), 'd');
});

test('writes check their session: closed sessions are expired, also after the records are reloaded', () => {
  const { sm } = fresh();
  openSession(sm);
  assert.equal(zk(sm, 1000, OpCode.create, create('/s', 'x')).err, 0);
  sm.apply([
    {
      index: ++index,
      term: 1,
      request: { timeMs: 2000, zkCloseSession: { sessionId: Number(SESSION) } },
    },
  ]);
  assert.equal(zk(sm, 3000, OpCode.setData, setData('/s', 'y')).err, -112); // SESSIONEXPIRED
  sm.zk.reload(); // as after a snapshot install or an aborted batch: read from zk_sessions again
  assert.equal(zk(sm, 4000, OpCode.setData, setData('/s', 'y')).err, -112);
  openSession(sm);
  assert.equal(zk(sm, 5000, OpCode.setData, setData('/s', 'y')).err, 0);
  sm.zk.reload();
  assert.equal(zk(sm, 6000, OpCode.setData, setData('/s', 'z')).err, 0);
});

test('after a reopen, version checks and reads use the data key of each node as stored', async () => {
  const { sm, backend, dir } = fresh();
  openSession(sm);
  for (const p of ['/a', '/é']) zk(sm, 1000, OpCode.create, create(p, 'x'));
  zk(sm, 2000, OpCode.setData, setData('/a', 'y', 0));
  sm.apply([
    { index: ++index, term: 1, request: { put: { key: dataKey('/é'), value: Buffer.from('e') } } },
  ]);
  await backend.close();
  const sm2 = new StateMachine(new Backend(dir), { minLeaseTtlSeconds: 2 });
  assert.equal(zk(sm2, 3000, OpCode.setData, setData('/a', 'z', 0)).err, -103); // BADVERSION
  assert.equal(zk(sm2, 3000, OpCode.setData, setData('/a', 'z', 1)).err, 0);
  assert.equal(zk(sm2, 4000, OpCode.setData, setData('/é', 'f', 1)).err, 0);
  const a = sm2.zk.getNode('/a')!;
  const e = sm2.zk.getNode('/é')!;
  assert.deepEqual([a.data.toString(), a.version, e.data.toString(), e.version], ['z', 2, 'f', 2]);
  assert.deepEqual(
    [sm2.kv.get(dataKey('/a'))!.version, sm2.kv.get(dataKey('/é'))!.version],
    [3, 3],
  );
});

test('the root data of two stores stays apart (each keeps its own root record and slot)', () => {
  const one = fresh().sm;
  const two = fresh().sm;
  for (const sm of [one, two]) openSession(sm);
  assert.equal(zk(one, 1000, OpCode.setData, setData('/', 'first')).err, 0);
  assert.equal(zk(two, 1000, OpCode.setData, setData('/', 'second')).err, 0);
  assert.equal(zk(one, 2000, OpCode.setData, setData('/', 'again')).err, 0);
  assert.deepEqual(
    [one.zk.getNode('/')!.data.toString(), two.zk.getNode('/')!.data.toString()],
    ['again', 'second'],
  );
  assert.equal(one.zk.getNode('/')!.version, two.zk.getNode('/')!.version + 1);
  // as ZooKeeper's root: version 0 before any setData, one more per setData
  assert.deepEqual([one.zk.getNode('/')!.version, two.zk.getNode('/')!.version], [2, 1]);
});

test('children come from the znode records; a zk_children table of an older build is cleared', async () => {
  const { sm, backend, dir } = fresh();
  openSession(sm);
  for (const p of ['/q', '/q/b', '/q/a', '/q/a/deep'])
    assert.equal(zk(sm, 1, OpCode.create, create(p, '')).err, 0);
  assert.deepEqual(sm.zk.children('/q'), ['a', 'b']);
  assert.deepEqual(
    ['/', '/q', '/q/a', '/q/a/deep', '/none'].map((p) => sm.zk.descendantCount(p)),
    [4, 3, 1, 0, 0],
  );
  // an older build kept parent NUL child rows in zk_children: the rows go when the file opens
  const legacy = backend.env.openDB({
    name: 'zk_children',
    keyEncoding: 'binary',
    encoding: 'binary',
  });
  legacy.putSync(Buffer.from('/q\u0000stale'), Buffer.from([1]));
  await backend.close();
  const reopened = new Backend(dir);
  const rows = reopened.env.openDB({
    name: 'zk_children',
    keyEncoding: 'binary',
    encoding: 'binary',
  });
  assert.equal((rows.getStats() as { entryCount: number }).entryCount, 0);
  const sm2 = new StateMachine(reopened, { minLeaseTtlSeconds: 2 });
  assert.deepEqual(sm2.zk.children('/q'), ['a', 'b']);
  assert.deepEqual(sm2.zk.children('/q/a'), ['deep']);
  assert.equal(sm2.zk.descendantCount('/'), 4);
  await reopened.close();
});

test('a znode created where an etcd client had put a key starts at version 0', () => {
  const { sm } = fresh();
  openSession(sm);
  sm.apply([
    {
      index: ++index,
      term: 1,
      request: { put: { key: dataKey('/s'), value: Buffer.from('stray') } },
    },
  ]);
  sm.apply([
    { index: ++index, term: 1, request: { put: { key: dataKey('/s'), value: Buffer.from('v2') } } },
  ]);
  assert.equal(sm.zk.getNode('/s'), undefined, 'no znode: the key alone is not one');
  const c = zk(sm, 1000, OpCode.create2, create('/s', 'mine'));
  assert.deepEqual([c.err, c.stat!.version], [0, 0]);
  const n = sm.zk.getNode('/s')!;
  assert.deepEqual([n.data.toString(), n.version, n.czxid], ['mine', 0, c.stat!.czxid]);
  assert.equal(sm.kv.get(dataKey('/s'))!.createRevision, c.stat!.czxid);
  assert.deepEqual(zk(sm, 2000, OpCode.setData, setData('/s', 'x', 0)).stat!.version, 1);
});

test('a znode created, deleted and created again in one multi keeps the live data key', () => {
  const { sm } = fresh();
  openSession(sm);
  const body = multi([
    [OpCode.create, create('/t', 'a')],
    [OpCode.delete, new JuteWriter().ustring('/t').int(0).toBuffer()],
    [OpCode.create, create('/t', 'b')],
  ]);
  assert.equal(zk(sm, 1000, OpCode.multi, body).err, 0);
  const n = sm.zk.getNode('/t')!;
  assert.deepEqual([n.version, n.data.toString()], [0, 'b']);
  // the record's kept slot is the second create's: a versioned setData writes through it
  assert.equal(zk(sm, 2000, OpCode.setData, setData('/t', 'c', 0)).err, 0);
  assert.deepEqual(
    [sm.zk.getNode('/t')!.version, sm.kv.get(dataKey('/t'))!.value.toString()],
    [1, 'c'],
  );
  assert.equal(zk(sm, 3000, OpCode.setData, setData('/t', 'd', 0)).err, Err.BADVERSION);
});
