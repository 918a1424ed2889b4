/**
 * The clock side of ZooKeeper sessions, like the Lessor for leases: when each session expires.
 * Expiry is never decided inside apply; the leader proposes a ZkCloseSession{expired} for every
 * session past its deadline. Every packet from the client (pings included) renews it. After a
 * restart (or on a new leader) every session gets its full timeout again.
 */
import { Clock, systemClock } from '../lease/lessor';

export class SessionTracker {
  private readonly expiry = new Map<bigint, { timeoutMs: number; at: number }>();
  private readonly expiring = new Set<bigint>();

  constructor(private readonly clock: Clock = systemClock) {}

  track(id: bigint, timeoutMs: number): void {
    this.expiry.set(id, { timeoutMs, at: this.clock.nowMs() + timeoutMs });
    this.expiring.delete(id);
  }

  /** The client was heard from: its session lives a full timeout from now. False if unknown. */
  touch(id: bigint): boolean {
    const e = this.expiry.get(id);
    if (!e || this.expiring.has(id)) return false;
    e.at = this.clock.nowMs() + e.timeoutMs;
    return true;
  }

  forget(id: bigint): void {
    this.expiry.delete(id);
    this.expiring.delete(id);
  }

  has(id: bigint): boolean {
    return this.expiry.has(id);
  }

  /** Sessions past their deadline that are not already being expired. */
  takeExpired(max = 1000): bigint[] {
    const now = this.clock.nowMs();
    const out: bigint[] = [];
    for (const [id, e] of this.expiry) {
      if (out.length >= max) break;
      if (e.at <= now && !this.expiring.has(id)) {
        this.expiring.add(id);
        out.push(id);
      }
    }
    return out;
  }

  /** An expiry proposal failed: try again later. */
  retry(id: bigint): void {
    this.expiring.delete(id);
  }

  get size(): number {
    return this.expiry.size;
  }
}
