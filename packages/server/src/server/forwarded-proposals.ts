import type { NodeId } from '../raft';

/**
 * A leader's record of which follower forwarded the entries up to each index, oldest first,
 * kept until the commit notice covering them goes out. The leader writes to the follower it
 * names first (RaftLog.sendAll): that follower's client waits for the entry and the commit
 * notice, and on members that share CPUs the first follower woken often takes the leader's CPU
 * before the leader writes to the next one.
 */
export class ForwardedProposals {
  private ranges: { last: number; from: NodeId }[] = [];

  /** @param max ranges kept at most; more go untracked (no quorum, commits stalled) */
  constructor(private readonly max = 1024) {}

  /** Entries up to `last` (and above the previous range) came from `from`. */
  record(last: number, from: NodeId): void {
    if (this.ranges.length < this.max) this.ranges.push({ last, from });
  }

  /**
   * The follower whose forwarded entries are the oldest without a commit notice, for the
   * flush about to go out; what `committed` covers has its notice in that flush (the leader
   * tells every follower when the commit index moves) and is forgotten.
   */
  firstWaiting(committed: number): NodeId | undefined {
    if (this.ranges.length === 0) return undefined;
    const first = this.ranges[0].from;
    let n = 0;
    while (n < this.ranges.length && this.ranges[n].last <= committed) n++;
    if (n > 0) this.ranges.splice(0, n);
    return first;
  }

  clear(): void {
    this.ranges = [];
  }
}
