/**
 * Regressions found by the Raft simulation (test/raft-sim.test.ts), pinned as small
 * deterministic tests against RawNode.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { RawNode } from '../src/raft/rawnode';
import { MemoryStorage } from '../src/raft/storage';
import { ConfChange, decodeConfChange, encodeConfChange, Entry, Ready } from '../src/raft/types';

function persist(s: MemoryStorage, rd: Ready): void {
  if (rd.snapshot) s.applySnapshot(rd.snapshot);
  s.append(rd.entries);
  if (rd.hardState) s.setHardState(rd.hardState);
}

function cc(index: number, c: ConfChange): Entry {
  return { index, term: 1, type: 'confChange', data: encodeConfChange(c) };
}

// Sim seed 303 (RAFT_SEED=303 before the fix): a follower had a Ready out whose committed
// entries held a conf change; while the application was still writing it (a slow disk), a MsgSnap
// arrived and Raft installed the snapshot's configuration at once. The application then applied
// the older conf change on top of the snapshot's newer configuration — here re-adding a voter the
// snapshot had already removed, a wrong voter set for good.
test('raft: a snapshot arriving while committed conf changes are unapplied does not make them apply on top of its configuration', () => {
  const storage = new MemoryStorage({ voters: [1, 2, 3], learners: [] });
  const node = new RawNode({ id: 2, storage, electionTick: 10, heartbeatTick: 1, random: () => 0.5 });
  // leader 1 replicates and commits: 1 addLearner 4, 2 addNode 4 (promote)
  node.step({
    type: 'MsgApp',
    from: 1,
    to: 2,
    term: 1,
    index: 0,
    logTerm: 0,
    commit: 2,
    entries: [cc(1, { type: 'addLearner', nodeId: 4 }), cc(2, { type: 'addNode', nodeId: 4 })],
  });
  const rd = node.ready()!;
  assert.equal(rd.committedEntries.length, 2);
  persist(storage, rd);
  // ... the write is in progress when a snapshot from after "remove 4" (index 10) arrives
  const snapshot = {
    meta: { index: 10, term: 1, confState: { voters: [1, 2, 3], learners: [] } },
    data: Buffer.from('state at 10'),
  };
  node.step({ type: 'MsgSnap', from: 1, to: 2, term: 1, snapshot });
  // the application finishes the Ready: applies the committed conf changes, then advances
  for (const e of rd.committedEntries) if (e.type === 'confChange') node.applyConfChange(decodeConfChange(e.data));
  node.advance(rd);
  // drain; the leader (re)sends the snapshot until the follower has installed it
  for (let round = 0; round < 3 && storage.snapshot().meta.index < 10; round++) {
    for (let r = node.ready(); r; r = node.ready()) {
      persist(storage, r);
      node.advance(r);
    }
    if (storage.snapshot().meta.index < 10) node.step({ type: 'MsgSnap', from: 1, to: 2, term: 1, snapshot });
  }
  assert.equal(storage.snapshot().meta.index, 10, 'snapshot installed');
  // before the fix: voters [1, 2, 3, 4] — "addNode 4" applied over the snapshot's configuration
  assert.deepEqual(node.raft.trk.confState(), { voters: [1, 2, 3], learners: [] }, 'the snapshot configuration');
});
