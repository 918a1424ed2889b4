/**
 * Concord's own HTTP/2 + gRPC transport (src/api/grpc): protocol errors answered with GOAWAY
 * and the right code, flow control with a client that grants tiny windows, and the gRPC
 * framing details clients depend on. Real sockets and node:http2 / grpc-js as the clients.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { etcdserverpb } from '@concord/proto';
import { startConcord, RunningConcord } from '../src/embed';
import { RawClient } from './support/rawGrpc';

let running: RunningConcord;
let host: string;
let port: number;
let dir: string;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-h2-'));
  running = await startConcord({
    dataDir: dir,
    listenClientUrls: ['http://127.0.0.1:0'],
    logger: pino({ level: 'silent' }),
  });
  const u = new URL(running.clientUrls[0]);
  host = u.hostname;
  port = Number(u.port);
});

after(async () => {
  await running.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

function frame(type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)) {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream, 5);
  return Buffer.concat([h, payload]);
}

interface Frame {
  type: number;
  flags: number;
  stream: number;
  payload: Buffer;
}

/** Sends bytes on a fresh connection; collects the frames the server sends until it closes. */
function exchange(bytes: Buffer[], waitMs = 3000): Promise<{ frames: Frame[]; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    let buf = Buffer.alloc(0);
    const frames: Frame[] = [];
    const done = (closed: boolean): void => {
      clearTimeout(t);
      s.destroy();
      resolve({ frames, closed });
    };
    const t = setTimeout(() => done(false), waitMs);
    s.on('connect', () => {
      for (const b of bytes) s.write(b);
    });
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      while (buf.length >= 9) {
        const len = buf.readUIntBE(0, 3);
        if (buf.length < 9 + len) break;
        frames.push({
          type: buf[3],
          flags: buf[4],
          stream: buf.readUInt32BE(5) & 0x7fffffff,
          payload: buf.subarray(9, 9 + len),
        });
        buf = buf.subarray(9 + len);
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => done(true));
  });
}

const SETTINGS = 4;
const PING = 6;
const GOAWAY = 7;
const settings = frame(SETTINGS, 0, 0);

function goAwayCode(frames: Frame[]): number | undefined {
  const g = frames.find((f) => f.type === GOAWAY);
  return g?.payload.readUInt32BE(4);
}

async function assertServing(): Promise<void> {
  const c = new RawClient(`${host}:${port}`);
  try {
    const r = await c.unary(
      '/etcdserverpb.KV/Range',
      Buffer.from(etcdserverpb.RangeRequest.encode({ key: Buffer.from('x') }).finish()),
    );
    assert.ok(r.ok, `server still answers: ${JSON.stringify(r)}`);
  } finally {
    c.close();
  }
}

test('settings and ping: the server acks both', async () => {
  const payload = Buffer.from('12345678');
  const { frames } = await exchange([PREFACE, settings, frame(PING, 0, 0, payload)], 500);
  assert.ok(
    frames.some((f) => f.type === SETTINGS && f.flags === 0),
    'server settings',
  );
  assert.ok(
    frames.some((f) => f.type === SETTINGS && f.flags === 1),
    'settings ack',
  );
  const pong = frames.find((f) => f.type === PING);
  assert.ok(pong && pong.flags === 1 && pong.payload.equals(payload), 'ping ack, same payload');
});

const hpackGetRoot = Buffer.from([0x82, 0x86, 0x84]); // :method GET, :scheme http, :path /

test('protocol errors end the connection with GOAWAY and the right code; the server lives', async () => {
  const cases: Array<[string, Buffer[], number]> = [
    ['HEADERS on stream 0', [frame(1, 4, 0, hpackGetRoot)], 1],
    ['HEADERS on an even stream', [frame(1, 4, 2, hpackGetRoot)], 1],
    ['frame longer than SETTINGS_MAX_FRAME_SIZE', [frame(0, 0, 1, Buffer.alloc(20000))], 6],
    ['undecodable header block', [frame(1, 4, 1, Buffer.from([0x80]))], 9],
    ['CONTINUATION without HEADERS', [frame(9, 4, 1, hpackGetRoot)], 1],
    ['HEADERS without END_HEADERS, then DATA', [frame(1, 0, 1, hpackGetRoot), frame(0, 0, 1)], 1],
    ['DATA on an idle stream', [frame(0, 0, 5, Buffer.from('x'))], 1],
    ['PING of the wrong size', [frame(PING, 0, 0, Buffer.alloc(3))], 6],
    ['SETTINGS of the wrong size', [frame(SETTINGS, 0, 0, Buffer.alloc(5))], 6],
    ['connection window overflow', [frame(8, 0, 0, Buffer.from([0x7f, 0xff, 0xff, 0xff]))], 3],
    ['PUSH_PROMISE from a client', [frame(5, 4, 1, Buffer.alloc(4))], 1],
  ];
  for (const [what, frames, code] of cases) {
    const r = await exchange([PREFACE, settings, ...frames]);
    assert.equal(goAwayCode(r.frames), code, what);
    assert.ok(r.closed, `${what}: connection closed`);
  }
  const bad = await exchange([Buffer.from('PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n')]);
  assert.ok(bad.closed, 'bad preface: connection closed');
  await assertServing();
});

test('random frames after the preface (seeded) never take the server down', async () => {
  let seed = Number(process.env.H2_FUZZ_SEED ?? 20261125);
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  for (let i = 0; i < 150; i++) {
    const frames: Buffer[] = [PREFACE, settings];
    for (let j = 0; j < 1 + rnd(4); j++) {
      const len = rnd(4) === 0 ? rnd(40) : rnd(12);
      const payload = Buffer.from(Array.from({ length: len }, () => rnd(256)));
      frames.push(frame(rnd(11), rnd(64), rnd(4) === 0 ? 0 : 1 + rnd(8), payload));
    }
    await exchange(frames, 150);
  }
  await assertServing();
});

function h2Client(settings: http2.Settings): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const c = http2.connect(`http://${host}:${port}`, { settings });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

function grpcFrame(msg: Uint8Array): Buffer {
  const b = Buffer.alloc(5 + msg.length);
  b.writeUInt32BE(msg.length, 1);
  Buffer.from(msg).copy(b, 5);
  return b;
}

/** One call over node:http2; returns headers, body bytes and trailers. */
function call(
  c: http2.ClientHttp2Session,
  p: string,
  body: Buffer,
  headers: http2.OutgoingHttpHeaders = {},
): Promise<{
  headers: http2.IncomingHttpHeaders;
  body: Buffer;
  trailers: http2.IncomingHttpHeaders;
}> {
  return new Promise((resolve, reject) => {
    const req = c.request({
      ':method': 'POST',
      ':path': p,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...headers,
    });
    let h: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const parts: Buffer[] = [];
    req.on('response', (x) => (h = x));
    req.on('trailers', (x) => (trailers = x));
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => resolve({ headers: h, body: Buffer.concat(parts), trailers }));
    req.on('error', reject);
    // node:http2 ends GET requests itself (no body)
    if (headers[':method'] === 'GET') req.end();
    else req.end(body);
  });
}

test('flow control: a 3 MB response reaches a client that grants 1 KiB stream windows', async () => {
  const rc = new RawClient(`${host}:${port}`);
  const value = Buffer.alloc(100_000, 'v');
  for (let i = 0; i < 30; i++) {
    const r = await rc.unary(
      '/etcdserverpb.KV/Put',
      Buffer.from(etcdserverpb.PutRequest.encode({ key: Buffer.from(`fc/${i}`), value }).finish()),
    );
    assert.ok(r.ok);
  }
  rc.close();
  const c = await h2Client({ initialWindowSize: 1024 });
  try {
    const req = etcdserverpb.RangeRequest.encode({
      key: Buffer.from('fc/'),
      rangeEnd: Buffer.from('fc0'),
    }).finish();
    // two calls at once share the connection window
    const [a, b] = await Promise.all([
      call(c, '/etcdserverpb.KV/Range', grpcFrame(req)),
      call(c, '/etcdserverpb.KV/Range', grpcFrame(req)),
    ]);
    for (const r of [a, b]) {
      assert.equal(r.headers[':status'], 200);
      assert.equal(r.headers['content-type'], 'application/grpc');
      assert.equal(r.trailers['grpc-status'], '0');
      assert.equal(r.body.readUInt32BE(1), r.body.length - 5, 'one whole message');
      const res = etcdserverpb.RangeResponse.decode(r.body.subarray(5));
      assert.equal(res.kvs.length, 30);
      assert.ok(res.kvs.every((kv) => Buffer.from(kv.value!).equals(value)));
    }
  } finally {
    c.close();
  }
});

test('gRPC details: unknown method, wrong method/content-type, error trailers, 1000 calls on one connection', async () => {
  const c = await h2Client({});
  try {
    const unknown = await call(c, '/etcdserverpb.KV/Nope', grpcFrame(new Uint8Array()));
    assert.equal(unknown.headers['grpc-status'], '12', 'trailers-only UNIMPLEMENTED');
    const get = await call(c, '/etcdserverpb.KV/Range', Buffer.alloc(0), { ':method': 'GET' });
    assert.equal(get.headers[':status'], 405);
    const text = await call(c, '/etcdserverpb.KV/Range', Buffer.alloc(0), {
      'content-type': 'text/plain',
    });
    assert.equal(text.headers[':status'], 415);
    const empty = await call(
      c,
      '/etcdserverpb.KV/Put',
      grpcFrame(etcdserverpb.PutRequest.encode({ value: Buffer.from('v') }).finish()),
    );
    assert.equal(empty.headers['grpc-status'], '3');
    assert.equal(empty.headers['grpc-message'], 'etcdserver: key is not provided');
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        call(
          c,
          '/etcdserverpb.KV/Put',
          grpcFrame(
            etcdserverpb.PutRequest.encode({
              key: Buffer.from(`many/${i}`),
              value: Buffer.from('v'),
            }).finish(),
          ),
        ),
      ),
    );
    assert.ok(results.every((r) => r.trailers['grpc-status'] === '0'));
    const revs = new Set(
      results.map((r) =>
        Number(etcdserverpb.PutResponse.decode(r.body.subarray(5)).header!.revision),
      ),
    );
    assert.equal(revs.size, 1000, 'each put got its own revision');
  } finally {
    c.close();
  }
});

test('a client reset (RST_STREAM) of a Watch stream removes its watchers', async () => {
  const c = await h2Client({});
  try {
    const before = running.server.watches.watcherCount;
    const req = c.request({
      ':method': 'POST',
      ':path': '/etcdserverpb.Watch/Watch',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    req.on('error', () => undefined);
    const created = new Promise<void>((r) => req.once('data', () => r()));
    req.write(
      grpcFrame(
        etcdserverpb.WatchRequest.encode({ createRequest: { key: Buffer.from('rst') } }).finish(),
      ),
    );
    await created;
    assert.equal(running.server.watches.watcherCount, before + 1);
    req.close(http2.constants.NGHTTP2_CANCEL);
    for (let i = 0; i < 100 && running.server.watches.watcherCount > before; i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal(running.server.watches.watcherCount, before);
  } finally {
    c.close();
  }
});

/** HPACK literal header field without indexing, new name, no Huffman (lengths < 127). */
function hpackLiteral(name: string, value: string): Buffer {
  return Buffer.concat([
    Buffer.from([0x00, name.length]),
    Buffer.from(name),
    Buffer.from([value.length]),
    Buffer.from(value),
  ]);
}

test("watch fan-out: one stream's event responses to a change share DATA frames", async () => {
  const WATCHERS = 50;
  const headers = Buffer.concat([
    hpackLiteral(':method', 'POST'),
    hpackLiteral(':scheme', 'http'),
    hpackLiteral(':path', '/etcdserverpb.Watch/Watch'),
    hpackLiteral(':authority', `${host}:${port}`),
    hpackLiteral('content-type', 'application/grpc'),
    hpackLiteral('te', 'trailers'),
  ]);
  const creates = Array.from({ length: WATCHERS }, () =>
    grpcFrame(
      etcdserverpb.WatchRequest.encode({
        createRequest: { key: Buffer.from('coalesce') },
      }).finish(),
    ),
  );
  const s = net.connect(port, host);
  const dataFrames: Buffer[] = [];
  let body = Buffer.alloc(0);
  const responses: etcdserverpb.WatchResponse[] = [];
  let buf = Buffer.alloc(0);
  const waiters: Array<() => void> = [];
  s.on('data', (c: Buffer) => {
    buf = Buffer.concat([buf, c]);
    while (buf.length >= 9 && buf.length >= 9 + buf.readUIntBE(0, 3)) {
      const len = buf.readUIntBE(0, 3);
      if (buf[3] === 0 && (buf.readUInt32BE(5) & 0x7fffffff) === 1) {
        const payload = buf.subarray(9, 9 + len);
        dataFrames.push(payload);
        body = Buffer.concat([body, payload]);
        while (body.length >= 5 && body.length >= 5 + body.readUInt32BE(1)) {
          const n = body.readUInt32BE(1);
          responses.push(etcdserverpb.WatchResponse.decode(body.subarray(5, 5 + n)));
          body = body.subarray(5 + n);
        }
      }
      buf = buf.subarray(9 + len);
    }
    for (const w of waiters.splice(0)) w();
  });
  s.on('error', () => undefined);
  const until = async (what: string, cond: () => boolean): Promise<void> => {
    for (let i = 0; i < 100 && !cond(); i++)
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 50);
      });
    assert.ok(cond(), what);
  };
  try {
    await new Promise<void>((r) => s.once('connect', () => r()));
    s.write(
      Buffer.concat([
        PREFACE,
        settings,
        frame(1, 4, 1, headers),
        frame(0, 0, 1, Buffer.concat(creates)),
      ]),
    );
    await until(
      'every watcher created',
      () => responses.filter((r) => r.created).length === WATCHERS,
    );
    const framesBefore = dataFrames.length;
    const rc = new RawClient(`${host}:${port}`);
    try {
      const put = etcdserverpb.PutRequest.encode({
        key: Buffer.from('coalesce'),
        value: Buffer.from('v'),
      }).finish();
      assert.ok((await rc.unary('/etcdserverpb.KV/Put', Buffer.from(put))).ok);
    } finally {
      rc.close();
    }
    const events = (): etcdserverpb.WatchResponse[] => responses.filter((r) => r.events.length > 0);
    await until('every watcher got the event', () => events().length === WATCHERS);
    const ids = events()
      .map((r) => Number(r.watchId))
      .sort((a, b) => a - b);
    assert.deepEqual(
      ids,
      Array.from({ length: WATCHERS }, (_, i) => i),
    );
    for (const r of events()) assert.equal(Buffer.from(r.events[0].kv!.value!).toString(), 'v');
    const eventFrames = dataFrames.length - framesBefore;
    assert.ok(eventFrames <= 3, `${WATCHERS} responses came in ${eventFrames} DATA frames`);
    assert.ok(dataFrames.every((f) => f.length <= 16384));
  } finally {
    s.destroy();
  }
});
