/**
 * gRPC calls with raw request bytes (no protobuf encoding on our side), for
 * sending malformed or hand-built messages: requestSerialize is the identity,
 * so whatever Buffer we pass goes on the wire as the message.
 */
import * as grpc from '@grpc/grpc-js';

export type RawOutcome = { ok: true; bytes: Buffer } | { ok: false; code: string; message: string };

const identity = (b: Buffer): Buffer => b;

export class RawClient {
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

  /** Unary call with raw request bytes; a gRPC error is a value. */
  unary(path: string, bytes: Buffer, timeoutMs = 10_000): Promise<RawOutcome> {
    return new Promise((resolve) => {
      this.client.makeUnaryRequest(
        path,
        identity,
        identity,
        bytes,
        new grpc.Metadata(),
        { deadline: new Date(Date.now() + timeoutMs) },
        (err, res) => {
          if (err)
            resolve({
              ok: false,
              code: grpc.status[err.code] ?? String(err.code),
              message: err.details ?? '',
            });
          else resolve({ ok: true, bytes: res as Buffer });
        },
      );
    });
  }

  /** Server-streaming call with raw request bytes; collects raw responses until the end (bounded). */
  serverStream(path: string, bytes: Buffer, timeoutMs = 30_000): Promise<Buffer[]> {
    return new Promise((resolve, reject) => {
      const out: Buffer[] = [];
      const call = this.client.makeServerStreamRequest(
        path,
        identity,
        identity,
        bytes,
        new grpc.Metadata(),
        {
          deadline: new Date(Date.now() + timeoutMs),
        },
      );
      call.on('data', (b: Buffer) => out.push(b));
      call.on('error', (e: grpc.ServiceError) =>
        reject(new Error(`${path}: ${grpc.status[e.code]}: ${e.details}`)),
      );
      call.on('end', () => resolve(out));
    });
  }

  /**
   * Opens a bidi stream, writes each raw message, half-closes, and collects the
   * responses until the stream ends (bounded).
   */
  bidi(
    path: string,
    messages: Buffer[],
    opts: { timeoutMs?: number; halfClose?: boolean } = {},
  ): Promise<{ responses: Buffer[]; status: { code: string; message: string } }> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    return new Promise((resolve) => {
      const call = this.client.makeBidiStreamRequest(
        path,
        identity,
        identity,
        new grpc.Metadata(),
        {
          deadline: new Date(Date.now() + timeoutMs),
        },
      );
      const responses: Buffer[] = [];
      let done = false;
      const finish = (code: string, message: string) => {
        if (done) return;
        done = true;
        resolve({ responses, status: { code, message } });
      };
      call.on('data', (b: Buffer) => responses.push(b));
      call.on('error', (e: grpc.ServiceError) =>
        finish(grpc.status[e.code] ?? String(e.code), e.details ?? ''),
      );
      call.on('status', (s: grpc.StatusObject) =>
        finish(grpc.status[s.code] ?? String(s.code), s.details),
      );
      call.on('end', () => finish('OK', 'stream ended'));
      for (const m of messages) call.write(m);
      if (opts.halfClose ?? true) call.end();
    });
  }
}
