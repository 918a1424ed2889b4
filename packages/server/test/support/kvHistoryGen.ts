/**
 * Random KV histories for the linearizability checker's tests: a sequential reference store
 * (etcd-like: one global revision counter, unique written values) executes random operations at
 * increasing linearization points; each operation gets a random interval around its point, per
 * client without overlap. Such a history is linearizable by construction. Operations made
 * ambiguous (return = +Infinity, no output) took effect or not, at random; their client is
 * retired, as a real client that lost track of a request.
 */
import { KvInput, KvOperation, KvOutput } from '../../src/check';

export interface GenOptions {
  ops: number;
  keys: number;
  clients: number;
  /** probability that an operation's outcome is unknown */
  ambiguous?: number;
  /** max distance of call/return from the linearization point (points are 10 apart) */
  spread?: number;
}

export function generateHistory(rand: () => number, o: GenOptions): KvOperation[] {
  const keys = Array.from({ length: o.keys }, (_, i) => `k${i}`);
  const store = new Map<string, { value: string; modRev: number }>();
  let rev = 1;
  let uniq = 0;
  const spread = o.spread ?? 30;
  const free: number[] = Array.from({ length: o.clients }, () => -Infinity);
  const clientIds: number[] = Array.from({ length: o.clients }, (_, i) => i);
  let nextClient = o.clients;
  const written: string[] = [];
  const out: KvOperation[] = [];
  let t = 0;
  for (let n = 0; n < o.ops; n++) {
    t += 1 + Math.floor(rand() * 10);
    // a client that is free at t (otherwise wait until one is)
    let c = -1;
    for (let tries = 0; c < 0; tries++) {
      const idle = free.map((f, i) => (f < t ? i : -1)).filter((i) => i >= 0);
      if (idle.length > 0) c = idle[Math.floor(rand() * idle.length)];
      else t = Math.min(...free) + 1;
      if (tries > 5) throw new Error('generator stuck');
    }
    const key = keys[Math.floor(rand() * keys.length)];
    const cur = store.get(key);
    const r = rand();
    let input: KvInput;
    if (r < 0.35) input = { op: 'get', key };
    else if (r < 0.6) input = { op: 'put', key, value: `v${uniq++}` };
    else if (r < 0.68) input = { op: 'delete', key };
    else if (r < 0.84) {
      const expect =
        cur && rand() < 0.6
          ? cur.value
          : written.length > 0
            ? written[Math.floor(rand() * written.length)]
            : 'none';
      input = { op: 'cas', key, expect: { value: expect }, value: `v${uniq++}` };
    } else {
      const expect = rand() < 0.6 ? (cur ? cur.modRev : 0) : Math.floor(rand() * rev);
      input = { op: 'cas', key, expect: { modRevision: expect }, value: `v${uniq++}` };
    }
    const ambiguous = rand() < (o.ambiguous ?? 0);
    const takesEffect = !ambiguous || rand() < 0.5;
    let output: KvOutput | undefined;
    if (takesEffect) {
      switch (input.op) {
        case 'get':
          output = cur ? { value: cur.value, modRevision: cur.modRev } : { value: null };
          break;
        case 'put':
          store.set(key, { value: input.value, modRev: ++rev });
          written.push(input.value);
          output = { revision: rev };
          break;
        case 'delete':
          if (cur) {
            store.delete(key);
            rev++;
          }
          output = { deleted: cur ? 1 : 0, revision: rev };
          break;
        case 'cas': {
          const e = input.expect;
          const holds =
            'value' in e
              ? cur !== undefined && cur.value === e.value
              : (cur ? cur.modRev : 0) === e.modRevision;
          if (holds) {
            store.set(key, { value: input.value, modRev: ++rev });
            written.push(input.value);
          }
          output = { succeeded: holds, revision: rev };
          break;
        }
      }
    }
    const call = Math.max(free[c] + 1, t - Math.floor(rand() * spread));
    const ret = ambiguous ? Infinity : t + Math.floor(rand() * spread);
    out.push({
      clientId: clientIds[c],
      call: Math.min(call, t),
      return: ret,
      input,
      output: ambiguous ? undefined : output,
    });
    if (ambiguous) {
      clientIds[c] = nextClient++;
      free[c] = t; // the replacement client starts after the point
    } else free[c] = ret;
  }
  return out;
}
