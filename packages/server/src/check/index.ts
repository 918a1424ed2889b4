/** Linearizability checking of recorded client histories (tests, nemesis runs). */
export * from './model';
export * from './kv-model';
export { checkHistory, checkPartition, partitionHistory } from './linearizability';
export { renderTimeline, renderViolation } from './report';
