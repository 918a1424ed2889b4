/**
 * etcd v3 API conformance against a 3-member Concord cluster: the KV, Watch and Lease
 * scenarios of conformance.test.ts and conformance-watch-lease.test.ts, unchanged, run against
 * target `concord3` (three `concord serve` processes on loopback; the client talks to a
 * follower, so every write, linearizable read, lease call and watch goes through forwarding or
 * ReadIndex) and against etcd, and what the client observes must be equal.
 *
 * The scenarios are reused by loading those two test files inside this suite with
 * CONCORD_TEST_TARGETS set for this process (node --test runs each file in its own process);
 * CLUSTER_CONFORMANCE_TARGETS overrides the pair, e.g. "concord3" when etcd is not installed.
 *
 * Bounded: the whole suite must finish within 2 minutes (about 45 s on a 2-core machine).
 */
import { describe } from 'node:test';

process.env.CONCORD_TEST_TARGETS = process.env.CLUSTER_CONFORMANCE_TARGETS ?? 'concord3,etcd';

describe('conformance on a 3-member cluster (concord3 vs etcd)', { timeout: 120_000 }, () => {
  // Each file registers its describe() blocks here, as children of this suite.
  require('./conformance.test');
  require('./conformance-watch-lease.test');
});
