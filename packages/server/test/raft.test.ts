/**
 * Scenario tests for the pure Raft core. Small, explicit clusters: either a hand-driven message
 * pump over RawNodes with prepared logs, or the simulator (src/raft/testing/sim.ts) with faults
 * switched off and instant delivery.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { MemoryStorage, Message, ProposalDroppedError, RawNode } from '../src/raft';
import { RaftLog } from '../src/raft/log';
import { ProgressTracker } from '../src/raft/progress';
import { Cluster } from '../src/raft/testing/sim';
import { byteGroups } from '../src/server/raft-log';

// ---- hand-driven pump ----------------------------------------------------------------------

interface PNode {
  raw: RawNode;
  storage: MemoryStorage;
  applied: string[];
  reads: Map<string, number>;
}

/** Builds a node whose storage holds entries with the given terms (indexes 1..n). */
function prepared(
  id: number,
  voters: number[],
  terms: number[],
  hsTerm = terms[terms.length - 1] ?? 0,
  maxSizePerMsg = Infinity,
): PNode {
  const storage = new MemoryStorage({ voters, learners: [] });
  storage.append(
    terms.map((t, i) => ({
      index: i + 1,
      term: t,
      type: 'normal' as const,
      data: Buffer.from(`${i + 1}@${t}`),
    })),
  );
  storage.setHardState({ term: hsTerm, vote: 0, commit: 0 });
  const raw = new RawNode({
    id,
    storage,
    electionTick: 10,
    heartbeatTick: 1,
    random: () => 0,
    maxSizePerMsg,
  });
  return { raw, storage, applied: [], reads: new Map() };
}

/**
 * Processes Readies (persist, then send, then apply) and delivers messages until quiet.
 * Messages to nodes in `down` or rejected by `deliver` are dropped. Returns every message sent.
 */
function pump(
  nodes: Map<number, PNode>,
  down = new Set<number>(),
  deliver: (m: Message) => boolean = () => true,
): Message[] {
  const log: Message[] = [];
  for (let round = 0; round < 1000; round++) {
    const out: Message[] = [];
    for (const n of nodes.values()) {
      for (;;) {
        const rd = n.raw.ready();
        if (!rd) break;
        if (rd.snapshot) n.storage.applySnapshot(rd.snapshot);
        n.storage.append(rd.entries);
        if (rd.hardState) n.storage.setHardState(rd.hardState);
        out.push(...rd.messages);
        for (const e of rd.committedEntries) n.applied.push(e.data.toString());
        for (const rs of rd.readStates) n.reads.set(rs.context, rs.index);
        n.raw.advance(rd);
      }
    }
    if (out.length === 0) return log;
    for (const m of out) {
      log.push(m);
      if (!down.has(m.to) && nodes.has(m.to) && deliver(m)) nodes.get(m.to)!.raw.step(m);
    }
  }
  throw new Error('pump did not quiesce');
}

/** Three empty voters, node 1 elected leader (its no-op entry committed everywhere). */
function electedTrio(): Map<number, PNode> {
  const nodes = new Map([1, 2, 3].map((id) => [id, prepared(id, [1, 2, 3], [])]));
  nodes.get(1)!.raw.campaign();
  pump(nodes);
  return nodes;
}

function terms(n: PNode): number[] {
  const log = n.raw.raft.log;
  const out: number[] = [];
  for (let i = log.firstIndex(); i <= log.lastIndex(); i++) out.push(log.term(i)!);
  return out;
}

// ---- storage and log -----------------------------------------------------------------------

test('MemoryStorage: append overwrites a suffix, compaction keeps the snapshot term', () => {
  const s = new MemoryStorage({ voters: [1], learners: [] });
  const e = (index: number, term: number) => ({
    index,
    term,
    type: 'normal' as const,
    data: Buffer.from('x'),
  });
  s.append([e(1, 1), e(2, 1), e(3, 1)]);
  s.append([e(2, 2)]);
  assert.equal(s.lastIndex(), 2);
  assert.equal(s.term(2), 2);
  s.append([e(3, 2), e(4, 2)]);
  s.createSnapshot(3, { voters: [1], learners: [] }, Buffer.from('snap'));
  s.compact(3);
  assert.equal(s.firstIndex(), 4);
  assert.equal(s.term(3), 2);
  assert.throws(() => s.entries(3, 5), /compacted/);
  assert.deepEqual(
    s.entries(4, 5).map((x) => x.index),
    [4],
  );
});

test('RaftLog: findConflictByTerm skips whole terms; unstable survives overwrite during write', () => {
  const s = new MemoryStorage({ voters: [1], learners: [] });
  const mk = (ts: number[], from = 1) =>
    ts.map((t, i) => ({
      index: from + i,
      term: t,
      type: 'normal' as const,
      data: Buffer.alloc(0),
    }));
  s.append(mk([1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3]));
  const log = new RaftLog(s);
  assert.equal(log.findConflictByTerm(10, 6), 10);
  assert.equal(log.findConflictByTerm(10, 2), 6);
  assert.equal(log.findConflictByTerm(10, 1), 3);
  assert.equal(log.findConflictByTerm(10, 0), 0);

  // a Ready hands out 12..13 (term 4); before it is advanced, a new leader overwrites 13
  log.append(mk([4, 4], 12));
  const handedOut = log.unstableEntries();
  log.append(mk([5], 13));
  log.stableTo(handedOut[handedOut.length - 1].index, handedOut[handedOut.length - 1].term); // stale: no-op
  assert.deepEqual(
    log.unstableEntries().map((e) => `${e.index}@${e.term}`),
    ['12@4', '13@5'],
  );
  assert.equal(log.lastIndex(), 13);
  assert.equal(log.term(13), 5);
});

// ---- elections -----------------------------------------------------------------------------

for (const size of [3, 5]) {
  test(`election: a ${size}-node cluster elects exactly one leader that everyone follows`, () => {
    const c = new Cluster({ seed: size, nodes: size });
    c.runUntil(() => c.leader() !== undefined, 100, 'leader');
    const l = c.leader()!;
    c.ticks(5);
    const term = c.raw(l).raft.term;
    for (const id of c.ids) {
      const st = c.raw(id).status();
      assert.equal(st.lead, l, `node ${id} follows ${l}`);
      assert.equal(st.term, term);
      assert.equal(st.state === 'leader', id === l);
    }
  });
}

test('election: a candidate with a stale log cannot win; the up-to-date node does', () => {
  // node 1 is behind (term-1 log), nodes 2 and 3 have a term-2 entry
  const nodes = new Map<number, PNode>([
    [1, prepared(1, [1, 2, 3], [1], 2)],
    [2, prepared(2, [1, 2, 3], [1, 2])],
    [3, prepared(3, [1, 2, 3], [1, 2])],
  ]);
  nodes.get(1)!.raw.campaign();
  pump(nodes);
  assert.notEqual(nodes.get(1)!.raw.status().state, 'leader');
  nodes.get(2)!.raw.campaign();
  pump(nodes);
  assert.equal(nodes.get(2)!.raw.status().state, 'leader');
  assert.deepEqual(terms(nodes.get(1)!), terms(nodes.get(2)!));
});

// ---- replication ---------------------------------------------------------------------------

test('replication: proposals at leader and followers are applied in the same order everywhere', () => {
  const c = new Cluster({ seed: 7, nodes: 3 });
  c.runUntil(() => c.leader() !== undefined, 100, 'leader');
  const values: string[] = [];
  for (let i = 0; i < 30; i++) {
    const v = c.propose(c.ids[i % 3], `value-${i}`);
    assert.ok(v, 'proposal accepted');
    values.push(v);
  }
  c.runUntil(() => c.converged(), 50, 'converged');
  c.checkConvergedState();
  // one total order everywhere, holding every value; the leader's own proposals keep their
  // order (forwarded ones are separate messages and the simulated network may reorder them)
  const ref = c.node(c.ids[0]).sm.filter((v) => v !== '');
  assert.deepEqual([...ref].sort(), [...values].sort());
  for (const id of c.ids)
    assert.deepEqual(
      c.node(id).sm.filter((v) => v !== ''),
      ref,
    );
  const leaderIdx = c.ids.indexOf(c.leader()!);
  const mine = values.filter((_, i) => i % 3 === leaderIdx);
  assert.deepEqual(
    ref.filter((v) => mine.includes(v)),
    mine,
  );
});

test('replication: entries proposed together travel together (one MsgProp, one MsgApp per follower)', () => {
  const nodes = electedTrio();
  assert.equal(nodes.get(1)!.raw.raft.state, 'leader');
  const data = (p: string) => ['a', 'b', 'c', 'd'].map((x) => Buffer.from(p + x));
  // at a follower: forwarded to the leader as one message
  nodes.get(2)!.raw.proposeAll(data('f-'));
  const fromFollower = nodes.get(2)!.raw.ready()!;
  const props = fromFollower.messages.filter((m) => m.type === 'MsgProp');
  assert.equal(props.length, 1);
  assert.equal(props[0].type === 'MsgProp' && props[0].entries.length, 4);
  nodes.get(2)!.raw.advance(fromFollower);
  nodes.get(1)!.raw.step(props[0]);
  // at the leader: the forwarded batch and its own, each one MsgApp per follower (not 4)
  nodes.get(1)!.raw.proposeAll(data('l-'));
  const sent = pump(nodes).filter((m) => m.type === 'MsgApp' && m.entries.length > 0);
  assert.deepEqual(
    sent.map((m) => `${m.to}:${m.type === 'MsgApp' ? m.entries.length : 0}`).sort(),
    ['2:4', '2:4', '3:4', '3:4'],
  );
  for (const n of nodes.values())
    assert.deepEqual(
      n.applied.filter((v) => v !== ''),
      ['f-a', 'f-b', 'f-c', 'f-d', 'l-a', 'l-b', 'l-c', 'l-d'],
    );
});

test('early messages: while a Ready is written, new entries and forwarded proposals may leave; acks and votes wait', () => {
  const nodes = electedTrio();
  const [l, f2, f3] = [1, 2, 3].map((id) => nodes.get(id)!);
  const kinds = (ms: Message[]) =>
    ms.map(
      (m) =>
        `${m.type}>${m.to}${m.type === 'MsgApp' ? ':' + m.entries.map((e) => e.data.toString()).join() : ''}`,
    );
  // the leader's Ready with entry a is being written; b is proposed meanwhile
  l.raw.proposeAll([Buffer.from('a')]);
  const rdL = l.raw.ready()!;
  l.raw.proposeAll([Buffer.from('b')]);
  const earlyL = l.raw.takeEarlyMessages();
  assert.deepEqual(kinds(earlyL).sort(), ['MsgApp>2:b', 'MsgApp>3:b']);
  assert.deepEqual(l.raw.takeEarlyMessages(), [], 'taken once');
  // a follower writing a: its acknowledgement must wait for the write, a proposal need not
  for (const m of rdL.messages) if (m.to === 2) f2.raw.step(m);
  const rd2 = f2.raw.ready()!;
  assert.ok(rd2.messages.some((m) => m.type === 'MsgAppResp'));
  f2.raw.proposeAll([Buffer.from('c')]);
  for (const m of earlyL) if (m.to === 2) f2.raw.step(m); // b arrives during the write of a
  const earlyF2 = f2.raw.takeEarlyMessages();
  assert.deepEqual(kinds(earlyF2), ['MsgProp>1']);
  assert.deepEqual(f2.raw.takeEarlyMessages(), [], "b's acknowledgement waits for the next Ready");
  // a candidate's vote requests wait for its term and vote to be durable
  const other = electedTrio().get(3)!;
  other.raw.campaign();
  assert.deepEqual(other.raw.takeEarlyMessages(), []);
  assert.ok(other.raw.ready()!.messages.some((m) => m.type === 'MsgVote'));
  // finish the Readys as the loop would (persist, then the rest of the messages)
  const finish = (n: typeof l, rd: NonNullable<ReturnType<RawNode['ready']>>): Message[] => {
    n.storage.append(rd.entries);
    if (rd.hardState) n.storage.setHardState(rd.hardState);
    for (const e of rd.committedEntries) n.applied.push(e.data.toString());
    n.raw.advance(rd);
    return rd.messages;
  };
  finish(l, rdL);
  const rest = finish(f2, rd2);
  for (const m of rdL.messages) if (m.to === 3) f3.raw.step(m);
  for (const m of earlyL) if (m.to === 3) f3.raw.step(m);
  for (const m of [...earlyF2, ...rest]) nodes.get(m.to)!.raw.step(m);
  pump(nodes);
  assert.equal(l.raw.raft.state, 'leader');
  for (const n of nodes.values())
    assert.deepEqual(
      n.applied.filter((v) => v !== ''),
      ['a', 'b', 'c'],
    );
});

test('commit: followers in replicate state do not answer the empty MsgApp that carries the commit index', () => {
  const nodes = electedTrio();
  nodes.get(1)!.raw.propose(Buffer.from('x'));
  const msgs = pump(nodes);
  const apps = msgs.filter((m) => m.type === 'MsgApp');
  const notices = apps.filter((m) => m.type === 'MsgApp' && m.noAck === true);
  // the entry to each follower, then the commit notice to each, flagged
  assert.deepEqual(
    apps.map((m) => (m.type === 'MsgApp' ? `${m.to}:${m.entries.length}:${m.noAck}` : '')).sort(),
    ['2:0:true', '2:1:false', '3:0:true', '3:1:false'],
  );
  assert.ok(notices.every((m) => m.type === 'MsgApp' && m.commit === 2));
  // one answer per follower: the acknowledgement of the entry, none for the notice
  assert.deepEqual(
    msgs
      .filter((m) => m.type === 'MsgAppResp')
      .map((m) => `${m.from}:${m.type === 'MsgAppResp' ? m.index : 0}`)
      .sort(),
    ['2:2', '3:2'],
  );
  for (const n of nodes.values()) assert.deepEqual(n.applied, ['', 'x']);
});

test('commit: a lost acknowledgement is recovered though commit notices are not answered', () => {
  const nodes = electedTrio();
  const n1 = nodes.get(1)!;
  // both followers get the entry, both acknowledgements are lost: nothing commits
  n1.raw.propose(Buffer.from('x'));
  pump(nodes, new Set(), (m) => !(m.type === 'MsgAppResp' && m.index === 2));
  assert.equal(n1.raw.status().commit, 1);
  // heartbeat: each response shows the follower behind, and the MsgApp sent for it (empty: the
  // entry is already sent) is answered, which commits the entry
  n1.raw.tick();
  pump(nodes);
  assert.equal(n1.raw.status().commit, 2);
  for (const n of nodes.values()) assert.deepEqual(n.applied, ['', 'x']);
});

test('commit: a commit notice the follower cannot match is answered with a rejection', () => {
  const nodes = electedTrio();
  const n1 = nodes.get(1)!;
  // node 3 loses the entry itself (the leader believes it in flight, replicate state); node 2
  // acknowledges it, which commits it and sends node 3 a commit notice it cannot match
  n1.raw.propose(Buffer.from('x'));
  let lost = false;
  const msgs = pump(nodes, new Set(), (m) => {
    if (lost || m.type !== 'MsgApp' || m.to !== 3 || m.entries.length === 0) return true;
    lost = true;
    return false;
  });
  assert.ok(
    msgs.some((m) => m.type === 'MsgApp' && m.to === 3 && m.noAck === true),
    'node 3 got a commit notice',
  );
  assert.ok(
    msgs.some((m) => m.type === 'MsgAppResp' && m.from === 3 && m.reject),
    'node 3 rejected it',
  );
  for (const n of nodes.values()) assert.deepEqual(n.applied, ['', 'x']);
});

test('proposals of one loop turn are grouped by size, in order (a forwarded MsgProp stays below the peer frame limit)', () => {
  const ps = [5, 3, 4, 10, 1, 1, 2].map((n, i) => ({ data: Buffer.alloc(n), i }));
  assert.deepEqual(
    byteGroups(ps, 8).map((g) => g.map((p) => p.i)),
    [[0, 1], [2], [3], [4, 5, 6]], // 10 bytes alone: a group never splits a proposal
  );
  assert.deepEqual(byteGroups([], 8), []);
});

test('replication: a follower without a leader drops proposals', () => {
  const n = prepared(1, [1, 2, 3], []);
  assert.throws(() => n.raw.propose(Buffer.from('x')), ProposalDroppedError);
});

test('commit: a new leader does not commit old-term entries by counting replicas (Raft 5.4.2, figure 8)', () => {
  // Node 1 holds an uncommitted term-2 entry at index 2; nodes 2 and 3 do not. Node 1 wins
  // term 3 and sends one entry per MsgApp, so node 2 acknowledges index 2 (now on a majority)
  // before the term-3 no-op at index 3. Index 2 must commit only together with index 3.
  const nodes = new Map<number, PNode>([
    [1, prepared(1, [1, 2, 3], [1, 2], 2, 1)],
    [2, prepared(2, [1, 2, 3], [1], 2)],
    [3, prepared(3, [1, 2, 3], [1], 2)],
  ]);
  const n1 = nodes.get(1)!;
  n1.raw.campaign();
  const msgs = pump(nodes, new Set([3]));
  assert.equal(n1.raw.status().state, 'leader');
  assert.equal(n1.raw.status().term, 3);
  assert.ok(
    msgs.some((m) => m.type === 'MsgAppResp' && m.from === 2 && !m.reject && m.index === 2),
    'index 2 was acknowledged on its own',
  );
  for (const m of msgs)
    if (m.from === 1 && (m.type === 'MsgApp' || m.type === 'MsgHeartbeat'))
      assert.ok(m.commit === 0 || m.commit === 3, `leader advertised commit ${m.commit}`);
  assert.equal(n1.raw.status().commit, 3);
});

// Figure 7 of the Raft paper: the leader's log and six possible follower logs.
const LEADER_LOG = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
const FIG7: Record<string, number[]> = {
  a: [1, 1, 1, 4, 4, 5, 5, 6, 6],
  b: [1, 1, 1, 4],
  c: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
  d: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
  e: [1, 1, 1, 4, 4, 4, 4],
  f: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
};

for (const [name, flog] of Object.entries(FIG7)) {
  test(`conflict resolution: follower (${name}) of Raft figure 7 converges with fast backtracking`, () => {
    const nodes = new Map<number, PNode>([
      [1, prepared(1, [1, 2, 3], LEADER_LOG, 7)],
      [2, prepared(2, [1, 2, 3], flog, 7)],
      [3, prepared(3, [1, 2, 3], LEADER_LOG, 7)],
    ]);
    nodes.get(1)!.raw.campaign();
    const msgs = pump(nodes);
    assert.equal(nodes.get(1)!.raw.status().state, 'leader');
    const expected = [...LEADER_LOG, nodes.get(1)!.raw.status().term];
    assert.deepEqual(terms(nodes.get(2)!), expected);
    const rejects = msgs.filter((m) => m.type === 'MsgAppResp' && m.reject && m.from === 2).length;
    // one entry per rejection would need up to 7 round trips for (f); term skipping needs <= 2
    assert.ok(rejects <= 2, `${rejects} rejections`);
    assert.deepEqual(nodes.get(2)!.applied, nodes.get(1)!.applied);
  });
}

// ---- pre-vote and check-quorum -------------------------------------------------------------

function partitionedRejoin(preVote: boolean): {
  termBefore: number;
  termAfter: number;
  leaderBefore: number;
  leaderAfter: number;
  isolatedTerm: number;
} {
  const c = new Cluster({ seed: 11, nodes: 3, preVote, checkQuorum: false });
  c.runUntil(() => c.leader() !== undefined, 100, 'leader');
  const leaderBefore = c.leader()!;
  const termBefore = c.raw(leaderBefore).raft.term;
  const victim = c.ids.find((id) => id !== leaderBefore)!;
  c.isolate(victim);
  c.ticks(200);
  const isolatedTerm = c.raw(victim).raft.term;
  c.heal();
  c.ticks(100);
  const leaderAfter = c.leader()!;
  return {
    termBefore,
    termAfter: c.raw(leaderAfter).raft.term,
    leaderBefore,
    leaderAfter,
    isolatedTerm,
  };
}

test('pre-vote: a partitioned node does not inflate its term or disrupt the leader on rejoin', () => {
  const r = partitionedRejoin(true);
  assert.equal(r.isolatedTerm, r.termBefore, 'pre-vote keeps the isolated term');
  assert.equal(r.termAfter, r.termBefore);
  assert.equal(r.leaderAfter, r.leaderBefore);
});

test('without pre-vote the same rejoin forces a new election (the disruption pre-vote prevents)', () => {
  const r = partitionedRejoin(false);
  assert.ok(r.isolatedTerm > r.termBefore + 5, `isolated term ${r.isolatedTerm}`);
  assert.ok(r.termAfter > r.termBefore);
});

test('check-quorum: an isolated leader steps down; the majority elects another', () => {
  const c = new Cluster({ seed: 5, nodes: 5, checkQuorum: true, preVote: true });
  c.runUntil(() => c.leader() !== undefined, 100, 'leader');
  const old = c.leader()!;
  c.isolate(old);
  c.ticks(2 * 10 + 1);
  assert.equal(c.raw(old).status().state, 'follower', 'isolated leader stepped down');
  c.runUntil(() => c.leader() !== undefined && c.leader() !== old, 100, 'new leader');
  // its proposals go nowhere now
  assert.equal(c.propose(old), undefined);
});

test('without check-quorum an isolated leader keeps believing it leads', () => {
  const c = new Cluster({ seed: 5, nodes: 3, checkQuorum: false, preVote: true });
  c.runUntil(() => c.leader() !== undefined, 100, 'leader');
  const old = c.leader()!;
  c.isolate(old);
  c.ticks(100);
  assert.equal(c.raw(old).status().state, 'leader');
});

test('check-quorum lease: voters ignore a disruptive candidate while they hear from the leader', () => {
  // Without pre-vote, node 3 campaigns on a one-way partition (it cannot hear the leader, the
  // leader hears it). Voters in lease ignore its MsgVote; the leader keeps its term.
  const c = new Cluster({ seed: 9, nodes: 3, checkQuorum: true, preVote: false });
  c.runUntil(() => c.leader() !== undefined, 100, 'leader');
  const l = c.leader()!;
  const other = c.ids.find((id) => id !== l)!;
  const victim = c.ids.find((id) => id !== l && id !== other)!;
  const term = c.raw(l).raft.term;
  c.cut(l, victim);
  c.cut(other, victim);
  c.ticks(15);
  assert.ok(c.raw(victim).raft.term > term, 'victim campaigned');
  assert.equal(c.raw(other).raft.term, term, 'voter in lease ignored the vote request');
  assert.equal(c.leader(), l);
});

// ---- ReadIndex -----------------------------------------------------------------------------

test('ReadIndex: leader and follower reads return the commit index after a heartbeat round', () => {
  const c = new Cluster({ seed: 3, nodes: 3 });
  c.runUntil(() => c.leader() !== undefined, 100, 'leader');
  const l = c.leader()!;
  for (let i = 0; i < 5; i++) c.propose(l);
  c.settle();
  const commit = c.raw(l).status().commit;
  const r1 = c.read(l)!;
  const follower = c.ids.find((id) => id !== l)!;
  const r2 = c.read(follower)!;
  c.settle();
  assert.equal(c.readResults.get(r1), commit);
  assert.equal(c.readResults.get(r2), commit);
});

test('ReadIndex: a partitioned leader cannot confirm a read (no stale reads)', () => {
  const c = new Cluster({ seed: 4, nodes: 3, checkQuorum: false });
  c.runUntil(() => c.leader() !== undefined, 100, 'leader');
  const old = c.leader()!;
  c.isolate(old);
  const ctx = c.read(old)!;
  c.ticks(50); // the majority elects a new leader and commits more meanwhile
  c.runUntil(() => c.leader() !== old && c.leader() !== undefined, 100, 'new leader');
  c.propose(c.leader()!);
  c.ticks(5);
  assert.equal(c.readResults.has(ctx), false, 'old leader answered a read it could not confirm');
});

test('ReadIndex: a read at a new leader waits until it commits an entry of its term', () => {
  const nodes = new Map<number, PNode>([
    [1, prepared(1, [1, 2, 3], [1, 1])],
    [2, prepared(2, [1, 2, 3], [1, 1])],
    [3, prepared(3, [1, 2, 3], [1, 1])],
  ]);
  const n1 = nodes.get(1)!;
  n1.raw.campaign();
  // only votes flow: node 1 leads term 2 but has not committed anything (commit 0)
  pump(nodes, new Set(), (m) => m.type === 'MsgVote' || m.type === 'MsgVoteResp');
  assert.equal(n1.raw.status().state, 'leader');
  assert.equal(n1.raw.status().commit, 0);
  n1.raw.readIndex('early');
  pump(nodes, new Set(), () => false);
  assert.equal(n1.reads.has('early'), false, 'no read point before an entry of the term commits');
  // now let everything flow: a heartbeat round resumes replication, the no-op (index 3)
  // commits, then the read is confirmed
  n1.raw.tick();
  pump(nodes);
  assert.equal(n1.raw.status().commit, 3);
  assert.equal(n1.reads.get('early'), 3);
});

// ---- snapshots -----------------------------------------------------------------------------

test('snapshot: a follower behind the compacted log catches up via InstallSnapshot', () => {
  const c = new Cluster({ seed: 21, nodes: 3, snapshotThreshold: 5 });
  c.runUntil(() => c.leader() !== undefined, 100, 'leader');
  const l = c.leader()!;
  const lagger = c.ids.find((id) => id !== l)!;
  c.crash(lagger);
  for (let i = 0; i < 40; i++) {
    c.propose(c.leader()!);
    c.tick();
  }
  assert.ok(c.raw(l).status().firstIndex > 10, 'leader compacted its log');
  c.restart(lagger);
  c.runUntil(() => c.converged(), 200, 'converged');
  c.checkConvergedState();
  assert.ok(c.stats.snapshotsSent >= 1 && c.stats.snapshotsInstalled >= 1, JSON.stringify(c.stats));
});

test('snapshot: a lost MsgSnap is reported and retried', () => {
  const c = new Cluster({ seed: 22, nodes: 3, snapshotThreshold: 5 });
  c.runUntil(() => c.leader() !== undefined, 100, 'leader');
  const l = c.leader()!;
  const lagger = c.ids.find((id) => id !== l)!;
  c.isolate(lagger);
  for (let i = 0; i < 40; i++) {
    c.propose(c.leader()!);
    c.tick();
  }
  c.heal();
  c.cut(l, lagger); // the first snapshot attempts are lost
  c.ticks(30);
  c.heal();
  c.runUntil(() => c.converged(), 300, 'converged');
  c.checkConvergedState();
  assert.ok(c.stats.snapshotsInstalled >= 1);
});

// ---- crash recovery ------------------------------------------------------------------------

test('crash: a node that loses an unpersisted Ready recovers from its storage and catches up', () => {
  const c = new Cluster({ seed: 31, nodes: 3, diskDelayMax: 3 });
  c.runUntil(() => c.leader() !== undefined, 200, 'leader');
  for (let round = 0; round < 10; round++) {
    for (let i = 0; i < 5; i++) c.propose(c.ids[i % 3]);
    c.tick();
    const victim = c.ids[round % 3];
    c.crash(victim, round % 2 === 0);
    c.ticks(3);
    c.restart(victim);
    c.ticks(20);
  }
  c.runUntil(() => c.converged(), 300, 'converged');
  c.checkConvergedState();
  assert.ok(c.stats.crashes === 10);
});

// ---- leader transfer -----------------------------------------------------------------------

test('leader transfer: the transferee takes over at once (TimeoutNow), proposals pause meanwhile', () => {
  const c = new Cluster({ seed: 41, nodes: 5, maxDelay: 1 });
  c.runUntil(() => c.leader() !== undefined, 100, 'leader');
  const l = c.leader()!;
  const to = c.ids.find((id) => id !== l)!;
  const term = c.raw(l).raft.term;
  c.transferLeader(to);
  assert.equal(c.raw(l).status().leadTransferee, to);
  assert.throws(() => c.raw(l).propose(Buffer.from('x')), ProposalDroppedError);
  c.runUntil(() => c.leader() === to, 5, 'transfer');
  assert.equal(c.raw(to).raft.term, term + 1);
});

test('leader transfer: to a lagging follower, after it catches up', () => {
  const c = new Cluster({ seed: 42, nodes: 3 });
  c.runUntil(() => c.leader() !== undefined, 100, 'leader');
  const l = c.leader()!;
  const to = c.ids.find((id) => id !== l)!;
  c.cut(l, to);
  for (let i = 0; i < 5; i++) c.propose(l);
  c.settle();
  c.heal();
  c.transferLeader(to);
  c.runUntil(() => c.leader() === to, 15, 'transfer');
  c.runUntil(() => c.converged(), 50, 'converged');
  c.checkConvergedState();
});

test('leader transfer: a forwarded request from a follower works; an unreachable target aborts', () => {
  const c = new Cluster({ seed: 43, nodes: 3 });
  c.runUntil(() => c.leader() !== undefined, 100, 'leader');
  const l = c.leader()!;
  const [a, b] = c.ids.filter((id) => id !== l);
  c.isolate(b);
  c.raw(a).transferLeader(b); // forwarded to the leader
  c.settle();
  assert.equal(c.raw(l).status().leadTransferee, b);
  c.ticks(12); // > election timeout: the leader gives up and accepts proposals again
  assert.equal(c.raw(l).status().leadTransferee, 0);
  assert.ok(c.propose(l));
  c.raw(a).transferLeader(a);
  c.settle();
  c.runUntil(() => c.leader() === a, 20, 'transfer to a');
});

// ---- membership ----------------------------------------------------------------------------

test('membership: add a learner, promote it, remove a voter and then the leader (one at a time)', () => {
  const c = new Cluster({ seed: 51, nodes: 4, initialVoters: [1, 2, 3] });
  c.runUntil(() => c.leader() !== undefined, 100, 'leader');
  assert.notEqual(c.leader(), 4, 'a node outside the cluster never campaigns');
  for (let i = 0; i < 5; i++) c.propose(c.leader()!);
  c.settle();

  const confOf = (id: number) => c.raw(id).raft.trk.confState();
  const applied = (cc: string) => (id: number) => c.node(id).sm.includes(`cc:${cc}`);

  // learner: receives the log, does not vote, does not count for commit
  const addLearner = { type: 'addLearner', nodeId: 4 } as const;
  assert.ok(c.proposeConfChange(c.leader()!, addLearner));
  c.runUntil(() => [1, 2, 3, 4].every(applied(JSON.stringify(addLearner))), 50, 'learner added');
  assert.deepEqual(confOf(c.leader()!), { voters: [1, 2, 3], learners: [4] });
  assert.equal(c.raw(4).raft.promotable(), false);
  // a second change is refused while one is pending
  const l = c.leader()!;
  c.proposeConfChange(l, { type: 'addNode', nodeId: 4 });
  const dup = c.proposeConfChange(l, { type: 'removeNode', nodeId: 2 });
  assert.ok(dup);
  c.runUntil(
    () => [1, 2, 3, 4].every(applied(JSON.stringify({ type: 'addNode', nodeId: 4 }))),
    50,
    'promoted',
  );
  c.ticks(5);
  assert.deepEqual(
    confOf(c.leader()!),
    { voters: [1, 2, 3, 4], learners: [] },
    'second change was dropped',
  );

  // remove a follower
  const follower = [1, 2, 3].find((id) => id !== c.leader())!;
  assert.ok(c.proposeConfChange(c.leader()!, { type: 'removeNode', nodeId: follower }));
  c.ticks(10);
  const rest = [1, 2, 3, 4].filter((id) => id !== follower);
  assert.deepEqual(confOf(c.leader()!).voters, rest);

  // remove the leader: it steps down, the others elect a new one and keep committing
  const oldLeader = c.leader()!;
  assert.ok(c.proposeConfChange(oldLeader, { type: 'removeNode', nodeId: oldLeader }));
  c.runUntil(() => c.leader() !== undefined && c.leader() !== oldLeader, 100, 'new leader');
  const remaining = rest.filter((id) => id !== oldLeader);
  assert.deepEqual(confOf(c.leader()!).voters, remaining);
  const v = c.propose(c.leader()!)!;
  c.runUntil(() => remaining.every((id) => c.node(id).sm.includes(v)), 50, 'commit after removals');
  c.checkLogMatching();
});

test('ProgressTracker.committed is the highest index a quorum of voters holds, in any order', () => {
  // against the plain definition (sort descending, take the quorum-th), for 1 to 7 voters
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 50;
  for (let n = 1; n <= 7; n++) {
    const voters = Array.from({ length: n }, (_, i) => i + 1);
    const trk = new ProgressTracker(16);
    trk.applyConf({ voters, learners: [] }, 1);
    for (let round = 0; round < 50; round++) {
      const matches = voters.map(() => rnd());
      voters.forEach((id, i) => (trk.progress.get(id)!.match = matches[i]));
      const want = [...matches].sort((a, b) => b - a)[Math.floor(n / 2)];
      assert.equal(trk.committed(), want, `${n} voters, matches ${matches.join(',')}`);
    }
  }
  // a learner's match never counts
  const trk = new ProgressTracker(16);
  trk.applyConf({ voters: [1, 2, 3], learners: [4] }, 1);
  [5, 1, 1, 9].forEach((m, i) => (trk.progress.get(i + 1)!.match = m));
  assert.equal(trk.committed(), 1);
});
