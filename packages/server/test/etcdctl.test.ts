/**
 * etcdctl 3.4 against a running server: every command a user types must print
 * what it prints against etcd 3.4.
 *
 * Target: Concord by default; ETCDCTL_TEST_TARGET=etcd runs the same suite
 * against the real etcd (that is how the expectations below were validated).
 *
 * ETCDCTL_SKIP_PERF=1 skips the ~60 s `check perf` test.
 *
 * etcdctl 3.4 has no `get --count-only` (added in 3.5): the count is checked
 * through `-w json` instead.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  etcdctl,
  etcdctlSpawn,
  etcdctlTargetFromEnv,
  startTarget,
  RunningServer,
  EtcdctlResult,
} from './support/servers';

const target = etcdctlTargetFromEnv();

/** The last "Error: ..." line etcdctl printed on stderr (etcdctl may log JSON warnings before it). */
function errorLine(r: EtcdctlResult): string {
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('Error: '));
  return lines.length
    ? lines[lines.length - 1]
    : `(no Error: line; stderr=${JSON.stringify(r.stderr)})`;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');

describe(`etcdctl 3.4 against ${target}`, { timeout: 240_000 }, () => {
  let srv: RunningServer;
  let workDir: string;

  before(async () => {
    srv = await startTarget(target);
    workDir = fs.mkdtempSync(path.join(srv.workDir, 'ctl-'));
  });
  after(async () => {
    await srv?.stop();
  });

  async function run(args: string[], input?: string): Promise<EtcdctlResult> {
    return etcdctl(srv.endpoint, args, { input, timeoutMs: 20_000 });
  }
  /** Run, expect exit 0 and nothing but (optionally) log lines on stderr; return stdout. */
  async function ok(args: string[], input?: string): Promise<string> {
    const r = await run(args, input);
    assert.equal(r.code, 0, `etcdctl ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  }
  /** Run, expect a non-zero exit and the given final "Error: ..." line. */
  async function fails(args: string[], error: string, input?: string): Promise<EtcdctlResult> {
    const r = await run(args, input);
    assert.notEqual(r.code, 0, `etcdctl ${args.join(' ')} unexpectedly succeeded: ${r.stdout}`);
    assert.equal(errorLine(r), error);
    return r;
  }
  async function json(args: string[]): Promise<any> {
    return JSON.parse(await ok([...args, '-w', 'json']));
  }
  async function currentRevision(): Promise<number> {
    return (await json(['get', 'no-such-key-for-revision'])).header.revision;
  }

  test('put prints OK; get prints key and value lines', async () => {
    assert.equal(await ok(['put', 'basic/a', 'va']), 'OK\n');
    assert.equal(await ok(['put', 'basic/b', 'vb']), 'OK\n');
    assert.equal(await ok(['get', 'basic/a']), 'basic/a\nva\n');
    assert.equal(await ok(['get', 'basic/none']), '');
    // [key, range_end)
    assert.equal(await ok(['get', 'basic/a', 'basic/b']), 'basic/a\nva\n');
    assert.equal(await ok(['put', 'basic/a', 'va2', '--prev-kv']), 'OK\nbasic/a\nva\n');
    // value with spaces and an empty value
    assert.equal(await ok(['put', 'basic/sp', 'hello world']), 'OK\n');
    assert.equal(await ok(['get', 'basic/sp', '--print-value-only']), 'hello world\n');
    assert.equal(await ok(['put', 'basic/empty', '']), 'OK\n');
    assert.equal(await ok(['get', 'basic/empty']), 'basic/empty\n\n');
  });

  test('put -w json carries header and prev_kv', async () => {
    const before = await currentRevision();
    const r1 = await json(['put', 'pj/k', 'one']);
    assert.equal(r1.header.revision, before + 1);
    assert.equal(r1.prev_kv, undefined);
    const r2 = await json(['put', 'pj/k', 'two', '--prev-kv']);
    assert.equal(r2.header.revision, before + 2);
    assert.deepEqual(r2.prev_kv, {
      key: b64('pj/k'),
      create_revision: before + 1,
      mod_revision: before + 1,
      version: 1,
      value: b64('one'),
    });
  });

  describe('get options', () => {
    let base = 0; // revision before the fixture
    before(async () => {
      base = await currentRevision();
      // Fixture chosen so that every sort target gives a different order:
      //   key   create  mod  version  value      ascending order by target
      //   g/a      2     2      1      v5        KEY     a b c d
      //   g/b      4     8      3      v3        CREATE  c a d b
      //   g/c      1    10      2      v7        MODIFY  a b d c
      //   g/d      3     9      4      v1        VALUE   d b a c
      //                                          VERSION a c b d
      // (revisions relative to `base`)
      for (const [k, v] of [
        ['g/c', 'c1'],
        ['g/a', 'v5'],
        ['g/d', 'd1'],
        ['g/b', 'b1'],
        ['g/d', 'd2'],
        ['g/b', 'b2'],
        ['g/d', 'd3'],
        ['g/b', 'v3'],
        ['g/d', 'v1'],
        ['g/c', 'v7'],
      ]) {
        await ok(['put', k, v]);
      }
      await ok(['put', 'g0', 'after-prefix']);
    });

    test('--prefix', async () => {
      assert.equal(await ok(['get', 'g/', '--prefix']), 'g/a\nv5\ng/b\nv3\ng/c\nv7\ng/d\nv1\n');
    });
    test('--from-key', async () => {
      assert.equal(
        await ok(['get', 'g/c', '--from-key', '--keys-only']).then(firstKeys(3)),
        'g/c\ng/d\ng0\n',
      );
    });
    test('--keys-only', async () => {
      assert.equal(
        await ok(['get', 'g/', '--prefix', '--keys-only']),
        'g/a\n\ng/b\n\ng/c\n\ng/d\n\n',
      );
    });
    test('--print-value-only', async () => {
      assert.equal(await ok(['get', 'g/', '--prefix', '--print-value-only']), 'v5\nv3\nv7\nv1\n');
    });
    test('--limit, and count/more through -w json (etcdctl 3.4 has no --count-only)', async () => {
      assert.equal(await ok(['get', 'g/', '--prefix', '--limit', '2']), 'g/a\nv5\ng/b\nv3\n');
      const j = await json(['get', 'g/', '--prefix', '--limit', '2']);
      assert.equal(j.count, 4);
      assert.equal(j.more, true);
      assert.deepEqual(
        j.kvs.map((kv: any) => unb64(kv.key)),
        ['g/a', 'g/b'],
      );
      const all = await json(['get', 'g/', '--prefix']);
      assert.equal(all.count, 4);
      assert.equal(all.more, undefined);
      assert.deepEqual(
        all.kvs.map((kv: any) => [
          unb64(kv.key),
          kv.create_revision - base,
          kv.mod_revision - base,
          kv.version,
          unb64(kv.value),
        ]),
        [
          ['g/a', 2, 2, 1, 'v5'],
          ['g/b', 4, 8, 3, 'v3'],
          ['g/c', 1, 10, 2, 'v7'],
          ['g/d', 3, 9, 4, 'v1'],
        ],
      );
    });
    test('--rev reads the past', async () => {
      assert.equal(
        await ok(['get', 'g/', '--prefix', '--rev', String(base + 3)]),
        'g/a\nv5\ng/c\nc1\ng/d\nd1\n',
      );
      assert.equal(await ok(['get', 'g/b', '--rev', String(base + 6)]), 'g/b\nb2\n');
      assert.equal(await ok(['get', 'g/a', '--rev', String(base + 1)]), '');
    });
    const order = (keys: string) =>
      keys
        .split(' ')
        .map((k) => `g/${k}\n`)
        .join('');
    for (const [by, asc] of [
      ['KEY', 'a b c d'],
      ['CREATE', 'c a d b'],
      ['MODIFY', 'a b d c'],
      ['VALUE', 'd b a c'],
      ['VERSION', 'a c b d'],
    ] as const) {
      test(`--sort-by=${by} --order=ASCEND/DESCEND`, async () => {
        const ascending = order(asc);
        const descending = order(asc.split(' ').reverse().join(' '));
        assert.equal(
          await ok(['get', 'g/', '--prefix', '--keys-only', `--sort-by=${by}`]).then(dropBlank),
          ascending,
        );
        assert.equal(
          await ok([
            'get',
            'g/',
            '--prefix',
            '--keys-only',
            `--sort-by=${by}`,
            '--order=ASCEND',
          ]).then(dropBlank),
          ascending,
        );
        assert.equal(
          await ok([
            'get',
            'g/',
            '--prefix',
            '--keys-only',
            `--sort-by=${by}`,
            '--order=DESCEND',
          ]).then(dropBlank),
          descending,
        );
        // sort, then limit
        assert.equal(
          await ok([
            'get',
            'g/',
            '--prefix',
            '--keys-only',
            `--sort-by=${by}`,
            '--order=DESCEND',
            '--limit=2',
          ]).then(dropBlank),
          order(asc.split(' ').reverse().slice(0, 2).join(' ')),
        );
      });
    }
    test('--order=DESCEND alone sorts by key', async () => {
      assert.equal(
        await ok(['get', 'g/', '--prefix', '--keys-only', '--order=DESCEND']).then(dropBlank),
        order('d c b a'),
      );
    });
  });

  describe('del', () => {
    test('single key prints the number deleted', async () => {
      await ok(['put', 'd1/a', '1']);
      assert.equal(await ok(['del', 'd1/a']), '1\n');
      assert.equal(await ok(['del', 'd1/a']), '0\n');
      assert.equal(await ok(['get', 'd1/a']), '');
    });
    test('--prefix --prev-kv', async () => {
      await ok(['put', 'd2/a', '1']);
      await ok(['put', 'd2/b', '2']);
      await ok(['put', 'd2c', 'outside']);
      assert.equal(await ok(['del', 'd2/', '--prefix', '--prev-kv']), '2\nd2/a\n1\nd2/b\n2\n');
      assert.equal(await ok(['get', 'd2', '--prefix']), 'd2c\noutside\n');
    });
    test('range [key, range_end)', async () => {
      for (const k of ['a', 'b', 'c']) await ok(['put', `d3/${k}`, k]);
      assert.equal(await ok(['del', 'd3/a', 'd3/c']), '2\n');
      assert.equal(await ok(['get', 'd3/', '--prefix']), 'd3/c\nc\n');
    });
    test('--from-key --prev-kv', async () => {
      // zz* are the last keys of the keyspace: nothing in this suite sorts after them.
      await ok(['put', 'zz/a', '1']);
      await ok(['put', 'zz/b', '2']);
      assert.equal(await ok(['del', 'zz/', '--from-key', '--prev-kv']), '2\nzz/a\n1\nzz/b\n2\n');
      assert.equal(await ok(['get', 'zz/', '--from-key']), '');
    });
  });

  describe('txn -i (interactive, fed on stdin)', () => {
    const prompts =
      'compares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\n';
    test('success branch', async () => {
      await ok(['put', 'tx/a', '1']);
      const out = await ok(
        ['txn', '-i'],
        'value("tx/a") = "1"\nversion("tx/a") > "0"\ncreate("tx/a") != "0"\nmod("tx/a") < "1000000"\n\n' +
          'put tx/b yes\nget tx/a\ndel tx/none\n\n' +
          'put tx/b no\n\n',
      );
      assert.equal(out, prompts + 'SUCCESS\n\nOK\n\ntx/a\n1\n\n0\n');
      assert.equal(await ok(['get', 'tx/b', '--print-value-only']), 'yes\n');
    });
    test('failure branch', async () => {
      const out = await ok(
        ['txn', '-i'],
        'value("tx/a") = "2"\n\n' +
          'put tx/b yes\n\n' +
          'put tx/b no\nget tx/b\ndel tx/a --prev-kv\n\n',
      );
      assert.equal(out, prompts + 'FAILURE\n\nOK\n\ntx/b\nno\n\n1\ntx/a\n1\n');
      assert.equal(await ok(['get', 'tx/a']), '');
    });
    test('empty txn succeeds', async () => {
      assert.equal(await ok(['txn', '-i'], '\n\n\n'), prompts + 'SUCCESS\n');
    });
    test('-w json', async () => {
      const rev = await currentRevision();
      const j = JSON.parse(
        await ok(
          ['txn', '-w', 'json'],
          'version("tx/nothing") = "0"\n\nput tx/j 1\nget tx/j\n\n\n',
        ),
      );
      assert.equal(j.succeeded, true);
      assert.equal(j.header.revision, rev + 1);
      assert.deepEqual(j.responses[0], {
        Response: { ResponsePut: { header: { revision: rev + 1 } } },
      });
      assert.deepEqual(j.responses[1].Response.ResponseRange.kvs, [
        {
          key: b64('tx/j'),
          create_revision: rev + 1,
          mod_revision: rev + 1,
          version: 1,
          value: b64('1'),
        },
      ]);
      assert.equal(j.responses[1].Response.ResponseRange.count, 1);
    });
    test('duplicate key in one txn is rejected', async () => {
      await fails(
        ['txn', '-i'],
        'Error: etcdserver: duplicate key given in txn request',
        '\nput tx/d 1\nput tx/d 2\n\n\n',
      );
    });
  });

  describe('watch', () => {
    test('--prefix --rev --prev-kv prints every event', async () => {
      const rev = await currentRevision();
      const w = etcdctlSpawn(srv.endpoint, [
        'watch',
        'w/',
        '--prefix',
        '--prev-kv',
        `--rev=${rev + 1}`,
      ]);
      try {
        await ok(['put', 'w/a', '1']);
        await ok(['put', 'w/a', '2']);
        await ok(['put', 'wx', 'not-watched']);
        await ok(['del', 'w/a']);
        await ok(['txn', '-i'], '\nput w/b 3\nput w/c 4\n\n\n');
        const expected =
          'PUT\nw/a\n1\n' +
          'PUT\nw/a\n1\nw/a\n2\n' +
          'DELETE\nw/a\n2\nw/a\n\n' +
          'PUT\nw/b\n3\n' +
          'PUT\nw/c\n4\n';
        const out = await w.waitFor((s) => s.length >= expected.length, 10_000);
        assert.equal(out, expected);
      } finally {
        await w.kill();
      }
    });
    test('history from --rev, single key, -w json', async () => {
      await ok(['put', 'wh', 'x']);
      const first = (await json(['get', 'wh'])).kvs[0].mod_revision;
      await ok(['put', 'wh', 'y']);
      const w = etcdctlSpawn(srv.endpoint, ['watch', 'wh', `--rev=${first}`, '-w', 'json']);
      try {
        const out = await w.waitFor((s) => {
          const lines = s.split('\n').filter(Boolean);
          return lines.reduce((n, l) => n + (JSON.parse(l).Events?.length ?? 0), 0) >= 2;
        });
        const events = out
          .split('\n')
          .filter(Boolean)
          .flatMap((l) => JSON.parse(l).Events ?? []);
        assert.deepEqual(
          events.map((e: any) => [
            e.type ?? 0,
            unb64(e.kv.key),
            unb64(e.kv.value),
            e.kv.mod_revision - first,
          ]),
          [
            [0, 'wh', 'x', 0],
            [0, 'wh', 'y', 1],
          ],
        );
      } finally {
        await w.kill();
      }
    });
  });

  describe('lease', () => {
    test('grant, put --lease, timetolive --keys, keep-alive --once, list, revoke', async () => {
      const grant = await ok(['lease', 'grant', '100']);
      const m = /^lease ([0-9a-f]{16}) granted with TTL\(100s\)\n$/.exec(grant);
      assert.ok(m, grant);
      const id = m[1];
      assert.equal(await ok(['put', 'ls/k1', 'v', `--lease=${id}`]), 'OK\n');
      assert.equal(await ok(['put', 'ls/k2', 'v', `--lease=${id}`]), 'OK\n');
      const ttl = await ok(['lease', 'timetolive', id, '--keys']);
      assert.match(
        ttl,
        new RegExp(
          `^lease ${id} granted with TTL\\(100s\\), remaining\\((9\\d|100)s\\), attached keys\\(\\[(ls/k1 ls/k2|ls/k2 ls/k1)\\]\\)\\n$`,
        ),
      );
      const ttlJson = JSON.parse(await ok(['lease', 'timetolive', id, '--keys', '-w', 'json']));
      assert.equal(ttlJson['granted-ttl'], 100);
      assert.ok(ttlJson.ttl > 90 && ttlJson.ttl <= 100, String(ttlJson.ttl));
      // etcd does not order the attached keys
      assert.deepEqual([...ttlJson.keys].sort(), [b64('ls/k1'), b64('ls/k2')]);
      assert.equal(
        await ok(['lease', 'keep-alive', '--once', id]),
        `lease ${id} keepalived with TTL(100)\n`,
      );
      const list = await ok(['lease', 'list']);
      assert.match(list, /^found \d+ leases\n/);
      assert.ok(list.split('\n').includes(id), list);
      const rev = await currentRevision();
      assert.equal(await ok(['lease', 'revoke', id]), `lease ${id} revoked\n`);
      // Both keys go in one revision.
      assert.equal(await currentRevision(), rev + 1);
      assert.equal(await ok(['get', 'ls/', '--prefix']), '');
      assert.equal(await ok(['lease', 'timetolive', id]), `lease ${id} already expired\n`);
      assert.ok(!(await ok(['lease', 'list'])).split('\n').includes(id));
    });
    test('grant -w json and keep-alive -w json', async () => {
      const g = await json(['lease', 'grant', '30']);
      assert.equal(g.TTL, 30);
      assert.equal(g.Error, '');
      const id = BigInt(g.ID).toString(16);
      // JSON numbers above 2^53 lose precision in JSON.parse; the simple format is exact.
      const idHex = /^lease ([0-9a-f]+) granted/.exec(await ok(['lease', 'grant', '30']))![1];
      const ka = JSON.parse(await ok(['lease', 'keep-alive', '--once', idHex, '-w', 'json']));
      assert.equal(ka.TTL, 30);
      assert.ok(id.length > 0);
    });
    test('grant 0 gives the minimum TTL', async () => {
      assert.match(await ok(['lease', 'grant', '0']), /^lease [0-9a-f]+ granted with TTL\(2s\)\n$/);
    });
    test('errors', async () => {
      await fails(
        ['lease', 'revoke', '1234abcd'],
        'Error: failed to revoke lease (etcdserver: requested lease not found)',
      );
      await fails(
        ['lease', 'keep-alive', '--once', '1234abcd'],
        'Error: etcdserver: requested lease not found',
      );
      await fails(
        ['put', 'lerr', 'v', '--lease=1234abcd'],
        'Error: etcdserver: requested lease not found',
      );
      await fails(
        ['lease', 'grant', '99999999999'],
        'Error: failed to grant lease (etcdserver: too large lease TTL)',
      );
      assert.equal(
        await ok(['lease', 'timetolive', '1234abcd']),
        'lease 000000001234abcd already expired\n',
      );
    });
  });

  describe('revisions, compaction and their errors', () => {
    test('get --rev=<future> fails', async () => {
      const rev = await currentRevision();
      await fails(
        ['get', 'x', `--rev=${rev + 1000}`],
        'Error: etcdserver: mvcc: required revision is a future revision',
      );
    });
    test('compaction, then reads and watches below it fail', async () => {
      await ok(['put', 'cmp/k', 'old']);
      const old = await currentRevision();
      await ok(['put', 'cmp/k', 'new']);
      const rev = await currentRevision();
      assert.equal(await ok(['compaction', String(rev)]), `compacted revision ${rev}\n`);
      await fails(
        ['get', 'cmp/k', `--rev=${old}`],
        'Error: etcdserver: mvcc: required revision has been compacted',
      );
      // the compacted revision itself is still readable
      assert.equal(await ok(['get', 'cmp/k', `--rev=${rev}`]), 'cmp/k\nnew\n');
      await fails(
        ['compaction', String(rev)],
        'Error: etcdserver: mvcc: required revision has been compacted',
      );
      await fails(
        ['compaction', String(rev + 1000)],
        'Error: etcdserver: mvcc: required revision is a future revision',
      );
      const w = await run(['watch', 'cmp/k', `--rev=${old}`]);
      assert.notEqual(w.code, 0);
      assert.equal(errorLine(w), 'Error: watch is canceled by the server');
      assert.match(
        w.stdout + w.stderr,
        /watch was canceled \(etcdserver: mvcc: required revision has been compacted\)/,
      );
      await ok(['put', 'cmp/k', 'newer']);
      assert.equal(
        await ok(['compaction', '--physical', String(rev + 1)]),
        `compacted revision ${rev + 1}\n`,
      );
      const hk = JSON.parse(await ok(['endpoint', 'hashkv', '-w', 'json']));
      assert.equal(hk[0].HashKV.compact_revision, rev + 1);
    });
  });

  describe('maintenance and cluster', () => {
    test('endpoint status', async () => {
      const out = await ok(['endpoint', 'status']);
      // endpoint, member id (hex), version, db size, is leader, is learner, raft term, raft index, applied index, errors
      assert.match(
        out,
        new RegExp(
          `^${srv.endpoint.replace(/\./g, '\\.')}, [0-9a-f]+, 3\\.\\d+\\.\\d+, [\\d.]+ [kMG]?B, true, false, \\d+, \\d+, \\d+, \\n$`,
        ),
      );
      const j = JSON.parse(await ok(['endpoint', 'status', '-w', 'json']));
      assert.equal(j.length, 1);
      assert.equal(j[0].Endpoint, srv.endpoint);
      const st = j[0].Status;
      assert.match(st.version, /^3\.\d+\.\d+$/);
      assert.ok(st.dbSize > 0);
      assert.equal(st.leader, st.header.member_id);
      assert.ok(st.raftIndex > 0 && st.raftAppliedIndex > 0 && st.raftTerm > 0);
    });
    test('endpoint health', async () => {
      const r = await run(['endpoint', 'health']);
      assert.equal(r.code, 0);
      assert.match(
        r.stdout + r.stderr,
        new RegExp(
          `${srv.endpoint.replace(/\./g, '\\.')} is healthy: successfully committed proposal: took = `,
        ),
      );
      const j = JSON.parse(await ok(['endpoint', 'health', '-w', 'json']));
      assert.equal(j.length, 1);
      assert.equal(j[0].endpoint, srv.endpoint);
      assert.equal(j[0].health, true);
    });
    test('endpoint hashkv is stable without writes and changes with one', async () => {
      const a = await ok(['endpoint', 'hashkv']);
      assert.match(a, new RegExp(`^${srv.endpoint.replace(/\./g, '\\.')}, \\d+\\n$`));
      assert.equal(await ok(['endpoint', 'hashkv']), a);
      await ok(['put', 'hash/k', 'v']);
      assert.notEqual(await ok(['endpoint', 'hashkv']), a);
    });
    test('defrag', async () => {
      assert.equal(await ok(['defrag']), `Finished defragmenting etcd member[${srv.endpoint}]\n`);
    });
    test('snapshot save', async () => {
      const file = path.join(workDir, 'snap.db');
      assert.equal(await ok(['snapshot', 'save', file]), `Snapshot saved at ${file}\n`);
      assert.ok(fs.statSync(file).size > 0);
    });
    test('member list', async () => {
      const out = await ok(['member', 'list']);
      assert.match(
        out,
        new RegExp(
          `^[0-9a-f]+, started, t, http://127\\.0\\.0\\.1:\\d+, ${srv.url.replace(/\./g, '\\.')}, false\\n$`,
        ),
      );
      const j = JSON.parse(await ok(['member', 'list', '-w', 'json']));
      assert.equal(j.members.length, 1);
      assert.equal(j.members[0].name, 't');
      assert.deepEqual(j.members[0].clientURLs, [srv.url]);
    });
    test('alarm list is empty', async () => {
      assert.equal(await ok(['alarm', 'list']), '');
      assert.equal(await ok(['alarm', 'disarm']), '');
    });
  });

  // ~60 s of load; ETCDCTL_SKIP_PERF=1 skips it during quick iterations.
  test(
    'check perf --load=s passes',
    { timeout: 150_000, skip: process.env.ETCDCTL_SKIP_PERF === '1' },
    async () => {
      const r = await etcdctl(srv.endpoint, ['check', 'perf', '--load=s'], { timeoutMs: 140_000 });
      assert.equal(r.code, 0, `check perf failed:\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /PASS: Throughput is \d+ writes\/s/);
      assert.match(r.stdout, /PASS: Slowest request took [\d.]+s/);
      assert.match(r.stdout, /PASS: Stddev is [\d.]+s/);
      assert.match(r.stdout, /PASS\n?$/);
    },
  );
});

function dropBlank(s: string): string {
  return s
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l + '\n')
    .join('');
}
function firstKeys(n: number): (s: string) => string {
  return (s) =>
    dropBlank(s)
      .split('\n')
      .slice(0, n)
      .map((l) => l + '\n')
      .join('');
}
