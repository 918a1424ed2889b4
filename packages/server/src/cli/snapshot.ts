/**
 * `concord snapshot restore|status`: offline tools for the files `concord ctl snapshot save`
 * writes (what Maintenance.Snapshot streams: an LMDB data file followed by the 32-byte
 * SHA-256 of it).
 */
import { Command, Option } from 'commander';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Backend, BackendCorruptionError, checkBackendFile } from '../backend/backend';
import { KvStore } from '../mvcc/kv-store';
import { Wal } from '../wal/wal';
import { clusterIdOf, clusterMembers, parseInitialCluster, sameUrls } from '../server/cluster';
import { bootstrapMembership, confStateOf, saveMembership } from '../server/membership';
import { RaftSnapshots } from '../server/raft-snapshots';
import { humanBytes, renderTable, toJson } from './ctl-format';

const HASH_BYTES = 32;
const CHUNK = 1024 * 1024;

export class SnapshotFileError extends Error {}

export interface SnapshotInfo {
  /** Hash of the key-value history (what Maintenance.HashKV returns at `revision`). */
  hash: number;
  revision: number;
  /** Keys alive at `revision`. */
  totalKey: number;
  /** Size of the database in the file (without the trailing checksum). */
  totalSize: number;
}

/**
 * Copies the database part of a snapshot file to `dest` (if given) while checking the
 * trailing SHA-256. Throws SnapshotFileError naming the file if it is truncated or corrupt.
 */
export async function verifySnapshotFile(file: string, dest?: string): Promise<{ size: number }> {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw new SnapshotFileError(`cannot open snapshot file ${file}: ${(e as Error).message}`);
  }
  if (!st.isFile()) throw new SnapshotFileError(`snapshot file ${file} is not a regular file`);
  if (st.size <= HASH_BYTES) {
    throw new SnapshotFileError(
      `snapshot file ${file} is truncated: ${st.size} bytes, too small to hold a database and its SHA-256`,
    );
  }
  const size = st.size - HASH_BYTES;
  const fd = fs.openSync(file, 'r');
  const out = dest ? fs.openSync(dest, 'w', 0o600) : undefined;
  try {
    const hash = crypto.createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK);
    let pos = 0;
    while (pos < size) {
      const n = fs.readSync(fd, buf, 0, Math.min(CHUNK, size - pos), pos);
      if (n <= 0)
        throw new SnapshotFileError(`snapshot file ${file} is truncated (short read at ${pos})`);
      hash.update(buf.subarray(0, n));
      if (out !== undefined) fs.writeSync(out, buf, 0, n);
      pos += n;
    }
    const want = Buffer.alloc(HASH_BYTES);
    fs.readSync(fd, want, 0, HASH_BYTES, size);
    const got = hash.digest();
    if (!got.equals(want)) {
      throw new SnapshotFileError(
        `snapshot file ${file} failed its integrity check: the SHA-256 at its end does not match its contents (the file is corrupted or truncated)`,
      );
    }
    if (out !== undefined) fs.fsyncSync(out);
    return { size };
  } finally {
    fs.closeSync(fd);
    if (out !== undefined) fs.closeSync(out);
  }
}

/** Reads revision, key count and KV hash from an LMDB database directory. */
async function inspectDb(dbDir: string): Promise<Omit<SnapshotInfo, 'totalSize'>> {
  const backend = new Backend(dbDir);
  try {
    const kv = new KvStore(backend);
    const all = Buffer.from([0]);
    const r = kv.range({
      key: all,
      rangeEnd: all,
      limit: 0,
      revision: 0,
      sortOrder: 0,
      sortTarget: 0,
      keysOnly: true,
      countOnly: true,
      minModRevision: 0,
      maxModRevision: 0,
      minCreateRevision: 0,
      maxCreateRevision: 0,
    });
    return { hash: kv.hashKV(0).hash, revision: kv.currentRevision, totalKey: r.count };
  } finally {
    await backend.close();
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    /* not supported on every platform */
  }
}

export async function snapshotStatus(file: string): Promise<SnapshotInfo> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-snapstatus-'));
  try {
    const { size } = await verifySnapshotFile(file, path.join(tmp, 'data.mdb'));
    checkSnapshotBody(file, path.join(tmp, 'data.mdb'));
    return { ...(await inspectDb(tmp)), totalSize: size };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** A hash can match a body that is no database at all: check it before LMDB maps it. */
function checkSnapshotBody(file: string, body: string): void {
  try {
    checkBackendFile(body);
  } catch (e) {
    if (e instanceof BackendCorruptionError)
      throw new SnapshotFileError(
        `snapshot file ${file} does not hold a Concord database: ${e.message.replace(/^.*?: .*?: /, '')}`,
      );
    throw e;
  }
}

export interface RestoreOptions {
  dataDir: string;
  name?: string;
  initialCluster?: string;
  initialAdvertisePeerUrls?: string[];
  initialClusterToken?: string;
}

/**
 * Restores a snapshot file into a new data dir: `<dataDir>/member/db/data.mdb`, fsynced.
 *
 * The KV data, the revision and the applied index stored in the database are kept; entries at
 * or below the applied index are never re-applied. Alarms are cleared (a restored member starts
 * without NOSPACE/CORRUPT).
 *
 * One member (no --initial-cluster, or one naming only this member): any cluster membership
 * the snapshot carries is dropped, so the data dir is served by a single member whose empty
 * WAL continues after the applied index (EtcdServer.open).
 *
 * Several members: as etcd's `snapshot restore`, the data dir is for a NEW cluster whose
 * membership comes from the flags (member IDs from peer URLs + token, as cluster-boot does):
 * that membership replaces the snapshot's in the backend meta, `member/cluster.json` names
 * this member, `member/snap` gets a Raft snapshot file at the applied index A (term T = the
 * applied term, at least 1), and the WAL starts with HardState {term T, commit A} and a
 * snapshot marker at (A, T), so Raft starts from A. Run it once per member with the same file
 * and flags (each with its own --name and --initial-advertise-peer-urls): every member then
 * holds the same snapshot at A and they elect a leader among themselves.
 */
export async function snapshotRestore(file: string, o: RestoreOptions): Promise<SnapshotInfo> {
  const dataDir = path.resolve(o.dataDir);
  if (fs.existsSync(dataDir)) {
    if (!fs.statSync(dataDir).isDirectory())
      throw new Error(`data-dir ${o.dataDir} exists and is not a directory`);
    if (fs.readdirSync(dataDir).length > 0)
      throw new Error(`data-dir ${o.dataDir} exists and is not empty; refusing to restore into it`);
  }
  if (o.initialCluster !== undefined)
    checkInitialCluster(o.initialCluster, o.name ?? 'default', o.initialAdvertisePeerUrls);
  const existed = fs.existsSync(dataDir);
  const dbDir = path.join(dataDir, 'member', 'db');
  fs.mkdirSync(dbDir, { recursive: true });
  try {
    const tmpFile = path.join(dbDir, 'data.mdb.tmp');
    const { size } = await verifySnapshotFile(file, tmpFile);
    checkSnapshotBody(file, tmpFile);
    fs.renameSync(tmpFile, path.join(dbDir, 'data.mdb'));
    fsyncDir(dbDir);
    const spec = o.initialCluster !== undefined ? parseInitialCluster(o.initialCluster) : [];
    const backend = new Backend(dbDir);
    try {
      backend.meta.removeSync(Buffer.from('server/alarms'));
      if (spec.length <= 1) backend.meta.removeSync(Buffer.from(META_MEMBERSHIP));
      else await restoreClusterMember(dataDir, backend, spec, o);
    } finally {
      await backend.close();
    }
    // Backend.close() syncs the environment; make the file itself and the dirs durable too.
    const fd = fs.openSync(path.join(dbDir, 'data.mdb'), 'r+');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fsyncDir(dbDir);
    fsyncDir(path.join(dataDir, 'member'));
    fsyncDir(dataDir);
    return { ...(await inspectDb(dbDir)), totalSize: size };
  } catch (e) {
    // leave nothing half-restored behind
    if (existed)
      for (const f of fs.readdirSync(dataDir))
        fs.rmSync(path.join(dataDir, f), { recursive: true, force: true });
    else fs.rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
}

const META_MEMBERSHIP = 'cluster/membership';
/** the state machine's meta keys (state-machine.ts) */
const META_APPLIED_INDEX = 'server/applied_index';
const META_APPLIED_TERM = 'server/applied_term';

/** Makes a restored backend the start of a new multi-member cluster (see snapshotRestore). */
async function restoreClusterMember(
  dataDir: string,
  backend: Backend,
  spec: Array<{ name: string; peerUrls: string[] }>,
  o: RestoreOptions,
): Promise<void> {
  const token = o.initialClusterToken ?? 'etcd-cluster';
  const name = o.name ?? 'default';
  const members = clusterMembers(spec, token);
  const clusterId = clusterIdOf(
    members.map((m) => m.id),
    token,
  );
  const mine =
    o.initialAdvertisePeerUrls && o.initialAdvertisePeerUrls.length > 0
      ? members.find((m) => sameUrls(m.peerUrls, o.initialAdvertisePeerUrls!))
      : members.find((m) => m.name === name);
  if (!mine) throw new Error(`--initial-cluster has no member named ${name}`);
  const applied = backend.getMetaNumber(META_APPLIED_INDEX);
  const term = Math.max(1, backend.getMetaNumber(META_APPLIED_TERM));
  const st = bootstrapMembership(members, clusterId);
  // conf-change entries at or below the applied index are never applied again
  st.index = applied;
  saveMembership(backend, st);
  backend.putMetaNumber(META_APPLIED_TERM, term);
  await backend.flush();
  const memberDir = path.join(dataDir, 'member');
  // this member's identity, as cluster-boot writes it on a first start
  const ident = {
    memberId: mine.id.toString(16),
    raftId: mine.raftId,
    clusterId: clusterId.toString(16),
    name,
  };
  const idFile = path.join(memberDir, 'cluster.json');
  fs.writeFileSync(idFile, JSON.stringify(ident));
  const fd = fs.openSync(idFile, 'r');
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  if (applied === 0) return; // an empty store: an ordinary new cluster
  // the Raft snapshot the log starts after: the backend holds everything up to `applied`
  await new RaftSnapshots(path.join(memberDir, 'snap')).record(backend, {
    meta: { index: applied, term, confState: confStateOf(st) },
    data: Buffer.alloc(0),
  });
  // the WAL: the log starts after `applied` (segment first index applied + 1)
  const { wal } = await Wal.open(path.join(memberDir, 'wal'), { fromIndex: applied + 1 });
  try {
    await wal.append([
      { kind: 'hardState', term, vote: 0, commit: applied },
      { kind: 'snapshot', index: applied, term },
    ]);
  } finally {
    await wal.close();
  }
}

function checkInitialCluster(spec: string, name: string, peerUrls?: string[]): void {
  const members = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((m) => {
      const i = m.indexOf('=');
      if (i <= 0)
        throw new Error(
          `--initial-cluster: malformed member ${JSON.stringify(m)} (want name=peer-url)`,
        );
      return [m.slice(0, i), m.slice(i + 1)] as const;
    });
  const mine = members.filter(([n]) => n === name).map(([, u]) => u);
  if (mine.length === 0) throw new Error(`--initial-cluster has no member named ${name}`);
  if (peerUrls && peerUrls.length > 0) {
    const a = [...mine].sort().join(',');
    const b = [...peerUrls].sort().join(',');
    if (a !== b)
      throw new Error(
        `--initial-cluster has ${name}=${a} but --initial-advertise-peer-urls is ${b}`,
      );
  }
}

export function printSnapshotStatus(info: SnapshotInfo, format: string): string {
  const hash = info.hash.toString(16).padStart(8, '0');
  if (format === 'json') return toJson(info) + '\n';
  if (format === 'simple')
    return `${hash}, ${info.revision}, ${info.totalKey}, ${humanBytes(info.totalSize)}\n`;
  return renderTable(
    ['HASH', 'REVISION', 'TOTAL KEYS', 'TOTAL SIZE'],
    [[hash, String(info.revision), String(info.totalKey), humanBytes(info.totalSize)]],
  );
}

const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function fail(err: unknown): never {
  process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

/** `concord snapshot restore|status`. */
export function snapshotCommand(): Command {
  const snap = new Command('snapshot').description('inspect and restore snapshot files (offline)');
  snap
    .command('restore <file>')
    .description('restore a snapshot file into a new data directory')
    .requiredOption('--data-dir <dir>', 'data directory to create (must not exist or be empty)')
    .option('--name <name>', 'name of the member the data dir is for', 'default')
    .option(
      '--initial-cluster <members>',
      'initial cluster configuration (name=url,...), checked against --name',
    )
    .option('--initial-advertise-peer-urls <urls>', "the member's peer URLs", list)
    .option('--initial-cluster-token <token>', 'initial cluster token', 'etcd-cluster')
    .action(async (file: string, o: Record<string, unknown>) => {
      try {
        const info = await snapshotRestore(file, {
          dataDir: String(o.dataDir),
          name: o.name as string | undefined,
          initialCluster: o.initialCluster as string | undefined,
          initialAdvertisePeerUrls: o.initialAdvertisePeerUrls as string[] | undefined,
          initialClusterToken: o.initialClusterToken as string | undefined,
        });
        const peer = (o.initialAdvertisePeerUrls as string[] | undefined)?.join(',');
        process.stdout.write(
          `Restored snapshot ${file} into ${String(o.dataDir)} (revision ${info.revision}, ${info.totalKey} keys, ${humanBytes(info.totalSize)})\n` +
            `Start the member with: concord serve --data-dir ${String(o.dataDir)} --name ${String(o.name)}` +
            (peer ? ` --initial-advertise-peer-urls ${peer}` : '') +
            (o.initialCluster ? ` --initial-cluster ${String(o.initialCluster)}` : '') +
            ` --initial-cluster-token ${String(o.initialClusterToken)}\n`,
        );
      } catch (e) {
        fail(e);
      }
    });
  snap
    .command('status <file>')
    .description('verify a snapshot file and print its hash, revision, key count and size')
    .addOption(
      new Option('-w, --write-out <format>', 'output format')
        .choices(['table', 'simple', 'json'])
        .default('table'),
    )
    .action(async (file: string, o: { writeOut: string }) => {
      try {
        process.stdout.write(printSnapshotStatus(await snapshotStatus(file), o.writeOut));
      } catch (e) {
        fail(e);
      }
    });
  return snap;
}
