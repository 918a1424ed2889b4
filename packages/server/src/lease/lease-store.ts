import { Backend } from '../backend/backend';
import { LeaseKeyTracker } from '../mvcc/kv-store';

/**
 * The lease table as part of the state machine: which leases exist, their granted TTL and the
 * keys attached to each. Deterministic: no clock here — when a lease expires is the lessor's
 * business (leader only), and it ends a lease by proposing a revoke through the log.
 */
export interface LeaseInfo {
  id: bigint;
  ttl: number;
}

export function leaseIdBytes(id: bigint): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigInt64BE(id);
  return b;
}

export class LeaseStore implements LeaseKeyTracker {
  private readonly table = new Map<bigint, LeaseInfo>();

  constructor(private readonly backend: Backend) {
    for (const { key, value } of backend.leases.getRange({})) {
      const id = key.readBigInt64BE(0);
      this.table.set(id, { id, ttl: Number(value.readBigInt64BE(0)) });
    }
  }

  /** Re-reads the lease table (after the backend file was replaced by a snapshot). */
  reload(): void {
    this.table.clear();
    for (const { key, value } of this.backend.leases.getRange({})) {
      const id = key.readBigInt64BE(0);
      this.table.set(id, { id, ttl: Number(value.readBigInt64BE(0)) });
    }
  }

  get(id: bigint): LeaseInfo | undefined {
    return this.table.get(id);
  }

  all(): LeaseInfo[] {
    return [...this.table.values()];
  }

  /** Inside Backend.write(). */
  grant(id: bigint, ttl: number): LeaseInfo {
    const info = { id, ttl };
    const v = Buffer.allocUnsafe(8);
    v.writeBigInt64BE(BigInt(ttl));
    this.backend.leases.putSync(leaseIdBytes(id), v);
    this.table.set(id, info);
    return info;
  }

  /** Inside Backend.write(); the caller deletes the attached keys first. */
  remove(id: bigint): void {
    this.backend.leases.removeSync(leaseIdBytes(id));
    this.table.delete(id);
  }

  keys(id: bigint): Buffer[] {
    const prefix = leaseIdBytes(id);
    const end = leaseIdBytes(id);
    const out: Buffer[] = [];
    for (const { key } of this.backend.leaseKeys.getRange({ start: prefix })) {
      if (key.length < 8 || Buffer.compare(key.subarray(0, 8), end) !== 0) break;
      out.push(Buffer.from(key.subarray(8)));
    }
    return out;
  }

  attach(lease: bigint, key: Buffer): void {
    this.backend.leaseKeys.putSync(Buffer.concat([leaseIdBytes(lease), key]), Buffer.alloc(0));
  }

  detach(lease: bigint, key: Buffer): void {
    this.backend.leaseKeys.removeSync(Buffer.concat([leaseIdBytes(lease), key]));
  }
}
