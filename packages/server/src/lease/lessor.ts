/**
 * The lessor's clock side: when each lease expires. Only the leader runs it; expiry is never
 * decided inside apply. Expired leases are revoked by proposing a LeaseRevoke through the log,
 * so every member deletes the same keys at the same revision. As etcd, a restart (or a new
 * leader) gives every lease its full TTL again.
 */
export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => performance.timeOrigin + performance.now() };

export class Lessor {
  private readonly expiry = new Map<bigint, { ttlMs: number; at: number }>();
  private readonly revoking = new Set<bigint>();

  constructor(private readonly clock: Clock = systemClock) {}

  /** A lease exists (granted, or found at startup): it lives a full TTL from now. */
  track(id: bigint, ttlSeconds: number): void {
    const ttlMs = ttlSeconds * 1000;
    this.expiry.set(id, { ttlMs, at: this.clock.nowMs() + ttlMs });
    this.revoking.delete(id);
  }

  forget(id: bigint): void {
    this.expiry.delete(id);
    this.revoking.delete(id);
  }

  /** KeepAlive: returns the TTL in seconds, or 0 when the lease is unknown or expired. */
  renew(id: bigint): number {
    const e = this.expiry.get(id);
    if (!e || this.revoking.has(id)) return 0;
    const now = this.clock.nowMs();
    if (e.at <= now) return 0;
    e.at = now + e.ttlMs;
    return Math.round(e.ttlMs / 1000);
  }

  /** Remaining whole seconds (etcd rounds up), or -1 if unknown. */
  remaining(id: bigint): number {
    const e = this.expiry.get(id);
    if (!e) return -1;
    const ms = e.at - this.clock.nowMs();
    return ms <= 0 ? 0 : Math.ceil(ms / 1000);
  }

  /** Leases past their expiry that are not already being revoked, at most `max`. */
  takeExpired(max: number): bigint[] {
    const now = this.clock.nowMs();
    const out: bigint[] = [];
    for (const [id, e] of this.expiry) {
      if (out.length >= max) break;
      if (e.at <= now && !this.revoking.has(id)) {
        this.revoking.add(id);
        out.push(id);
      }
    }
    return out;
  }

  /** A revoke proposal failed: try again on the next check. */
  retry(id: bigint): void {
    this.revoking.delete(id);
  }

  get size(): number {
    return this.expiry.size;
  }
}
