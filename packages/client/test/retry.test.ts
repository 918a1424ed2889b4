/**
 * Retry policy against a scripted fake gRPC server (deterministic; no etcd needed).
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { AuthService, KVService, toGrpcServiceDefinition } from '@concord/proto/grpc-services';
import {
  Client,
  InvalidAuthTokenError,
  NotLeaderError,
  ServerTimeoutError,
  TooManyRequestsError,
  op,
} from '../src';

type Failure = { code: number; details: string } | null;
const script: Record<string, Failure[]> = {};
const calls: Record<string, number> = {};
const tokens: string[] = [];
let server: grpc.Server;
let endpoint: string;

function handler(name: string, respond: () => unknown) {
  return (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
    calls[name] = (calls[name] ?? 0) + 1;
    const tok = call.metadata.get('token')[0];
    if (tok !== undefined) tokens.push(String(tok));
    const f = (script[name] ?? []).shift();
    if (f) cb({ code: f.code, details: f.details } as grpc.ServiceError);
    else cb(null, respond());
  };
}

before(async () => {
  server = new grpc.Server();
  const header = { revision: 7 };
  server.addService(toGrpcServiceDefinition(KVService) as unknown as grpc.ServiceDefinition, {
    Range: handler('Range', () => ({ header, kvs: [], count: 0 })),
    Put: handler('Put', () => ({ header })),
    DeleteRange: handler('DeleteRange', () => ({ header })),
    Txn: handler('Txn', () => ({ header, succeeded: true })),
    Compact: handler('Compact', () => ({ header })),
  });
  let n = 0;
  server.addService(toGrpcServiceDefinition(AuthService) as unknown as grpc.ServiceDefinition, {
    Authenticate: handler('Authenticate', () => ({ header, token: `tok-${++n}` })),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  endpoint = `127.0.0.1:${port}`;
});
after(() => {
  server.forceShutdown();
});
beforeEach(() => {
  for (const k of Object.keys(script)) delete script[k];
  for (const k of Object.keys(calls)) delete calls[k];
  tokens.length = 0;
});

const U = grpc.status.UNAVAILABLE;

describe('retry policy', () => {
  it('reads are retried on transient errors', async () => {
    const c = new Client({ endpoints: [endpoint], backoffBaseMs: 1 });
    try {
      script.Range = [
        { code: U, details: 'etcdserver: request timed out' },
        { code: U, details: 'etcdserver: leader changed' },
      ];
      const r = await c.range('k');
      assert.equal(r.header.revision, 7);
      assert.equal(calls.Range, 3);
    } finally {
      c.close();
    }
  });

  it('writes are retried when the server rejected them before proposing', async () => {
    const c = new Client({ endpoints: [endpoint], backoffBaseMs: 1 });
    try {
      script.Put = [
        { code: grpc.status.FAILED_PRECONDITION, details: 'etcdserver: not leader' },
        { code: U, details: 'etcdserver: no leader' },
        { code: grpc.status.RESOURCE_EXHAUSTED, details: 'etcdserver: too many requests' },
      ];
      await c.put('k', 'v');
      assert.equal(calls.Put, 4);
    } finally {
      c.close();
    }
  });

  it('ambiguous write failures are surfaced, not replayed', async () => {
    const c = new Client({ endpoints: [endpoint], backoffBaseMs: 1 });
    try {
      script.Put = [{ code: U, details: 'etcdserver: request timed out' }];
      await assert.rejects(c.put('k', 'v'), ServerTimeoutError);
      assert.equal(calls.Put, 1);
      script.Txn = [{ code: U, details: 'Connection dropped' }];
      await assert.rejects(c.txn().then(op.put('k', 'v')).commit());
      assert.equal(calls.Txn, 1);
      // a read-only txn is retried
      script.Txn = [{ code: U, details: 'Connection dropped' }];
      await c.txn().then(op.get('k')).commit();
      assert.equal(calls.Txn, 3);
      script.DeleteRange = [{ code: U, details: 'read ECONNRESET' }];
      await assert.rejects(c.delete('k'));
      assert.equal(calls.DeleteRange, 1);
    } finally {
      c.close();
    }
  });

  it('retries give up after the configured count', async () => {
    const c = new Client({ endpoints: [endpoint], backoffBaseMs: 1, retries: 2 });
    try {
      script.Put = Array.from({ length: 5 }, () => ({
        code: grpc.status.RESOURCE_EXHAUSTED,
        details: 'etcdserver: too many requests',
      }));
      await assert.rejects(c.put('k', 'v'), TooManyRequestsError);
      assert.equal(calls.Put, 3);
      script.Put = [{ code: grpc.status.FAILED_PRECONDITION, details: 'etcdserver: not leader' }];
      await assert.rejects(c.put('k', 'v', { timeoutMs: 0 }));
    } finally {
      c.close();
    }
    assert.ok(new NotLeaderError('x', 9) instanceof Error);
  });

  it('auth: token sent as metadata "token", refreshed once on invalid token', async () => {
    const c = new Client({ endpoints: [endpoint], username: 'u', password: 'p', backoffBaseMs: 1 });
    try {
      await c.get('k');
      assert.equal(calls.Authenticate, 1);
      assert.deepEqual(tokens, ['tok-1']);
      script.Range = [
        { code: grpc.status.UNAUTHENTICATED, details: 'etcdserver: invalid auth token' },
      ];
      await c.get('k');
      assert.equal(calls.Authenticate, 2);
      assert.deepEqual(tokens, ['tok-1', 'tok-1', 'tok-2']);
      script.Range = [
        { code: grpc.status.UNAUTHENTICATED, details: 'etcdserver: invalid auth token' },
        { code: grpc.status.UNAUTHENTICATED, details: 'etcdserver: invalid auth token' },
      ];
      await assert.rejects(c.get('k'), InvalidAuthTokenError);
    } finally {
      c.close();
    }
  });
});
