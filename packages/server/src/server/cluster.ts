/**
 * Static cluster membership from etcd's bootstrap flags (--initial-cluster, --initial-cluster-token).
 *
 * Every member derives every member's ID the same way (from its peer URLs and the token), and
 * the cluster ID from the sorted member IDs and the token, so all members agree without talking.
 * For a one-member cluster both are what EtcdServer computed before clusters existed.
 *
 * Raft node IDs are small positive integers: 1 + the position of the member ID in the sorted
 * list of member IDs (the same on every member).
 */
import * as crypto from 'node:crypto';

export interface ClusterMember {
  /** Raft node id (1..n) */
  raftId: number;
  /** etcd member ID */
  id: bigint;
  name: string;
  peerUrls: string[];
}

export function hash64(...parts: string[]): bigint {
  const h = crypto.createHash('sha1').update(parts.join('\u0000')).digest();
  return h.readBigUInt64BE(0);
}

export function memberIdOf(peerUrls: string[], token: string): bigint {
  return hash64('member', [...peerUrls].sort().join(','), token) & ((1n << 64n) - 1n);
}

export function clusterIdOf(memberIds: bigint[], token: string): bigint {
  const ids = [...memberIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return hash64('cluster', ids.map((i) => i.toString()).join(','), token);
}

/** Parses `n1=http://a:2380,n1=http://b:2380,n2=...` (a name may repeat for several URLs). */
export function parseInitialCluster(spec: string): Array<{ name: string; peerUrls: string[] }> {
  const byName = new Map<string, string[]>();
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1)
      throw new Error(`--initial-cluster: bad member "${part}" (want name=url)`);
    const name = part.slice(0, eq);
    const url = part.slice(eq + 1);
    new URL(url); // throws on a malformed URL
    const urls = byName.get(name) ?? [];
    urls.push(url);
    byName.set(name, urls);
  }
  return [...byName].map(([name, peerUrls]) => ({ name, peerUrls }));
}

/** The members with their IDs and Raft node IDs, in Raft node ID order. */
export function clusterMembers(
  spec: Array<{ name: string; peerUrls: string[] }>,
  token: string,
): ClusterMember[] {
  const ms = spec.map((m) => ({
    name: m.name,
    peerUrls: m.peerUrls,
    id: memberIdOf(m.peerUrls, token),
    raftId: 0,
  }));
  ms.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (let i = 1; i < ms.length; i++)
    if (ms[i].id === ms[i - 1].id)
      throw new Error(
        `--initial-cluster: members ${ms[i - 1].name} and ${ms[i].name} have the same peer URLs`,
      );
  ms.forEach((m, i) => (m.raftId = i + 1));
  return ms;
}

/** Same set of URLs, order and trailing slashes aside. */
export function sameUrls(a: string[], b: string[]): boolean {
  const norm = (u: string[]) => [...new Set(u.map((x) => x.replace(/\/+$/, '')))].sort().join(',');
  return norm(a) === norm(b);
}
