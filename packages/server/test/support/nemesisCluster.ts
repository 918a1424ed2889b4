/**
 * A Concord cluster of `concord serve` processes on loopback for fault-injection (nemesis) tests:
 * SIGKILL and restart, SIGSTOP / SIGCONT, leader lookup through Maintenance.Status, and network
 * partitions of one member's peer traffic with iptables.
 *
 * Partitions: the peer transport has one TCP connection per peer and direction, dialed by the
 * sender. Cutting member m off therefore needs (1) INPUT drops of packets to m's peer port (the
 * peers' messages to m) and (2) OUTPUT drops of m's own connections to the other peer ports,
 * which only the owner match can tell apart from the other members' connections to those ports.
 * So when partitions are possible (root and iptables present), each member runs under its own
 * unprivileged uid. All rules live in two chains of our own (jumped to from INPUT and OUTPUT),
 * name tagged with our pid, touching only ports this cluster created; heal() flushes it and
 * close() (and the process exit hook) removes it.
 */
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EtcdClient, MaintenanceService } from './grpcClient';
import { CONCORD_MAIN, freePorts, sleep } from './servers';

const READY_LINE = 'ready to serve client requests';

export interface ClusterOptions {
  members: number;
  /** run the members under their own uids and allow partition(); see partitionSupport() */
  partitions: boolean;
  electionMs?: number;
  heartbeatMs?: number;
  token?: string;
}

/** Why partitions cannot be used here, or undefined if they can. */
export function partitionSupport(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'not running as root';
  const r = spawnSync('iptables', ['-w', '-S', 'INPUT'], { encoding: 'utf8' });
  if (r.error)
    return `iptables is not available (${r.error.message}); install the iptables package`;
  if (r.status !== 0) return `iptables does not work here: ${r.stderr.trim()}`;
  return undefined;
}

function iptables(args: string[], allowFail = false): void {
  const r = spawnSync('iptables', ['-w', ...args], { encoding: 'utf8' });
  if (!allowFail && (r.error || r.status !== 0))
    throw new Error(`iptables ${args.join(' ')}: ${r.error?.message ?? r.stderr.trim()}`);
}

const liveChildren = new Set<ChildProcess>();
const liveChains = new Set<string>();
let hookInstalled = false;
function installExitHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  process.on('exit', () => {
    for (const c of liveChildren) {
      try {
        c.kill('SIGCONT');
        c.kill('SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (const chain of liveChains) removeChain(chain);
  });
}

/** Our chains: `<tag>I` jumped to from INPUT, `<tag>O` from OUTPUT (owner matches only work there). */
function removeChain(tag: string): void {
  for (const [builtin, chain] of [
    ['INPUT', `${tag}I`],
    ['OUTPUT', `${tag}O`],
  ]) {
    iptables(['-D', builtin, '-j', chain], true);
    iptables(['-F', chain], true);
    iptables(['-X', chain], true);
  }
}

export class Member {
  proc: ChildProcess | undefined;
  /** 'up' running, 'paused' SIGSTOPped, 'down' not running */
  state: 'up' | 'paused' | 'down' = 'down';
  id = '';
  private out = '';
  private waiters = new Set<() => void>();
  readonly client: EtcdClient;

  constructor(
    readonly cluster: NemesisCluster,
    readonly name: string,
    readonly clientPort: number,
    readonly peerPort: number,
    readonly dataDir: string,
    readonly uid: number | undefined,
  ) {
    this.client = new EtcdClient(this.endpoint);
  }

  get endpoint(): string {
    return `127.0.0.1:${this.clientPort}`;
  }

  get logFile(): string {
    return `${this.dataDir}.log`;
  }

  /** Starts the process and waits (bounded) for its readiness line. */
  async start(timeoutMs = 30_000): Promise<void> {
    if (this.state !== 'down') throw new Error(`${this.name} is ${this.state}`);
    const c = this.cluster;
    const url = `http://127.0.0.1:${this.clientPort}`;
    const peerUrl = `http://127.0.0.1:${this.peerPort}`;
    const args = [
      CONCORD_MAIN,
      'serve',
      '--name',
      this.name,
      '--data-dir',
      this.dataDir,
      '--listen-client-urls',
      url,
      '--advertise-client-urls',
      url,
      '--listen-peer-urls',
      peerUrl,
      '--initial-advertise-peer-urls',
      peerUrl,
      '--initial-cluster',
      c.members.map((m) => `${m.name}=http://127.0.0.1:${m.peerPort}`).join(','),
      '--initial-cluster-token',
      c.token,
      '--initial-cluster-state',
      'new',
      '--election-timeout',
      String(c.electionMs),
      '--heartbeat-interval',
      String(c.heartbeatMs),
    ];
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.CONCORD_FAILPOINT;
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
      ...(this.uid !== undefined ? { uid: this.uid, gid: this.uid } : {}),
    });
    installExitHook();
    liveChildren.add(child);
    this.proc = child;
    this.state = 'up';
    this.out = '';
    fs.appendFileSync(this.logFile, `\n==== ${new Date().toISOString()} start pid ${child.pid}\n`);
    const onChunk = (s: string) => {
      fs.appendFileSync(this.logFile, s);
      if (this.out.length < 64 * 1024) this.out += s;
      for (const w of [...this.waiters]) w();
    };
    child.stdout!.setEncoding('utf8').on('data', onChunk);
    child.stderr!.setEncoding('utf8').on('data', onChunk);
    child.once('exit', (code, signal) => {
      liveChildren.delete(child);
      fs.appendFileSync(this.logFile, `\n==== exit code=${code} signal=${signal}\n`);
      if (this.proc === child) this.state = 'down';
      for (const w of [...this.waiters]) w();
    });
    const deadline = Date.now() + timeoutMs;
    while (!this.out.includes(READY_LINE)) {
      if (this.proc !== child || (this.state as Member['state']) === 'down')
        throw new Error(`${this.name} exited during startup:\n${this.logTail()}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`${this.name} not ready within ${timeoutMs} ms:\n${this.logTail()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.min(left, 500));
        function done() {
          clearTimeout(t);
          resolve();
        }
        this.waiters.add(done);
      });
      this.waiters.clear();
    }
  }

  /** Sends the signal; for SIGKILL/SIGTERM waits (bounded) for the exit. */
  async signal(sig: NodeJS.Signals): Promise<void> {
    const child = this.proc;
    if (!child || this.state === 'down') return;
    if (sig === 'SIGSTOP') {
      child.kill('SIGSTOP');
      this.state = 'paused';
      await waitProcState(child.pid!, 'T', 5000);
      return;
    }
    if (sig === 'SIGCONT') {
      child.kill('SIGCONT');
      this.state = 'up';
      return;
    }
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    if (this.state === 'paused' && sig !== 'SIGKILL') child.kill('SIGCONT');
    child.kill(sig);
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
    this.state = 'down';
  }

  logTail(lines = 30): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

/** Waits until /proc/<pid>/stat shows the state letter (e.g. 'T' after SIGSTOP). */
async function waitProcState(pid: number, letter: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const st = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
      if (st === letter) return;
    } catch {
      return; // not Linux or gone
    }
    await sleep(10);
  }
}

export interface StatusView {
  member: Member;
  id: string;
  leader: string;
  term: number;
  index: number;
}

export class NemesisCluster {
  members: Member[] = [];
  readonly token: string;
  readonly electionMs: number;
  readonly heartbeatMs: number;
  readonly workDir: string;
  private chain: string | undefined;
  private partitioned = new Set<Member>();

  private constructor(readonly opts: ClusterOptions) {
    this.token = opts.token ?? `nemesis-${process.pid}`;
    this.electionMs = opts.electionMs ?? 1000;
    this.heartbeatMs = opts.heartbeatMs ?? 100;
    this.workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-nemesis-'));
    fs.chmodSync(this.workDir, 0o755);
  }

  static async create(opts: ClusterOptions): Promise<NemesisCluster> {
    if (!fs.existsSync(CONCORD_MAIN)) throw new Error(`Concord is not built: ${CONCORD_MAIN}`);
    const c = new NemesisCluster(opts);
    const ports = await freePorts(2 * opts.members);
    const uidBase = 40000 + (process.pid % 1000) * 10;
    for (let i = 0; i < opts.members; i++) {
      const dataDir = path.join(c.workDir, `n${i + 1}`);
      const uid = opts.partitions ? uidBase + i : undefined;
      if (uid !== undefined) {
        fs.mkdirSync(dataDir, { mode: 0o700 });
        fs.chownSync(dataDir, uid, uid);
      }
      c.members.push(new Member(c, `n${i + 1}`, ports[i], ports[opts.members + i], dataDir, uid));
    }
    if (opts.partitions) {
      c.chain = `NEMESIS${process.pid}`;
      removeChain(c.chain);
      installExitHook();
      liveChains.add(c.chain);
      iptables(['-N', `${c.chain}I`]);
      iptables(['-N', `${c.chain}O`]);
      iptables(['-I', 'INPUT', '-j', `${c.chain}I`]);
      iptables(['-I', 'OUTPUT', '-j', `${c.chain}O`]);
    }
    return c;
  }

  async startAll(timeoutMs = 30_000): Promise<void> {
    await Promise.all(this.members.map((m) => m.start(timeoutMs)));
  }

  /** Maintenance.Status of one member, or undefined (down, paused, timed out). */
  async status(m: Member, timeoutMs = 1000): Promise<StatusView | undefined> {
    if (m.state !== 'up') return undefined;
    try {
      const s = await m.client.call(MaintenanceService.Status, {}, { timeoutMs });
      m.id = String(s.header.memberId);
      return {
        member: m,
        id: m.id,
        leader: String(s.leader),
        term: Number(s.raftTerm),
        index: Number(s.raftIndex),
      };
    } catch {
      return undefined;
    }
  }

  /**
   * The leader as the given members see it: a member that reports itself as leader, with a
   * majority of the cluster's members (among those asked) agreeing. Undefined if none.
   */
  async leader(among: Member[] = this.members): Promise<Member | undefined> {
    const sts = (await Promise.all(among.map((m) => this.status(m)))).filter(
      (s): s is StatusView => !!s,
    );
    const majority = Math.floor(this.members.length / 2) + 1;
    for (const s of sts) {
      if (s.leader !== s.id || s.leader === '0') continue;
      const agree = sts.filter((x) => x.leader === s.id && x.term === s.term).length;
      if (agree >= majority) return s.member;
    }
    return undefined;
  }

  /** Polls leader() until one is found (bounded). */
  async waitLeader(timeoutMs: number, among: Member[] = this.members): Promise<Member> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const l = await this.leader(among);
      if (l) return l;
      if (Date.now() > deadline) throw new Error(`no leader within ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  /** Cuts m's peer traffic in both directions (client traffic stays). */
  partition(m: Member): void {
    if (!this.chain || m.uid === undefined)
      throw new Error('partitions are not enabled for this cluster');
    const others = this.members.filter((x) => x !== m).map((x) => String(x.peerPort));
    // the peers' connections to m (they carry the peers' messages to m)
    iptables(['-A', `${this.chain}I`, '-p', 'tcp', '--dport', String(m.peerPort), '-j', 'DROP']);
    // m's own connections to the peers (m's messages), told apart by owner
    iptables([
      '-A',
      `${this.chain}O`,
      '-p',
      'tcp',
      '-m',
      'owner',
      '--uid-owner',
      String(m.uid),
      '-m',
      'multiport',
      '--dports',
      others.join(','),
      '-j',
      'DROP',
    ]);
    this.partitioned.add(m);
  }

  /** Removes every partition rule. */
  heal(): void {
    if (this.chain) {
      iptables(['-F', `${this.chain}I`]);
      iptables(['-F', `${this.chain}O`]);
    }
    this.partitioned.clear();
  }

  isPartitioned(m: Member): boolean {
    return this.partitioned.has(m);
  }

  /** Kills everything, removes our iptables chain and the data dirs (unless keep). */
  async close(keep = false): Promise<void> {
    if (this.chain) {
      removeChain(this.chain);
      liveChains.delete(this.chain);
      this.chain = undefined;
    }
    for (const m of this.members) m.client.close();
    await Promise.all(this.members.map((m) => m.signal('SIGKILL').catch(() => undefined)));
    if (!keep) fs.rmSync(this.workDir, { recursive: true, force: true });
  }
}
