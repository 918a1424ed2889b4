/**
 * Raft snapshots of a cluster member: files in <data-dir>/member/snap written by SnapshotStore
 * (header + body + SHA-256). The body is a compacted copy of the LMDB backend
 * (Backend.backupTo); the header's index and term are the copy's applied index and term, read
 * back from the copy itself, so the metadata always describes exactly what the body holds. The
 * header's meta is JSON { confState } (the membership at that index, also read from the copy).
 *
 * Received snapshots are streamed into a temp file in the same directory, verified end to end
 * and renamed to their final name before Raft sees the MsgSnap.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Backend } from '../backend/backend';
import { ConfState, Snapshot } from '../raft';
import { SnapshotStore, snapshotFileName } from '../snapshot/snapshot-store';
import { confStateOf, loadMembership } from './membership';

/** the state machine's meta keys (state-machine.ts) */
const META_APPLIED_INDEX = 'server/applied_index';
const META_APPLIED_TERM = 'server/applied_term';
const KEEP = 3;

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

  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.store = new SnapshotStore(dir);
    // leftovers of an interrupted copy or receive
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
   * Copies the backend and stores it as a snapshot. Entries may be applied meanwhile: the copy
   * is one LMDB read transaction, and its index, term and membership are read from the copy.
   */
  async create(backend: Backend): Promise<Snapshot> {
    const tmpDir = fs.mkdtempSync(path.join(this.dir, '.copy-'));
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
      await this.store.save(
        { index, term, meta: Buffer.from(JSON.stringify({ confState }), 'utf8') },
        file,
      );
      await this.store.purge(KEEP);
      return { meta: { index, term, confState }, data: Buffer.alloc(0) };
    } finally {
      // off the event loop: unlinking the copy (the size of the backend) took up to 100 ms in
      // a 3-member benchmark's profile, a stall for every client of this member
      await fs.promises.rm(tmpDir, { recursive: true, force: true });
    }
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
