/**
 * A `concord serve` child process under a test's full control, for crash and
 * bad-input tests: a fixed data dir and port across restarts, readiness awaited
 * from the "ready to serve client requests" log line (an event, not polling),
 * exit code/signal and all output captured, SIGKILL at any moment.
 *
 * Every process started here is SIGKILLed when the test runner exits.
 */
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { CONCORD_MAIN, isHealthy } from './servers';

export { CONCORD_MAIN };

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ConcordProcessOptions {
  dataDir: string;
  port: number;
  /** Extra environment, e.g. { CONCORD_FAILPOINT: 'wal-before-fsync' }. */
  env?: NodeJS.ProcessEnv;
  extraArgs?: string[];
}

const READY_LINE = 'ready to serve client requests';
const live = new Set<ChildProcess>();
let hookInstalled = false;

function installHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  process.on('exit', () => {
    for (const c of live) {
      try {
        c.kill('SIGKILL');
      } catch {
        /* ignore */
      }
    }
  });
}

export class ConcordProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly endpoint: string;
  private out = '';
  private exitInfo: ExitInfo | null = null;
  private readonly listeners = new Set<() => void>();
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;

  private constructor(readonly opts: ConcordProcessOptions) {
    installHook();
    this.url = `http://127.0.0.1:${opts.port}`;
    this.endpoint = `127.0.0.1:${opts.port}`;
    const args = [
      CONCORD_MAIN,
      'serve',
      '--name',
      't',
      '--data-dir',
      opts.dataDir,
      '--listen-client-urls',
      this.url,
      '--advertise-client-urls',
      this.url,
      ...(opts.extraArgs ?? []),
    ];
    const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
    if (!opts.env || !('CONCORD_FAILPOINT' in opts.env)) delete env.CONCORD_FAILPOINT;
    this.child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    live.add(this.child);
    const onChunk = (c: string) => {
      this.out += c;
      // keep memory bounded; the interesting parts are the start and the end
      if (this.out.length > 256 * 1024)
        this.out = this.out.slice(0, 64 * 1024) + '\n[...]\n' + this.out.slice(-128 * 1024);
      this.notify();
    };
    this.child.stdout!.setEncoding('utf8').on('data', onChunk);
    this.child.stderr!.setEncoding('utf8').on('data', onChunk);
    this.exited = new Promise((resolve) => {
      // 'close' fires after the exit and after stdout/stderr are drained.
      this.child.once('close', (code, signal) => {
        live.delete(this.child);
        this.exitInfo = { code, signal };
        this.notify();
        resolve(this.exitInfo);
      });
      this.child.once('error', (err) => {
        live.delete(this.child);
        this.out += `\n[spawn error: ${String(err)}]\n`;
        this.exitInfo = { code: null, signal: null };
        this.notify();
        resolve(this.exitInfo);
      });
    });
  }

  static start(opts: ConcordProcessOptions): ConcordProcess {
    if (!fs.existsSync(CONCORD_MAIN))
      throw new Error(`Concord server is not built: ${CONCORD_MAIN} does not exist`);
    return new ConcordProcess(opts);
  }

  /** Start and wait until ready; throws (with the output) if it exits or times out first. */
  static async startReady(
    opts: ConcordProcessOptions,
    timeoutMs = 20_000,
  ): Promise<ConcordProcess> {
    const p = ConcordProcess.start(opts);
    await p.waitReady(timeoutMs);
    return p;
  }

  get output(): string {
    return this.out;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get exit(): ExitInfo | null {
    return this.exitInfo;
  }

  get running(): boolean {
    return this.exitInfo === null;
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  /** Resolves once pred(output) holds; rejects if the process exits first or on timeout. */
  waitOutput(pred: (out: string) => boolean, what: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      const check = () => {
        if (pred(this.out)) {
          done();
          resolve();
        } else if (this.exitInfo) {
          done();
          reject(
            new Error(
              `concord exited (code=${this.exitInfo.code} signal=${this.exitInfo.signal}) before ${what}; output:\n${this.tail()}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(`concord: ${what} not seen within ${timeoutMs} ms; output:\n${this.tail()}`),
        );
      }, timeoutMs);
      this.listeners.add(check);
      check();
    });
  }

  /**
   * Waits for the readiness log line, then for GET /health to report healthy (bounded): a
   * cluster member is only healthy once it knows a leader, as in etcd.
   */
  async waitReady(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await this.waitOutput((o) => o.includes(READY_LINE), 'readiness', timeoutMs);
    while (!(await isHealthy(this.url, 1000))) {
      if (this.exitInfo)
        throw new Error(`concord exited before it was healthy; output:\n${this.tail()}`);
      if (Date.now() > deadline)
        throw new Error(
          `concord logged readiness but /health is not healthy; output:\n${this.tail()}`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Waits (bounded) for the exit. */
  async waitExit(timeoutMs = 15_000): Promise<ExitInfo> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`concord did not exit within ${timeoutMs} ms; output:\n${this.tail()}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends the signal now (synchronously) if the process still runs. */
  signal(sig: NodeJS.Signals = 'SIGKILL'): void {
    if (this.exitInfo === null) {
      try {
        this.child.kill(sig);
      } catch {
        /* already gone */
      }
    }
  }

  /** Sends the signal and waits (bounded) for the exit. */
  async kill(sig: NodeJS.Signals = 'SIGKILL', timeoutMs = 15_000): Promise<ExitInfo> {
    this.signal(sig);
    try {
      return await this.waitExit(timeoutMs);
    } catch (e) {
      this.signal('SIGKILL');
      await this.waitExit(5000);
      throw e;
    }
  }

  tail(lines = 40): string {
    return this.out.split('\n').slice(-lines).join('\n');
  }
}

/** Runs the Concord CLI synchronously (bounded), e.g. ['--help']. */
export function runCli(
  args: string[],
  timeoutMs = 20_000,
): { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CONCORD_MAIN, ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, CONCORD_FAILPOINT: '' },
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Seeded PRNG (mulberry32): same seed, same sequence. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed from env var `name` (decimal), or a fresh random one. */
export function seedFrom(name: string): number {
  const v = process.env[name];
  if (v !== undefined && v !== '') {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff)
      throw new Error(`${name} must be a uint32, got ${v}`);
    return n;
  }
  return Math.floor(Math.random() * 0x100000000) >>> 0;
}
