import Long from 'long';
import { ClusterService } from '@concord/proto/grpc-services';
import type { etcdserverpb } from '@concord/proto';
import type { CallOptions, Connection } from './connection';
import { ResponseHeader, toHeader } from './kv';
import { toBig } from './util';

export interface Member {
  /** Member id (uint64 as bigint). */
  id: bigint;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

function toMember(m: etcdserverpb.IMember): Member {
  return {
    id: toBig(m.ID as Long),
    name: m.name ?? '',
    peerURLs: m.peerURLs ?? [],
    clientURLs: m.clientURLs ?? [],
    isLearner: !!m.isLearner,
  };
}
const U = (id: bigint | string) => Long.fromString(String(id), true);

export class Cluster {
  constructor(private readonly conn: Connection) {}

  async memberList(
    options: CallOptions & { linearizable?: boolean } = {},
  ): Promise<{ header: ResponseHeader; members: Member[] }> {
    const r = await this.conn.unary<etcdserverpb.MemberListResponse>(
      ClusterService.MemberList,
      { linearizable: !!options.linearizable },
      { ...options, idempotent: true },
    );
    return { header: toHeader(r.header), members: (r.members ?? []).map(toMember) };
  }

  async memberAdd(
    peerURLs: string[],
    options: CallOptions & { isLearner?: boolean } = {},
  ): Promise<{ header: ResponseHeader; member: Member; members: Member[] }> {
    const r = await this.conn.unary<etcdserverpb.MemberAddResponse>(
      ClusterService.MemberAdd,
      { peerURLs, isLearner: !!options.isLearner },
      { ...options, idempotent: false },
    );
    return {
      header: toHeader(r.header),
      member: toMember(r.member ?? {}),
      members: (r.members ?? []).map(toMember),
    };
  }

  async memberRemove(
    id: bigint | string,
    options: CallOptions = {},
  ): Promise<{ header: ResponseHeader; members: Member[] }> {
    const r = await this.conn.unary<etcdserverpb.MemberRemoveResponse>(
      ClusterService.MemberRemove,
      { ID: U(id) },
      { ...options, idempotent: false },
    );
    return { header: toHeader(r.header), members: (r.members ?? []).map(toMember) };
  }

  async memberUpdate(
    id: bigint | string,
    peerURLs: string[],
    options: CallOptions = {},
  ): Promise<{ header: ResponseHeader; members: Member[] }> {
    const r = await this.conn.unary<etcdserverpb.MemberUpdateResponse>(
      ClusterService.MemberUpdate,
      { ID: U(id), peerURLs },
      { ...options, idempotent: true },
    );
    return { header: toHeader(r.header), members: (r.members ?? []).map(toMember) };
  }

  async memberPromote(
    id: bigint | string,
    options: CallOptions = {},
  ): Promise<{ header: ResponseHeader; members: Member[] }> {
    const r = await this.conn.unary<etcdserverpb.MemberPromoteResponse>(
      ClusterService.MemberPromote,
      { ID: U(id) },
      { ...options, idempotent: false },
    );
    return { header: toHeader(r.header), members: (r.members ?? []).map(toMember) };
  }
}
