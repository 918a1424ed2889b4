import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startIdleHeapTrim } from '../src/util/idle-heap-trim';

// The trimmer must collect once the loop goes quiet after the heap grew, and never while the
// loop is busy (a GC pause there would be a latency spike for clients).

function busyFor(ms: number): Promise<void> {
  const until = performance.now() + ms;
  return new Promise((resolve) => {
    const step = (): void => {
      const end = Math.min(until, performance.now() + 30);
      while (performance.now() < end) Math.sqrt(Math.random());
      if (performance.now() < until) setImmediate(step);
      else resolve();
    };
    step();
  });
}

test('trims after consecutive quiet windows, not while the loop is busy', async () => {
  const trims: Array<{ beforeBytes: number; afterBytes: number; at: number }> = [];
  const windowMs = 25;
  const quietWindows = 4;
  const minGrowthBytes = 1024 * 1024;
  const t = startIdleHeapTrim({
    windowMs,
    quietWindows,
    minGrowthBytes,
    onTrim: (x) => trims.push({ ...x, at: performance.now() }),
  });
  try {
    // grow the heap while keeping the loop busy: no trim may happen meanwhile
    const keep: object[] = [];
    const until = performance.now() + 600;
    while (performance.now() < until) {
      for (let i = 0; i < 20000; i++) keep.push({ i, s: `v${i}` });
      keep.length = Math.min(keep.length, 400000);
      await busyFor(30);
    }
    assert.equal(t.count, 0, 'no trim while busy');
    keep.length = 0;
    // quiet: a trim within a bounded wait
    for (let i = 0; i < 80 && t.count === 0; i++) await sleep(25);
    assert.equal(t.count, 1);
    assert.ok(trims[0].afterBytes <= trims[0].beforeBytes, 'the collection did not grow the heap');
    // a trim that gave little back (V8 keeps the young generation while its recent allocation
    // rate is high) is retried only after twice the wait, then four times...; one that gave
    // memory back resets the wait (so the number of trims in a given time depends on what V8
    // returned, which is why the test checks the spacing, not a count). Timers only run late,
    // so a gap can be longer than the wait but not much shorter.
    await sleep(400);
    for (let i = 1; i < trims.length; i++) {
      const prev = trims[i - 1];
      if (prev.beforeBytes - prev.afterBytes >= minGrowthBytes / 2) continue;
      const gap = trims[i].at - prev.at;
      assert.ok(
        gap >= 0.8 * 2 * quietWindows * windowMs,
        `trim ${i + 1} came ${gap.toFixed(0)} ms after one that gave little back`,
      );
    }
  } finally {
    t.stop();
  }
});

test('no trim while clients keep working, however little of the loop they use', async () => {
  let applied = 0;
  const t = startIdleHeapTrim({
    windowMs: 25,
    quietWindows: 3,
    minGrowthBytes: 0, // the heap always counts as grown: only quietness decides
    activity: () => applied,
  });
  try {
    // a light steady load: a unit of work every few milliseconds (several per window, so a
    // late timer cannot leave a window without one), the loop otherwise idle
    for (let i = 0; i < 120; i++) {
      applied++;
      await sleep(5);
    }
    assert.equal(t.count, 0, 'trimmed while clients were working');
    // the work stops: a trim within a bounded wait
    for (let i = 0; i < 80 && t.count === 0; i++) await sleep(25);
    assert.equal(t.count, 1);
  } finally {
    t.stop();
  }
});
