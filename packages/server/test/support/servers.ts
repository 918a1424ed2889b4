/**
 * Black-box test support: start etcd or Concord on free loopback ports, each in
 * a fresh temporary data dir that is always removed, and run etcdctl against
 * them.
 *
 * Both servers are started with the same etcd flag names, so every scenario can
 * run unchanged against either one.
 */
import { spawn, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export type TargetKind = 'etcd' | 'concord';

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

/** n distinct free loopback ports (all listeners are held open until every port is known). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const srv = net.createServer();
      servers.push(srv);
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', () => resolve());
      });
      ports.push((srv.address() as net.AddressInfo).port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
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

export function startTarget(kind: TargetKind, opts?: ServerOptions): Promise<RunningServer> {
  switch (kind) {
    case 'etcd':
      return startEtcd(opts);
    case 'concord':
      return startConcord(opts);
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
    if (t !== 'etcd' && t !== 'concord')
      throw new Error(`${varName}: unknown target "${t}" (use etcd or concord)`);
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
