import { EventEmitter } from 'node:events';
import type * as net from 'node:net';
import { HeaderList, encodeHeaders } from './hpack';
import { H2Error, H2Stream, Http2Session, StreamHandler } from './http2-session';

/**
 * A gRPC server (the HTTP/2 wire protocol of grpc/grpc's PROTOCOL-HTTP2.md) on our own
 * HTTP/2 session. It serves the handler shapes grpc-js uses — unary (call, callback),
 * server-streaming and bidi streams as event emitters — so the service adapters do not care
 * which transport runs them. No compression, no server-side deadlines (clients enforce theirs
 * and cancel with RST_STREAM, which reaches the handler as 'cancelled').
 */

/** gRPC status codes (the ones this layer produces itself). */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  INTERNAL: 13,
  UNIMPLEMENTED: 12,
  RESOURCE_EXHAUSTED: 8,
} as const;

const CODE_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];

/** The name of a gRPC status code, as metrics label it ("OK", "NOT_FOUND", ...). */
export function grpcCodeName(code: number): string {
  return CODE_NAMES[code] ?? String(code);
}

export interface ServiceError {
  code?: number;
  details?: string;
}

export interface MethodDefinition {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestDeserialize(bytes: Buffer): unknown;
  responseSerialize(value: never): Buffer;
}

export type ServiceDefinition = { readonly [method: string]: MethodDefinition };

export interface UnaryCall<Req> {
  request: Req;
}
export type UnaryCallback<Res> = (err: ServiceError | null, value?: Res) => void;
export type UnaryHandler<Req, Res> = (call: UnaryCall<Req>, callback: UnaryCallback<Res>) => void;
export type StreamingHandler<Req, Res> = (call: StreamCall<Req, Res>) => void;

/** What `addService` accepts: the same shape as grpc-js's Server#addService. */
export interface ServiceRegistry {
  addService(def: ServiceDefinition, impl: Record<string, unknown>): void;
}

const RESPONSE_HEADERS = encodeHeaders([
  [':status', '200'],
  ['content-type', 'application/grpc'],
]);
const OK_TRAILERS = encodeHeaders([['grpc-status', '0']]);

/** grpc-message is percent-encoded UTF-8 (PROTOCOL-HTTP2.md) */
function percentEncode(s: string): string {
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x25) {
      plain = false;
      break;
    }
  }
  if (plain) return s;
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    out +=
      byte < 0x20 || byte > 0x7e || byte === 0x25
        ? '%' + byte.toString(16).toUpperCase().padStart(2, '0')
        : String.fromCharCode(byte);
  }
  return out;
}

function statusFields(code: number, details: string): HeaderList {
  const f: HeaderList = [['grpc-status', String(code)]];
  if (details) f.push(['grpc-message', percentEncode(details.slice(0, 4096))]);
  return f;
}

function frameMessage(payload: Buffer): Buffer {
  const b = Buffer.allocUnsafe(5 + payload.length);
  b[0] = 0;
  b.writeUInt32BE(payload.length, 1);
  payload.copy(b, 5);
  return b;
}

/** Splits the request body into gRPC messages (1-byte flag, 4-byte length, payload). */
class MessageReader {
  private parts: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly maxMessage: number) {}

  /** Returns the complete messages; throws a ServiceError-shaped object on a bad frame. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    // fast path: nothing buffered and the chunk holds whole messages
    let buf: Buffer;
    if (this.bytes === 0) buf = chunk;
    else {
      this.parts.push(chunk);
      buf = Buffer.concat(this.parts, this.bytes + chunk.length);
      this.parts = [];
      this.bytes = 0;
    }
    let pos = 0;
    while (buf.length - pos >= 5) {
      const flag = buf[pos];
      const len = buf.readUInt32BE(pos + 1);
      if (flag !== 0)
        throw {
          code: GrpcStatus.UNIMPLEMENTED,
          details: 'compressed messages are not supported (send identity encoding)',
        };
      if (len > this.maxMessage)
        throw {
          code: GrpcStatus.RESOURCE_EXHAUSTED,
          details: `Received message larger than max (${len} vs. ${this.maxMessage})`,
        };
      if (buf.length - pos - 5 < len) break;
      out.push(buf.subarray(pos + 5, pos + 5 + len));
      pos += 5 + len;
    }
    if (pos < buf.length) {
      const rest = buf.subarray(pos);
      this.parts.push(rest);
      this.bytes = rest.length;
    }
    return out;
  }

  get pending(): boolean {
    return this.bytes > 0;
  }
}

/**
 * One streaming call, shaped like grpc-js's ServerDuplexStream / ServerWritableStream as far as
 * the adapters use it. Events: 'data' (a request), 'end' (client done sending), 'cancelled',
 * 'error', 'drain'.
 */
export class StreamCall<Req, Res> extends EventEmitter {
  /** the request of a server-streaming call */
  request: Req | undefined;
  cancelled = false;
  private ended = false;
  private static readonly HIGH_WATER_BYTES = 1024 * 1024;

  constructor(
    private readonly stream: H2Stream,
    private readonly serialize: (v: Res) => Buffer,
  ) {
    super();
  }

  /** messages queued and not yet handed to the socket (grpc-js counts objects too) */
  get writableLength(): number {
    return this.stream.queuedMessages;
  }

  /** True when queued bytes reached the high-water mark: wait for 'drain' (as Node streams). */
  get writableNeedDrain(): boolean {
    return this.stream.queuedBytes >= StreamCall.HIGH_WATER_BYTES;
  }

  /** Sends one message (or bytes already serialized). False: wait for 'drain'. */
  write(msg: Res | Buffer): boolean {
    if (this.ended || this.cancelled) return false;
    const payload = Buffer.isBuffer(msg) ? msg : this.serialize(msg);
    this.stream.sendHeaders(RESPONSE_HEADERS);
    this.stream.sendData(frameMessage(payload));
    return !this.writableNeedDrain;
  }

  /** Sends one message already framed (flag byte, 4-byte length, bytes): no copy. */
  writeFramed(framed: Buffer): boolean {
    if (this.ended || this.cancelled) return false;
    this.stream.sendHeaders(RESPONSE_HEADERS);
    this.stream.sendData(framed);
    return !this.writableNeedDrain;
  }

  /**
   * Sends one message already framed, of `len` bytes that `fill` writes at `pos` of `b`:
   * straight into the connection's output buffer when it can go out now.
   */
  writeFramedWith(len: number, fill: (b: Buffer, pos: number) => void): boolean {
    if (this.ended || this.cancelled) return false;
    this.stream.sendHeaders(RESPONSE_HEADERS);
    this.stream.sendDataWith(len, fill);
    return !this.writableNeedDrain;
  }

  /** Ends the call with OK. */
  end(): void {
    if (this.ended || this.cancelled) return;
    this.ended = true;
    this.stream.sendHeaders(RESPONSE_HEADERS);
    this.stream.end(OK_TRAILERS);
  }

  /** Ends the call with an error status (code/details), as grpc-js's destroy(err). */
  destroy(err?: ServiceError): void {
    if (this.ended || this.cancelled) return;
    this.ended = true;
    const code = err?.code ?? GrpcStatus.INTERNAL;
    const details = err?.details ?? (err instanceof Error ? err.message : '');
    finishWithStatus(this.stream, code, details);
  }

  /** called by the server */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    if (!this.ended) this.emit('cancelled');
  }
}

/** Decodes a request message; a malformed one is INTERNAL, as grpc-js answers it. */
function deserialize(def: MethodDefinition, bytes: Buffer): unknown {
  try {
    return def.requestDeserialize(bytes);
  } catch (e) {
    throw {
      code: GrpcStatus.INTERNAL,
      details: `Error deserializing request: ${(e as Error).message}`,
    } satisfies ServiceError;
  }
}

function finishWithStatus(stream: H2Stream, code: number, details: string): void {
  if (stream.headersSent) {
    stream.end(encodeHeaders(statusFields(code, details)));
  } else {
    // trailers-only response
    stream.headersSent = true;
    stream.end(
      encodeHeaders([
        [':status', '200'],
        ['content-type', 'application/grpc'],
        ...statusFields(code, details),
      ]),
    );
  }
}

export interface GrpcServerOptions {
  /** largest request message accepted; larger ones get RESOURCE_EXHAUSTED */
  maxReceiveMessageLength: number;
}

interface Route {
  def: MethodDefinition;
  impl: (...args: never[]) => void;
}

export class GrpcServer implements ServiceRegistry {
  private readonly routes = new Map<string, Route>();
  private readonly sessions = new Set<Http2Session>();

  constructor(private readonly opts: GrpcServerOptions) {}

  addService(def: ServiceDefinition, impl: Record<string, unknown>): void {
    for (const [name, m] of Object.entries(def)) {
      const fn = impl[name];
      if (typeof fn !== 'function') continue;
      this.routes.set(m.path, { def: m, impl: fn as Route['impl'] });
    }
  }

  /** Serves gRPC on a connected socket; `head` are bytes already read from it. */
  handleConnection(socket: net.Socket, head?: Buffer): void {
    const session = new Http2Session(
      socket,
      (stream, headers) => this.openStream(stream, headers),
      () => this.sessions.delete(session),
    );
    this.sessions.add(session);
    if (head && head.length > 0) session.feed(head);
  }

  /** Says GOAWAY on every connection; they close once written. */
  close(): void {
    for (const s of this.sessions) s.shutdown();
  }

  /** Drops every connection at once. */
  forceShutdown(): void {
    for (const s of [...this.sessions]) s.destroy();
    this.sessions.clear();
  }

  private openStream(stream: H2Stream, headers: HeaderList): StreamHandler {
    let path = '';
    let method = '';
    let contentType = '';
    for (const [n, v] of headers) {
      if (n === ':path') path = v;
      else if (n === ':method') method = v;
      else if (n === 'content-type') contentType = v;
    }
    if (method !== 'POST' || !contentType.startsWith('application/grpc')) {
      const status = method !== 'POST' ? '405' : '415';
      stream.headersSent = true;
      stream.end(encodeHeaders([[':status', status]]));
      return IGNORE;
    }
    const route = this.routes.get(path);
    if (!route) {
      finishWithStatus(stream, GrpcStatus.UNIMPLEMENTED, `unknown method ${path}`);
      return IGNORE;
    }
    const reader = new MessageReader(this.opts.maxReceiveMessageLength);
    const { def } = route;
    if (!def.requestStream && !def.responseStream) return this.unary(stream, route, reader);
    return this.streaming(stream, route, reader);
  }

  private unary(stream: H2Stream, route: Route, reader: MessageReader): StreamHandler {
    const { def } = route;
    let request: Buffer | undefined;
    let failed = false;
    const fail = (e: ServiceError): void => {
      failed = true;
      finishWithStatus(stream, e.code ?? GrpcStatus.INTERNAL, e.details ?? '');
    };
    return {
      onData: (chunk) => {
        if (failed) return;
        try {
          const msgs = reader.push(chunk);
          if (msgs.length > 1 || (msgs.length === 1 && request))
            return fail({
              code: GrpcStatus.UNIMPLEMENTED,
              details: 'more than one request message in a unary call',
            });
          if (msgs.length === 1) request = msgs[0];
        } catch (e) {
          fail(e as ServiceError);
        }
      },
      onEnd: () => {
        if (failed) return;
        if (!request || reader.pending)
          return fail({
            code: GrpcStatus.INTERNAL,
            details: 'the request has no complete message',
          });
        let decoded: unknown;
        try {
          decoded = deserialize(def, request);
        } catch (e) {
          return fail(e as ServiceError);
        }
        const handler = route.impl as unknown as UnaryHandler<unknown, unknown>;
        const respond: UnaryCallback<unknown> = (err, value) => {
          if (stream.closed) return;
          if (err)
            return finishWithStatus(stream, err.code ?? GrpcStatus.INTERNAL, err.details ?? '');
          let bytes: Buffer;
          try {
            bytes = (def.responseSerialize as (v: unknown) => Buffer)(value);
          } catch (e) {
            return finishWithStatus(
              stream,
              GrpcStatus.INTERNAL,
              `Error serializing response: ${(e as Error).message}`,
            );
          }
          stream.sendHeaders(RESPONSE_HEADERS);
          stream.sendData(frameMessage(bytes));
          stream.end(OK_TRAILERS);
        };
        try {
          handler({ request: decoded }, respond);
        } catch (e) {
          respond({ code: GrpcStatus.INTERNAL, details: String(e) });
        }
      },
      onReset: () => undefined,
      onDrain: () => undefined,
    };
  }

  private streaming(stream: H2Stream, route: Route, reader: MessageReader): StreamHandler {
    const { def } = route;
    const call = new StreamCall<unknown, unknown>(
      stream,
      def.responseSerialize as (v: unknown) => Buffer,
    );
    const start = (): void => (route.impl as unknown as StreamingHandler<unknown, unknown>)(call);
    let started = def.requestStream; // a bidi/client stream starts at once
    let failed = false;
    if (started) start();
    const fail = (e: ServiceError): void => {
      failed = true;
      call.destroy(e);
      if (call.listenerCount('error') > 0)
        call.emit('error', Object.assign(new Error(e.details ?? 'error'), e));
    };
    return {
      onData: (chunk) => {
        if (failed) return;
        let msgs: Buffer[];
        try {
          msgs = reader.push(chunk);
        } catch (e) {
          return fail(e as ServiceError);
        }
        for (const m of msgs) {
          let decoded: unknown;
          try {
            decoded = deserialize(def, m);
          } catch (e) {
            return fail(e as ServiceError);
          }
          if (started) call.emit('data', decoded);
          else if (call.request === undefined) call.request = decoded;
        }
      },
      onEnd: () => {
        if (failed) return;
        if (!started) {
          if (call.request === undefined)
            return fail({
              code: GrpcStatus.INTERNAL,
              details: 'the request has no complete message',
            });
          started = true;
          start();
        }
        call.emit('end');
      },
      onReset: () => call.cancel(),
      onDrain: () => call.emit('drain'),
    };
  }
}

const IGNORE: StreamHandler = {
  onData: () => undefined,
  onEnd: () => undefined,
  onReset: () => undefined,
  onDrain: () => undefined,
};
