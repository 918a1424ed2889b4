/**
 * ReadIndex bookkeeping on the leader (Raft thesis 6.4). A read arriving at commit index C is
 * safe to serve at C once a quorum has acknowledged a heartbeat sent after the read arrived:
 * that proves no newer leader existed when the read was received. Heartbeats carry the context
 * of the newest pending read; an ack for it also confirms every earlier read in the queue.
 */
import { NodeId } from './types';

export interface ReadRequest {
  /** node that asked (the leader itself for local reads) */
  from: NodeId;
  context: string;
}

interface Pending {
  index: number;
  req: ReadRequest;
  acks: Set<NodeId>;
}

export class ReadOnly {
  private pending = new Map<string, Pending>();
  private queue: string[] = [];

  add(index: number, req: ReadRequest): void {
    if (this.pending.has(req.context)) return;
    this.pending.set(req.context, { index, req, acks: new Set() });
    this.queue.push(req.context);
  }

  /** Records an ack; returns the ack set, or undefined for an unknown (already served) context. */
  recvAck(id: NodeId, context: string): Set<NodeId> | undefined {
    const p = this.pending.get(context);
    if (!p) return undefined;
    p.acks.add(id);
    return p.acks;
  }

  /** Releases the request for `context` and every request queued before it. */
  advance(context: string): Array<{ index: number; req: ReadRequest }> {
    const at = this.queue.indexOf(context);
    if (at < 0) return [];
    const done = this.queue.slice(0, at + 1);
    this.queue = this.queue.slice(at + 1);
    return done.map((ctx) => {
      const p = this.pending.get(ctx)!;
      this.pending.delete(ctx);
      return { index: p.index, req: p.req };
    });
  }

  lastPendingContext(): string | undefined {
    return this.queue.length > 0 ? this.queue[this.queue.length - 1] : undefined;
  }

  size(): number {
    return this.queue.length;
  }
}
