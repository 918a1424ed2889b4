/**
 * Raft value types: entries, persistent state, snapshots and the wire messages.
 *
 * Node ids are positive integers; 0 means "none" (no vote, no known leader). Index 0 / term 0
 * is the empty log's sentinel. Every message carries the sender's term, except proposals and
 * read requests forwarded by a follower (term 0: they are not part of the term protocol).
 */

export type NodeId = number;
export const NONE: NodeId = 0;

export type EntryType = 'normal' | 'confChange';

export interface Entry {
  index: number;
  term: number;
  type: EntryType;
  /** Opaque to Raft for 'normal'; encodeConfChange() output for 'confChange'. */
  data: Buffer;
}

/** What must be durable before any message of the same Ready is sent. */
export interface HardState {
  term: number;
  vote: NodeId;
  commit: number;
}

export const EMPTY_HARD_STATE: HardState = Object.freeze({ term: 0, vote: NONE, commit: 0 });

export function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

/** Membership as of some log position. Voters decide elections and commits; learners only follow. */
export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
}

export interface SnapshotMeta {
  index: number;
  term: number;
  confState: ConfState;
}

export interface Snapshot {
  meta: SnapshotMeta;
  /** The application's state machine image at meta.index (opaque to Raft). */
  data: Buffer;
}

/** Single-step membership change: one voter added or removed at a time. */
export type ConfChange =
  | { type: 'addNode'; nodeId: NodeId }
  | { type: 'addLearner'; nodeId: NodeId }
  | { type: 'removeNode'; nodeId: NodeId };

export function encodeConfChange(cc: ConfChange): Buffer {
  return Buffer.from(JSON.stringify(cc), 'utf8');
}

export function decodeConfChange(data: Buffer): ConfChange {
  const v = JSON.parse(data.toString('utf8')) as ConfChange;
  if (
    (v.type !== 'addNode' && v.type !== 'addLearner' && v.type !== 'removeNode') ||
    !Number.isSafeInteger(v.nodeId) ||
    v.nodeId <= 0
  )
    throw new Error(`bad conf change: ${data.toString('utf8')}`);
  return v;
}

interface Base {
  from: NodeId;
  to: NodeId;
  term: number;
}

/** Leader -> follower: entries after (index, logTerm); also the probe of a consistency check. */
export interface MsgApp extends Base {
  type: 'MsgApp';
  /** index and term of the entry preceding `entries` */
  index: number;
  logTerm: number;
  entries: Entry[];
  commit: number;
  /**
   * Set by a leader only on an empty MsgApp that carries a new commit index to a follower in
   * replicate state: the follower answers it only to reject it. Its success answer would repeat
   * the acknowledgement that made the commit, and cost a message and a wake-up at both ends per
   * commit (ZooKeeper's followers do not answer a COMMIT either). A lost acknowledgement is still
   * recovered: the MsgApp a heartbeat response triggers is always answered.
   */
  noAck?: boolean;
}

/**
 * Follower -> leader. Accept: `index` is the follower's last index matching the leader.
 * Reject: `index` echoes the rejected MsgApp.index; (rejectHint, logTerm) is the follower's
 * guess of where the logs may agree (the fast backtracking hint).
 */
export interface MsgAppResp extends Base {
  type: 'MsgAppResp';
  index: number;
  reject: boolean;
  rejectHint: number;
  logTerm: number;
}

/** Candidate -> voter. `term` is the term being campaigned for (current + 1 for a pre-vote). */
export interface MsgVote extends Base {
  type: 'MsgVote' | 'MsgPreVote';
  /** last log index and term of the candidate */
  index: number;
  logTerm: number;
  /** leader transfer: voters ignore their leader lease */
  force: boolean;
}

export interface MsgVoteResp extends Base {
  type: 'MsgVoteResp' | 'MsgPreVoteResp';
  reject: boolean;
}

export interface MsgHeartbeat extends Base {
  type: 'MsgHeartbeat';
  /** min(follower's match, leader commit): never beyond what the follower holds */
  commit: number;
  /** ReadIndex round this heartbeat confirms, if any */
  context?: string;
}

export interface MsgHeartbeatResp extends Base {
  type: 'MsgHeartbeatResp';
  context?: string;
}

export interface MsgSnap extends Base {
  type: 'MsgSnap';
  snapshot: Snapshot;
}

/** Proposal forwarded by a follower to its leader (term 0). */
export interface MsgProp extends Base {
  type: 'MsgProp';
  entries: Array<{ type: EntryType; data: Buffer }>;
}

/** ReadIndex request forwarded by a follower to its leader (term 0). */
export interface MsgReadIndex extends Base {
  type: 'MsgReadIndex';
  context: string;
}

export interface MsgReadIndexResp extends Base {
  type: 'MsgReadIndexResp';
  index: number;
  context: string;
}

/** Leader -> transferee: start an election now, without pre-vote, ignoring leases. */
export interface MsgTimeoutNow extends Base {
  type: 'MsgTimeoutNow';
}

/** Follower -> leader: please hand leadership to `transferee` (term 0 when forwarded). */
export interface MsgTransferLeader extends Base {
  type: 'MsgTransferLeader';
  transferee: NodeId;
}

export type Message =
  | MsgApp
  | MsgAppResp
  | MsgVote
  | MsgVoteResp
  | MsgHeartbeat
  | MsgHeartbeatResp
  | MsgSnap
  | MsgProp
  | MsgReadIndex
  | MsgReadIndexResp
  | MsgTimeoutNow
  | MsgTransferLeader;

export type MessageType = Message['type'];

export type StateType = 'follower' | 'preCandidate' | 'candidate' | 'leader';

export interface SoftState {
  lead: NodeId;
  state: StateType;
}

/** A confirmed read: once `index` is applied locally, the read tagged `context` may be served. */
export interface ReadState {
  index: number;
  context: string;
}

/**
 * Everything the caller must do, in this order:
 *  1. persist `snapshot` (if any), then `entries`, then `hardState` (if any) — durably if mustSync;
 *  2. send `messages` (only after 1: they may acknowledge those entries or carry that vote);
 *  3. apply `snapshot` to the state machine, then `committedEntries` in order;
 *  4. call advance(ready).
 */
export interface Ready {
  softState?: SoftState;
  hardState?: HardState;
  entries: Entry[];
  snapshot?: Snapshot;
  committedEntries: Entry[];
  messages: Message[];
  readStates: ReadState[];
  mustSync: boolean;
}

export class ProposalDroppedError extends Error {
  readonly code = 'RAFT_PROPOSAL_DROPPED';
  constructor(reason: string) {
    super(`raft proposal dropped: ${reason}`);
    this.name = 'ProposalDroppedError';
  }
}

/** A broken Raft invariant (a bug, or storage that lost acknowledged data). Never caught inside raft. */
export class RaftInvariantError extends Error {
  constructor(msg: string) {
    super(`raft invariant violated: ${msg}`);
    this.name = 'RaftInvariantError';
  }
}

export function invariant(cond: boolean, msg: () => string): asserts cond {
  if (!cond) throw new RaftInvariantError(msg());
}
