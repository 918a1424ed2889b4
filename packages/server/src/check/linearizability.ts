/**
 * Linearizability checker (Wing & Gong's search with Lowe's memoization, as Porcupine does it).
 *
 * Per partition (key), the operations become call and return entries sorted by time in a doubly
 * linked list. A depth-first search walks the list: at a call entry it tries to linearize that
 * operation now (the model accepts its output in one of the current states, and the pair
 * (set of linearized operations, model states) was not explored before); the operation's entries
 * are then lifted out of the list and the walk restarts from the head. Reaching a return entry
 * means its operation can no longer be linearized in time: backtrack (undo the last
 * linearization and try the next candidate). An empty list is a linearization.
 *
 * Nondeterministic models are searched over sets of states (the powerset construction), so the
 * search itself stays deterministic. Operations with an unknown outcome (return = +Infinity) can
 * be linearized anywhere after their call; "never took effect" is the same as "linearized last".
 * Times that tie count as concurrent (calls sort before returns), so a checker verdict of
 * "illegal" never depends on clock resolution.
 */
import { CheckOptions, CheckResult, Model, Operation } from './model';
import { renderViolation } from './report';

interface Entry {
  call: boolean;
  time: number;
  /** index into the partition's operations */
  op: number;
  match: Entry | null;
  prev: Entry | null;
  next: Entry | null;
}

export type PartitionOutcome<S> =
  | { verdict: 'linearizable' }
  | { verdict: 'timeout' }
  | {
      verdict: 'illegal';
      /** longest linearized prefix found (op indices) */
      best: number[];
      /** the model states after that prefix */
      bestStates: S[];
    };

/** 32-bit random-looking values for the Zobrist hash of the linearized set (deterministic). */
function opHash(i: number): number {
  let x = (i + 1) * 0x9e3779b1;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Steps every state; the deduplicated, canonically ordered next states and their key. */
function stepAll<S, I, O>(
  model: Model<S, I, O>,
  states: S[],
  input: I,
  output: O | undefined,
): { states: S[]; key: string } | null {
  const byKey = new Map<string, S>();
  for (const s of states) for (const n of model.step(s, input, output)) byKey.set(model.key(n), n);
  if (byKey.size === 0) return null;
  if (byKey.size === 1) {
    const [[k, s]] = byKey;
    return { states: [s], key: k };
  }
  const keys = [...byKey.keys()].sort();
  return { states: keys.map((k) => byKey.get(k)!), key: keys.join('\u0001') };
}

/**
 * Checks one partition. `deadline` is a Date.now() bound; the search polls it every few thousand
 * steps.
 */
export function checkPartition<S, I, O>(
  model: Model<S, I, O>,
  ops: Operation<I, O>[],
  deadline: number,
): PartitionOutcome<S> {
  const n = ops.length;
  if (n === 0) return { verdict: 'linearizable' };
  const entries: Entry[] = [];
  for (let i = 0; i < n; i++) {
    const o = ops[i];
    if (!(o.call <= o.return))
      throw new Error(`operation ${i}: return (${o.return}) before call (${o.call})`);
    const c: Entry = { call: true, time: o.call, op: i, match: null, prev: null, next: null };
    const r: Entry = { call: false, time: o.return, op: i, match: null, prev: null, next: null };
    c.match = r;
    entries.push(c, r);
  }
  // by time; at a tie calls first (concurrent), then by operation index (deterministic)
  entries.sort(
    (a, b) => a.time - b.time || (a.call === b.call ? a.op - b.op : a.call ? -1 : 1) || 0,
  );
  const head: Entry = { call: false, time: -Infinity, op: -1, match: null, prev: null, next: null };
  let prev = head;
  for (const e of entries) {
    prev.next = e;
    e.prev = prev;
    prev = e;
  }

  const lift = (e: Entry) => {
    e.prev!.next = e.next;
    if (e.next) e.next.prev = e.prev;
    const m = e.match!;
    m.prev!.next = m.next;
    if (m.next) m.next.prev = m.prev;
  };
  const unlift = (e: Entry) => {
    const m = e.match!;
    m.prev!.next = m;
    if (m.next) m.next.prev = m;
    e.prev!.next = e;
    if (e.next) e.next.prev = e;
  };

  const words = (n + 31) >>> 5;
  const bits = new Uint32Array(words);
  let hash = 0;
  // memo: Zobrist hash + state key → linearized sets already explored with that state
  const cache = new Map<string, Uint32Array[]>();
  const seen = (stateKey: string): boolean => {
    const k = `${hash}|${stateKey}`;
    const list = cache.get(k);
    if (list) {
      for (const b of list) {
        let same = true;
        for (let w = 0; w < words; w++)
          if (b[w] !== bits[w]) {
            same = false;
            break;
          }
        if (same) return true;
      }
      list.push(bits.slice());
    } else cache.set(k, [bits.slice()]);
    return false;
  };

  let states = model.init();
  const stack: { entry: Entry; states: S[] }[] = [];
  let best: number[] = [];
  let bestStates: S[] = states;
  let steps = 0;
  let entry: Entry | null = head.next;

  while (head.next !== null) {
    if ((++steps & 0xfff) === 0 && Date.now() > deadline) return { verdict: 'timeout' };
    if (entry === null) throw new Error('linearizability search ran off the list (bug)');
    if (entry.call) {
      const o = ops[entry.op];
      const next = stepAll(model, states, o.input, o.output);
      if (next) {
        const w = entry.op >>> 5;
        const bit = 1 << (entry.op & 31);
        bits[w] |= bit;
        hash ^= opHash(entry.op);
        if (!seen(next.key)) {
          stack.push({ entry, states });
          states = next.states;
          lift(entry);
          if (stack.length > best.length) {
            best = stack.map((x) => x.entry.op);
            bestStates = states;
          }
          entry = head.next;
          continue;
        }
        bits[w] &= ~bit;
        hash ^= opHash(entry.op);
      }
      entry = entry.next;
    } else {
      // a return entry: its operation had to be linearized before now
      const top = stack.pop();
      if (!top) return { verdict: 'illegal', best, bestStates };
      states = top.states;
      const op = top.entry.op;
      bits[op >>> 5] &= ~(1 << (op & 31));
      hash ^= opHash(op);
      unlift(top.entry);
      entry = top.entry.next;
    }
  }
  return { verdict: 'linearizable' };
}

/** Splits a history by the model's partition key (one partition if the model has none). */
export function partitionHistory<S, I, O>(
  model: Model<S, I, O>,
  ops: Operation<I, O>[],
): Map<string, Operation<I, O>[]> {
  const parts = new Map<string, Operation<I, O>[]>();
  for (const o of ops) {
    const k = model.partitionKey ? model.partitionKey(o.input) : '';
    const list = parts.get(k);
    if (list) list.push(o);
    else parts.set(k, [o]);
  }
  return parts;
}

/**
 * Checks that a history is linearizable with respect to the model. Partitions are checked from
 * the smallest; the first illegal one is reported (so the report is the smallest failing key).
 * Bounded by opts.timeoutMs: an undecided check is verdict 'timeout', never a pass.
 */
export function checkHistory<S, I, O>(
  model: Model<S, I, O>,
  ops: Operation<I, O>[],
  opts: CheckOptions = {},
): CheckResult<I, O> {
  const started = Date.now();
  const deadline = started + (opts.timeoutMs ?? 10_000);
  const parts = [...partitionHistory(model, ops)].sort(
    (a, b) => a[1].length - b[1].length || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0),
  );
  const undecided: string[] = [];
  for (const [key, pops] of parts) {
    if (Date.now() > deadline) {
      undecided.push(key);
      continue;
    }
    const r = checkPartition(model, pops, deadline);
    if (r.verdict === 'timeout') undecided.push(key);
    else if (r.verdict === 'illegal') {
      return {
        ok: false,
        verdict: 'illegal',
        partition: key,
        operations: pops,
        partialLinearization: r.best,
        explanation: renderViolation(model, key, pops, r.best, r.bestStates, opts),
        elapsedMs: Date.now() - started,
      };
    }
  }
  if (undecided.length > 0) {
    return {
      ok: false,
      verdict: 'timeout',
      undecided,
      explanation:
        `linearizability check of ${ops.length} operations (${model.name}) not decided within ` +
        `${opts.timeoutMs ?? 10_000} ms: partitions ${undecided.map((k) => JSON.stringify(k)).join(', ')} ` +
        `(of ${parts.length}) undecided`,
      elapsedMs: Date.now() - started,
    };
  }
  return {
    ok: true,
    verdict: 'linearizable',
    partitions: parts.length,
    elapsedMs: Date.now() - started,
  };
}
