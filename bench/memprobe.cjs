'use strict';
// Preloaded into a Concord server by bench/memory.sh (`node --require bench/memprobe.cjs ...`):
// no server code changes needed. On SIGUSR2 it runs a full GC when --expose-gc is on and the
// CONCORD_MEMPROBE_GC env is 1, then appends one JSON line with process.memoryUsage() and the
// V8 heap spaces to the file named by CONCORD_MEMPROBE. With CONCORD_MEMPROBE_SNAPSHOT=DIR
// it also writes a heap snapshot there (slow, analysis only).
const fs = require('node:fs');
const path = require('node:path');
const v8 = require('node:v8');

const out = process.env.CONCORD_MEMPROBE;
if (out) {
  let n = 0;
  process.on('SIGUSR2', () => {
    if (process.env.CONCORD_MEMPROBE_GC === '1' && typeof global.gc === 'function') global.gc();
    const mu = process.memoryUsage();
    // used / committed KiB per V8 heap space (committed pages can count in RSS)
    const spaces = {};
    for (const s of v8.getHeapSpaceStatistics())
      if (s.space_size > 0)
        spaces[s.space_name.replace(/_space$/, '')] = [
          Math.round(s.space_used_size / 1024),
          Math.round(s.space_size / 1024),
        ];
    const line = {
      t: Date.now(),
      n: n++,
      rss_kb: Math.round(mu.rss / 1024),
      heap_total_kb: Math.round(mu.heapTotal / 1024),
      heap_used_kb: Math.round(mu.heapUsed / 1024),
      external_kb: Math.round(mu.external / 1024),
      array_buffers_kb: Math.round(mu.arrayBuffers / 1024),
      heap_spaces_used_committed_kb: spaces,
    };
    const dir = process.env.CONCORD_MEMPROBE_SNAPSHOT;
    if (dir) line.snapshot = v8.writeHeapSnapshot(path.join(dir, `concord-${process.pid}-${line.n}.heapsnapshot`));
    fs.appendFileSync(out, JSON.stringify(line) + '\n');
  });
}
