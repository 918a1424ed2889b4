import * as net from 'node:net';
import * as http from 'node:http';
import { GrpcServer } from './grpc/grpc-server';

const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/**
 * One client port for gRPC and HTTP/1.1, as etcd serves both on 2379: the first bytes of a
 * connection tell an HTTP/2 (gRPC) client from an HTTP/1.1 one (JSON gateway, /health,
 * /metrics, /version).
 */
export class ClientListener {
  private readonly tcp: net.Server;
  private readonly sockets = new Set<net.Socket>();

  /**
   * @param httpServer the HTTP/1.1 side; undefined makes this a gRPC-only port (etcd's
   *   --listen-client-http-urls moves HTTP elsewhere), which skips the sniffing entirely
   */
  constructor(
    private readonly grpcServer: GrpcServer,
    private readonly httpServer: http.Server | undefined,
  ) {
    this.tcp = net.createServer((socket) => this.route(socket));
  }

  private route(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.setNoDelay(true);
    if (!this.httpServer) {
      this.grpcServer.handleConnection(socket);
      return;
    }
    const httpServer = this.httpServer;
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const n = Math.min(head.length, HTTP2_PREFACE.length);
      const isH2 = head.subarray(0, n).equals(HTTP2_PREFACE.subarray(0, n));
      if (isH2 && head.length < HTTP2_PREFACE.length) return; // need more bytes to decide
      socket.off('data', onData);
      if (isH2) {
        this.grpcServer.handleConnection(socket, head);
      } else {
        socket.pause();
        socket.unshift(head);
        httpServer.emit('connection', socket);
        socket.resume();
      }
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.tcp.once('error', reject);
      this.tcp.listen(port, host, () => {
        this.tcp.off('error', reject);
        resolve();
      });
    });
  }

  address(): net.AddressInfo {
    return this.tcp.address() as net.AddressInfo;
  }

  close(): void {
    this.tcp.close();
    for (const s of this.sockets) s.destroy();
  }
}
