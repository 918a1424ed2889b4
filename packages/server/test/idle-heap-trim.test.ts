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
  const trims: Array<{ beforeBytes: number; afterBytes: number; pauseMs: number }> = [];
  const t = startIdleHeapTrim({
    windowMs: 25,
    quietWindows: 4,
    minGrowthBytes: 1024 * 1024,
    onTrim: (x) => trims.push(x),
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
    // rate is high) is retried only after twice the wait, then four times...: without the
    // back-off 400 ms would hold four more trims (one per 4 x 25 ms)
    await sleep(400);
    assert.ok(t.count <= 3, `${t.count} trims`);
  } finally {
    t.stop();
  }
});
