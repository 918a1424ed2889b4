/**
 * A concurrent write workload whose every acknowledged effect is recorded, for
 * crash tests: N writers, each owning its own keys (so per-key order is the
 * writer's order), issue puts, deletes and txns one at a time. When the server
 * dies, each writer has at most one operation with an unknown outcome; after
 * the restart, verify() checks that each writer's keys show exactly the
 * acknowledged state, or that state plus the whole in-doubt operation (never a
 * part of it), then adopts what it saw as the new known state.
 */
import assert from 'node:assert/strict';
import { EtcdClient, Plain, RpcError } from './grpcClient';

export const PREFIX = 'crash/';
const KEYS_PER_WRITER = 8;

/** key → value, or null for "deleted / never written". */
type Effects = Map<string, string | null>;

interface Op {
  desc: string;
  effects: Effects;
  run(c: EtcdClient): Promise<{ revision: number; changed: boolean }>;
}

export interface RunOptions {
  writers: number;
  /** Called after every acknowledged operation with the number acknowledged so far in this run. */
  onAck?: (acks: number) => void;
  /** True once the server is known (or made) to be dying: errors are then in-doubt outcomes. */
  dying: () => boolean;
  /** Awaited when a call fails before dying() holds; must resolve once dying() holds, or throw. */
  onUnexpectedError?: (err: unknown) => Promise<void>;
  /** Clients to spread writers over (several HTTP/2 connections). */
  clients: EtcdClient[];
  /** Stop issuing new operations after this many acknowledgements (Infinity: until the server dies). */
  maxAcks: number;
}

export class Workload {
  /** Known (acknowledged) state of every key we ever wrote. */
  readonly model = new Map<string, string | null>();
  /** Per writer: the operation whose outcome is unknown, if any. */
  private readonly inDoubt = new Map<number, Op>();
  private readonly lastRev = new Map<number, number>();
  private seq = 0;
  /** Highest revision acknowledged or read so far. */
  maxRevision = 0;
  totalAcks = 0;
  totalInDoubt = 0;

  constructor(private readonly rnd: () => number) {}

  private key(w: number, i: number): string {
    return `${PREFIX}w${String(w).padStart(2, '0')}/k${i}`;
  }

  private value(w: number): string {
    const r = this.rnd();
    const n =
      r < 0.6
        ? 10 + Math.floor(this.rnd() * 90)
        : r < 0.96
          ? 100 + Math.floor(this.rnd() * 3900)
          : 20_000 + Math.floor(this.rnd() * 80_000);
    const head = `w${w}:s${this.seq++}:`;
    const fill = String.fromCharCode(97 + Math.floor(this.rnd() * 26));
    return head + fill.repeat(Math.max(0, n - head.length));
  }

  private known(k: string): string | null {
    return this.model.get(k) ?? null;
  }

  private genOp(w: number): Op {
    const r = this.rnd();
    const pick = () => this.key(w, Math.floor(this.rnd() * KEYS_PER_WRITER));
    if (r < 0.7) {
      const k = pick();
      const v = this.value(w);
      const prev = this.known(k);
      return {
        desc: `put ${k}`,
        effects: new Map([[k, v]]),
        run: async (c) => {
          const res = await c.put({ key: k, value: v, prevKv: true });
          const got = res.prevKv && res.prevKv.key ? res.prevKv.value : null;
          assert.ok(
            got === prev,
            `put ${k}: prevKv ${short(got)} differs from the last acknowledged value ${short(prev)}`,
          );
          return { revision: res.header.revision, changed: true };
        },
      };
    }
    if (r < 0.85) {
      const k = pick();
      const prev = this.known(k);
      return {
        desc: `delete ${k}`,
        effects: new Map([[k, null]]),
        run: async (c) => {
          const res = await c.deleteRange({ key: k, prevKv: true });
          assert.equal(
            res.deleted,
            prev === null ? 0 : 1,
            `delete ${k}: deleted count vs acknowledged state`,
          );
          if (prev !== null)
            assert.ok(
              res.prevKvs[0].value === prev,
              `delete ${k}: prevKv ${short(res.prevKvs[0].value)} != acknowledged ${short(prev)}`,
            );
          return { revision: res.header.revision, changed: prev !== null };
        },
      };
    }
    // txn over three distinct keys of this writer; the compare picks the branch.
    const ks = new Set<string>();
    while (ks.size < 3) ks.add(pick());
    const [a, b, c3] = [...ks];
    const succeed = this.rnd() < 0.6;
    const va = this.value(w);
    const vb = this.value(w);
    const vf = this.value(w);
    const effects: Effects = succeed
      ? new Map<string, string | null>([
          [a, va],
          [b, vb],
          [c3, null],
        ])
      : new Map<string, string | null>([[a, vf]]);
    return {
      desc: `txn(${succeed ? 'success' : 'failure'}) ${a} ${b} ${c3}`,
      effects,
      run: async (c) => {
        const res = await c.txn({
          compare: [
            {
              key: `${PREFIX}never/w${w}`,
              target: 'VERSION',
              result: succeed ? 'EQUAL' : 'GREATER',
              version: 0,
            },
          ],
          success: [
            { requestPut: { key: a, value: va } },
            { requestPut: { key: b, value: vb } },
            { requestDeleteRange: { key: c3 } },
          ],
          failure: [{ requestPut: { key: a, value: vf } }],
        });
        assert.equal(res.succeeded, succeed, 'txn branch');
        return { revision: res.header.revision, changed: true };
      },
    };
  }

  /**
   * Runs the writers until maxAcks acknowledgements, or until the server dies.
   * Resolves with the number of operations acknowledged in this run.
   */
  async run(o: RunOptions): Promise<number> {
    let acks = 0;
    let stop = false;
    const floor = this.maxRevision;
    const writer = async (w: number): Promise<void> => {
      const c = o.clients[w % o.clients.length];
      while (!stop && !o.dying()) {
        const op = this.genOp(w);
        this.inDoubt.set(w, op);
        let res: { revision: number; changed: boolean };
        try {
          res = await op.run(c);
        } catch (err) {
          if (!(err instanceof RpcError)) throw err; // an assertion about a response
          if (!o.dying()) {
            if (!o.onUnexpectedError) throw err;
            await o.onUnexpectedError(err);
            if (!o.dying()) throw err;
          }
          this.totalInDoubt++;
          return; // op stays in doubt
        }
        // acknowledged: committed, whatever happens to the server now
        this.inDoubt.delete(w);
        for (const [k, v] of op.effects) this.model.set(k, v);
        const last = this.lastRev.get(w) ?? 0;
        if (res.changed) {
          assert.ok(
            res.revision > floor,
            `${op.desc}: revision ${res.revision} not above ${floor}, the highest before this run`,
          );
          assert.ok(
            res.revision > last,
            `${op.desc}: revision ${res.revision} not above this writer's previous ${last}`,
          );
        } else {
          assert.ok(
            res.revision >= last,
            `${op.desc}: revision ${res.revision} went below ${last}`,
          );
        }
        this.lastRev.set(w, res.revision);
        if (res.revision > this.maxRevision) this.maxRevision = res.revision;
        acks++;
        this.totalAcks++;
        o.onAck?.(acks);
        if (acks >= o.maxAcks) stop = true;
      }
    };
    await Promise.all(Array.from({ length: o.writers }, (_, w) => writer(w)));
    return acks;
  }

  /**
   * Reads everything under PREFIX and checks it against the model (see the file comment);
   * then adopts the observed state. Also: the revision did not go backwards.
   */
  async verify(
    c: EtcdClient,
    context: string,
  ): Promise<{ revision: number; keys: number; resolved: number }> {
    const res = await c.range({ key: PREFIX, rangeEnd: prefixEnd(PREFIX) });
    const rev: number = res.header.revision;
    assert.ok(
      rev >= this.maxRevision,
      `${context}: revision went backwards: ${rev} < ${this.maxRevision} (highest acknowledged/seen)`,
    );
    const seen = new Map<string, Plain>();
    for (const kv of res.kvs) {
      assert.ok(
        kv.modRevision <= rev,
        `${context}: ${kv.key} mod_revision ${kv.modRevision} > header ${rev}`,
      );
      seen.set(kv.key, kv.value);
    }
    for (const k of seen.keys())
      assert.ok(
        this.model.has(k) || this.isInDoubtKey(k),
        `${context}: unexpected key ${k} (never written)`,
      );
    const writers = new Set<number>();
    for (const k of [...this.model.keys(), ...seen.keys()]) writers.add(writerOf(k));
    for (const w of this.inDoubt.keys()) writers.add(w);
    let resolved = 0;
    for (const w of writers) {
      const keys = new Set<string>();
      for (const k of this.model.keys()) if (writerOf(k) === w) keys.add(k);
      for (const k of seen.keys()) if (writerOf(k) === w) keys.add(k);
      const op = this.inDoubt.get(w);
      if (op) for (const k of op.effects.keys()) keys.add(k);
      const obs = (k: string): string | null => (seen.has(k) ? seen.get(k) : null);
      const pre = (k: string): string | null => this.known(k);
      const post = (k: string): string | null =>
        op && op.effects.has(k) ? op.effects.get(k)! : pre(k);
      const matches = (f: (k: string) => string | null) => [...keys].every((k) => obs(k) === f(k));
      if (matches(pre)) {
        // the in-doubt op (if any) did not happen
      } else if (op && matches(post)) {
        resolved++;
      } else {
        const lines = [...keys]
          .sort()
          .filter((k) => obs(k) !== pre(k) || obs(k) !== post(k))
          .map(
            (k) =>
              `  ${k}: observed=${short(obs(k))} acknowledged=${short(pre(k))}${op ? ` with-in-doubt-op=${short(post(k))}` : ''}`,
          );
        assert.fail(
          `${context}: writer ${w}: state is neither the acknowledged one nor that plus the whole in-doubt op` +
            `${op ? ` (${op.desc})` : ''}:\n${lines.join('\n')}`,
        );
      }
    }
    // adopt what we saw
    for (const k of new Set([...this.model.keys(), ...seen.keys()]))
      this.model.set(k, seen.has(k) ? seen.get(k) : null);
    this.inDoubt.clear();
    if (rev > this.maxRevision) this.maxRevision = rev;
    return { revision: rev, keys: seen.size, resolved };
  }

  private isInDoubtKey(k: string): boolean {
    for (const op of this.inDoubt.values()) if (op.effects.has(k)) return true;
    return false;
  }
}

function writerOf(k: string): number {
  const m = /^crash\/w(\d+)\//.exec(k);
  if (!m) throw new Error(`not a workload key: ${k}`);
  return Number(m[1]);
}

export function prefixEnd(p: string): string {
  const b = Buffer.from(p);
  b[b.length - 1]++;
  return b.toString();
}

/** A value for messages: short ones as is, long ones by head, length and a checksum-ish tail. */
export function short(v: string | null | undefined): string {
  if (v === null || v === undefined) return '<absent>';
  return v.length <= 40
    ? JSON.stringify(v)
    : `${JSON.stringify(v.slice(0, 24))}...(${v.length} bytes)`;
}
