/** A leader's record of which follower forwarded which entries (RaftLog writes to it first). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ForwardedProposals } from '../src/server/forwarded-proposals';

test('the follower waiting longest comes first until its commit notice goes out', () => {
  const f = new ForwardedProposals();
  assert.equal(f.firstWaiting(0), undefined, 'nothing forwarded');
  f.record(5, 2); // entries up to 5 from member 2
  f.record(7, 3); // 6..7 from member 3
  f.record(8, 2);
  // nothing committed yet: the MsgApps go to member 2 first, and it stays first
  assert.equal(f.firstWaiting(4), 2);
  assert.equal(f.firstWaiting(4), 2);
  // the flush that carries commit 5 still goes to member 2 first, then 2's entries are done
  assert.equal(f.firstWaiting(5), 2);
  assert.equal(f.firstWaiting(5), 3);
  // a commit past several ranges: the oldest of them is first once more, then all are done
  assert.equal(f.firstWaiting(8), 3);
  assert.equal(f.firstWaiting(8), undefined);
});

test('a cap bounds what is kept while commits stall, and clear forgets everything', () => {
  const f = new ForwardedProposals(2);
  f.record(1, 2);
  f.record(2, 3);
  f.record(3, 4); // over the cap: untracked
  assert.equal(f.firstWaiting(1), 2);
  assert.equal(f.firstWaiting(2), 3);
  assert.equal(f.firstWaiting(3), undefined);
  f.record(4, 2);
  f.clear();
  assert.equal(f.firstWaiting(0), undefined);
});
