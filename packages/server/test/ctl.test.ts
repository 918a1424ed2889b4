/**
 * `concord ctl` against an in-process Concord: every command runs the built CLI as a child
 * process and checks what it prints (human output close to etcdctl's, and -w json).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { startConcord, RunningConcord } from '../src/embed';

const MAIN = path.join(__dirname, '..', 'src', 'cli', 'main.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node main.js ...args` with optional stdin, bounded by timeoutMs. */
export function cli(
  args: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [MAIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(
        new Error(`concord ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`),
      );
    }, opts.timeoutMs ?? 20_000);
    p.on('error', reject);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    p.stdin.on('error', () => undefined);
    p.stdin.end(opts.input ?? '');
  });
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('concord ctl', { timeout: 180_000 }, () => {
  let srv: RunningConcord;
  let dir: string;
  let ep: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-ctl-'));
    srv = await startConcord({
      dataDir: dir,
      listenClientUrls: ['http://127.0.0.1:0'],
      logger: pino({ level: 'silent' }),
    });
    ep = new URL(srv.clientUrls[0]).host;
  });
  after(async () => {
    await srv?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const ctl = (args: string[], input?: string) =>
    cli(['ctl', '--endpoints', ep, ...args], { input });
  async function ok(args: string[], input?: string): Promise<string> {
    const r = await ctl(args, input);
    assert.equal(r.code, 0, `ctl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout;
  }
  async function json(args: string[]): Promise<any> {
    return JSON.parse(await ok([...args, '-w', 'json']));
  }
  async function fails(args: string[], error: RegExp, input?: string): Promise<CliResult> {
    const r = await ctl(args, input);
    assert.equal(r.code, 1, `ctl ${args.join(' ')} should fail: ${r.stdout}`);
    assert.match(r.stderr, /^Error: /m);
    assert.match(r.stderr, error);
    return r;
  }

  test('put and get: human output', async () => {
    assert.equal(await ok(['put', 'kv/a', 'va']), 'OK\n');
    assert.equal(await ok(['put', 'kv/b', 'vb']), 'OK\n');
    assert.equal(await ok(['put', 'kv/c', 'hello world']), 'OK\n');
    assert.equal(await ok(['get', 'kv/a']), 'kv/a\nva\n');
    assert.equal(await ok(['get', 'kv/none']), '');
    assert.equal(await ok(['get', 'kv/a', 'kv/c']), 'kv/a\nva\nkv/b\nvb\n');
    assert.equal(await ok(['get', 'kv/', '--prefix']), 'kv/a\nva\nkv/b\nvb\nkv/c\nhello world\n');
    assert.equal(await ok(['get', 'kv/b', '--from-key']), 'kv/b\nvb\nkv/c\nhello world\n');
    assert.equal(await ok(['get', 'kv/', '--prefix', '--keys-only']), 'kv/a\n\nkv/b\n\nkv/c\n\n');
    assert.equal(await ok(['get', 'kv/a', '--print-value-only']), 'va\n');
    assert.equal(await ok(['get', 'kv/', '--prefix', '--count-only']), '3\n');
    assert.equal(await ok(['get', 'kv/', '--prefix', '--limit', '1']), 'kv/a\nva\n');
    assert.equal(
      await ok(['get', 'kv/', '--prefix', '--sort-by', 'KEY', '--order', 'DESCEND', '--keys-only']),
      'kv/c\n\nkv/b\n\nkv/a\n\n',
    );
    assert.equal(
      await ok(['get', 'kv/', '--prefix', '--order', 'descend', '--print-value-only']),
      'hello world\nvb\nva\n',
    );
  });

  test('put and get: -w json as etcdctl', async () => {
    const p = await json(['put', 'js/k', 'v1']);
    assert.deepEqual(Object.keys(p), ['header']);
    assert.deepEqual(Object.keys(p.header), ['cluster_id', 'member_id', 'revision', 'raft_term']);
    const rev = p.header.revision;
    assert.ok(rev > 1);
    await ok(['put', 'js/k', 'v2']);
    const g = await json(['get', 'js/k']);
    assert.equal(g.header.revision, rev + 1);
    assert.equal(g.count, 1);
    assert.deepEqual(g.kvs, [
      {
        key: b64('js/k'),
        create_revision: rev,
        mod_revision: rev + 1,
        version: 2,
        value: b64('v2'),
      },
    ]);
    // ids are exact uint64 numbers in the text (not rounded through a double)
    const raw = await ok(['get', 'js/k', '-w', 'json']);
    const m = /"member_id":(\d+)/.exec(raw);
    assert.ok(m);
    assert.equal(BigInt(m[1]), srv.server.memberId);
    // old revision
    const old = await json(['get', 'js/k', '--rev', String(rev)]);
    assert.equal(old.kvs[0].value, b64('v1'));
    // absent key: only the header, like etcd (count 0 omitted)
    const none = await json(['get', 'js/none']);
    assert.deepEqual(Object.keys(none), ['header']);
    // limit: more + count
    await ok(['put', 'js/l', 'x']);
    const lim = await json(['get', 'js/', '--prefix', '--limit', '1']);
    assert.equal(lim.kvs.length, 1);
    assert.equal(lim.more, true);
    assert.equal(lim.count, 2);
    // -w given before the subcommand works too
    const before = JSON.parse(await ok(['-w', 'json', 'get', 'js/k']));
    assert.equal(before.kvs[0].key, b64('js/k'));
  });

  test('put flags and del', async () => {
    await ok(['put', 'pd/a', '1']);
    assert.equal(await ok(['put', 'pd/a', '2', '--prev-kv']), 'OK\npd/a\n1\n');
    assert.equal(await ok(['put', 'pd/a', '--ignore-value']), 'OK\n');
    assert.equal(await ok(['get', 'pd/a', '--print-value-only']), '2\n');
    const pj = await json(['put', 'pd/a', '3', '--prev-kv']);
    assert.equal(pj.prev_kv.value, b64('2'));
    await ok(['put', 'pd/b', 'x']);
    await ok(['put', 'pd/c', 'y']);
    assert.equal(await ok(['del', 'pd/a', '--prev-kv']), '1\npd/a\n3\n');
    assert.equal(await ok(['del', 'pd/none']), '0\n');
    const dj = await json(['del', 'pd/', '--prefix', '--prev-kv']);
    assert.equal(dj.deleted, 2);
    assert.deepEqual(
      dj.prev_kvs.map((kv: { key: string }) => kv.key),
      [b64('pd/b'), b64('pd/c')],
    );
    assert.equal(await ok(['get', 'pd/', '--prefix']), '');
  });

  test('txn from stdin (etcdctl interactive format)', async () => {
    await ok(['put', 'tx/k', 'v']);
    const input =
      'value("tx/k") = "v"\nversion("tx/k") > "0"\n\nput tx/ok "yes it is"\nget tx/k\n\nput tx/ko no\n\n';
    assert.equal(await ok(['txn'], input), 'SUCCESS\n\nOK\n\ntx/k\nv\n');
    assert.equal(await ok(['get', 'tx/ok', '--print-value-only']), 'yes it is\n');
    // failure branch; input may end without the last blank line
    assert.equal(
      await ok(['txn'], 'mod("tx/k") = "0"\n\nput tx/x 1\n\ndel tx/ok --prev-kv'),
      'FAILURE\n\n1\ntx/ok\nyes it is\n',
    );
    // no compares: the (empty) success branch
    assert.equal((await json(['txn'])).succeeded, true);
    const r = await ctl(
      ['txn', '-w', 'json'],
      'create("tx/new") = "0"\n\nput tx/new 1\nget tx/k\n\n\n',
    );
    assert.equal(r.code, 0, r.stderr);
    const tj = JSON.parse(r.stdout);
    assert.equal(tj.succeeded, true);
    assert.ok(tj.responses[0].Response.ResponsePut.header.revision > 0);
    assert.equal(tj.responses[1].Response.ResponseRange.kvs[0].value, b64('v'));
    // interactive prompts
    assert.equal(
      await ok(['txn', '--interactive'], 'c("tx/k") > "0"\n\nget tx/nothing\n\n\n'),
      'compares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\nSUCCESS\n\n',
    );
    await fails(['txn'], /malformed comparison: bogus\("x"\) = "1"/, 'bogus("x") = "1"\n\n\n');
    await fails(['txn'], /invalid operation "frob"/, '\nfrob x\n\n');
  });

  test('lease commands', async () => {
    const g = await ok(['lease', 'grant', '60']);
    const m = /^lease ([0-9a-f]{16}) granted with TTL\(60s\)\n$/.exec(g);
    assert.ok(m, g);
    const id = m[1];
    assert.equal(await ok(['put', 'ls/k', 'v', '--lease', id]), 'OK\n');
    assert.match(
      await ok(['lease', 'timetolive', id]),
      new RegExp(`^lease ${id} granted with TTL\\(60s\\), remaining\\(\\d+s\\)\\n$`),
    );
    assert.match(
      await ok(['lease', 'timetolive', id, '--keys']),
      /, attached keys\(\[ls\/k\]\)\n$/,
    );
    const traw = await ok(['lease', 'timetolive', id, '--keys', '-w', 'json']);
    assert.equal(BigInt(/"id":(\d+)/.exec(traw)![1]), BigInt('0x' + id)); // exact, not through a double
    const tj = JSON.parse(traw);
    assert.equal(tj['granted-ttl'], 60);
    assert.deepEqual(tj.keys, [b64('ls/k')]);
    assert.ok(tj.cluster_id > 0 && tj.revision > 0);
    const list = await ok(['lease', 'list']);
    assert.match(list, /^found \d+ leases\n/);
    assert.ok(list.split('\n').includes(id));
    const lraw = await ok(['lease', 'list', '-w', 'json']);
    assert.ok(
      [...lraw.matchAll(/"id":(\d+)/g)].some((x) => BigInt(x[1]) === BigInt('0x' + id)),
      lraw,
    );
    assert.equal(
      await ok(['lease', 'keep-alive', '--once', id]),
      `lease ${id} keepalived with TTL(60)\n`,
    );
    const kj = await json(['lease', 'keep-alive', id, '--once']);
    assert.equal(kj.TTL, 60);
    const gj = await json(['lease', 'grant', '30']);
    assert.equal(gj.TTL, 30);
    assert.ok(gj.ID > 0);
    assert.equal(await ok(['lease', 'revoke', id]), `lease ${id} revoked\n`);
    assert.equal(await ok(['get', 'ls/k']), '');
    assert.equal(await ok(['lease', 'timetolive', id]), `lease ${id} already expired\n`);
    await fails(
      ['lease', 'revoke', id],
      /^Error: failed to revoke lease \(etcdserver: requested lease not found\)$/m,
    );
    await fails(['lease', 'keep-alive', '--once', id], /requested lease not found/);
    await fails(['lease', 'revoke', 'xyz'], /bad lease ID \(xyz\), expecting ID in Hex/);
    await fails(['put', 'ls/k2', 'v', '--lease', '1234abcd'], /lease not found/);
  });

  test('lease keep-alive runs until SIGINT', async () => {
    const id = /lease ([0-9a-f]+) granted/.exec(await ok(['lease', 'grant', '5']))![1];
    const p = spawn(process.execPath, [MAIN, 'ctl', '--endpoints', ep, 'lease', 'keep-alive', id], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor(
        () => out.includes(`lease ${id} keepalived with TTL(5)`),
        10_000,
        () => out,
      );
    } finally {
      p.kill('SIGINT');
    }
    const [code] = await once(p);
    assert.equal(code, 0);
  });

  test('watch prints events as etcdctl and stops on SIGINT', async () => {
    const start = (await json(['put', 'w/base', '0'])).header.revision;
    const p = spawn(
      process.execPath,
      [
        MAIN,
        'ctl',
        '--endpoints',
        ep,
        'watch',
        'w/',
        '--prefix',
        '--prev-kv',
        '--rev',
        String(start + 1),
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const pj = spawn(
      process.execPath,
      [MAIN, 'ctl', '--endpoints', ep, 'watch', 'w/k', '-w', 'json', '--rev', String(start + 1)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let outj = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    pj.stdout.on('data', (d: Buffer) => (outj += d.toString()));
    try {
      await ok(['put', 'w/k', 'a']);
      await ok(['put', 'w/k', 'b']);
      await ok(['del', 'w/k']);
      const want = 'PUT\nw/k\na\nPUT\nw/k\na\nw/k\nb\nDELETE\nw/k\nb\nw/k\n\n';
      await waitFor(
        () => out === want,
        10_000,
        () => out,
      );
      await waitFor(
        () => outj.split('\n').filter(Boolean).length === 3,
        10_000,
        () => outj,
      );
    } finally {
      p.kill('SIGINT');
      pj.kill('SIGINT');
    }
    assert.equal((await once(p))[0], 0);
    assert.equal((await once(pj))[0], 0);
    const lines = outj
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(lines[0].Header.revision, start + 1);
    assert.deepEqual(lines[0].Events, [
      {
        kv: {
          key: b64('w/k'),
          create_revision: start + 1,
          mod_revision: start + 1,
          version: 1,
          value: b64('a'),
        },
      },
    ]);
    assert.deepEqual(lines[2].Events, [
      { type: 1, kv: { key: b64('w/k'), mod_revision: start + 3 } },
    ]);
    assert.equal(lines[2].Canceled, false);
  });

  test('compact', async () => {
    const r1 = (await json(['put', 'cp/k', '1'])).header.revision;
    await ok(['put', 'cp/k', '2']);
    assert.equal(await ok(['compact', String(r1 + 1)]), `compacted revision ${r1 + 1}\n`);
    await fails(
      ['get', 'cp/k', '--rev', String(r1)],
      /^Error: etcdserver: mvcc: required revision has been compacted$/m,
    );
    const r3 = (await json(['put', 'cp/k', '3'])).header.revision;
    const j = await json(['compact', String(r3), '--physical']);
    assert.ok(j.header.revision >= r3);
    await fails(['compact', String(r1)], /required revision has been compacted/);
    await fails(['compact', 'abc'], /bad revision "abc"/);
  });

  test('status, health, member list, alarms, defrag', async () => {
    const memberHex = srv.server.memberId.toString(16);
    const st = await ok(['status']);
    const lines = st.trimEnd().split('\n');
    assert.equal(lines.length, 5);
    assert.match(
      lines[1],
      /\|\s+ENDPOINT\s+\|\s+ID\s+\|\s+VERSION\s+\|\s+DB SIZE\s+\|\s+IS LEADER\s+\|\s+IS LEARNER\s+\|\s+RAFT TERM\s+\|\s+RAFT INDEX\s+\|\s+RAFT APPLIED INDEX\s+\|\s+ERRORS\s+\|/,
    );
    const cells = lines[3].split('|').map((c) => c.trim());
    assert.equal(cells[1], ep);
    assert.equal(cells[2], memberHex);
    assert.match(cells[4], /^\d+(\.\d)? [kMG]?B$/);
    assert.equal(cells[5], 'true');
    assert.ok(
      lines.every((l) => l.length === lines[0].length),
      'table rows have the same width',
    );
    assert.match(
      await ok(['endpoint', 'status', '-w', 'simple']),
      new RegExp(`^${ep}, ${memberHex}, `),
    );
    const sj = await json(['status']);
    assert.equal(sj[0].Endpoint, ep);
    assert.equal(
      BigInt(/"leader":(\d+)/.exec(await ok(['status', '-w', 'json']))![1]),
      srv.server.memberId,
    );
    assert.ok(sj[0].Status.dbSize > 0 && sj[0].Status.raftIndex > 0);

    assert.match(
      await ok(['health']),
      new RegExp(`^${ep} is healthy: successfully committed proposal: took = [\\d.]+(ms|µs|s)\\n$`),
    );
    const hj = await json(['endpoint', 'health']);
    assert.equal(hj[0].endpoint, ep);
    assert.equal(hj[0].health, true);

    // (the member advertises the URL it was asked to listen on: port 0 here)
    assert.match(
      await ok(['member', 'list']),
      new RegExp(
        `^${memberHex}, started, default, http://127.0.0.1:2380, http://127.0.0.1:\\d+, false\n$`,
      ),
    );
    assert.match(
      await ok(['member', 'list', '-w', 'table']),
      /\|\s+ID\s+\|\s+STATUS\s+\|\s+NAME\s+\|\s+PEER ADDRS\s+\|\s+CLIENT ADDRS\s+\|\s+IS LEARNER\s+\|/,
    );
    const mj = await json(['member', 'list']);
    assert.equal(mj.members[0].name, 'default');
    assert.deepEqual(mj.members[0].peerURLs, ['http://127.0.0.1:2380']);

    assert.equal(await ok(['alarm', 'list']), '');
    assert.equal(await ok(['alarm', 'disarm']), '');
    assert.deepEqual(await json(['alarm', 'list']), {});

    assert.equal(await ok(['defrag']), `Finished defragmenting etcd member[${ep}]\n`);
    assert.equal(await ok(['get', 'kv/a', '--print-value-only']), 'va\n');
  });

  test('errors: Error: <message> and exit code 1', async () => {
    // nothing listens on port 1
    const r = await cli([
      'ctl',
      '--endpoints',
      '127.0.0.1:1',
      '--dial-timeout',
      '300ms',
      '--command-timeout',
      '1s',
      'get',
      'k',
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error: .+/);
    await fails(
      ['get', 'a', '--prefix', '--from-key'],
      /`--prefix` and `--from-key` cannot be set at the same time/,
    );
    await fails(['get', 'a', '--sort-by', 'SIZE'], /bad sort target: SIZE/);
    await fails(['put', 'only-key'], /put command needs/);
    await fails(['get', 'x', '--rev', '999999'], /required revision is a future revision/);
    await fails(['--dial-timeout', 'soon', 'get', 'x'], /invalid --dial-timeout "soon"/);
    const u = await ctl(['frobnicate']);
    assert.equal(u.code, 1);
    assert.match(u.stderr, /^Error: unknown command 'frobnicate'/);
  });
});

async function waitFor(pred: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end)
      throw new Error(`condition not met in ${timeoutMs} ms; got: ${JSON.stringify(what())}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function once(p: ReturnType<typeof spawn>): Promise<[number | null, NodeJS.Signals | null]> {
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve([p.exitCode, p.signalCode]);
    const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
    p.on('exit', (code, signal) => {
      clearTimeout(t);
      resolve([code, signal]);
    });
  });
}
