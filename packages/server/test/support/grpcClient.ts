/**
 * A small, precise etcd v3 gRPC client for black-box tests, built on
 * @grpc/grpc-js and the static protobufjs code of @concord/proto.
 *
 * Requests are plain objects in protobufjs camelCase form; for convenience,
 * string values of the bytes fields `key`, `rangeEnd` and `value` are turned into
 * UTF-8 bytes. Responses come back as plain JSON-able objects: every field present
 * (proto3 cannot tell a default from an absent field), enums as names, int64 as
 * numbers (or decimal strings beyond 2^53), bytes as UTF-8 strings (or "hex:..."
 * when not valid UTF-8).
 */
import * as grpc from '@grpc/grpc-js';
import { Long } from '@concord/proto';
import {
  KVService,
  WatchService,
  LeaseService,
  MaintenanceService,
  ClusterService,
  MethodInfo,
} from '@concord/proto/grpc-services';

export { KVService, WatchService, LeaseService, MaintenanceService, ClusterService };

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Plain = any;

export interface RpcErrorInfo {
  /** grpc status code name, e.g. "OUT_OF_RANGE". */
  code: string;
  /** The status message (grpc "details"), e.g. "etcdserver: mvcc: required revision is a future revision". */
  message: string;
}

export class RpcError extends Error {
  constructor(readonly info: RpcErrorInfo) {
    super(`${info.code}: ${info.message}`);
  }
}

export type Outcome = { ok: true; value: Plain } | { ok: false; error: RpcErrorInfo };

const BYTES_FIELDS = new Set(['key', 'rangeEnd', 'value']);

/** Strings in bytes fields → Buffers, recursively. */
function toRequest(v: unknown, field = ''): unknown {
  if (typeof v === 'string' && BYTES_FIELDS.has(field)) return Buffer.from(v, 'utf8');
  if (Array.isArray(v)) return v.map((x) => toRequest(x, field));
  if (v && typeof v === 'object' && !(v instanceof Uint8Array) && !Long.isLong(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toRequest(x, k);
    return out;
  }
  return v;
}

export function bytesToString(b: Uint8Array): string {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const s = buf.toString('utf8');
  return Buffer.from(s, 'utf8').equals(buf) ? s : `hex:${buf.toString('hex')}`;
}

/** Long → number (or string beyond 2^53), bytes → string, recursively. */
export function plain(v: unknown): Plain {
  if (Long.isLong(v)) {
    const l = v as Long;
    const n = l.toNumber();
    return Number.isSafeInteger(n) ? n : l.toString();
  }
  if (v instanceof Uint8Array) return bytesToString(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = plain(x);
    return out;
  }
  return v;
}

function encodeFn(type: any): (v: unknown) => Buffer {
  return (v) => {
    const msg = type.fromObject(toRequest(v));
    const bytes: Uint8Array = type.encode(msg).finish();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}
function decodeFn(type: any): (b: Buffer) => Plain {
  return (b) =>
    plain(type.toObject(type.decode(b), { defaults: true, enums: String, arrays: true }));
}

function errorInfo(e: unknown): RpcErrorInfo {
  const se = e as grpc.ServiceError;
  if (se && typeof se.code === 'number') {
    return { code: grpc.status[se.code] ?? String(se.code), message: se.details ?? '' };
  }
  return { code: 'CLIENT', message: String(e) };
}

export interface CallOptions {
  timeoutMs?: number;
}

export class EtcdClient {
  readonly client: grpc.Client;

  constructor(readonly endpoint: string) {
    this.client = new grpc.Client(endpoint, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
      'grpc.max_send_message_length': 64 * 1024 * 1024,
    });
  }

  close(): void {
    this.client.close();
  }

  /** Unary call; rejects with RpcError on a gRPC error status. */
  call(method: MethodInfo, req: Plain, opts: CallOptions = {}): Promise<Plain> {
    if (method.requestStream || method.responseStream)
      throw new Error(`${method.path} is a streaming method`);
    const deadline = new Date(Date.now() + (opts.timeoutMs ?? 10_000));
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        method.path,
        encodeFn(method.requestType),
        decodeFn(method.responseType),
        req,
        new grpc.Metadata(),
        { deadline },
        (err, res) => (err ? reject(new RpcError(errorInfo(err))) : resolve(res)),
      );
    });
  }

  /** Unary call whose gRPC error is a value, not an exception (errors from the client itself still throw). */
  async attempt(method: MethodInfo, req: Plain, opts: CallOptions = {}): Promise<Outcome> {
    try {
      return { ok: true, value: await this.call(method, req, opts) };
    } catch (e) {
      if (e instanceof RpcError) {
        if (e.info.code === 'DEADLINE_EXCEEDED' || e.info.code === 'UNAVAILABLE') throw e;
        return { ok: false, error: e.info };
      }
      throw e;
    }
  }

  /** Server-streaming call, collected until the end of the stream. */
  serverStream(method: MethodInfo, req: Plain, opts: CallOptions = {}): Promise<Plain[]> {
    const deadline = new Date(Date.now() + (opts.timeoutMs ?? 30_000));
    return new Promise((resolve, reject) => {
      const out: Plain[] = [];
      const call = this.client.makeServerStreamRequest(
        method.path,
        encodeFn(method.requestType),
        decodeFn(method.responseType),
        req,
        new grpc.Metadata(),
        { deadline },
      );
      call.on('data', (d: Plain) => out.push(d));
      call.on('error', (e) => reject(new RpcError(errorInfo(e))));
      call.on('end', () => resolve(out));
    });
  }

  range = (req: Plain) => this.call(KVService.Range, req);
  put = (req: Plain) => this.call(KVService.Put, req);
  deleteRange = (req: Plain) => this.call(KVService.DeleteRange, req);
  txn = (req: Plain) => this.call(KVService.Txn, req);
  compact = (req: Plain) => this.call(KVService.Compact, req);
  leaseGrant = (req: Plain) => this.call(LeaseService.LeaseGrant, req);
  leaseRevoke = (req: Plain) => this.call(LeaseService.LeaseRevoke, req);
  leaseTimeToLive = (req: Plain) => this.call(LeaseService.LeaseTimeToLive, req);
  leaseLeases = () => this.call(LeaseService.LeaseLeases, {});

  watch(): BidiStream {
    return new BidiStream(this.client, WatchService.Watch);
  }
  leaseKeepAlive(): BidiStream {
    return new BidiStream(this.client, LeaseService.LeaseKeepAlive);
  }
}

/** A bidirectional stream whose responses are read one at a time, each read bounded. */
export class BidiStream {
  private readonly call: grpc.ClientDuplexStream<Plain, Plain>;
  private readonly queue: Plain[] = [];
  private waiter: (() => void) | null = null;
  private ended: RpcErrorInfo | null = null;

  constructor(
    client: grpc.Client,
    readonly method: MethodInfo,
  ) {
    this.call = client.makeBidiStreamRequest(
      method.path,
      encodeFn(method.requestType),
      decodeFn(method.responseType),
      new grpc.Metadata(),
      {},
    );
    this.call.on('data', (d: Plain) => {
      this.queue.push(d);
      this.wake();
    });
    this.call.on('error', (e) => {
      this.ended = errorInfo(e);
      this.wake();
    });
    this.call.on('end', () => {
      if (!this.ended) this.ended = { code: 'OK', message: 'stream ended' };
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    if (w) w();
  }

  send(req: Plain): void {
    this.call.write(req);
  }

  /** The next response; rejects after timeoutMs, or if the stream ended with nothing queued. */
  async next(timeoutMs = 5000): Promise<Plain> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.queue.length) return this.queue.shift();
      if (this.ended)
        throw new Error(
          `${this.method.path}: stream ended (${this.ended.code}: ${this.ended.message})`,
        );
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.method.path}: no response within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.waiter = null;
          resolve();
        }, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /** Responses that arrive within ms (used to check that nothing unexpected follows). */
  async drain(ms: number): Promise<Plain[]> {
    const out: Plain[] = [];
    const deadline = Date.now() + ms;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return out;
      try {
        out.push(await this.next(left));
      } catch {
        if (this.ended && !this.queue.length) return out;
      }
    }
  }

  get endedWith(): RpcErrorInfo | null {
    return this.ended;
  }

  close(): void {
    this.call.end();
    this.call.cancel();
  }
}
