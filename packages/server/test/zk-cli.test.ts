/**
 * zkCli.sh from Debian's zookeeper package against Concord: create -e/-s, get -w, ls -w,
 * set -v, delete, stat, getAcl/setAcl, addauth, in one interactive session fed on stdin.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { startConcordZk, ZKCLI } from './support/zk';

const skip = !fs.existsSync(ZKCLI) && 'zookeeper package (zkCli.sh) not installed';

describe('zkCli.sh against Concord', { skip }, () => {
  test(
    'create -e/-s, get -w, ls -w, set -v, delete, stat, getAcl/setAcl, addauth',
    { timeout: 120_000 },
    async () => {
      const z = await startConcordZk();
      try {
        const script = [
          'create /c1 hello',
          'create -e /c1/e1 eph',
          'create -s /c1/s- seq',
          'get -w /c1',
          'set /c1 world',
          'ls -w /c1',
          'create /c1/x',
          'set -v 7 /c1 nope',
          'set -v 1 /c1 again',
          'stat /c1',
          'create /c1/x',
          'delete /c1/x',
          'delete /c1/missing',
          'getAcl /c1',
          'addauth digest bob:pw',
          'setAcl /c1 auth:bob:pw:cdrwa',
          'getAcl /c1',
          'ls /c1',
          'quit',
        ].join('\n');
        // zkCli runs the commands in order on one session (Concord runs in this process: spawn, not spawnSync)
        const out = await new Promise<string>((resolve) => {
          const p = spawn(ZKCLI, ['-server', z.connect], { stdio: ['pipe', 'pipe', 'pipe'] });
          let o = '';
          p.stdout.setEncoding('utf8');
          p.stderr.setEncoding('utf8');
          // zkCli prints results on stdout and "Created ..." / errors on stderr
          p.stdout.on('data', (d: string) => (o += d));
          p.stderr.on('data', (d: string) => (o += d));
          const t = setTimeout(() => p.kill('SIGKILL'), 90_000);
          p.on('close', () => {
            clearTimeout(t);
            resolve(o);
          });
          p.stdin.end(script + '\n');
        });
        const lines = out
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l && !/INFO|WARN|log4j|SLF4J/.test(l));
        const has = (s: string) =>
          assert.ok(lines.includes(s), `zkCli output lacks "${s}":\n${lines.join('\n')}`);
        has('Created /c1');
        has('Created /c1/e1');
        has('Created /c1/s-0000000001');
        has('hello');
        has('WatchedEvent state:SyncConnected type:NodeDataChanged path:/c1');
        has('[e1, s-0000000001]');
        has('WatchedEvent state:SyncConnected type:NodeChildrenChanged path:/c1');
        has('version No is not valid : /c1');
        has('dataVersion = 2');
        has('cversion = 3');
        has('numChildren = 3');
        has('ephemeralOwner = 0x0');
        has('Node already exists: /c1/x');
        has('Node does not exist: /c1/missing');
        has("'world,'anyone");
        has("'digest,'bob:ikIaKsbtGweaHnb/jKn7OHqbunM=");
        has(': cdrwa');
        assert.ok(
          lines.indexOf("'digest,'bob:ikIaKsbtGweaHnb/jKn7OHqbunM=") >
            lines.indexOf("'world,'anyone"),
        );
        // the zkCli session closed: its ephemeral is gone
        const { connectClient } = await import('./support/zk');
        const c = await connectClient(z.connect);
        c.addAuth('digest', Buffer.from('bob:pw'));
        const [children] = await c.getChildren('/c1');
        assert.deepEqual(children.sort(), ['s-0000000001']);
        await c.close();
      } finally {
        await z.stop();
      }
    },
  );
});
