/**
 * Endpoint management, gRPC calls, retries, auth and failover.
 */
import * as grpc from '@grpc/grpc-js';
import type { MethodInfo } from '@concord/proto/grpc-services';
import { AuthService } from '@concord/proto/grpc-services';
import {
  ClientClosedError,
  DeadlineExceededError,
  EtcdError,
  InvalidArgumentError,
  InvalidAuthTokenError,
  UnavailableError,
  fromGrpcError,
  isNeverSent,
  isRejectedBeforeApply,
} from './errors';
import { abortReason, backoffDelay, sleep } from './util';

export interface TlsOptions {
  /** PEM root certificates (CA). */
  ca?: Buffer | string;
  /** PEM client certificate (mTLS). */
  cert?: Buffer | string;
  /** PEM client key (mTLS). */
  key?: Buffer | string;
  /** Override the name checked in the server certificate. */
  serverName?: string;
}

export interface ClientOptions {
  /** "host:port", "http://host:port" or "https://host:port". At least one. */
  endpoints: string[];
  /** Username/password authentication (Authenticate RPC, token sent as metadata `token`). */
  username?: string;
  password?: string;
  /** TLS. `true` uses system roots. https:// endpoints imply TLS. */
  tls?: TlsOptions | boolean;
  /** Default deadline for unary calls (ms). Default 10000. */
  defaultTimeoutMs?: number;
  /** Time to wait for a connection to an endpoint before failing over (ms). Default 3000. */
  dialTimeoutMs?: number;
  /** Maximum retries for retry-safe failures (always bounded by the deadline). Default 8. */
  retries?: number;
  /** Backoff base / cap (ms). Defaults 50 / 2000. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** gRPC HTTP/2 keepalive ping interval (ms). Default 30000 (etcd rejects < 5000 by default). */
  keepaliveTimeMs?: number;
  /** gRPC keepalive ping ack timeout (ms). Default 10000. */
  keepaliveTimeoutMs?: number;
  /** How long an endpoint that failed is avoided (ms). Default 2000. */
  endpointCooldownMs?: number;
  /** Extra channel options passed to grpc-js. */
  grpcOptions?: grpc.ChannelOptions;
  /** Max received message size. Default 64 MiB. */
  maxReceiveMessageBytes?: number;
}

/** Per-call options accepted by every API method. */
export interface CallOptions {
  /** Deadline in ms from now (overrides the client default). */
  timeoutMs?: number;
  /** Abort the call. */
  signal?: AbortSignal;
}

interface Endpoint {
  address: string;
  client: grpc.Client | null;
  downUntil: number;
  failures: number;
}

type AnyMethod = MethodInfo;

function stripScheme(ep: string): { address: string; secure: boolean } {
  const m = /^(https?|unix|unixs):\/\/(.*)$/.exec(ep);
  if (!m) return { address: ep, secure: false };
  return { address: m[2].replace(/\/$/, ''), secure: m[1] === 'https' || m[1] === 'unixs' };
}

export class Connection {
  readonly opts: Required<
    Pick<
      ClientOptions,
      | 'defaultTimeoutMs'
      | 'dialTimeoutMs'
      | 'retries'
      | 'backoffBaseMs'
      | 'backoffMaxMs'
      | 'endpointCooldownMs'
    >
  > &
    ClientOptions;
  private endpoints: Endpoint[];
  private current = 0;
  private closed = false;
  private token: string | null = null;
  private authInFlight: Promise<string> | null = null;
  private creds: grpc.ChannelCredentials;
  private readonly closeCtrl = new AbortController();

  constructor(options: ClientOptions) {
    if (!options || !Array.isArray(options.endpoints) || options.endpoints.length === 0) {
      throw new InvalidArgumentError('at least one endpoint is required');
    }
    this.opts = {
      defaultTimeoutMs: 10_000,
      dialTimeoutMs: 3_000,
      retries: 8,
      backoffBaseMs: 50,
      backoffMaxMs: 2_000,
      endpointCooldownMs: 2_000,
      ...options,
    };
    let secure = !!options.tls;
    const parsed = options.endpoints.map(stripScheme);
    if (parsed.some((p) => p.secure)) secure = true;
    this.endpoints = parsed.map((p) => ({
      address: p.address,
      client: null,
      downUntil: 0,
      failures: 0,
    }));
    if (secure) {
      const t = typeof options.tls === 'object' ? options.tls : {};
      const buf = (v?: Buffer | string) =>
        v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(v);
      this.creds = grpc.credentials.createSsl(buf(t.ca), buf(t.key), buf(t.cert));
    } else {
      this.creds = grpc.credentials.createInsecure();
    }
    // Shuffle the starting endpoint so many clients spread over the cluster.
    this.current = Math.floor(Math.random() * this.endpoints.length);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Signal aborted when the connection is closed. */
  get closeSignal(): AbortSignal {
    return this.closeCtrl.signal;
  }

  get endpointAddresses(): string[] {
    return this.endpoints.map((e) => e.address);
  }

  private channelOptions(): grpc.ChannelOptions {
    const o: grpc.ChannelOptions = {
      'grpc.keepalive_time_ms': this.opts.keepaliveTimeMs ?? 30_000,
      'grpc.keepalive_timeout_ms': this.opts.keepaliveTimeoutMs ?? 10_000,
      'grpc.keepalive_permit_without_calls': 0,
      'grpc.max_receive_message_length': this.opts.maxReceiveMessageBytes ?? 64 * 1024 * 1024,
      'grpc.max_send_message_length': 64 * 1024 * 1024,
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 2_000,
      'grpc.enable_retries': 0,
      ...this.opts.grpcOptions,
    };
    const t = typeof this.opts.tls === 'object' ? this.opts.tls : undefined;
    if (t?.serverName) o['grpc.ssl_target_name_override'] = t.serverName;
    return o;
  }

  private clientFor(ep: Endpoint): grpc.Client {
    if (!ep.client) ep.client = new grpc.Client(ep.address, this.creds, this.channelOptions());
    return ep.client;
  }

  /** Choose an endpoint: the current one if healthy, else the next healthy one, else the one recovering first. */
  pick(): { ep: Endpoint; client: grpc.Client } {
    this.assertOpen();
    const now = Date.now();
    const n = this.endpoints.length;
    let chosen: Endpoint | null = null;
    for (let i = 0; i < n; i++) {
      const idx = (this.current + i) % n;
      const ep = this.endpoints[idx];
      // health-aware: skip endpoints in cooldown or whose channel is failing to connect
      const failing =
        n > 1 &&
        ep.client !== null &&
        ep.client.getChannel().getConnectivityState(false) ===
          grpc.connectivityState.TRANSIENT_FAILURE;
      if (ep.downUntil <= now && !failing) {
        this.current = idx;
        chosen = ep;
        break;
      }
    }
    if (!chosen) {
      let best = 0;
      for (let i = 1; i < n; i++)
        if (this.endpoints[i].downUntil < this.endpoints[best].downUntil) best = i;
      this.current = best;
      chosen = this.endpoints[best];
    }
    return { ep: chosen, client: this.clientFor(chosen) };
  }

  /** Mark an endpoint unhealthy: it is avoided for a cooldown and the next one is preferred. */
  markDown(ep: Endpoint): void {
    ep.failures++;
    ep.downUntil =
      Date.now() +
      Math.min(this.opts.endpointCooldownMs * ep.failures, this.opts.endpointCooldownMs * 5);
    const idx = this.endpoints.indexOf(ep);
    if (idx === this.current && this.endpoints.length > 1)
      this.current = (idx + 1) % this.endpoints.length;
  }

  markUp(ep: Endpoint): void {
    ep.failures = 0;
    ep.downUntil = 0;
  }

  private assertOpen(): void {
    if (this.closed) throw new ClientClosedError();
  }

  async metadata(signal?: AbortSignal): Promise<grpc.Metadata> {
    const md = new grpc.Metadata();
    if (this.opts.username !== undefined) {
      const tok = this.token ?? (await this.authenticate(false, signal));
      md.set('token', tok);
    }
    return md;
  }

  /** Obtain (or refresh) the auth token. */
  async authenticate(force: boolean, signal?: AbortSignal): Promise<string> {
    if (!force && this.token) return this.token;
    if (!this.authInFlight) {
      const stale = this.token;
      this.authInFlight = (async () => {
        if (force && this.token !== stale) return this.token!;
        const res = await this.unary(
          AuthService.Authenticate as AnyMethod,
          { name: this.opts.username, password: this.opts.password ?? '' },
          { signal, idempotent: true, noAuth: true },
        );
        this.token = (res as { token: string }).token;
        return this.token;
      })().finally(() => {
        this.authInFlight = null;
      });
    }
    return this.authInFlight;
  }

  /** Wait until the endpoint's channel is READY; fails fast on TRANSIENT_FAILURE (request never sent). */
  private waitReady(client: grpc.Client, deadline: number): Promise<void> {
    const ch = client.getChannel();
    const end = Math.min(deadline, Date.now() + this.opts.dialTimeoutMs);
    const fail = (why: string) =>
      new UnavailableError(
        `no connection established: ${why}`,
        grpc.status.UNAVAILABLE,
        `No connection established: ${why}`,
      );
    return new Promise((resolve, reject) => {
      const check = () => {
        const st = ch.getConnectivityState(true);
        if (st === grpc.connectivityState.READY) return resolve();
        if (st === grpc.connectivityState.TRANSIENT_FAILURE)
          return reject(fail('endpoint in transient failure'));
        if (st === grpc.connectivityState.SHUTDOWN) return reject(new ClientClosedError());
        if (Date.now() >= end) return reject(fail('dial timeout'));
        ch.watchConnectivityState(st, end, (err) => {
          if (err) reject(fail('dial timeout'));
          else check();
        });
      };
      check();
    });
  }

  /**
   * Unary call with failover and retries.
   * idempotent=true: retried on UNAVAILABLE and server-side rejections.
   * idempotent=false: retried only if the request provably never left the client
   * (no connection established) or the server rejected it before proposing it.
   */
  async unary<Res = unknown>(
    method: AnyMethod,
    req: unknown,
    opts: CallOptions & { idempotent: boolean; noAuth?: boolean; retries?: number },
  ): Promise<Res> {
    this.assertOpen();
    const timeout = opts.timeoutMs ?? this.opts.defaultTimeoutMs;
    const deadline = Date.now() + timeout;
    const maxRetries = opts.retries ?? this.opts.retries;
    let authRefreshed = false;
    let lastErr: EtcdError | null = null;
    for (let attempt = 0; ; attempt++) {
      this.assertOpen();
      if (opts.signal?.aborted) throw abortReason(opts.signal);
      if (Date.now() >= deadline)
        throw lastErr && !(lastErr instanceof UnavailableError)
          ? lastErr
          : new DeadlineExceededError(
              `deadline exceeded after ${timeout}ms${lastErr ? `: ${lastErr.message}` : ''}`,
            );
      const { ep, client } = this.pick();
      let err: EtcdError;
      try {
        if (!opts.idempotent) {
          // only send a write on a ready connection: if this fails the request never left
          const state = client.getChannel().getConnectivityState(true);
          if (state !== grpc.connectivityState.READY) await this.waitReady(client, deadline);
        }
        const md = opts.noAuth ? new grpc.Metadata() : await this.metadata(opts.signal);
        const res = await this.rawUnary<Res>(client, method, req, md, deadline, opts.signal);
        this.markUp(ep);
        return res;
      } catch (e) {
        err = fromGrpcError(e);
      }
      lastErr = err;
      if (opts.signal?.aborted) throw abortReason(opts.signal);
      if (this.closed) throw new ClientClosedError();
      if (
        err instanceof InvalidAuthTokenError &&
        this.opts.username !== undefined &&
        !opts.noAuth &&
        !authRefreshed
      ) {
        authRefreshed = true;
        this.token = null;
        attempt--;
        continue;
      }
      const transport = err.code === grpc.status.UNAVAILABLE;
      if (transport) this.markDown(ep);
      let retryable: boolean;
      if (opts.idempotent) retryable = transport || isRejectedBeforeApply(err);
      else retryable = isNeverSent(err) || isRejectedBeforeApply(err);
      if (!retryable || attempt >= maxRetries) throw err;
      const delay = Math.min(
        backoffDelay(attempt, this.opts.backoffBaseMs, this.opts.backoffMaxMs),
        Math.max(0, deadline - Date.now()),
      );
      await sleep(delay, opts.signal);
    }
  }

  rawUnary<Res>(
    client: grpc.Client,
    method: AnyMethod,
    req: unknown,
    md: grpc.Metadata,
    deadline: number,
    signal?: AbortSignal,
  ): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      let done = false;
      const call = client.makeUnaryRequest(
        method.path,
        (m: unknown) => Buffer.from((method.requestType as any).encode(m).finish()),
        (b: Buffer) => (method.responseType as any).decode(b) as Res,
        req,
        md,
        { deadline },
        (err, res) => {
          if (done) return;
          done = true;
          signal?.removeEventListener('abort', onAbort);
          this.closeCtrl.signal.removeEventListener('abort', onClose);
          if (err) reject(err);
          else resolve(res as Res);
        },
      );
      const onAbort = () => {
        if (done) return;
        done = true;
        call.cancel();
        reject(abortReason(signal!));
      };
      const onClose = () => {
        if (done) return;
        done = true;
        call.cancel();
        reject(new ClientClosedError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.closeCtrl.signal.addEventListener('abort', onClose, { once: true });
    });
  }

  /** Open a bidi stream on the picked endpoint. */
  async bidi(
    method: AnyMethod,
    signal?: AbortSignal,
  ): Promise<{ call: grpc.ClientDuplexStream<unknown, unknown>; ep: Endpoint }> {
    const { ep, client } = this.pick();
    const md = await this.metadata(signal);
    const call = client.makeBidiStreamRequest(
      method.path,
      (m: unknown) => Buffer.from((method.requestType as any).encode(m).finish()),
      (b: Buffer) => (method.responseType as any).decode(b),
      md,
      {},
    );
    // errors are consumed by the caller's listeners; never let a cancelled stream crash the process
    call.on('error', () => undefined);
    return { call, ep };
  }

  /** Open a server stream on the picked endpoint. */
  async serverStream(
    method: AnyMethod,
    req: unknown,
    opts: CallOptions = {},
  ): Promise<{ call: grpc.ClientReadableStream<unknown>; ep: Endpoint }> {
    const { ep, client } = this.pick();
    const md = await this.metadata(opts.signal);
    const callOpts: grpc.CallOptions = {};
    if (opts.timeoutMs !== undefined) callOpts.deadline = Date.now() + opts.timeoutMs;
    const call = client.makeServerStreamRequest(
      method.path,
      (m: unknown) => Buffer.from((method.requestType as any).encode(m).finish()),
      (b: Buffer) => (method.responseType as any).decode(b),
      req,
      md,
      callOpts,
    );
    call.on('error', () => undefined);
    return { call, ep };
  }

  /** Forget the token (e.g. after an auth error on a stream). */
  invalidateToken(): void {
    this.token = null;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.closeCtrl.abort(new ClientClosedError());
    for (const ep of this.endpoints) {
      ep.client?.close();
      ep.client = null;
    }
  }
}

export type { Endpoint };
