/**
 * Randomized deterministic simulation of Raft clusters (3 and 5 nodes) under message loss,
 * delay/reordering, duplication, symmetric / one-way / bridge partitions, slow disks, crashes
 * that lose unpersisted Readies, compaction + InstallSnapshot, leader transfers and ReadIndex
 * reads. The simulator checks the safety invariants continuously (see src/raft/testing/sim.ts);
 * at the end the network heals and the cluster must converge (liveness) to identical state
 * machines holding every committed entry.
 *
 *   node --test dist/test/raft-sim.test.js                     # default seed count
 *   RAFT_SEEDS=5000 node --test dist/test/raft-sim.test.js     # more seeds
 *   RAFT_SEED=1234 node --test dist/test/raft-sim.test.js      # replay one seed, with a trace
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Cluster, SimStats } from '../src/raft/testing/sim';
import { Prng } from '../src/raft/testing/prng';
import { NodeId } from '../src/raft';

const CHAOS_TICKS = 400;
const CONVERGE_TICKS_MAX = 3000;

interface Scenario {
  nodes: number;
  preVote: boolean;
  checkQuorum: boolean;
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
}

function scenario(seed: number): Scenario {
  const r = new Prng(seed ^ 0x9e3779b9);
  if (seed % 4 === 1) {
    // churn: leaders crash right after winning, one entry per MsgApp — the interleavings of
    // Raft's figure 8 (old-term entries on a majority while leadership keeps moving)
    return {
      nodes: 5,
      preVote: r.chance(0.5),
      checkQuorum: r.chance(0.5),
      lossRate: r.pick([0, 0.05]),
      dupRate: 0,
      maxDelay: r.pick([1, 2, 3]),
      diskDelayMax: r.pick([0, 1]),
      snapshotThreshold: r.pick([0, 25]),
      maxSizePerMsg: 1,
      maxInflightMsgs: r.pick([1, 256]),
      crashRate: r.pick([0.03, 0.06]),
      partitionRate: r.pick([0, 0.02]),
      churn: true,
    };
  }
  return {
    churn: false,
    nodes: seed % 2 === 0 ? 3 : 5,
    preVote: r.chance(0.7),
    checkQuorum: r.chance(0.7),
    lossRate: r.pick([0, 0, 0.01, 0.05, 0.2]),
    dupRate: r.pick([0, 0.01, 0.05]),
    maxDelay: r.pick([0, 1, 2, 4]),
    diskDelayMax: r.pick([0, 1, 3]),
    snapshotThreshold: r.pick([0, 6, 25]),
    maxSizePerMsg: r.pick([Infinity, 16]),
    maxInflightMsgs: r.pick([1, 4, 256]),
    crashRate: r.pick([0, 0.004, 0.015]),
    partitionRate: r.pick([0, 0.01, 0.03]),
  };
}

type PartitionKind = 'isolate' | 'split' | 'oneway' | 'bridge';

export interface RunResult {
  stats: SimStats;
  partitionKinds: Record<PartitionKind, number>;
}

/** A failed run, with the simulator's last events when tracing was on. */
class SeedFailure extends Error {
  constructor(
    readonly error: unknown,
    readonly trace: string[],
  ) {
    super(error instanceof Error ? error.message : String(error));
  }
}

export function runSeed(seed: number, trace = 0): RunResult {
  const { churn: _churn, ...sc } = scenario(seed);
  const c = new Cluster({ seed, trace, electionTick: 10, heartbeatTick: 1, minDelay: 0, ...sc });
  try {
    return drive(c, seed);
  } catch (e) {
    throw new SeedFailure(e, c.recentTrace());
  }
}

function drive(c: Cluster, seed: number): RunResult {
  const sc = scenario(seed);
  const rng = new Prng(seed * 2654435761);
  const ids = c.ids;
  const restartAt = new Map<NodeId, number>();
  let healAt = -1;
  const partitionKinds: Record<PartitionKind, number> = { isolate: 0, split: 0, oneway: 0, bridge: 0 };
  const maxDown = Math.floor((ids.length - 1) / 2) + 1; // sometimes more than a minority is down

  for (let t = 0; t < CHAOS_TICKS; t++) {
    // clients
    if (rng.chance(sc.churn ? 0.6 : 0.35)) c.propose(rng.pick(ids));
    if (rng.chance(0.05)) c.read(rng.pick(ids));
    if (rng.chance(0.004)) c.transferLeader(rng.pick(ids));
    // crashes and restarts
    for (const [id, at] of restartAt)
      if (at <= c.now) {
        c.restart(id);
        restartAt.delete(id);
      }
    if (rng.chance(sc.crashRate) && restartAt.size < maxDown) {
      const up = ids.filter((id) => c.isUp(id));
      const leaderBias = sc.churn ? 0.9 : 0.5;
      const victim = rng.chance(leaderBias) && c.leader() !== undefined ? c.leader()! : rng.pick(up);
      c.crash(victim, rng.chance(0.5));
      restartAt.set(victim, c.now + (sc.churn ? rng.range(1, 15) : rng.range(3, 80)));
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

  // heal everything and require convergence
  c.heal();
  for (const id of ids) c.restart(id);
  c.setFaults({ lossRate: 0, dupRate: 0 });
  let marker: string | undefined;
  let markerAt = -1;
  c.runUntil(
    () => {
      const l = c.leader();
      if (l !== undefined && (marker === undefined || c.now - markerAt > 40)) {
        marker = c.propose(l, `marker-${c.now}`);
        markerAt = c.now;
      }
      return marker !== undefined && c.converged() && ids.every((id) => c.node(id).sm.includes(marker!));
    },
    CONVERGE_TICKS_MAX,
    'convergence after healing',
  );
  c.checkLogMatching();
  c.checkConvergedState();
  return { stats: c.stats, partitionKinds };
}

function envInt(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer`);
  return n;
}

const single = envInt('RAFT_SEED');
const seedCount = envInt('RAFT_SEEDS') ?? 500;
const firstSeed = envInt('RAFT_FIRST_SEED') ?? 1;

if (single !== undefined) {
  test(`raft simulation: replay seed ${single}`, () => {
    console.log(`scenario: ${JSON.stringify(scenario(single))}`);
    try {
      console.log(JSON.stringify(runSeed(single, 400)));
    } catch (e) {
      if (e instanceof SeedFailure) console.log(e.trace.join('\n'));
      throw e;
    }
  });
} else {
  test(`raft simulation: ${seedCount} seeds, 3 and 5 nodes, faults on, invariants checked`, () => {
    const total: SimStats = {
      ticks: 0,
      elections: 0,
      messages: 0,
      dropped: 0,
      duplicated: 0,
      partitions: 0,
      crashes: 0,
      crashesLosingWrites: 0,
      snapshotsSent: 0,
      snapshotsInstalled: 0,
      compactions: 0,
      proposals: 0,
      committed: 0,
      reads: 0,
      transfers: 0,
    };
    const kinds: Record<string, number> = {};
    const started = Date.now();
    for (let seed = firstSeed; seed < firstSeed + seedCount; seed++) {
      let r: RunResult;
      try {
        r = runSeed(seed);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        assert.fail(
          `seed ${seed} failed: ${msg}\n  scenario: ${JSON.stringify(scenario(seed))}\n` +
            `  replay: RAFT_SEED=${seed} node --test dist/test/raft-sim.test.js`,
        );
      }
      for (const k of Object.keys(total) as Array<keyof SimStats>) total[k] += r.stats[k];
      for (const [k, v] of Object.entries(r.partitionKinds)) kinds[k] = (kinds[k] ?? 0) + v;
    }
    const secs = (Date.now() - started) / 1000;
    console.log(
      `raft sim: ${seedCount} seeds in ${secs.toFixed(1)}s — ` +
        `elections ${total.elections}, committed entries ${total.committed}, reads ${total.reads}, ` +
        `partitions ${total.partitions} ${JSON.stringify(kinds)}, crashes ${total.crashes} ` +
        `(${total.crashesLosingWrites} losing unpersisted writes), compactions ${total.compactions}, ` +
        `snapshots sent ${total.snapshotsSent} / installed ${total.snapshotsInstalled}, ` +
        `messages ${total.messages} (dropped ${total.dropped}, duplicated ${total.duplicated})`,
    );
    assert.ok(total.elections > seedCount, 'elections exercised');
    assert.ok(total.snapshotsInstalled > 0, 'snapshots exercised');
    assert.ok(total.crashesLosingWrites > 0, 'crashes losing unpersisted state exercised');
    assert.ok(total.partitions > 0 && total.reads > 0, 'partitions and reads exercised');
  });
}
