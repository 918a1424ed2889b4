/**
 * ZooKeeper conformance: the scenarios (config watch, service discovery, ephemeral-
 * sequential lock, leader election, multi, ACLs, session expiry, wrong password) driven with
 * node-zookeeper-client against Concord, with the key facts asserted; and, when Debian's
 * ZooKeeper is installed, the same run against the real ZooKeeper, comparing the transcripts
 * (results, error codes, stats modulo zxid/time values, event order).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { realZkAvailable, startConcordZk, startRealZk } from './support/zk';
import { runScenario } from './support/zkScenario';

const T = { timeout: 120_000 };

function find(t: unknown[], label: string): unknown {
  const e = t.find((x) => Array.isArray(x) && x[0] === label) as [string, unknown] | undefined;
  assert.ok(e, `no step ${label}`);
  return e[1];
}

describe('zookeeper conformance', () => {
  let concordTranscript: unknown[] | undefined;

  test('scenarios against Concord', T, async () => {
    const target = await startConcordZk();
    try {
      const t = await runScenario(target);
      concordTranscript = t;
      assert.equal(find(t, 'create /app'), '/app');
      assert.equal(find(t, 'create /app again'), -110);
      assert.equal(find(t, 'create /nope/x'), -101);
      assert.equal(find(t, 'setData bad version'), -103);
      assert.equal(find(t, 'delete missing'), -101);
      assert.equal(find(t, 'child of ephemeral'), -108);
      assert.equal(find(t, 'delete non-empty'), -111);
      assert.equal(find(t, 'A lock node'), '/app/lock/lock-0000000000');
      assert.equal(find(t, 'B lock node'), '/app/lock/lock-0000000001');
      assert.equal(find(t, 'persistent sequential'), '/app/lock/p-0000000002');
      assert.equal(find(t, 'B tries'), -110);
      assert.equal(find(t, 'B takes over'), '/app/leader');
      assert.deepEqual((find(t, 'B lists services') as unknown[])[0], ['s2']);
      assert.equal(find(t, 'C getData no auth'), -102);
      assert.equal(find(t, 'B setACL auth without identity'), -114);
      assert.equal(find(t, 'raw session timeout'), 4000);
      assert.equal(find(t, 'expired within 15 s'), true);
      assert.equal(find(t, 'B raw-eph gone'), null);
      assert.equal(find(t, 'reconnect expired session: timeout'), 0);
      assert.equal(find(t, 'wrong password: timeout'), 0);
      // the config watcher saw the change before the newer data
      const iEvent = t.indexOf('B event NODE_DATA_CHANGED /app');
      const iRead = t.findIndex((x) => Array.isArray(x) && x[0] === 'B getData /app');
      assert.ok(iEvent >= 0 && iEvent < iRead, 'event before the read of the new data');
      // A's close fired B's leader and children watches
      const iClosed = t.indexOf('A closed');
      assert.ok(t.indexOf('B event NODE_DELETED /app/leader') > iClosed);
      assert.ok(t.indexOf('B event NODE_CHILDREN_CHANGED /app/services') >= 0);
      assert.ok(t.indexOf('B event NODE_DELETED /app/raw-eph') >= 0);
    } finally {
      await target.stop();
    }
  });

  test(
    'same observations as Debian ZooKeeper 3.8',
    { ...T, skip: !realZkAvailable() && 'zookeeper package not installed' },
    async () => {
      const real = await startRealZk();
      let expected: unknown[];
      try {
        expected = await runScenario(real);
      } finally {
        await real.stop();
      }
      if (!concordTranscript) {
        const target = await startConcordZk();
        try {
          concordTranscript = await runScenario(target);
        } finally {
          await target.stop();
        }
      }
      assert.deepEqual(concordTranscript, expected);
    },
  );
});
