/**
 * WAL append benchmark (not a test): N concurrent appenders, each awaiting its
 * own 300-byte entry before appending the next, i.e. the shape of many
 * clients writing through one node.
 *
 *   node dist/bench/wal-bench.js [appenders=64] [seconds=3] [dir]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Wal } from '../src/wal/wal';

async function main(): Promise<void> {
  const appenders = Number(process.argv[2] ?? 64);
  const seconds = Number(process.argv[3] ?? 3);
  const dir = process.argv[4] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'concord-wal-bench-'));
  const { wal } = await Wal.open(dir);
  const payload = Buffer.alloc(300, 0x61);
  let next = 1;
  let done = 0;
  const deadline = Date.now() + seconds * 1000;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: appenders }, async () => {
      while (Date.now() < deadline) {
        await wal.append([{ kind: 'entry', index: next++, term: 1, data: payload }]);
        done++;
      }
    }),
  );
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  const st = wal.stats();
  await wal.close();
  console.log(
    `${appenders} appenders, 300-byte entries: ${Math.round(done / secs)} appends/s, ` +
      `${Math.round(st.syncs / secs)} syncs/s, ${(st.records / st.syncs).toFixed(1)} records/sync, ` +
      `${done} appends in ${secs.toFixed(2)} s (${dir})`,
  );
  if (process.argv[4] === undefined) fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
