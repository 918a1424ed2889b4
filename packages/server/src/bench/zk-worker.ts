/**
 * A `concord bench` worker thread for the ZooKeeper workloads (zk-create, zk-set, zk-get,
 * zk-ephemeral, zk-watch). Same protocol with the main thread as worker.ts (ready / run /
 * progress / done / finish / result), same closed loop: each client keeps one request in
 * flight on its session (client k uses session k mod sessions).
 *
 * The ZooKeeper client is a minimal one written here on the jute codec of the server
 * (../zk/jute.ts): connect handshake, pings, request/reply by xid, watch notifications.
 * No reconnects: a lost session fails the run's remaining ops on it.
 *
 * Znodes: --root, then `k<n>` for the key space (zk-set, zk-get, zk-watch; created before
 * the run by the workers, each its share, existing ones kept), `c<runId>-<i>` (zk-create)
 * and `e<runId>-<i>` (zk-ephemeral, created EPHEMERAL and deleted again in one op).
 *
 * zk-watch: each session sets --watchers-per-session data watches (getData with watch=true
 * on k<j mod key-space>); the clients setData (the send time in µs in the first 8 bytes of
 * the data) at --rate; on each NodeDataChanged the session re-reads the znode with a new
 * watch and records notification-arrival minus the time in the data (a later setData in
 * between makes the figure slightly low, never high). Watches are one-shot: a setData on a
 * znode before its watch is re-armed triggers nothing, so delivery below 100 % at high
 * rates over a small key space is ZooKeeper semantics, not loss.
 */
import * as net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import { Op, WorkerRun } from './worker-kit';
import { JuteReader, JuteWriter } from '../zk/jute';
import { CreateMode, OpCode } from '../zk/records';
import {
  BenchConfig,
  HistName,
  nowUs,
  watchersOnKey,
  WorkerData,
  WorkerMsg,
  ZkConfig,
} from './common';

const wd = workerData as WorkerData;
const cfg: BenchConfig = wd.cfg;
const zk: ZkConfig = cfg.zk!;
const control = new BigInt64Array(wd.control);
const port = parentPort!;
const post = (m: WorkerMsg) => port.postMessage(m);

const kit = new WorkerRun(cfg, control, port, wd.share.clients.length, (e: unknown) =>
  e instanceof Error ? e.message : String(e),
);
const { counters, record, recordError } = kit;
let expectedEvents = 0;

/** ZooKeeper error codes by number (KeeperException.Code). */
const ZK_ERR: Record<number, string> = {
  [-4]: 'CONNECTIONLOSS',
  [-7]: 'OPERATIONTIMEOUT',
  [-8]: 'BADARGUMENTS',
  [-101]: 'NONODE',
  [-102]: 'NOAUTH',
  [-103]: 'BADVERSION',
  [-110]: 'NODEEXISTS',
  [-111]: 'NOTEMPTY',
  [-112]: 'SESSIONEXPIRED',
};

class ZkReplyError extends Error {
  constructor(
    readonly code: number,
    op: string,
  ) {
    super(`${ZK_ERR[code] ?? `error ${code}`} (${op})`);
  }
}

function hostPort(endpoint: string): { host: string; port: number } {
  const e = endpoint.trim().replace(/^tcp:\/\//i, '');
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:/\s]+):(\d+)$/.exec(e);
  if (!m) throw new Error(`invalid ZooKeeper endpoint ${JSON.stringify(endpoint)} (use host:port)`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

const OPEN_ACL = (w: JuteWriter) =>
  w.vector([0], (ww) => {
    ww.int(31).ustring('world').ustring('anyone');
  });

interface Pending {
  op: string;
  resolve(r: JuteReader): void;
  reject(e: Error): void;
}

/** One ZooKeeper session over one TCP connection. */
class Session {
  private sock!: net.Socket;
  private xid = 1;
  private readonly pending = new Map<number, Pending>();
  private buf: Buffer = Buffer.alloc(0);
  private connected?: { resolve(): void; reject(e: Error): void };
  private pinger?: NodeJS.Timeout;
  private closed = false;
  private dead?: Error;
  /** NodeDataChanged path listener (zk-watch) */
  onDataChanged?: (path: string) => void;

  constructor(private readonly endpoint: string) {}

  connect(): Promise<void> {
    const { host, port: p } = hostPort(this.endpoint);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          fail(
            new Error(`cannot connect to ${this.endpoint}: no session in ${cfg.dialTimeoutMs} ms`),
          ),
        cfg.dialTimeoutMs,
      );
      const fail = (e: Error) => {
        clearTimeout(timer);
        this.connected = undefined;
        this.sock?.destroy();
        reject(e);
      };
      this.connected = {
        resolve: () => (clearTimeout(timer), resolve()),
        reject: fail,
      };
      this.sock = net.connect({ host, port: p, noDelay: true });
      this.sock.on('connect', () => {
        const w = new JuteWriter(64);
        w.int(0).long(0).int(zk.sessionTimeoutMs).long(0).buffer(Buffer.alloc(16)).bool(false);
        this.send(w.toBuffer());
      });
      this.sock.on('data', (d) => this.onData(d));
      this.sock.on('error', (e) => this.broken(new Error(`${this.endpoint}: ${e.message}`)));
      this.sock.on('close', () => this.broken(new Error(`${this.endpoint}: connection closed`)));
    });
  }

  private send(body: Buffer): void {
    const len = Buffer.allocUnsafe(4);
    len.writeInt32BE(body.length, 0);
    this.sock.write(Buffer.concat([len, body]));
  }

  private broken(e: Error): void {
    if (this.dead) return;
    this.dead = e;
    clearInterval(this.pinger);
    this.connected?.reject(e);
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    if (!this.closed) recordError(new Error(`session lost: ${e.message}`));
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    while (this.buf.length >= 4) {
      const n = this.buf.readInt32BE(0);
      if (this.buf.length < 4 + n) break;
      const frame = this.buf.subarray(4, 4 + n);
      this.buf = this.buf.subarray(4 + n);
      this.onFrame(frame);
    }
  }

  private onFrame(frame: Buffer): void {
    const r = new JuteReader(frame);
    if (this.connected) {
      r.int(); // protocolVersion
      const timeout = r.int();
      const sessionId = r.long();
      const c = this.connected;
      this.connected = undefined;
      if (timeout <= 0 || sessionId === 0n) {
        c.reject(new Error(`${this.endpoint}: session refused`));
        return;
      }
      this.pinger = setInterval(
        () => {
          const w = new JuteWriter(8);
          w.int(-2).int(OpCode.ping);
          this.send(w.toBuffer());
        },
        Math.max(100, timeout / 3),
      );
      c.resolve();
      return;
    }
    const xid = r.int();
    r.long(); // zxid
    const err = r.int();
    if (xid === -2) return; // ping
    if (xid === -1) {
      const type = r.int();
      r.int(); // state
      const path = r.ustring();
      if (type === 3) this.onDataChanged?.(path); // NodeDataChanged
      return;
    }
    const p = this.pending.get(xid);
    if (!p) return;
    this.pending.delete(xid);
    if (err !== 0) p.reject(new ZkReplyError(err, p.op));
    else p.resolve(r);
  }

  /** One request; resolves with a reader positioned at the reply body. */
  request(type: number, op: string, body: (w: JuteWriter) => void): Promise<JuteReader> {
    if (this.dead) return Promise.reject(this.dead);
    const xid = this.xid++;
    const w = new JuteWriter(64 + cfg.valSize);
    w.int(xid).int(type);
    body(w);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(xid);
        reject(new Error(`${op}: no reply in ${cfg.requestTimeoutMs} ms`));
      }, cfg.requestTimeoutMs);
      this.pending.set(xid, {
        op,
        resolve: (r) => (clearTimeout(timer), resolve(r)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.send(w.toBuffer());
    });
  }

  create(path: string, data: Buffer, mode: number): Promise<JuteReader> {
    return this.request(OpCode.create, 'create', (w) => {
      w.ustring(path).buffer(data);
      OPEN_ACL(w);
      w.int(mode);
    });
  }
  delete(path: string): Promise<JuteReader> {
    return this.request(OpCode.delete, 'delete', (w) => w.ustring(path).int(-1));
  }
  setData(path: string, data: Buffer): Promise<JuteReader> {
    return this.request(OpCode.setData, 'setData', (w) => w.ustring(path).buffer(data).int(-1));
  }
  async getData(path: string, watch: boolean): Promise<Buffer> {
    const r = await this.request(OpCode.getData, 'getData', (w) => w.ustring(path).bool(watch));
    return r.buffer();
  }

  async close(): Promise<void> {
    if (this.dead) return;
    this.closed = true;
    await this.request(-11, 'closeSession', () => undefined).catch(() => undefined);
    clearInterval(this.pinger);
    this.sock.destroy();
  }
}

// ---- workloads ----

const root = zk.root.replace(/\/+$/, '') || '';
const value = randomBytes(cfg.valSize);
const width = String(Math.max(0, cfg.keySpaceSize - 1)).length;
const keyPath = (n: number) => `${root}/k${String(n).padStart(width, '0')}`;
const randomKeyNumber = () => Math.floor(Math.random() * cfg.keySpaceSize);
const keyNumber = (i: number) => (cfg.sequentialKeys ? i % cfg.keySpaceSize : randomKeyNumber());
const totalWatchers = cfg.streams * cfg.watchersPerStream;

async function timedOp<T>(name: HistName, p: () => Promise<T>): Promise<T> {
  const t0 = nowUs();
  const r = await p();
  record(name, nowUs() - t0);
  return r;
}

function makeOp(s: Session): Op {
  switch (cfg.workload) {
    case 'zk-create': {
      const mode = zk.sequential ? CreateMode.PERSISTENT_SEQUENTIAL : CreateMode.PERSISTENT;
      return (i) => timedOp('main', () => s.create(`${root}/c${zk.runId}-${i}`, value, mode));
    }
    case 'zk-set':
      return (i) => timedOp('main', () => s.setData(keyPath(keyNumber(i)), value));
    case 'zk-get':
      return (i) => timedOp('main', () => s.getData(keyPath(keyNumber(i)), false));
    case 'zk-ephemeral':
      return (i) =>
        timedOp('main', async () => {
          const p = `${root}/e${zk.runId}-${i}`;
          await s.create(p, value, CreateMode.EPHEMERAL);
          await s.delete(p);
        });
    case 'zk-watch':
      return (i) => {
        const k = keyNumber(i);
        expectedEvents += watchersOnKey(k, totalWatchers, cfg.keySpaceSize);
        const v = Buffer.from(value);
        if (v.length >= 8) v.writeDoubleLE(nowUs(), 0);
        return timedOp('put', () => s.setData(keyPath(k), v));
      };
    default:
      throw new Error(`not a ZooKeeper workload: ${cfg.workload}`);
  }
}

async function ignoreExists(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof ZkReplyError && e.code === -110)) throw e;
  }
}

/** Creates --root (and its parents) and this worker's share of the key space. */
async function prepare(s: Session): Promise<void> {
  const parts = root.split('/').filter(Boolean);
  for (let j = 1; j <= parts.length; j++) {
    await ignoreExists(s.create('/' + parts.slice(0, j).join('/'), Buffer.alloc(0), 0));
  }
  if (cfg.workload === 'zk-create' || cfg.workload === 'zk-ephemeral') return;
  const mine: number[] = [];
  for (let k = wd.share.index; k < cfg.keySpaceSize; k += cfg.workers) mine.push(k);
  const inFlight = 64;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(inFlight, mine.length) }, async () => {
      while (next < mine.length) {
        const k = mine[next++];
        await ignoreExists(s.create(keyPath(k), value, 0));
      }
    }),
  );
}

/** zk-watch: the session's data watches; each notification re-arms its watch. */
async function setWatches(s: Session, globalSession: number): Promise<void> {
  const watched = new Map<string, number>(); // path -> watches this session holds on it
  for (let t = 0; t < cfg.watchersPerStream; t++) {
    const j = globalSession * cfg.watchersPerStream + t;
    const p = keyPath(j % cfg.keySpaceSize);
    watched.set(p, (watched.get(p) ?? 0) + 1);
  }
  s.onDataChanged = (path) => {
    const arrived = nowUs();
    const n = watched.get(path) ?? 0;
    // ZooKeeper delivers one notification per session and path: it stands for n watchers
    counters.events += n;
    s.getData(path, true).then(
      (data) => {
        if (data.length < 8) return;
        const lat = arrived - data.readDoubleLE(0);
        if (lat >= 0 && lat < 3_600_000_000) for (let c = 0; c < n; c++) record('main', lat);
      },
      (e) => recordError(e),
    );
  };
  for (const p of watched.keys()) {
    // another worker may not have created its share of the key space yet
    await ignoreExists(s.create(p, value, 0));
    const t0 = nowUs();
    await s.getData(p, true);
    const us = nowUs() - t0;
    for (let c = 0; c < watched.get(p)!; c++) record('create', us);
  }
}

// ---- lifecycle ----

async function main(): Promise<void> {
  const sessions = wd.share.conns.map((g) => new Session(cfg.endpoints[g % cfg.endpoints.length]));
  await Promise.all(sessions.map((s) => s.connect()));
  await prepare(sessions[0]);
  if (cfg.workload === 'zk-watch') {
    await Promise.all(wd.share.streams.map((g, k) => setWatches(sessions[k % sessions.length], g)));
  }
  const ops = wd.share.clients.map((_, k) => makeOp(sessions[k % sessions.length]));

  await kit.runOps(
    ops,
    () => expectedEvents,
    async () => {
      await Promise.all(sessions.map((s) => s.close()));
    },
  );
}

main().catch((e: unknown) => {
  post({ t: 'fatal', error: e instanceof Error ? e.message : String(e) });
});
