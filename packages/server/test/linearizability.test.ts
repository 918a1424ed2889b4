/**
 * The linearizability checker (src/check): hand-written linearizable and non-linearizable KV
 * histories, the violation report, differential testing against a brute-force search on small
 * random histories (valid and mutated), large random histories (valid ones pass, stale-read and
 * never-written mutations are caught), and the time bound.
 *
 *   LIN_SEED=123 node --test dist/test/linearizability.test.js   # replay the random part
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkHistory, kvModel, KvInput, KvOperation, KvOutput, KvState } from '../src/check';
import { prng, seedFrom } from './support/concordProcess';
import { generateHistory } from './support/kvHistoryGen';

/** Shorthand: op(client, call, return, input, output). */
function op(
  clientId: number,
  call: number,
  ret: number,
  input: KvInput,
  output?: KvOutput,
): KvOperation {
  return { clientId, call, return: ret, input, output };
}
const get = (key: string): KvInput => ({ op: 'get', key });
const put = (key: string, value: string): KvInput => ({ op: 'put', key, value });
const del = (key: string): KvInput => ({ op: 'delete', key });
const casV = (key: string, expect: string, value: string): KvInput => ({
  op: 'cas',
  key,
  expect: { value: expect },
  value,
});
const casR = (key: string, modRevision: number, value: string): KvInput => ({
  op: 'cas',
  key,
  expect: { modRevision },
  value,
});
const INF = Infinity;

function check(ops: KvOperation[]) {
  return checkHistory(kvModel, ops, { timeoutMs: 5000 });
}
function assertLinearizable(ops: KvOperation[], what: string) {
  const r = check(ops);
  assert.equal(r.verdict, 'linearizable', `${what}: ${r.ok ? '' : r.explanation}`);
}
function assertIllegal(ops: KvOperation[], what: string) {
  const r = check(ops);
  assert.equal(r.verdict, 'illegal', `${what}: expected a violation`);
  return r as Extract<typeof r, { verdict: 'illegal' }>;
}

describe('linearizability checker: hand-written histories', () => {
  test('linearizable ones', () => {
    assertLinearizable([], 'empty');
    assertLinearizable([op(1, 0, 1, get('a'), { value: null })], 'read of an absent key');
    assertLinearizable(
      [
        op(1, 0, 10, put('a', 'x'), { revision: 2 }),
        op(2, 11, 12, get('a'), { value: 'x', modRevision: 2 }),
        op(1, 13, 20, put('a', 'y'), { revision: 3 }),
        op(2, 21, 22, get('a'), { value: 'y', modRevision: 3 }),
        op(2, 23, 24, del('a'), { deleted: 1 }),
        op(2, 25, 26, del('a'), { deleted: 0 }),
        op(1, 27, 28, get('a'), { value: null }),
      ],
      'sequential',
    );
    // a read concurrent with a write may see either value; two concurrent reads may disagree
    // as long as an order exists: r1 old, r2 new
    assertLinearizable(
      [
        op(1, 0, 1, put('a', 'x'), { revision: 2 }),
        op(2, 5, 20, put('a', 'y'), { revision: 3 }),
        op(3, 6, 8, get('a'), { value: 'x', modRevision: 2 }),
        op(4, 9, 19, get('a'), { value: 'y', modRevision: 3 }),
        op(3, 10, 18, get('a'), { value: 'y', modRevision: 3 }),
      ],
      'reads concurrent with a write',
    );
    // the completed write is seen only after its response, the concurrent read saw it early
    assertLinearizable(
      [
        op(1, 0, 10, put('a', 'x'), { revision: 2 }),
        op(2, 1, 2, get('a'), { value: 'x', modRevision: 2 }),
      ],
      'read sees a write before its response',
    );
    // an operation whose outcome is unknown may have taken effect...
    assertLinearizable(
      [op(1, 0, INF, put('a', 'x')), op(2, 100, 101, get('a'), { value: 'x', modRevision: 7 })],
      'ambiguous write seen later',
    );
    // ...or not
    assertLinearizable(
      [op(1, 0, INF, put('a', 'x')), op(2, 100, 101, get('a'), { value: null })],
      'ambiguous write never seen',
    );
    // ...even late: a read after a read that missed it
    assertLinearizable(
      [
        op(1, 0, INF, put('a', 'x')),
        op(2, 100, 101, get('a'), { value: null }),
        op(2, 200, 201, get('a'), { value: 'x', modRevision: 9 }),
      ],
      'ambiguous write takes effect late',
    );
    // CAS chains by value and by mod revision, concurrent losers fail
    assertLinearizable(
      [
        op(1, 0, 1, put('c', '0'), { revision: 5 }),
        op(1, 2, 10, casV('c', '0', '1'), { succeeded: true, revision: 6 }),
        op(2, 3, 11, casV('c', '0', '1b'), { succeeded: false }),
        op(3, 4, 12, casR('c', 5, '1c'), { succeeded: false }),
        op(3, 13, 14, casR('c', 6, '2'), { succeeded: true, revision: 9 }),
        op(2, 15, 16, get('c'), { value: '2', modRevision: 9 }),
        op(2, 17, 18, casR('c', 0, 'new'), { succeeded: false }),
        op(2, 19, 20, del('c'), { deleted: 1 }),
        op(2, 21, 22, casR('c', 0, 'new'), { succeeded: true, revision: 11 }),
        op(2, 23, 24, casV('c', 'nope', 'x'), { succeeded: false }),
      ],
      'CAS chain',
    );
    // an ambiguous CAS that did take effect explains a later failed CAS on the old value
    assertLinearizable(
      [
        op(1, 0, 1, put('c', '0'), { revision: 2 }),
        op(1, 2, INF, casV('c', '0', '1')),
        op(2, 50, 51, casV('c', '0', '9'), { succeeded: false }),
        op(2, 52, 53, get('c'), { value: '1', modRevision: 3 }),
        op(2, 54, 55, casR('c', 3, '2'), { succeeded: true, revision: 4 }),
      ],
      'ambiguous CAS took effect',
    );
    // ambiguous put with unknown revision, the revision learned from a read, then CAS by it
    assertLinearizable(
      [
        op(1, 0, INF, put('c', 'p')),
        op(2, 10, 11, get('c'), { value: 'p', modRevision: 40 }),
        op(2, 12, 13, casR('c', 40, 'q'), { succeeded: true, revision: 41 }),
      ],
      'revision learned',
    );
    // keys are independent
    assertLinearizable(
      [
        op(1, 0, 10, put('a', 'x'), { revision: 2 }),
        op(2, 0, 10, put('b', 'y'), { revision: 3 }),
        op(3, 11, 12, get('b'), { value: 'y', modRevision: 3 }),
        op(3, 13, 14, get('a'), { value: 'x', modRevision: 2 }),
      ],
      'two keys',
    );
    // equal times are concurrent
    assertLinearizable(
      [op(1, 0, 10, put('a', 'x'), { revision: 2 }), op(2, 10, 11, get('a'), { value: null })],
      'touching intervals',
    );
  });

  test('stale read after a completed write', () => {
    const r = assertIllegal(
      [
        op(1, 0, 10, put('a', 'x'), { revision: 2 }),
        op(1, 11, 20, put('a', 'y'), { revision: 3 }),
        op(2, 21, 22, get('a'), { value: 'x', modRevision: 2 }),
      ],
      'stale read',
    );
    assert.equal(r.partition, 'a');
    assert.deepEqual(r.partialLinearization, [0, 1]);
    assert.match(r.explanation, /NOT LINEARIZABLE/);
    assert.match(r.explanation, /#2 c2 get\("a"\) -> "x" \(modRev 2\): impossible in this state/);
    assert.match(r.explanation, /Model state after it: "y" \(modRev 3\)/);
    assert.match(r.explanation, /\[lin 2\]/);
    assert.match(r.explanation, /\[not linearized\]/);
  });

  test('read of the initial value after a completed write; reads going back in time', () => {
    assertIllegal(
      [op(1, 0, 10, put('a', 'x'), { revision: 2 }), op(2, 11, 12, get('a'), { value: null })],
      'absent after a write',
    );
    assertIllegal(
      [
        op(1, 0, 100, put('a', 'x'), { revision: 2 }),
        op(2, 10, 20, get('a'), { value: 'x', modRevision: 2 }),
        op(3, 30, 40, get('a'), { value: null }),
      ],
      'new value then old value by a later read',
    );
  });

  test('lost update', () => {
    // two read-modify-write increments by CAS both succeed from the same read
    assertIllegal(
      [
        op(1, 0, 1, put('n', '0'), { revision: 2 }),
        op(1, 2, 3, get('n'), { value: '0', modRevision: 2 }),
        op(2, 2, 3, get('n'), { value: '0', modRevision: 2 }),
        op(1, 4, 10, casR('n', 2, '1'), { succeeded: true, revision: 3 }),
        op(2, 4, 10, casR('n', 2, '1'), { succeeded: true, revision: 4 }),
      ],
      'two CAS by revision on the same revision',
    );
    // an acknowledged write disappears: later reads see the value before it
    assertIllegal(
      [
        op(1, 0, 1, put('n', 'a'), { revision: 2 }),
        op(2, 2, 3, put('n', 'b'), { revision: 3 }),
        op(1, 4, 5, get('n'), { value: 'a', modRevision: 2 }),
      ],
      'acknowledged write lost',
    );
  });

  test('read of a value never written', () => {
    const r = assertIllegal(
      [
        op(1, 0, 10, put('a', 'x'), { revision: 2 }),
        op(2, 0, 10, get('a'), { value: 'ghost', modRevision: 3 }),
      ],
      'never written',
    );
    assert.match(r.explanation, /ghost/);
  });

  test('CAS succeeds twice on the same old value', () => {
    assertIllegal(
      [
        op(1, 0, 1, put('c', 'old'), { revision: 2 }),
        op(1, 2, 10, casV('c', 'old', 'n1'), { succeeded: true, revision: 3 }),
        op(2, 2, 10, casV('c', 'old', 'n2'), { succeeded: true, revision: 4 }),
      ],
      'double CAS',
    );
  });

  test('other violations: failed CAS that must hold, wrong delete count, revisions', () => {
    assertIllegal(
      [
        op(1, 0, 1, put('c', 'v'), { revision: 2 }),
        op(1, 2, 3, casV('c', 'v', 'w'), { succeeded: false }),
      ],
      'failed CAS whose compare holds',
    );
    assertIllegal([op(1, 0, 1, del('c'), { deleted: 1 })], 'deleted a key that never existed');
    assertIllegal(
      [
        op(1, 0, 1, put('c', 'v'), { revision: 5 }),
        op(1, 2, 3, get('c'), { value: 'v', modRevision: 4 }),
      ],
      'read reports the wrong mod revision',
    );
    assertIllegal(
      [op(1, 0, 1, put('c', 'v'), { revision: 5 }), op(1, 2, 3, put('c', 'w'), { revision: 5 })],
      'revisions of one key must grow',
    );
    assertIllegal(
      [
        op(1, 0, 1, put('c', 'v'), { revision: 5 }),
        op(1, 2, 3, casR('c', 0, 'w'), { succeeded: true, revision: 6 }),
      ],
      'create-if-absent on a present key',
    );
    // an ambiguous write cannot help a read that completed before it was sent
    assertIllegal(
      [op(2, 0, 1, get('a'), { value: 'x', modRevision: 2 }), op(1, 5, INF, put('a', 'x'))],
      'read before the ambiguous write was called',
    );
  });

  test('the report names the smallest failing key', () => {
    const ops: KvOperation[] = [];
    // key "big": a violation among many operations; key "small": a violation in three
    for (let i = 0; i < 20; i++)
      ops.push(op(1, i * 10, i * 10 + 5, put('big', `b${i}`), { revision: 100 + i }));
    ops.push(op(2, 500, 501, get('big'), { value: 'b3', modRevision: 103 }));
    ops.push(op(3, 0, 1, put('small', 's'), { revision: 2 }));
    ops.push(op(3, 2, 3, get('small'), { value: null }));
    const r = assertIllegal(ops, 'two failing keys');
    assert.equal(r.partition, 'small');
    assert.equal(r.operations.length, 2);
  });
});

// ---------------------------------------------------------------------------------------------
// Randomized

/** Brute force: every order consistent with real time, each nondeterministic branch separately. */
function bruteForce(ops: KvOperation[]): boolean {
  const byKey = new Map<string, KvOperation[]>();
  for (const o of ops) byKey.set(o.input.key, [...(byKey.get(o.input.key) ?? []), o]);
  for (const part of byKey.values()) if (!bruteForcePart(part)) return false;
  return true;
}
function bruteForcePart(ops: KvOperation[]): boolean {
  const n = ops.length;
  const done = new Array<boolean>(n).fill(false);
  const go = (s: KvState, left: number): boolean => {
    // success once every operation with a known outcome is placed (the others never took effect)
    if (ops.every((o, i) => done[i] || !Number.isFinite(o.return))) return true;
    if (left === 0) return false;
    for (let i = 0; i < n; i++) {
      if (done[i]) continue;
      // i may go next only if no pending operation returned before i was called
      if (ops.some((p, j) => !done[j] && j !== i && p.return < ops[i].call)) continue;
      for (const next of kvModel.step(s, ops[i].input, ops[i].output)) {
        done[i] = true;
        const ok = go(next, left - 1);
        done[i] = false;
        if (ok) return true;
      }
    }
    return false;
  };
  return kvModel.init().some((s) => go(s, n));
}

/** A random change of one known output. */
function mutate(rand: () => number, ops: KvOperation[]): KvOperation[] {
  const known = ops.map((o, i) => i).filter((i) => ops[i].output);
  if (known.length === 0) return ops;
  const i = known[Math.floor(rand() * known.length)];
  const o = ops[i];
  const out = { ...o.output! };
  const values = ops.flatMap((x) => ('value' in x.input ? [x.input.value] : []));
  switch (o.input.op) {
    case 'get': {
      const r = rand();
      if (r < 0.4 && values.length) {
        out.value = values[Math.floor(rand() * values.length)];
        out.modRevision = out.modRevision ?? 1 + Math.floor(rand() * 20);
      } else if (r < 0.6) out.value = out.value === null ? 'ghost' : null;
      else if (r < 0.8 && out.modRevision !== undefined) out.modRevision += rand() < 0.5 ? 1 : -1;
      else out.value = 'never-written';
      break;
    }
    case 'put':
      out.revision = (out.revision ?? 2) - 1 - Math.floor(rand() * 3);
      break;
    case 'delete':
      out.deleted = out.deleted ? 0 : 1;
      break;
    case 'cas':
      out.succeeded = !out.succeeded;
      break;
  }
  const copy = [...ops];
  copy[i] = { ...o, output: out };
  return copy;
}

describe('linearizability checker: random histories', () => {
  const seed = seedFrom('LIN_SEED');
  const tag = `LIN_SEED=${seed}`;

  test(`small histories agree with brute force, valid and mutated (${tag})`, () => {
    const rand = prng(seed);
    let illegal = 0;
    let mutatedLegal = 0;
    for (let round = 0; round < 600; round++) {
      const h = generateHistory(rand, {
        ops: 2 + Math.floor(rand() * 6),
        keys: 1 + Math.floor(rand() * 2),
        clients: 1 + Math.floor(rand() * 4),
        ambiguous: rand() < 0.5 ? 0 : 0.25,
        spread: 5 + Math.floor(rand() * 40),
      });
      const r = check(h);
      assert.equal(
        r.verdict,
        'linearizable',
        `round ${round} (${tag}): generated history rejected\n${r.ok ? '' : r.explanation}\n${JSON.stringify(h)}`,
      );
      assert.ok(bruteForce(h), `round ${round}: brute force rejects a generated history`);
      const m = mutate(rand, h);
      const expected = bruteForce(m);
      const got = check(m);
      assert.equal(
        got.verdict,
        expected ? 'linearizable' : 'illegal',
        `round ${round} (${tag}): checker and brute force disagree on ${JSON.stringify(m)}`,
      );
      if (expected) mutatedLegal++;
      else illegal++;
    }
    // the mutations must mostly break the histories, or this test proves little
    assert.ok(
      illegal > 300,
      `only ${illegal} of 600 mutations were violations (${mutatedLegal} legal)`,
    );
  });

  test(`large histories: valid pass, stale reads and never-written values are caught (${tag})`, () => {
    const rand = prng(seed ^ 0x5bd1e995);
    for (let round = 0; round < 12; round++) {
      const h = generateHistory(rand, {
        ops: 400,
        keys: 3,
        clients: 6,
        ambiguous: round % 3 === 0 ? 0.03 : 0,
        spread: 40,
      });
      const r = checkHistory(kvModel, h, { timeoutMs: 10_000 });
      assert.equal(
        r.verdict,
        'linearizable',
        `round ${round} (${tag}): ${r.ok ? '' : r.explanation}`,
      );

      // never written: any completed read returning an unknown value
      const reads = h.map((o, i) => i).filter((i) => h[i].input.op === 'get' && h[i].output);
      const g = reads[Math.floor(rand() * reads.length)];
      const bad = [...h];
      bad[g] = { ...h[g], output: { value: `ghost-${round}`, modRevision: 1 } };
      const rb = checkHistory(kvModel, bad, { timeoutMs: 10_000 });
      assert.equal(rb.verdict, 'illegal', `round ${round}: never-written read not caught`);

      // stale read: w1 < w2 < g in real time (w1, w2 completed writes of the key), g reads w1's value
      const stale = staleRead(h, rand);
      if (stale) {
        const rs = checkHistory(kvModel, stale, { timeoutMs: 10_000 });
        assert.equal(rs.verdict, 'illegal', `round ${round}: stale read not caught`);
      }
    }
  });

  test('bounded: a hard history ends with verdict timeout, not a pass', () => {
    // 40 fully concurrent writes of distinct values with unknown outcomes and 40 concurrent reads
    // of distinct values, then an impossible read: the search space is huge
    const ops: KvOperation[] = [];
    for (let i = 0; i < 40; i++) ops.push(op(i, 0, INF, put('h', `w${i}`)));
    for (let i = 0; i < 40; i++)
      ops.push(op(100 + i, 1, 1000, get('h'), { value: `w${(i * 7) % 40}`, modRevision: 10 + i }));
    ops.push(op(999, 2000, 2001, get('h'), { value: 'impossible' }));
    const t0 = Date.now();
    const r = checkHistory(kvModel, ops, { timeoutMs: 300 });
    const took = Date.now() - t0;
    assert.notEqual(r.verdict, 'linearizable');
    assert.ok(took < 3000, `took ${took} ms`);
  });
});

function staleRead(h: KvOperation[], rand: () => number): KvOperation[] | undefined {
  const isWrite = (o: KvOperation) =>
    o.output !== undefined &&
    (o.input.op === 'put' || (o.input.op === 'cas' && o.output.succeeded === true));
  const idx = h.map((_, i) => i);
  for (let tries = 0; tries < 200; tries++) {
    const g = idx[Math.floor(rand() * idx.length)];
    if (h[g].input.op !== 'get' || !h[g].output) continue;
    const key = h[g].input.key;
    const w2s = idx.filter(
      (i) => h[i].input.key === key && isWrite(h[i]) && h[i].return < h[g].call,
    );
    if (w2s.length === 0) continue;
    const w2 = w2s[Math.floor(rand() * w2s.length)];
    const w1s = idx.filter(
      (i) => h[i].input.key === key && isWrite(h[i]) && h[i].return < h[w2].call,
    );
    if (w1s.length === 0) continue;
    const w1 = w1s[Math.floor(rand() * w1s.length)];
    const v = (h[w1].input as { value: string }).value;
    const copy = [...h];
    copy[g] = { ...h[g], output: { value: v, modRevision: h[w1].output!.revision } };
    return copy;
  }
  return undefined;
}
