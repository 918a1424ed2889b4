import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import { etcdserverpb } from '@concord/proto';
import {
  AuthService,
  ClusterService,
  KVService,
  LeaseService,
  MaintenanceService,
  WatchService,
  toGrpcServiceDefinition,
} from '@concord/proto/grpc-services';
import { EtcdServer } from '../../server/etcd-server';
import { Code, EtcdError, Errors } from '../../server/errors';
import { big, num } from '../../server/pb';
import { checkDeleteRange, checkPut, checkRange, checkTxn } from './validate';
import { WatchStream } from './watch-stream';
import {
  GrpcStatus,
  grpcCodeName,
  ServiceDefinition,
  ServiceError,
  ServiceRegistry,
  StreamCall,
  UnaryHandler,
} from '../grpc/grpc-server';
import {
  memberAdd,
  memberPromote,
  memberRemove,
  memberUpdate,
  moveLeader,
} from '../../server/member-api';

type Unary<Req, Res> = (req: Req) => Promise<Res> | Res;

/** Turns a thrown error into the gRPC status etcd would send. */
export function toStatus(err: unknown): ServiceError {
  if (err instanceof EtcdError) return { code: err.code as number, details: err.message };
  const msg = err instanceof Error ? err.message : String(err);
  return { code: GrpcStatus.INTERNAL, details: msg };
}

function unary<Req, Res>(
  server: EtcdServer,
  service: string,
  method: string,
  fn: Unary<Req, Res>,
): UnaryHandler<Req, Res> {
  // bind the success counter's labels once: label hashing per request shows in profiles
  const handledOk = server.metrics.grpcHandled.labels({
    grpc_type: 'unary',
    grpc_service: service,
    grpc_method: method,
    grpc_code: 'OK',
  });
  const fail = (err: unknown, callback: (e: ServiceError) => void): void => {
    server.metrics.grpcHandled.inc({
      grpc_type: 'unary',
      grpc_service: service,
      grpc_method: method,
      grpc_code: codeName(err),
    });
    callback(toStatus(err));
  };
  return (call, callback) => {
    let result: Promise<Res> | Res;
    try {
      result = fn(call.request);
    } catch (err) {
      return fail(err, callback);
    }
    Promise.resolve(result).then(
      (res) => {
        handledOk.inc();
        callback(null, res);
      },
      (err: unknown) => fail(err, callback),
    );
  };
}

function codeName(err: unknown): string {
  const code = err instanceof EtcdError ? (err.code as number) : GrpcStatus.INTERNAL;
  return grpcCodeName(code);
}

const unimplemented = (what: string) => () => {
  throw new EtcdError(Code.UNIMPLEMENTED, `concord: ${what} is not supported yet`);
};

export interface ServiceOptions {
  maxTxnOps: number;
  maxRequestBytes: number;
  progressNotifyIntervalMs: number;
}

/** Registers the etcd v3 services on a grpc-js server. Adapters only: no business logic. */
export function addEtcdServices(
  g: ServiceRegistry,
  server: EtcdServer,
  opts: ServiceOptions,
): void {
  const u = <Req, Res>(service: string, method: string, fn: Unary<Req, Res>) =>
    unary(server, service, method, fn);

  g.addService(toGrpcServiceDefinition(KVService) as unknown as ServiceDefinition, {
    Range: u('etcdserverpb.KV', 'Range', (r: etcdserverpb.RangeRequest) => {
      checkRange(r);
      return server.range(r);
    }),
    Put: u('etcdserverpb.KV', 'Put', (r: etcdserverpb.PutRequest) => {
      checkPut(r);
      return server.put(r);
    }),
    DeleteRange: u('etcdserverpb.KV', 'DeleteRange', (r: etcdserverpb.DeleteRangeRequest) => {
      checkDeleteRange(r);
      return server.deleteRange(r);
    }),
    Txn: u('etcdserverpb.KV', 'Txn', (r: etcdserverpb.TxnRequest) => {
      checkTxn(r, opts.maxTxnOps);
      return server.txn(r);
    }),
    Compact: u('etcdserverpb.KV', 'Compact', (r: etcdserverpb.CompactionRequest) =>
      server.compact(r),
    ),
  });

  // StreamCall.write takes pre-encoded bytes too: watch events are encoded once for all watchers
  g.addService(toGrpcServiceDefinition(WatchService) as unknown as ServiceDefinition, {
    Watch: (call: StreamCall<etcdserverpb.WatchRequest, etcdserverpb.IWatchResponse>) => {
      new WatchStream(server, call, {
        progressNotifyIntervalMs: opts.progressNotifyIntervalMs,
        maxRequestBytes: opts.maxRequestBytes,
      });
    },
  });

  g.addService(toGrpcServiceDefinition(LeaseService) as unknown as ServiceDefinition, {
    LeaseGrant: u('etcdserverpb.Lease', 'LeaseGrant', (r: etcdserverpb.LeaseGrantRequest) =>
      server.leaseGrant(r),
    ),
    LeaseRevoke: u('etcdserverpb.Lease', 'LeaseRevoke', (r: etcdserverpb.LeaseRevokeRequest) =>
      server.leaseRevoke(r),
    ),
    LeaseTimeToLive: u(
      'etcdserverpb.Lease',
      'LeaseTimeToLive',
      (r: etcdserverpb.LeaseTimeToLiveRequest) => server.leaseTimeToLive(r),
    ),
    LeaseLeases: u('etcdserverpb.Lease', 'LeaseLeases', () => server.leaseLeases()),
    LeaseKeepAlive: (
      call: StreamCall<etcdserverpb.LeaseKeepAliveRequest, etcdserverpb.ILeaseKeepAliveResponse>,
    ) => {
      call.on('data', (r: etcdserverpb.LeaseKeepAliveRequest) => {
        call.write(server.leaseKeepAlive(big(r.ID)) as etcdserverpb.LeaseKeepAliveResponse);
      });
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },
  });

  g.addService(toGrpcServiceDefinition(ClusterService) as unknown as ServiceDefinition, {
    MemberList: u('etcdserverpb.Cluster', 'MemberList', () => ({
      header: server.header(0), // etcd's cluster responses carry no revision
      members: server.memberList(),
    })),
    MemberAdd: u('etcdserverpb.Cluster', 'MemberAdd', (r: etcdserverpb.MemberAddRequest) =>
      memberAdd(server, r),
    ),
    MemberRemove: u('etcdserverpb.Cluster', 'MemberRemove', (r: etcdserverpb.MemberRemoveRequest) =>
      memberRemove(server, r),
    ),
    MemberUpdate: u('etcdserverpb.Cluster', 'MemberUpdate', (r: etcdserverpb.MemberUpdateRequest) =>
      memberUpdate(server, r),
    ),
    MemberPromote: u(
      'etcdserverpb.Cluster',
      'MemberPromote',
      (r: etcdserverpb.MemberPromoteRequest) => memberPromote(server, r),
    ),
  });

  g.addService(toGrpcServiceDefinition(MaintenanceService) as unknown as ServiceDefinition, {
    Alarm: u('etcdserverpb.Maintenance', 'Alarm', (r: etcdserverpb.AlarmRequest) =>
      server.alarm(r),
    ),
    Status: u('etcdserverpb.Maintenance', 'Status', () => server.status()),
    Defragment: u('etcdserverpb.Maintenance', 'Defragment', async () => {
      await server.defragment();
      return {}; // etcd answers with an empty response
    }),
    Hash: u('etcdserverpb.Maintenance', 'Hash', async () => {
      const h = await server.hashKV(0);
      return { header: server.header(), hash: h.hash };
    }),
    HashKV: u('etcdserverpb.Maintenance', 'HashKV', (r: etcdserverpb.HashKVRequest) =>
      server.hashKV(num(r.revision)),
    ),
    Snapshot: (call: StreamCall<etcdserverpb.SnapshotRequest, etcdserverpb.ISnapshotResponse>) => {
      void streamSnapshot(server, call);
    },
    MoveLeader: u('etcdserverpb.Maintenance', 'MoveLeader', (r: etcdserverpb.MoveLeaderRequest) =>
      moveLeader(server, r),
    ),
    Downgrade: u('etcdserverpb.Maintenance', 'Downgrade', unimplemented('downgrade')),
  });

  g.addService(toGrpcServiceDefinition(AuthService) as unknown as ServiceDefinition, {
    AuthStatus: u('etcdserverpb.Auth', 'AuthStatus', () => ({
      header: server.header(),
      enabled: false,
      authRevision: 0,
    })),
    Authenticate: u('etcdserverpb.Auth', 'Authenticate', () => {
      throw Errors.authNotEnabled();
    }),
    AuthEnable: u('etcdserverpb.Auth', 'AuthEnable', unimplemented('authentication')),
    AuthDisable: u('etcdserverpb.Auth', 'AuthDisable', () => ({ header: server.header() })),
    UserAdd: u('etcdserverpb.Auth', 'UserAdd', unimplemented('authentication')),
    UserGet: u('etcdserverpb.Auth', 'UserGet', unimplemented('authentication')),
    UserList: u('etcdserverpb.Auth', 'UserList', unimplemented('authentication')),
    UserDelete: u('etcdserverpb.Auth', 'UserDelete', unimplemented('authentication')),
    UserChangePassword: u(
      'etcdserverpb.Auth',
      'UserChangePassword',
      unimplemented('authentication'),
    ),
    UserGrantRole: u('etcdserverpb.Auth', 'UserGrantRole', unimplemented('authentication')),
    UserRevokeRole: u('etcdserverpb.Auth', 'UserRevokeRole', unimplemented('authentication')),
    RoleAdd: u('etcdserverpb.Auth', 'RoleAdd', unimplemented('authentication')),
    RoleGet: u('etcdserverpb.Auth', 'RoleGet', unimplemented('authentication')),
    RoleList: u('etcdserverpb.Auth', 'RoleList', unimplemented('authentication')),
    RoleDelete: u('etcdserverpb.Auth', 'RoleDelete', unimplemented('authentication')),
    RoleGrantPermission: u(
      'etcdserverpb.Auth',
      'RoleGrantPermission',
      unimplemented('authentication'),
    ),
    RoleRevokePermission: u(
      'etcdserverpb.Auth',
      'RoleRevokePermission',
      unimplemented('authentication'),
    ),
  });
}

const SNAPSHOT_CHUNK = 32 * 1024;

/**
 * Streams a consistent copy of the backend followed by its SHA-256 (as etcd appends one),
 * so `concord snapshot restore` can verify the file a client saved.
 */
async function streamSnapshot(
  server: EtcdServer,
  call: StreamCall<etcdserverpb.SnapshotRequest, etcdserverpb.ISnapshotResponse>,
): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-snap-'));
  const file = path.join(dir, 'snapshot.mdb');
  try {
    await server.snapshotTo(file);
    const size = fs.statSync(file).size;
    const hash = crypto.createHash('sha256');
    let sent = 0;
    // as etcd: remaining_bytes counts the database only; the hash follows in the last message
    for await (const chunk of fs.createReadStream(file, { highWaterMark: SNAPSHOT_CHUNK })) {
      const b = chunk as Buffer;
      hash.update(b);
      sent += b.length;
      const ok = call.write({ remainingBytes: size - sent, blob: b });
      if (!ok) await new Promise((r) => call.once('drain', r));
    }
    call.write({ remainingBytes: 0, blob: hash.digest() });
    call.end();
  } catch (err) {
    call.destroy(toStatus(err));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
