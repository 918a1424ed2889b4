/**
 * The peer transport on loopback: what one member sends in a tick reaches the other whole and in
 * order, across frames that outgrow and shrink the sender's reused frame buffer.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import pino from 'pino';
import { Message } from '../src/raft';
import { ClusterMember } from '../src/server/cluster';
import { PeerTransport } from '../src/server/peer-transport';
import { freePorts, sleep } from './support/servers';

function transport(
  self: ClusterMember,
  other: ClusterMember,
  onMessage: (m: Message) => void,
  onLeaseRenew: (id: bigint) => void,
): PeerTransport {
  return new PeerTransport({
    self,
    members: [self, other],
    clusterId: 0xc0ffeen,
    listenPeerUrls: self.peerUrls,
    hello: () => ({
      clusterId: 'c0ffee',
      memberId: self.id.toString(16),
      name: self.name,
      clientUrls: [],
    }),
    onMessage,
    onUnreachable: () => undefined,
    onHello: () => undefined,
    onLeaseRenew,
    receiveSnapshot: () => {
      throw new Error('no snapshots in this test');
    },
    membersInfo: () => ({}),
    logger: pino({ level: 'silent' }),
  });
}

const app = (index: number, data: Buffer): Message => ({
  type: 'MsgApp',
  from: 1,
  to: 2,
  term: 2,
  index: index - 1,
  logTerm: 2,
  commit: index - 1,
  noAck: false,
  entries: [{ index, term: 2, type: 'normal', data }],
});

test('a tick of messages arrives whole and in order, around one larger than the send buffer', async () => {
  const [pa, pb] = await freePorts(2);
  const a: ClusterMember = { raftId: 1, id: 0xan, name: 'a', peerUrls: [`http://127.0.0.1:${pa}`] };
  const b: ClusterMember = { raftId: 2, id: 0xbn, name: 'b', peerUrls: [`http://127.0.0.1:${pb}`] };
  // the connection pings (heartbeats) are kept apart: one may still arrive after the test's messages
  const pings: Message[] = [];
  const got: Message[] = [];
  const renewed: bigint[] = [];
  const ta = transport(
    a,
    b,
    () => undefined,
    () => undefined,
  );
  const tb = transport(
    b,
    a,
    (m) => (m.type === 'MsgHeartbeat' ? pings : got).push(m),
    (id) => renewed.push(id),
  );
  await ta.start();
  await tb.start();
  try {
    const ping: Message = { type: 'MsgHeartbeat', from: 1, to: 2, term: 2, commit: 0 };
    for (let i = 0; i < 200 && pings.length === 0; i++) {
      ta.send(ping);
      await sleep(25);
    }
    assert.ok(pings.length > 0, 'the transports never connected');

    const small = (i: number) => Buffer.alloc(100 + i, i);
    // past the 64 KiB buffer and its 1 MiB keep limit, and more than loopback takes at once: the
    // socket is still writing it when the next frames are flushed
    const huge = Buffer.alloc(12 * 1024 * 1024, 9);
    const sent = [app(1, small(1)), app(2, huge), app(3, small(3))];
    // one tick: the frames share one write
    ta.send(sent[0]);
    ta.send(sent[1]);
    ta.sendLeaseRenew(2, 77n);
    ta.send(sent[2]);
    // later ticks, after the buffer was replaced: small frames again, one flushed at once
    await new Promise((r) => setImmediate(r));
    sent.push(app(4, small(4)), app(5, small(5)));
    ta.send(sent[3]);
    ta.flush();
    ta.send(sent[4]);
    for (let i = 0; i < 400 && got.length < sent.length; i++) await sleep(10);
    assert.equal(got.length, sent.length);
    // field by field: deepEqual over the 12 MiB entry takes seconds
    got.forEach((m, i) => {
      const { entries: ge, ...gm } = m as Message & { type: 'MsgApp' };
      const { entries: se, ...sm } = sent[i] as Message & { type: 'MsgApp' };
      assert.deepEqual(gm, sm, `message ${i}`);
      assert.equal(ge.length, 1);
      assert.ok(ge[0].data.equals(se[0].data), `entry data of message ${i}`);
    });
    assert.deepEqual(renewed, [77n]);
  } finally {
    await ta.close();
    await tb.close();
  }
});
