/**
 * `concord ctl`: an etcdctl-like command line client on @concord/client.
 *
 * Human output follows etcdctl 3.4 (`-w simple`, and tables for status/member list);
 * `-w json` prints the etcd response objects as etcdctl -w json does (header with
 * cluster_id/member_id/revision/raft_term, base64 keys and values, zero values omitted).
 * Errors are printed as `Error: <message>` with exit code 1.
 */
import { Command, Option } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  Client,
  CompactedError,
  DeleteResult,
  EtcdError,
  KeyValue,
  LeaseNotFoundError,
  OpResponse,
  PermissionDeniedError,
  PutResult,
  RangeResult,
  ResponseHeader,
  TxnResult,
  WatchBatch,
  parseDuration,
} from '@concord/client';
import {
  flatHeaderJson,
  goDuration,
  headerJson,
  humanBytes,
  kvJson,
  leaseHex,
  memberHex,
  omitEmpty,
  parseLeaseHex,
  renderTable,
  toJson,
} from './ctl-format';
import { readTxn, selector, sortOption } from './ctl-txn';
import {
  printSnapshotStatus,
  snapshotCommand,
  snapshotRestore,
  snapshotStatus,
  verifySnapshotFile,
} from './snapshot';

export { snapshotCommand };

type Format = 'simple' | 'json' | 'table';

interface Globals {
  endpoints: string[];
  writeOut?: Format;
  dialTimeout: string;
  commandTimeout: string;
}

/** Everything a subcommand needs: parsed globals, output, a client factory. */
class Ctx {
  readonly endpoints: string[];
  readonly dialMs: number;
  readonly commandMs: number;
  private clients: Client[] = [];

  constructor(
    private readonly g: Globals,
    readonly cmd: Command,
  ) {
    this.endpoints = g.endpoints;
    if (this.endpoints.length === 0) throw new Error('no endpoints given (--endpoints)');
    this.dialMs = duration(g.dialTimeout, 'dial-timeout');
    this.commandMs = duration(g.commandTimeout, 'command-timeout');
  }

  /** Output format; `def` when -w was not given. */
  format(def: Format = 'simple'): Format {
    return this.g.writeOut ?? def;
  }
  get json(): boolean {
    return this.format() === 'json';
  }

  client(endpoints = this.endpoints): Client {
    const c = new Client({
      endpoints,
      dialTimeoutMs: this.dialMs,
      defaultTimeoutMs: this.commandMs,
      retries: 2,
      backoffMaxMs: 500,
    });
    this.clients.push(c);
    return c;
  }

  /** Per-call options: --command-timeout (the first call also has to dial). */
  get call(): { timeoutMs: number } {
    return { timeoutMs: this.commandMs + this.dialMs };
  }

  out(s: string): void {
    process.stdout.write(s);
  }

  close(): void {
    for (const c of this.clients) c.close();
  }
}

function duration(v: string, name: string): number {
  let ms: number;
  try {
    ms = parseDuration(v);
  } catch {
    throw new Error(`invalid --${name} ${JSON.stringify(v)} (use e.g. 2s, 500ms)`);
  }
  if (!(ms > 0)) throw new Error(`invalid --${name} ${JSON.stringify(v)}: must be positive`);
  return ms;
}

const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function intArg(v: string, name: string): number {
  if (!/^-?\d+$/.test(v.trim()))
    throw new Error(`bad ${name} ${JSON.stringify(v)}: not an integer`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`bad ${name} ${JSON.stringify(v)}: out of range`);
  return n;
}

function message(err: unknown): string {
  if (err instanceof EtcdError)
    return err.details && err.details !== '' ? err.details : err.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Wraps a subcommand body: builds the context, prints `Error: ...` and exits 1 on failure,
 * exits with the returned code otherwise (streams of other libraries must not keep us alive).
 */
function run(
  body: (ctx: Ctx, args: string[], opts: Record<string, unknown>) => Promise<number | void>,
) {
  return async (...a: unknown[]): Promise<void> => {
    const cmd = a[a.length - 1] as Command;
    const opts = a[a.length - 2] as Record<string, unknown>;
    const args = a
      .slice(0, -2)
      .flat()
      .filter((x) => x !== undefined) as string[];
    let ctx: Ctx | undefined;
    let code = 0;
    try {
      ctx = new Ctx(cmd.optsWithGlobals() as unknown as Globals, cmd);
      code = (await body(ctx, args, opts)) ?? 0;
    } catch (e) {
      process.stderr.write(`Error: ${message(e)}\n`);
      code = 1;
    } finally {
      ctx?.close();
    }
    process.exit(code);
  };
}

// ---------------------------------------------------------------- printers (etcdctl simple)

function printKV(ctx: Ctx, kv: KeyValue, valueOnly: boolean): void {
  if (!valueOnly) ctx.out(kv.key.toString('utf8') + '\n');
  ctx.out(kv.value.toString('utf8') + '\n');
}

function rangeJson(r: RangeResult): Record<string, unknown> {
  return omitEmpty({
    header: headerJson(r.header),
    kvs: r.kvs.map(kvJson),
    more: r.more,
    count: r.count,
  });
}
function putJson(r: PutResult): Record<string, unknown> {
  return omitEmpty({
    header: headerJson(r.header),
    prev_kv: r.prevKv ? kvJson(r.prevKv) : undefined,
  });
}
function delJson(r: DeleteResult): Record<string, unknown> {
  return omitEmpty({
    header: headerJson(r.header),
    deleted: r.deleted,
    prev_kvs: r.prevKvs.map(kvJson),
  });
}
function txnJson(r: TxnResult): Record<string, unknown> {
  const op = (x: OpResponse): Record<string, unknown> => {
    switch (x.kind) {
      case 'get':
        return { Response: { ResponseRange: rangeJson(x.get) } };
      case 'put':
        return { Response: { ResponsePut: putJson(x.put) } };
      case 'delete':
        return { Response: { ResponseDeleteRange: delJson(x.delete) } };
      case 'txn':
        return { Response: { ResponseTxn: txnJson(x.txn) } };
    }
  };
  return omitEmpty({
    header: headerJson(r.header),
    succeeded: r.succeeded,
    responses: r.responses.map(op),
  });
}

function printGet(ctx: Ctx, r: RangeResult, o: { valueOnly?: boolean; countOnly?: boolean }): void {
  if (o.countOnly) {
    ctx.out(`${r.count}\n`);
    return;
  }
  for (const kv of r.kvs) printKV(ctx, kv, !!o.valueOnly);
}
function printPut(ctx: Ctx, r: PutResult): void {
  ctx.out('OK\n');
  if (r.prevKv) printKV(ctx, r.prevKv, false);
}
function printDel(ctx: Ctx, r: DeleteResult): void {
  ctx.out(`${r.deleted}\n`);
  for (const kv of r.prevKvs) printKV(ctx, kv, false);
}
function printTxn(ctx: Ctx, r: TxnResult): void {
  ctx.out(r.succeeded ? 'SUCCESS\n' : 'FAILURE\n');
  for (const x of r.responses) {
    ctx.out('\n');
    if (x.kind === 'get') printGet(ctx, x.get, {});
    else if (x.kind === 'put') printPut(ctx, x.put);
    else if (x.kind === 'delete') printDel(ctx, x.delete);
    else printTxn(ctx, x.txn);
  }
}

// ---------------------------------------------------------------- commands

function kvCommands(ctl: Command): void {
  ctl
    .command('get <key> [range_end]')
    .description('get a key or a range of keys')
    .option('--prefix', 'get keys with matching prefix')
    .option(
      '--from-key',
      'get keys that are greater than or equal to the given key using byte compare',
    )
    .option('--limit <n>', 'maximum number of results')
    .option('--rev <rev>', 'specify the kv revision')
    .option('--sort-by <target>', 'sort target: CREATE, KEY, MODIFY, VALUE, or VERSION')
    .option('--order <order>', 'order of results: ASCEND or DESCEND (ASCEND by default)')
    .option('--keys-only', 'get only the keys')
    .option('--print-value-only', 'only write values when using the "simple" output format')
    .option('--count-only', 'get only the count')
    .addOption(
      new Option('--consistency <l|s>', 'linearizable (l) or serializable (s)')
        .choices(['l', 's'])
        .default('l'),
    )
    .action(
      run(async (ctx, [key, end], o) => {
        if (o.keysOnly && o.countOnly)
          throw new Error(
            '`--keys-only` and `--count-only` cannot be set at the same time, choose one',
          );
        const c = ctx.client();
        const r = await c.range(key, {
          ...selector(end === undefined ? [key] : [key, end], !!o.prefix, !!o.fromKey),
          limit: o.limit !== undefined ? intArg(String(o.limit), 'limit') : undefined,
          revision: o.rev !== undefined ? intArg(String(o.rev), 'revision') : undefined,
          sort: sortOption(o.sortBy as string | undefined, o.order as string | undefined),
          keysOnly: !!o.keysOnly,
          countOnly: !!o.countOnly,
          serializable: o.consistency === 's',
          ...ctx.call,
        });
        if (ctx.json) ctx.out(toJson(rangeJson(r)) + '\n');
        else printGet(ctx, r, { valueOnly: !!o.printValueOnly, countOnly: !!o.countOnly });
      }),
    );

  ctl
    .command('put <key> [value]')
    .description('put the given key into the store')
    .option('--lease <id>', 'lease ID (in hexadecimal) to attach to the key', '0')
    .option('--prev-kv', 'return the previous key-value pair before modification')
    .option('--ignore-value', 'update the key using its current value')
    .option('--ignore-lease', 'update the key using its current lease')
    .action(
      run(async (ctx, [key, value], o) => {
        if (value === undefined && !o.ignoreValue)
          throw new Error('put command needs 1 argument and input from stdin or 2 arguments');
        if (value !== undefined && o.ignoreValue)
          throw new Error('put command needs only 1 argument when --ignore-value is set');
        const lease = parseLeaseHex(String(o.lease));
        const r = await ctx.client().put(key, value ?? '', {
          lease: lease === 0n ? undefined : lease,
          prevKv: !!o.prevKv,
          ignoreValue: !!o.ignoreValue,
          ignoreLease: !!o.ignoreLease,
          ...ctx.call,
        });
        if (ctx.json) ctx.out(toJson(putJson(r)) + '\n');
        else printPut(ctx, r);
      }),
    );

  ctl
    .command('del <key> [range_end]')
    .alias('delete')
    .description('remove the specified key or range of keys [key, range_end)')
    .option('--prefix', 'delete keys with matching prefix')
    .option(
      '--from-key',
      'delete keys that are greater than or equal to the given key using byte compare',
    )
    .option('--prev-kv', 'return deleted key-value pairs')
    .action(
      run(async (ctx, [key, end], o) => {
        const r = await ctx.client().delete(key, {
          ...selector(end === undefined ? [key] : [key, end], !!o.prefix, !!o.fromKey),
          prevKv: !!o.prevKv,
          ...ctx.call,
        });
        if (ctx.json) ctx.out(toJson(delJson(r)) + '\n');
        else printDel(ctx, r);
      }),
    );

  ctl
    .command('txn')
    .description('txn processes all the requests in one transaction (read from stdin)')
    .option('-i, --interactive', 'print the prompts for each section (compares, success, failure)')
    .action(
      run(async (ctx, _args, o) => {
        const spec = await readTxn(process.stdin, !!o.interactive, (s) => ctx.out(s));
        const r = await ctx.client().kv.txnRaw(spec, ctx.call);
        if (ctx.json) ctx.out(toJson(txnJson(r)) + '\n');
        else printTxn(ctx, r);
      }),
    );

  ctl
    .command('compact <revision>')
    .description('compact the event history in etcd')
    .option('--physical', 'wait for the compaction to physically remove all old revisions')
    .action(
      run(async (ctx, [rev], o) => {
        const n = intArg(rev, 'revision');
        const h = await ctx.client().compact(n, { physical: !!o.physical, ...ctx.call });
        if (ctx.json) ctx.out(toJson({ header: headerJson(h) }) + '\n');
        else ctx.out(`compacted revision ${n}\n`);
      }),
    );
}

function watchCommand(ctl: Command): void {
  ctl
    .command('watch <key> [range_end]')
    .description('watch events on a key or prefix (until interrupted)')
    .option('--prefix', 'watch on a prefix if prefix is set')
    .option('--rev <rev>', 'revision to start watching from')
    .option('--prev-kv', 'get the previous key-value pair before the event happens')
    .action(
      run(async (ctx, [key, end], o) => {
        const c = ctx.client();
        const w = c.watch(key, {
          ...selector(end === undefined ? [key] : [key, end], !!o.prefix, false),
          startRevision: o.rev !== undefined ? intArg(String(o.rev), 'revision') : undefined,
          prevKv: !!o.prevKv,
        });
        const onBatch = (b: WatchBatch) => {
          if (ctx.json) {
            const events = b.events.map((e) =>
              omitEmpty({
                type: e.type === 'delete' ? 1 : 0,
                kv: kvJson(e.kv),
                prev_kv: e.prevKv ? kvJson(e.prevKv) : undefined,
              }),
            );
            ctx.out(
              toJson({
                Header: headerJson(b.header),
                Events: events,
                CompactRevision: 0,
                Canceled: false,
                Created: false,
              }) + '\n',
            );
            return;
          }
          for (const e of b.events) {
            ctx.out(e.type === 'delete' ? 'DELETE\n' : 'PUT\n');
            if (e.prevKv) printKV(ctx, e.prevKv, false);
            printKV(ctx, e.kv, false);
          }
        };
        w.on('events', onBatch);
        return new Promise<number>((resolve, reject) => {
          let stopping = false;
          const stop = () => {
            stopping = true;
            void w.cancel();
            resolve(0);
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
          w.on('error', (e: EtcdError) => {
            if (stopping) return;
            if (e instanceof CompactedError)
              reject(new Error(`watch was canceled (${e.details || e.message})`));
            else reject(e);
          });
          w.on('end', () => {
            if (!stopping) resolve(0);
          });
          w.ready.catch((e: unknown) => {
            if (!stopping) reject(e);
          });
        });
      }),
    );
}

function leaseCommands(ctl: Command): void {
  const lease = ctl.command('lease').description('lease related commands');
  lease
    .command('grant <ttl>')
    .description('create a lease with a TTL in seconds')
    .action(
      run(async (ctx, [ttl]) => {
        const r = await ctx.client().lease.grant(intArg(ttl, 'TTL'), ctx.call);
        if (ctx.json)
          ctx.out(toJson({ ...flatHeaderJson(r.header), ID: r.id, TTL: r.ttl, Error: '' }) + '\n');
        else ctx.out(`lease ${leaseHex(r.id)} granted with TTL(${r.ttl}s)\n`);
      }),
    );
  lease
    .command('revoke <leaseID>')
    .description('revoke a lease (and delete its keys)')
    .action(
      run(async (ctx, [id]) => {
        const lid = parseLeaseHex(id);
        let h: ResponseHeader;
        try {
          h = await ctx.client().lease.revoke(lid, ctx.call);
        } catch (e) {
          throw new Error(`failed to revoke lease (${message(e)})`);
        }
        if (ctx.json) ctx.out(toJson({ header: headerJson(h) }) + '\n');
        else ctx.out(`lease ${leaseHex(lid)} revoked\n`);
      }),
    );
  lease
    .command('timetolive <leaseID>')
    .description('get lease information')
    .option('--keys', 'get keys attached to this lease')
    .action(
      run(async (ctx, [id], o) => {
        const lid = parseLeaseHex(id);
        const r = await ctx.client().lease.timeToLive(lid, { keys: !!o.keys, ...ctx.call });
        if (ctx.json) {
          ctx.out(
            toJson({
              ...flatHeaderJson(r.header),
              id: r.id,
              ttl: r.ttl,
              'granted-ttl': r.grantedTtl,
              keys: r.keys.length ? r.keys.map((k) => k.toString('base64')) : null,
            }) + '\n',
          );
        } else if (r.ttl === -1) {
          ctx.out(`lease ${leaseHex(lid)} already expired\n`);
        } else {
          let s = `lease ${leaseHex(r.id)} granted with TTL(${r.grantedTtl}s), remaining(${r.ttl}s)`;
          if (o.keys) s += `, attached keys([${r.keys.map((k) => k.toString('utf8')).join(' ')}])`;
          ctx.out(s + '\n');
        }
      }),
    );
  lease
    .command('list')
    .description('list all active leases')
    .action(
      run(async (ctx) => {
        const c = ctx.client();
        const ids = await c.lease.leases(ctx.call);
        if (ctx.json) {
          // LeaseLeases carries a header the SDK does not return: take the current one.
          const h = (await c.maintenance.status(ctx.call)).header;
          ctx.out(toJson({ ...flatHeaderJson(h), leases: ids.map((id) => ({ id })) }) + '\n');
          return;
        }
        ctx.out(`found ${ids.length} leases\n`);
        for (const id of ids) ctx.out(leaseHex(id) + '\n');
      }),
    );
  lease
    .command('keep-alive <leaseID>')
    .description('keep a lease alive (until interrupted, or once with --once)')
    .option('--once', 'refresh the lease once instead of continuously')
    .action(
      run(async (ctx, [id], o) => {
        const lid = parseLeaseHex(id);
        const c = ctx.client();
        const print = (ttl: number, h?: ResponseHeader) => {
          if (ctx.json)
            ctx.out(toJson({ ...(h ? flatHeaderJson(h) : {}), ID: lid, TTL: ttl }) + '\n');
          else ctx.out(`lease ${leaseHex(lid)} keepalived with TTL(${ttl})\n`);
        };
        // the keep-alive stream does not give the SDK's caller a header: take one for -w json
        const header = ctx.json ? (await c.maintenance.status(ctx.call)).header : undefined;
        if (o.once) {
          try {
            const r = await c.lease.keepAliveOnce(lid, ctx.call);
            print(r.ttl, header);
          } catch (e) {
            if (e instanceof LeaseNotFoundError)
              throw new Error(`failed to keep-alive lease (etcdserver: requested lease not found)`);
            throw e;
          }
          return;
        }
        // check first, as a missing lease ends the command at once
        const ttl = await c.lease.timeToLive(lid, ctx.call);
        if (ttl.ttl <= 0) {
          if (!ctx.json) ctx.out(`lease ${leaseHex(lid)} expired or revoked.\n`);
          return 0;
        }
        const ka = c.lease.keepAlive(lid, ttl.grantedTtl);
        return new Promise<number>((resolve) => {
          const stop = () => {
            ka.stop();
            resolve(0);
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
          ka.on('keepalive', ({ ttl: t }: { ttl: number }) => print(t, header));
          ka.on('disconnected', () => undefined);
          ka.on('lost', () => {
            if (!ctx.json) ctx.out(`lease ${leaseHex(lid)} expired or revoked.\n`);
            resolve(0);
          });
        });
      }),
    );
}

interface EpStatus {
  endpoint: string;
  status?: Awaited<ReturnType<Client['maintenance']['status']>>;
  error?: string;
}

async function statusOf(ctx: Ctx): Promise<EpStatus[]> {
  return Promise.all(
    ctx.endpoints.map(async (ep) => {
      try {
        return { endpoint: ep, status: await ctx.client([ep]).maintenance.status(ctx.call) };
      } catch (e) {
        return { endpoint: ep, error: message(e) };
      }
    }),
  );
}

async function statusCmd(ctx: Ctx): Promise<number> {
  const all = await statusOf(ctx);
  const ok = all.filter((s) => s.status);
  for (const s of all)
    if (s.error)
      process.stderr.write(`Failed to get the status of endpoint ${s.endpoint} (${s.error})\n`);
  const fmt = ctx.format('table');
  if (fmt === 'json') {
    ctx.out(
      toJson(
        ok.map(({ endpoint, status: st }) => ({
          Endpoint: endpoint,
          Status: omitEmpty({
            header: headerJson(st!.header),
            version: st!.version,
            dbSize: st!.dbSize,
            leader: BigInt.asUintN(64, st!.leader),
            raftIndex: st!.raftIndex,
            raftTerm: st!.raftTerm,
            raftAppliedIndex: st!.raftAppliedIndex,
            errors: st!.errors,
            dbSizeInUse: st!.dbSizeInUse,
            isLearner: st!.isLearner,
          }),
        })),
      ) + '\n',
    );
  } else {
    const rows = ok.map(({ endpoint, status: st }) => [
      endpoint,
      memberHex(st!.header.memberId),
      st!.version,
      humanBytes(st!.dbSize),
      String(st!.leader === st!.header.memberId),
      String(st!.isLearner),
      String(st!.raftTerm),
      String(st!.raftIndex),
      String(st!.raftAppliedIndex),
      st!.errors.join(', '),
    ]);
    if (fmt === 'table') {
      const headers = [
        'ENDPOINT',
        'ID',
        'VERSION',
        'DB SIZE',
        'IS LEADER',
        'IS LEARNER',
        'RAFT TERM',
        'RAFT INDEX',
        'RAFT APPLIED INDEX',
        'ERRORS',
      ];
      ctx.out(renderTable(headers, rows));
    } else for (const r of rows) ctx.out(r.join(', ') + '\n');
  }
  if (ok.length < all.length)
    throw new Error(`failed to get the status of ${all.length - ok.length} endpoint(s)`);
  return 0;
}

async function healthCmd(ctx: Ctx): Promise<number> {
  const results = await Promise.all(
    ctx.endpoints.map(async (ep) => {
      const start = process.hrtime.bigint();
      let error: string | undefined;
      try {
        // as etcdctl: a linearizable read has to go through the cluster
        await ctx.client([ep]).get('health', ctx.call);
      } catch (e) {
        if (!(e instanceof PermissionDeniedError)) error = message(e);
      }
      return {
        endpoint: ep,
        health: error === undefined,
        took: goDuration(process.hrtime.bigint() - start),
        error,
      };
    }),
  );
  if (ctx.json) ctx.out(toJson(results.map((r) => omitEmpty(r))) + '\n');
  else if (ctx.format() === 'table')
    ctx.out(
      renderTable(
        ['ENDPOINT', 'HEALTH', 'TOOK', 'ERROR'],
        results.map((r) => [r.endpoint, String(r.health), r.took, r.error ?? '']),
      ),
    );
  else
    for (const r of results) {
      if (r.health)
        ctx.out(`${r.endpoint} is healthy: successfully committed proposal: took = ${r.took}\n`);
      else ctx.out(`${r.endpoint} is unhealthy: failed to commit proposal: ${r.error}\n`);
    }
  if (results.some((r) => !r.health)) throw new Error('unhealthy cluster');
  return 0;
}

async function defragCmd(ctx: Ctx): Promise<number> {
  let failed = 0;
  const results: Array<Record<string, unknown>> = [];
  for (const ep of ctx.endpoints) {
    try {
      await ctx
        .client([ep])
        .maintenance.defragment({ timeoutMs: Math.max(60_000, ctx.call.timeoutMs) });
      results.push({ endpoint: ep, defragmented: true });
      if (!ctx.json) ctx.out(`Finished defragmenting etcd member[${ep}]\n`);
    } catch (e) {
      failed++;
      results.push({ endpoint: ep, defragmented: false, error: message(e) });
      if (!ctx.json)
        process.stderr.write(`Failed to defragment etcd member[${ep}] (${message(e)})\n`);
    }
  }
  if (ctx.json) ctx.out(toJson(results) + '\n');
  if (failed) throw new Error(`failed to defragment ${failed} member(s)`);
  return 0;
}

const ALARM_NUM: Record<string, number> = { none: 0, nospace: 1, corrupt: 2 };

function maintenanceCommands(ctl: Command): void {
  ctl
    .command('status')
    .description('print the status of the endpoints (table by default)')
    .action(run(statusCmd));
  ctl.command('health').description('check the health of the endpoints').action(run(healthCmd));
  const ep = ctl.command('endpoint').description('endpoint related commands (as etcdctl)');
  ep.command('status').description('print the status of the endpoints').action(run(statusCmd));
  ep.command('health').description('check the health of the endpoints').action(run(healthCmd));

  ctl
    .command('defrag')
    .description('defragment the storage of the endpoints')
    .action(run(defragCmd));

  const member = ctl.command('member').description('membership related commands');
  member
    .command('list')
    .description('list all members in the cluster')
    .action(
      run(async (ctx) => {
        const r = await ctx.client().cluster.memberList(ctx.call);
        if (ctx.json) {
          const members = r.members.map((m) =>
            omitEmpty({
              ID: BigInt.asUintN(64, m.id),
              name: m.name,
              peerURLs: m.peerURLs,
              clientURLs: m.clientURLs,
              isLearner: m.isLearner,
            }),
          );
          ctx.out(toJson({ header: headerJson(r.header), members }) + '\n');
          return;
        }
        const rows = r.members.map((m) => [
          memberHex(m.id),
          m.name === '' ? 'unstarted' : 'started',
          m.name,
          m.peerURLs.join(','),
          m.clientURLs.join(','),
          String(m.isLearner),
        ]);
        if (ctx.format() === 'table')
          ctx.out(
            renderTable(['ID', 'STATUS', 'NAME', 'PEER ADDRS', 'CLIENT ADDRS', 'IS LEARNER'], rows),
          );
        else for (const row of rows) ctx.out(row.join(', ') + '\n');
      }),
    );

  const alarm = ctl.command('alarm').description('alarm related commands');
  const printAlarms = (ctx: Ctx, alarms: Array<{ memberId: bigint; alarm: string }>) => {
    if (ctx.json) {
      const a = alarms.map((x) =>
        omitEmpty({ memberID: BigInt.asUintN(64, x.memberId), alarm: ALARM_NUM[x.alarm] ?? 0 }),
      );
      ctx.out(toJson(omitEmpty({ alarms: a })) + '\n');
      return;
    }
    for (const x of alarms)
      ctx.out(`memberID:${BigInt.asUintN(64, x.memberId)} alarm:${x.alarm.toUpperCase()} \n`);
  };
  alarm
    .command('list')
    .description('list all alarms')
    .action(
      run(async (ctx) => {
        printAlarms(ctx, await ctx.client().maintenance.alarms(ctx.call));
      }),
    );
  alarm
    .command('disarm')
    .description('disarm all alarms')
    .action(
      run(async (ctx) => {
        const c = ctx.client();
        const active = await c.maintenance.alarms(ctx.call);
        const disarmed: typeof active = [];
        for (const a of active) {
          await c.maintenance.disarmAlarm(a.alarm, a.memberId, ctx.call);
          disarmed.push(a);
        }
        printAlarms(ctx, disarmed);
      }),
    );

  const snap = ctl.command('snapshot').description('snapshot related commands');
  snap
    .command('save <filename>')
    .description('stream a snapshot of the backend of one endpoint to a file')
    .action(
      run(async (ctx, [file]) => {
        if (ctx.endpoints.length !== 1)
          throw new Error(
            `snapshot must be requested to one selected node, not multiple [${ctx.endpoints.join(' ')}]`,
          );
        const part = `${file}.part`;
        const stream = ctx.client().maintenance.snapshot({});
        const fd = fs.openSync(part, 'w', 0o600);
        let size = 0;
        try {
          for await (const chunk of stream) {
            fs.writeSync(fd, chunk as Buffer);
            size += (chunk as Buffer).length;
          }
          fs.fsyncSync(fd);
        } catch (e) {
          fs.closeSync(fd);
          fs.rmSync(part, { force: true });
          throw e;
        }
        fs.closeSync(fd);
        try {
          await verifySnapshotFile(part);
        } catch (e) {
          fs.rmSync(part, { force: true });
          throw new Error(
            `received snapshot is incomplete or corrupt (${size} bytes): ${message(e)}`,
          );
        }
        fs.renameSync(part, file);
        if (ctx.json) ctx.out(toJson({ file: path.resolve(file), size }) + '\n');
        else ctx.out(`Snapshot saved at ${file}\n`);
      }),
    );
  // offline helpers also reachable here, as in etcdctl
  snap
    .command('status <filename>')
    .description('verify a snapshot file and print hash, revision, total keys and size')
    .action(
      run(async (ctx, [file]) => {
        ctx.out(printSnapshotStatus(await snapshotStatus(file), ctx.format('table')));
      }),
    );
  snap
    .command('restore <filename>')
    .description(
      'restore a snapshot file into a new data directory (see `concord snapshot restore`)',
    )
    .requiredOption('--data-dir <dir>', 'data directory to create (must not exist or be empty)')
    .action(
      run(async (ctx, [file], o) => {
        const info = await snapshotRestore(file, { dataDir: String(o.dataDir) });
        ctx.out(
          `Restored snapshot ${file} into ${String(o.dataDir)} (revision ${info.revision}, ${info.totalKey} keys)\n`,
        );
      }),
    );
}

/** `concord ctl ...` */
export function ctlCommand(): Command {
  const ctl = new Command('ctl')
    .description('etcdctl-like command line client (etcd v3 API)')
    .option('--endpoints <list>', 'gRPC endpoints (comma separated)', list, ['127.0.0.1:2379'])
    .addOption(
      new Option(
        '-w, --write-out <format>',
        'output format: simple, json (table for status, member list, snapshot status)',
      ).choices(['simple', 'json', 'table']),
    )
    .option('--dial-timeout <duration>', 'dial timeout for client connections', '2s')
    .option(
      '--command-timeout <duration>',
      'timeout for short running commands (excluding dial timeout)',
      '5s',
    )
    .configureOutput({ outputError: (s, write) => write(s.replace(/^error:/, 'Error:')) });
  kvCommands(ctl);
  watchCommand(ctl);
  leaseCommands(ctl);
  maintenanceCommands(ctl);
  return ctl;
}
