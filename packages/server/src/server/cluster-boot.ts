/**
 * How a member finds out which cluster it belongs to, before the Raft log starts:
 *
 *  - restart: the membership persisted in the backend (applied through the log) and the
 *    member's own identity in member/cluster.json win over the flags;
 *  - --initial-cluster-state new (first start): the members of --initial-cluster, IDs derived
 *    from peer URLs and token (cluster.ts); this membership is the configuration at index 0;
 *  - --initial-cluster-state existing (first start of a member added with `member add`): ask
 *    the other members listed in --initial-cluster for the current membership (peer transport
 *    membership query), find ourselves by peer URL, and start from the cluster's index-0
 *    membership; the log (or a snapshot) brings us up to date.
 *
 * Returns undefined for a single member without cluster state (the SingleNodeLog path).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from 'pino';
import type { Backend } from '../backend/backend';
import {
  ClusterMember,
  clusterIdOf,
  clusterMembers,
  parseInitialCluster,
  sameUrls,
} from './cluster';
import {
  bootstrapMembership,
  initialOf,
  loadMembership,
  MembershipState,
  saveMembership,
  toClusterMember,
} from './membership';
import { queryMembers } from './peer-transport';

export interface ClusterBoot {
  self: ClusterMember;
  clusterId: bigint;
  /** members to talk to before the log says who they are (a joining member) */
  hintPeers: ClusterMember[];
}

interface Identity {
  memberId: string;
  raftId: number;
  clusterId: string;
  name: string;
}

export interface BootConfig {
  name: string;
  memberDir: string;
  initialCluster?: string;
  initialClusterState?: 'new' | 'existing';
  initialClusterToken: string;
  initialAdvertisePeerUrls: string[];
  logger: Logger;
}

export async function resolveCluster(
  cfg: BootConfig,
  backend: Backend,
): Promise<ClusterBoot | undefined> {
  const idFile = path.join(cfg.memberDir, 'cluster.json');
  const persisted = loadMembership(backend);
  let ident: Identity | undefined;
  try {
    ident = JSON.parse(fs.readFileSync(idFile, 'utf8')) as Identity;
  } catch {
    ident = undefined;
  }
  const spec = cfg.initialCluster ? parseInitialCluster(cfg.initialCluster) : [];
  if (persisted && ident) {
    if (persisted.removed.includes(ident.memberId))
      throw new Error(
        `member ${ident.memberId} was removed from the cluster; it cannot rejoin with this data dir`,
      );
    const rec = persisted.members.find((m) => m.id === ident!.memberId);
    const self = rec
      ? toClusterMember(rec)
      : {
          raftId: ident.raftId,
          id: BigInt('0x' + ident.memberId),
          name: ident.name,
          peerUrls: cfg.initialAdvertisePeerUrls,
        };
    return {
      self: { ...self, name: cfg.name },
      clusterId: BigInt('0x' + ident.clusterId),
      hintPeers: [],
    };
  }
  const writeIdent = (self: ClusterMember, clusterId: bigint) => {
    const id: Identity = {
      memberId: self.id.toString(16),
      raftId: self.raftId,
      clusterId: clusterId.toString(16),
      name: cfg.name,
    };
    const tmp = `${idFile}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(id));
    const fd = fs.openSync(tmp, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, idFile);
  };
  if (cfg.initialClusterState === 'existing' && !persisted) {
    const others = spec.filter((m) => !sameUrls(m.peerUrls, cfg.initialAdvertisePeerUrls));
    if (others.length === 0)
      throw new Error(
        '--initial-cluster-state existing: --initial-cluster names no other member to ask',
      );
    let st: MembershipState | undefined;
    const errors: string[] = [];
    for (const o of others) {
      for (const u of o.peerUrls) {
        try {
          st = ((await queryMembers(u)) as { membership: MembershipState }).membership;
          break;
        } catch (err) {
          errors.push(`${u}: ${(err as Error).message}`);
        }
      }
      if (st) break;
    }
    if (!st)
      throw new Error(`cannot reach any member of the existing cluster (${errors.join('; ')})`);
    const rec = st.members.find((m) => sameUrls(m.peerUrls, cfg.initialAdvertisePeerUrls));
    if (!rec)
      throw new Error(
        `peer URLs ${cfg.initialAdvertisePeerUrls.join(',')} are not a member of the existing cluster: add the member first (etcdctl member add)`,
      );
    const self = { ...toClusterMember(rec), name: cfg.name };
    const clusterId = BigInt('0x' + st.clusterId);
    // start from the configuration at index 0; the log or a snapshot brings the rest
    saveMembership(backend, initialOf(st));
    await backend.flush();
    writeIdent(self, clusterId);
    cfg.logger.info(
      { memberId: rec.id, raftId: rec.raftId, learner: rec.isLearner },
      'joining an existing cluster',
    );
    return { self, clusterId, hintPeers: st.members.map(toClusterMember) };
  }
  if (spec.length <= 1 && !persisted) return undefined;
  // a new cluster (or a data dir of the first cluster version, without cluster state)
  const members = clusterMembers(spec, cfg.initialClusterToken);
  const clusterId = clusterIdOf(
    members.map((m) => m.id),
    cfg.initialClusterToken,
  );
  const st = persisted ?? bootstrapMembership(members, clusterId);
  const rec = st.members.find((m) => sameUrls(m.peerUrls, cfg.initialAdvertisePeerUrls));
  if (!rec)
    throw new Error(
      `--initial-advertise-peer-urls ${cfg.initialAdvertisePeerUrls.join(',')} are not this member's URLs in --initial-cluster`,
    );
  if (!persisted) {
    saveMembership(backend, st);
    await backend.flush();
  }
  const self = { ...toClusterMember(rec), name: cfg.name };
  writeIdent(self, BigInt('0x' + st.clusterId));
  return { self, clusterId: BigInt('0x' + st.clusterId), hintPeers: [] };
}
