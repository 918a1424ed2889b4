/**
 * Error hierarchy mirroring etcd's gRPC errors.
 *
 * Every error thrown by the client is an {@link EtcdError}. Server errors are
 * mapped from the gRPC status code and the server's message text
 * ("etcdserver: ..." / "mvcc: ...") to a specific subclass.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';

export class EtcdError extends Error {
  /** gRPC status code (see @grpc/grpc-js `status`). */
  readonly code: number;
  /** Raw server message / details text. */
  readonly details: string;
  /** Metadata returned with the error, if any. */
  readonly metadata?: unknown;

  constructor(
    message: string,
    code: number = GrpcStatus.UNKNOWN,
    details?: string,
    metadata?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details ?? message;
    this.metadata = metadata;
  }
}

/** Invalid use of the client API (detected locally, nothing sent). */
export class InvalidArgumentError extends EtcdError {
  constructor(message: string, code: number = GrpcStatus.INVALID_ARGUMENT, details?: string) {
    super(message, code, details);
  }
}
export class EmptyKeyError extends InvalidArgumentError {}
export class KeyNotFoundError extends InvalidArgumentError {}
export class ValueProvidedError extends InvalidArgumentError {}
export class LeaseProvidedError extends InvalidArgumentError {}
export class TooManyOpsError extends InvalidArgumentError {}
export class DuplicateKeyError extends InvalidArgumentError {}
export class RequestTooLargeError extends InvalidArgumentError {}
export class AuthFailedError extends InvalidArgumentError {}
export class AuthOldRevisionError extends InvalidArgumentError {}

export class CompactedError extends EtcdError {
  /** Compact revision if known (set on watch cancellations). */
  compactRevision = 0;
}
export class FutureRevisionError extends EtcdError {}
export class NoSpaceError extends EtcdError {}
export class TooManyRequestsError extends EtcdError {}
export class LeaseNotFoundError extends EtcdError {}
export class LeaseExistsError extends EtcdError {}
export class LeaseTTLTooLargeError extends EtcdError {}
export class PermissionDeniedError extends EtcdError {}
export class InvalidAuthTokenError extends EtcdError {}
export class AuthNotEnabledError extends EtcdError {}
export class NotLeaderError extends EtcdError {}
export class MemberError extends EtcdError {}
export class CorruptError extends EtcdError {}

/** Server/transport unavailable (connection refused, no leader, timeouts inside the server...). */
export class UnavailableError extends EtcdError {}
export class NoLeaderError extends UnavailableError {}
export class LeaderChangedError extends UnavailableError {}
export class ServerTimeoutError extends UnavailableError {}
export class ServerStoppedError extends UnavailableError {}

/** The call's deadline expired (locally or on the server). */
export class DeadlineExceededError extends EtcdError {
  constructor(message = 'deadline exceeded', details?: string) {
    super(message, GrpcStatus.DEADLINE_EXCEEDED, details);
  }
}
/** The call was aborted via AbortSignal or cancelled. */
export class CancelledError extends EtcdError {
  constructor(message = 'operation cancelled', details?: string) {
    super(message, GrpcStatus.CANCELLED, details);
  }
}
/** The client (or the recipe object) has been closed. */
export class ClientClosedError extends EtcdError {
  constructor(message = 'client is closed') {
    super(message, GrpcStatus.CANCELLED);
  }
}
/** A watch was cancelled by the server for a reason other than compaction. */
export class WatchCancelledError extends EtcdError {}

// ---- recipe errors ----
export class LockNotHeldError extends EtcdError {
  constructor(message = 'lock is not held') {
    super(message, GrpcStatus.FAILED_PRECONDITION);
  }
}
export class LockTimeoutError extends DeadlineExceededError {}
export class SessionLostError extends EtcdError {
  constructor(message = 'session lost (lease expired or revoked)') {
    super(message, GrpcStatus.FAILED_PRECONDITION);
  }
}
export class NotLeaderOfElectionError extends EtcdError {
  constructor(message = 'not the election leader') {
    super(message, GrpcStatus.FAILED_PRECONDITION);
  }
}
export class NoElectionLeaderError extends EtcdError {
  constructor(message = 'election has no leader') {
    super(message, GrpcStatus.NOT_FOUND);
  }
}

type Ctor = new (message: string, code: number, details?: string) => EtcdError;

/** message substring -> error class (checked in order). */
const MESSAGE_MAP: Array<[string, Ctor]> = [
  ['required revision has been compacted', CompactedError as Ctor],
  ['required revision is a future revision', FutureRevisionError as Ctor],
  ['database space exceeded', NoSpaceError as Ctor],
  ['key is not provided', EmptyKeyError as Ctor],
  ['empty key', EmptyKeyError as Ctor],
  ['key not found', KeyNotFoundError as Ctor],
  ['value is provided', ValueProvidedError as Ctor],
  ['lease is provided', LeaseProvidedError as Ctor],
  ['too many operations in txn request', TooManyOpsError as Ctor],
  ['duplicate key given in txn request', DuplicateKeyError as Ctor],
  ['request is too large', RequestTooLargeError as Ctor],
  ['too many requests', TooManyRequestsError as Ctor],
  ['requested lease not found', LeaseNotFoundError as Ctor],
  ['lease not found', LeaseNotFoundError as Ctor],
  ['lease already exists', LeaseExistsError as Ctor],
  ['too large lease ttl', LeaseTTLTooLargeError as Ctor],
  ['lease ttl is too large', LeaseTTLTooLargeError as Ctor],
  ['authentication failed', AuthFailedError as Ctor],
  ['revision of auth store is old', AuthOldRevisionError as Ctor],
  ['invalid auth token', InvalidAuthTokenError as Ctor],
  ['authentication is not enabled', AuthNotEnabledError as Ctor],
  ['permission denied', PermissionDeniedError as Ctor],
  ['not leader', NotLeaderError as Ctor],
  ['no leader', NoLeaderError as Ctor],
  ['leader changed', LeaderChangedError as Ctor],
  ['request timed out', ServerTimeoutError as Ctor],
  ['server stopped', ServerStoppedError as Ctor],
  ['member', MemberError as Ctor],
  ['peer urls already exists', MemberError as Ctor],
  ['corrupt cluster', CorruptError as Ctor],
  ['not capable', UnavailableError as Ctor],
  ['unhealthy cluster', UnavailableError as Ctor],
];

export interface GrpcLikeError {
  code?: number;
  details?: string;
  message?: string;
  metadata?: unknown;
}

/** Map a gRPC error (ServiceError) to the EtcdError hierarchy. */
export function fromGrpcError(err: unknown): EtcdError {
  if (err instanceof EtcdError) return err;
  const e = (err ?? {}) as GrpcLikeError;
  const code = typeof e.code === 'number' ? e.code : GrpcStatus.UNKNOWN;
  const details = e.details ?? e.message ?? String(err);
  const lower = details.toLowerCase();
  const serverText =
    lower.includes('etcdserver:') || lower.includes('mvcc:') || lower.includes('concord:');
  if (serverText || code === GrpcStatus.OUT_OF_RANGE || code === GrpcStatus.NOT_FOUND) {
    for (const [needle, Cls] of MESSAGE_MAP) {
      if (lower.includes(needle)) {
        const out = new Cls(details, code, details);
        (out as { metadata?: unknown }).metadata = e.metadata;
        return out;
      }
    }
  }
  let out: EtcdError;
  if (/larger than max|message too large|exceeds maximum/i.test(details)) {
    out = new RequestTooLargeError(details, code, details);
    (out as { metadata?: unknown }).metadata = e.metadata;
    return out;
  }
  switch (code) {
    case GrpcStatus.UNAVAILABLE:
      out = new UnavailableError(details, code, details);
      break;
    case GrpcStatus.DEADLINE_EXCEEDED:
      out = new DeadlineExceededError(details, details);
      break;
    case GrpcStatus.CANCELLED:
      out = new CancelledError(details, details);
      break;
    case GrpcStatus.PERMISSION_DENIED:
      out = new PermissionDeniedError(details, code, details);
      break;
    case GrpcStatus.UNAUTHENTICATED:
      out = new InvalidAuthTokenError(details, code, details);
      break;
    case GrpcStatus.RESOURCE_EXHAUSTED:
      out = new TooManyRequestsError(details, code, details);
      break;
    case GrpcStatus.INVALID_ARGUMENT:
      out = new InvalidArgumentError(details, code, details);
      break;
    default:
      out = new EtcdError(details, code, details);
  }
  (out as { metadata?: unknown }).metadata = e.metadata;
  return out;
}

/**
 * Errors after which it is safe to retry even a non-idempotent request,
 * because the server rejected it before proposing it.
 */
export function isRejectedBeforeApply(err: EtcdError): boolean {
  return (
    err instanceof NotLeaderError ||
    err instanceof NoLeaderError ||
    err instanceof TooManyRequestsError ||
    err instanceof ServerStoppedError ||
    err instanceof AuthOldRevisionError ||
    /not capable|unhealthy cluster/i.test(err.details)
  );
}

/** Transport-level failure indicating the request never reached a server. */
export function isNeverSent(err: EtcdError): boolean {
  if (err.code !== GrpcStatus.UNAVAILABLE) return false;
  return /No connection established|failed to connect|ECONNREFUSED|Connection refused|Name resolution failed|getaddrinfo|Waiting for LB pick/i.test(
    err.details,
  );
}
export class NoInstanceError extends EtcdError {
  constructor(message = 'no instance available') {
    super(message, GrpcStatus.NOT_FOUND);
  }
}
