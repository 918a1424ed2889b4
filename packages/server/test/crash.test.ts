/**
 * Crash tests: `concord serve` as a child process, killed with SIGKILL at random
 * moments (seeded) under 16 concurrent writers, or killed by the WAL failpoints;
 * after every restart no acknowledged write may be lost, an in-doubt write is
 * all or nothing, and the revision never goes backwards (see
 * support/crashWorkload.ts for the model).
 *
 * CRASH_SEED=<uint32> reproduces a run's kill schedule and operations (the
 * interleaving of concurrent writers still varies); CRASH_CYCLES overrides the
 * number of kill/restart cycles (default 24).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdClient } from './support/grpcClient';
import { freePorts, sleep } from './support/servers';
import { ConcordProcess, prng, seedFrom } from './support/concordProcess';
import { makeTemp, rmTemp } from './support/tempDirs';
import { Workload } from './support/crashWorkload';

const SEED = seedFrom('CRASH_SEED');
const CYCLES = Number(process.env.CRASH_CYCLES ?? 24);
const WRITERS = 16;
const READY_TIMEOUT_MS = 20_000;

// Printed up front so it is visible even when a test hangs or fails.
console.log(`# crash.test: seed=${SEED} (reproduce with CRASH_SEED=${SEED}), cycles=${CYCLES}`);

function clients(endpoint: string, n = 4): EtcdClient[] {
  return Array.from({ length: n }, () => new EtcdClient(endpoint));
}

function closeAll(cs: EtcdClient[]): void {
  for (const c of cs) c.close();
}

test(
  `SIGKILL at random moments under ${WRITERS} concurrent writers: every acknowledged write survives (seed ${SEED})`,
  { timeout: 180_000 },
  async (t) => {
    const rnd = prng(SEED);
    const wl = new Workload(prng(SEED ^ 0x5bd1e995));
    const dataDir = makeTemp('concord-crash-');
    const [port] = await freePorts(1);
    let proc: ConcordProcess | undefined;
    const started = Date.now();
    try {
      proc = await ConcordProcess.startReady({ dataDir, port }, READY_TIMEOUT_MS);
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        const ctx = `cycle ${cycle} (CRASH_SEED=${SEED})`;
        const cs = clients(proc.endpoint);
        const p: ConcordProcess = proc;
        let mode: string;
        let acks = 0;
        try {
          const v = await wl.verify(cs[0], `${ctx}: after restart`);
          if (cycle > 0)
            t.diagnostic(
              `  verified: ${v.keys} keys, revision ${v.revision}, in-doubt ops applied: ${v.resolved}`,
            );
          const r = rnd();
          let killed = false;
          const kill = () => {
            if (!killed) {
              killed = true;
              p.signal('SIGKILL');
            }
          };
          if (r < 0.1) {
            mode = 'idle';
            kill();
          } else {
            // Kill from inside the ack callback, when the target count is reached: the other
            // writers' operations are then in flight. A bound keeps a slow machine from hanging.
            const target = 1 + Math.floor(rnd() * rnd() * 400);
            mode = `writes(target ${target} acks)`;
            const bound = setTimeout(kill, 15_000);
            try {
              acks = await wl.run({
                writers: WRITERS,
                clients: cs,
                maxAcks: Infinity,
                dying: () => killed,
                onAck: (n) => {
                  if (n >= target) kill();
                },
              });
            } finally {
              clearTimeout(bound);
            }
          }
          const exit = await p.waitExit(15_000);
          assert.equal(
            exit.signal,
            'SIGKILL',
            `${ctx}: server died on its own: ${JSON.stringify(exit)}\n${p.tail()}`,
          );
        } finally {
          closeAll(cs);
        }
        // Sometimes also kill the next start at a random moment (during startup and WAL replay).
        let startupKill = '';
        if (rnd() < 0.25) {
          const delay = Math.floor(rnd() * 600);
          const early = ConcordProcess.start({ dataDir, port });
          // The delay *is* the random moment, not a synchronisation; exit is awaited below.
          await Promise.race([sleep(delay), early.exited]);
          const e = await early.kill('SIGKILL');
          assert.equal(
            e.signal,
            'SIGKILL',
            `${ctx}: the early start exited by itself: ${JSON.stringify(e)}\n${early.tail()}`,
          );
          startupKill = `, startup killed after ${delay} ms`;
        }
        t.diagnostic(`cycle ${cycle}: ${mode}, acked ${acks}${startupKill}`);
        proc = await ConcordProcess.startReady({ dataDir, port }, READY_TIMEOUT_MS).catch(
          (e: Error) => {
            throw new Error(`${ctx}: server did not restart: ${e.message}`);
          },
        );
      }
      const cs = clients(proc.endpoint, 1);
      try {
        const v = await wl.verify(cs[0], `final (CRASH_SEED=${SEED})`);
        t.diagnostic(
          `done: ${CYCLES} cycles in ${Date.now() - started} ms, ${wl.totalAcks} acknowledged ops, ` +
            `${wl.totalInDoubt} in doubt, final ${v.keys} keys at revision ${v.revision}`,
        );
        assert.ok(wl.totalAcks > 0, 'the workload made progress');
      } finally {
        closeAll(cs);
      }
    } finally {
      if (proc) await proc.kill('SIGKILL').catch(() => undefined);
      rmTemp(dataDir);
    }
  },
);

for (const failpoint of ['wal-before-fsync', 'wal-after-write']) {
  test(
    `CONCORD_FAILPOINT=${failpoint}: nothing is acknowledged before fdatasync, nothing acknowledged is lost, restart works (seed ${SEED})`,
    { timeout: 120_000 },
    async (t) => {
      const rnd = prng(SEED ^ (failpoint === 'wal-after-write' ? 0x1234567 : 0x7654321));
      const wl = new Workload(rnd);
      const dataDir = makeTemp('concord-failpoint-');
      const [port] = await freePorts(1);
      let proc: ConcordProcess | undefined;
      try {
        proc = await ConcordProcess.startReady({ dataDir, port }, READY_TIMEOUT_MS);
        for (let round = 0; round < 3; round++) {
          const ctx = `${failpoint} round ${round} (CRASH_SEED=${SEED})`;
          // 1. acknowledged writes, then SIGKILL (the WAL tail is what keeps them).
          let cs = clients(proc.endpoint);
          try {
            await wl.verify(cs[0], `${ctx}: before`);
            let killed = false;
            const p: ConcordProcess = proc;
            const target = 10 + Math.floor(rnd() * 100);
            const acks = await wl.run({
              writers: WRITERS,
              clients: cs,
              maxAcks: Infinity,
              dying: () => killed,
              onAck: (n) => {
                if (n >= target && !killed) {
                  killed = true;
                  p.signal('SIGKILL');
                }
              },
            });
            assert.ok(acks >= target);
            await p.waitExit(15_000);
          } finally {
            closeAll(cs);
          }
          // 2. restart with the failpoint: it dies at its first WAL write — the empty entry a
          //    member appends when it starts, or else the first client write — and nothing
          //    written with the failpoint set is ever acknowledged.
          let acksWithFailpoint = 0;
          let fp: ConcordProcess | undefined;
          try {
            fp = await ConcordProcess.startReady(
              // skip the startup entry's write, so the failpoint hits client writes
              { dataDir, port, env: { CONCORD_FAILPOINT: failpoint, CONCORD_FAILPOINT_SKIP: '1' } },
              READY_TIMEOUT_MS,
            );
          } catch (e) {
            if (!/SIGKILL/.test(String((e as Error).message)))
              throw new Error(
                `${ctx}: expected the failpoint's SIGKILL at startup: ${(e as Error).message}`,
              );
          }
          if (fp) {
            proc = fp;
            const running = fp;
            cs = clients(fp.endpoint);
            let died = false;
            try {
              // settles the in-doubt writes of step 1 (reads only: no WAL write)
              await wl.verify(cs[0], `${ctx}: restarted with the failpoint`);
              acksWithFailpoint = await wl.run({
                writers: WRITERS,
                clients: cs,
                maxAcks: Infinity,
                dying: () => died,
                onUnexpectedError: async () => {
                  const e = await running.waitExit(15_000);
                  assert.equal(
                    e.signal,
                    'SIGKILL',
                    `${ctx}: expected the failpoint's SIGKILL, got ${JSON.stringify(e)}\n${running.tail()}`,
                  );
                  died = true;
                },
              });
            } finally {
              closeAll(cs);
            }
            assert.equal((await fp.waitExit(15_000)).signal, 'SIGKILL');
          }
          assert.equal(
            acksWithFailpoint,
            0,
            `${ctx}: a write was acknowledged although the failpoint kills before fdatasync`,
          );
          // 3. restart without it: everything acknowledged is there, in-doubt writes all or nothing.
          proc = await ConcordProcess.startReady({ dataDir, port }, READY_TIMEOUT_MS).catch(
            (e: Error) => {
              throw new Error(`${ctx}: server did not restart after the failpoint: ${e.message}`);
            },
          );
          cs = clients(proc.endpoint, 1);
          try {
            const v = await wl.verify(cs[0], `${ctx}: after the failpoint`);
            t.diagnostic(
              `${ctx}: ${v.keys} keys at revision ${v.revision}; in-doubt writes found applied: ${v.resolved}`,
            );
          } finally {
            closeAll(cs);
          }
        }
        assert.ok(wl.totalAcks > 0);
        assert.ok(wl.totalInDoubt > 0, 'the failpoint interrupted some writes');
      } finally {
        if (proc) await proc.kill('SIGKILL').catch(() => undefined);
        rmTemp(dataDir);
      }
    },
  );
}
