/**
 * RaftSnapshots: a snapshot taken by a member records metadata only (the flushed backend is the
 * state), a follower is sent a copy of the backend made for it, and neither kind can be
 * mistaken for the other when a snapshot is received or installed.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Backend } from '../src/backend/backend';
import type { ConfState } from '../src/raft';
import { clusterMembers } from '../src/server/cluster';
import { bootstrapMembership, confStateOf, saveMembership } from '../src/server/membership';
import { RaftSnapshots } from '../src/server/raft-snapshots';
import { readSnapshotBodyLength, readSnapshotFile } from '../src/snapshot/snapshot-store';

const APPLIED_INDEX = 'server/applied_index';
const APPLIED_TERM = 'server/applied_term';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'concord-raftsnap-'));
}

/** A backend at applied index/term with a 3-member membership and `keys` revisions. */
async function backendAt(dir: string, index: number, term: number, keys: number) {
  const backend = new Backend(path.join(dir, 'db'));
  const members = clusterMembers(
    ['a', 'b', 'c'].map((name, i) => ({ name, peerUrls: [`http://127.0.0.1:${2380 + i}`] })),
    'tok',
  );
  const ms = bootstrapMembership(members, 42n);
  backend.write(() => {
    saveMembership(backend, ms);
    for (let i = 0; i < keys; i++)
      backend.revs.putSync(Buffer.from(`rev-${i}`), Buffer.alloc(100, i));
    backend.putMetaNumber(APPLIED_INDEX, index);
    backend.putMetaNumber(APPLIED_TERM, term);
  });
  return { backend, confState: confStateOf(ms) };
}

/** Runs fn against a fresh backend (see backendAt) in a temp dir, removed after. */
async function withBackend(
  at: { index: number; term: number; keys: number },
  fn: (dir: string, backend: Backend, confState: ConfState) => Promise<void>,
): Promise<void> {
  const dir = tmpDir();
  const { backend, confState } = await backendAt(dir, at.index, at.term, at.keys);
  try {
    await fn(dir, backend, confState);
  } finally {
    await backend.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('a snapshot taken by a member holds metadata only, no copy of the backend', async () => {
  await withBackend({ index: 120, term: 3, keys: 2000 }, async (dir, backend, confState) => {
    const snaps = new RaftSnapshots(path.join(dir, 'snap'));
    const s = await snaps.record(backend, {
      meta: { index: 120, term: 3, confState },
      data: Buffer.alloc(0),
    });
    assert.deepEqual(s.meta, { index: 120, term: 3, confState });
    const file = snaps.pathOf(120, 3);
    assert.equal(readSnapshotBodyLength(file), 0);
    assert.ok(fs.statSync(file).size < 1024, `snapshot file is ${fs.statSync(file).size} bytes`);
    assert.equal(snaps.hasBody(120, 3), false);
    const latest = await snaps.latest();
    assert.deepEqual(latest?.meta, { index: 120, term: 3, confState });
    // nothing else was written beside it (no backend copy left behind)
    assert.deepEqual(fs.readdirSync(snaps.dir), [path.basename(file)]);
  });
});

test('a follower is sent a copy of the backend, described by the copy itself, removed after', async () => {
  await withBackend({ index: 200, term: 4, keys: 2000 }, async (dir, backend, confState) => {
    const snaps = new RaftSnapshots(path.join(dir, 'snap'));
    const { snap, file } = await snaps.copyForSending(backend);
    assert.deepEqual(snap.meta, { index: 200, term: 4, confState });
    assert.ok(readSnapshotBodyLength(file) > 200_000, 'the copy holds the backend');
    // the body is an LMDB file with the backend's data
    const restored = path.join(dir, 'restored');
    fs.mkdirSync(restored);
    await readSnapshotFile(file, path.join(restored, 'data.mdb'));
    const copy = new Backend(restored);
    try {
      assert.equal(copy.getMetaNumber(APPLIED_INDEX), 200);
      assert.equal(copy.revs.getBinary(Buffer.from('rev-1999'))?.length, 100);
    } finally {
      await copy.close();
    }
    // not among the member's own snapshots, and gone once sent
    assert.equal(await snaps.latest(), undefined);
    await snaps.dropSent(file);
    assert.equal(fs.existsSync(file), false);
    assert.deepEqual(fs.readdirSync(path.join(snaps.dir, 'send')), []);
  });
});

test('a received snapshot without a backend is refused (it would install an empty store)', async () => {
  await withBackend({ index: 50, term: 2, keys: 10 }, async (dir, backend, confState) => {
    const sender = new RaftSnapshots(path.join(dir, 'sender'));
    await sender.record(backend, {
      meta: { index: 50, term: 2, confState },
      data: Buffer.alloc(0),
    });
    const receiver = new RaftSnapshots(path.join(dir, 'receiver'));
    const r = receiver.receive(50, 2);
    r.write(fs.readFileSync(sender.pathOf(50, 2)));
    assert.equal(await r.finish(), false);
    assert.equal(fs.existsSync(receiver.pathOf(50, 2)), false);
    // installed anyway (a file already in the snap directory), the backend refuses the empty
    // body and keeps its data
    await assert.rejects(
      backend.replaceWith((tmp) => readSnapshotFile(sender.pathOf(50, 2), tmp)),
      /empty file/,
    );
    assert.equal(backend.getMetaNumber(APPLIED_INDEX), 50);
    assert.equal(backend.revs.getBinary(Buffer.from('rev-9'))?.length, 100);
    // the same stream with a backend copy is accepted
    const { snap, file } = await sender.copyForSending(backend);
    const r2 = receiver.receive(snap.meta.index, snap.meta.term);
    r2.write(fs.readFileSync(file));
    assert.equal(await r2.finish(), true);
    assert.equal(receiver.hasBody(50, 2), true);
  });
});

test('leftover copies of an interrupted send are removed when the member starts', () => {
  const dir = tmpDir();
  try {
    const snapDir = path.join(dir, 'snap');
    fs.mkdirSync(path.join(snapDir, 'send', 'out-x'), { recursive: true });
    fs.writeFileSync(path.join(snapDir, 'send', 'out-x', 'big.snap'), Buffer.alloc(4096));
    fs.mkdirSync(path.join(snapDir, '.copy-old'));
    new RaftSnapshots(snapDir);
    assert.deepEqual(fs.readdirSync(snapDir), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
