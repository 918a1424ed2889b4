import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Backend } from '../src/backend/backend';
import { StateMachine } from '../src/server/state-machine';
import { MvccEvent } from '../src/mvcc/types';
import { Watcher, WatchHub, WatchSink } from '../src/watch/watch-hub';

/**
 * A stream whose room the test controls, and which counts how often the hub asks for it: the
 * WatchHub contract is that a full sink is not polled; its 'drain' calls resume().
 */
class ControlledSink implements WatchSink {
  open = true;
  /** how many sends this sink takes before it reports itself full */
  room = Infinity;
  polls = 0;
  readonly got: { rev: number; keys: string[] }[] = [];

  get writable(): boolean {
    this.polls++;
    return this.open;
  }

  send(_w: Watcher, events: MvccEvent[], revision: number): boolean {
    this.got.push({ rev: revision, keys: events.map((e) => String(e.kv.value)) });
    if (--this.room <= 0) this.open = false;
    return this.open;
  }

  compacted(): void {
    assert.fail('nothing is compacted here');
  }
}

const turns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

type Put = (v: string) => void;
/** a watcher of key k (or of `key`: the bytes a client's request carried) */
type WatchK = (sink: WatchSink, key?: Buffer) => Watcher;

/** A hub over a fresh store; `put` applies a put of key k and notifies the hub of its event. */
async function withHub(body: (hub: WatchHub, put: Put, watchK: WatchK) => Promise<void>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-watchhub-'));
  const backend = new Backend(dir);
  const sm = new StateMachine(backend, { minLeaseTtlSeconds: 2 });
  const hub = new WatchHub(sm.kv);
  let index = 0;
  const put: Put = (v) =>
    hub.notify(
      sm.apply([
        {
          index: ++index,
          term: 1,
          request: { put: { key: Buffer.from('k'), value: Buffer.from(v), lease: 0 } },
        },
      ]).events,
    );
  const watchK: WatchK = (sink, key = Buffer.from('k')) =>
    hub.watch({
      key,
      rangeEnd: Buffer.alloc(0),
      startRevision: 0,
      noPut: false,
      noDelete: false,
      prevKv: false,
      sink,
    });
  try {
    await body(hub, put, watchK);
  } finally {
    hub.close();
    await turns(2); // a catch-up already scheduled sees the hub closed
    await backend.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('a full sink is not polled while it is full; drain (resume) lets its watcher catch up', async () => {
  await withHub(async (hub, put, watchK) => {
    const sink = new ControlledSink();
    watchK(sink);
    sink.room = 1;
    put('v1'); // delivered live; the sink is full after it
    put('v2'); // not sent: the watcher falls behind
    put('v3');
    assert.deepEqual(
      sink.got.map((g) => g.keys),
      [['v1']],
    );
    assert.equal(hub.unsyncedCount, 1);
    await turns(3); // the catch-up scheduled by the fall-behind runs and finds the sink full
    const polled = sink.polls;
    await turns(50);
    assert.equal(sink.polls, polled, 'a full sink is left alone until its drain');
    assert.equal(hub.unsyncedCount, 1);

    sink.open = true;
    sink.room = Infinity;
    hub.resume(); // what the stream's 'drain' does
    await turns(5);
    assert.equal(hub.unsyncedCount, 0);
    assert.deepEqual(
      sink.got.map((g) => g.keys),
      [['v1'], ['v2', 'v3']],
    );
    put('v4'); // synced again: delivered live
    assert.deepEqual(sink.got.at(-1)?.keys, ['v4']);
  });
});

test('a fan-out that fills the sink part way: the rest catch up, nobody gets an event twice', async () => {
  await withHub(async (hub, put, watchK) => {
    const got = new Map<Watcher, string[]>();
    let room = 3;
    let calls = 0;
    const sink: WatchSink = {
      get writable() {
        return room > 0;
      },
      send(w, events) {
        got.get(w)!.push(...events.map((e) => String(e.kv.value)));
        return --room > 0;
      },
      sendMany(ws, events) {
        calls++;
        let n = 0;
        while (n < ws.length && room > 0) {
          got.get(ws[n])!.push(...events.map((e) => String(e.kv.value)));
          n++;
          room--;
        }
        return n;
      },
      compacted: () => assert.fail('nothing is compacted here'),
    };
    for (let i = 0; i < 5; i++) got.set(watchK(sink), []);
    put('v1'); // three of the five watchers get it live, then the sink is full
    assert.equal(calls, 1, 'one sendMany for the five watchers of the key');
    assert.deepEqual(
      [...got.values()].map((l) => l.length),
      [1, 1, 1, 0, 0],
    );
    put('v2'); // the sink is full: nobody is sent it now
    assert.equal(hub.unsyncedCount, 5);
    room = Infinity;
    hub.resume();
    await turns(5);
    assert.equal(hub.unsyncedCount, 0);
    for (const l of got.values()) assert.deepEqual(l, ['v1', 'v2']);
    put('v3');
    assert.equal(calls, 2, 'synced again: one sendMany');
    for (const l of got.values()) assert.deepEqual(l, ['v1', 'v2', 'v3']);
  });
});

test('a second cancel of a watcher is a no-op (a stream cancels its compacted watchers again)', async () => {
  await withHub(async (hub) => {
    const sink = new ControlledSink();
    const watch = (rangeEnd: string): Watcher =>
      hub.watch({
        key: Buffer.from('k'),
        rangeEnd: Buffer.from(rangeEnd),
        startRevision: 0,
        noPut: false,
        noDelete: false,
        prevKv: true,
        sink,
      });
    const single = watch('');
    const ranged = watch('l');
    const other = watch('');
    for (const w of [single, single, ranged, ranged]) hub.cancel(w);
    // the two canceled twice count once each: the third still wants prev_kv, and is held
    assert.equal(hub.wantsPrevKv, true);
    assert.equal(hub.watcherCount, 1);
    hub.cancel(other);
    assert.equal(hub.wantsPrevKv, false);
    assert.equal(hub.watcherCount, 0);
  });
});

test("single-key watchers of one key share one copy of it, not a view of the creating request's bytes", async () => {
  await withHub(async (hub, put, watchK) => {
    const sinkA = new ControlledSink();
    const sinkB = new ControlledSink();
    // the key as a client's request carries it: a view into a larger buffer that gets reused
    const request = Buffer.alloc(5, 'xxk--'); // (alloc: its own memory, not the shared pool)
    const watchIn = (sink: WatchSink, bytes: Buffer): Watcher => watchK(sink, bytes.subarray(2, 3));
    const a = watchIn(sinkA, request);
    const b = watchIn(sinkB, Buffer.from('--k--'));
    assert.notEqual(a.start.buffer, request.buffer, 'the key is copied out of the request');
    assert.equal(a.start, b.start, 'one copy per key');
    request.fill(0x7a); // the request's buffer reused for other bytes
    put('v1');
    assert.deepEqual(sinkA.got, [{ rev: 2, keys: ['v1'] }]);
    assert.deepEqual(sinkB.got, [{ rev: 2, keys: ['v1'] }]);
    // once a key has no watchers its copy goes; a later watcher of it gets a new one
    hub.cancel(a);
    hub.cancel(b);
    const c = watchIn(sinkA, Buffer.from('--k--'));
    assert.notEqual(c.start, a.start);
    assert.equal(c.start.toString(), 'k');
    put('v2');
    assert.deepEqual(sinkA.got.at(-1), { rev: 3, keys: ['v2'] });
  });
});
