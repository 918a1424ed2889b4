/**
 * Helpers for multi-process cluster tests: start members with etcd's bootstrap flags, poll with
 * bounds, read `endpoint status`, find the leader, compare HashKV.
 */
import * as path from 'node:path';
import { ConcordProcess } from './concordProcess';
import { etcdctl, freePorts, sleep } from './servers';

export interface Member {
  name: string;
  clientPort: number;
  peerPort: number;
  endpoint: string;
  dataDir: string;
  proc?: ConcordProcess;
}

export interface EndpointStatus {
  endpoint: string;
  id: string;
  isLeader: boolean;
  isLearner: boolean;
  term: number;
  index: number;
}

export async function makeMembers(work: string, names: string[]): Promise<Member[]> {
  const ports = await freePorts(names.length * 2);
  return names.map((name, i) => ({
    name,
    clientPort: ports[i],
    peerPort: ports[names.length + i],
    endpoint: `127.0.0.1:${ports[i]}`,
    dataDir: path.join(work, name),
  }));
}

export function peerUrl(m: Member): string {
  return `http://127.0.0.1:${m.peerPort}`;
}

export function initialCluster(ms: Member[]): string {
  return ms.map((x) => `${x.name}=${peerUrl(x)}`).join(',');
}

export function startMember(
  m: Member,
  cluster: Member[],
  opts: { token: string; state?: 'new' | 'existing'; extraArgs?: string[] },
): ConcordProcess {
  m.proc = ConcordProcess.start({
    dataDir: m.dataDir,
    port: m.clientPort,
    extraArgs: [
      '--name',
      m.name,
      '--listen-peer-urls',
      peerUrl(m),
      '--initial-advertise-peer-urls',
      peerUrl(m),
      '--initial-cluster',
      initialCluster(cluster),
      '--initial-cluster-token',
      opts.token,
      '--initial-cluster-state',
      opts.state ?? 'new',
      ...(opts.extraArgs ?? []),
    ],
  });
  return m.proc;
}

/** Polls fn until it returns a value (not undefined) or the bound elapses. */
export async function until<T>(
  what: string,
  timeoutMs: number,
  fn: () => Promise<T | undefined>,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(
        `${what}: not within ${timeoutMs} ms${last ? `; last error: ${String(last)}` : ''}`,
      );
    await sleep(everyMs);
  }
}

export async function ctl(endpoint: string, args: string[], timeoutMs = 15_000) {
  return etcdctl(endpoint, ['--command-timeout=4s', '--dial-timeout=2s', ...args], { timeoutMs });
}

export async function status(endpoint: string): Promise<EndpointStatus | undefined> {
  const r = await ctl(endpoint, ['endpoint', 'status']);
  if (r.code !== 0) return undefined;
  // etcdctl 3.4: endpoint, ID, version, db size, is leader, is learner, raft term, raft index, ...
  const f = r.stdout.trim().split(', ');
  return {
    endpoint: f[0],
    id: f[1],
    isLeader: f[4] === 'true',
    isLearner: f[5] === 'true',
    term: Number(f[6]),
    index: Number(f[7]),
  };
}

/** Waits until every given member reports the same term and exactly one of them is leader. */
export async function waitLeader(
  ms: Member[],
  timeoutMs: number,
  minTerm = 1,
): Promise<{ leader: Member; term: number }> {
  return until('a leader known to all members', timeoutMs, async () => {
    const sts = await Promise.all(ms.map((m) => status(m.endpoint)));
    if (sts.some((s) => !s)) return undefined;
    const term = sts[0]!.term;
    if (term < minTerm || sts.some((s) => s!.term !== term)) return undefined;
    const leaders = sts.filter((s) => s!.isLeader);
    if (leaders.length !== 1) return undefined;
    return { leader: ms[sts.indexOf(leaders[0])], term };
  });
}

/** All keys with a prefix and their values (simple output: key and value lines alternate). */
export async function getPrefix(
  endpoint: string,
  prefix: string,
  serializable = false,
): Promise<Map<string, string>> {
  const r = await ctl(
    endpoint,
    ['get', prefix, '--prefix', ...(serializable ? ['--consistency=s'] : [])],
    30_000,
  );
  if (r.code !== 0) throw new Error(`get --prefix ${prefix} via ${endpoint}: ${r.stderr}`);
  const lines = r.stdout.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const m = new Map<string, string>();
  for (let i = 0; i + 1 < lines.length; i += 2) m.set(lines[i], lines[i + 1]);
  return m;
}

/** `endpoint hashkv` of each member once all are at the same raft index; the set of hashes. */
export async function hashesWhenEqual(ms: Member[], timeoutMs = 30_000): Promise<Set<string>> {
  await until('all members at the same raft index', timeoutMs, async () => {
    const sts = await Promise.all(ms.map((m) => status(m.endpoint)));
    if (sts.some((s) => !s)) return undefined;
    return sts.every((s) => s!.index === sts[0]!.index) ? true : undefined;
  });
  const hashes = new Set<string>();
  for (const m of ms) {
    const h = await ctl(m.endpoint, ['endpoint', 'hashkv']);
    if (h.code !== 0) throw new Error(`hashkv via ${m.name}: ${h.stderr}`);
    hashes.add(h.stdout.trim().split(', ')[1]);
  }
  return hashes;
}
