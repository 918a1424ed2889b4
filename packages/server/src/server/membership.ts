/**
 * Cluster membership as the state machine knows it: which members exist (etcd member ID, Raft
 * node ID, name, peer URLs, learner or voter), persisted in the backend's `meta` database under
 * `cluster/membership` and changed only by applying a committed conf-change entry, so every
 * member agrees and a restarted member knows the current members whatever its flags say.
 *
 * A conf-change entry carries a MemberChange (JSON). Whether it takes effect is decided at apply
 * time from the membership then (deterministic on every member): an invalid change (member
 * exists, peer URL taken, member not found, ...) leaves membership and the Raft configuration
 * unchanged and fails the proposer's request with etcd's error.
 *
 * The membership records the index of the last change applied to it: an entry at or below that
 * index was already applied (it is replayed after a crash between the membership write and the
 * applied-index write) and is skipped.
 *
 * `bootstrap` holds the members of --initial-cluster: the configuration at log index 0. A member
 * that joins later and replays the log from index 1 starts from it.
 */
import type { Backend } from '../backend/backend';
import type { ConfChange, ConfState } from '../raft';
import { EtcdError, Errors } from './errors';
import type { ClusterMember } from './cluster';

export interface MemberRecord {
  /** etcd member ID, hex */
  id: string;
  raftId: number;
  name: string;
  peerUrls: string[];
  isLearner: boolean;
}

export interface MembershipState {
  /** cluster ID, hex */
  clusterId: string;
  /** log index of the last change applied (0: bootstrap) */
  index: number;
  members: MemberRecord[];
  /** member IDs (hex) removed from the cluster: never reused */
  removed: string[];
  nextRaftId: number;
  bootstrap: MemberRecord[];
}

export type MemberOp = 'add' | 'promote' | 'remove' | 'update';

/** The content of a conf-change entry. `type`/`nodeId` keep raft's decodeConfChange happy. */
export interface MemberChange {
  type: ConfChange['type'];
  nodeId: number;
  op: MemberOp;
  /** proposer-unique request ID, to find the waiting request */
  reqId: string;
  /** add: the new member (raftId is assigned at apply); promote/remove: id only; update: id + peerUrls */
  member: { id: string; name?: string; peerUrls?: string[]; isLearner?: boolean };
}

/** etcd allows one learner at a time by default (--experimental-max-learners=1). */
export const MAX_LEARNERS = 1;

const META_KEY = 'cluster/membership';

export function loadMembership(backend: Backend): MembershipState | undefined {
  const b = backend.getMeta(META_KEY);
  return b ? (JSON.parse(b.toString('utf8')) as MembershipState) : undefined;
}

export function saveMembership(backend: Backend, st: MembershipState): void {
  backend.write(() => backend.putMeta(META_KEY, Buffer.from(JSON.stringify(st), 'utf8')));
}

export function bootstrapMembership(members: ClusterMember[], clusterId: bigint): MembershipState {
  const recs = members.map((m) => ({
    id: m.id.toString(16),
    raftId: m.raftId,
    name: m.name,
    peerUrls: [...m.peerUrls],
    isLearner: false,
  }));
  return {
    clusterId: clusterId.toString(16),
    index: 0,
    members: recs,
    removed: [],
    nextRaftId: Math.max(0, ...recs.map((r) => r.raftId)) + 1,
    bootstrap: recs.map((r) => ({ ...r, peerUrls: [...r.peerUrls] })),
  };
}

/** The membership at log index 0 (what a member replaying the log from the start begins with). */
export function initialOf(st: MembershipState): MembershipState {
  const recs = st.bootstrap.map((r) => ({ ...r, peerUrls: [...r.peerUrls] }));
  return {
    clusterId: st.clusterId,
    index: 0,
    members: recs,
    removed: [],
    nextRaftId: Math.max(0, ...recs.map((r) => r.raftId)) + 1,
    bootstrap: st.bootstrap,
  };
}

export function confStateOf(st: MembershipState): ConfState {
  const voters = st.members
    .filter((m) => !m.isLearner)
    .map((m) => m.raftId)
    .sort((a, b) => a - b);
  const learners = st.members
    .filter((m) => m.isLearner)
    .map((m) => m.raftId)
    .sort((a, b) => a - b);
  return { voters, learners };
}

export function toClusterMember(r: MemberRecord): ClusterMember {
  return { raftId: r.raftId, id: BigInt('0x' + r.id), name: r.name, peerUrls: [...r.peerUrls] };
}

function normUrl(u: string): string {
  return u.replace(/\/+$/, '');
}

export interface ChangeResult {
  state: MembershipState;
  /** the Raft configuration change to apply, if the change took effect and touches Raft */
  confChange?: ConfChange;
  error?: EtcdError;
  /** the member the change concerns, after the change (add/promote/update) */
  member?: MemberRecord;
}

/** Decides and applies one change at log index `index` (pure: returns a new state). */
export function applyMemberChange(
  st: MembershipState,
  ch: MemberChange,
  index: number,
): ChangeResult {
  const members = st.members.map((m) => ({ ...m, peerUrls: [...m.peerUrls] }));
  const next: MembershipState = { ...st, index, members, removed: [...st.removed] };
  const fail = (error: EtcdError): ChangeResult => ({ state: { ...st, index }, error });
  const find = (id: string) => members.find((m) => m.id === id);
  const urlTaken = (urls: string[], except?: string) =>
    members.some(
      (m) => m.id !== except && m.peerUrls.some((u) => urls.some((x) => normUrl(x) === normUrl(u))),
    );
  switch (ch.op) {
    case 'add': {
      const urls = ch.member.peerUrls ?? [];
      if (find(ch.member.id) || st.removed.includes(ch.member.id))
        return fail(Errors.memberExist());
      if (urlTaken(urls)) return fail(Errors.peerURLExist());
      const isLearner = ch.member.isLearner === true;
      if (isLearner && members.filter((m) => m.isLearner).length >= MAX_LEARNERS)
        return fail(Errors.tooManyLearners());
      const rec: MemberRecord = {
        id: ch.member.id,
        raftId: st.nextRaftId,
        name: ch.member.name ?? '',
        peerUrls: [...urls],
        isLearner,
      };
      members.push(rec);
      next.nextRaftId = st.nextRaftId + 1;
      return {
        state: next,
        member: rec,
        confChange: { type: isLearner ? 'addLearner' : 'addNode', nodeId: rec.raftId },
      };
    }
    case 'promote': {
      const m = find(ch.member.id);
      if (!m) return fail(Errors.memberNotFound());
      if (!m.isLearner) return fail(Errors.memberNotLearner());
      m.isLearner = false;
      return { state: next, member: m, confChange: { type: 'addNode', nodeId: m.raftId } };
    }
    case 'remove': {
      const m = find(ch.member.id);
      if (!m) return fail(Errors.memberNotFound());
      next.members = members.filter((x) => x !== m);
      next.removed.push(m.id);
      return { state: next, member: m, confChange: { type: 'removeNode', nodeId: m.raftId } };
    }
    case 'update': {
      const m = find(ch.member.id);
      if (!m) return fail(Errors.memberNotFound());
      const urls = ch.member.peerUrls ?? [];
      if (urlTaken(urls, m.id)) return fail(Errors.peerURLExist());
      m.peerUrls = [...urls];
      return { state: next, member: m };
    }
  }
}

export function encodeMemberChange(ch: MemberChange): Buffer {
  return Buffer.from(JSON.stringify(ch), 'utf8');
}

export function decodeMemberChange(data: Buffer): MemberChange {
  const v = JSON.parse(data.toString('utf8')) as MemberChange;
  if (!v || typeof v.op !== 'string' || !v.member || typeof v.member.id !== 'string')
    throw new Error('bad member change entry');
  return v;
}
