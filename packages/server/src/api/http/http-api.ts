import * as http from 'node:http';
import { EtcdServer, CLUSTER_VERSION, SERVER_VERSION, alarmName } from '../../server/etcd-server';

/** Handler for gateway paths (/v3/...); returns false when the path is not one of its own. */
export type GatewayHandler = (req: http.IncomingMessage, res: http.ServerResponse) => boolean;

/** The HTTP/1.1 side of the client port: /health, /version, /metrics and the JSON gateway. */
export function createHttpApi(server: EtcdServer, gateway?: GatewayHandler): http.Server {
  return http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && url === '/health') {
      // as etcd: unhealthy with an active alarm or without a leader
      const alarms = server.sm.alarms();
      const reason =
        alarms.length > 0
          ? 'ALARM ' + alarms.map((a) => alarmName(a.alarm)).join(',')
          : server.leaderId() === 0n
            ? 'RAFT NO LEADER'
            : '';
      const healthy = reason === '';
      res.writeHead(healthy ? 200 : 503, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ health: String(healthy), reason }));
      return;
    }
    if (req.method === 'GET' && url === '/version') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ etcdserver: SERVER_VERSION, etcdcluster: CLUSTER_VERSION }));
      return;
    }
    if (req.method === 'GET' && url === '/metrics') {
      server.metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': server.metrics.registry.contentType });
          res.end(text);
        },
        (err: Error) => {
          res.writeHead(500);
          res.end(err.message);
        },
      );
      return;
    }
    if (gateway && gateway(req, res)) return;
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('404 page not found\n');
  });
}
