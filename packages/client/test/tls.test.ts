import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, EtcdError } from '../src';
import { TARGET, TestServer, makeCerts, newClient } from './harness';

describe('TLS', { skip: TARGET !== 'etcd' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-tls-'));
  const servers: TestServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('server TLS with a custom CA, and mutual TLS with a client certificate', async () => {
    const certs = makeCerts(dir);
    const s = new TestServer();
    s.tls = certs;
    servers.push(s);
    await s.start();
    const c = newClient(s);
    try {
      await c.put('/tls/k', 'secure');
      assert.equal((await c.get('/tls/k'))!.valueString, 'secure');
    } finally {
      c.close();
    }
    // wrong trust root: the handshake fails
    const bad = new Client({
      endpoints: [s.endpoint],
      tls: { ca: fs.readFileSync(certs.cert) },
      retries: 0,
      defaultTimeoutMs: 2000,
    });
    await assert.rejects(bad.get('/tls/k'), EtcdError);
    bad.close();

    const m = new TestServer();
    m.tls = { ...certs, clientCa: true };
    servers.push(m);
    await m.start();
    const mc = newClient(m);
    try {
      await mc.put('/mtls/k', 'v');
      assert.equal((await mc.get('/mtls/k'))!.valueString, 'v');
    } finally {
      mc.close();
    }
    const noCert = new Client({
      endpoints: [m.endpoint],
      tls: { ca: fs.readFileSync(certs.ca) },
      retries: 0,
      defaultTimeoutMs: 2000,
    });
    await assert.rejects(noCert.get('/mtls/k'), EtcdError);
    noCert.close();
  });
});
