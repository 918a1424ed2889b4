import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backend } from '../src/backend/backend';
import { StateMachine, LogEntry } from '../src/server/state-machine';
import { rangeQuery } from '../src/mvcc/types';
import { EtcdError } from '../src/server/errors';
import { slotRetired } from '../src/mvcc/key-index';
import { tempDir } from './support/tempDirs';

function fresh(): { sm: StateMachine; backend: Backend; dir: string } {
  const dir = tempDir('concord-mvcc-');
  const backend = new Backend(dir);
  return { sm: new StateMachine(backend, { minLeaseTtlSeconds: 2 }), backend, dir };
}

let index = 0;
function apply(sm: StateMachine, ...reqs: LogEntry['request'][]) {
  const entries = reqs.map((request) => ({ index: ++index, term: 1, request }));
  return sm.apply(entries);
}
const b = (s: string) => Buffer.from(s);
const put = (k: string, v: string, lease = 0) => ({ put: { key: b(k), value: b(v), lease } });
const keys = (sm: StateMachine, q: Parameters<typeof rangeQuery>[0]) =>
  sm.kv.range(rangeQuery(q)).kvs.map((kv) => `${kv.key}=${kv.value}@${kv.modRevision}`);

test('revisions, versions and historical ranges', () => {
  const { sm } = fresh();
  apply(sm, put('a', '1'), put('b', '1'), put('a', '2')); // revs 2,3,4 (a fresh store is at 1)
  apply(sm, { deleteRange: { key: b('b') } }); // rev 5
  apply(sm, put('b', '9')); // rev 6, new generation
  assert.equal(sm.kv.currentRevision, 6);
  const a = sm.kv.get(b('a'))!;
  assert.deepEqual([a.createRevision, a.modRevision, a.version], [2, 4, 2]);
  const bb = sm.kv.get(b('b'))!;
  assert.deepEqual([bb.createRevision, bb.version], [6, 1]);
  const all = { key: b('\0'), rangeEnd: b('\0') };
  assert.deepEqual(keys(sm, { ...all, revision: 1 }), []);
  assert.deepEqual(keys(sm, { ...all, revision: 2 }), ['a=1@2']);
  assert.deepEqual(keys(sm, { ...all, revision: 3 }), ['a=1@2', 'b=1@3']);
  assert.deepEqual(keys(sm, { ...all, revision: 4 }), ['a=2@4', 'b=1@3']);
  assert.deepEqual(keys(sm, { ...all, revision: 5 }), ['a=2@4']);
  assert.deepEqual(keys(sm, { ...all }), ['a=2@4', 'b=9@6']);
  assert.deepEqual(keys(sm, { key: b('b'), revision: 3 }), ['b=1@3']);
  assert.deepEqual(keys(sm, { key: b('b'), revision: 5 }), []);
});

test('limit, more, count, sort, filters', () => {
  const { sm } = fresh();
  for (const k of ['k3', 'k1', 'k2', 'k4']) apply(sm, put(k, 'v' + k));
  const r = sm.kv.range(rangeQuery({ key: b('k'), rangeEnd: b('l'), limit: 2 }));
  assert.deepEqual(
    r.kvs.map((x) => String(x.key)),
    ['k1', 'k2'],
  );
  assert.equal(r.more, true);
  assert.equal(r.count, 4);
  const byMod = sm.kv.range(
    rangeQuery({ key: b('k'), rangeEnd: b('l'), sortTarget: 3, sortOrder: 2 }),
  );
  assert.deepEqual(
    byMod.kvs.map((x) => String(x.key)),
    ['k4', 'k2', 'k1', 'k3'],
  );
  const f = sm.kv.range(
    rangeQuery({ key: b('k'), rangeEnd: b('l'), minModRevision: 3, maxModRevision: 4 }),
  );
  assert.deepEqual(
    f.kvs.map((x) => String(x.key)),
    ['k1', 'k2'],
  );
  assert.equal(f.count, 4);
  const c = sm.kv.range(rangeQuery({ key: b('k'), rangeEnd: b('l'), countOnly: true }));
  assert.deepEqual([c.kvs.length, c.count], [0, 4]);
});

test('compaction keeps the live version at the compact revision', () => {
  const { sm } = fresh();
  apply(sm, put('a', '1'), put('a', '2'), put('b', '1'), put('c', '1')); // 2..5
  apply(sm, { deleteRange: { key: b('c') } }); // 6
  apply(sm, put('a', '3')); // 7
  const out = apply(sm, { compaction: { revision: 6 } });
  assert.equal(out.outcomes[0].error, undefined);
  assert.deepEqual(keys(sm, { key: b('\0'), rangeEnd: b('\0'), revision: 6 }), ['a=2@3', 'b=1@4']);
  assert.throws(() => sm.kv.range(rangeQuery({ key: b('a'), revision: 5 })), /compacted/);
  const again = apply(sm, { compaction: { revision: 6 } });
  assert.ok(again.outcomes[0].error instanceof EtcdError);
  assert.match(again.outcomes[0].error!.message, /compacted/);
  const future = apply(sm, { compaction: { revision: 99 } });
  assert.match(future.outcomes[0].error!.message, /future revision/);
  // watch catch-up from the compact revision still sees revision 5's delete
  const ev = sm.kv.eventsSince(6, 100, true);
  assert.deepEqual(
    ev.events.map((e) => `${e.type}:${e.kv.key}@${e.kv.modRevision}`),
    ['1:c@6', '0:a@7'],
  );
});

test('txn: compares, nested txn, one revision, read-your-writes', () => {
  const { sm } = fresh();
  apply(sm, put('x', '1'));
  const r = apply(sm, {
    txn: {
      compare: [{ key: b('x'), target: 3, result: 0, value: b('1') }],
      success: [
        { requestPut: { key: b('x'), value: b('2') } },
        { requestPut: { key: b('y'), value: b('3') } },
        { requestRange: { key: b('x') } },
        {
          requestTxn: {
            compare: [{ key: b('x'), target: 0, result: 0, version: 1 }],
            success: [{ requestDeleteRange: { key: b('z') } }],
          },
        },
      ],
    },
  });
  const resp = r.outcomes[0].response as {
    succeeded: boolean;
    responses: Array<Record<string, unknown>>;
  };
  assert.equal(resp.succeeded, true);
  assert.equal(sm.kv.currentRevision, 3);
  const range = resp.responses[2].responseRange as { kvs: Array<{ value: Buffer }> };
  assert.equal(String(range.kvs[0].value), '2');
  // the nested compare saw the state before the txn (version 1)
  const nested = resp.responses[3].responseTxn as { succeeded: boolean };
  assert.equal(nested.succeeded, true);
  // a VALUE compare on a missing key fails
  const miss = apply(sm, {
    txn: {
      compare: [{ key: b('nope'), target: 3, result: 3, value: b('') }],
      success: [],
      failure: [],
    },
  });
  assert.equal((miss.outcomes[0].response as { succeeded: boolean }).succeeded, false);
});

test('leases: grant raises to the minimum TTL, revoke deletes keys in one revision', () => {
  const { sm } = fresh();
  const g = apply(sm, { leaseGrant: { ID: 7, TTL: 1 } });
  assert.equal((g.outcomes[0].response as { TTL: number }).TTL, 2);
  apply(sm, put('l1', 'v', 7), put('l2', 'v', 7), put('other', 'v'));
  const missing = apply(sm, put('x', 'v', 8));
  assert.match(missing.outcomes[0].error!.message, /requested lease not found/);
  assert.deepEqual(sm.leases.keys(7n).map(String), ['l1', 'l2']);
  const before = sm.kv.currentRevision;
  const rv = apply(sm, { leaseRevoke: { ID: 7 } });
  assert.equal(sm.kv.currentRevision, before + 1);
  assert.equal(rv.events.length, 2);
  assert.equal(sm.kv.get(b('l1')), undefined);
  assert.ok(sm.kv.get(b('other')));
  assert.equal(sm.leases.get(7n), undefined);
  const dup = apply(sm, { leaseGrant: { ID: 9, TTL: 5 } }, { leaseGrant: { ID: 9, TTL: 5 } });
  assert.match(dup.outcomes[1].error!.message, /lease already exists/);
});

test('state survives reopening the backend; replayed entries are skipped', async () => {
  const { sm, backend, dir } = fresh();
  apply(sm, put('p', '1'));
  const applied = sm.appliedIndex;
  await backend.close();
  const sm2 = new StateMachine(new Backend(dir), { minLeaseTtlSeconds: 2 });
  assert.equal(sm2.appliedIndex, applied);
  const again = sm2.apply([{ index: applied, term: 1, request: put('p', 'replayed') }]);
  assert.deepEqual(again.outcomes, [{}]);
  assert.equal(String(sm2.kv.get(b('p'))!.value), '1');
});

test('ranges with bounds longer than the key limit behave as etcd', () => {
  const { sm } = fresh();
  const long = (c: string, n = 3000) => Buffer.alloc(n, c);
  apply(sm, put('a', '1'), put('b', '2'), put('c', '3'));
  const q = (key: Buffer, rangeEnd: Buffer) =>
    sm.kv.range(rangeQuery({ key, rangeEnd })).kvs.map((kv) => String(kv.key));
  // [bbbb…(3000), ∞): 'c' only ('b' < 'bbb…')
  assert.deepEqual(q(long('b'), Buffer.from([0])), ['c']);
  // ['a', bbbb…): 'a' and 'b' ('b' is a prefix of the long end, so smaller)
  assert.deepEqual(q(b('a'), long('b')), ['a', 'b']);
  // [aaa…, ccc…): 'b' and 'c' ('a' is below 'aaa…', 'c' below 'ccc…')
  assert.equal(sm.kv.range(rangeQuery({ key: long('a'), rangeEnd: long('c') })).count, 2);
  assert.equal(sm.kv.get(long('a')), undefined);
  // deletes in apply must not throw (a throw there stops the server)
  const d = apply(sm, { deleteRange: { key: long('b'), rangeEnd: Buffer.from([0]) } });
  assert.equal(d.outcomes[0].error, undefined);
  assert.deepEqual(q(b('a'), Buffer.from([0])), ['a', 'b']);
  const single = apply(sm, { deleteRange: { key: long('z') } });
  assert.equal(single.outcomes[0].error, undefined);
});

test('records with a change time (ZooKeeper mtime) read back the same on every path', () => {
  const { sm, backend } = fresh();
  apply(sm, put('t', 'x')); // 2, no time
  backend.write(() => {
    const t = sm.kv.beginWrite();
    t.put(b('t'), b('timed'), 0n, {
      timeMs: 1700000000123,
    });
    t.put(b('u'), b('new'), 0n, { timeMs: 42 });
    t.commit();
    sm.kv.persistRevision();
  }); // 3
  apply(sm, put('t', 'plain')); // 4
  const live = sm.kv.getLive(b('u'))!;
  assert.deepEqual([live.kv.value.toString(), live.kv.timeMs, live.at.main], ['new', 42, 3]);
  assert.equal(sm.kv.get(b('t'))!.timeMs, undefined);
  // a historical read decodes the timed record: key, value, version, create revision
  const at3 = sm.kv.range(rangeQuery({ key: b('t'), revision: 3 })).kvs[0];
  assert.deepEqual(
    [at3.key.toString(), at3.value.toString(), at3.version, at3.createRevision, at3.timeMs],
    ['t', 'timed', 2, 2, 1700000000123],
  );
  // watch history and compaction read the key of timed records too
  const ev = sm.kv.eventsSince(3, 100, true);
  assert.deepEqual(
    ev.events.map((e) => `${e.kv.key}=${e.kv.value}@${e.kv.modRevision}`),
    ['t=timed@3', 'u=new@3', 't=plain@4'],
  );
  assert.equal(ev.events[2].prevKv!.value.toString(), 'timed');
  assert.equal(apply(sm, { compaction: { revision: 4 } }).outcomes[0].error, undefined);
  assert.deepEqual(keys(sm, { key: b('\0'), rangeEnd: b('\0'), revision: 4 }), [
    't=plain@4',
    'u=new@3',
  ]);
  apply(sm, { deleteRange: { key: b('u') } }); // 5
  assert.equal(sm.kv.get(b('u')), undefined);
});

test('a put reads the previous value only when its request or a prevKv watcher wants it', () => {
  const { sm } = fresh();
  apply(sm, put('k', 'v1'));
  const plain = apply(sm, put('k', 'v2'));
  assert.equal(plain.events[0].prevKv, undefined);
  const asked = apply(sm, { put: { key: b('k'), value: b('v3'), prevKv: true } });
  assert.equal(String(asked.events[0].prevKv!.value), 'v2');
  assert.equal(
    String((asked.outcomes[0].response as { prevKv: { value: Buffer } }).prevKv.value),
    'v2',
  );
  sm.eventsNeedPrevKv = () => true;
  // the previous record is read during the apply: a compaction later in the same batch that
  // removes it does not take it from the event
  const rev = sm.kv.currentRevision + 1;
  const batch = apply(sm, put('k', 'v4'), { compaction: { revision: rev } });
  assert.equal(batch.outcomes[1].error, undefined);
  assert.equal(String(batch.events[0].prevKv!.value), 'v3');
  assert.equal(sm.kv.readRevision({ main: rev - 1, sub: 0 }), undefined, 'compacted away');
  // deletes always carry it
  sm.eventsNeedPrevKv = () => false;
  const del = apply(sm, { deleteRange: { key: b('k') } });
  assert.equal(String(del.events[0].prevKv!.value), 'v4');
});

test('the key index is rebuilt from the history: a reopened store serves the same live keys', async () => {
  const { sm, backend, dir } = fresh();
  apply(sm, { leaseGrant: { ID: 7, TTL: 10 } });
  apply(sm, put('a', '1'), put('b', '1', 7), put('c', '1'), put('d', '1')); // revs 2-5
  apply(sm, put('a', '2'), { deleteRange: { key: b('c') } }, put('c', '2')); // 6-8: c re-created
  apply(sm, { deleteRange: { key: b('d'), rangeEnd: b('e') } }, put('e', '1')); // 9-10
  apply(sm, { compaction: { revision: 9 } }); // d's put and delete go; a@6, b@3, c@8 stay
  apply(sm, put('b', '2', 7), put('f', '1')); // 11-12
  const all = { key: b('\0'), rangeEnd: b('\0') };
  const live = (s: StateMachine) =>
    ['a', 'b', 'c', 'd', 'e', 'f', 'z'].map((k) => {
      const p = s.kv.getLivePointer(b(k));
      return p ? `${k}:${p.at.main}.${p.at.sub} c${p.createRevision} v${p.version} l${p.lease}` : k;
    });
  const before = { live: live(sm), all: keys(sm, all), count: sm.kv.keyCount };
  assert.deepEqual(before.all, ['a=2@6', 'b=2@11', 'c=2@8', 'e=1@10', 'f=1@12']);
  assert.equal(before.count, 5);
  assert.equal(before.live[2], 'c:8.0 c8 v1 l0');
  assert.equal(before.live[1], 'b:11.0 c3 v2 l7');
  await backend.close();
  const sm2 = new StateMachine(new Backend(dir), { minLeaseTtlSeconds: 2 });
  assert.deepEqual({ live: live(sm2), all: keys(sm2, all), count: sm2.kv.keyCount }, before);
  assert.deepEqual(keys(sm2, { ...all, revision: 10 }), ['a=2@6', 'b=1@3', 'c=2@8', 'e=1@10']);
  // writes after the rebuild continue each key's generation
  apply(sm2, put('c', '3'), { deleteRange: { key: b('a') } });
  assert.deepEqual(
    [sm2.kv.get(b('c'))!.version, sm2.kv.get(b('c'))!.createRevision, sm2.kv.keyCount],
    [2, 8, 4],
  );
});

test('an aborted batch leaves the key index as the backend: nothing of it is served', () => {
  const { sm, backend } = fresh();
  apply(sm, put('a', '1'));
  backend.commit();
  apply(sm, put('c', '1')); // applied, in the backend's open batch, not committed
  // the batch's apply throws after its first put (the server stops on that; the state it
  // leaves behind must still be the committed one)
  const good = { index: ++index, term: 1, request: put('b', '1') };
  const bad = { index: ++index, term: 1, request: {} } as LogEntry;
  const badBatch = [good, bad];
  Object.defineProperty(bad, 'request', {
    get() {
      throw new Error('injected apply failure');
    },
  });
  assert.throws(() => sm.apply(badBatch), /injected apply failure/);
  // the failure aborts the backend's whole open batch: 'c' too (the WAL has it for a restart)
  assert.equal(sm.kv.get(b('b')), undefined);
  assert.equal(sm.kv.get(b('c')), undefined);
  assert.equal(sm.kv.keyCount, 1);
  assert.deepEqual(keys(sm, { key: b('\0'), rangeEnd: b('\0') }), ['a=1@2']);
  assert.equal(sm.kv.currentRevision, 2);
  // and the backend takes no write after it, nor lets a flush release the WAL
  assert.throws(() => apply(sm, put('d', '1')), /batch was aborted; restart/);
  assert.equal(sm.kv.get(b('d')), undefined);
  return assert.rejects(backend.flush(), /batch was aborted; restart/);
});

test('a data directory with the older keys table: it is emptied at open, keys still served', async () => {
  const { sm, backend, dir } = fresh();
  apply(sm, put('k', 'v'));
  // what a data directory written before the in-memory key index holds
  const legacy = backend.env.openDB({ name: 'keys', keyEncoding: 'binary', encoding: 'binary' });
  await legacy.put(b('k'), Buffer.alloc(36, 1));
  await backend.close();
  const reopened = new Backend(dir);
  const table = reopened.env.openDB({ name: 'keys', keyEncoding: 'binary', encoding: 'binary' });
  assert.equal((table.getStats() as { entryCount: number }).entryCount, 0);
  const sm2 = new StateMachine(reopened, { minLeaseTtlSeconds: 2 });
  assert.deepEqual(keys(sm2, { key: b('k') }), ['k=v@2']);
  await reopened.close();
});

test('a put that changes a key lease moves the key between the leases', () => {
  const { sm } = fresh();
  apply(sm, { leaseGrant: { ID: 5, TTL: 10 } }, { leaseGrant: { ID: 6, TTL: 10 } });
  apply(sm, put('k', 'a', 5));
  assert.deepEqual(sm.leases.keys(5n).map(String), ['k']);
  apply(sm, put('k', 'b', 6)); // the previous lease, read before the index is updated
  assert.deepEqual([sm.leases.keys(5n), sm.leases.keys(6n).map(String)], [[], ['k']]);
  apply(sm, put('k', 'c'));
  assert.deepEqual([sm.leases.keys(5n), sm.leases.keys(6n)], [[], []]);
  assert.equal(sm.kv.getLivePointer(b('k'))!.lease, 0n);
});

test('a put given a kept slot writes through it while it is live, and looks up once retired', () => {
  const { sm, backend } = fresh();
  apply(sm, put('s', 'one')); // 2
  const kept = sm.kv.getLiveSlotLatin1('s')!;
  const putWith = (value: string) =>
    backend.write(() => {
      const t = sm.kv.beginWrite();
      t.put(b('s'), b(value), 0n, { slot: kept });
      t.commit();
      sm.kv.persistRevision();
    });
  putWith('two'); // 3: through the kept slot
  assert.deepEqual([kept.main, kept.version], [3, 2]);
  apply(sm, { deleteRange: { key: b('s') } }); // 4: retires it
  apply(sm, put('s', 'new')); // 5: a new slot
  putWith('after'); // 6: the retired slot is not written; the new one is
  const kv = sm.kv.get(b('s'))!;
  assert.deepEqual(
    [kv.value.toString(), kv.version, kv.createRevision, kv.modRevision],
    ['after', 2, 5, 6],
  );
  assert.equal(sm.kv.getLiveSlotLatin1('s')!.main, 6);
});

test('a put with newKey deletes a live key first: a new generation at this revision', () => {
  const { sm, backend } = fresh();
  apply(sm, put('n', '1'), put('n', '2')); // revs 2, 3: version 2
  const events = backend.write(() => {
    const t = sm.kv.beginWrite();
    t.put(b('n'), b('fresh'), 0n, { newKey: true });
    t.put(b('m'), b('absent'), 0n, { newKey: true }); // no live key: only the put
    t.commit();
    sm.kv.persistRevision();
    return t.events.map((e) => `${e.type === 0 ? 'PUT' : 'DELETE'} ${e.kv.key}`);
  }); // 4
  assert.deepEqual(events, ['DELETE n', 'PUT n', 'PUT m']);
  const n = sm.kv.get(b('n'))!;
  assert.deepEqual([n.value.toString(), n.createRevision, n.version], ['fresh', 4, 1]);
  // the history and the watch stream see the old generation end before the new one starts
  const ev = sm.kv.eventsSince(4, 100, true).events.map((e) => `${e.type}:${e.kv.key}`);
  assert.deepEqual(ev, ['1:n', '0:n', '0:m']);
  assert.deepEqual(keys(sm, { key: b('n'), revision: 3 }), ['n=2@3']);
});

test("a put's lastSlot is the key's live slot: new, rewritten, and after newKey", () => {
  const { sm, backend } = fresh();
  apply(sm, put('k', '1')); // rev 2
  backend.write(() => {
    const t = sm.kv.beginWrite();
    t.put(b('a'), b('new'), 0n);
    const fresh = t.lastSlot!;
    assert.equal(fresh, sm.kv.getLiveSlotLatin1('a')); // the index's own slot, not a copy
    assert.deepEqual([fresh.main, fresh.sub, fresh.version], [3, 0, 1]);
    t.put(b('a'), b('again'), 0n);
    assert.equal(t.lastSlot, fresh); // rewritten in place
    assert.deepEqual([fresh.sub, fresh.version], [1, 2]);
    const old = sm.kv.getLiveSlotLatin1('k')!;
    t.put(b('k'), b('reborn'), 0n, { newKey: true });
    assert.ok(slotRetired(old)); // the deleted generation's slot
    assert.equal(t.lastSlot, sm.kv.getLiveSlotLatin1('k'));
    assert.deepEqual([t.lastSlot!.createRevision, t.lastSlot!.version], [3, 1]);
    t.commit();
    sm.kv.persistRevision();
  });
});
