/**
 * etcd's server errors: gRPC status code + exact message text. Clients (etcdctl, the Go client,
 * etcd3 on npm) recognise errors by this text, so it must match etcd byte for byte.
 */
export const enum Code {
  OK = 0,
  CANCELLED = 1,
  UNKNOWN = 2,
  INVALID_ARGUMENT = 3,
  DEADLINE_EXCEEDED = 4,
  NOT_FOUND = 5,
  ALREADY_EXISTS = 6,
  PERMISSION_DENIED = 7,
  RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9,
  ABORTED = 10,
  OUT_OF_RANGE = 11,
  UNIMPLEMENTED = 12,
  INTERNAL = 13,
  UNAVAILABLE = 14,
  DATA_LOSS = 15,
  UNAUTHENTICATED = 16,
}

export class EtcdError extends Error {
  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
    this.name = 'EtcdError';
  }
}

const e = (code: Code, msg: string) => () => new EtcdError(code, msg);

export const Errors = {
  emptyKey: e(Code.INVALID_ARGUMENT, 'etcdserver: key is not provided'),
  keyNotFound: e(Code.INVALID_ARGUMENT, 'etcdserver: key not found'),
  valueProvided: e(Code.INVALID_ARGUMENT, 'etcdserver: value is provided'),
  leaseProvided: e(Code.INVALID_ARGUMENT, 'etcdserver: lease is provided'),
  tooManyOps: e(Code.INVALID_ARGUMENT, 'etcdserver: too many operations in txn request'),
  duplicateKey: e(Code.INVALID_ARGUMENT, 'etcdserver: duplicate key given in txn request'),
  requestTooLarge: e(Code.INVALID_ARGUMENT, 'etcdserver: request is too large'),
  invalidSortOption: e(Code.INVALID_ARGUMENT, 'etcdserver: invalid sort option'),
  keyTooLarge: e(Code.INVALID_ARGUMENT, 'etcdserver: key is too large'),
  compacted: e(Code.OUT_OF_RANGE, 'etcdserver: mvcc: required revision has been compacted'),
  futureRev: e(Code.OUT_OF_RANGE, 'etcdserver: mvcc: required revision is a future revision'),
  noSpace: e(Code.RESOURCE_EXHAUSTED, 'etcdserver: mvcc: database space exceeded'),
  tooManyRequests: e(Code.RESOURCE_EXHAUSTED, 'etcdserver: too many requests'),
  leaseNotFound: e(Code.NOT_FOUND, 'etcdserver: requested lease not found'),
  leaseExist: e(Code.FAILED_PRECONDITION, 'etcdserver: lease already exists'),
  leaseTTLTooLarge: e(Code.OUT_OF_RANGE, 'etcdserver: too large lease TTL'),
  memberNotFound: e(Code.NOT_FOUND, 'etcdserver: member not found'),
  notCapable: e(Code.FAILED_PRECONDITION, 'etcdserver: not capable'),
  stopped: e(Code.UNAVAILABLE, 'etcdserver: server stopped'),
  timeout: e(Code.UNAVAILABLE, 'etcdserver: request timed out'),
  noLeader: e(Code.UNAVAILABLE, 'etcdserver: no leader'),
  leaderChanged: e(Code.UNAVAILABLE, 'etcdserver: leader changed'),
  authNotEnabled: e(Code.FAILED_PRECONDITION, 'etcdserver: authentication is not enabled'),
  corrupt: e(Code.DATA_LOSS, 'etcdserver: corrupt cluster'),
  badLeaderTransferee: e(Code.FAILED_PRECONDITION, 'etcdserver: bad leader transferee'),
  // membership (etcd api/v3rpc/rpctypes/error.go)
  memberExist: e(Code.FAILED_PRECONDITION, 'etcdserver: member ID already exist'),
  peerURLExist: e(Code.FAILED_PRECONDITION, 'etcdserver: Peer URLs already exists'),
  memberBadURLs: e(Code.INVALID_ARGUMENT, 'etcdserver: given member URLs are invalid'),
  memberNotLearner: e(Code.FAILED_PRECONDITION, 'etcdserver: can only promote a learner member'),
  learnerNotReady: e(
    Code.FAILED_PRECONDITION,
    'etcdserver: can only promote a learner member which is in sync with leader',
  ),
  tooManyLearners: e(Code.FAILED_PRECONDITION, 'etcdserver: too many learner members in cluster'),
  notLeader: e(Code.FAILED_PRECONDITION, 'etcdserver: not leader'),
  leaderTransferTimeout: e(
    Code.UNAVAILABLE,
    'etcdserver: request timed out, leader transfer took too long',
  ),
};

/** etcd's limits, with its defaults. */
export const Limits = {
  maxRequestBytes: 1.5 * 1024 * 1024,
  /** gRPC accepts this much more than maxRequestBytes before the request check applies */
  grpcOverheadBytes: 512 * 1024,
  maxTxnOps: 128,
  maxLeaseTtlSeconds: 9_000_000_000,
  defaultQuotaBackendBytes: 2 * 1024 ** 3,
  /**
   * LMDB cannot index keys over 1,978 bytes, and the lease table indexes lease id (8 bytes) + key;
   * etcd has no such limit (documented difference).
   */
  maxKeyBytes: 1970,
};
