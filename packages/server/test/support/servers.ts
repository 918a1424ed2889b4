/**
 * Black-box test support: start etcd or Concord on free loopback ports, each in
 * a fresh temporary data dir that is always removed, and run etcdctl against
 * them.
 *
 * Both servers are started with the same etcd flag names, so every scenario can
 * run unchanged against either one. Target `concord3` is a 3-member Concord
 * cluster on loopback whose endpoint is a follower (see startConcordCluster).
 */
import { spawn, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { EtcdClient, MaintenanceService } from './grpcClient';

export type TargetKind = 'etcd' | 'concord' | 'concord3';

const TARGET_KINDS: readonly TargetKind[] = ['etcd', 'concord', 'concord3'];

export const ETCD_BIN = process.env.ETCD_BIN ?? '/usr/bin/etcd';
export const ETCDCTL_BIN = process.env.ETCDCTL_BIN ?? '/usr/bin/etcdctl';
/** packages/server, whether we run from test/ (ts) or dist/test/ (js). */
export const SERVER_PKG_DIR = process.env.CONCORD_SERVER_DIR ?? findServerPackageDir(__dirname);
/** The Concord CLI; override with CONCORD_MAIN (e.g. when the tests are compiled elsewhere). */
export const CONCORD_MAIN =
  process.env.CONCORD_MAIN ?? path.join(SERVER_PKG_DIR, 'dist', 'src', 'cli', 'main.js');

export interface ServerOptions {
  /** Extra command line flags, e.g. ['--quota-backend-bytes', '1048576']. */
  extraArgs?: string[];
  /** How long to wait for GET /health to report {"health":"true"}. */
  readyTimeoutMs?: number;
  /** Extra environment for the server process. */
  env?: NodeJS.ProcessEnv;
}

export interface RunningServer {
  kind: TargetKind;
  /** host:port, as etcdctl --endpoints and gRPC want it. */
  endpoint: string;
  /** http://host:port */
  url: string;
  /** pid of the current process (changes on restart). */
  pid: number;
  /** Fresh temp dir of this server (removed by stop()): holds the data dir and the log file. */
  workDir: string;
  /** The --data-dir given to the server (workDir/data). */
  dataDir: string;
  /** stdout+stderr of the server (workDir/server.log). */
  logFile: string;
  /** Graceful stop (SIGTERM, then SIGKILL after a bound) and removal of the data dir. Idempotent. */
  stop(): Promise<void>;
  /** Send a signal and wait (bounded) for the process to exit. The data dir is kept, so restart() works. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Stop the process if it runs (SIGTERM), start it again on the same ports and data dir, wait until healthy. */
  restart(): Promise<void>;
  /** Last lines of the server log. */
  logTail(lines?: number): string;
  /**
   * Cluster targets (`concord3`) only: every member. endpoint/url/pid/dataDir/logFile above
   * are those of the member clients talk to (a follower when the cluster became ready).
   */
  members?: ClusterMember[];
}

export interface ClusterMember {
  name: string;
  /** host:port of the client URL. */
  endpoint: string;
  /** http://host:port (client URL). */
  url: string;
  /** http://host:port (peer URL). */
  peerUrl: string;
  dataDir: string;
  logFile: string;
  /** pid of the current process (changes on restart). */
  pid: number;
}

const DEFAULT_READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;

function findServerPackageDir(start: string): string {
  let dir = start;
  for (let i = 0; i < 6; i++) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if (JSON.parse(fs.readFileSync(pkg, 'utf8')).name === '@concord/server') return dir;
      } catch {
        /* keep looking */
      }
    }
    dir = path.dirname(dir);
  }
  // Fall back to the repository layout.
  return path.resolve(__dirname, '..', '..');
}

// ---------------------------------------------------------------------------
// Cleanup of everything we started, even when a test throws or the runner exits.

const live = new Set<{ child: ChildProcess | null; dataDir: string }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const entry of live) {
      try {
        if (entry.child && entry.child.exitCode === null && entry.child.signalCode === null) {
          entry.child.kill('SIGKILL');
        }
      } catch {
        /* ignore */
      }
      try {
        fs.rmSync(entry.dataDir, { recursive: true, force: true });
      } catch {
        /* ignore */
      }
    }
  });
}

// ---------------------------------------------------------------------------
// Ports

/**
 * n distinct free loopback ports, from below Linux's ephemeral range (32768-60999, where
 * listen(0) picks them): a port picked there can be taken, before the server binds it, as the
 * source port of an outgoing connection (a cluster member dialling its peers), and the start
 * then fails with EADDRINUSE. Random picks keep parallel test processes apart.
 */
const PORT_LOW = 20000;
const PORT_HIGH = 32000;
const handedOut = new Set<number>();

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export async function freePorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < 500 * n && ports.length < n; i++) {
    const port = PORT_LOW + Math.floor(Math.random() * (PORT_HIGH - PORT_LOW));
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    if (await canListen(port)) ports.push(port);
  }
  if (ports.length < n) throw new Error(`no ${n} free loopback ports in ${PORT_LOW}-${PORT_HIGH}`);
  return ports;
}

// ---------------------------------------------------------------------------
// Health

function httpGet(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/** True iff GET <url>/health answers {"health":"true"}. */
export async function isHealthy(url: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const { body } = await httpGet(`${url}/health`, timeoutMs);
    return JSON.parse(body).health === 'true';
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function tailOf(file: string, lines: number): string {
  try {
    const all = fs.readFileSync(file, 'utf8').split('\n');
    return all.slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// ---------------------------------------------------------------------------
// Starting servers

interface Spec {
  kind: TargetKind;
  command: string;
  args: (clientUrl: string, peerUrl: string, dataDir: string) => string[];
}

async function startServer(spec: Spec, opts: ServerOptions = {}): Promise<RunningServer> {
  installExitHook();
  const [clientPort, peerPort] = await freePorts(2);
  const url = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `${spec.kind}-test-`));
  // The server's data dir lives *inside* our temp dir, next to (not inside) the log
  // file, so no server sees foreign files in its data dir.
  const serverDir = path.join(workDir, 'data');
  const logFile = path.join(workDir, 'server.log');
  const args = [...spec.args(url, peerUrl, serverDir), ...(opts.extraArgs ?? [])];
  const readyTimeoutMs = opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const entry: { child: ChildProcess | null; dataDir: string } = { child: null, dataDir: workDir };
  live.add(entry);
  let removed = false;

  const exited = (c: ChildProcess | null) => !c || c.exitCode !== null || c.signalCode !== null;

  const waitExit = (c: ChildProcess, ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      if (exited(c)) return resolve(true);
      const t = setTimeout(() => resolve(false), ms);
      c.once('exit', () => {
        clearTimeout(t);
        resolve(true);
      });
    });

  const launch = async (): Promise<void> => {
    const fd = fs.openSync(logFile, 'a');
    fs.writeSync(fd, `\n==== ${new Date().toISOString()} ${spec.command} ${args.join(' ')}\n`);
    const child = spawn(spec.command, args, {
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...opts.env },
    });
    fs.closeSync(fd);
    entry.child = child;
    let spawnError: Error | null = null;
    child.once('error', (e) => (spawnError = e));
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      if (spawnError)
        throw new Error(`${spec.kind}: cannot start ${spec.command}: ${String(spawnError)}`);
      if (exited(child)) {
        throw new Error(
          `${spec.kind} exited during startup (code=${child.exitCode} signal=${child.signalCode}); log tail:\n` +
            tailOf(logFile, 40),
        );
      }
      if (await isHealthy(url, 1000)) return;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        await waitExit(child, 5000);
        throw new Error(
          `${spec.kind} not healthy at ${url}/health within ${readyTimeoutMs} ms; log tail:\n` +
            tailOf(logFile, 40),
        );
      }
      await sleep(100);
    }
  };

  const kill = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    const c = entry.child;
    if (!c || exited(c)) return;
    c.kill(signal);
    if (!(await waitExit(c, STOP_TIMEOUT_MS))) {
      c.kill('SIGKILL');
      await waitExit(c, STOP_TIMEOUT_MS);
    }
  };

  const server: RunningServer = {
    kind: spec.kind,
    endpoint: `127.0.0.1:${clientPort}`,
    url,
    pid: 0,
    workDir,
    dataDir: serverDir,
    logFile,
    kill,
    async stop() {
      await kill('SIGTERM');
      if (!removed) {
        removed = true;
        fs.rmSync(workDir, { recursive: true, force: true });
        live.delete(entry);
      }
    },
    async restart() {
      if (removed) throw new Error(`${spec.kind}: restart() after stop()`);
      await kill('SIGTERM');
      await launch();
      server.pid = entry.child!.pid!;
    },
    logTail(lines = 40) {
      return tailOf(logFile, lines);
    },
  };

  try {
    await launch();
  } catch (e) {
    removed = true;
    live.delete(entry);
    fs.rmSync(workDir, { recursive: true, force: true });
    throw e;
  }
  server.pid = entry.child!.pid!;
  return server;
}

function etcdStyleFlags(clientUrl: string, peerUrl: string, dataDir: string): string[] {
  return [
    '--name',
    't',
    '--data-dir',
    dataDir,
    '--listen-client-urls',
    clientUrl,
    '--advertise-client-urls',
    clientUrl,
    '--listen-peer-urls',
    peerUrl,
    '--initial-advertise-peer-urls',
    peerUrl,
    '--initial-cluster',
    `t=${peerUrl}`,
  ];
}

export function startEtcd(opts?: ServerOptions): Promise<RunningServer> {
  return startServer(
    {
      kind: 'etcd',
      command: ETCD_BIN,
      args: (c, p, d) => [...etcdStyleFlags(c, p, d), '--log-outputs', 'stderr'],
    },
    opts,
  );
}

export function startConcord(opts?: ServerOptions): Promise<RunningServer> {
  if (!fs.existsSync(CONCORD_MAIN)) {
    return Promise.reject(
      new Error(
        `Concord server is not built: ${CONCORD_MAIN} does not exist (run \`npm run build\` in packages/server)`,
      ),
    );
  }
  return startServer(
    {
      kind: 'concord',
      command: process.execPath,
      args: (c, p, d) => [CONCORD_MAIN, 'serve', ...etcdStyleFlags(c, p, d)],
    },
    opts,
  );
}

// ---------------------------------------------------------------------------
// A 3-member Concord cluster (target `concord3`)

const CLUSTER_READY_TIMEOUT_MS = 45_000;
let clusterSeq = 0;

interface LeaderView {
  /** Member ID (decimal string) of the leader every member reports. */
  leader: string;
  /** Member ID (decimal string) of each member, in member order. */
  ids: string[];
}

/**
 * One look at the cluster: every member answers GET /health with {"health":"true"} and
 * Maintenance.Status, and all of them report the same non-zero leader and raft term, the leader
 * being one of them. Undefined otherwise.
 */
async function clusterLeader(urls: string[], endpoints: string[]): Promise<LeaderView | undefined> {
  const healthy = await Promise.all(urls.map((u) => isHealthy(u, 1000)));
  if (healthy.some((h) => !h)) return undefined;
  const sts = await Promise.all(
    endpoints.map(async (ep) => {
      const c = new EtcdClient(ep);
      try {
        const o = await c.attempt(MaintenanceService.Status, {}, { timeoutMs: 2000 });
        return o.ok ? o.value : undefined;
      } catch {
        return undefined;
      } finally {
        c.close();
      }
    }),
  );
  if (sts.some((s) => !s)) return undefined;
  const leader = String(sts[0].leader);
  const term = String(sts[0].raftTerm);
  if (leader === '0') return undefined;
  if (sts.some((s) => String(s.leader) !== leader || String(s.raftTerm) !== term)) return undefined;
  const ids = sts.map((s) => String(s.header.memberId));
  if (!ids.includes(leader)) return undefined;
  return { leader, ids };
}

/**
 * A 3-member Concord cluster on free loopback ports (names c1..c3, a fresh
 * --initial-cluster-token per cluster), each member with its own data dir and
 * log file under one temp dir. Ready when every member reports the same leader
 * through /health and Maintenance.Status. The returned endpoint is a follower
 * at that moment (so clients exercise forwarding to the leader); `members` lists
 * all three. stop() stops all members and removes the temp dir; kill() signals
 * all members (data kept); restart() restarts all of them and waits for a leader
 * again (the endpoint stays the same member, which may then lead).
 */
export async function startConcordCluster(opts: ServerOptions = {}): Promise<RunningServer> {
  if (!fs.existsSync(CONCORD_MAIN)) {
    throw new Error(
      `Concord server is not built: ${CONCORD_MAIN} does not exist (run \`npm run build\` in packages/server)`,
    );
  }
  installExitHook();
  const n = 3;
  const ports = await freePorts(2 * n);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord3-test-'));
  const token = `concord3-${process.pid}-${++clusterSeq}`;
  const members: ClusterMember[] = Array.from({ length: n }, (_, i) => ({
    name: `c${i + 1}`,
    endpoint: `127.0.0.1:${ports[i]}`,
    url: `http://127.0.0.1:${ports[i]}`,
    peerUrl: `http://127.0.0.1:${ports[n + i]}`,
    dataDir: path.join(workDir, `c${i + 1}`),
    logFile: path.join(workDir, `c${i + 1}.log`),
    pid: 0,
  }));
  const initialCluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
  const readyTimeoutMs = opts.readyTimeoutMs ?? CLUSTER_READY_TIMEOUT_MS;
  const entries = members.map(() => {
    const e: { child: ChildProcess | null; dataDir: string } = { child: null, dataDir: workDir };
    live.add(e);
    return e;
  });
  let removed = false;

  const exited = (c: ChildProcess | null) => !c || c.exitCode !== null || c.signalCode !== null;
  const waitExit = (c: ChildProcess, ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      if (exited(c)) return resolve(true);
      const t = setTimeout(() => resolve(false), ms);
      c.once('exit', () => {
        clearTimeout(t);
        resolve(true);
      });
    });
  const allTails = (lines: number) =>
    members.map((m) => `--- ${m.name} (${m.logFile})\n${tailOf(m.logFile, lines)}`).join('\n');

  const spawnMember = (i: number): ChildProcess => {
    const m = members[i];
    const args = [
      CONCORD_MAIN,
      'serve',
      '--name',
      m.name,
      '--data-dir',
      m.dataDir,
      '--listen-client-urls',
      m.url,
      '--advertise-client-urls',
      m.url,
      '--listen-peer-urls',
      m.peerUrl,
      '--initial-advertise-peer-urls',
      m.peerUrl,
      '--initial-cluster',
      initialCluster,
      '--initial-cluster-token',
      token,
      '--initial-cluster-state',
      'new',
      ...(opts.extraArgs ?? []),
    ];
    const fd = fs.openSync(m.logFile, 'a');
    fs.writeSync(fd, `\n==== ${new Date().toISOString()} ${process.execPath} ${args.join(' ')}\n`);
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...opts.env },
    });
    fs.closeSync(fd);
    child.once('error', () => undefined); // seen as an exit below
    entries[i].child = child;
    m.pid = child.pid ?? 0;
    return child;
  };

  const kill = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    await Promise.all(
      entries.map(async (e) => {
        const c = e.child;
        if (!c || exited(c)) return;
        c.kill(signal);
        if (!(await waitExit(c, STOP_TIMEOUT_MS))) {
          c.kill('SIGKILL');
          await waitExit(c, STOP_TIMEOUT_MS);
        }
      }),
    );
  };

  /** Start all members at once; resolves with the leader view once ready. */
  const launch = async (): Promise<LeaderView> => {
    const children = members.map((_, i) => spawnMember(i));
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      const dead = children.findIndex((c) => exited(c) || c.pid === undefined);
      if (dead >= 0) {
        const c = children[dead];
        await kill('SIGKILL');
        throw new Error(
          `concord3: member ${members[dead].name} exited during startup (code=${c.exitCode} signal=${c.signalCode}); logs:\n` +
            allTails(30),
        );
      }
      const view = await clusterLeader(
        members.map((m) => m.url),
        members.map((m) => m.endpoint),
      );
      if (view) return view;
      if (Date.now() > deadline) {
        await kill('SIGKILL');
        throw new Error(
          `concord3: no leader reported by all members within ${readyTimeoutMs} ms; logs:\n` +
            allTails(30),
        );
      }
      await sleep(100);
    }
  };

  let view: LeaderView;
  try {
    view = await launch();
  } catch (e) {
    removed = true;
    for (const en of entries) live.delete(en);
    fs.rmSync(workDir, { recursive: true, force: true });
    throw e;
  }
  const front = members[view.ids.findIndex((id) => id !== view.leader)];

  const server: RunningServer = {
    kind: 'concord3',
    endpoint: front.endpoint,
    url: front.url,
    pid: front.pid,
    workDir,
    dataDir: front.dataDir,
    logFile: front.logFile,
    members,
    kill,
    async stop() {
      await kill('SIGTERM');
      if (!removed) {
        removed = true;
        fs.rmSync(workDir, { recursive: true, force: true });
        for (const en of entries) live.delete(en);
      }
    },
    async restart() {
      if (removed) throw new Error('concord3: restart() after stop()');
      await kill('SIGTERM');
      await launch();
      server.pid = front.pid;
    },
    logTail(lines = 40) {
      return allTails(lines);
    },
  };
  return server;
}

export function startTarget(kind: TargetKind, opts?: ServerOptions): Promise<RunningServer> {
  switch (kind) {
    case 'etcd':
      return startEtcd(opts);
    case 'concord':
      return startConcord(opts);
    case 'concord3':
      return startConcordCluster(opts);
    default:
      throw new Error(`unknown target kind ${String(kind)}`);
  }
}

function parseTargets(raw: string, varName: string): TargetKind[] {
  const out = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const t of out) {
    if (!(TARGET_KINDS as readonly string[]).includes(t))
      throw new Error(`${varName}: unknown target "${t}" (use ${TARGET_KINDS.join(', ')})`);
  }
  if (out.length === 0) throw new Error(`${varName} is empty`);
  return out as TargetKind[];
}

/** Targets for the conformance suites: CONCORD_TEST_TARGETS, default "concord,etcd". */
export function targetsFromEnv(defaultTargets = 'concord,etcd'): TargetKind[] {
  return parseTargets(process.env.CONCORD_TEST_TARGETS ?? defaultTargets, 'CONCORD_TEST_TARGETS');
}

/** Target for the etcdctl suite: ETCDCTL_TEST_TARGET, default "concord". */
export function etcdctlTargetFromEnv(): TargetKind {
  const [t] = parseTargets(process.env.ETCDCTL_TEST_TARGET ?? 'concord', 'ETCDCTL_TEST_TARGET');
  return t;
}

// ---------------------------------------------------------------------------
// etcdctl

export interface EtcdctlResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface EtcdctlOptions {
  /** Written to stdin, which is then closed (stdin is closed empty otherwise). */
  input?: string;
  /** Kill etcdctl and reject after this long. Default 15 s. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

function etcdctlEnv(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ETCDCTL_API: '3', ...extra };
  // Never let the caller's environment pick another cluster or credentials.
  for (const k of Object.keys(env)) {
    if (k.startsWith('ETCDCTL_') && k !== 'ETCDCTL_API' && !(extra && k in extra)) delete env[k];
  }
  return env;
}

/** Run `etcdctl --endpoints=<endpoint> ...args` (API v3), bounded by a timeout. */
export function etcdctl(
  endpoint: string,
  args: string[],
  opts: EtcdctlOptions = {},
): Promise<EtcdctlResult> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const child = spawn(ETCDCTL_BIN, [`--endpoints=${endpoint}`, ...args], {
      env: etcdctlEnv(opts.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `etcdctl ${args.join(' ')} timed out after ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.on('error', () => {
      /* etcdctl may exit before reading all input */
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** A long-running etcdctl (e.g. `watch`) whose output is read while it runs. */
export interface EtcdctlProcess {
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves with stdout once pred(stdout) holds; rejects after timeoutMs or if etcdctl exits first. */
  waitFor(pred: (stdout: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Kill (SIGTERM by default) and wait for the exit (bounded). */
  kill(signal?: NodeJS.Signals): Promise<EtcdctlResult>;
}

export function etcdctlSpawn(
  endpoint: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv } = {},
): EtcdctlProcess {
  const child = spawn(ETCDCTL_BIN, [`--endpoints=${endpoint}`, ...args], {
    env: etcdctlEnv(opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
    notify();
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
    notify();
  });
  let closed = false;
  const closedP = new Promise<EtcdctlResult>((resolve) => {
    child.on('close', (code, signal) => {
      closed = true;
      notify();
      resolve({ code, signal, stdout, stderr });
    });
  });
  child.on('error', () => {
    closed = true;
    notify();
  });
  return {
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    waitFor(pred, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pred(stdout)) {
            done();
            resolve(stdout);
          } else if (closed) {
            done();
            reject(
              new Error(
                `etcdctl ${args.join(' ')} exited early\nstdout: ${stdout}\nstderr: ${stderr}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(
              `etcdctl ${args.join(' ')}: condition not met in ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`,
            ),
          );
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (!closed) child.kill(signal);
      const t = setTimeout(() => {
        if (!closed) child.kill('SIGKILL');
      }, 5000);
      const r = await closedP;
      clearTimeout(t);
      return r;
    },
  };
}
