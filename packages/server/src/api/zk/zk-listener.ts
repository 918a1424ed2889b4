/**
 * The ZooKeeper client port: ZooKeeper's framing (4-byte length + jute record), the connect
 * handshake, four-letter words, and per-connection request order. Decodes, calls the
 * ZkService, encodes; what a request means is decided there.
 *
 * Order (ZooKeeper's FIFO client order): a write is proposed once every earlier request of the
 * connection has been started; a read runs once every earlier write has been applied; replies
 * leave in request order. Watch events are queued as soon as the change is applied, so they
 * precede every reply computed after it; what a tick queues leaves in one socket write.
 */
import * as net from 'node:net';
import type { Logger } from 'pino';
import { JuteError, JuteReader, JuteWriter } from '../../zk/jute';
import { Err, Id, OpCode, Xid } from '../../zk/records';
import { fourLetterAnswer, FourLetterContext, isFourLetterWord } from '../../zk/four-letter';
import { isWrite, Reply, ZkConnection, ZkService } from '../../zk/zk-service';

/** jute.maxbuffer default (0xfffff): a longer frame closes the connection ("Len error"). */
export const ZK_MAX_BUFFER = 0xfffff;

export interface ZkListenerOptions {
  maxBuffer?: number;
  /** 4lw.commands.whitelist; ZooKeeper's default is srvr only */
  fourLetterWhitelist?: string[];
  dataDir: string;
  logger: Logger;
}

let nextConnId = 1;

/** One client request on its way: started, answered, its reply sent in request order. */
interface Request {
  xid: number;
  type: number;
  body: Buffer;
  reply: Reply | undefined;
  err: unknown;
  /** 0 running or waiting, 1 answered, 2 failed (the connection is closed when its turn comes) */
  state: 0 | 1 | 2;
}

/** first size of a tick's output buffer (grows by doubling) */
const OUT_INITIAL = 2048;

class Connection implements ZkConnection {
  readonly id = nextConnId++;
  readonly remoteAddress: string;
  sessionId = 0n;
  auth: Id[];
  private buf: Buffer = Buffer.alloc(0);
  private connected = false;
  private closed = false;
  /** the session is established: requests may start */
  private ready = false;
  /** requests not started yet, in order (behind an earlier one that has not started) */
  private readonly waiting: Request[] = [];
  /** requests whose reply has not left yet, in order */
  private readonly replies: Request[] = [];
  /** writes proposed and not answered yet */
  private writesInFlight = 0;
  /** packets of this tick not yet written to the socket */
  private out: JuteWriter | undefined;

  constructor(
    private readonly sock: net.Socket,
    private readonly listener: ZkListener,
  ) {
    const ip = (sock.remoteAddress ?? '').replace(/^::ffff:/, '');
    this.remoteAddress = `${ip}:${sock.remotePort ?? 0}`;
    this.auth = [{ scheme: 'ip', id: ip }];
    sock.setNoDelay(true);
    sock.on('data', (d: Buffer) => this.onData(d));
    sock.on('error', () => this.close());
    sock.on('close', () => this.close());
  }

  private get service(): ZkService {
    return this.listener.service;
  }

  close(): void {
    if (this.closed) return;
    this.flush(); // what was sent before the close still leaves, as with a direct write
    this.closed = true;
    this.service.disconnect(this);
    this.sock.destroy();
  }

  /**
   * Starts a packet in this tick's output: replies and events are encoded back to back into
   * one buffer (in the order they are produced) and leave in one socket write once the
   * current burst of callbacks and microtasks is over (process.nextTick) — a batch of
   * applied writes answers each connection with one write, not one per reply.
   */
  private frame(): JuteWriter {
    this.service.packetsSent++;
    if (!this.out) {
      this.out = new JuteWriter(OUT_INITIAL);
      process.nextTick(this.flushCb);
    }
    return this.out;
  }

  private readonly flushCb = (): void => this.flush();

  private flush(): void {
    const w = this.out;
    if (!w) return;
    this.out = undefined;
    if (!this.closed && !this.sock.destroyed) this.sock.write(w.toBuffer());
  }

  sendEvent(type: number, state: number, path: string, zxid: number): void {
    if (this.closed) return;
    const w = this.frame();
    const f = w.startFrame();
    w.int(Xid.notification).long(zxid).int(0);
    w.int(type).int(state).ustring(path);
    w.endFrame(f);
  }

  private sendReply(r: Reply): void {
    if (this.closed) return;
    const w = this.frame();
    const f = w.startFrame();
    w.int(r.xid).long(r.zxid).int(r.err);
    if (r.body) r.body(w);
    w.endFrame(f);
    if (r.close) {
      this.flush();
      this.sock.end();
      this.close();
    }
  }

  private onData(d: Buffer): void {
    if (this.closed) return;
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    try {
      while (!this.closed && this.buf.length >= 4) {
        if (!this.connected && isFourLetterWord(this.buf)) {
          const cmd = this.buf.toString('latin1', 0, 4);
          this.sock.end(fourLetterAnswer(cmd, this.listener.fourLetterContext()));
          this.closed = true;
          this.service.disconnect(this);
          return;
        }
        const len = this.buf.readInt32BE(0);
        if (len < 0 || len > this.listener.maxBuffer) throw new JuteError(`Len error ${len}`);
        if (this.buf.length < 4 + len) return;
        const frame = this.buf.subarray(4, 4 + len);
        this.buf = this.buf.subarray(4 + len);
        if (!this.connected) this.onConnect(frame);
        else this.onRequest(frame);
      }
    } catch (err) {
      if (!(err instanceof JuteError))
        this.listener.logger.warn({ err }, 'zookeeper: dropping connection');
      this.close();
    }
  }

  private onConnect(frame: Buffer): void {
    const r = new JuteReader(frame);
    const req = {
      protocolVersion: r.int(),
      lastZxidSeen: r.long(),
      timeOut: r.int(),
      sessionId: r.long(),
      passwd: r.buffer(),
      readOnly: r.remaining >= 1 ? r.bool() : false,
    };
    this.connected = true;
    // nothing else may be processed before the session is established
    const done = this.service.connect(this, req).then(
      (res) => {
        if ('refuse' in res) return this.close();
        if (this.closed) return;
        const w = this.frame();
        const f = w.startFrame();
        w.int(0).int(res.timeOut).long(res.sessionId).buffer(res.passwd).bool(false);
        w.endFrame(f);
        if (!res.ok) {
          this.flush();
          this.sock.end();
          this.close();
        }
      },
      (err: unknown) => {
        this.listener.logger.warn({ err }, 'zookeeper: session creation failed');
        this.close();
      },
    );
    void done.then(() => {
      this.ready = true;
      this.pump();
    });
  }

  private onRequest(frame: Buffer): void {
    const r = new JuteReader(frame);
    const xid = r.int();
    const type = r.int();
    const body = frame.subarray(r.offset);
    this.service.touch(this);
    const req: Request = { xid, type, body, reply: undefined, err: undefined, state: 0 };
    this.replies.push(req);
    if (this.waiting.length === 0 && this.canStart(type)) this.start(req);
    else this.waiting.push(req);
  }

  /** Every earlier request has started (the caller checks `waiting`); a read also needs every earlier write applied. */
  private canStart(type: number): boolean {
    return this.ready && (this.writesInFlight === 0 || type === OpCode.auth || isWrite(type));
  }

  /** Starts the waiting requests that may start now, in order. */
  private pump(): void {
    while (!this.closed && this.waiting.length > 0 && this.canStart(this.waiting[0].type))
      this.start(this.waiting.shift()!);
  }

  private start(req: Request): void {
    const { xid, type, body } = req;
    if (isWrite(type)) {
      this.writesInFlight++;
      this.service.write(this, xid, type, body).then(
        (rep) => this.written(req, rep, undefined),
        (err: unknown) => this.written(req, undefined, err ?? new Error('write failed')),
      );
      return;
    }
    try {
      if (type === OpCode.auth) {
        const a = new JuteReader(body);
        a.int();
        const scheme = a.ustring();
        const auth = a.buffer();
        const ok = this.service.addAuth(this, scheme, auth);
        req.reply = { xid: Xid.auth, zxid: 0, err: ok ? Err.OK : Err.AUTHFAILED, close: !ok };
      } else req.reply = this.service.read(this, xid, type, body);
      req.state = 1;
    } catch (err) {
      req.err = err;
      req.state = 2;
    }
    this.deliver();
  }

  private written(req: Request, rep: Reply | undefined, err: unknown): void {
    this.writesInFlight--;
    req.reply = rep;
    req.err = err;
    req.state = rep ? 1 : 2;
    this.deliver();
    this.pump();
  }

  /** Sends the finished replies at the head of the queue (replies leave in request order). */
  private deliver(): void {
    while (!this.closed && this.replies.length > 0 && this.replies[0].state !== 0) {
      const req = this.replies.shift()!;
      if (req.state === 2) {
        if (!(req.err instanceof JuteError))
          this.listener.logger.warn({ err: req.err }, 'zookeeper: request failed; closing');
        this.close();
        return;
      }
      this.sendReply(req.reply!);
    }
  }
}

export class ZkListener {
  private readonly server: net.Server;
  readonly maxBuffer: number;
  private readonly whitelist: Set<string>;
  readonly logger: Logger;
  private port = 0;

  constructor(
    readonly service: ZkService,
    private readonly opts: ZkListenerOptions,
  ) {
    this.maxBuffer = opts.maxBuffer ?? ZK_MAX_BUFFER;
    this.whitelist = new Set(opts.fourLetterWhitelist ?? ['srvr']);
    this.logger = opts.logger;
    this.server = net.createServer((sock) => new Connection(sock, this));
  }

  fourLetterContext(): FourLetterContext {
    return {
      service: this.service,
      clientPort: this.port,
      whitelist: this.whitelist,
      dataDir: this.opts.dataDir,
    };
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  address(): net.AddressInfo {
    return this.server.address() as net.AddressInfo;
  }

  close(): void {
    this.server.close();
  }
}
