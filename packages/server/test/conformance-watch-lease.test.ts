/**
 * etcd v3 API conformance, Watch and Lease: every target of CONCORD_TEST_TARGETS
 * must show a client the same thing (see support/conformance.ts).
 *
 * Watch responses are compared batching-independently (one entry per event and
 * per non-event frame) and per watch ID (the order in which one revision's
 * events reach different watchers of one stream is not specified).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KVService, LeaseService, Plain } from './support/grpcClient';
import {
  runConformance,
  okValue,
  expectError,
  readWatch,
  countEntries,
  approx,
  ScenarioContext,
  Recorder,
} from './support/conformance';
import { sleep } from './support/servers';

const T = { timeout: 120_000 };
const ALL = { key: Buffer.from([0]), rangeEnd: Buffer.from([0]) };

/** rev 2..12, twelve events. */
async function history({ client: c }: ScenarioContext): Promise<void> {
  await c.put({ key: 'a', value: '1' }); // 2
  await c.put({ key: 'b', value: '2' }); // 3
  await c.put({ key: 'c', value: '3' }); // 4
  await c.put({ key: 'a', value: '11' }); // 5
  await c.put({ key: 'd/1', value: 'x' }); // 6
  await c.put({ key: 'd/2', value: 'y' }); // 7
  await c.deleteRange({ key: 'b' }); // 8
  await c.txn({
    success: [
      { requestPut: { key: 'e', value: '5' } },
      { requestPut: { key: 'f', value: '6' } },
      { requestDeleteRange: { key: 'c' } },
    ],
  }); // 9
  await c.put({ key: 'b', value: '22' }); // 10
  await c.put({ key: 'a', value: '111' }); // 11
  await c.put({ key: 'd/1', value: 'xx' }); // 12
}

/** Group flattened watch entries by watch ID (order within one watcher is kept). */
function byWatcher(flat: Plain[]): Record<string, Plain[]> {
  const out: Record<string, Plain[]> = {};
  for (const e of flat) {
    const id = String(e.watchId ?? e.frame?.watchId);
    (out[id] ??= []).push(e);
  }
  return out;
}

function noteWatch(rec: Recorder, step: string, flat: Plain[]): void {
  rec.note(step, byWatcher(flat));
}

describe('conformance: Watch', () => {
  test('history with prev_kv and filters, client watch IDs, cancel, progress', T, () =>
    runConformance('watch-history', async (ctx) => {
      const { client: c, rec } = ctx;
      await history(ctx);
      const w = c.watch();
      try {
        // Server-assigned IDs start at 0 on each stream.
        w.send({ createRequest: { ...ALL, startRevision: 2, prevKv: true } });
        noteWatch(rec, 'all from 2 with prev_kv', await readWatch(w, countEntries(13)));

        w.send({ createRequest: { ...ALL, startRevision: 2, filters: ['NOPUT'] } });
        noteWatch(rec, 'NOPUT from 2', await readWatch(w, countEntries(3)));

        w.send({
          createRequest: {
            key: 'd/',
            rangeEnd: 'd0',
            startRevision: 1,
            filters: ['NODELETE'],
            prevKv: true,
          },
        });
        noteWatch(rec, 'NODELETE d/ from 1', await readWatch(w, countEntries(4)));

        w.send({ createRequest: { key: 'a', startRevision: 11, watchId: 100 } });
        noteWatch(rec, 'client watch_id 100 on a from 11', await readWatch(w, countEntries(2)));

        w.send({ createRequest: { key: 'b', watchId: 100 } });
        const dup = await readWatch(w, countEntries(1));
        noteWatch(rec, 'duplicate watch_id 100', dup);
        // etcd 3.4: one frame, watch_id -1, created AND canceled, with this reason.
        assert.deepEqual(
          { ...dup[0].frame, revision: undefined },
          {
            watchId: -1,
            created: true,
            canceled: true,
            compactRevision: 0,
            cancelReason: 'mvcc: duplicate watch ID provided on the WatchStream',
            fragment: false,
            revision: undefined,
          },
        );

        w.send({ createRequest: { key: 'e' } }); // next auto ID
        noteWatch(rec, 'auto ID after client IDs', await readWatch(w, countEntries(1)));

        w.send({ progressRequest: {} });
        const prog = await readWatch(w, countEntries(1));
        noteWatch(rec, 'progress request', prog);
        // etcd 3.4: watch_id -1, no events, header revision = current revision.
        assert.equal(prog[0].frame.watchId, -1);
        assert.equal(prog[0].frame.revision, 12);

        // Live events: a -> all, NODELETE? no (d/ only), 100; delete d/1 -> all, NOPUT, NODELETE? no.
        await c.put({ key: 'a', value: 'live' }); // 13
        await c.deleteRange({ key: 'd/1' }); // 14
        await c.put({ key: 'd/3', value: 'z' }); // 15
        // all: 3 events; 100: 1; NOPUT: 1; NODELETE: 1
        noteWatch(rec, 'live events', await readWatch(w, countEntries(6)));

        w.send({ cancelRequest: { watchId: 100 } });
        noteWatch(rec, 'cancel 100', await readWatch(w, countEntries(1)));
        await c.put({ key: 'a', value: 'after-cancel' }); // 16: only the "all" watcher
        noteWatch(rec, 'after cancel', await readWatch(w, countEntries(1)));

        w.send({ cancelRequest: { watchId: 999 } });
        noteWatch(
          rec,
          'cancel unknown 999 (quiet period)',
          (await w.drain(500)).map((f) => f),
        );
        rec.note('stream still open', w.endedWith);
      } finally {
        w.close();
      }
    }),
  );

  test('compacted and future start revisions', T, () =>
    runConformance('watch-compaction', async (ctx) => {
      const { client: c, rec } = ctx;
      await history(ctx);
      await c.compact({ revision: 6 });
      const w = c.watch();
      try {
        w.send({ createRequest: { ...ALL, startRevision: 3 } });
        const compacted = await readWatch(w, countEntries(2));
        noteWatch(rec, 'from 3 after compaction at 6', compacted);
        // etcd 3.4: a created frame, then a canceled frame carrying compact_revision.
        assert.deepEqual(
          compacted.map((e) => [
            e.frame.watchId,
            e.frame.created,
            e.frame.canceled,
            e.frame.compactRevision,
          ]),
          [
            [0, true, false, 0],
            [0, false, true, 6],
          ],
        );
        // A compacted watcher keeps its ID on the stream until the client cancels it: a create
        // with that ID is refused as a duplicate, the cancel is answered, then the ID is free.
        w.send({ createRequest: { ...ALL, startRevision: 2, watchId: 5 } });
        noteWatch(rec, 'id 5 from 2 after compaction', await readWatch(w, countEntries(2)));
        // a progress request is still answered: the compacted watchers wait for nothing
        w.send({ progressRequest: {} });
        noteWatch(rec, 'progress with compacted watchers', await readWatch(w, countEntries(1)));
        w.send({ createRequest: { key: 'zz', watchId: 5 } });
        const dup = await readWatch(w, countEntries(1));
        noteWatch(rec, 'id 5 again while compacted', dup);
        assert.deepEqual(
          [dup[0].frame.watchId, dup[0].frame.created, dup[0].frame.canceled],
          [-1, true, true],
        );
        w.send({ cancelRequest: { watchId: 5 } });
        const canceled = await readWatch(w, countEntries(1));
        noteWatch(rec, 'cancel of compacted id 5', canceled);
        assert.deepEqual(
          [
            canceled[0].frame.watchId,
            canceled[0].frame.canceled,
            canceled[0].frame.compactRevision,
          ],
          [5, true, 0],
        );
        w.send({ cancelRequest: { watchId: 5 } }); // gone now: no answer (the next read shows it)
        w.send({ createRequest: { key: 'zz', watchId: 5 } });
        noteWatch(rec, 'id 5 free again', await readWatch(w, countEntries(1)));
        w.send({ createRequest: { ...ALL, startRevision: 6 } });
        noteWatch(
          rec,
          'from 6 (the compacted revision itself)',
          await readWatch(w, countEntries(8)),
        );
        w.send({ createRequest: { key: 'fut', startRevision: 14 } });
        noteWatch(rec, 'future start 14 (current 12)', await readWatch(w, countEntries(1)));
        await c.put({ key: 'fut', value: '13' }); // 13: not delivered to the future watcher
        await c.put({ key: 'fut', value: '14' }); // 14
        // w1 (all keys from 6) sees 13 and 14; w2 (future start 14) sees only 14.
        noteWatch(rec, 'events after future start', await readWatch(w, countEntries(3)));
        noteWatch(rec, 'quiet after', await w.drain(300));
      } finally {
        w.close();
      }
      const w2 = c.watch();
      try {
        w2.send({ createRequest: { key: 'a', startRevision: 1 } });
        noteWatch(rec, 'new stream: from 1 after compaction', await readWatch(w2, countEntries(2)));
      } finally {
        w2.close();
      }
    }),
  );
});

describe('conformance: Lease', () => {
  test('grant (server and client IDs), errors, timetolive, leases, keepalive, revoke', T, () =>
    runConformance('lease-basics', async ({ client: c, rec }) => {
      const g = (step: string, req: object) =>
        rec.call(`grant ${step}`, () => c.attempt(LeaseService.LeaseGrant, req));
      const auto = okValue(await c.attempt(LeaseService.LeaseGrant, { TTL: 100 }));
      rec.leaseId(auto.ID);
      rec.note('grant server-chosen ID', auto);
      assert.notEqual(String(auto.ID), '0');
      const own = okValue(await g('client ID 4242', { TTL: 100, ID: 4242 }));
      assert.equal(own.ID, 4242);
      expectError(
        await g('duplicate ID 4242', { TTL: 100, ID: 4242 }),
        'FAILED_PRECONDITION',
        'etcdserver: lease already exists',
      );
      expectError(
        await g('TTL too large', { TTL: 9000000001 }),
        'OUT_OF_RANGE',
        'etcdserver: too large lease TTL',
      );
      await g('TTL max 9000000000', { TTL: 9000000000, ID: 1 });
      await g('TTL 1 (below minimum)', { TTL: 1, ID: 2 });
      await g('TTL 0', { TTL: 0, ID: 3 });
      await g('TTL -5', { TTL: -5, ID: 4 });

      await rec.call('put k1 lease 4242', () =>
        c.attempt(KVService.Put, { key: 'k1', value: 'v', lease: 4242 }),
      );
      await rec.call('put k2 lease 4242', () =>
        c.attempt(KVService.Put, { key: 'k2', value: 'v', lease: 4242 }),
      );
      await rec.call('put k3 lease 4242 then move to 1', () =>
        c.attempt(KVService.Put, { key: 'k3', value: 'v', lease: 4242 }),
      );
      await rec.call('put k3 lease 1', () =>
        c.attempt(KVService.Put, { key: 'k3', value: 'v', lease: 1 }),
      );

      const ttl = okValue(await c.attempt(LeaseService.LeaseTimeToLive, { ID: 4242, keys: true }));
      // The order of `keys` is not specified by etcd (it varies between runs): sorted.
      rec.note('timetolive 4242 keys', {
        ...ttl,
        keys: [...ttl.keys].sort(),
        TTL: approx(ttl.TTL, 100, 3),
      });
      const ttl2 = okValue(await c.attempt(LeaseService.LeaseTimeToLive, { ID: 4242 }));
      rec.note('timetolive 4242 no keys', { ...ttl2, TTL: approx(ttl2.TTL, 100, 3) });
      await rec.call('timetolive unknown', () =>
        c.attempt(LeaseService.LeaseTimeToLive, { ID: 777, keys: true }),
      );

      const leases = okValue(await c.attempt(LeaseService.LeaseLeases, {}));
      rec.note('leases (sorted)', leases.leases.map((l: Plain) => rec.norm(l.ID, 'ID')).sort());
      rec.note('leases header', { header: leases.header });

      expectError(
        await rec.call('revoke unknown', () => c.attempt(LeaseService.LeaseRevoke, { ID: 777 })),
        'NOT_FOUND',
        'etcdserver: requested lease not found',
      );

      const ka = c.leaseKeepAlive();
      try {
        ka.send({ ID: 4242 });
        rec.note('keepalive 4242', await ka.next(5000));
        ka.send({ ID: 777 });
        rec.note('keepalive unknown', await ka.next(5000));
        ka.send({ ID: 4242 });
        rec.note('keepalive 4242 again', await ka.next(5000));
      } finally {
        ka.close();
      }

      await rec.call('revoke 4242', () => c.attempt(LeaseService.LeaseRevoke, { ID: 4242 }));
      await rec.call('range after revoke', () =>
        c.attempt(KVService.Range, { key: 'k', rangeEnd: 'l' }),
      );
      await rec.call('timetolive revoked', () =>
        c.attempt(LeaseService.LeaseTimeToLive, { ID: 4242 }),
      );
      expectError(
        await rec.call('revoke again', () => c.attempt(LeaseService.LeaseRevoke, { ID: 4242 })),
        'NOT_FOUND',
        'etcdserver: requested lease not found',
      );
      await rec.call('put with revoked lease', () =>
        c.attempt(KVService.Put, { key: 'k9', value: 'v', lease: 4242 }),
      );
      await rec.call('grant 4242 again after revoke', () =>
        c.attempt(LeaseService.LeaseGrant, { TTL: 50, ID: 4242 }),
      );
    }),
  );

  test('expiry deletes attached keys in one revision; a watcher sees the DELETEs', T, () =>
    runConformance('lease-expiry', async ({ client: c, rec }) => {
      await c.put({ key: 'exp/keep', value: 'no lease' }); // 2
      const w = c.watch();
      try {
        w.send({
          createRequest: { key: 'exp/', rangeEnd: 'exp0', startRevision: 3, prevKv: true },
        });
        noteWatch(rec, 'created', await readWatch(w, countEntries(1)));
        const grant = okValue(await c.attempt(LeaseService.LeaseGrant, { TTL: 2, ID: 555 }));
        rec.note('grant TTL 2', grant);
        await c.put({ key: 'exp/a', value: '1', lease: 555 }); // 3
        await c.put({ key: 'exp/b', value: '2', lease: 555 }); // 4
        await c.put({ key: 'exp/c', value: '3', lease: 555 }); // 5
        await c.deleteRange({ key: 'exp/c' }); // 6: detaches exp/c
        const t0 = Date.now();
        // Expiry: TTL 2 s; bounded wait (the lessor checks expiry periodically).
        let remaining: Plain;
        for (;;) {
          remaining = okValue(
            await c.attempt(KVService.Range, { key: 'exp/', rangeEnd: 'exp0', keysOnly: true }),
          );
          if (remaining.count === 1) break;
          if (Date.now() - t0 > 15_000)
            throw new Error(`lease 555 did not expire within 15 s: ${JSON.stringify(remaining)}`);
          await sleep(100);
        }
        const elapsed = Date.now() - t0;
        assert.ok(elapsed >= 1000, `lease with TTL 2 s expired after only ${elapsed} ms`);
        rec.note('range after expiry', remaining);
        const events = await readWatch(w, countEntries(6));
        noteWatch(rec, 'watch events', events);
        // etcd 3.4: both attached keys are deleted by one revision (7), after the explicit delete (6).
        assert.deepEqual(
          events.slice(4).map((e) => [e.type, e.kv.key, e.kv.modRevision]),
          [
            ['DELETE', 'exp/a', 7],
            ['DELETE', 'exp/b', 7],
          ],
        );
        await rec.call('timetolive expired', () =>
          c.attempt(LeaseService.LeaseTimeToLive, { ID: 555, keys: true }),
        );
        expectError(
          await rec.call('revoke expired', () => c.attempt(LeaseService.LeaseRevoke, { ID: 555 })),
          'NOT_FOUND',
          'etcdserver: requested lease not found',
        );
        rec.note('quiet after expiry', await w.drain(300));
      } finally {
        w.close();
      }
    }),
  );
});
