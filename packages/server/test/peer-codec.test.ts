/**
 * The peer transport's binary encoding of Raft messages: every message type survives a round
 * trip field for field, and a damaged frame body is refused with an error, never decoded into a
 * different message.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Message } from '../src/raft';
import { decodeMessage, encodeMessage } from '../src/server/peer-transport';

const big = Buffer.alloc(2000, 7); // larger than the 1 KiB a Writer starts with: it must grow
const entry = (index: number, data: Buffer) => ({
  index,
  term: 3,
  type: 'normal' as const,
  data,
});

const samples: Message[] = [
  {
    type: 'MsgApp',
    from: 1,
    to: 2,
    term: 3,
    index: 10,
    logTerm: 2,
    commit: 9,
    noAck: false,
    entries: [entry(11, Buffer.from('a')), entry(12, big), entry(13, Buffer.alloc(0))],
  },
  // the commit notice a follower in replicate state does not answer
  {
    type: 'MsgApp',
    from: 1,
    to: 3,
    term: 3,
    index: 13,
    logTerm: 3,
    commit: 13,
    noAck: true,
    entries: [],
  },
  {
    type: 'MsgAppResp',
    from: 2,
    to: 1,
    term: 3,
    index: 13,
    reject: false,
    rejectHint: 0,
    logTerm: 0,
  },
  {
    type: 'MsgAppResp',
    from: 2,
    to: 1,
    term: 3,
    index: 13,
    reject: true,
    rejectHint: 7,
    logTerm: 2,
  },
  { type: 'MsgVote', from: 2, to: 1, term: 4, index: 13, logTerm: 3, force: true },
  { type: 'MsgPreVote', from: 2, to: 1, term: 4, index: 13, logTerm: 3, force: false },
  { type: 'MsgVoteResp', from: 1, to: 2, term: 4, reject: true },
  { type: 'MsgPreVoteResp', from: 1, to: 2, term: 4, reject: false },
  { type: 'MsgHeartbeat', from: 1, to: 2, term: 3, commit: 13 },
  { type: 'MsgHeartbeat', from: 1, to: 2, term: 3, commit: 13, context: 'read-1' },
  { type: 'MsgHeartbeatResp', from: 2, to: 1, term: 3 },
  { type: 'MsgHeartbeatResp', from: 2, to: 1, term: 3, context: 'read-1' },
  {
    type: 'MsgSnap',
    from: 1,
    to: 2,
    term: 3,
    snapshot: {
      meta: { index: 100, term: 3, confState: { voters: [1, 2, 3], learners: [4] } },
      data: big,
    },
  },
  {
    type: 'MsgProp',
    from: 2,
    to: 1,
    term: 0,
    entries: [
      { type: 'normal', data: Buffer.from('p') },
      { type: 'confChange', data: Buffer.from('{}') },
    ],
  },
  { type: 'MsgReadIndex', from: 2, to: 1, term: 0, context: 'r' },
  { type: 'MsgReadIndexResp', from: 1, to: 2, term: 3, index: 13, context: 'r' },
  { type: 'MsgTimeoutNow', from: 1, to: 2, term: 3 },
  { type: 'MsgTransferLeader', from: 2, to: 1, term: 0, transferee: 3 },
];

const body = (m: Message) => encodeMessage(m);

test('peer codec: every Raft message type round-trips', () => {
  for (const m of samples) assert.deepEqual(decodeMessage(body(m)), m, m.type);
});

test('peer codec: a MsgApp without noAck is sent as one to be answered', () => {
  const m: Message = {
    type: 'MsgApp',
    from: 1,
    to: 2,
    term: 1,
    index: 0,
    logTerm: 0,
    commit: 0,
    entries: [],
  };
  const d = decodeMessage(body(m));
  assert.equal(d.type === 'MsgApp' && d.noAck, false);
});

test('peer codec: damaged bodies are refused', () => {
  for (const m of samples) {
    const b = body(m);
    // every truncation: an error, never a shorter message
    for (let n = 0; n < b.length; n++)
      assert.throws(() => decodeMessage(b.subarray(0, n)), /peer frame/, `${m.type} cut at ${n}`);
    assert.throws(() => decodeMessage(Buffer.concat([b, Buffer.from([0])])), /trailing bytes/);
  }
  assert.throws(() => decodeMessage(Buffer.from([200])), /bad message type/);
  // a number field that is not a non-negative safe integer (here NaN as the sender id)
  const b = body(samples[0]);
  b.writeDoubleBE(NaN, 1);
  assert.throws(() => decodeMessage(b), /bad integer/);
  // an entry type byte out of range
  const p = body(samples[13]);
  p[1 + 24 + 4] = 9;
  assert.throws(() => decodeMessage(p), /bad entry type/);
});
