import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, ConfigChange, ConfigClient, InvalidArgumentError, parseDuration } from '../src';
import { TestServer, freePort, newClient, startServer, uniq, waitFor } from './harness';

let server: TestServer;
let client: Client;
let tmp: string;

before(async () => {
  server = await startServer();
  client = newClient(server);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-config-'));
});
after(async () => {
  client?.close();
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('parseDuration', () => {
  it('parses Go-style durations', () => {
    assert.equal(parseDuration('5s'), 5000);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('1500'), 1500);
    assert.throws(() => parseDuration('5 s x'), InvalidArgumentError);
    assert.throws(() => parseDuration('abc'), InvalidArgumentError);
  });
});

describe('config client', () => {
  it('loads, typed getters with defaults, hot reload with key and prefix listeners, cache file', async () => {
    const root = uniq('cfg').slice(0, -1);
    const base = `${root}/prod/orders/`;
    await client.put(base + 'name', 'orders-svc');
    await client.put(base + 'db/pool', '10');
    await client.put(base + 'db/ratio', '0.75');
    await client.put(base + 'feature/x', 'true');
    await client.put(base + 'limits', '{"rps":100}');
    await client.put(base + 'timeout', '1m30s');
    await client.put(base + 'bad/int', '12abc');
    await client.put(`${root}/prod/other/name`, 'nope');
    const cacheFile = path.join(tmp, 'orders.json');
    const cfg = new ConfigClient(client, { prefix: root, env: 'prod', app: 'orders', cacheFile });
    await cfg.start();
    try {
      assert.equal(cfg.source, 'cluster');
      assert.equal(cfg.getString('name', ''), 'orders-svc');
      assert.equal(cfg.getString('missing'), undefined);
      assert.equal(cfg.getInt('db/pool', 1), 10);
      assert.equal(cfg.getInt('bad/int', 7), 7);
      assert.equal(cfg.getInt('missing', 3), 3);
      assert.equal(cfg.getFloat('db/ratio', 0), 0.75);
      assert.equal(cfg.getBool('feature/x', false), true);
      assert.equal(cfg.getBool('missing', true), true);
      assert.deepEqual(cfg.getJSON('limits', {}), { rps: 100 });
      assert.deepEqual(cfg.getJSON('name', { d: 1 }), { d: 1 });
      assert.equal(cfg.getDuration('timeout', '5s'), 90_000);
      assert.equal(cfg.getDuration('missing', '5s'), 5000);
      assert.ok(!cfg.has('name2'));
      assert.equal(Object.keys(cfg.all()).length, 7);

      const keyChanges: ConfigChange[] = [];
      const prefixChanges: ConfigChange[] = [];
      cfg.onKey('db/pool', (c) => keyChanges.push(c));
      const unsub = cfg.onPrefix('db/', (c) => prefixChanges.push(c));
      await client.put(base + 'db/pool', '20');
      await client.put(base + 'db/new', 'x');
      await client.delete(base + 'db/ratio');
      await waitFor(() => prefixChanges.length === 3, 10_000, 'prefix changes');
      assert.deepEqual(keyChanges, [{ key: 'db/pool', value: '20', previous: '10' }]);
      assert.deepEqual(prefixChanges[2], { key: 'db/ratio', value: undefined, previous: '0.75' });
      assert.equal(cfg.getInt('db/pool', 1), 20);
      assert.equal(cfg.getFloat('db/ratio', 0.5), 0.5);
      unsub();
      await client.put(base + 'db/pool', '30');
      await waitFor(() => cfg.getInt('db/pool', 0) === 30, 10_000, 'pool=30');
      assert.equal(prefixChanges.length, 3);
      await waitFor(
        () => JSON.parse(fs.readFileSync(cacheFile, 'utf8')).values['db/pool'] === '30',
        5000,
        'cache file updated',
      );
    } finally {
      await cfg.close();
    }

    // cluster unreachable: starts from the local cache
    const dead = new Client({ endpoints: [`127.0.0.1:${await freePort()}`], retries: 1 });
    const offline = new ConfigClient(dead, {
      prefix: root,
      env: 'prod',
      app: 'orders',
      cacheFile,
      startTimeoutMs: 500,
    });
    try {
      await offline.start();
      assert.equal(offline.source, 'cache');
      assert.equal(offline.getInt('db/pool', 0), 30);
      assert.equal(offline.getString('name', ''), 'orders-svc');
    } finally {
      await offline.close();
      dead.close();
    }
  });

  it('switches from cache to cluster when the cluster becomes reachable', async () => {
    const root = uniq('cfg2').slice(0, -1);
    const cacheFile = path.join(tmp, 'late.json');
    await client.put(`${root}/dev/app/k`, 'live');
    const other = new TestServer();
    // a cache pointing at the same prefix
    fs.writeFileSync(
      cacheFile,
      JSON.stringify({ prefix: `${root}/dev/app/`, values: { k: 'cached' } }),
    );
    // endpoint that is down at first, then a real server appears on it
    other.clientPort = await freePort();
    const c = new Client({ endpoints: [other.endpoint], retries: 0, backoffMaxMs: 200 });
    const cfg = new ConfigClient(c, {
      prefix: root,
      env: 'dev',
      app: 'app',
      cacheFile,
      startTimeoutMs: 300,
    });
    try {
      await cfg.start();
      assert.equal(cfg.source, 'cache');
      assert.equal(cfg.getString('k'), 'cached');
      await other.start();
      const oc = newClient(other);
      await oc.put(`${root}/dev/app/k`, 'from-cluster');
      oc.close();
      await waitFor(
        () => cfg.source === 'cluster' && cfg.getString('k') === 'from-cluster',
        20_000,
        'synced with cluster',
      );
      assert.equal(cfg.getString('k'), 'from-cluster');
    } finally {
      await cfg.close();
      c.close();
      await other.stop();
    }
  });
});
