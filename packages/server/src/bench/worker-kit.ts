/**
 * What every bench worker thread shares, whatever protocol it speaks: the closed loop over the
 * run-wide op counter with the rate limit, latency histograms and error counts, and the
 * progress / done / finish / result exchange with the main thread.
 */
import type { MessagePort } from 'node:worker_threads';
import type { Histogram } from 'hdr-histogram-js';
import {
  BenchConfig,
  Counters,
  encodeHistogram,
  HistName,
  MainMsg,
  newHistogram,
  WorkerMsg,
} from './common';

export type Op = (i: number) => Promise<unknown>;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class WorkerRun {
  readonly counters: Counters = { ops: 0, errors: 0, events: 0 };
  private readonly errorsByCode: Record<string, number> = {};
  private readonly hists = new Map<HistName, { h: Histogram; sumUs: number }>();
  private readonly intervalMs: number;
  private nextSlot = 0;

  /**
   * @param control shared with the main thread: [0] next op index, [1] stop flag
   * @param myClients clients this worker runs (its share of the rate limit)
   * @param errorKey how an error is counted in the report (e.g. gRPC code + message)
   */
  constructor(
    private readonly cfg: BenchConfig,
    private readonly control: BigInt64Array,
    private readonly port: MessagePort,
    myClients: number,
    private readonly errorKey: (e: unknown) => string,
  ) {
    const myRate = cfg.rate > 0 ? (cfg.rate * myClients) / cfg.clients : 0;
    this.intervalMs = myRate > 0 ? 1000 / myRate : 0;
  }

  post(m: WorkerMsg): void {
    this.port.postMessage(m);
  }

  readonly record = (name: HistName, us: number): void => {
    let e = this.hists.get(name);
    if (!e) this.hists.set(name, (e = { h: newHistogram(), sumUs: 0 }));
    const v = Math.max(1, Math.round(us));
    e.h.recordValue(v);
    e.sumUs += v;
  };

  readonly recordError = (e: unknown): void => {
    this.counters.errors++;
    const k = this.errorKey(e);
    this.errorsByCode[k] = (this.errorsByCode[k] ?? 0) + 1;
  };

  /** Global op index for the next op, or -1 when the run is over. */
  private claim(): number {
    if (Atomics.load(this.control, 1) !== 0n) return -1;
    const i = Number(Atomics.add(this.control, 0, 1n));
    return this.cfg.total > 0 && i >= this.cfg.total ? -1 : i;
  }

  private async pace(): Promise<void> {
    if (this.intervalMs === 0) return;
    const now = performance.now();
    const slot = Math.max(this.nextSlot, now);
    this.nextSlot = slot + this.intervalMs;
    if (slot - now >= 1) await sleep(slot - now);
  }

  /** One request in flight per client; a failed op is recorded by its error. */
  private async loop(op: Op): Promise<void> {
    for (;;) {
      await this.pace();
      const i = this.claim();
      if (i < 0) return;
      try {
        await op(i);
      } catch (e) {
        this.recordError(e);
      }
      this.counters.ops++;
    }
  }

  /**
   * Reports ready and waits for `run`, runs every client's loop while reporting progress, then waits for the main thread's
   * `finish` (watch events may still arrive), cleans up and posts the histograms.
   */
  async runOps(
    ops: Op[],
    expectedEvents: () => number,
    cleanup: () => Promise<void>,
  ): Promise<void> {
    // every worker reports ready and starts on the main thread's `run`, together
    const start = new Promise<void>((resolve) =>
      this.port.once('message', (m: MainMsg) => m.t === 'run' && resolve()),
    );
    this.post({ t: 'ready' });
    await start;
    const finish = new Promise<void>((resolve) =>
      this.port.on('message', (m: MainMsg) => m.t === 'finish' && resolve()),
    );
    const progress = setInterval(() => this.post({ t: 'progress', ...this.counters }), 100);
    await Promise.all(ops.map((op) => this.loop(op)));
    this.post({ t: 'done', expectedEvents: expectedEvents(), ...this.counters });
    await finish;
    clearInterval(progress);
    await cleanup();
    const out: Partial<Record<HistName, { hdr: string; sumUs: number }>> = {};
    for (const [name, e] of this.hists) out[name] = { hdr: encodeHistogram(e.h), sumUs: e.sumUs };
    this.post({
      t: 'result',
      expectedEvents: expectedEvents(),
      hists: out,
      errorsByCode: this.errorsByCode,
      ...this.counters,
    });
    this.port.close();
  }
}
