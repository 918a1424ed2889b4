/**
 * Randomized deterministic simulation of Raft clusters (3 and 5 initial voters, plus spare nodes
 * outside the configuration) under message loss, delay/reordering, duplication, symmetric /
 * one-way / bridge partitions, slow disks, crashes that lose unpersisted Readies, compaction +
 * InstallSnapshot, leader transfers, ReadIndex reads and membership changes (add learner,
 * promote, remove voter — the leader too —, remove learner, re-add a removed node; one at a
 * time, proposed at the leader and applied when the entry is applied; removed nodes are
 * sometimes shut down, new ones catch up from the log or by snapshot). The simulator checks the
 * safety invariants continuously against the configuration in force (see
 * src/raft/testing/sim.ts); at the end the network heals, non-members stop, and the members must
 * converge (liveness) to identical state machines holding every committed entry.
 *
 *   node --test dist/test/raft-sim.test.js                     # default: 5,000 seeds
 *   RAFT_SEEDS=500 node --test dist/test/raft-sim.test.js      # fewer (or more) seeds
 *   RAFT_FIRST_SEED=9001 RAFT_SEEDS=1000 node --test ...       # another range
 *   RAFT_SEED=1234 node --test dist/test/raft-sim.test.js      # replay one seed, with a trace
 *   RAFT_SEED=1234 RAFT_TRACE=20000 node --test ...            # ... with a longer trace
 *
 * The run asserts that leader changes, snapshot installs and membership changes each happen in
 * more than half of the seeds, so the test fails if the fault rates drift too low.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Cluster, emptyStats, SimStats } from '../src/raft/testing/sim';
import { Prng } from '../src/raft/testing/prng';
import { ConfChange, NodeId } from '../src/raft';

const CHAOS_TICKS = 400;
const CONVERGE_TICKS_MAX = 3000;

interface Scenario {
  /** all nodes; the first `voters` form the initial configuration, the rest wait outside */
  nodes: number;
  voters: number;
  preVote: boolean;
  checkQuorum: boolean;
  /** leader heartbeat interval (electionTick is 10) */
  heartbeatTick: number;
  lossRate: number;
  dupRate: number;
  maxDelay: number;
  diskDelayMax: number;
  snapshotThreshold: number;
  maxSizePerMsg: number;
  maxInflightMsgs: number;
  crashRate: number;
  partitionRate: number;
  /** crash victims are mostly the leader and restart quickly */
  churn: boolean;
  /** chance per tick to propose a membership change at the leader (when none is pending) */
  confChangeRate: number;
  /** removals stop at this many voters */
  minVoters: number;
}

function scenario(seed: number): Scenario {
  const r = new Prng(seed ^ 0x9e3779b9);
  if (seed % 4 === 1) {
    // churn: leaders crash right after winning, one entry per MsgApp — the interleavings of
    // Raft's figure 8 (old-term entries on a majority while leadership keeps moving)
    return {
      nodes: 6,
      voters: 5,
      heartbeatTick: 1,
      preVote: r.chance(0.5),
      checkQuorum: r.chance(0.5),
      lossRate: r.pick([0, 0.05]),
      dupRate: 0,
      maxDelay: r.pick([1, 2, 3]),
      diskDelayMax: r.pick([0, 1]),
      snapshotThreshold: r.pick([0, 8, 12, 25]),
      maxSizePerMsg: 1,
      maxInflightMsgs: r.pick([1, 256]),
      crashRate: r.pick([0.03, 0.06]),
      partitionRate: r.pick([0, 0.02]),
      churn: true,
      confChangeRate: r.pick([0.03, 0.08]),
      minVoters: 3,
    };
  }
  const voters = seed % 2 === 0 ? 3 : 5;
  return {
    churn: false,
    voters,
    nodes: voters === 3 ? r.pick([4, 5]) : 6,
    heartbeatTick: r.pick([1, 2, 3]),
    preVote: r.chance(0.7),
    checkQuorum: r.chance(0.7),
    lossRate: r.pick([0, 0, 0.01, 0.05, 0.2]),
    dupRate: r.pick([0, 0.01, 0.05]),
    maxDelay: r.pick([0, 1, 2, 4]),
    diskDelayMax: r.pick([0, 1, 3]),
    snapshotThreshold: r.pick([0, 5, 8, 12, 25]),
    maxSizePerMsg: r.pick([Infinity, 16]),
    maxInflightMsgs: r.pick([1, 4, 256]),
    crashRate: r.pick([0, 0.004, 0.015]),
    partitionRate: r.pick([0, 0.01, 0.03]),
    confChangeRate: r.pick([0, 0.02, 0.05, 0.1]),
    minVoters: r.pick([2, 3]),
  };
}

type PartitionKind = 'isolate' | 'split' | 'oneway' | 'bridge';

export interface RunResult {
  stats: SimStats;
  partitionKinds: Record<PartitionKind, number>;
  /** removed nodes added back */
  readds: number;
  /** removed nodes shut down */
  decommissioned: number;
}

/** A failed run, with the simulator's last events when tracing was on. */
class SeedFailure extends Error {
  constructor(
    readonly error: unknown,
    readonly trace: string[],
  ) {
    super(error instanceof Error ? error.message : String(error));
    if (error instanceof Error && error.stack) this.stack = error.stack;
  }
}

export function runSeed(seed: number, trace = 0): RunResult {
  const { churn: _churn, confChangeRate: _cr, minVoters: _mv, voters, ...sc } = scenario(seed);
  const initialVoters = Array.from({ length: voters }, (_, i) => i + 1);
  const c = new Cluster({ seed, trace, electionTick: 10, minDelay: 0, initialVoters, ...sc });
  try {
    return drive(c, seed);
  } catch (e) {
    throw new SeedFailure(e, [...c.recentTrace(), ...c.describe()]);
  }
}

function drive(c: Cluster, seed: number): RunResult {
  const sc = scenario(seed);
  const rng = new Prng(seed * 2654435761);
  const ids = c.ids;
  const restartAt = new Map<NodeId, number>();
  let healAt = -1;
  const partitionKinds: Record<PartitionKind, number> = {
    isolate: 0,
    split: 0,
    oneway: 0,
    bridge: 0,
  };
  const maxDown = Math.floor((sc.voters - 1) / 2) + 1; // sometimes more than a minority is down
  const m: Membership = { everMember: new Set(c.members()), decommissioned: new Set(), readds: 0 };

  for (let t = 0; t < CHAOS_TICKS; t++) {
    // clients
    if (rng.chance(sc.churn ? 0.6 : 0.35)) c.propose(rng.pick(ids));
    if (rng.chance(0.05)) c.read(rng.pick(ids));
    if (rng.chance(0.004)) c.transferLeader(rng.pick(ids));
    // membership
    if (rng.chance(sc.confChangeRate)) changeMembership(c, rng, sc, m, restartAt);
    decommission(c, rng, m, restartAt);
    // crashes and restarts
    for (const [id, at] of restartAt)
      if (at <= c.now) {
        c.restart(id);
        restartAt.delete(id);
      }
    if (rng.chance(sc.crashRate) && restartAt.size < maxDown) {
      const up = ids.filter((id) => c.isUp(id) && !m.decommissioned.has(id));
      const leaderBias = sc.churn ? 0.9 : 0.5;
      const victim =
        rng.chance(leaderBias) && c.leader() !== undefined ? c.leader()! : rng.pick(up);
      if (victim !== undefined) {
        c.crash(victim, rng.chance(0.5));
        restartAt.set(victim, c.now + (sc.churn ? rng.range(1, 15) : rng.range(3, 80)));
      }
    }
    // partitions
    if (healAt >= 0 && healAt <= c.now) {
      c.heal();
      healAt = -1;
    }
    if (healAt < 0 && rng.chance(sc.partitionRate)) {
      const kind = rng.pick<PartitionKind>(['isolate', 'split', 'oneway', 'bridge']);
      partitionKinds[kind]++;
      const shuffled = rng.shuffle([...ids]);
      const leader = c.leader();
      switch (kind) {
        case 'isolate':
          c.isolate(leader !== undefined && rng.chance(0.5) ? leader : shuffled[0]);
          break;
        case 'split': {
          const k = rng.range(1, ids.length - 1);
          c.partition(shuffled.slice(0, k), shuffled.slice(k));
          break;
        }
        case 'oneway': {
          // one node stops hearing some others (it can still talk to them)
          const victim = shuffled[0];
          for (const other of shuffled.slice(1)) if (rng.chance(0.7)) c.cut(other, victim);
          c.stats.partitions++;
          break;
        }
        case 'bridge': {
          // two halves that only one "bridge" node connects
          const bridge = shuffled[0];
          const rest = shuffled.slice(1);
          const half = Math.floor(rest.length / 2);
          c.partition(rest.slice(0, half), rest.slice(half));
          void bridge;
          break;
        }
      }
      healAt = c.now + rng.range(5, 120);
    }
    c.tick();
  }

  // heal everything, run only the members of the configuration in force (it may still change as
  // conf changes proposed during the chaos commit) and require convergence
  c.heal();
  c.setFaults({ lossRate: 0, dupRate: 0 });
  let marker: string | undefined;
  let markerAt = -1;
  c.runUntil(
    () => {
      const members = c.members();
      for (const id of ids) {
        if (members.includes(id)) c.restart(id);
        else if (c.isUp(id)) c.stop(id);
      }
      const l = c.leader();
      if (l !== undefined && (marker === undefined || c.now - markerAt > 40)) {
        marker = c.propose(l, `marker-${c.now}`);
        markerAt = c.now;
      }
      return (
        marker !== undefined &&
        c.converged(members) &&
        members.every((id) => c.node(id).sm.includes(marker!))
      );
    },
    CONVERGE_TICKS_MAX,
    'convergence after healing',
  );
  c.checkLogMatching();
  c.checkConvergedState(c.members());
  return {
    stats: c.stats,
    partitionKinds,
    readds: m.readds,
    decommissioned: m.decommissioned.size,
  };
}

interface Membership {
  /** nodes that were in some configuration */
  everMember: Set<NodeId>;
  /** removed nodes shut down (restarted only if added back) */
  decommissioned: Set<NodeId>;
  readds: number;
}

/**
 * Proposes one membership change at the leader, computed from the leader's configuration (the
 * latest in its log: the core takes a change only once every earlier one is applied).
 */
function changeMembership(
  c: Cluster,
  rng: Prng,
  sc: Scenario,
  m: Membership,
  restartAt: Map<NodeId, number>,
): void {
  const l = c.leader();
  if (l === undefined || c.confChangePending(l)) return;
  const { voters, learners } = c.node(l).conf;
  const outside = c.ids.filter((id) => !voters.includes(id) && !learners.includes(id));
  const options: ConfChange[] = [];
  if (outside.length > 0) options.push({ type: 'addLearner', nodeId: rng.pick(outside) });
  if (learners.length > 0) {
    const x = rng.pick(learners);
    const pr = c.raw(l).raft.trk.progress.get(x);
    const caughtUp = pr !== undefined && pr.match + 3 >= c.raw(l).raft.log.lastIndex();
    if (caughtUp || rng.chance(0.3))
      options.push({ type: 'addNode', nodeId: x }, { type: 'addNode', nodeId: x });
    if (rng.chance(0.2)) options.push({ type: 'removeNode', nodeId: x });
  }
  if (voters.length > sc.minVoters) {
    // the leader itself often enough that leader removal happens in many seeds
    options.push({ type: 'removeNode', nodeId: rng.chance(0.35) ? l : rng.pick(voters) });
  }
  if (options.length === 0) return;
  const cc = rng.pick(options);
  if (cc.type === 'addLearner') {
    if (m.everMember.has(cc.nodeId)) m.readds++;
    m.everMember.add(cc.nodeId);
    if (m.decommissioned.delete(cc.nodeId)) {
      restartAt.delete(cc.nodeId);
      c.restart(cc.nodeId); // back with its old disk
    }
  }
  c.trace(`driver: propose ${cc.type} ${cc.nodeId} at ${l}`);
  c.proposeConfChange(l, cc);
}

/** Shuts down some nodes that know they were removed (as an operator would). */
function decommission(c: Cluster, rng: Prng, m: Membership, restartAt: Map<NodeId, number>): void {
  const members = c.members();
  for (const id of c.ids) {
    if (members.includes(id) || m.decommissioned.has(id) || !c.isUp(id)) continue;
    const own = c.node(id).conf;
    if (own.voters.includes(id) || own.learners.includes(id) || !m.everMember.has(id)) continue;
    if (!rng.chance(0.05)) continue;
    c.stop(id);
    restartAt.delete(id);
    m.decommissioned.add(id);
  }
}

function envInt(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer`);
  return n;
}

const single = envInt('RAFT_SEED');
const seedCount = envInt('RAFT_SEEDS') ?? 5000;
const firstSeed = envInt('RAFT_FIRST_SEED') ?? 1;

function replayHint(seed: number): string {
  return `RAFT_SEED=${seed} node --test dist/test/raft-sim.test.js   (in packages/server)`;
}

/** What a batch of seeds did: totals, and in how many seeds each thing happened at least once. */
interface Tally {
  seeds: number;
  total: SimStats;
  kinds: Record<string, number>;
  readds: number;
  decommissioned: number;
  with: {
    election: number;
    leaderChange: number;
    snapshotInstall: number;
    freshSnapshot: number;
    confChange: number;
    leaderRemoval: number;
    readd: number;
    partition: number;
    crash: number;
  };
  /** the first failing seed of the batch (the batch stops there) */
  failure?: { seed: number; message: string };
}

function emptyTally(): Tally {
  return {
    seeds: 0,
    total: emptyStats(),
    kinds: {},
    readds: 0,
    decommissioned: 0,
    with: {
      election: 0,
      leaderChange: 0,
      snapshotInstall: 0,
      freshSnapshot: 0,
      confChange: 0,
      leaderRemoval: 0,
      readd: 0,
      partition: 0,
      crash: 0,
    },
  };
}

/** Runs seeds first+offset, first+offset+stride, ... below first+count. */
function runBatch(first: number, count: number, stride: number, offset: number): Tally {
  const t = emptyTally();
  for (let seed = first + offset; seed < first + count; seed += stride) {
    let r: RunResult;
    try {
      r = runSeed(seed);
    } catch (e) {
      t.failure = { seed, message: e instanceof Error ? e.message : String(e) };
      return t;
    }
    t.seeds++;
    const st = r.stats;
    for (const k of Object.keys(t.total) as Array<keyof SimStats>) t.total[k] += st[k];
    for (const [k, v] of Object.entries(r.partitionKinds)) t.kinds[k] = (t.kinds[k] ?? 0) + v;
    t.readds += r.readds;
    t.decommissioned += r.decommissioned;
    const w = t.with;
    if (st.elections >= 1) w.election++;
    if (st.elections >= 2) w.leaderChange++;
    if (st.snapshotsInstalled >= 1) w.snapshotInstall++;
    if (st.freshSnapshots >= 1) w.freshSnapshot++;
    if (st.confChanges >= 1) w.confChange++;
    if (st.leaderRemovals >= 1) w.leaderRemoval++;
    if (r.readds >= 1) w.readd++;
    if (st.partitions >= 1) w.partition++;
    if (st.crashes >= 1) w.crash++;
  }
  return t;
}

function merge(a: Tally, b: Tally): Tally {
  const m = emptyTally();
  m.seeds = a.seeds + b.seeds;
  for (const k of Object.keys(m.total) as Array<keyof SimStats>)
    m.total[k] = a.total[k] + b.total[k];
  for (const src of [a.kinds, b.kinds])
    for (const [k, v] of Object.entries(src)) m.kinds[k] = (m.kinds[k] ?? 0) + v;
  m.readds = a.readds + b.readds;
  m.decommissioned = a.decommissioned + b.decommissioned;
  for (const k of Object.keys(m.with) as Array<keyof Tally['with']>)
    m.with[k] = a.with[k] + b.with[k];
  // each batch stops at its first failure, so the lowest of those is the lowest failing seed
  const fs = [a.failure, b.failure].filter((f) => f !== undefined);
  if (fs.length > 0) m.failure = fs.reduce((x, y) => (y.seed < x.seed ? y : x));
  return m;
}

interface BatchJob {
  raftSimBatch: true;
  first: number;
  count: number;
  stride: number;
  offset: number;
}

/** Seeds are independent and deterministic: split them over worker threads (RAFT_WORKERS). */
async function runSeeds(first: number, count: number): Promise<{ tally: Tally; workers: number }> {
  const cpus =
    typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const workers = Math.max(
    1,
    Math.min(envInt('RAFT_WORKERS') ?? Math.min(cpus, 4), Math.ceil(count / 100)),
  );
  if (workers === 1) return { tally: runBatch(first, count, 1, 0), workers };
  const parts = await Promise.all(
    Array.from({ length: workers }, (_, offset) => {
      const job: BatchJob = { raftSimBatch: true, first, count, stride: workers, offset };
      return new Promise<Tally>((resolve, reject) => {
        const w = new Worker(__filename, { workerData: job });
        w.once('message', (t: Tally) => resolve(t));
        w.once('error', reject);
        w.once('exit', (code) => reject(new Error(`raft sim worker exited with code ${code}`)));
      });
    }),
  );
  return { tally: parts.reduce(merge), workers };
}

const job = isMainThread ? undefined : (workerData as BatchJob | undefined);
if (job?.raftSimBatch) {
  parentPort!.postMessage(runBatch(job.first, job.count, job.stride, job.offset));
} else if (single !== undefined) {
  test(`raft simulation: replay seed ${single}`, () => {
    console.log(`scenario: ${JSON.stringify(scenario(single))}`);
    try {
      console.log(JSON.stringify(runSeed(single, envInt('RAFT_TRACE') ?? 400)));
    } catch (e) {
      if (e instanceof SeedFailure) console.log(e.trace.join('\n'));
      throw e;
    }
  });
} else {
  test(`raft simulation: ${seedCount} seeds, 3 and 5 voters + spares, faults and membership changes, invariants checked`, async () => {
    const started = Date.now();
    const { tally: t, workers } = await runSeeds(firstSeed, seedCount);
    const secs = (Date.now() - started) / 1000;
    if (t.failure) {
      const { seed, message } = t.failure;
      console.log(`raft sim: seed ${seed} FAILED: ${message}\n  replay: ${replayHint(seed)}`);
      assert.fail(
        `seed ${seed} failed: ${message}\n  scenario: ${JSON.stringify(scenario(seed))}\n  replay: ${replayHint(seed)}`,
      );
    }
    const n = t.seeds;
    const w = t.with;
    const total = t.total;
    const pct = (k: number) => `${k} (${((100 * k) / n).toFixed(1)}%)`;
    console.log(
      `raft sim: ${n} seeds (${firstSeed}..${firstSeed + seedCount - 1}) in ${secs.toFixed(1)}s on ${workers} thread(s)\n` +
        `  seeds with >=1 election ${pct(w.election)}, >=2 elections (leader change) ${pct(w.leaderChange)}, ` +
        `>=1 snapshot install ${pct(w.snapshotInstall)} (by a new node ${pct(w.freshSnapshot)}), ` +
        `>=1 membership change ${pct(w.confChange)} (leader removed ${pct(w.leaderRemoval)}, ` +
        `node re-added ${pct(w.readd)}), with partitions ${pct(w.partition)}, with crashes ${pct(w.crash)}\n` +
        `  totals: elections ${total.elections}, committed entries ${total.committed}, reads ${total.reads}, ` +
        `membership changes ${total.confChanges} (leader removals ${total.leaderRemovals}, re-adds ${t.readds}, ` +
        `shut down after removal ${t.decommissioned}, fresh snapshots for new members ${total.snapshotsForNewMembers}), ` +
        `partitions ${total.partitions} ${JSON.stringify(t.kinds)}, crashes ${total.crashes} ` +
        `(${total.crashesLosingWrites} losing unpersisted writes), compactions ${total.compactions}, ` +
        `snapshots sent ${total.snapshotsSent} / installed ${total.snapshotsInstalled} ` +
        `(${total.freshSnapshots} by new nodes), ` +
        `messages ${total.messages} (dropped ${total.dropped}, duplicated ${total.duplicated})`,
    );
    assert.equal(n, seedCount);
    const most = (k: number, what: string) =>
      assert.ok(k * 2 > n, `${what} in only ${k} of ${n} seeds: fault rates drifted too low`);
    if (n >= 100) {
      most(w.leaderChange, 'leader changes (>= 2 elections)');
      most(w.snapshotInstall, 'snapshot installs');
      most(w.confChange, 'membership changes');
      assert.ok(total.crashesLosingWrites > 0, 'crashes losing unpersisted state exercised');
      assert.ok(total.partitions > 0 && total.reads > 0, 'partitions and reads exercised');
      assert.ok(
        total.leaderRemovals > 0 && total.freshSnapshots > 0 && t.readds > 0,
        'leader removal, new node by snapshot, re-add',
      );
    }
  });
}
