/**
 * Raft snapshots of a cluster member, in <data-dir>/member/snap (SnapshotStore's files: header +
 * body + SHA-256). Two kinds, told apart by the body:
 *
 * - A snapshot taken here has no body. The backend itself is the state: every --snapshot-count
 *   entries the backend is flushed (fsync) and a file records the index, term and membership it
 *   holds from then on, so the log below that index can be compacted. Taking one costs a sync,
 *   not a copy of the whole backend (as etcd, whose snapshots do not copy its bolt database).
 * - A follower that needs entries already compacted is sent a copy of the backend made for it
 *   (copyForSending): a compacted LMDB copy in send/, whose index, term and membership are read
 *   back from the copy itself, so the metadata always describes exactly what the body holds. It
 *   is newer than the snapshot Raft asked for, and the message is sent with the copy's metadata
 *   (as etcd sends its current database). The copy is deleted once streamed.
 *
 * A received snapshot is streamed into a temp file here, verified end to end and renamed to its
 * final name before Raft sees the MsgSnap; it has a body, which is installed as the backend.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Backend } from '../backend/backend';
import { ConfState, Snapshot } from '../raft';
import {
  readSnapshotBodyLength,
  SnapshotStore,
  snapshotFileName,
  writeSnapshotFile,
} from '../snapshot/snapshot-store';
import { confStateOf, loadMembership } from './membership';

/** the state machine's meta keys (state-machine.ts) */
const META_APPLIED_INDEX = 'server/applied_index';
const META_APPLIED_TERM = 'server/applied_term';
const KEEP = 3;

function encodeMeta(confState: ConfState): Buffer {
  return Buffer.from(JSON.stringify({ confState }), 'utf8');
}

export interface SnapshotReceiver {
  readonly index: number;
  readonly term: number;
  write(chunk: Buffer): void;
  /** closes, fsyncs, verifies and renames the file; false if it is incomplete or corrupt */
  finish(): Promise<boolean>;
  abort(): void;
}

export class RaftSnapshots {
  readonly store: SnapshotStore;

  /** copies of the backend being made or streamed to followers */
  private readonly sendDir: string;

  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.store = new SnapshotStore(dir);
    this.sendDir = path.join(dir, 'send');
    // leftovers of an interrupted copy, send or receive (.copy-: the copies of older builds)
    fs.rmSync(this.sendDir, { recursive: true, force: true });
    for (const n of fs.readdirSync(dir))
      if (n.endsWith('.tmp') || n.startsWith('.copy-'))
        fs.rmSync(path.join(dir, n), { recursive: true, force: true });
  }

  pathOf(index: number, term: number): string {
    return path.join(this.dir, snapshotFileName(index, term));
  }

  /** The newest valid snapshot as Raft metadata, or undefined. */
  async latest(): Promise<Snapshot | undefined> {
    const s = await this.store.latest();
    if (!s) return undefined;
    const m = JSON.parse(s.meta.toString('utf8')) as { confState: ConfState };
    return {
      meta: { index: s.index, term: s.term, confState: m.confState },
      data: Buffer.alloc(0),
    };
  }

  /**
   * Takes a snapshot of the state the backend holds at `snap` (its applied index, that entry's
   * term and the membership then; nothing may be applied between reading them and this call):
   * flushes the backend, then records the metadata in a file without a body.
   */
  async record(backend: Backend, snap: Snapshot): Promise<Snapshot> {
    // everything committed before the flush started is on disk after it, snap.meta.index too
    await backend.flush();
    const { index, term, confState } = snap.meta;
    await this.store.save({ index, term, meta: encodeMeta(confState) });
    await this.store.purge(KEEP);
    return { meta: { index, term, confState }, data: Buffer.alloc(0) };
  }

  /**
   * A copy of the backend as a snapshot file to stream to one follower, in send/ (removed with
   * dropSent). Entries may be applied meanwhile: the copy is one LMDB read transaction, and its
   * index, term and membership are read from the copy.
   */
  async copyForSending(backend: Backend): Promise<{ snap: Snapshot; file: string }> {
    fs.mkdirSync(this.sendDir, { recursive: true });
    const tmpDir = fs.mkdtempSync(path.join(this.sendDir, '.copy-'));
    try {
      const file = path.join(tmpDir, 'data.mdb');
      await backend.backupTo(file);
      const copy = new Backend(tmpDir);
      let index: number, term: number, confState: ConfState;
      try {
        index = copy.getMetaNumber(META_APPLIED_INDEX);
        term = copy.getMetaNumber(META_APPLIED_TERM);
        const ms = loadMembership(copy);
        if (!ms) throw new Error('backend copy has no cluster membership');
        confState = confStateOf(ms);
      } finally {
        await copy.close();
      }
      // beside the copy's directory, under a name as unique as it
      const out = `${tmpDir}.snap`;
      await writeSnapshotFile(out, { index, term, meta: encodeMeta(confState) }, file);
      return { snap: { meta: { index, term, confState }, data: Buffer.alloc(0) }, file: out };
    } finally {
      // off the event loop: unlinking the copy (the size of the backend) took up to 100 ms in
      // a 3-member benchmark's profile, a stall for every client of this member
      await fs.promises.rm(tmpDir, { recursive: true, force: true });
    }
  }

  /** Removes a copy made by copyForSending. */
  async dropSent(file: string): Promise<void> {
    await fs.promises.rm(file, { force: true });
  }

  /** Whether the stored snapshot `index`/`term` holds a backend (received), not only metadata. */
  hasBody(index: number, term: number): boolean {
    return readSnapshotBodyLength(this.pathOf(index, term)) > 0;
  }

  /** Starts receiving a streamed snapshot file (header + body + hash, as stored). */
  receive(index: number, term: number): SnapshotReceiver {
    const final = this.pathOf(index, term);
    const tmp = `${final}.${process.pid}.${Date.now()}.recv.tmp`;
    const fd = fs.openSync(tmp, 'w');
    let open = true;
    const close = () => {
      if (open) fs.closeSync(fd);
      open = false;
    };
    const store = this.store;
    const dir = this.dir;
    return {
      index,
      term,
      write(chunk: Buffer): void {
        let off = 0;
        while (off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off);
      },
      async finish(): Promise<boolean> {
        try {
          fs.fsyncSync(fd);
          close();
          const m = await store.verify(tmp);
          if (m.index !== index || m.term !== term)
            throw new Error(`snapshot header ${m.index}/${m.term} does not match ${index}/${term}`);
          // a leader sends a copy of its backend: a snapshot of metadata only is not installable
          if (readSnapshotBodyLength(tmp) === 0) throw new Error('snapshot without a backend');
          fs.renameSync(tmp, final);
          const d = fs.openSync(dir, 'r');
          fs.fsyncSync(d);
          fs.closeSync(d);
          return true;
        } catch {
          fs.rmSync(tmp, { force: true });
          return false;
        }
      },
      abort(): void {
        close();
        fs.rmSync(tmp, { force: true });
      },
    };
  }

  async purge(): Promise<void> {
    await this.store.purge(KEEP);
  }
}
