/**
 * Nemesis test: a Concord cluster (3 members; 5 with NEMESIS_MEMBERS=5) on loopback under faults,
 * with 4-8 concurrent clients doing linearizable gets, puts, deletes and CAS txns (by value and by
 * mod revision) on a few keys. Every request is recorded with its call and return time; requests
 * whose outcome is unknown (deadline exceeded, connection lost after sending, "request timed
 * out", "leader changed") are recorded with return = +Infinity. The history must be
 * linearizable (src/check).
 *
 * The seeded nemesis runs rounds of: SIGKILL the leader (restarted later), SIGKILL a follower,
 * SIGSTOP the leader for longer than the election timeout (then SIGCONT), and a network partition
 * of one member's peer traffic (iptables; skipped with a message when unavailable). Asserted:
 *  - with a majority connected, a write through a healthy member succeeds within a bound, during
 *    the fault and in the fault-free window after it (where the clients' writes succeed too);
 *  - no acknowledged write is lost (final linearizable reads on every member; per key, the final
 *    mod revision is the newest acknowledged one or newer, and then holds that write's value);
 *  - all members converge to the same data;
 *  - the whole history is linearizable.
 * Printed (not asserted): leader failover times (fault until the first successful write).
 *
 *   NEMESIS_SEED=123 node --test dist/test/nemesis.test.js   # replay a fault schedule
 *   NEMESIS_SECONDS=300                                      # longer run (default 40)
 *   NEMESIS_MEMBERS=5                                        # 5-member cluster
 *   NEMESIS_SELFTEST_STALE_READS=1   # self-test: serializable (possibly stale) workload reads;
 *                                    # the checker is then expected to report a violation
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkHistory, kvModel, KvInput, KvOperation, KvOutput } from '../src/check';
import { prng, seedFrom } from './support/concordProcess';
import { KVService, Plain, RpcError } from './support/grpcClient';
import { Member, NemesisCluster, partitionSupport } from './support/nemesisCluster';
import { sleep } from './support/servers';

const SEED = seedFrom('NEMESIS_SEED');
const SECONDS = Number(process.env.NEMESIS_SECONDS ?? 40);
const MEMBERS = Number(process.env.NEMESIS_MEMBERS ?? 3);
const ELECTION_MS = 1000;
const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4'];
/** per-request deadline of the workload clients */
const OP_TIMEOUT_MS = 3000;
/** a write through a healthy member of a majority must succeed within this */
const WRITE_BOUND_MS = 20_000;
const STALE_READS = process.env.NEMESIS_SELFTEST_STALE_READS === '1';

type FaultKind = 'kill-leader' | 'kill-follower' | 'pause-leader' | 'partition';

interface FailoverFigure {
  kind: FaultKind;
  victim: string;
  wasLeader: boolean;
  /** fault injected → first acknowledged write through a healthy member */
  ms: number;
}

class History {
  readonly ops: KvOperation[] = [];
  private readonly t0 = process.hrtime.bigint();
  ambiguous = 0;
  now(): number {
    return Number(process.hrtime.bigint() - this.t0) / 1e6;
  }
}

/** A request that never left this process: it certainly had no effect. */
function notSent(e: unknown): boolean {
  return (
    e instanceof RpcError &&
    e.info.code === 'UNAVAILABLE' &&
    /No connection established/.test(e.info.message)
  );
}

function toRequest(input: KvInput): {
  method: (typeof KVService)[keyof typeof KVService];
  req: Plain;
} {
  switch (input.op) {
    case 'get':
      return { method: KVService.Range, req: { key: input.key, serializable: STALE_READS } };
    case 'put':
      return { method: KVService.Put, req: { key: input.key, value: input.value } };
    case 'delete':
      return { method: KVService.DeleteRange, req: { key: input.key } };
    case 'cas': {
      const cmp =
        'value' in input.expect
          ? { result: 'EQUAL', target: 'VALUE', key: input.key, value: input.expect.value }
          : {
              result: 'EQUAL',
              target: 'MOD',
              key: input.key,
              modRevision: input.expect.modRevision,
            };
      return {
        method: KVService.Txn,
        req: {
          compare: [cmp],
          success: [{ requestPut: { key: input.key, value: input.value } }],
          failure: [],
        },
      };
    }
  }
}

function toOutput(input: KvInput, res: Plain): KvOutput {
  const revision = Number(res.header.revision);
  switch (input.op) {
    case 'get': {
      const kv = res.kvs[0];
      return kv ? { value: kv.value, modRevision: Number(kv.modRevision) } : { value: null };
    }
    case 'put':
      return { revision };
    case 'delete':
      return { deleted: Number(res.deleted), revision };
    case 'cas':
      return { succeeded: !!res.succeeded, revision };
  }
}

/**
 * Runs one request and records it. Reads that fail are dropped (no effect); writes that fail are
 * recorded as unknown outcome unless they certainly never left. Returns the output, 'ambiguous'
 * or 'failed'.
 */
async function perform(
  h: History,
  m: Member,
  clientId: string,
  input: KvInput,
  timeoutMs = OP_TIMEOUT_MS,
): Promise<KvOutput | 'ambiguous' | 'failed'> {
  const { method, req } = toRequest(input);
  const call = h.now();
  try {
    const res = await m.client.call(method, req, { timeoutMs });
    const output = toOutput(input, res);
    h.ops.push({ clientId, call, return: h.now(), input, output });
    return output;
  } catch (e) {
    if (input.op === 'get' || notSent(e)) return 'failed';
    h.ops.push({ clientId, call, return: Infinity, input });
    h.ambiguous++;
    return 'ambiguous';
  }
}

test(
  `nemesis: ${MEMBERS}-member cluster under kills, pauses and partitions (NEMESIS_SEED=${SEED})`,
  { timeout: (SECONDS + 300) * 1000 },
  async (t) => {
    const rand = prng(SEED);
    const noPartition = partitionSupport();
    const kinds: FaultKind[] = ['kill-leader', 'kill-follower', 'pause-leader'];
    if (noPartition) t.diagnostic(`partition fault skipped: ${noPartition}`);
    else kinds.push('partition');
    const clients = 4 + Math.floor(rand() * 5);
    t.diagnostic(`NEMESIS_SEED=${SEED} members=${MEMBERS} clients=${clients} seconds=${SECONDS}`);
    console.log(
      `# nemesis: NEMESIS_SEED=${SEED} members=${MEMBERS} clients=${clients} seconds=${SECONDS}`,
    );

    const cluster = await NemesisCluster.create({
      members: MEMBERS,
      partitions: !noPartition,
      electionMs: ELECTION_MS,
    });
    const h = new History();
    const figures: FailoverFigure[] = [];
    let failed = true;
    try {
      await cluster.startAll(60_000);
      await cluster.waitLeader(30_000);

      // ------------------------------------------------------------------ workload
      let stop = false;
      let probeSeq = 0;
      /** acknowledged writes of the workload, by return time (for the fault-free window check) */
      const ackedAt: number[] = [];
      const worker = async (w: number) => {
        const r = prng((SEED ^ Math.imul(w + 1, 0x9e3779b9)) >>> 0);
        let incarnation = 0;
        let clientId = `w${w}`;
        let target = w % cluster.members.length;
        let seq = 0;
        const seen = new Map<string, { value: string; modRevision: number }>();
        while (!stop) {
          const m = cluster.members[target];
          const key = KEYS[Math.floor(r() * KEYS.length)];
          const x = r();
          const value = `w${w}.${seq++}`;
          const last = seen.get(key);
          let input: KvInput;
          if (x < 0.4) input = { op: 'get', key };
          else if (x < 0.65) input = { op: 'put', key, value };
          else if (x < 0.7) input = { op: 'delete', key };
          else if (x < 0.85 && last)
            input = { op: 'cas', key, expect: { value: last.value }, value };
          else
            input = { op: 'cas', key, expect: { modRevision: last ? last.modRevision : 0 }, value };
          const out = await perform(h, m, clientId, input);
          if (out === 'failed' || out === 'ambiguous') {
            if (out === 'ambiguous') clientId = `w${w}/${++incarnation}`; // its request may still be pending
            seen.delete(key);
            target = (target + 1) % cluster.members.length;
            await sleep(50 + Math.floor(r() * 100));
            continue;
          }
          if (input.op === 'get') {
            if (out.value == null) seen.delete(key);
            else seen.set(key, { value: out.value, modRevision: out.modRevision! });
          } else if (input.op === 'put' || (input.op === 'cas' && out.succeeded)) {
            seen.set(key, { value: input.value, modRevision: out.revision! });
            ackedAt.push(h.now());
          } else if (input.op === 'delete') seen.delete(key);
        }
      };
      const workers = Array.from({ length: clients }, (_, w) => worker(w));

      /** A write through healthy members (round robin) until one is acknowledged; its time. */
      const probeWrite = async (
        healthy: Member[],
        what: string,
        since: number,
      ): Promise<number> => {
        const deadline = Date.now() + WRITE_BOUND_MS;
        for (let i = 0; ; i++) {
          const m = healthy[i % healthy.length];
          const out = await perform(
            h,
            m,
            `probe${probeSeq}`,
            { op: 'put', key: 'probe', value: `p${probeSeq++}` },
            2000,
          );
          if (typeof out === 'object') return h.now() - since;
          if (Date.now() > deadline)
            throw new Error(
              `${what}: no write acknowledged within ${WRITE_BOUND_MS} ms through ${healthy.map((x) => x.name)}`,
            );
          await sleep(50);
        }
      };

      // ------------------------------------------------------------------ nemesis
      await sleep(2000);
      const endAt = Date.now() + SECONDS * 1000;
      // every kind once in a seeded order, then seeded picks
      const order = [...kinds].sort(() => rand() - 0.5);
      for (let round = 0; Date.now() < endAt || round < kinds.length; round++) {
        const kind = round < order.length ? order[round] : kinds[Math.floor(rand() * kinds.length)];
        const leader = await cluster.waitLeader(30_000);
        const followers = cluster.members.filter((m) => m !== leader);
        let victim: Member;
        if (kind === 'kill-follower') victim = followers[Math.floor(rand() * followers.length)];
        else if (kind === 'partition')
          victim = rand() < 0.6 ? leader : followers[Math.floor(rand() * followers.length)];
        else victim = leader;
        const holdMs =
          (kind === 'pause-leader' ? 2.5 * ELECTION_MS : 1500) + Math.floor(rand() * 2000);
        const healthy = cluster.members.filter((m) => m !== victim);
        const t0 = h.now();
        t.diagnostic(
          `round ${round}: ${kind} ${victim.name}${victim === leader ? ' (leader)' : ''}, ${holdMs} ms`,
        );
        switch (kind) {
          case 'kill-leader':
          case 'kill-follower':
            await victim.signal('SIGKILL');
            break;
          case 'pause-leader':
            await victim.signal('SIGSTOP');
            break;
          case 'partition':
            cluster.partition(victim);
            break;
        }
        try {
          // a majority is connected: writes through it succeed (after an election if needed)
          const ms = await probeWrite(healthy, `${kind} ${victim.name}`, t0);
          figures.push({ kind, victim: victim.name, wasLeader: victim === leader, ms });
          const left = holdMs - (h.now() - t0);
          if (left > 0) await sleep(left);
        } finally {
          switch (kind) {
            case 'kill-leader':
            case 'kill-follower':
              await victim.start(30_000);
              break;
            case 'pause-leader':
              await victim.signal('SIGCONT');
              break;
            case 'partition':
              cluster.heal();
              break;
          }
        }
        // fault-free window: every member agrees on a leader, writes succeed (probe and clients)
        await cluster.waitLeader(30_000);
        const windowStart = h.now();
        await probeWrite(cluster.members, `fault-free window after ${kind}`, windowStart);
        await sleep(1500 + Math.floor(rand() * 1000));
        const acked = ackedAt.filter((x) => x >= windowStart).length;
        assert.ok(
          acked > 0,
          `round ${round}: no client write acknowledged in the fault-free window after ${kind}`,
        );
      }

      stop = true;
      await Promise.all(workers);

      // ------------------------------------------------------------------ final reads
      await cluster.waitLeader(30_000);
      const finals = new Map<string, KvOutput>();
      for (const m of cluster.members) {
        for (const key of [...KEYS, 'probe']) {
          const deadline = Date.now() + 20_000;
          for (;;) {
            const out = await perform(h, m, `final-${m.name}`, { op: 'get', key }, 5000);
            if (typeof out === 'object') {
              if (!finals.has(key)) finals.set(key, out);
              break;
            }
            if (Date.now() > deadline) throw new Error(`final read of ${key} via ${m.name} failed`);
            await sleep(200);
          }
        }
      }
      // no acknowledged write lost: per key, nothing acknowledged is newer than the final state,
      // and an acknowledged write at the final mod revision is what the key holds
      for (const key of [...KEYS, 'probe']) {
        const fin = finals.get(key)!;
        const finalRev = fin.value == null ? -1 : fin.modRevision!;
        const writes = h.ops.filter(
          (o) =>
            o.input.key === key &&
            o.output &&
            (o.input.op === 'put' || (o.input.op === 'cas' && o.output.succeeded)) &&
            o.output.revision !== undefined,
        );
        const deletes = h.ops.filter(
          (o) => o.input.key === key && o.input.op === 'delete' && o.output?.deleted,
        );
        const newest = Math.max(0, ...writes.map((o) => o.output!.revision!));
        const newestDelete = Math.max(0, ...deletes.map((o) => o.output!.revision!));
        const ambiguousDelete = h.ops.some(
          (o) => o.input.key === key && o.input.op === 'delete' && !o.output,
        );
        if (fin.value == null) {
          if (!ambiguousDelete)
            assert.ok(
              newestDelete >= newest,
              `${key}: absent at the end, but write at revision ${newest} acknowledged after the last delete`,
            );
        } else {
          assert.ok(
            finalRev >= newest,
            `${key}: acknowledged write at revision ${newest} lost (final modRev ${finalRev})`,
          );
          const at = writes.find((o) => o.output!.revision === finalRev);
          if (at)
            assert.equal(
              fin.value,
              (at.input as { value: string }).value,
              `${key}: value at revision ${finalRev}`,
            );
        }
      }
      // convergence: the same data on every member
      const deadline = Date.now() + 30_000;
      for (;;) {
        const views = await Promise.all(
          cluster.members.map(async (m) => {
            try {
              const r = await m.client.call(
                KVService.Range,
                { key: '\0', rangeEnd: '\0', serializable: true },
                { timeoutMs: 3000 },
              );
              return JSON.stringify(r.kvs.map((kv: Plain) => [kv.key, kv.value, kv.modRevision]));
            } catch {
              return undefined;
            }
          }),
        );
        if (views.every((v) => v !== undefined && v === views[0])) break;
        if (Date.now() > deadline) assert.fail(`members did not converge: ${views.join('\n')}`);
        await sleep(300);
      }

      // ------------------------------------------------------------------ the checker
      const res = checkHistory(kvModel, h.ops, { timeoutMs: Math.max(60_000, SECONDS * 1000) });
      const summary =
        `${h.ops.length} operations (${h.ambiguous} with unknown outcome), ` +
        `${h.ops.filter((o) => o.output && o.input.op !== 'get').length} acknowledged writes; check ${res.elapsedMs} ms`;
      t.diagnostic(summary);
      console.log(`# nemesis: ${summary}`);
      for (const f of figures)
        console.log(
          `# nemesis failover: ${f.kind.padEnd(13)} ${f.victim}${f.wasLeader ? ' (leader)  ' : ' (follower)'} first write after ${f.ms.toFixed(0)} ms`,
        );
      const lf = figures.filter((f) => f.wasLeader).map((f) => f.ms);
      if (lf.length > 0)
        console.log(
          `# nemesis leader failover (ms): n=${lf.length} min=${Math.min(...lf).toFixed(0)} ` +
            `median=${median(lf).toFixed(0)} max=${Math.max(...lf).toFixed(0)}`,
        );
      assert.equal(res.verdict, 'linearizable', res.ok ? '' : res.explanation);
      assert.ok(figures.length >= kinds.length, 'every fault kind ran');
      failed = false;
    } finally {
      if (failed) {
        const file = path.join(os.tmpdir(), `nemesis-history-${SEED}.json`);
        fs.writeFileSync(
          file,
          JSON.stringify(h.ops, (_, v) => (v === Infinity ? 'Infinity' : v)),
        );
        console.log(
          `# nemesis failed (NEMESIS_SEED=${SEED}); history in ${file}; logs in ${cluster.workDir}`,
        );
        for (const m of cluster.members) console.log(`# ---- ${m.name} log tail\n${m.logTail(15)}`);
      }
      await cluster.close(failed);
    }
  },
);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
