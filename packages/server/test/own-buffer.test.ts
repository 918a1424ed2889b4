import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { concordpb } from '@concord/proto';
import { startConcord } from '../src/embed';
import type { ReplicatedLog } from '../src/server/log';
import { ownBuffer } from '../src/util/own-buffer';

test('ownBuffer: a copy with memory of its own, where a pooled slice shares 8 KiB', () => {
  // why it exists: a small Buffer is a slice of a shared pool, and keeps all of it alive
  const pooled = Buffer.from(
    concordpb.InternalRequest.encode({ put: { key: Buffer.from('k') } }).finish(),
  );
  assert.ok(pooled.buffer.byteLength > pooled.length, 'node pools small buffers');
  const own = ownBuffer(pooled);
  assert.equal(own.byteOffset, 0);
  assert.equal(own.buffer.byteLength, own.length);
  assert.deepEqual(own, pooled);
  pooled[0] ^= 0xff;
  assert.notEqual(own[0], pooled[0], 'a copy, not a view');
  assert.equal(ownBuffer(new Uint8Array(0)).length, 0);
});

test('a proposal reaches the log in memory of its own (a cluster keeps it until a snapshot)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-own-buffer-'));
  const c = await startConcord({
    dataDir: path.join(dir, 'data'),
    listenClientUrls: ['http://127.0.0.1:0'],
    logger: pino({ level: 'silent' }),
  });
  try {
    // white-box: the server's log, as the cluster's RaftLog would receive the proposals
    const log = (c.server as unknown as { log: ReplicatedLog }).log;
    const seen: Buffer[] = [];
    const propose = log.propose.bind(log);
    log.propose = (data: Buffer[]) => {
      seen.push(...data);
      return propose(data);
    };
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${c.clientUrls[0]}/v3/kv/put`, {
        method: 'POST',
        body: JSON.stringify({
          key: Buffer.from(`k${i}`).toString('base64'),
          value: Buffer.from('v').toString('base64'),
        }),
        signal: AbortSignal.timeout(10_000),
      });
      assert.equal(res.status, 200, await res.text());
    }
    assert.equal(seen.length, 3);
    for (const d of seen) assert.equal(d.buffer.byteLength, d.length, 'not a pool slice');
  } finally {
    await c.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
