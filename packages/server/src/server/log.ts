import { Wal } from '../wal/wal';

export interface CommittedEntry {
  index: number;
  term: number;
  data: Buffer;
}

/**
 * The seam between the server and consensus. The server proposes opaque entries and is told
 * about committed entries in index order; it never learns how they were agreed on. A
 * single-member log is the WAL itself; the Raft issue plugs a replicated log in here without
 * touching the state machine.
 */
export interface ReplicatedLog {
  /** Appends proposals; resolves once they are committed (and passed to onCommit). */
  propose(data: Buffer[]): Promise<void>;
  /** Index that must be applied before a linearizable read may be served. */
  readIndex(): Promise<number>;
  readonly term: number;
  readonly isLeader: boolean;
  readonly lastIndex: number;
  readonly commitIndex: number;
  onCommit: (entries: CommittedEntry[]) => void;
  close(): Promise<void>;
}

/**
 * One member: committed = durable in the local WAL. Proposals made in the same event-loop
 * turn share one WAL append, and the WAL's group commit shares one fdatasync among appends
 * that arrive while a sync is in flight.
 */
export class SingleNodeLog implements ReplicatedLog {
  readonly term = 1;
  readonly isLeader = true;
  private last: number;
  private committed: number;
  private buffered: CommittedEntry[] = [];
  private bufferedWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private flushScheduled = false;
  /** commits must reach onCommit in index order even if WAL promises interleave */
  private chain: Promise<void> = Promise.resolve();
  /** the newest group not yet committed, to which appends sharing its WAL batch are added */
  private lastGroup:
    | {
        durable: Promise<void>;
        entries: CommittedEntry[];
        waiters: SingleNodeLog['bufferedWaiters'];
      }
    | undefined;
  onCommit: (entries: CommittedEntry[]) => void = () => undefined;

  constructor(
    private readonly wal: Wal,
    lastIndex: number,
  ) {
    this.last = lastIndex;
    this.committed = lastIndex;
  }

  get lastIndex(): number {
    return this.last;
  }

  get commitIndex(): number {
    return this.committed;
  }

  propose(data: Buffer[]): Promise<void> {
    for (const d of data) this.buffered.push({ index: ++this.last, term: this.term, data: d });
    const p = new Promise<void>((resolve, reject) =>
      this.bufferedWaiters.push({ resolve, reject }),
    );
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
    return p;
  }

  private flush(): void {
    this.flushScheduled = false;
    const entries = this.buffered;
    const waiters = this.bufferedWaiters;
    this.buffered = [];
    this.bufferedWaiters = [];
    const durable = this.wal.append(
      entries.map((e) => ({ kind: 'entry' as const, index: e.index, term: e.term, data: e.data })),
    );
    // Appends that land in the same WAL batch share its promise: apply them as one group, so
    // one fdatasync is followed by one backend transaction rather than one per append.
    const last = this.lastGroup;
    if (last && last.durable === durable) {
      for (const e of entries) last.entries.push(e);
      for (const w of waiters) last.waiters.push(w);
      return;
    }
    const group = { durable, entries, waiters };
    this.lastGroup = group;
    this.chain = this.chain
      .then(() => durable)
      .then(
        () => {
          if (this.lastGroup === group) this.lastGroup = undefined;
          this.committed = group.entries[group.entries.length - 1].index;
          this.onCommit(group.entries);
          for (const w of group.waiters) w.resolve();
        },
        (err: Error) => {
          if (this.lastGroup === group) this.lastGroup = undefined;
          for (const w of group.waiters) w.reject(err);
        },
      );
  }

  async readIndex(): Promise<number> {
    return this.committed;
  }

  async close(): Promise<void> {
    await this.chain.catch(() => undefined);
    await this.wal.close();
  }
}
