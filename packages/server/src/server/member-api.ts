/**
 * etcd's Cluster service (MemberAdd/Remove/Update/Promote) and Maintenance.MoveLeader for a
 * cluster member. Each membership change is one conf-change entry through the Raft log
 * (membership.ts decides at apply time, the same way on every member); changes proposed through
 * one member are serialized, and Raft itself allows one unapplied conf change at a time.
 */
import * as crypto from 'node:crypto';
import { etcdserverpb } from '@concord/proto';
import { Code, EtcdError, Errors } from './errors';
import type { EtcdServer } from './etcd-server';
import { memberIdOf } from './cluster';
import { MemberChange, MemberOp } from './membership';
import { big, long } from './pb';

/** etcd: a learner may be promoted once its log is at 90% of the leader's */
const LEARNER_READY_PERCENT = 0.9;

const chains = new WeakMap<EtcdServer, Promise<unknown>>();

function serialized<T>(server: EtcdServer, fn: () => Promise<T>): Promise<T> {
  const prev = chains.get(server) ?? Promise.resolve();
  const p = prev.catch(() => undefined).then(fn);
  chains.set(
    server,
    p.catch(() => undefined),
  );
  return p;
}

function raftOf(server: EtcdServer) {
  const raft = server.raft;
  if (!raft)
    throw new EtcdError(
      Code.UNIMPLEMENTED,
      'concord: membership changes need a cluster member (started with --initial-cluster)',
    );
  return raft;
}

function checkUrls(urls: string[]): void {
  if (urls.length === 0) throw Errors.memberBadURLs();
  for (const u of urls) {
    let url: URL;
    try {
      url = new URL(u);
    } catch {
      throw Errors.memberBadURLs();
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.port)
      throw Errors.memberBadURLs();
  }
}

async function change(
  server: EtcdServer,
  op: MemberOp,
  member: MemberChange['member'],
): Promise<void> {
  const raft = raftOf(server);
  const st = raft.membershipState();
  const ch: MemberChange = {
    type:
      op === 'remove' ? 'removeNode' : op === 'add' && member.isLearner ? 'addLearner' : 'addNode',
    nodeId: st.members.find((m) => m.id === member.id)?.raftId ?? st.nextRaftId,
    op,
    reqId: crypto.randomBytes(8).toString('hex'),
    member,
  };
  const r = await raft.proposeMemberChange(ch);
  if (r.error) throw r.error;
}

function members(server: EtcdServer): etcdserverpb.IMember[] {
  return server.memberList();
}

export function memberAdd(
  server: EtcdServer,
  r: etcdserverpb.IMemberAddRequest,
): Promise<etcdserverpb.IMemberAddResponse> {
  return serialized(server, async () => {
    const raft = raftOf(server);
    const urls = r.peerURLs ?? [];
    checkUrls(urls);
    const taken = raft
      .membershipState()
      .members.some((m) => m.peerUrls.some((u) => urls.includes(u)));
    if (taken) throw Errors.peerURLExist();
    // as etcd: a new ID from the peer URLs, the cluster and the time
    const id = memberIdOf(urls, `${server.clusterId.toString(16)}/${Date.now()}`).toString(16);
    await change(server, 'add', { id, name: '', peerUrls: urls, isLearner: r.isLearner === true });
    return {
      header: server.header(0),
      member: {
        ID: long(BigInt('0x' + id)),
        name: '',
        peerURLs: urls,
        clientURLs: [],
        isLearner: r.isLearner === true,
      },
      members: members(server),
    };
  });
}

export function memberRemove(
  server: EtcdServer,
  r: etcdserverpb.IMemberRemoveRequest,
): Promise<etcdserverpb.IMemberRemoveResponse> {
  return serialized(server, async () => {
    const id = big(r.ID);
    if (raftOf(server).raftIdOf(id) === undefined) throw Errors.memberNotFound();
    await change(server, 'remove', { id: id.toString(16) });
    return { header: server.header(0), members: members(server) };
  });
}

export function memberUpdate(
  server: EtcdServer,
  r: etcdserverpb.IMemberUpdateRequest,
): Promise<etcdserverpb.IMemberUpdateResponse> {
  return serialized(server, async () => {
    const id = big(r.ID);
    const urls = r.peerURLs ?? [];
    checkUrls(urls);
    if (raftOf(server).raftIdOf(id) === undefined) throw Errors.memberNotFound();
    await change(server, 'update', { id: id.toString(16), peerUrls: urls });
    return { header: server.header(0), members: members(server) };
  });
}

export function memberPromote(
  server: EtcdServer,
  r: etcdserverpb.IMemberPromoteRequest,
): Promise<etcdserverpb.IMemberPromoteResponse> {
  return serialized(server, async () => {
    const raft = raftOf(server);
    const id = big(r.ID);
    const rec = raft.membershipState().members.find((m) => m.id === id.toString(16));
    if (!rec) throw Errors.memberNotFound();
    if (!rec.isLearner) throw Errors.memberNotLearner();
    // readiness is known on the leader (elsewhere the apply still checks the rest)
    const pr = raft.progressOf(rec.raftId);
    const self = raft.isLeader ? raft.progressOf(raft.node.id) : undefined;
    if (pr && self && pr.match < self.match * LEARNER_READY_PERCENT) throw Errors.learnerNotReady();
    await change(server, 'promote', { id: id.toString(16) });
    return { header: server.header(0), members: members(server) };
  });
}

/** Maintenance.MoveLeader: only the leader can hand over leadership (etcd's rule). */
export async function moveLeader(
  server: EtcdServer,
  r: etcdserverpb.IMoveLeaderRequest,
): Promise<etcdserverpb.IMoveLeaderResponse> {
  const target = big(r.targetID);
  const raft = server.raft;
  if (!raft) {
    if (target !== server.memberId) throw Errors.badLeaderTransferee();
    return { header: server.header() };
  }
  if (!raft.isLeader) throw Errors.notLeader();
  const raftId = raft.raftIdOf(target);
  if (raftId === undefined) throw Errors.badLeaderTransferee();
  // etcd waits up to the request timeout for the transfer
  await raft.transferLeadership(raftId, 5000 + 2 * server.cfg.electionMs);
  return { header: server.header() };
}
