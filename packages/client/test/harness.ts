/**
 * Test server launcher. Target chosen with env CONCORD_TEST_TARGET=etcd|concord (default etcd).
 * Every test file starts its own server on free loopback ports with a temp data dir and must
 * call `stop()` in `after`.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, ClientOptions } from '../src';

export const TARGET = (process.env.CONCORD_TEST_TARGET ?? 'etcd') as 'etcd' | 'concord';
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');

/**
 * Ports come from below Linux's ephemeral range (32768-60999, where listen(0) picks them): a
 * port picked there can be taken, before the server binds it, as the source port of an
 * outgoing connection (a cluster member dialling its peers), and the start then fails with
 * EADDRINUSE. A random start point keeps parallel test processes apart.
 */
const PORT_LOW = 20000;
const PORT_HIGH = 32000;
const handedOut = new Set<number>();

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  for (let i = 0; i < 500; i++) {
    const port = PORT_LOW + Math.floor(Math.random() * (PORT_HIGH - PORT_LOW));
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free loopback port in ${PORT_LOW}-${PORT_HIGH} after 500 tries`);
}

export class TestServer {
  proc: ChildProcess | null = null;
  readonly dataDir: string;
  clientPort = 0;
  peerPort = 0;
  private logs: string[] = [];
  private stopped = false;
  private procExited = true;

  /** TLS for client URLs (PEM file paths). With `clientCa`, client certificates are required. */
  tls?: { cert: string; key: string; ca: string; clientCa?: boolean };
  /** member name and full --initial-cluster (etcd multi-member clusters) */
  name = 't';
  initialCluster?: string;
  clusterToken = 'concord-client-test';

  constructor() {
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-client-test-'));
  }

  get endpoint(): string {
    return `${this.tls ? 'https://' : ''}127.0.0.1:${this.clientPort}`;
  }

  async start(): Promise<void> {
    if (!this.clientPort) this.clientPort = await freePort();
    if (!this.peerPort) this.peerPort = await freePort();
    const c = `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.clientPort}`;
    const p = `http://127.0.0.1:${this.peerPort}`;
    let cmd: string;
    let args: string[];
    if (TARGET === 'concord') {
      cmd = process.execPath;
      args = [
        path.join(REPO_ROOT, 'packages/server/dist/src/cli/main.js'),
        'serve',
        '--name',
        this.name,
        '--data-dir',
        this.dataDir,
        '--listen-client-urls',
        c,
        '--advertise-client-urls',
        c,
      ];
      if (this.initialCluster) {
        // etcd's bootstrap flags; on a restart with an existing data dir they are ignored
        args.push(
          '--listen-peer-urls',
          p,
          '--initial-advertise-peer-urls',
          p,
          '--initial-cluster',
          this.initialCluster,
          '--initial-cluster-token',
          this.clusterToken,
          '--initial-cluster-state',
          'new',
        );
      }
    } else {
      cmd = process.env.ETCD_BIN ?? 'etcd';
      args = [
        '--name',
        this.name,
        '--data-dir',
        this.dataDir,
        '--listen-client-urls',
        c,
        '--advertise-client-urls',
        c,
        '--listen-peer-urls',
        p,
        '--initial-advertise-peer-urls',
        p,
        '--initial-cluster',
        this.initialCluster ?? `${this.name}=${p}`,
        '--log-level',
        'warn',
      ];
      if (this.tls) {
        args.push('--cert-file', this.tls.cert, '--key-file', this.tls.key);
        if (this.tls.clientCa) args.push('--client-cert-auth', '--trusted-ca-file', this.tls.ca);
      }
    }
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    const onData = (d: Buffer) => {
      this.logs.push(d.toString());
      if (this.logs.length > 200) this.logs.shift();
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    let exited = false;
    this.procExited = false;
    proc.once('exit', (code, signal) => {
      exited = true;
      if (this.proc === proc) this.procExited = true;
      // a member that dies on its own (not killed by the test) explains odd failures: show why
      if (this.proc === proc && !this.stopped)
        process.stderr.write(
          `[harness] ${TARGET} member ${this.name} (${this.endpoint}) exited unexpectedly (code ${code}, signal ${signal}):\n${this.logs.join('').slice(-4000)}\n`,
        );
    });
    if (!this.initialCluster) await this.waitReady(() => exited);
  }

  async waitReady(
    exited: () => boolean = () => this.proc === null || this.procExited,
  ): Promise<void> {
    return this.waitReadyImpl(exited);
  }

  private async waitReadyImpl(exited: () => boolean): Promise<void> {
    const deadline = Date.now() + 30_000;
    const client = new Client({
      endpoints: [this.endpoint],
      dialTimeoutMs: 1000,
      defaultTimeoutMs: 1000,
      retries: 0,
      tls: this.tlsClientOptions(),
    });
    try {
      while (Date.now() < deadline) {
        if (exited()) throw new Error(`server exited during startup:\n${this.logs.join('')}`);
        try {
          await client.maintenance.status({ timeoutMs: 1000 });
          return;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      throw new Error(`server did not become ready in 30s:\n${this.logs.join('')}`);
    } finally {
      client.close();
    }
  }

  /** Client TLS options matching this server (CA, plus a client cert if required). */
  tlsClientOptions(): ClientOptions['tls'] {
    if (!this.tls) return undefined;
    const ca = fs.readFileSync(this.tls.ca);
    if (!this.tls.clientCa) return { ca };
    const dir = path.dirname(this.tls.ca);
    return {
      ca,
      cert: fs.readFileSync(path.join(dir, 'client.crt')),
      key: fs.readFileSync(path.join(dir, 'client.key')),
    };
  }

  /** Kill the process (SIGKILL) and wait for it to exit. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.proc = null;
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      try {
        proc.kill('SIGCONT');
      } catch {
        /* ignore */
      }
      proc.kill('SIGKILL');
    });
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  /** SIGSTOP the server and wait until it is actually stopped (state T in /proc). */
  async pause(): Promise<void> {
    const pid = this.proc?.pid;
    if (!pid) return;
    this.proc!.kill('SIGSTOP');
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
        if (state === 'T' || state === 't') return;
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  resume(): void {
    this.proc?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.kill();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * Start an n-member cluster of the target (etcd, or `concord serve` processes with etcd's
 * bootstrap flags), each member on free loopback ports with its own temp data dir. Resolves once
 * every member reports the same leader (Maintenance.Status) and a write has gone through.
 */
export async function startCluster(n: number): Promise<TestServer[]> {
  const servers = Array.from({ length: n }, () => new TestServer());
  const token = `concord-client-test-${process.pid}-${Date.now().toString(36)}`;
  for (const [i, s] of servers.entries()) {
    s.name = `m${i}`;
    s.clusterToken = token;
    s.clientPort = await freePort();
    s.peerPort = await freePort();
  }
  const ic = servers.map((s) => `${s.name}=http://127.0.0.1:${s.peerPort}`).join(',');
  try {
    for (const s of servers) {
      s.initialCluster = ic;
      await s.start();
    }
    await Promise.all(servers.map((s) => s.waitReady()));
    await waitClusterLeader(servers, 30_000);
    // wait until a write goes through (leader elected and the log committed on a quorum)
    const c = newClient(servers);
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        try {
          await c.put('/t/cluster-ready', '1', { timeoutMs: 2000 });
          break;
        } catch (e) {
          if (Date.now() > deadline) throw e;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    } finally {
      c.close();
    }
  } catch (e) {
    await Promise.all(servers.map((s) => s.stop()));
    throw e;
  }
  return servers;
}

/**
 * Wait until every given (running) member answers Maintenance.Status with the same non-zero
 * leader ID, that leader being one of them. Returns the leader.
 */
export async function waitClusterLeader(
  servers: TestServer[],
  timeoutMs = 30_000,
): Promise<TestServer> {
  const deadline = Date.now() + timeoutMs;
  const clients = servers.map(
    (s) =>
      new Client({
        endpoints: [s.endpoint],
        dialTimeoutMs: 1000,
        defaultTimeoutMs: 1000,
        retries: 0,
        tls: s.tlsClientOptions(),
      }),
  );
  let last = '';
  try {
    for (;;) {
      const sts = await Promise.all(
        clients.map((c) => c.maintenance.status({ timeoutMs: 1000 }).catch((e: unknown) => e)),
      );
      const ok = sts.every((st) => !(st instanceof Error));
      if (ok) {
        const s = sts as Awaited<ReturnType<Client['maintenance']['status']>>[];
        const leader = s[0].leader;
        const idx = s.findIndex((st) => st.header.memberId === leader);
        if (leader !== 0n && s.every((st) => st.leader === leader) && idx >= 0) return servers[idx];
        last = s
          .map(
            (st, i) =>
              `${servers[i].name}: member ${st.header.memberId} leader ${st.leader} term ${st.raftTerm}`,
          )
          .join('; ');
      } else {
        last = sts
          .map((st, i) => `${servers[i].name}: ${st instanceof Error ? st.message : 'ok'}`)
          .join('; ');
      }
      if (Date.now() > deadline)
        throw new Error(`cluster members did not agree on a leader within ${timeoutMs}ms: ${last}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    for (const c of clients) c.close();
  }
}

export async function startServer(): Promise<TestServer> {
  const s = new TestServer();
  try {
    await s.start();
  } catch (e) {
    await s.stop();
    throw e;
  }
  return s;
}

/** Create a throwaway CA, a server cert for 127.0.0.1 and a client cert (openssl). */
export function makeCerts(dir: string): { ca: string; cert: string; key: string } {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=concord-test-ca',
  ]);
  fs.writeFileSync(
    path.join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n',
  );
  fs.writeFileSync(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const n of ['server', 'client']) {
    run([
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${n}.key`,
      '-out',
      `${n}.csr`,
      '-subj',
      `/CN=${n === 'server' ? 'localhost' : 'root'}`,
    ]);
    run([
      'x509',
      '-req',
      '-in',
      `${n}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${n}.crt`,
      '-days',
      '2',
      '-extfile',
      `${n}.ext`,
    ]);
  }
  return {
    ca: path.join(dir, 'ca.crt'),
    cert: path.join(dir, 'server.crt'),
    key: path.join(dir, 'server.key'),
  };
}

export function newClient(
  server: TestServer | TestServer[],
  opts: Partial<ClientOptions> = {},
): Client {
  const servers = Array.isArray(server) ? server : [server];
  return new Client({
    endpoints: servers.map((s) => s.endpoint),
    defaultTimeoutMs: 10_000,
    tls: servers[0].tlsClientOptions(),
    ...opts,
  });
}

/** Wait for a condition with a timeout (polling). */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
}

/** Race a promise against a timeout. */
export function withTimeout<T>(p: Promise<T>, ms: number, what = 'operation'): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, rej) => {
      t = setTimeout(() => rej(new Error(`timed out after ${ms}ms: ${what}`)), ms);
    }),
  ]);
}

/** Wait for an event emitter event with timeout. */
export function once<T = unknown>(em: NodeJS.EventEmitter, ev: string, ms = 10_000): Promise<T> {
  return withTimeout(
    new Promise<T>((resolve) => em.once(ev, (v: T) => resolve(v))),
    ms,
    `event ${ev}`,
  );
}

let counter = 0;
/** Unique key prefix per test. */
export function uniq(name: string): string {
  return `/t/${name}/${process.pid}-${Date.now().toString(36)}-${counter++}/`;
}
