import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Client,
  ClientClosedError,
  CompactedError,
  DuplicateKeyError,
  EmptyKeyError,
  EtcdError,
  FutureRevisionError,
  InvalidArgumentError,
  KeyValue,
  LeaseNotFoundError,
  RequestTooLargeError,
  TooManyOpsError,
  cmp,
  op,
} from '../src';
import { TestServer, newClient, startServer, uniq } from './harness';

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

const keys = (kvs: KeyValue[]) => kvs.map((k) => k.keyString);

describe('kv put/get', () => {
  it('puts and gets strings and buffers', async () => {
    const p = uniq('kv');
    const r = await client.put(p + 'a', 'hello');
    assert.ok(r.header.revision > 0);
    assert.equal(typeof r.header.revision, 'number');
    const kv = await client.get(p + 'a');
    assert.ok(kv);
    assert.ok(Buffer.isBuffer(kv.key) && Buffer.isBuffer(kv.value));
    assert.equal(kv.valueString, 'hello');
    assert.equal(kv.keyString, p + 'a');
    assert.equal(kv.version, 1);
    assert.equal(kv.createRevision, r.header.revision);
    assert.equal(kv.modRevision, r.header.revision);
    assert.equal(kv.lease, 0n);
    const bin = Buffer.from([0, 1, 2, 255]);
    await client.put(Buffer.from(p + 'bin'), bin);
    const b = await client.get(p + 'bin');
    assert.deepEqual(b!.value, bin);
    assert.equal(await client.get(p + 'missing'), null);
    await client.put(p + 'j', JSON.stringify({ x: 1 }));
    assert.deepEqual((await client.get(p + 'j'))!.json(), { x: 1 });
  });

  it('put options: prevKv, ignoreValue, ignoreLease, lease', async () => {
    const p = uniq('putopts');
    const first = await client.put(p + 'k', 'v1', { prevKv: true });
    assert.equal(first.prevKv, null);
    const second = await client.put(p + 'k', 'v2', { prevKv: true });
    assert.equal(second.prevKv?.valueString, 'v1');
    const lease = await client.lease.grant(60);
    await client.put(p + 'k', 'v3', { lease: lease.id });
    assert.equal((await client.get(p + 'k'))!.lease, lease.id);
    await client.put(p + 'k', '', {
      ignoreValue: true,
      ignoreLease: false,
      lease: lease.id.toString(),
    });
    let kv = await client.get(p + 'k');
    assert.equal(kv!.valueString, 'v3');
    await client.put(p + 'k', 'v4', { ignoreLease: true });
    kv = await client.get(p + 'k');
    assert.equal(kv!.valueString, 'v4');
    assert.equal(kv!.lease, lease.id);
    await client.lease.revoke(lease.id);
    assert.equal(await client.get(p + 'k'), null);
    await assert.rejects(client.put(p + 'z', 'v', { lease: 123456789n }), LeaseNotFoundError);
  });

  it('range options', async () => {
    const p = uniq('range');
    const revs: number[] = [];
    for (const k of ['a', 'b', 'c', 'd', 'e'])
      revs.push((await client.put(p + k, 'val-' + k)).header.revision);
    await client.put(p + 'b', 'val-b2');
    await client.put('/t/other', 'x');

    assert.deepEqual(
      keys((await client.range(p, { prefix: true })).kvs),
      ['a', 'b', 'c', 'd', 'e'].map((k) => p + k),
    );
    assert.deepEqual(keys((await client.range(p + 'b', { end: p + 'd' })).kvs), [p + 'b', p + 'c']);
    const fk = await client.range(p + 'd', { fromKey: true });
    assert.ok(
      keys(fk.kvs).includes(p + 'd') &&
        keys(fk.kvs).includes(p + 'e') &&
        !keys(fk.kvs).includes(p + 'c'),
    );

    const lim = await client.range(p, { prefix: true, limit: 2 });
    assert.equal(lim.kvs.length, 2);
    assert.equal(lim.more, true);
    assert.equal(lim.count, 5);

    const old = await client.range(p + 'b', { revision: revs[1] });
    assert.equal(old.kvs[0].valueString, 'val-b');

    const desc = await client.range(p, { prefix: true, sort: { target: 'key', order: 'descend' } });
    assert.deepEqual(
      keys(desc.kvs),
      ['e', 'd', 'c', 'b', 'a'].map((k) => p + k),
    );
    const byMod = await client.range(p, {
      prefix: true,
      sort: { target: 'mod', order: 'descend' },
      limit: 1,
    });
    assert.equal(byMod.kvs[0].keyString, p + 'b');
    const byVal = await client.range(p, {
      prefix: true,
      sort: { target: 'value', order: 'ascend' },
    });
    assert.equal(byVal.kvs[0].valueString, 'val-a');
    const byVer = await client.range(p, {
      prefix: true,
      sort: { target: 'version', order: 'descend' },
    });
    assert.equal(byVer.kvs[0].keyString, p + 'b');
    const byCreate = await client.range(p, {
      prefix: true,
      sort: { target: 'create', order: 'descend' },
    });
    assert.equal(byCreate.kvs[0].keyString, p + 'e');

    const ko = await client.range(p, { prefix: true, keysOnly: true });
    assert.equal(ko.kvs.length, 5);
    assert.equal(ko.kvs[0].value.length, 0);
    const co = await client.range(p, { prefix: true, countOnly: true });
    assert.equal(co.kvs.length, 0);
    assert.equal(co.count, 5);

    const minMod = await client.range(p, { prefix: true, minModRevision: revs[3] });
    assert.deepEqual(keys(minMod.kvs).sort(), [p + 'b', p + 'd', p + 'e']);
    const maxMod = await client.range(p, { prefix: true, maxModRevision: revs[1] });
    assert.deepEqual(keys(maxMod.kvs), [p + 'a']);
    const minCreate = await client.range(p, { prefix: true, minCreateRevision: revs[3] });
    assert.deepEqual(keys(minCreate.kvs), [p + 'd', p + 'e']);
    const maxCreate = await client.range(p, { prefix: true, maxCreateRevision: revs[1] });
    assert.deepEqual(keys(maxCreate.kvs), [p + 'a', p + 'b']);

    const ser = await client.range(p, { prefix: true, serializable: true });
    assert.equal(ser.kvs.length, 5);
    assert.deepEqual(
      await client.getPrefix(p).then(keys),
      ['a', 'b', 'c', 'd', 'e'].map((k) => p + k),
    );
    const all = await client.range('', { prefix: true, countOnly: true });
    assert.ok(all.count >= 6);
  });

  it('delete options', async () => {
    const p = uniq('del');
    for (const k of ['a', 'b', 'c', 'd']) await client.put(p + k, k);
    const one = await client.delete(p + 'a', { prevKv: true });
    assert.equal(one.deleted, 1);
    assert.equal(one.prevKvs[0].valueString, 'a');
    const rng = await client.delete(p + 'b', { end: p + 'c' });
    assert.equal(rng.deleted, 1);
    const none = await client.delete(p + 'zz');
    assert.equal(none.deleted, 0);
    const pre = await client.delete(p, { prefix: true, prevKv: true });
    assert.equal(pre.deleted, 2);
    assert.deepEqual(keys(pre.prevKvs), [p + 'c', p + 'd']);
    await client.put(p + 'x', '1');
    await client.put(p + 'y', '1');
    assert.equal((await client.delete(p + 'x', { fromKey: true })).deleted >= 2, true);
  });
});

describe('txn', () => {
  it('compares on every target with every operator', async () => {
    const p = uniq('txn');
    const put = await client.put(p + 'k', 'b');
    const rev = put.header.revision;
    const check = async (c: ReturnType<typeof cmp.value>, expected: boolean) => {
      const r = await client
        .txn()
        .if(c)
        .then(op.get(p + 'k'))
        .else()
        .commit();
      assert.equal(r.succeeded, expected, `${c.target} ${c.op} ${String(c.operand)}`);
    };
    await check(cmp.value(p + 'k', '=', 'b'), true);
    await check(cmp.value(p + 'k', '!=', 'b'), false);
    await check(cmp.value(p + 'k', '>', 'a'), true);
    await check(cmp.value(p + 'k', '<', 'a'), false);
    await check(cmp.version(p + 'k', '=', 1), true);
    await check(cmp.version(p + 'k', '>', 1), false);
    await check(cmp.version(p + 'missing', '=', 0), true);
    await check(cmp.createRevision(p + 'k', '=', rev), true);
    await check(cmp.createRevision(p + 'k', '<', rev), false);
    await check(cmp.modRevision(p + 'k', '=', rev), true);
    await check(cmp.modRevision(p + 'k', '!=', rev), false);
    await check(cmp.lease(p + 'k', '=', 0n), true);
    await check(cmp.lease(p + 'k', '>', 0), false);
    await check(cmp.version(p, '>', 0, { prefix: true }), true);
  });

  it('then/else branches with get/put/delete and nested txn', async () => {
    const p = uniq('txn2');
    await client.put(p + 'a', '1');
    const r = await client
      .txn()
      .if(cmp.value(p + 'a', '=', '1'))
      .then(
        op.put(p + 'b', '2', { prevKv: true }),
        op.get(p + 'a'),
        op.delete(p + 'a', { prevKv: true }),
        // etcd evaluates nested compares against the state before the outer txn applies
        op.txn({
          compare: [cmp.version(p + 'b', '=', 0)],
          success: [op.put(p + 'c', '3')],
          failure: [],
        }),
      )
      .else(op.put(p + 'fail', 'x'))
      .commit();
    assert.equal(r.succeeded, true);
    assert.equal(r.responses.length, 4);
    assert.equal(r.responses[0].kind, 'put');
    const g = r.responses[1];
    assert.ok(g.kind === 'get' && g.get.kvs[0].valueString === '1');
    const d = r.responses[2];
    assert.ok(
      d.kind === 'delete' && d.delete.deleted === 1 && d.delete.prevKvs[0].valueString === '1',
    );
    const n = r.responses[3];
    assert.ok(n.kind === 'txn' && n.txn.succeeded);
    assert.equal((await client.get(p + 'c'))!.valueString, '3');
    const r2 = await client
      .txn()
      .if(cmp.value(p + 'a', '=', '1'))
      .then(op.put(p + 'x', '1'))
      .else(op.put(p + 'fail', 'y'), op.get(p + 'fail'))
      .commit();
    assert.equal(r2.succeeded, false);
    const fg = r2.responses[1];
    assert.ok(fg.kind === 'get' && fg.get.kvs[0].valueString === 'y');
    assert.equal(await client.get(p + 'x'), null);
  });

  it('server-side txn errors map to error classes', async () => {
    const p = uniq('txn3');
    await assert.rejects(
      client
        .txn()
        .then(op.put(p + 'a', '1'), op.put(p + 'a', '2'))
        .commit(),
      DuplicateKeyError,
    );
    const many = Array.from({ length: 200 }, (_, i) => op.put(p + i, 'v'));
    await assert.rejects(
      client
        .txn()
        .then(...many)
        .commit(),
      TooManyOpsError,
    );
    assert.throws(
      () =>
        client
          .txn()
          .then(op.put(p, 'x'))
          .if(cmp.value(p, '=', 'x')),
      InvalidArgumentError,
    );
  });
});

describe('errors and compaction', () => {
  it('empty key is rejected locally with EmptyKeyError', async () => {
    await assert.rejects(client.put('', 'v'), EmptyKeyError);
    await assert.rejects(client.get(''), EmptyKeyError);
    await assert.rejects(client.delete(Buffer.alloc(0)), EmptyKeyError);
    assert.throws(() => client.watch(''), EmptyKeyError);
  });

  it('too large requests map to RequestTooLargeError', async () => {
    const p = uniq('big');
    // over etcd's --max-request-bytes (1.5 MiB) but under the gRPC limit: etcd's own error
    await assert.rejects(client.put(p + 'a', Buffer.alloc(1700 * 1024)), RequestTooLargeError);
    // over the server's gRPC message limit
    await assert.rejects(client.put(p + 'b', Buffer.alloc(3 * 1024 * 1024)), RequestTooLargeError);
    await client.put(p + 'c', Buffer.alloc(1024 * 1024));
  });

  it('compacted and future revisions', async () => {
    const p = uniq('compact');
    const r1 = await client.put(p + 'k', '1');
    const r2 = await client.put(p + 'k', '2');
    await client.compact(r2.header.revision, { physical: true });
    const e = await client.get(p + 'k', { revision: r1.header.revision }).catch((x) => x);
    assert.ok(e instanceof CompactedError, String(e));
    assert.ok(e instanceof EtcdError);
    assert.equal(e.code, 11);
    assert.match(e.message, /compacted/);
    await assert.rejects(
      client.get(p + 'k', { revision: r2.header.revision + 1000 }),
      FutureRevisionError,
    );
    await assert.rejects(client.compact(r1.header.revision), CompactedError);
  });

  it('closed client rejects calls with ClientClosedError', async () => {
    const c = newClient(server);
    await c.put(uniq('closed') + 'x', '1');
    c.close();
    await assert.rejects(c.get('x'), ClientClosedError);
    await assert.rejects(c.put('x', 'y'), ClientClosedError);
    assert.throws(() => c.watch('x'), ClientClosedError);
  });
});
