import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { performance } from 'node:perf_hooks';

/**
 * Gives heap memory back once the process goes quiet after a burst.
 *
 * Why: a burst of work (10,000 watch creations, a bulk load) makes V8 grow its young generation
 * from 1 to 32 MiB and keep it committed; V8's own memory reducer only starts after a
 * mark-compact, which such a burst often does not trigger, so an idle server could hold
 * 30-40 MiB it no longer uses. Node runs no idle-time GC of its own (a browser does). Here a
 * full collection runs when the event loop has been nearly idle for `quietWindows`
 * consecutive windows with no client work (`activity`), and the heap has grown since the last
 * trim (or the young generation is above its floor); with little allocation in V8's last
 * seconds it then also shrinks the young generation. A busy server is never paused by it: any
 * window above `maxUtilization`, or with client work, starts the count again.
 *
 * Only the `concord serve` process starts this: an application embedding Concord keeps
 * control of its own heap.
 */
export interface IdleHeapTrimOptions {
  /** length of one observation window */
  windowMs?: number;
  /** event-loop utilisation (0-1) below which a window counts as quiet */
  maxUtilization?: number;
  /** consecutive quiet windows before a trim */
  quietWindows?: number;
  /** trim only when V8's committed heap is this much above what the last trim left */
  minGrowthBytes?: number;
  /**
   * A count that grows with the work clients give (the applied index): a window in which it
   * grew is not quiet, however little of the loop it used. A full collection pauses the loop
   * for tens of milliseconds with a large heap (38-70 ms at 65-73 MiB); a light but steady load
   * (10 puts a second to 1000 watchers: under 5 % of the loop) would otherwise take that pause
   * every few seconds, in the middle of its requests.
   */
  activity?: () => number;
  onTrim?: (info: { beforeBytes: number; afterBytes: number; pauseMs: number }) => void;
}

export interface IdleHeapTrim {
  stop(): void;
  /** trims so far */
  readonly count: number;
}

type GcFn = () => void;

let gcFn: GcFn | undefined;

/** V8's gc() without starting node with --expose-gc: the flag is set, a fresh context has it. */
function gcFunction(): GcFn {
  if (!gcFn) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as GcFn;
  }
  return gcFn;
}

/** young generation committed above this counts as growth (V8 starts it at 1 MiB) */
const YOUNG_FLOOR = 4 * 1024 * 1024;
const MAX_WAIT_WINDOWS = 600;

function youngGenerationBytes(): number {
  let n = 0;
  for (const s of v8.getHeapSpaceStatistics())
    if (s.space_name === 'new_space' || s.space_name === 'new_large_object_space')
      n += s.space_size;
  return n;
}

/** V8 heap committed: all spaces (young generation included), as RSS sees them. */
function committedHeapBytes(): number {
  return v8.getHeapStatistics().total_heap_size;
}

export function startIdleHeapTrim(opts: IdleHeapTrimOptions = {}): IdleHeapTrim {
  const windowMs = opts.windowMs ?? 1000;
  const maxUtilization = opts.maxUtilization ?? 0.05;
  const quietWindows = opts.quietWindows ?? 6;
  const minGrowth = opts.minGrowthBytes ?? 8 * 1024 * 1024;
  const gc = gcFunction();
  let baseline = committedHeapBytes();
  let last = performance.eventLoopUtilization();
  let lastActivity = opts.activity?.();
  let quiet = 0;
  /** quiet windows the next trim waits for: doubled after a trim that gave nothing back */
  let wait = quietWindows;
  let count = 0;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const u = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    const activity = opts.activity?.();
    const active = activity !== lastActivity;
    lastActivity = activity;
    if (u >= maxUtilization || active) {
      quiet = 0;
      return;
    }
    quiet++;
    const before = committedHeapBytes();
    // the baseline follows the heap down (V8 shrank it by itself) so growth counts from there
    if (before < baseline) baseline = before;
    const grown = before - baseline >= minGrowth || youngGenerationBytes() > YOUNG_FLOOR;
    if (quiet < wait || !grown) return;
    const t0 = performance.now();
    gc();
    const pauseMs = performance.now() - t0;
    const after = committedHeapBytes();
    quiet = 0;
    count++;
    // V8 shrinks the young generation only once its recent allocation rate is low: if this
    // collection gave nothing back, wait longer before the next (bounded, a few GCs an hour)
    wait = before - after < minGrowth / 2 ? Math.min(wait * 2, MAX_WAIT_WINDOWS) : quietWindows;
    baseline = after;
    opts.onTrim?.({ beforeBytes: before, afterBytes: after, pauseMs });
  }, windowMs);
  timer.unref();
  return {
    stop: () => clearInterval(timer),
    get count() {
      return count;
    },
  };
}
