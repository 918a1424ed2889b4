import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import pino from 'pino';
import { startConcord } from '../src/embed';

function etcdctl(
  endpoint: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'etcdctl',
      ['--endpoints', endpoint, ...args],
      { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 20_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test('NOSPACE alarm: writes refused with etcd error, reads and deletes served, disarm after compact + defrag', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-quota-'));
  const quota = 4 * 1024 * 1024;
  const c = await startConcord({
    dataDir: dir,
    listenClientUrls: ['http://127.0.0.1:0'],
    quotaBackendBytes: quota,
    logger: pino({ level: 'silent' }),
  });
  const ep = c.clientUrls[0].replace('http://', '');
  try {
    const big = 'v'.repeat(100 * 1024); // below the 128 KiB limit of one exec argument
    let refused: { stderr: string } | undefined;
    for (let i = 0; i < 200 && !refused; i++) {
      const r = await etcdctl(ep, ['put', `k${i}`, big]);
      if (r.code !== 0) refused = r;
    }
    assert.ok(refused, 'the quota was reached');
    assert.match(refused!.stderr, /etcdserver: mvcc: database space exceeded/);
    const alarms = await etcdctl(ep, ['alarm', 'list']);
    assert.match(alarms.stdout, /alarm:NOSPACE/);
    // small writes are refused too while the alarm is on
    assert.match((await etcdctl(ep, ['put', 'small', 'x'])).stderr, /database space exceeded/);
    // reads and deletes still work
    assert.equal((await etcdctl(ep, ['get', 'k0', '--print-value-only'])).stdout.trim(), big);
    const del = await etcdctl(ep, ['del', 'k', '--prefix']);
    assert.equal(del.code, 0, del.stderr);
    // compact + defrag give the space back; disarm lets writes in again
    const rev = JSON.parse((await etcdctl(ep, ['get', 'x', '-w', 'json'])).stdout).header.revision;
    assert.equal((await etcdctl(ep, ['compact', String(rev)])).code, 0);
    assert.equal((await etcdctl(ep, ['defrag'])).code, 0);
    assert.ok(
      c.server.backendSize() < quota,
      `defrag shrank the backend (${c.server.backendSize()})`,
    );
    assert.equal((await etcdctl(ep, ['alarm', 'disarm'])).code, 0);
    assert.equal((await etcdctl(ep, ['alarm', 'list'])).stdout.trim(), '');
    const ok = await etcdctl(ep, ['put', 'small', 'x']);
    assert.equal(ok.code, 0, ok.stderr);
  } finally {
    await c.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
