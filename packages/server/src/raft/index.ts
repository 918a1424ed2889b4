/** Pure Raft core (no I/O): see rawnode.ts for the Ready/advance loop. */
export * from './types';
export {
  Storage,
  MemoryStorage,
  CompactedError,
  SnapshotTemporarilyUnavailableError,
} from './storage';
export { RaftConfig, StepResult } from './raft';
export { RawNode, Status, isRequestToLeader } from './rawnode';
