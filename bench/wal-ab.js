#!/usr/bin/env node
// bench/wal-ab.js — A/B of two builds' write-ahead log in one process: closed-loop writers
// propose through SingleNodeLog (the single-member commit path: WAL append, group commit,
// fdatasync) and wait for each commit before the next, with no network, state machine or
// client. The builds run alternately (A B, then B A, ...) in rounds on fresh temp dirs, so
// drift of the machine hits both alike.
//
//   node bench/wal-ab.js OLD_DIST NEW_DIST     # dists: a built packages/server/dist of each
//
// Environment: WRITERS (16), OPS per run (8000), ROUNDS (8), SIZE bytes per entry (300),
// DIR parent of the temp dirs (os.tmpdir(); put it on the disk being measured).
// Prints one line per run (appends/s, batches, records per sync), then the medians.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const dists = process.argv.slice(2);
if (dists.length !== 2) {
  console.error('usage: node bench/wal-ab.js OLD_DIST NEW_DIST');
  process.exit(2);
}
const WRITERS = Number(process.env.WRITERS ?? 16);
const OPS = Number(process.env.OPS ?? 8000);
const ROUNDS = Number(process.env.ROUNDS ?? 8);
const SIZE = Number(process.env.SIZE ?? 300);
const DIR = process.env.DIR ?? os.tmpdir();

async function run(dist) {
  const { Wal } = require(path.resolve(dist, 'src/wal/wal.js'));
  const { SingleNodeLog } = require(path.resolve(dist, 'src/server/log.js'));
  const dir = fs.mkdtempSync(path.join(DIR, 'wal-ab-'));
  try {
    const { wal } = await Wal.open(dir);
    const log = new SingleNodeLog(wal, 0);
    const data = Buffer.alloc(SIZE, 1);
    let started = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        while (started < OPS) {
          started++;
          await log.propose([data]);
          // the next request comes in a later turn, as from a socket
          await new Promise((r) => setImmediate(r));
        }
      }),
    );
    const ms = performance.now() - t0;
    const st = wal.stats();
    await log.close();
    return { opsPerS: Math.round((started / ms) * 1000), syncs: st.syncs, perSync: st.records / st.syncs };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

(async () => {
  const names = ['A', 'B'];
  const res = [[], []];
  for (let r = 0; r < ROUNDS; r++) {
    for (const i of r % 2 === 0 ? [0, 1] : [1, 0]) {
      const x = await run(dists[i]);
      res[i].push(x.opsPerS);
      console.log(
        `round ${r + 1} ${names[i]} ${dists[i]}: ${x.opsPerS} appends/s, ${x.syncs} syncs, ${x.perSync.toFixed(1)} records per sync`,
      );
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  let wins = 0;
  for (let r = 0; r < ROUNDS; r++) if (res[1][r] > res[0][r]) wins++;
  for (const i of [0, 1])
    console.log(`${names[i]} ${dists[i]}: median ${median(res[i])} appends/s (runs ${res[i].join(' ')})`);
  console.log(`B faster in ${wins} of ${ROUNDS} rounds (writers ${WRITERS}, ${OPS} appends per run)`);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
