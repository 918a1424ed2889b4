/** ZooKeeper's four-letter words (FourLetterCommands), answered from the service's state. */
import * as os from 'node:os';
import type { ZkService } from './zk-service';

export const FOUR_LETTER_WORDS = [
  'ruok',
  'stat',
  'srvr',
  'mntr',
  'conf',
  'cons',
  'wchs',
  'envi',
  'conf',
  'dirs',
  'isro',
  'wchc',
  'wchp',
  'dump',
  'crst',
  'srst',
  'gtmk',
  'stmk',
  'hash',
];

export const ZK_VERSION = '3.8.0-concord';

export interface FourLetterContext {
  service: ZkService;
  clientPort: number;
  whitelist: Set<string>;
  dataDir: string;
}

const hex = (n: number) => '0x' + n.toString(16);

/** ZooKeeper's server state: standalone on one member, else leader / follower (observer for
 * a learner), so tools reading `srvr` or `mntr` see a cluster as they would an ensemble. */
function serverState(s: ZkService): string {
  const raft = s.server.raft;
  if (!raft || raft.members().length <= 1) return 'standalone';
  if (raft.isLeader) return 'leader';
  return raft.isLearner ? 'observer' : 'follower';
}

export function isFourLetterWord(b: Buffer): boolean {
  return b.length >= 4 && FOUR_LETTER_WORDS.includes(b.toString('latin1', 0, 4));
}

export function fourLetterAnswer(cmd: string, ctx: FourLetterContext): string {
  if (!ctx.whitelist.has('*') && !ctx.whitelist.has(cmd))
    return `${cmd} is not executed because it is not in the whitelist.\n`;
  const s = ctx.service;
  const srv = (clients: boolean) => {
    let out = `Zookeeper version: ${ZK_VERSION}, built on concord\n`;
    if (clients) {
      out += 'Clients:\n';
      for (const c of s.allConnections())
        out += ` /${c.remoteAddress}[1](queued=0,recved=0,sent=0)\n`;
      out += '\n';
    }
    out += 'Latency min/avg/max: 0/0.0/0\n';
    out += `Received: ${s.packetsReceived}\nSent: ${s.packetsSent}\nConnections: ${s.connectionCount}\nOutstanding: 0\n`;
    out += `Zxid: ${hex(s.zxid)}\nMode: ${serverState(s)}\nNode count: ${s.store.count() + 1}\n`;
    return out;
  };
  switch (cmd) {
    case 'ruok':
      return 'imok';
    case 'srvr':
      return srv(false);
    case 'stat':
      return srv(true);
    case 'mntr': {
      const w = s.watchSummary();
      const lines: Array<[string, string | number]> = [
        ['zk_version', ZK_VERSION],
        ['zk_server_state', serverState(s)],
        ['zk_avg_latency', 0],
        ['zk_max_latency', 0],
        ['zk_min_latency', 0],
        ['zk_packets_received', s.packetsReceived],
        ['zk_packets_sent', s.packetsSent],
        ['zk_num_alive_connections', s.connectionCount],
        ['zk_outstanding_requests', 0],
        ['zk_znode_count', s.store.count() + 1],
        ['zk_watch_count', w.total],
        [
          'zk_ephemerals_count',
          s.store.sessions().reduce((n, x) => n + s.store.ephemerals(x.id).length, 0),
        ],
        ['zk_approximate_data_size', 0],
        ['zk_global_sessions', s.tracker.size],
        ['zk_uptime', Date.now() - s.startedAt],
      ];
      return lines.map(([k, v]) => `${k}\t${v}\n`).join('');
    }
    case 'conf':
      return (
        `clientPort=${ctx.clientPort}\n` +
        `dataDir=${ctx.dataDir}\n` +
        `tickTime=${s.opts.tickTimeMs}\n` +
        `maxClientCnxns=0\n` +
        `minSessionTimeout=${s.minTimeoutMs}\n` +
        `maxSessionTimeout=${s.maxTimeoutMs}\n` +
        `serverId=0\n`
      );
    case 'cons': {
      let out = '';
      for (const c of s.allConnections())
        out += ` /${c.remoteAddress}[1](queued=0,recved=0,sent=0,sid=0x${c.sessionId.toString(16)})\n`;
      return out + '\n';
    }
    case 'wchs': {
      const w = s.watchSummary();
      return `${w.connections} connections watching ${w.paths} paths\nTotal watches:${w.total}\n`;
    }
    case 'envi':
      return (
        'Environment:\n' +
        `zookeeper.version=${ZK_VERSION}\n` +
        `host.name=${os.hostname()}\n` +
        `node.version=${process.version}\n` +
        `os.name=${os.type()}\n` +
        `os.arch=${os.arch()}\n` +
        `os.version=${os.release()}\n` +
        `user.dir=${process.cwd()}\n`
      );
    case 'isro':
      return 'rw';
    default:
      return `${cmd} is not executed because it is not in the whitelist.\n`;
  }
}
