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
  const node = new RawNode({
    id: 2,
    storage,
    electionTick: 10,
    heartbeatTick: 1,
    random: () => 0.5,
  });
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
  for (const e of rd.committedEntries)
    if (e.type === 'confChange') node.applyConfChange(decodeConfChange(e.data));
  node.advance(rd);
  // drain; the leader (re)sends the snapshot until the follower has installed it
  for (let round = 0; round < 3 && storage.snapshot().meta.index < 10; round++) {
    for (let r = node.ready(); r; r = node.ready()) {
      persist(storage, r);
      node.advance(r);
    }
    if (storage.snapshot().meta.index < 10)
      node.step({ type: 'MsgSnap', from: 1, to: 2, term: 1, snapshot });
  }
  assert.equal(storage.snapshot().meta.index, 10, 'snapshot installed');
  // before the fix: voters [1, 2, 3, 4] — "addNode 4" applied over the snapshot's configuration
  assert.deepEqual(
    node.raft.trk.confState(),
    { voters: [1, 2, 3], learners: [] },
    'the snapshot configuration',
  );
});

// Sim seed 1259 (check-quorum and pre-vote off): leader 4 (term 47, voters {1, 4}) needed node 1,
// which had not yet received its promotion (a learner in its own configuration, so it never
// campaigns) and whose term a removed node's MsgVotes had raised to 219. Node 1 ignored the stale
// leader's MsgApp/heartbeats without answering, so the leader never learned the newer term and
// the cluster stalled for good. A stale MsgApp/heartbeat is now answered with our term.
test('raft: a stale leader learns the newer term from a follower even without check-quorum and pre-vote', () => {
  const storage = new MemoryStorage({ voters: [1, 2, 3], learners: [] });
  storage.setHardState({ term: 219, vote: 0, commit: 0 });
  const node = new RawNode({
    id: 2,
    storage,
    electionTick: 10,
    heartbeatTick: 1,
    checkQuorum: false,
    preVote: false,
    random: () => 0.5,
  });
  for (const m of [
    { type: 'MsgHeartbeat' as const, from: 1, to: 2, term: 47, commit: 0 },
    {
      type: 'MsgApp' as const,
      from: 1,
      to: 2,
      term: 47,
      index: 0,
      logTerm: 0,
      commit: 0,
      entries: [],
    },
  ]) {
    node.step(m);
    const rd = node.ready()!;
    assert.ok(rd, `an answer to the stale ${m.type}`);
    const resp = rd.messages.find((x) => x.to === 1);
    assert.ok(resp && resp.term === 219, `the stale ${m.type} is answered at term 219`);
    node.advance(rd);
  }
  assert.equal(node.raft.term, 219);
  // and the stale leader steps down on it
  const leaderStorage = new MemoryStorage({ voters: [1], learners: [] });
  const leader = new RawNode({
    id: 1,
    storage: leaderStorage,
    electionTick: 10,
    heartbeatTick: 1,
    random: () => 0.5,
  });
  leader.campaign();
  assert.equal(leader.raft.state, 'leader');
  leader.step({
    type: 'MsgAppResp',
    from: 2,
    to: 1,
    term: 219,
    index: 0,
    reject: false,
    rejectHint: 0,
    logTerm: 0,
  });
  assert.equal(leader.raft.state, 'follower');
  assert.equal(leader.raft.term, 219);
});

// Sim seed 7452: voters {2, 3}; node 2 held the whole log, node 3 a stale log and a stale
// configuration in which 2 is a learner (so 3 never asked 2 for its vote), at a higher term.
// Node 3 ignored 2's lower-term MsgVotes without answering, so 2 never caught up on the term and
// neither could win, forever. A stale MsgVote is now rejected with our term.
test('raft: a stale MsgVote is rejected with our term, and the candidate adopts it', () => {
  const storage = new MemoryStorage({ voters: [2, 3], learners: [] });
  storage.setHardState({ term: 231, vote: 3, commit: 0 });
  const voter = new RawNode({
    id: 3,
    storage,
    electionTick: 10,
    heartbeatTick: 1,
    random: () => 0.5,
  });
  voter.step({ type: 'MsgVote', from: 2, to: 3, term: 228, index: 44, logTerm: 14, force: false });
  const rd = voter.ready()!;
  const resp = rd?.messages.find((x) => x.to === 2);
  assert.ok(
    resp && resp.type === 'MsgVoteResp' && resp.reject && resp.term === 231,
    JSON.stringify(resp),
  );
  voter.advance(rd);

  const cStorage = new MemoryStorage({ voters: [2, 3], learners: [] });
  cStorage.setHardState({ term: 227, vote: 0, commit: 0 });
  const candidate = new RawNode({
    id: 2,
    storage: cStorage,
    electionTick: 10,
    heartbeatTick: 1,
    random: () => 0.5,
  });
  candidate.campaign();
  assert.equal(candidate.raft.state, 'candidate');
  assert.equal(candidate.raft.term, 228);
  candidate.step(resp);
  assert.equal(candidate.raft.state, 'follower');
  assert.equal(candidate.raft.term, 231, 'the next campaign is at 232, which node 3 answers');
});
