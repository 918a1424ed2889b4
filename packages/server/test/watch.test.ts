import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { etcdserverpb } from '@concord/proto';
import { KVService, WatchService, toGrpcServiceDefinition } from '@concord/proto/grpc-services';
import { startConcord, RunningConcord } from '../src/embed';

const KvClient = grpc.makeGenericClientConstructor(
  toGrpcServiceDefinition(KVService) as unknown as grpc.ServiceDefinition,
  'KV',
);
const WatchClient = grpc.makeGenericClientConstructor(
  toGrpcServiceDefinition(WatchService) as unknown as grpc.ServiceDefinition,
  'Watch',
);

type WatchCall = grpc.ClientDuplexStream<etcdserverpb.IWatchRequest, etcdserverpb.WatchResponse>;

let running: RunningConcord;
let endpoint: string;
let dir: string;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-watch-'));
  running = await startConcord({
    dataDir: dir,
    listenClientUrls: ['http://127.0.0.1:0'],
    logger: pino({ level: 'silent' }),
  });
  endpoint = running.clientUrls[0].replace('http://', '');
});

after(async () => {
  await running.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function kv(): grpc.Client & Record<string, Function> {
  return new KvClient(endpoint, grpc.credentials.createInsecure()) as unknown as grpc.Client &
    Record<string, Function>;
}

function put(
  c: grpc.Client & Record<string, Function>,
  key: string,
  value: Buffer | string,
): Promise<etcdserverpb.PutResponse> {
  return new Promise((resolve, reject) =>
    c.Put(
      { key: Buffer.from(key), value: Buffer.from(value) },
      (err: Error | null, res: etcdserverpb.PutResponse) => (err ? reject(err) : resolve(res)),
    ),
  );
}

function openWatch(): { call: WatchCall; client: grpc.Client } {
  const client = new WatchClient(endpoint, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
  }) as unknown as grpc.Client & { Watch(): WatchCall };
  const call = (client as unknown as { Watch(): WatchCall }).Watch();
  call.on('error', () => undefined); // closing the client at the end cancels the stream
  return { call, client };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>(
      (_, reject) => (t = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)),
    ),
  ]);
}

/** Resolves once ok() holds (checked every 5 ms); fails after ms. */
function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  return withTimeout(
    new Promise<void>((r) => {
      const i = setInterval(() => {
        if (ok()) {
          clearInterval(i);
          r();
        }
      }, 5);
    }),
    ms,
    what,
  );
}

test('a slow watcher neither blocks writes nor loses or repeats an event', async () => {
  const { call, client } = openWatch();
  const seen: number[] = [];
  let created = false;
  call.on('data', (r: etcdserverpb.WatchResponse) => {
    if (r.created) created = true;
    for (const ev of r.events) seen.push(Number(ev.kv!.modRevision));
  });
  call.write({ createRequest: { key: Buffer.from('slow/'), rangeEnd: Buffer.from('slow0') } });
  await withTimeout(
    new Promise<void>((r) => {
      const i = setInterval(() => {
        if (created) {
          clearInterval(i);
          r();
        }
      }, 5);
    }),
    5000,
    'created',
  );
  call.pause(); // the client stops reading: HTTP/2 flow control pushes back on the server
  const c = kv();
  const value = Buffer.alloc(4096, 'x');
  const N = 3000; // ~12 MB of events, far above the stream's buffers
  const revs: number[] = [];
  for (let i = 0; i < N; i += 50) {
    const batch = await withTimeout(
      Promise.all(Array.from({ length: 50 }, (_, j) => put(c, `slow/${i + j}`, value))),
      20_000,
      'writes while a watcher is stalled',
    );
    for (const r of batch) revs.push(Number(r.header!.revision));
  }
  assert.ok(running.server.watches.unsyncedCount >= 1, 'the stalled watcher fell back to catch-up');
  call.resume();
  await withTimeout(
    new Promise<void>((r) => {
      const i = setInterval(() => {
        if (seen.length >= N) {
          clearInterval(i);
          r();
        }
      }, 10);
    }),
    30_000,
    'catch-up',
  );
  revs.sort((a, b) => a - b);
  assert.deepEqual(seen, revs, 'every event once, in revision order');
  call.end();
  client.close();
  c.close();
});

test('10,000 watchers on one server all get the event', async () => {
  const streams = Array.from({ length: 4 }, () => openWatch());
  const W = 10_000;
  let createdCount = 0;
  let eventCount = 0;
  for (const { call } of streams) {
    call.on('data', (r: etcdserverpb.WatchResponse) => {
      if (r.created) createdCount++;
      eventCount += r.events.length;
    });
  }
  for (let i = 0; i < W; i++) {
    streams[i % streams.length].call.write({
      createRequest: { key: Buffer.from(`fan/${i % 100}`) },
    });
  }
  await withTimeout(
    new Promise<void>((r) => {
      const i = setInterval(() => {
        if (createdCount >= W) {
          clearInterval(i);
          r();
        }
      }, 10);
    }),
    30_000,
    'creating 10k watchers',
  );
  assert.equal(running.server.watches.watcherCount, W);
  const c = kv();
  for (let k = 0; k < 100; k++) await put(c, `fan/${k}`, 'v');
  await withTimeout(
    new Promise<void>((r) => {
      const i = setInterval(() => {
        if (eventCount >= W) {
          clearInterval(i);
          r();
        }
      }, 10);
    }),
    30_000,
    'fan-out to 10k watchers',
  );
  assert.equal(eventCount, W);
  for (const { call, client } of streams) {
    call.end();
    client.close();
  }
  c.close();
});

test('a live prev_kv watcher gets the previous value; puts stop reading it once it is canceled', async () => {
  const c = kv();
  await put(c, 'pk', 'one');
  const { call, client } = openWatch();
  const responses: etcdserverpb.WatchResponse[] = [];
  call.on('data', (r: etcdserverpb.WatchResponse) => responses.push(r));
  const hub = running.server.watches;
  assert.equal(hub.wantsPrevKv, false);
  call.write({ createRequest: { key: Buffer.from('pk'), prevKv: true } });
  await until('created', () => responses.some((r) => r.created));
  assert.equal(hub.wantsPrevKv, true);
  await put(c, 'pk', 'two');
  await until('event', () => responses.some((r) => r.events.length > 0));
  const ev = responses.find((r) => r.events.length > 0)!.events[0];
  assert.deepEqual([String(ev.kv!.value), String(ev.prevKv?.value)], ['two', 'one']);
  const id = responses.find((r) => r.created)!.watchId;
  call.write({ cancelRequest: { watchId: id } });
  await until('canceled', () => responses.some((r) => r.canceled));
  assert.equal(hub.wantsPrevKv, false);
  call.end();
  client.close();
  c.close();
});

test('many watchers of one key on a stalled stream: each gets every event once, in order', async () => {
  const { call, client } = openWatch();
  const WATCHERS = 200;
  const got = new Map<number, number[]>();
  let created = 0;
  call.on('data', (r: etcdserverpb.WatchResponse) => {
    const id = Number(r.watchId);
    if (r.created) {
      created++;
      got.set(id, []);
    }
    for (const ev of r.events) got.get(id)!.push(Number(ev.kv!.modRevision));
  });
  for (let i = 0; i < WATCHERS; i++) call.write({ createRequest: { key: Buffer.from('fan') } });
  await until('created', () => created === WATCHERS, 10_000);
  call.pause(); // the stream fills part way through a change's fan-out to its watchers
  const c = kv();
  const value = Buffer.alloc(4096, 'f'); // one change: 200 responses of 4 KB, above 1 MiB in 2
  const revs: number[] = [];
  for (let i = 0; i < 12; i++) {
    const r = await withTimeout(put(c, 'fan', value), 10_000, 'a put while the stream is full');
    revs.push(Number(r.header!.revision));
  }
  assert.ok(running.server.watches.unsyncedCount > 0, 'watchers fell back to catch-up');
  call.resume();
  await until(
    'every watcher caught up',
    () => [...got.values()].every((l) => l.length >= revs.length),
    30_000,
  );
  for (const [id, l] of got) assert.deepEqual(l, revs, `watcher ${id}`);
  call.end();
  client.close();
  c.close();
});
