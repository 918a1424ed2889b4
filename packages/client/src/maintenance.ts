import { Readable } from 'node:stream';
import Long from 'long';
import { MaintenanceService } from '@concord/proto/grpc-services';
import type { etcdserverpb } from '@concord/proto';
import type { CallOptions, Connection } from './connection';
import { fromGrpcError } from './errors';
import { L, ResponseHeader, toHeader } from './kv';
import { asBuffer, toBig, toNum } from './util';

export interface StatusResult {
  header: ResponseHeader;
  version: string;
  dbSize: number;
  dbSizeInUse: number;
  /** Leader member id (uint64 as bigint). */
  leader: bigint;
  raftIndex: number;
  raftTerm: number;
  raftAppliedIndex: number;
  errors: string[];
  isLearner: boolean;
}

export type AlarmType = 'none' | 'nospace' | 'corrupt';
export interface AlarmMember {
  memberId: bigint;
  alarm: AlarmType;
}
const ALARM_NAMES: AlarmType[] = ['none', 'nospace', 'corrupt'];

export class Maintenance {
  constructor(private readonly conn: Connection) {}

  async status(options: CallOptions = {}): Promise<StatusResult> {
    const r = await this.conn.unary<etcdserverpb.StatusResponse>(
      MaintenanceService.Status,
      {},
      { ...options, idempotent: true },
    );
    return {
      header: toHeader(r.header),
      version: r.version ?? '',
      dbSize: toNum(r.dbSize as Long),
      dbSizeInUse: toNum(r.dbSizeInUse as Long),
      leader: toBig(r.leader as Long),
      raftIndex: toNum(r.raftIndex as Long),
      raftTerm: toNum(r.raftTerm as Long),
      raftAppliedIndex: toNum(r.raftAppliedIndex as Long),
      errors: r.errors ?? [],
      isLearner: !!r.isLearner,
    };
  }

  /** Hash of the MVCC key space up to `revision` (0 = latest). */
  async hashKV(
    revision = 0,
    options: CallOptions = {},
  ): Promise<{ header: ResponseHeader; hash: number; compactRevision: number }> {
    const r = await this.conn.unary<etcdserverpb.HashKVResponse>(
      MaintenanceService.HashKV,
      { revision: L(revision) },
      { ...options, idempotent: true },
    );
    return {
      header: toHeader(r.header),
      hash: r.hash >>> 0,
      compactRevision: toNum(r.compactRevision as Long),
    };
  }

  async defragment(options: CallOptions = {}): Promise<ResponseHeader> {
    const r = await this.conn.unary<etcdserverpb.DefragmentResponse>(
      MaintenanceService.Defragment,
      {},
      { timeoutMs: 60_000, ...options, idempotent: true },
    );
    return toHeader(r.header);
  }

  private async alarm(
    action: number,
    memberId: bigint,
    alarm: AlarmType,
    options: CallOptions,
  ): Promise<AlarmMember[]> {
    const r = await this.conn.unary<etcdserverpb.AlarmResponse>(
      MaintenanceService.Alarm,
      {
        action,
        memberID: Long.fromString(memberId.toString(), true),
        alarm: ALARM_NAMES.indexOf(alarm),
      },
      { ...options, idempotent: true },
    );
    return (r.alarms ?? []).map((a) => ({
      memberId: toBig(a.memberID as Long),
      alarm: ALARM_NAMES[a.alarm ?? 0] ?? 'none',
    }));
  }

  /** List active alarms. */
  alarms(options: CallOptions = {}): Promise<AlarmMember[]> {
    return this.alarm(0, 0n, 'none', options);
  }

  /** Disarm an alarm (all members if memberId is 0n). */
  disarmAlarm(alarm: AlarmType, memberId = 0n, options: CallOptions = {}): Promise<AlarmMember[]> {
    return this.alarm(2, memberId, alarm, options);
  }

  /** Activate an alarm on a member (mostly for testing). */
  activateAlarm(
    alarm: AlarmType,
    memberId: bigint,
    options: CallOptions = {},
  ): Promise<AlarmMember[]> {
    return this.alarm(1, memberId, alarm, options);
  }

  /** Stream a backend snapshot. The returned Readable emits Buffers; errors are EtcdErrors. */
  snapshot(options: CallOptions = {}): Readable {
    const out = new Readable({ read() {} });
    void (async () => {
      try {
        const { call } = await this.conn.serverStream(MaintenanceService.Snapshot, {}, options);
        const onAbort = () => call.cancel();
        options.signal?.addEventListener('abort', onAbort, { once: true });
        call.on('data', (r: etcdserverpb.SnapshotResponse) => {
          const b = asBuffer(r.blob);
          if (b.length) out.push(b);
        });
        call.on('error', (e) => {
          options.signal?.removeEventListener('abort', onAbort);
          out.destroy(fromGrpcError(e));
        });
        call.on('end', () => {
          options.signal?.removeEventListener('abort', onAbort);
          out.push(null);
        });
      } catch (e) {
        out.destroy(fromGrpcError(e));
      }
    })();
    return out;
  }
}
