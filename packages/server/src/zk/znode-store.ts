/**
 * The znode model: the state-machine part of ZooKeeper. Applied inside StateMachine.apply, in
 * the same LMDB transaction as the MVCC writes; deterministic (time comes from the entry's
 * time_ms, session ids and passwords from the proposer).
 *
 * Storage (docs/architecture.md, "ZooKeeper"):
 *  - znode data: MVCC key "/zookeeper" + path (czxid = create_revision, mzxid = mod_revision,
 *    version = MVCC version - 1 while the key is the one the create put: see znodeVersion);
 *    only create and setData put it, delete deletes it;
 *  - zk_nodes: path → metadata etcd has not (ctime, cversion, aversion, ephemeral owner, pzxid,
 *    child count, sequence counter, ACL; binary, see encodeMeta); a znode exists iff it has
 *    this record. mtime is the time stored with the data key's MVCC record (KeyValue.timeMs),
 *    so a setData writes the data key only; the record's mtime is the fallback for data keys
 *    written without a time (by etcd clients, or before times were stored);
 *  - children: an in-memory index derived from the zk_nodes paths (ZnodeStore.childNames);
 *  - zk_sessions: session id → timeout and password; zk_ephemerals: session id + path.
 */
import { Limits } from '../server/errors';
import { concordpb } from '@concord/proto';
import { Backend } from '../backend/backend';
import { KvStore, WriteTxn } from '../mvcc/kv-store';
import { LiveSlot, slotRetired } from '../mvcc/key-index';
import { big, buf, num } from '../server/pb';
import { checkAcl, fixupAcl } from './acl';
import { JuteError, JuteReader } from './jute';
import {
  dataKey,
  dataKeyLatin1,
  invalidPathReason,
  childPath,
  nameOf,
  parentOf,
  ZK_KEY_PREFIX,
} from './paths';
import {
  Acl,
  CreateMode,
  CreateRequest,
  Err,
  EventType,
  Id,
  MultiOp,
  MultiResult,
  OpCode,
  OPEN_ACL_UNSAFE,
  Perms,
  readCreate,
  readMulti,
  readPathVersion,
  readSetACL,
  readSetData,
  SetDataRequest,
  Stat,
  ZkError,
} from './records';

export interface ZNode {
  path: string;
  data: Buffer;
  czxid: number;
  mzxid: number;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: bigint;
  pzxid: number;
  numChildren: number;
  /** creates under this node so far: the next sequential suffix */
  seq: number;
  acl: Acl[];
}

export interface SessionRecord {
  id: bigint;
  timeoutMs: number;
  password: Buffer;
}

export interface ZkEvent {
  type: number;
  path: string;
}

/** What applying a ZooKeeper entry returns to the proposer. */
export interface ZkApplyResult {
  err: number;
  /** revision after the entry (the reply header's zxid) */
  zxid: number;
  /** per op type: create → path; create2/setData/setACL → stat; multi → results */
  path?: string;
  stat?: Stat;
  results?: MultiResult[];
}

/** The zk_nodes record. */
interface Meta {
  czxid: number;
  ctime: number;
  /** mtime for a data key whose record has no time */
  mtime: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: bigint;
  pzxid: number;
  numChildren: number;
  seq: number;
  acl: Acl[];
  /**
   * Not stored: the data key's slot in the key index once a read looked it up, so the next op
   * on the node need not look it up again (a lookup in a large hash map by a new string costs
   * several cache misses, 5 % of a setData). Dropped with the record; retired slots are looked
   * up again (see LiveSlot).
   */
  dataSlot: LiveSlot | undefined;
}

/**
 * A znode's version from its data key. The node's create puts the key (MVCC version 1, znode
 * version 0), and each setData adds one to both. A key the create did not put (its create
 * revision is not the node's czxid) counts from 1: its first write was a change of a node
 * that read version 0 without a key. That is the root's key (the root is never created; its
 * first setData writes MVCC version 1 and must read back as 1), and a key an etcd client
 * deleted, written again by a setData (which replied version 1) or by an etcd put.
 */
function znodeVersion(czxid: number, key: { createRevision: number; version: number }): number {
  return key.createRevision === czxid ? key.version - 1 : key.version;
}

const ROOT_KEY = Buffer.from('/');
const ROOT_META: Meta = {
  czxid: 0,
  ctime: 0,
  mtime: 0,
  cversion: 0,
  aversion: 0,
  ephemeralOwner: 0n,
  pzxid: 0,
  numChildren: 0,
  seq: 0,
  acl: [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }],
  dataSlot: undefined, // each store keeps its own copy (rootMeta), which may keep a slot
};

/**
 * zk_nodes record, binary (format 1): u8 1 | czxid, ctime, mtime, cversion, aversion, pzxid,
 * numChildren, seq as f64 BE | ephemeralOwner i64 BE | u16 ACL count, then per ACL entry
 * i32 perms, u16 + scheme, u16 + id (UTF-8). Numbers are doubles so every value the JSON
 * records held round-trips unchanged.
 */
const META_FORMAT = 1;
const META_FIXED = 1 + 8 * 8 + 8 + 2;

/** The zk_nodes fields of a node, as a record of their own. */
function metaOf(n: ZNode): Meta {
  return {
    czxid: n.czxid,
    ctime: n.ctime,
    mtime: n.mtime,
    cversion: n.cversion,
    aversion: n.aversion,
    ephemeralOwner: n.ephemeralOwner,
    pzxid: n.pzxid,
    numChildren: n.numChildren,
    seq: n.seq,
    acl: n.acl,
    dataSlot: undefined,
  };
}

export function encodeMeta(m: Meta): Buffer {
  let size = META_FIXED;
  const acl = m.acl.map((a) => ({
    perms: a.perms,
    scheme: Buffer.from(a.id.scheme, 'utf8'),
    id: Buffer.from(a.id.id, 'utf8'),
  }));
  for (const a of acl) size += 4 + 2 + a.scheme.length + 2 + a.id.length;
  const b = Buffer.allocUnsafe(size);
  b[0] = META_FORMAT;
  let off = 1;
  for (const v of [
    m.czxid,
    m.ctime,
    m.mtime,
    m.cversion,
    m.aversion,
    m.pzxid,
    m.numChildren,
    m.seq,
  ])
    off = b.writeDoubleBE(v, off);
  off = b.writeBigInt64BE(m.ephemeralOwner, off);
  off = b.writeUInt16BE(acl.length, off);
  for (const a of acl) {
    off = b.writeInt32BE(a.perms, off);
    off = b.writeUInt16BE(a.scheme.length, off);
    off += a.scheme.copy(b, off);
    off = b.writeUInt16BE(a.id.length, off);
    off += a.id.copy(b, off);
  }
  return b;
}

/** Decodes a zk_nodes record: binary, or the JSON of data directories written before it. */
export function decodeMeta(raw: Buffer): Meta {
  if (raw[0] === 0x7b /* '{' */) {
    const j = JSON.parse(raw.toString('utf8')) as {
      czxid: number;
      ctime: number;
      mtime: number;
      cversion: number;
      aversion: number;
      eph: string;
      pzxid: number;
      nc: number;
      seq: number;
      acl: Array<[number, string, string]>;
    };
    return {
      czxid: j.czxid,
      ctime: j.ctime,
      mtime: j.mtime,
      cversion: j.cversion,
      aversion: j.aversion,
      ephemeralOwner: BigInt(j.eph),
      pzxid: j.pzxid,
      numChildren: j.nc,
      seq: j.seq,
      acl: j.acl.map(([perms, scheme, id]) => ({ perms, id: { scheme, id } })),
      dataSlot: undefined,
    };
  }
  if (raw[0] !== META_FORMAT || raw.length < META_FIXED)
    throw new Error(`zk_nodes: unknown record format ${raw[0]} (${raw.length} bytes)`);
  const d = (i: number): number => raw.readDoubleBE(1 + 8 * i);
  return {
    czxid: d(0),
    ctime: d(1),
    mtime: d(2),
    cversion: d(3),
    aversion: d(4),
    ephemeralOwner: raw.readBigInt64BE(1 + 8 * 8), // metaOf's field order: one object shape
    pzxid: d(5),
    numChildren: d(6),
    seq: d(7),
    acl: sharedAcl(raw),
    dataSlot: undefined,
  };
}

/**
 * Most znodes have one of a few ACLs: records with the same ACL bytes share one frozen list
 * (ZnodeStore keeps every record; nobody changes a node's list in place, setACL replaces it).
 */
const aclsByBytes = new Map<string, readonly Acl[]>();
const ACL_LISTS_KEPT = 1024;

function sharedAcl(raw: Buffer): Acl[] {
  const bytes = raw.toString('latin1', META_FIXED - 2);
  let acl = aclsByBytes.get(bytes);
  if (!acl) {
    if (aclsByBytes.size >= ACL_LISTS_KEPT) aclsByBytes.clear();
    acl = Object.freeze(decodeAcl(raw));
    aclsByBytes.set(bytes, acl);
  }
  return acl as Acl[];
}

function decodeAcl(raw: Buffer): Acl[] {
  const n = raw.readUInt16BE(META_FIXED - 2);
  const acl: Acl[] = [];
  let off = META_FIXED;
  for (let i = 0; i < n; i++) {
    const perms = raw.readInt32BE(off);
    const sl = raw.readUInt16BE(off + 4);
    const scheme = raw.toString('utf8', off + 6, off + 6 + sl);
    off += 6 + sl;
    const il = raw.readUInt16BE(off);
    const id = raw.toString('utf8', off + 2, off + 2 + il);
    off += 2 + il;
    acl.push(Object.freeze({ perms, id: Object.freeze({ scheme, id }) }));
  }
  return acl;
}

/** EphemeralType: a container's ephemeralOwner (Long.MIN_VALUE) */
export const CONTAINER_OWNER = -(1n << 63n);
const TTL_MASK = 0xffn << 56n;
/** EphemeralType.TTL.maxValue(): 40 bits of milliseconds */
export const MAX_TTL = (1n << 40n) - 1n;

/** The TTL (ms) encoded in a TTL node's ephemeralOwner, or undefined for other nodes. */
export function ttlOf(owner: bigint): bigint | undefined {
  const u = BigInt.asUintN(64, owner);
  return (u & TTL_MASK) === TTL_MASK ? u & MAX_TTL : undefined;
}

/** A session owns the node (ephemeral); containers and TTL nodes have negative owners. */
function sessionOwned(owner: bigint): boolean {
  return owner > 0n;
}

const ONE = Buffer.from([1]);
const EMPTY = Buffer.alloc(0);

export function sessionKey(id: bigint): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigInt64BE(id);
  return b;
}

export function statOf(n: ZNode): Stat {
  return {
    czxid: n.czxid,
    mzxid: n.mzxid,
    ctime: n.ctime,
    mtime: n.mtime,
    version: n.version,
    cversion: n.cversion,
    aversion: n.aversion,
    // DataNode.copyStat: containers and TTL nodes show ephemeralOwner 0 to clients
    ephemeralOwner: sessionOwned(n.ephemeralOwner) ? n.ephemeralOwner : 0n,
    dataLength: n.data.length,
    numChildren: n.numChildren,
    pzxid: n.pzxid,
  };
}

type Effect =
  // slot: the data key's live slot, set once commit() wrote it
  | { kind: 'create'; path: string; data: Buffer; owner: bigint; slot?: LiveSlot }
  | { kind: 'delete'; path: string; owner: bigint }
  | { kind: 'setData'; path: string };

/** Pending changes of one entry, validated op by op before anything is written. */
class Overlay {
  readonly nodes = new Map<string, ZNode | null>();
  readonly dirty = new Set<string>();
  readonly effects: Effect[] = [];
  readonly events: ZkEvent[] = [];

  constructor(
    private readonly store: ZnodeStore,
    readonly rev: number,
    readonly timeMs: number,
  ) {}

  /**
   * Loaded nodes not read in full: 'meta' (getMeta: data, version, mzxid and mtime not read) or
   * 'version' (getVersioned: data and mtime not read).
   */
  private readonly partial = new Map<string, NodeRead>();

  get(path: string): ZNode | undefined {
    return this.load(path, 'full');
  }

  /**
   * The node without its data, version and mzxid (one LMDB read less): for parents and
   * existence checks, which look at the metadata only. A later get() fills in the rest.
   */
  getMeta(path: string): ZNode | undefined {
    return this.load(path, 'meta');
  }

  /**
   * The node with its version and mzxid but without its data and mtime (the data key's record
   * is not read): for ops that check the version and replace or delete the data.
   */
  getVersioned(path: string): ZNode | undefined {
    return this.load(path, 'version');
  }

  /** The op replaced n's data (and mtime): nothing of it is left to read. */
  dataReplaced(n: ZNode): void {
    this.partial.delete(n.path);
  }

  private load(path: string, want: NodeRead): ZNode | undefined {
    const cached = this.nodes.get(path);
    if (cached === null) return undefined;
    if (cached === undefined) {
      const n = this.store.getNode(path, want);
      this.nodes.set(path, n ?? null);
      if (n && want !== 'full') this.partial.set(path, want);
      return n;
    }
    const have = this.partial.get(path);
    if (have !== undefined && want !== 'meta' && READ_DEPTH[want] > READ_DEPTH[have]) {
      this.store.loadData(cached, want);
      if (want === 'full') this.partial.delete(path);
      else this.partial.set(path, want);
    }
    return cached;
  }

  touch(n: ZNode): void {
    this.dirty.add(n.path);
  }
}

/** How much of a znode a read fills in (ZnodeStore.getNode). */
type NodeRead = 'meta' | 'version' | 'full';
const READ_DEPTH: Record<NodeRead, number> = { meta: 0, version: 1, full: 2 };

export class ZnodeStore {
  /**
   * ZooKeeper events of recently applied revisions, oldest first, for the watch manager (not
   * state); entries before `recentTaken` are consumed, and a drained queue is replaced by a
   * fresh array. Not a Map by revision: a long-lived Map that takes and loses an entry per
   * write gets each new hash table allocated in V8's old generation (see
   * util/sequence-table.ts); a young array that is dropped costs only a scavenge.
   */
  private recent: { rev: number; events: ZkEvent[] }[] = [];
  private recentTaken = 0;
  recordEvents = false;
  /** session created or removed by an applied entry (clock side, not state: the session tracker) */
  onSessionCreated: (id: bigint, timeoutMs: number) => void = () => undefined;
  onSessionRemoved: (id: bigint) => void = () => undefined;
  /**
   * zk_nodes records changed by the entries applied so far in this backend transaction (null:
   * removed), written by flushMeta() at the end of the batch: a parent's record changes with
   * every create or delete under it, so a batch of creates under one parent reads and writes it
   * once instead of once per create.
   */
  private metaWrites = new Map<string, Meta | null>();
  /**
   * Every znode's zk_nodes record as last committed, decoded, by path; ZooKeeper keeps its
   * whole tree in memory too. A random LMDB lookup in a large tree costs several CPU cache
   * misses (about 5 µs per setData on the benchmark VMs), and a create's check that its path is
   * free is one more; a Map lookup costs far less, and a path it lacks does not exist. Loaded by
   * one scan of zk_nodes (load(), at start and after a snapshot install; index() on first use
   * otherwise); flushMeta() keeps it current; dropped, to be loaded again, when a batch is
   * aborted or the backend file is replaced (reload()). About
   * 320 bytes of heap per znode with 10-character paths. Records are never mutated (getNode
   * copies them).
   */
  private loaded: Map<string, Meta> | undefined;
  /**
   * Each znode's children's names, by parent path: derived from the paths in `loaded`, built,
   * kept current and dropped with it. No table holds them: a zk_children row was one more
   * B-tree insert (and dirty page) per create and one more delete per delete (about 6 % of a
   * create's apply in bench/apply-ab.js, where the names are sequential under one parent).
   */
  private childNames: Map<string, Set<string>> | undefined;
  /**
   * The paths of containers and TTL nodes (negative ephemeralOwner, fixed at create), built,
   * kept current and dropped with `loaded`: what the leader's reaper looks at, as ZooKeeper's
   * DataTree keeps its containers and TTL nodes apart. Scanning and decoding every zk_nodes
   * record instead took 0.5-1 s of event loop per check with 200k znodes, once a minute.
   */
  private reapable: Set<string> | undefined;
  /**
   * The ids of the sessions in zk_sessions, kept with the records (every write checks its
   * session: an LMDB lookup and a key buffer per op otherwise). Loaded and dropped with
   * `loaded`; a batch's own session writes show in it at once, as in its transaction.
   */
  private sessionIds: Set<bigint> | undefined;
  /** The root's record while none is stored: this store's own, as it may keep a slot. */
  private readonly rootMeta: Meta = { ...ROOT_META };

  constructor(
    private readonly backend: Backend,
    private readonly kv: KvStore,
  ) {}

  // ------------------------------------------------------------------ reads

  /**
   * The znode at path. 'meta' leaves data empty, version 0, mzxid = czxid and the stored
   * fallback mtime; 'version' reads version and mzxid but not data and mtime (see loadData).
   */
  getNode(path: string, read: NodeRead = 'full'): ZNode | undefined {
    const m = this.readMeta(path);
    if (!m) return undefined;
    const n: ZNode = {
      path,
      data: EMPTY,
      czxid: m.czxid,
      mzxid: m.czxid,
      ctime: m.ctime,
      mtime: m.mtime,
      version: 0,
      cversion: m.cversion,
      aversion: m.aversion,
      ephemeralOwner: m.ephemeralOwner,
      pzxid: m.pzxid,
      numChildren: m.numChildren,
      seq: m.seq,
      acl: m.acl,
    };
    if (read !== 'meta') this.loadData(n, read, m);
    return n;
  }

  /**
   * Fills in version and mzxid from the node's data key ('version': its live slot only), and
   * for 'full' also data and mtime (the key's record). m: the node's record, if the caller has
   * it (it keeps the slot for the next op).
   */
  loadData(n: ZNode, read: 'version' | 'full', m?: Meta): void {
    const s = this.dataSlotOf(n.path, m ?? this.readMeta(n.path));
    if (!s) return;
    if (read === 'version') {
      n.mzxid = s.main;
      n.version = znodeVersion(n.czxid, s);
      return;
    }
    const kv = this.kv.readLive(s);
    n.data = kv.value;
    n.mzxid = kv.modRevision;
    n.version = znodeVersion(n.czxid, kv);
    if (kv.timeMs !== undefined) n.mtime = kv.timeMs;
  }

  /**
   * The names of path's children, sorted (ZooKeeper promises no order; a sorted list is the same
   * on every member and after a restart).
   */
  children(path: string): string[] {
    this.index();
    const names = this.childNames!.get(path);
    return names ? [...names].sort() : [];
  }

  /** How many znodes are below path, at any depth (getAllChildrenNumber); no sorting. */
  descendantCount(path: string): number {
    this.index();
    let total = 0;
    const stack = [path];
    while (stack.length > 0) {
      const p = stack.pop()!;
      const names = this.childNames!.get(p);
      if (!names) continue;
      total += names.size;
      for (const c of names) stack.push(childPath(p, c));
    }
    return total;
  }

  session(id: bigint): SessionRecord | undefined {
    const raw = this.backend.zkSessions.getBinary(sessionKey(id));
    if (!raw) return undefined;
    return { id, timeoutMs: raw.readInt32BE(0), password: Buffer.from(raw.subarray(4)) };
  }

  sessions(): SessionRecord[] {
    const out: SessionRecord[] = [];
    for (const { key, value } of this.backend.zkSessions.getRange({}))
      out.push({
        id: (key as Buffer).readBigInt64BE(0),
        timeoutMs: value.readInt32BE(0),
        password: Buffer.from(value.subarray(4)),
      });
    return out;
  }

  ephemerals(id: bigint): string[] {
    const start = sessionKey(id);
    const end = sessionKey(id + 1n);
    const out: string[] = [];
    for (const k of this.backend.zkEphemerals.getKeys({ start, end }))
      out.push((k as Buffer).subarray(8).toString('utf8'));
    return out;
  }

  /** The node's data key's live slot: the one its record keeps, or looked up (and kept). */
  private dataSlotOf(path: string, m: Meta | undefined): LiveSlot | undefined {
    const kept = m?.dataSlot;
    if (kept !== undefined && !slotRetired(kept)) return kept;
    const s = this.kv.getLiveSlotLatin1(dataKeyLatin1(path));
    if (m !== undefined) m.dataSlot = s;
    return s;
  }

  /** The node's zk_nodes record as this batch left it; the root has one even when none is stored. */
  private readMeta(path: string): Meta | undefined {
    let m = this.metaWrites.get(path); // null: removed in this batch
    if (m === undefined) m = this.index().get(path);
    return m ?? (path === '/' ? this.rootMeta : undefined);
  }

  /**
   * Reads every zk_nodes record into memory now (200k records take about 0.8-1 s, with the
   * event loop blocked): the state machine calls it at start and after a snapshot install,
   * while nothing is served, rather than leave it to the next request.
   */
  load(): void {
    this.index();
    this.liveSessions();
  }

  /** sessionIds, read from zk_sessions if not loaded (inside a batch: with its writes). */
  private liveSessions(): Set<bigint> {
    if (this.sessionIds) return this.sessionIds;
    const ids = new Set<bigint>();
    for (const key of this.backend.zkSessions.getKeys({}))
      ids.add((key as Buffer).readBigInt64BE(0));
    this.sessionIds = ids;
    return ids;
  }

  /**
   * The committed records (this.loaded), read from zk_nodes if not loaded. Inside a batch's
   * transaction the scan sees the committed records too: the batch writes zk_nodes only in
   * flushMeta(), which does not load.
   */
  private index(): Map<string, Meta> {
    if (this.loaded) return this.loaded;
    const all = new Map<string, Meta>();
    this.childNames = new Map();
    this.reapable = new Set();
    for (const { key, value } of this.backend.zkNodes.getRange({})) {
      const m = decodeMeta(value);
      // the data key's slot now, while the scan runs anyway, not on each node's first op (the
      // key is the prefix and the path's UTF-8 bytes, which the zk_nodes key already is)
      m.dataSlot = this.kv.getLiveSlotLatin1(ZK_KEY_PREFIX + (key as Buffer).toString('latin1'));
      const path = (key as Buffer).toString('utf8');
      all.set(path, m);
      this.recordAdded(path, m);
    }
    this.loaded = all;
    return all;
  }

  /**
   * Forgets the pending writes and the in-memory records (read again on next use): the backend
   * file was replaced (a snapshot was installed), or the batch's transaction was aborted after
   * flushMeta() had already updated the records from it.
   */
  reload(): void {
    this.metaWrites.clear();
    this.loaded = undefined;
    this.childNames = undefined;
    this.reapable = undefined;
    this.sessionIds = undefined;
  }

  /**
   * Writes the zk_nodes records the batch changed; the state machine calls it once per applied
   * batch, inside the batch's backend transaction, after its last entry.
   */
  flushMeta(): void {
    // a setData batch changes no record: nothing to write, and no clear() (which gives a
    // long-lived Map a new table in V8's old generation, about 150 bytes a batch)
    if (this.metaWrites.size === 0) return;
    const index = this.loaded; // not loaded: stays so, and is read after the commit
    for (const [path, m] of this.metaWrites) {
      const key = Buffer.from(path, 'utf8');
      if (m) {
        const raw = encodeMeta(m);
        this.backend.zkNodes.putSync(key, raw);
        // m is this batch's own object: it may take the shared list for its ACL bytes (a list
        // read from a record is that list already: frozen, see sharedAcl)
        if (!Object.isFrozen(m.acl)) m.acl = sharedAcl(raw);
        if (index) {
          // one map operation: a record new to the index grows it
          const size = index.size;
          if (index.set(path, m).size !== size) this.recordAdded(path, m);
        }
      } else {
        this.backend.zkNodes.removeSync(key);
        if (index?.delete(path)) this.recordRemoved(path);
      }
    }
    this.metaWrites = new Map(); // a young one: see the size check above
  }

  /** A record new to `loaded`: index its path (as a child, and if reapable). */
  private recordAdded(path: string, m: Meta): void {
    if (m.ephemeralOwner < 0n) this.reapable!.add(path);
    if (path === '/') return;
    const parent = parentOf(path);
    let names = this.childNames!.get(parent);
    if (!names) this.childNames!.set(parent, (names = new Set()));
    names.add(nameOf(path));
  }

  private recordRemoved(path: string): void {
    this.reapable!.delete(path);
    const parent = parentOf(path);
    const names = this.childNames!.get(parent);
    if (!names) return;
    names.delete(nameOf(path));
    if (names.size === 0) this.childNames!.delete(parent);
  }

  /** Number of znodes without the root (which has a record once a change under it was stored). */
  count(): number {
    const records = (this.backend.zkNodes.getStats() as { entryCount: number }).entryCount;
    return this.backend.zkNodes.doesExist(ROOT_KEY) ? records - 1 : records;
  }

  /**
   * Containers and TTL nodes due for deletion at nowMs (ContainerManager.getCandidates): a
   * childless container that has had a child (cversion > 0), a childless TTL node unmodified for
   * longer than its TTL.
   */
  reapCandidates(nowMs: number, limit: number): string[] {
    const index = this.index();
    const out: string[] = [];
    for (const path of this.reapable!) {
      if (out.length >= limit) break;
      const m = index.get(path);
      if (!m || m.numChildren !== 0) continue;
      const owner = m.ephemeralOwner;
      const ttl = ttlOf(owner);
      if (owner === CONTAINER_OWNER ? m.cversion > 0 : ttl !== undefined && ttl !== 0n) {
        if (ttl !== undefined) {
          const mtime = this.kv.get(dataKey(path))?.timeMs ?? m.mtime;
          if (BigInt(nowMs - mtime) <= ttl) continue;
        }
        out.push(path);
      }
    }
    return out;
  }

  /** ZooKeeper events of revision rev (consumed). */
  takeEvents(rev: number): ZkEvent[] | undefined {
    const q = this.recent;
    let i = this.recentTaken;
    while (i < q.length && q[i].rev < rev) i++; // older ones nobody asked for: dropped
    const e = i < q.length && q[i].rev === rev ? q[i++].events : undefined;
    if (i < q.length) this.recentTaken = i;
    else {
      if (q.length > 0) this.recent = [];
      this.recentTaken = 0;
    }
    return e;
  }

  // ------------------------------------------------------------------ apply

  /** Applies one ZooKeeper entry; `write` runs the change in one MVCC WriteTxn. */
  apply(r: concordpb.IInternalRequest, write: <T>(fn: (t: WriteTxn) => T) => T): ZkApplyResult {
    const timeMs = num(r.timeMs);
    if (r.zkCreateSession) {
      const s = r.zkCreateSession;
      const v = Buffer.alloc(4 + (s.password?.length ?? 0));
      v.writeInt32BE(s.timeoutMs ?? 0, 0);
      buf(s.password).copy(v, 4);
      const id = big(s.sessionId);
      this.backend.zkSessions.putSync(sessionKey(id), v);
      this.sessionIds?.add(id);
      this.onSessionCreated(id, s.timeoutMs ?? 0);
      return { err: Err.OK, zxid: this.kv.currentRevision };
    }
    if (r.zkCloseSession) {
      const id = big(r.zkCloseSession.sessionId);
      if (!this.session(id)) return { err: Err.OK, zxid: this.kv.currentRevision };
      return write((t) => {
        const o = new Overlay(this, t.revision, timeMs);
        for (const path of this.ephemerals(id)) {
          const n = o.get(path);
          if (n) this.doDelete(o, n);
        }
        this.commit(t, o);
        this.backend.zkSessions.removeSync(sessionKey(id));
        this.sessionIds?.delete(id);
        this.onSessionRemoved(id);
        return { err: Err.OK, zxid: t.changed ? t.revision : t.revision - 1 };
      });
    }
    const op = r.zkOp!;
    const session = big(op.sessionId);
    const auth: Id[] = (op.auth ?? []).map((a) => ({ scheme: a.scheme ?? '', id: a.id ?? '' }));
    if (op.type === OpCode.deleteContainer)
      return write((t) => this.deleteContainer(t, buf(op.body).toString('utf8'), timeMs));
    return write((t) => {
      const zxid = () => (t.changed ? t.revision : t.revision - 1);
      if (!this.liveSessions().has(session)) return { err: Err.SESSIONEXPIRED, zxid: zxid() };
      const o = new Overlay(this, t.revision, timeMs);
      const rd = new JuteReader(buf(op.body));
      const type = op.type ?? 0;
      try {
        if (type === OpCode.multi) {
          let ops: MultiOp[];
          try {
            ops = readMulti(rd);
          } catch (err) {
            if (err instanceof JuteError) return { err: Err.MARSHALLINGERROR, zxid: zxid() };
            throw err;
          }
          const results: MultiResult[] = [];
          let failed = -1;
          let code = 0;
          for (let i = 0; i < ops.length; i++) {
            try {
              results.push(this.exec(o, session, auth, ops[i].type, ops[i].req));
            } catch (err) {
              if (!(err instanceof ZkError)) throw err;
              failed = i;
              code = err.code;
              break;
            }
          }
          if (failed >= 0) {
            const res: MultiResult[] = ops.map((_, i) => ({
              type: OpCode.error,
              err: i < failed ? Err.OK : i === failed ? code : Err.RUNTIMEINCONSISTENCY,
            }));
            return { err: code, zxid: zxid(), results: res };
          }
          this.commit(t, o);
          return { err: Err.OK, zxid: zxid(), results };
        }
        let req: unknown;
        try {
          req = decodeWrite(type, rd);
        } catch (err) {
          if (err instanceof JuteError) return { err: Err.MARSHALLINGERROR, zxid: zxid() };
          throw err;
        }
        const res = this.exec(o, session, auth, type, req);
        this.commit(t, o);
        const out: ZkApplyResult = { err: Err.OK, zxid: zxid() };
        if ('path' in res) out.path = res.path;
        if ('stat' in res) out.stat = res.stat;
        return out;
      } catch (err) {
        if (err instanceof ZkError) return { err: err.code, zxid: zxid() };
        throw err;
      }
    });
  }

  /**
   * The leader's reaper (ZooKeeper's deleteContainer request, no session): deletes a container or
   * TTL node if it is still due at the entry's time (it may have got a child or a change since).
   */
  private deleteContainer(t: WriteTxn, path: string, timeMs: number): ZkApplyResult {
    const zxid = () => (t.changed ? t.revision : t.revision - 1);
    const o = new Overlay(this, t.revision, timeMs);
    const n = path === '/' || invalidPathReason(path) !== undefined ? undefined : o.get(path);
    if (!n) return { err: Err.NONODE, zxid: zxid() };
    if (n.numChildren > 0) return { err: Err.NOTEMPTY, zxid: zxid() };
    const ttl = ttlOf(n.ephemeralOwner);
    const due =
      (n.ephemeralOwner === CONTAINER_OWNER && n.cversion > 0) ||
      (ttl !== undefined && ttl !== 0n && BigInt(timeMs - n.mtime) > ttl);
    if (!due) return { err: Err.BADVERSION, zxid: zxid() };
    this.doDelete(o, n);
    this.commit(t, o);
    return { err: Err.OK, zxid: zxid() };
  }

  /** Validates and performs one op on the overlay (PrepRequestProcessor's checks, in its order). */
  private exec(o: Overlay, session: bigint, auth: Id[], type: number, req: unknown): MultiResult {
    switch (type) {
      case OpCode.create:
      case OpCode.create2:
      case OpCode.createContainer:
      case OpCode.createTTL: {
        const n = this.create(o, session, auth, req as CreateRequest, type);
        return type === OpCode.create
          ? { type: OpCode.create, path: n.path }
          : { type: OpCode.create2, path: n.path, stat: statOf(n) };
      }
      case OpCode.delete: {
        const { path, version } = req as { path: string; version: number };
        validatePath(path);
        if (path === '/') throw new ZkError(Err.BADARGUMENTS);
        const parent = o.getMeta(parentOf(path));
        if (!parent) throw new ZkError(Err.NONODE);
        checkAcl(parent.acl, Perms.DELETE, auth);
        const n = o.getVersioned(path);
        if (!n) throw new ZkError(Err.NONODE);
        checkVersion(n.version, version);
        if (n.numChildren > 0) throw new ZkError(Err.NOTEMPTY);
        this.doDelete(o, n);
        return { type: OpCode.delete };
      }
      case OpCode.setData: {
        const { path, data, version } = req as SetDataRequest;
        validatePath(path);
        const n = o.getVersioned(path);
        if (!n) throw new ZkError(Err.NONODE);
        checkAcl(n.acl, Perms.WRITE, auth);
        checkVersion(n.version, version);
        n.version += 1;
        n.data = data;
        n.mzxid = o.rev;
        n.mtime = o.timeMs; // stored with the data key's record: the metadata is not rewritten
        o.dataReplaced(n);
        o.effects.push({ kind: 'setData', path });
        o.events.push({ type: EventType.NodeDataChanged, path });
        return { type: OpCode.setData, stat: statOf(n) };
      }
      case OpCode.setACL: {
        const { path, acl, version } = req as { path: string; acl: Acl[]; version: number };
        validatePath(path);
        const fixed = fixupAcl(acl, auth);
        const n = o.get(path);
        if (!n) throw new ZkError(Err.NONODE);
        checkAcl(n.acl, Perms.ADMIN, auth);
        checkVersion(n.aversion, version);
        n.aversion += 1;
        n.acl = fixed;
        o.touch(n);
        return { type: OpCode.setData, stat: statOf(n) };
      }
      case OpCode.check: {
        const { path, version } = req as { path: string; version: number };
        validatePath(path);
        const n = o.getVersioned(path);
        if (!n) throw new ZkError(Err.NONODE);
        checkAcl(n.acl, Perms.READ, auth);
        checkVersion(n.version, version);
        return { type: OpCode.check };
      }
      default:
        throw new ZkError(Err.UNIMPLEMENTED);
    }
  }

  private create(o: Overlay, session: bigint, auth: Id[], req: CreateRequest, type: number): ZNode {
    const flags = req.flags;
    if (flags < 0 || flags > CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL)
      throw new ZkError(Err.BADARGUMENTS);
    const ttlMode =
      flags === CreateMode.PERSISTENT_WITH_TTL ||
      flags === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL;
    // EphemeralType.validateTTL: a TTL mode needs createTTL with 0 < ttl <= 2^40-1, createTTL a TTL mode
    // (the extendedTypesEnabled switch is the proposer's, as PrepRequestProcessor's)
    if (
      type === OpCode.createTTL
        ? !ttlMode || req.ttl === undefined || req.ttl <= 0n || req.ttl > MAX_TTL
        : ttlMode
    )
      throw new ZkError(Err.BADARGUMENTS);
    const sequential =
      flags === CreateMode.PERSISTENT_SEQUENTIAL ||
      flags === CreateMode.EPHEMERAL_SEQUENTIAL ||
      flags === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL;
    const ephemeral = flags === CreateMode.EPHEMERAL || flags === CreateMode.EPHEMERAL_SEQUENTIAL;
    // as PrepRequestProcessor: the op decides the txn (createContainer → container, createTTL → TTL,
    // create/create2 → CreateTxn, so a CONTAINER flag there makes a plain persistent node)
    const owner =
      type === OpCode.createContainer
        ? CONTAINER_OWNER
        : type === OpCode.createTTL
          ? BigInt.asIntN(64, TTL_MASK | req.ttl!)
          : ephemeral
            ? session
            : 0n;
    // validatePathForCreate: a sequential path may end with '/'. Checked with a digit appended,
    // this is also the check of the final path (ZooKeeper validates that too): the suffix is
    // digits (or '-' and digits), which no rule looks at but as the character after a '.'.
    const lastSlash = req.path.lastIndexOf('/');
    if (lastSlash === -1 || req.path.indexOf('\0') !== -1) throw new ZkError(Err.BADARGUMENTS);
    validatePath(sequential ? req.path + '1' : req.path);
    if (req.path === '/') throw new ZkError(Err.NODEEXISTS);
    const parentPath = lastSlash === 0 ? '/' : req.path.slice(0, lastSlash);
    const acl = fixupAcl(req.acl, auth);
    const parent = o.getMeta(parentPath);
    if (!parent) throw new ZkError(Err.NONODE);
    checkAcl(parent.acl, Perms.CREATE, auth);
    const path = sequential ? req.path + String(parent.seq).padStart(10, '0') : req.path;
    if (ZK_KEY_PREFIX.length + Buffer.byteLength(path) > Limits.maxKeyBytes)
      throw new ZkError(Err.BADARGUMENTS);
    if (o.getMeta(path)) throw new ZkError(Err.NODEEXISTS);
    if (sessionOwned(parent.ephemeralOwner)) throw new ZkError(Err.NOCHILDRENFOREPHEMERALS);
    parent.cversion += 1;
    parent.seq += 1;
    parent.numChildren += 1;
    parent.pzxid = o.rev;
    o.touch(parent);
    const n: ZNode = {
      path,
      data: req.data,
      czxid: o.rev,
      mzxid: o.rev,
      ctime: o.timeMs,
      mtime: o.timeMs,
      version: 0,
      cversion: 0,
      aversion: 0,
      ephemeralOwner: owner,
      pzxid: o.rev,
      numChildren: 0,
      seq: 0,
      acl,
    };
    o.nodes.set(path, n);
    o.touch(n);
    o.effects.push({ kind: 'create', path, data: req.data, owner: n.ephemeralOwner });
    o.events.push(
      { type: EventType.NodeCreated, path },
      { type: EventType.NodeChildrenChanged, path: parentPath },
    );
    return n;
  }

  private doDelete(o: Overlay, n: ZNode): void {
    const parent = o.getMeta(parentOf(n.path));
    if (parent) {
      parent.cversion += 1;
      parent.numChildren -= 1;
      parent.pzxid = o.rev;
      o.touch(parent);
    }
    o.nodes.set(n.path, null);
    o.dirty.delete(n.path);
    o.effects.push({ kind: 'delete', path: n.path, owner: n.ephemeralOwner });
    o.events.push(
      { type: EventType.NodeDeleted, path: n.path },
      { type: EventType.NodeChildrenChanged, path: parentOf(n.path) },
    );
  }

  /** Writes the overlay: MVCC changes in op order (one revision), then the metadata. */
  private commit(t: WriteTxn, o: Overlay): void {
    const b = this.backend;
    for (const e of o.effects) {
      if (e.kind === 'create') {
        // newKey: a key an etcd client wrote at the path (invisible to ZooKeeper: no znode had
        // it) ends here, so the node's key starts at its create (version 0, see znodeVersion)
        t.put(dataKey(e.path), e.data, 0n, { timeMs: o.timeMs, newKey: true });
        e.slot = t.lastSlot;
        if (sessionOwned(e.owner))
          b.zkEphemerals.putSync(
            Buffer.concat([sessionKey(e.owner), Buffer.from(e.path, 'utf8')]),
            ONE,
          );
      } else if (e.kind === 'delete') {
        t.deleteRange(dataKey(e.path), EMPTY);
        this.metaWrites.set(e.path, null);
        if (sessionOwned(e.owner))
          b.zkEphemerals.removeSync(
            Buffer.concat([sessionKey(e.owner), Buffer.from(e.path, 'utf8')]),
          );
      } else {
        const n = o.nodes.get(e.path);
        if (!n) continue;
        // the slot the op's version check kept (a node created in this op has none yet)
        const slot = this.readMeta(e.path)?.dataSlot;
        t.put(dataKey(e.path), n.data, 0n, { timeMs: o.timeMs, slot });
      }
    }
    for (const path of o.dirty) {
      const n = o.nodes.get(path);
      if (n) this.metaWrites.set(path, metaOf(n));
    }
    // a new node's record keeps its data key's slot from the start (a later op of the same
    // multi may have deleted the node again: its record is gone then, and its slot retired)
    for (const e of o.effects) {
      if (e.kind !== 'create') continue;
      const m = this.metaWrites.get(e.path);
      if (m) m.dataSlot = e.slot; // the last create of the path comes last
    }
    if (this.recordEvents && o.events.length > 0 && t.changed) {
      const q = this.recent;
      const last = q.length > 0 ? q[q.length - 1] : undefined;
      if (last?.rev === t.revision) last.events.push(...o.events);
      else q.push({ rev: t.revision, events: o.events });
    }
  }
}

function validatePath(path: string): void {
  if (invalidPathReason(path) !== undefined) throw new ZkError(Err.BADARGUMENTS);
}

function checkVersion(current: number, expected: number): void {
  if (expected !== -1 && expected !== current) throw new ZkError(Err.BADVERSION);
}

function decodeWrite(type: number, r: JuteReader): unknown {
  switch (type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
      return readCreate(r);
    case OpCode.createTTL:
      return readCreate(r, true);
    case OpCode.delete:
    case OpCode.check:
      return readPathVersion(r);
    case OpCode.setData:
      return readSetData(r);
    case OpCode.setACL:
      return readSetACL(r);
    default:
      throw new ZkError(Err.UNIMPLEMENTED);
  }
}

export { OPEN_ACL_UNSAFE };
