/**
 * ZooKeeper's protocol constants and jute records (zookeeper.jute, ZooDefs, KeeperException,
 * Watcher, CreateMode), as used by the 3.5-3.8 clients.
 */
import { JuteError, JuteReader, JuteWriter } from './jute';

export const OpCode = {
  notification: 0,
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getACL: 6,
  setACL: 7,
  getChildren: 8,
  sync: 9,
  ping: 11,
  getChildren2: 12,
  check: 13,
  multi: 14,
  create2: 15,
  reconfig: 16,
  checkWatches: 17,
  removeWatches: 18,
  createContainer: 19,
  deleteContainer: 20,
  createTTL: 21,
  multiRead: 22,
  auth: 100,
  setWatches: 101,
  sasl: 102,
  getEphemerals: 103,
  getAllChildrenNumber: 104,
  setWatches2: 105,
  addWatch: 106,
  whoAmI: 107,
  createSession: -10,
  closeSession: -11,
  error: -1,
} as const;

export const Err = {
  OK: 0,
  SYSTEMERROR: -1,
  RUNTIMEINCONSISTENCY: -2,
  DATAINCONSISTENCY: -3,
  CONNECTIONLOSS: -4,
  MARSHALLINGERROR: -5,
  UNIMPLEMENTED: -6,
  OPERATIONTIMEOUT: -7,
  BADARGUMENTS: -8,
  UNKNOWNSESSION: -12,
  APIERROR: -100,
  NONODE: -101,
  NOAUTH: -102,
  BADVERSION: -103,
  NOCHILDRENFOREPHEMERALS: -108,
  NODEEXISTS: -110,
  NOTEMPTY: -111,
  SESSIONEXPIRED: -112,
  INVALIDCALLBACK: -113,
  INVALIDACL: -114,
  AUTHFAILED: -115,
  SESSIONMOVED: -118,
  NOTREADONLY: -119,
  NOWATCHER: -121,
} as const;

export const EventType = {
  None: -1,
  NodeCreated: 1,
  NodeDeleted: 2,
  NodeDataChanged: 3,
  NodeChildrenChanged: 4,
} as const;

export const KeeperState = {
  Disconnected: 0,
  SyncConnected: 3,
  AuthFailed: 4,
  Expired: -112,
  Closed: 7,
} as const;

export const Perms = { READ: 1, WRITE: 2, CREATE: 4, DELETE: 8, ADMIN: 16, ALL: 31 } as const;

/** Special xids (ClientCnxn). */
export const Xid = { notification: -1, ping: -2, auth: -4, setWatches: -8 } as const;

export const CreateMode = {
  PERSISTENT: 0,
  EPHEMERAL: 1,
  PERSISTENT_SEQUENTIAL: 2,
  EPHEMERAL_SEQUENTIAL: 3,
  CONTAINER: 4,
  PERSISTENT_WITH_TTL: 5,
  PERSISTENT_SEQUENTIAL_WITH_TTL: 6,
} as const;

/** AddWatchMode (ZooDefs.AddWatchModes) */
export const AddWatchMode = { PERSISTENT: 0, PERSISTENT_RECURSIVE: 1 } as const;

/** A thrown ZooKeeper error code (KeeperException). */
export class ZkError extends Error {
  constructor(readonly code: number) {
    super(`zookeeper error ${code}`);
  }
}

export interface Id {
  scheme: string;
  id: string;
}

export interface Acl {
  perms: number;
  id: Id;
}

export const OPEN_ACL_UNSAFE: Acl[] = [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }];

export interface Stat {
  czxid: number;
  mzxid: number;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: bigint;
  dataLength: number;
  numChildren: number;
  pzxid: number;
}

export function writeStat(w: JuteWriter, s: Stat): void {
  w.long(s.czxid).long(s.mzxid).long(s.ctime).long(s.mtime);
  w.int(s.version).int(s.cversion).int(s.aversion);
  w.long(s.ephemeralOwner).int(s.dataLength).int(s.numChildren).long(s.pzxid);
}

export function readAcl(r: JuteReader): Acl {
  const perms = r.int();
  return { perms, id: { scheme: r.ustring(), id: r.ustring() } };
}

export function writeAcl(w: JuteWriter, a: Acl): void {
  w.int(a.perms).ustring(a.id.scheme).ustring(a.id.id);
}

// ---------------------------------------------------------------- requests

export interface CreateRequest {
  path: string;
  data: Buffer;
  acl: Acl[];
  flags: number;
  ttl?: bigint;
}
export interface PathVersion {
  path: string;
  version: number;
}
export interface SetDataRequest {
  path: string;
  data: Buffer;
  version: number;
}
export interface SetACLRequest {
  path: string;
  acl: Acl[];
  version: number;
}
export interface PathWatch {
  path: string;
  watch: boolean;
}

export function readCreate(r: JuteReader, ttl = false): CreateRequest {
  const path = r.ustring();
  const data = r.buffer();
  const acl = r.vector(readAcl);
  const flags = r.int();
  return ttl ? { path, data, acl, flags, ttl: r.long() } : { path, data, acl, flags };
}

/**
 * The flags of a create request, the rest skipped (the proposer checks only them; apply reads
 * the whole request). Malformed input throws as readCreate does.
 */
export function createFlags(r: JuteReader): number {
  r.skipBytes(); // path
  r.skipBytes(); // data
  const acls = r.int();
  if (acls !== -1) {
    if (acls < 0 || acls > r.remaining) throw new JuteError(`bad vector length ${acls}`);
    for (let i = 0; i < acls; i++) {
      r.int(); // perms
      r.skipBytes(); // scheme
      r.skipBytes(); // id
    }
  }
  return r.int();
}

export function readPathVersion(r: JuteReader): PathVersion {
  return { path: r.ustring(), version: r.int() };
}

export function readSetData(r: JuteReader): SetDataRequest {
  return { path: r.ustring(), data: r.buffer(), version: r.int() };
}

export function readSetACL(r: JuteReader): SetACLRequest {
  return { path: r.ustring(), acl: r.vector(readAcl), version: r.int() };
}

export function readPathWatch(r: JuteReader): PathWatch {
  return { path: r.ustring(), watch: r.bool() };
}

export type MultiOp =
  | {
      type: typeof OpCode.create | typeof OpCode.create2 | typeof OpCode.createContainer;
      req: CreateRequest;
    }
  | { type: typeof OpCode.createTTL; req: CreateRequest }
  | { type: typeof OpCode.delete; req: PathVersion }
  | { type: typeof OpCode.setData; req: SetDataRequest }
  | { type: typeof OpCode.check; req: PathVersion }
  | { type: typeof OpCode.getData | typeof OpCode.getChildren; req: { path: string } };

/** MultiHeader{type, done, err} + op, terminated by done = true. */
export function readMulti(r: JuteReader): MultiOp[] {
  const ops: MultiOp[] = [];
  for (;;) {
    const type = r.int();
    const done = r.bool();
    r.int(); // err
    if (done) break;
    if (ops.length >= 100_000) throw new JuteError('too many ops in multi');
    switch (type) {
      case OpCode.create:
      case OpCode.create2:
      case OpCode.createContainer:
        ops.push({ type, req: readCreate(r) });
        break;
      case OpCode.createTTL:
        ops.push({ type, req: readCreate(r, true) });
        break;
      case OpCode.delete:
        ops.push({ type, req: readPathVersion(r) });
        break;
      case OpCode.setData:
        ops.push({ type, req: readSetData(r) });
        break;
      case OpCode.check:
        ops.push({ type, req: readPathVersion(r) });
        break;
      case OpCode.getData:
      case OpCode.getChildren:
        ops.push({ type, req: { path: r.ustring() } });
        break;
      default:
        throw new ZkError(Err.UNIMPLEMENTED);
    }
  }
  return ops;
}

/** Result of one op inside a multi. */
export type MultiResult =
  | { type: typeof OpCode.create; path: string }
  | { type: typeof OpCode.create2; path: string; stat: Stat }
  | { type: typeof OpCode.delete }
  | { type: typeof OpCode.setData; stat: Stat }
  | { type: typeof OpCode.check }
  | { type: typeof OpCode.getData; data: Buffer; stat: Stat }
  | { type: typeof OpCode.getChildren; children: string[] }
  | { type: typeof OpCode.error; err: number };

export function writeMultiResponse(w: JuteWriter, results: MultiResult[]): void {
  for (const res of results) {
    w.int(res.type)
      .bool(false)
      .int(res.type === OpCode.error ? res.err : 0);
    switch (res.type) {
      case OpCode.create:
        w.ustring(res.path);
        break;
      case OpCode.create2:
        w.ustring(res.path);
        writeStat(w, res.stat);
        break;
      case OpCode.setData:
        writeStat(w, res.stat);
        break;
      case OpCode.getData:
        w.buffer(res.data);
        writeStat(w, res.stat);
        break;
      case OpCode.getChildren:
        w.vector(res.children, (x, c) => x.ustring(c));
        break;
      case OpCode.error:
        w.int(res.err);
        break;
      default:
        break;
    }
  }
  w.int(-1).bool(true).int(-1);
}
