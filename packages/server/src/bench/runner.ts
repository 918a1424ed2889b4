/**
 * `concord bench`, main thread: splits connections, clients and watch streams over
 * worker threads, starts them together once all are set up, shows progress, stops
 * them after --total ops or --duration (or Ctrl-C), waits for watch events to be
 * delivered, then merges the workers' histograms into one report.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Histogram } from 'hdr-histogram-js';
import {
  BenchConfig,
  Counters,
  decodeHistogram,
  encodeHistogram,
  HistName,
  isWatchLike,
  isZk,
  MainMsg,
  newHistogram,
  WorkerData,
  WorkerMsg,
  WorkerShare,
} from './common';
import { BenchReport, buildReport } from './report';

export interface RunOptions {
  /** progress on stderr: a bar on a TTY, plain lines every second otherwise */
  progress: boolean;
  /** worker script (tests may point elsewhere); default: worker.js beside this file */
  workerScript?: string;
}

type ResultMsg = Extract<WorkerMsg, { t: 'result' }>;

/** Round-robin share of `n` global indices for worker `w` of `workers`. */
function indices(n: number, w: number, workers: number): number[] {
  const out: number[] = [];
  for (let i = w; i < n; i += workers) out.push(i);
  return out;
}

export function shares(cfg: BenchConfig): WorkerShare[] {
  const watch = isWatchLike(cfg.workload);
  return Array.from({ length: cfg.workers }, (_, w) => ({
    index: w,
    conns: indices(cfg.conns, w, cfg.workers),
    clients: indices(cfg.clients, w, cfg.workers),
    streams: watch ? indices(cfg.streams, w, cfg.workers) : [],
  }));
}

class Progress {
  private readonly tty: boolean;
  private lastLine = 0;
  private drawn = false;
  constructor(
    private readonly cfg: BenchConfig,
    private readonly enabled: boolean,
  ) {
    this.tty = Boolean(process.stderr.isTTY);
  }

  update(c: Counters, elapsedMs: number, phase = ''): void {
    if (!this.enabled) return;
    const rate = elapsedMs > 0 ? (c.ops * 1000) / elapsedMs : 0;
    let frac: number | undefined;
    if (this.cfg.total > 0) frac = c.ops / this.cfg.total;
    if (this.cfg.durationMs > 0) frac = Math.max(frac ?? 0, elapsedMs / this.cfg.durationMs);
    const counts = `${c.ops}${this.cfg.total > 0 ? `/${this.cfg.total}` : ''} ops`;
    const tail =
      `${rate.toFixed(0)} ops/s, ${c.errors} errors` +
      (isWatchLike(this.cfg.workload) ? `, ${c.events} events` : '') +
      `, ${(elapsedMs / 1000).toFixed(1)}s${phase ? ` (${phase})` : ''}`;
    if (this.tty) {
      const width = 30;
      const f = Math.min(1, frac ?? 0);
      const fill = Math.round(f * width);
      const bar =
        frac === undefined
          ? ''
          : `[${'='.repeat(fill)}${fill < width ? '>' : ''}${' '.repeat(Math.max(0, width - fill - 1))}] ${(f * 100).toFixed(0).padStart(3)}% `;
      process.stderr.write(`\r\x1b[K${this.cfg.workload} ${bar}${counts}, ${tail}`);
      this.drawn = true;
    } else if (elapsedMs - this.lastLine >= 1000) {
      this.lastLine = elapsedMs;
      process.stderr.write(`bench ${this.cfg.workload}: ${counts}, ${tail}\n`);
    }
  }

  end(): void {
    if (this.drawn) process.stderr.write('\r\x1b[K');
    this.drawn = false;
  }
}

export async function runBench(cfg: BenchConfig, opts: RunOptions): Promise<BenchReport> {
  const control = new SharedArrayBuffer(16);
  const ctl = new BigInt64Array(control);
  const script =
    opts.workerScript ?? path.join(__dirname, isZk(cfg.workload) ? 'zk-worker.js' : 'worker.js');
  const progress = new Progress(cfg, opts.progress);

  const workers: Worker[] = [];
  const last: Counters[] = [];
  const done: (Extract<WorkerMsg, { t: 'done' }> | undefined)[] = [];
  const results: (ResultMsg | undefined)[] = [];
  let fatal: ((e: Error) => void) | undefined;
  let onChange: (() => void) | undefined;
  let fatalError: Error | undefined;
  const fail = (e: Error) => {
    fatalError ??= e;
    Atomics.store(ctl, 1, 1n);
    fatal?.(e);
  };

  const sum = (): Counters =>
    last.reduce(
      (a, c) => ({ ops: a.ops + c.ops, errors: a.errors + c.errors, events: a.events + c.events }),
      {
        ops: 0,
        errors: 0,
        events: 0,
      },
    );

  let ready = 0;
  for (const share of shares(cfg)) {
    const w = share.index;
    last[w] = { ops: 0, errors: 0, events: 0 };
    const data: WorkerData = { cfg, share, control };
    const worker = new Worker(script, { workerData: data });
    workers.push(worker);
    worker.on('message', (m: WorkerMsg) => {
      switch (m.t) {
        case 'ready':
          ready++;
          break;
        case 'fatal':
          fail(new Error(m.error));
          return;
        case 'progress':
          last[w] = { ops: m.ops, errors: m.errors, events: m.events };
          break;
        case 'done':
          last[w] = { ops: m.ops, errors: m.errors, events: m.events };
          done[w] = m;
          break;
        case 'result':
          last[w] = { ops: m.ops, errors: m.errors, events: m.events };
          results[w] = m;
          break;
      }
      onChange?.();
    });
    worker.on('error', (e) => fail(e));
    worker.on('exit', (code) => {
      if (results[w] === undefined)
        fail(new Error(`bench worker ${w} exited (code ${code}) before reporting`));
    });
  }

  /** Resolves when cond() holds, checked on every worker message; rejects on a fatal error. */
  const until = (cond: () => boolean, timeoutMs = 0): Promise<boolean> =>
    new Promise((resolve, reject) => {
      if (fatalError) return reject(fatalError);
      if (cond()) return resolve(true);
      const timer = timeoutMs > 0 ? setTimeout(() => finish(false), timeoutMs) : undefined;
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        onChange = undefined;
        fatal = undefined;
        resolve(ok);
      };
      onChange = () => cond() && finish(true);
      fatal = (e) => {
        clearTimeout(timer);
        onChange = undefined;
        fatal = undefined;
        reject(e);
      };
    });

  const broadcast = (m: MainMsg) => workers.forEach((w) => w.postMessage(m));
  let sigints = 0;
  const onSigint = () => {
    if (++sigints > 1) process.exit(130);
    process.stderr.write('\nbench: interrupted, stopping (Ctrl-C again to quit now)\n');
    Atomics.store(ctl, 1, 1n);
  };
  process.on('SIGINT', onSigint);
  let ticker: NodeJS.Timeout | undefined;
  let stopTimer: NodeJS.Timeout | undefined;

  try {
    await until(() => ready === workers.length);

    const t0 = performance.now();
    broadcast({ t: 'run' });
    if (cfg.durationMs > 0) stopTimer = setTimeout(() => Atomics.store(ctl, 1, 1n), cfg.durationMs);
    ticker = setInterval(() => progress.update(sum(), performance.now() - t0), 250);
    await until(() => done.filter(Boolean).length === workers.length);
    const elapsedMs = performance.now() - t0;
    clearTimeout(stopTimer);

    // watch workloads: wait until every expected event has reached its watcher
    const expectedEvents = done.reduce((a, d) => a + (d?.expectedEvents ?? 0), 0);
    let drainMs: number | undefined;
    let drained = true;
    if (isWatchLike(cfg.workload)) {
      const d0 = performance.now();
      drained = await until(() => sum().events >= expectedEvents, cfg.drainTimeoutMs);
      drainMs = performance.now() - d0;
      if (!drained) {
        progress.end();
        process.stderr.write(
          `bench: watch events still missing after ${cfg.drainTimeoutMs} ms (${sum().events}/${expectedEvents})\n`,
        );
      }
    }
    clearInterval(ticker);
    progress.update(sum(), elapsedMs);
    progress.end();

    broadcast({ t: 'finish' });
    await until(() => results.filter(Boolean).length === workers.length, 30_000);
    const got = results.filter((r): r is ResultMsg => r !== undefined);
    if (got.length !== workers.length)
      throw new Error('bench workers did not report their results');

    const merged = new Map<HistName, { h: Histogram; sumUs: number }>();
    const errorsByCode: Record<string, number> = {};
    let ops = 0;
    let errors = 0;
    let events = 0;
    for (const r of got) {
      ops += r.ops;
      errors += r.errors;
      events += r.events;
      for (const [k, n] of Object.entries(r.errorsByCode))
        errorsByCode[k] = (errorsByCode[k] ?? 0) + n;
      for (const [name, e] of Object.entries(r.hists) as [
        HistName,
        { hdr: string; sumUs: number },
      ][]) {
        let m = merged.get(name);
        if (!m) merged.set(name, (m = { h: newHistogram(), sumUs: 0 }));
        const h = decodeHistogram(e.hdr);
        m.h.add(h);
        m.sumUs += e.sumUs;
      }
    }
    const report = buildReport(cfg, {
      ops,
      errors,
      errorsByCode,
      elapsedMs,
      hists: merged,
      events,
      expectedEvents,
      drainMs,
      drained,
    });
    const main = merged.get('main');
    if (main) report.hdr = encodeHistogram(main.h);
    return report;
  } finally {
    clearInterval(ticker);
    clearTimeout(stopTimer);
    progress.end();
    process.off('SIGINT', onSigint);
    await Promise.all(workers.map((w) => w.terminate().catch(() => undefined)));
  }
}
