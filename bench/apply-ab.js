#!/usr/bin/env node
// bench/apply-ab.js — in-process A/B of two builds' ZooKeeper apply path (StateMachine.apply of
// setData and create batches, and ZnodeStore.getNode reads), without network, WAL or client.
// Both builds are loaded into one process and run alternately in short rounds, so the VM's
// drift hits both alike; on these shared VMs that resolves differences of a few percent that a
// loadgen A/B (bench/ab-builds.sh) cannot. It has a slot bias of its own: on the EPYC VM of
// 2026-12-03, with the same dist as both builds, B (set up second) was 3-18 % slower per create
// in three runs. Run an A/A, and every A/B in both orders.
//
//   node bench/apply-ab.js OLD_DIST NEW_DIST     # dists: built packages/server/dist of each build
//
// Environment: N (znodes loaded first, 100000), PER (ops per build and round, 8000),
// ROUNDS (16), KINDS ("set create get"). Batches of 32 ops, as a loaded server applies them.
// Prints per kind the median and minimum µs per op of each build and in how many rounds B won.
'use strict';
const [distA, distB] = process.argv.slice(2);
if (!distA || !distB) {
  console.error('usage: node bench/apply-ab.js OLD_DIST NEW_DIST');
  process.exit(2);
}
const N = +(process.env.N || 100000),
  PER = +(process.env.PER || 8000),
  ROUNDS = +(process.env.ROUNDS || 16),
  BATCH = 32;
const fs = require('fs'),
  os = require('os'),
  path = require('path');
function setup(dist) {
  const { Backend } = require(path.resolve(dist, 'src/backend/backend'));
  const { StateMachine } = require(path.resolve(dist, 'src/server/state-machine'));
  const { JuteWriter } = require(path.resolve(dist, 'src/zk/jute'));
  const { CreateMode, OpCode, OPEN_ACL_UNSAFE, writeAcl } = require(
    path.resolve(dist, 'src/zk/records'),
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'applyab-'));
  const sm = new StateMachine(new Backend(dir), { minLeaseTtlSeconds: 2 });
  const st = {
    sm,
    dir,
    index: 0,
    created: 0,
    OpCode,
    JuteWriter,
    CreateMode,
    OPEN_ACL_UNSAFE,
    writeAcl,
  };
  sm.apply([
    {
      index: ++st.index,
      term: 1,
      request: {
        timeMs: 1,
        zkCreateSession: { sessionId: 0x1234, timeoutMs: 30000, password: Buffer.alloc(16) },
      },
    },
  ]);
  return st;
}
const name = (i) => '/n' + String(i).padStart(8, '0');
function ops(st, kind, n, rnd) {
  const { JuteWriter, OpCode, CreateMode, OPEN_ACL_UNSAFE, writeAcl, sm } = st;
  if (kind === 'get') {
    for (let i = 0; i < n; i++)
      if (!sm.zk.getNode(name(Math.floor(rnd() * N)))) throw new Error('get');
    return;
  }
  for (let i = 0; i < n; i += BATCH) {
    const batch = [];
    for (let j = 0; j < BATCH; j++) {
      const body =
        kind === 'create'
          ? new JuteWriter()
              .ustring(name(N + st.created++))
              .buffer(Buffer.alloc(64, 1))
              .vector(OPEN_ACL_UNSAFE, writeAcl)
              .int(CreateMode.PERSISTENT)
              .toBuffer()
          : new JuteWriter()
              .ustring(name(Math.floor(rnd() * N)))
              .buffer(Buffer.alloc(64, 7))
              .int(-1)
              .toBuffer();
      batch.push({
        index: ++st.index,
        term: 1,
        request: {
          timeMs: Date.now(),
          zkOp: {
            sessionId: 0x1234,
            type: kind === 'create' ? OpCode.create : OpCode.setData,
            body,
          },
        },
      });
    }
    const { outcomes } = sm.apply(batch);
    if (outcomes[0].response.err !== 0) throw new Error(kind + ' err ' + outcomes[0].response.err);
  }
}
// the session all ops use, and a store per build, each with its own data directory
const A = setup(distA),
  B = setup(distB);
// N znodes in each store first, not measured
for (const st of [A, B]) {
  const { JuteWriter, OpCode, CreateMode, OPEN_ACL_UNSAFE, writeAcl, sm } = st;
  for (let i = 0; i < N; i += 256) {
    const batch = [];
    for (let j = i; j < Math.min(N, i + 256); j++)
      batch.push({
        index: ++st.index,
        term: 1,
        request: {
          timeMs: 1,
          zkOp: {
            sessionId: 0x1234,
            type: OpCode.create,
            body: new JuteWriter()
              .ustring(name(j))
              .buffer(Buffer.alloc(64, 1))
              .vector(OPEN_ACL_UNSAFE, writeAcl)
              .int(CreateMode.PERSISTENT)
              .toBuffer(),
          },
        },
      });
    sm.apply(batch);
  }
}
const kinds = (process.env.KINDS || 'set create get').split(' ');
const res = {};
for (let r = 0; r < ROUNDS; r++) {
  for (const kind of kinds) {
    const order =
      r % 2
        ? [
            ['B', B],
            ['A', A],
          ]
        : [
            ['A', A],
            ['B', B],
          ];
    for (const [label, st] of order) {
      let seed = 1000 + r;
      const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
      const t0 = process.hrtime.bigint();
      ops(st, kind, PER, rnd);
      const us = Number(process.hrtime.bigint() - t0) / 1000 / PER;
      (res[kind + ' ' + label] ??= []).push(us);
    }
  }
}
const med = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
};
const min = (a) => Math.min(...a);
for (const kind of kinds) {
  const a = res[kind + ' A'],
    b = res[kind + ' B'];
  const wins = a.filter((x, i) => b[i] < x).length;
  console.log(
    `${kind}: A median ${med(a).toFixed(2)} min ${min(a).toFixed(2)} µs | B median ${med(b).toFixed(2)} min ${min(b).toFixed(2)} µs | B faster in ${wins}/${a.length} rounds`,
  );
}
for (const st of [A, B]) fs.rmSync(st.dir, { recursive: true, force: true });
