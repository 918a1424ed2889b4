'use strict';
// Preloaded into a Concord server (`node --require bench/heapsample.cjs ...`): the first
// SIGUSR2 starts V8's sampling heap profiler, the second writes what it sampled to
// $HEAPSAMPLE_DIR/<pid>.heapprofile (default /tmp). Read it with bench/heapsample-top.js.
//
// HEAPSAMPLE=old (default) keeps only objects that outlived a scavenge or were allocated in the
// old generation: what feeds V8's old generation and so its mark-compacts. Two minor GCs run
// before the profile is read, so young objects that were already dead do not count.
// HEAPSAMPLE=all keeps every sampled allocation, garbage included (allocation per op).
const fs = require('node:fs');
const path = require('node:path');
const inspector = require('node:inspector');
const v8 = require('node:v8');
const vm = require('node:vm');

const mode = process.env.HEAPSAMPLE || 'old';
const dir = process.env.HEAPSAMPLE_DIR || '/tmp';
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
let session;
process.on('SIGUSR2', () => {
  if (!session) {
    session = new inspector.Session();
    session.connect();
    session.post('HeapProfiler.enable');
    session.post('HeapProfiler.startSampling', {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: mode === 'all',
    });
    return;
  }
  const s = session;
  session = undefined;
  if (mode !== 'all') {
    gc({ type: 'minor' });
    gc({ type: 'minor' });
  }
  s.post('HeapProfiler.stopSampling', (err, r) => {
    if (err) process.stderr.write(`heapsample: ${err.message}\n`);
    else fs.writeFileSync(path.join(dir, `${process.pid}.heapprofile`), JSON.stringify(r.profile));
    s.disconnect();
  });
});
