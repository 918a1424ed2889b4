/**
 * etcd v3 API conformance, KV part: the same scenario runs against every target
 * in CONCORD_TEST_TARGETS (default "concord,etcd"), each in a fresh server, and
 * what a gRPC client observes must be equal (see support/conformance.ts for what
 * is normalised). Key facts observed on etcd 3.4 are also asserted directly, so
 * the suite keeps its teeth when it runs against Concord alone.
 *
 * Watch and lease scenarios: conformance-watch-lease.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KVService, LeaseService } from './support/grpcClient';
import { runConformance, okValue, expectError, ScenarioContext } from './support/conformance';

const T = { timeout: 120_000 };

async function history({ client, rec }: ScenarioContext): Promise<void> {
  // rev 2..: a mixed history of puts, deletes and txns.
  const c = client;
  await rec.call('put a=1', () => c.attempt(KVService.Put, { key: 'a', value: '1' })); // 2
  await rec.call('put b=2', () => c.attempt(KVService.Put, { key: 'b', value: '2' })); // 3
  await rec.call('put c=3', () => c.attempt(KVService.Put, { key: 'c', value: '3' })); // 4
  await rec.call('put a=11', () => c.attempt(KVService.Put, { key: 'a', value: '11' })); // 5
  await rec.call('put d/1', () => c.attempt(KVService.Put, { key: 'd/1', value: 'x' })); // 6
  await rec.call('put d/2', () => c.attempt(KVService.Put, { key: 'd/2', value: 'y' })); // 7
  await rec.call('delete b', () => c.attempt(KVService.DeleteRange, { key: 'b' })); // 8
  await rec.call('txn put e, put f, delete c', () =>
    c.attempt(KVService.Txn, {
      success: [
        { requestPut: { key: 'e', value: '5' } },
        { requestPut: { key: 'f', value: '6' } },
        { requestDeleteRange: { key: 'c' } },
      ],
    }),
  ); // 9
  await rec.call('put b again', () => c.attempt(KVService.Put, { key: 'b', value: '22' })); // 10
  await rec.call('put a=111', () => c.attempt(KVService.Put, { key: 'a', value: '111' })); // 11
  await rec.call('put binary key', () =>
    c.attempt(KVService.Put, {
      key: Buffer.from([0xff, 0x00, 0x01]),
      value: Buffer.from([0, 1, 2]),
    }),
  ); // 12
  await rec.call('delete nothing', () => c.attempt(KVService.DeleteRange, { key: 'zzz-none' })); // no revision
}

describe('conformance: KV', () => {
  test('ranges with every option over a mixed history', T, () =>
    runConformance('kv-ranges', async (ctx) => {
      const { client: c, rec } = ctx;
      await history(ctx);
      const r = (step: string, req: object) =>
        rec.call(`range ${step}`, () => c.attempt(KVService.Range, req));
      await r('single', { key: 'a' });
      await r('missing', { key: 'nope' });
      await r('all "\\0"-"\\0"', { key: Buffer.from([0]), rangeEnd: Buffer.from([0]) });
      await r('from a', { key: 'a', rangeEnd: Buffer.from([0]) });
      await r('[b, e)', { key: 'b', rangeEnd: 'e' });
      await r('prefix d/', { key: 'd/', rangeEnd: 'd0' });
      await r('range_end < key', { key: 'e', rangeEnd: 'b' });
      await r('range_end == key', { key: 'e', rangeEnd: 'e' });
      for (const limit of [1, 2, 6, 7, 100])
        await r(`limit ${limit}`, { key: Buffer.from([0]), rangeEnd: Buffer.from([0]), limit });
      await r('limit negative', { key: Buffer.from([0]), rangeEnd: Buffer.from([0]), limit: -1 });
      for (const revision of [1, 2, 4, 8, 9, 11, 12]) {
        await r(`revision ${revision}`, {
          key: Buffer.from([0]),
          rangeEnd: Buffer.from([0]),
          revision,
        });
      }
      await r('revision 5 limit 1', {
        key: Buffer.from([0]),
        rangeEnd: Buffer.from([0]),
        revision: 5,
        limit: 1,
      });
      await r('future revision', { key: 'a', revision: 13 });
      await r('future revision far', { key: 'a', revision: 100000 });
      await r('keys_only', { key: Buffer.from([0]), rangeEnd: Buffer.from([0]), keysOnly: true });
      await r('count_only', { key: Buffer.from([0]), rangeEnd: Buffer.from([0]), countOnly: true });
      await r('count_only limit 1', {
        key: Buffer.from([0]),
        rangeEnd: Buffer.from([0]),
        countOnly: true,
        limit: 1,
      });
      await r('count_only keys_only', { key: 'a', rangeEnd: 'z', countOnly: true, keysOnly: true });
      for (const sortTarget of ['KEY', 'VERSION', 'CREATE', 'MOD', 'VALUE']) {
        for (const sortOrder of ['NONE', 'ASCEND', 'DESCEND']) {
          await r(`sort ${sortTarget} ${sortOrder}`, {
            key: Buffer.from([0]),
            rangeEnd: Buffer.from([0]),
            sortTarget,
            sortOrder,
            keysOnly: true,
          });
          await r(`sort ${sortTarget} ${sortOrder} limit 2`, {
            key: Buffer.from([0]),
            rangeEnd: Buffer.from([0]),
            sortTarget,
            sortOrder,
            limit: 2,
            keysOnly: true,
          });
        }
      }
      const all = { key: Buffer.from([0]), rangeEnd: Buffer.from([0]), keysOnly: true };
      await r('min_mod_revision 7', { ...all, minModRevision: 7 });
      await r('max_mod_revision 7', { ...all, maxModRevision: 7 });
      await r('min_create_revision 6', { ...all, minCreateRevision: 6 });
      await r('max_create_revision 6', { ...all, maxCreateRevision: 6 });
      await r('min/max mod 5..9 limit 2', {
        ...all,
        minModRevision: 5,
        maxModRevision: 9,
        limit: 2,
      });
      await r('min_mod 9 count_only', { ...all, minModRevision: 9, countOnly: true });
      await r('empty key', { key: '' });
      await r('empty key with range_end', { key: '', rangeEnd: 'b' });
      await r('serializable', { key: 'a', serializable: true });

      const single = okValue(await c.attempt(KVService.Range, { key: 'a' }));
      assert.deepEqual(single.kvs, [
        { key: 'a', createRevision: 2, modRevision: 11, version: 3, value: '111', lease: 0 },
      ]);
      assert.equal(single.header.revision, 12);
      const lim = okValue(
        await c.attempt(KVService.Range, {
          key: Buffer.from([0]),
          rangeEnd: Buffer.from([0]),
          limit: 2,
        }),
      );
      assert.equal(lim.count, 7);
      assert.equal(lim.more, true);
    }),
  );

  test('put prev_kv, ignore_value, ignore_lease and their errors', T, () =>
    runConformance('kv-put-options', async ({ client: c, rec }) => {
      const p = (step: string, req: object) =>
        rec.call(`put ${step}`, () => c.attempt(KVService.Put, req));
      await p('new prev_kv', { key: 'k', value: 'v1', prevKv: true });
      await p('again prev_kv', { key: 'k', value: 'v2', prevKv: true });
      await p('ignore_value', { key: 'k', ignoreValue: true, prevKv: true });
      await rec.call('get k', () => c.attempt(KVService.Range, { key: 'k' }));
      const e1 = await p('ignore_value missing key', { key: 'missing', ignoreValue: true });
      expectError(e1, 'INVALID_ARGUMENT', 'etcdserver: key not found');
      const e2 = await p('ignore_value with value', { key: 'k', value: 'x', ignoreValue: true });
      expectError(e2, 'INVALID_ARGUMENT', 'etcdserver: value is provided');
      const g = okValue(
        await rec.call('lease grant', () =>
          c.attempt(LeaseService.LeaseGrant, { TTL: 100, ID: 7001 }),
        ),
      );
      assert.equal(String(g.ID), '7001');
      await p('with lease', { key: 'k', value: 'v3', lease: 7001, prevKv: true });
      await p('ignore_lease', { key: 'k', value: 'v4', ignoreLease: true, prevKv: true });
      await rec.call('get k after ignore_lease', () => c.attempt(KVService.Range, { key: 'k' }));
      const e3 = await p('ignore_lease with lease', {
        key: 'k',
        value: 'v5',
        ignoreLease: true,
        lease: 7001,
      });
      expectError(e3, 'INVALID_ARGUMENT', 'etcdserver: lease is provided');
      const e4 = await p('ignore_lease missing key', {
        key: 'missing',
        value: 'v',
        ignoreLease: true,
      });
      expectError(e4, 'INVALID_ARGUMENT', 'etcdserver: key not found');
      await p('ignore_value+ignore_lease', {
        key: 'k',
        ignoreValue: true,
        ignoreLease: true,
        prevKv: true,
      });
      await p('without lease drops it', { key: 'k', value: 'v6', prevKv: true });
      const e5 = await p('unknown lease', { key: 'k', value: 'v', lease: 123456789 });
      expectError(e5, 'NOT_FOUND', 'etcdserver: requested lease not found');
      const e6 = await p('empty key', { key: '', value: 'v' });
      expectError(e6, 'INVALID_ARGUMENT', 'etcdserver: key is not provided');
      await p('empty value', { key: 'empty', value: '' });
      await p('large value 1 MiB', { key: 'big', value: Buffer.alloc(1024 * 1024, 0x61) });
      const e7 = await p('request > 1.5 MiB', {
        key: 'huge',
        value: Buffer.alloc(1.5 * 1024 * 1024 + 1024, 0x61),
      });
      expectError(e7, 'INVALID_ARGUMENT', 'etcdserver: request is too large');
      await rec.call('final range', () =>
        c.attempt(KVService.Range, {
          key: Buffer.from([0]),
          rangeEnd: Buffer.from([0]),
          keysOnly: true,
        }),
      );
    }),
  );

  test('delete: single, prefix with prev_kv, from-key, empty key', T, () =>
    runConformance('kv-delete', async (ctx) => {
      const { client: c, rec } = ctx;
      await history(ctx);
      const d = (step: string, req: object) =>
        rec.call(`delete ${step}`, () => c.attempt(KVService.DeleteRange, req));
      await d('missing', { key: 'missing', prevKv: true });
      await d('single prev_kv', { key: 'a', prevKv: true });
      await d('prefix d/ prev_kv', { key: 'd/', rangeEnd: 'd0', prevKv: true });
      await d('range_end < key', { key: 'f', rangeEnd: 'a', prevKv: true });
      const e = await d('empty key', { key: '' });
      expectError(e, 'INVALID_ARGUMENT', 'etcdserver: key is not provided');
      await d('from e (range_end \\0)', { key: 'e', rangeEnd: Buffer.from([0]), prevKv: true });
      await d('everything', { key: Buffer.from([0]), rangeEnd: Buffer.from([0]) });
      await rec.call('range all', () =>
        c.attempt(KVService.Range, { key: Buffer.from([0]), rangeEnd: Buffer.from([0]) }),
      );
      await rec.call('range all at 12', () =>
        c.attempt(KVService.Range, {
          key: Buffer.from([0]),
          rangeEnd: Buffer.from([0]),
          revision: 12,
        }),
      );
    }),
  );

  test('txn compares, branches, nesting and errors', T, () =>
    runConformance('kv-txn', async (ctx) => {
      const { client: c, rec } = ctx;
      await history(ctx);
      // a: create 2, mod 11, version 3, value "111"; d/1, d/2: create 6, 7; c deleted; b: create 10.
      await c.attempt(KVService.Put, { key: 'l', value: 'leased', lease: 0 });
      const tx = (step: string, req: object) =>
        rec.call(`txn ${step}`, () => c.attempt(KVService.Txn, req));
      const branches = {
        success: [{ requestRange: { key: 'a' } }],
        failure: [{ requestRange: { key: 'b' } }],
      };
      const targets: [string, object][] = [
        ['VALUE', { value: '111' }],
        ['VALUE', { value: '2' }],
        ['VALUE', { value: '99' }],
        ['VERSION', { version: 3 }],
        ['VERSION', { version: 2 }],
        ['VERSION', { version: 4 }],
        ['CREATE', { createRevision: 2 }],
        ['CREATE', { createRevision: 1 }],
        ['CREATE', { createRevision: 3 }],
        ['MOD', { modRevision: 11 }],
        ['MOD', { modRevision: 10 }],
        ['MOD', { modRevision: 12 }],
        ['LEASE', { lease: 0 }],
        ['LEASE', { lease: 5 }],
      ];
      for (const [target, val] of targets) {
        for (const result of ['EQUAL', 'NOT_EQUAL', 'LESS', 'GREATER']) {
          await tx(`a ${target} ${result} ${JSON.stringify(val)}`, {
            compare: [{ key: 'a', target, result, ...val }],
            ...branches,
          });
        }
      }
      // Compares on a missing key: version/create/mod are 0, value compare fails.
      for (const [target, val] of targets) {
        await tx(`missing ${target} EQUAL ${JSON.stringify(val)}`, {
          compare: [{ key: 'nope', target, result: 'EQUAL', ...val }],
          ...branches,
        });
      }
      await tx('missing VERSION EQUAL 0', {
        compare: [{ key: 'nope', target: 'VERSION', result: 'EQUAL', version: 0 }],
        ...branches,
      });
      await tx('missing CREATE LESS 1', {
        compare: [{ key: 'nope', target: 'CREATE', result: 'LESS', createRevision: 1 }],
        ...branches,
      });
      // Range compares: every key in [key, range_end) must satisfy the compare.
      await tx('range d/ VERSION EQUAL 1', {
        compare: [{ key: 'd/', rangeEnd: 'd0', target: 'VERSION', result: 'EQUAL', version: 1 }],
        ...branches,
      });
      await tx('range d/ CREATE GREATER 6', {
        compare: [
          { key: 'd/', rangeEnd: 'd0', target: 'CREATE', result: 'GREATER', createRevision: 6 },
        ],
        ...branches,
      });
      await tx('range d/ MOD LESS 8', {
        compare: [{ key: 'd/', rangeEnd: 'd0', target: 'MOD', result: 'LESS', modRevision: 8 }],
        ...branches,
      });
      await tx('range all from a VALUE NOT_EQUAL zzz', {
        compare: [
          {
            key: 'a',
            rangeEnd: Buffer.from([0]),
            target: 'VALUE',
            result: 'NOT_EQUAL',
            value: 'zzz',
          },
        ],
        ...branches,
      });
      await tx('range empty x/ VERSION EQUAL 5', {
        compare: [{ key: 'x/', rangeEnd: 'x0', target: 'VERSION', result: 'EQUAL', version: 5 }],
        ...branches,
      });
      await tx('several compares, one false', {
        compare: [
          { key: 'a', target: 'VALUE', result: 'EQUAL', value: '111' },
          { key: 'b', target: 'VERSION', result: 'GREATER', version: 5 },
        ],
        ...branches,
      });
      await tx('no compares: success', {
        success: [{ requestPut: { key: 'n', value: '1', prevKv: true } }],
        failure: [],
      });
      await tx('failure branch with writes', {
        compare: [{ key: 'a', target: 'VALUE', result: 'EQUAL', value: 'nope' }],
        success: [{ requestPut: { key: 's', value: '1' } }],
        failure: [
          { requestPut: { key: 'f1', value: '1' } },
          { requestDeleteRange: { key: 'd/', rangeEnd: 'd0', prevKv: true } },
          { requestRange: { key: Buffer.from([0]), rangeEnd: Buffer.from([0]), keysOnly: true } },
        ],
      });
      await tx('read-only txn does not bump the revision', {
        success: [{ requestRange: { key: 'a' } }],
      });
      await tx('range sees earlier put in same txn', {
        success: [
          { requestPut: { key: 'g', value: '1' } },
          { requestRange: { key: 'g' } },
          { requestPut: { key: 'h', value: '2' } },
        ],
      });
      await tx('nested txn', {
        success: [
          { requestPut: { key: 'outer', value: '1' } },
          {
            requestTxn: {
              compare: [{ key: 'a', target: 'VALUE', result: 'EQUAL', value: '111' }],
              success: [
                { requestPut: { key: 'inner', value: 'ok' } },
                { requestRange: { key: 'outer' } },
              ],
              failure: [{ requestPut: { key: 'inner', value: 'bad' } }],
            },
          },
          {
            requestTxn: {
              compare: [{ key: 'a', target: 'VERSION', result: 'LESS', version: 1 }],
              failure: [{ requestRange: { key: 'inner' } }],
            },
          },
        ],
      });
      const dup1 = await tx('duplicate put', {
        success: [
          { requestPut: { key: 'z', value: '1' } },
          { requestPut: { key: 'z', value: '2' } },
        ],
      });
      expectError(dup1, 'INVALID_ARGUMENT', 'etcdserver: duplicate key given in txn request');
      await tx('duplicate put + delete covering it', {
        success: [
          { requestPut: { key: 'z', value: '1' } },
          { requestDeleteRange: { key: 'y', rangeEnd: 'zz' } },
        ],
      });
      await tx('duplicate delete + delete', {
        success: [{ requestDeleteRange: { key: 'z' } }, { requestDeleteRange: { key: 'z' } }],
      });
      await tx('put in success and failure (not a duplicate)', {
        success: [{ requestPut: { key: 'z', value: 's' } }],
        failure: [{ requestPut: { key: 'z', value: 'f' } }],
      });
      await tx('duplicate across nested txn', {
        success: [
          { requestPut: { key: 'q', value: '1' } },
          { requestTxn: { success: [{ requestPut: { key: 'q', value: '2' } }] } },
        ],
      });
      await tx('duplicate range + put is fine', {
        success: [{ requestRange: { key: 'q' } }, { requestPut: { key: 'q', value: '3' } }],
      });
      const many = (n: number) => ({
        success: Array.from({ length: n }, (_, i) => ({
          requestPut: { key: `m/${i}`, value: 'v' },
        })),
      });
      await tx('128 ops', many(128));
      const e129 = await tx('129 ops', many(129));
      expectError(e129, 'INVALID_ARGUMENT', 'etcdserver: too many operations in txn request');
      await tx('129 compares', {
        compare: Array.from({ length: 129 }, () => ({
          key: 'a',
          target: 'VERSION',
          result: 'GREATER',
          version: 0,
        })),
      });
      const eEmpty = await tx('empty key in put', {
        success: [{ requestPut: { key: '', value: '1' } }],
      });
      expectError(eEmpty, 'INVALID_ARGUMENT', 'etcdserver: key is not provided');
      await tx('empty key in compare', {
        compare: [{ key: '', target: 'VERSION', result: 'EQUAL', version: 0 }],
        ...branches,
      });
      await tx('unknown lease in put', {
        success: [{ requestPut: { key: 'u', value: '1', lease: 999 } }],
      });
      await tx('future revision in range', {
        success: [{ requestRange: { key: 'a', revision: 100000 } }],
      });
      await tx('ignore_value missing key', {
        success: [{ requestPut: { key: 'missing', ignoreValue: true } }],
      });
      await tx('too large', {
        success: [{ requestPut: { key: 'huge', value: Buffer.alloc(1.6 * 1024 * 1024, 0x61) } }],
      });
      await rec.call('final range', () =>
        c.attempt(KVService.Range, {
          key: Buffer.from([0]),
          rangeEnd: Buffer.from([0]),
          keysOnly: true,
          limit: 20,
        }),
      );
    }),
  );

  test('compaction, and reads at compacted and future revisions', T, () =>
    runConformance('kv-compaction', async (ctx) => {
      const { client: c, rec } = ctx;
      await history(ctx);
      const compact = (step: string, req: object) =>
        rec.call(`compact ${step}`, () => c.attempt(KVService.Compact, req));
      const r = (step: string, req: object) =>
        rec.call(`range ${step}`, () => c.attempt(KVService.Range, req));
      const e0 = await compact('future 13', { revision: 13 });
      expectError(e0, 'OUT_OF_RANGE', 'etcdserver: mvcc: required revision is a future revision');
      await compact('0', { revision: 0 });
      await compact('1', { revision: 1 });
      await compact('6', { revision: 6 });
      const e1 = await compact('6 again', { revision: 6 });
      expectError(e1, 'OUT_OF_RANGE', 'etcdserver: mvcc: required revision has been compacted');
      await compact('5 (below)', { revision: 5 });
      const e2 = await r('at 5', { key: 'a', revision: 5 });
      expectError(e2, 'OUT_OF_RANGE', 'etcdserver: mvcc: required revision has been compacted');
      await r('at 6', { key: Buffer.from([0]), rangeEnd: Buffer.from([0]), revision: 6 });
      await r('at 7', { key: Buffer.from([0]), rangeEnd: Buffer.from([0]), revision: 7 });
      await r('at 13', { key: 'a', revision: 13 });
      await r('latest', { key: Buffer.from([0]), rangeEnd: Buffer.from([0]) });
      await compact('12 physical', { revision: 12, physical: true });
      await r('at 11', { key: 'a', revision: 11 });
      await r('at 12', { key: Buffer.from([0]), rangeEnd: Buffer.from([0]), revision: 12 });
      await rec.call('txn range at compacted', () =>
        c.attempt(KVService.Txn, { success: [{ requestRange: { key: 'a', revision: 3 } }] }),
      );
      await rec.call('put after compaction', () =>
        c.attempt(KVService.Put, { key: 'a', value: 'after' }),
      );
    }),
  );
});
