/**
 * ZooKeeper test support: Concord with its ZooKeeper port (in this process), Debian's real
 * ZooKeeper (java, started on free loopback ports), a promise wrapper over
 * node-zookeeper-client and a raw jute client for protocol-level tests.
 */
import { spawn, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { startConcord, RunningConcord } from '../../src/embed';
import { JuteReader, JuteWriter } from '../../src/zk/jute';
import { freePorts } from './servers';

// eslint-disable-next-line @typescript-eslint/no-var-requires
export const zookeeper = require('node-zookeeper-client');

export const ZK_JAR = '/usr/share/java/zookeeper.jar';
export const ZK_CONF_DIR = '/etc/zookeeper/conf';
export const ZKCLI = '/usr/share/zookeeper/bin/zkCli.sh';

export function realZkAvailable(): boolean {
  return fs.existsSync(ZK_JAR) && fs.existsSync('/usr/bin/java');
}

export interface ZkTarget {
  kind: 'concord' | 'zookeeper';
  /** host:port */
  connect: string;
  port: number;
  concord?: RunningConcord;
  stop(): Promise<void>;
}

export async function startConcordZk(opts: { whitelist?: string[] } = {}): Promise<ZkTarget> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-zk-'));
  const [client, peer, zk] = await freePorts(3);
  const c = await startConcord({
    dataDir: path.join(dir, 'data'),
    listenClientUrls: [`http://127.0.0.1:${client}`],
    initialAdvertisePeerUrls: [`http://127.0.0.1:${peer}`],
    listenZookeeperUrls: [`tcp://127.0.0.1:${zk}`],
    zookeeper4lwWhitelist: opts.whitelist ?? ['*'],
    logger: pino({ level: 'silent' }),
  });
  return {
    kind: 'concord',
    connect: `127.0.0.1:${zk}`,
    port: zk,
    concord: c,
    async stop() {
      await c.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const liveJava = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of liveJava) c.kill('SIGKILL');
});

/** Debian's ZooKeeper 3.8, standalone, tickTime 2000, on a free port. */
export async function startRealZk(): Promise<ZkTarget> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'real-zk-'));
  const [port] = await freePorts(1);
  fs.mkdirSync(path.join(dir, 'data'));
  fs.writeFileSync(
    path.join(dir, 'zoo.cfg'),
    [
      'tickTime=2000',
      `dataDir=${path.join(dir, 'data')}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      'maxClientCnxns=0',
      'admin.enableServer=false',
      '4lw.commands.whitelist=*',
      'forceSync=no',
    ].join('\n') + '\n',
  );
  const child = spawn(
    'java',
    [
      '-Xms64m',
      '-Xmx256m',
      '-cp',
      `${ZK_CONF_DIR}:${ZK_JAR}`,
      'org.apache.zookeeper.server.quorum.QuorumPeerMain',
      path.join(dir, 'zoo.cfg'),
    ],
    {
      stdio: [
        'ignore',
        fs.openSync(path.join(dir, 'zk.log'), 'w'),
        fs.openSync(path.join(dir, 'zk.err'), 'w'),
      ],
    },
  );
  liveJava.add(child);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if ((await fourLetter(port, 'ruok').catch(() => '')) === 'imok') break;
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(
        `real ZooKeeper did not start: ${fs.readFileSync(path.join(dir, 'zk.log'), 'utf8').slice(-2000)}`,
      );
    }
    await sleep(200);
  }
  return {
    kind: 'zookeeper',
    connect: `127.0.0.1:${port}`,
    port,
    async stop() {
      child.kill('SIGKILL');
      await new Promise((r) =>
        child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once('exit', r),
      );
      liveJava.delete(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function fourLetter(port: number, cmd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(cmd));
    let out = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (out += d));
    s.on('end', () => resolve(out));
    s.on('error', reject);
    s.setTimeout(5000, () => {
      s.destroy();
      reject(new Error('4lw timeout'));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// node-zookeeper-client, promisified

export interface Client {
  raw: any;
  events: string[];
  sessionId(): string;
  create(path: string, data?: Buffer | null, mode?: number, acl?: any[]): Promise<string>;
  remove(path: string, version?: number): Promise<void>;
  exists(path: string, watch?: (e: any) => void): Promise<any>;
  getData(path: string, watch?: (e: any) => void): Promise<[Buffer, any]>;
  setData(path: string, data: Buffer, version?: number): Promise<any>;
  getChildren(path: string, watch?: (e: any) => void): Promise<[string[], any]>;
  getACL(path: string): Promise<[any[], any]>;
  setACL(path: string, acl: any[], version?: number): Promise<any>;
  addAuth(scheme: string, auth: Buffer): void;
  multi(build: (t: any) => any): Promise<any[]>;
  close(): Promise<void>;
}

function call<T>(
  fn: (cb: (err: any, ...res: any[]) => void) => void,
  pick: (...res: any[]) => T,
): Promise<T> {
  return new Promise((resolve, reject) =>
    fn((err, ...res) => {
      if (err) reject(err);
      else resolve(pick(...res));
    }),
  );
}

export async function connectClient(connect: string, sessionTimeout = 6000): Promise<Client> {
  const c = zookeeper.createClient(connect, { sessionTimeout, spinDelay: 100, retries: 0 });
  const events: string[] = [];
  c.on('state', (s: any) => events.push(`state:${s.name}`));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('connect timeout')), 10_000);
    c.once('connected', () => {
      clearTimeout(t);
      resolve();
    });
    c.connect();
  });
  const w = (f?: (e: any) => void) => f;
  return {
    raw: c,
    events,
    sessionId: () => c.getSessionId().toString('hex'),
    create: (
      p,
      data = null,
      mode = zookeeper.CreateMode.PERSISTENT,
      acl = zookeeper.ACL.OPEN_ACL_UNSAFE,
    ) =>
      call(
        (cb) => c.create(p, data, acl, mode, cb),
        (x) => x,
      ),
    remove: (p, version = -1) =>
      call(
        (cb) => c.remove(p, version, cb),
        () => undefined,
      ),
    exists: (p, watch) =>
      call(
        (cb) => (watch ? c.exists(p, w(watch), cb) : c.exists(p, cb)),
        (s) => s,
      ),
    getData: (p, watch) =>
      call(
        (cb) => (watch ? c.getData(p, w(watch), cb) : c.getData(p, cb)),
        (d, s) => [d, s] as [Buffer, any],
      ),
    setData: (p, data, version = -1) =>
      call(
        (cb) => c.setData(p, data, version, cb),
        (s) => s,
      ),
    getChildren: (p, watch) =>
      call(
        (cb) => (watch ? c.getChildren(p, w(watch), cb) : c.getChildren(p, cb)),
        (ch, s) => [ch, s] as [string[], any],
      ),
    getACL: (p) =>
      call(
        (cb) => c.getACL(p, cb),
        (a, s) => [a, s] as [any[], any],
      ),
    setACL: (p, acl, version = -1) =>
      call(
        (cb) => c.setACL(p, acl, version, cb),
        (s) => s,
      ),
    addAuth: (scheme, auth) => c.addAuthInfo(scheme, auth),
    multi: (build) =>
      new Promise((resolve) =>
        build(c.transaction()).commit((err: any, res: any) =>
          resolve(err ? [{ error: err.getCode() }, res] : res),
        ),
      ),
    close: () =>
      new Promise<void>((resolve) => {
        c.once('disconnected', () => resolve());
        c.close();
        setTimeout(resolve, 3000);
      }),
  };
}

/** Error code of a rejected call (e.g. -101), or 'ok'. */
export async function code(p: Promise<unknown>): Promise<number | 'ok'> {
  try {
    await p;
    return 'ok';
  } catch (err: any) {
    if (typeof err?.getCode === 'function') return err.getCode();
    throw err;
  }
}

/** A Stat with zxids and times replaced by what they relate to, for comparing servers. */
export function normStat(s: any, zxids: Map<string, string>): Record<string, unknown> {
  const z = (b: Buffer): string => {
    const k = b.toString('hex');
    if (k === '0000000000000000') return '0';
    if (!zxids.has(k)) zxids.set(k, `z${zxids.size + 1}`);
    return zxids.get(k)!;
  };
  return {
    czxid: z(s.czxid),
    mzxid: z(s.mzxid),
    pzxid: z(s.pzxid),
    ctimeSet: s.ctime.readBigInt64BE(0) > 0n,
    mtimeEqCtime: s.mtime.equals(s.ctime),
    version: s.version,
    cversion: s.cversion,
    aversion: s.aversion,
    ephemeral: !s.ephemeralOwner.equals(Buffer.alloc(8)),
    dataLength: s.dataLength,
    numChildren: s.numChildren,
  };
}

// ---------------------------------------------------------------------------------------------
// raw jute client

export interface RawReply {
  xid: number;
  zxid: bigint;
  err: number;
  body: JuteReader;
}

export class RawZk {
  private buf = Buffer.alloc(0);
  private waiters: Array<(b: Buffer) => void> = [];
  private frames: Buffer[] = [];
  readonly closed: Promise<void>;
  isClosed = false;
  /** watch notifications (type, path) in arrival order, with the replies interleaved */
  readonly log: string[] = [];
  private xid = 1;

  private constructor(readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      while (this.buf.length >= 4) {
        const n = this.buf.readInt32BE(0);
        if (this.buf.length < 4 + n) break;
        const f = this.buf.subarray(4, 4 + n);
        this.buf = this.buf.subarray(4 + n);
        const w = this.waiters.shift();
        if (w) w(f);
        else this.frames.push(f);
      }
    });
    this.closed = new Promise((r) =>
      sock.on('close', () => {
        this.isClosed = true;
        r();
      }),
    );
    sock.on('error', () => undefined);
  }

  static open(port: number): Promise<RawZk> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new RawZk(s)));
      s.once('error', reject);
    });
  }

  send(b: Buffer): void {
    this.sock.write(b);
  }

  /** next frame, or undefined if the connection closed first / timed out */
  next(timeoutMs = 5000): Promise<Buffer | undefined> {
    const f = this.frames.shift();
    if (f) return Promise.resolve(f);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(undefined), timeoutMs);
      this.waiters.push((b) => {
        clearTimeout(t);
        resolve(b);
      });
      void this.closed.then(() => {
        clearTimeout(t);
        resolve(undefined);
      });
    });
  }

  async handshake(
    timeOut: number,
    sessionId = 0n,
    passwd: Buffer = Buffer.alloc(16),
  ): Promise<{ timeOut: number; sessionId: bigint; passwd: Buffer } | undefined> {
    const w = new JuteWriter();
    w.int(0).long(0).int(timeOut).long(sessionId).buffer(passwd).bool(false);
    this.send(w.toFrame());
    const f = await this.next();
    if (!f) return undefined;
    const r = new JuteReader(f);
    r.int();
    return { timeOut: r.int(), sessionId: r.long(), passwd: r.buffer() };
  }

  /** Sends a request; returns its reply (watch notifications met before it go to `log`). */
  async request(
    type: number,
    body?: (w: JuteWriter) => void,
    xid?: number,
  ): Promise<RawReply | undefined> {
    const w = new JuteWriter();
    const x = xid ?? this.xid++;
    w.int(x).int(type);
    if (body) body(w);
    this.send(w.toFrame());
    for (;;) {
      const f = await this.next();
      if (!f) return undefined;
      const r = new JuteReader(f);
      const rx = r.int();
      const zxid = r.long();
      const err = r.int();
      if (rx === -1) {
        const t = r.int();
        r.int();
        this.log.push(`event ${t} ${r.ustring()}`);
        continue;
      }
      this.log.push(`reply ${type} ${err}`);
      return { xid: rx, zxid, err, body: r };
    }
  }

  close(): void {
    this.sock.destroy();
  }
}
