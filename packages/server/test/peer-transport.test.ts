/**
 * The peer transport on loopback: what one member sends in a tick reaches the other whole and in
 * order, across frames that outgrow and shrink the sender's reused frame buffer.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type * as net from 'node:net';
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
  more: ClusterMember[] = [],
): PeerTransport {
  return new PeerTransport({
    self,
    members: [self, other, ...more],
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

const app = (index: number, data: Buffer, to = 2): Message => ({
  type: 'MsgApp',
  from: 1,
  to,
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

test('flush(first) writes the queued messages of that peer before those of the others', async () => {
  const [pa, pb, pc] = await freePorts(3);
  const member = (raftId: number, name: string, port: number): ClusterMember => ({
    raftId,
    id: BigInt(raftId),
    name,
    peerUrls: [`http://127.0.0.1:${port}`],
  });
  const [a, b, c] = [member(1, 'a', pa), member(2, 'b', pb), member(3, 'c', pc)];
  const got = new Map<number, Message[]>([
    [2, []],
    [3, []],
  ]);
  const none = () => undefined;
  const ta = transport(a, b, none, none, [c]);
  const tb = transport(b, a, (m) => got.get(2)!.push(m), none);
  const tc = transport(c, a, (m) => got.get(3)!.push(m), none);
  await Promise.all([ta.start(), tb.start(), tc.start()]);
  try {
    for (let i = 0; i < 200 && (got.get(2)!.length === 0 || got.get(3)!.length === 0); i++) {
      for (const to of [2, 3]) ta.send({ type: 'MsgHeartbeat', from: 1, to, term: 2, commit: 0 });
      ta.flush();
      await sleep(25);
    }
    assert.ok(got.get(2)!.length > 0 && got.get(3)!.length > 0, 'the transports never connected');

    // which peer's socket each write goes to, in order
    const writes: number[] = [];
    const outs = (ta as unknown as { out: Map<number, { sock?: net.Socket }> }).out;
    for (const [id, o] of outs) {
      const s = o.sock!;
      const write = s.write.bind(s) as (chunk: Buffer) => boolean;
      s.write = ((chunk: Buffer) => {
        writes.push(id);
        return write(chunk);
      }) as typeof s.write;
    }
    const round = (first?: number): number[] => {
      writes.length = 0;
      ta.send(app(1, Buffer.alloc(10), 2));
      ta.send(app(1, Buffer.alloc(10), 3));
      ta.flush(first);
      return [...writes];
    };
    assert.deepEqual(round(), [2, 3], 'members order without a first peer');
    assert.deepEqual(round(3), [3, 2]);
    assert.deepEqual(round(2), [2, 3]);
    // a first peer with nothing queued changes nothing for the others
    writes.length = 0;
    ta.send(app(1, Buffer.alloc(10), 2));
    ta.flush(3);
    assert.deepEqual(writes, [2]);
  } finally {
    await Promise.all([ta.close(), tb.close(), tc.close()]);
  }
});
