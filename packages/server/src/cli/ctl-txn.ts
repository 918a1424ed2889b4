/**
 * `concord ctl txn`: etcdctl's interactive transaction format.
 *
 *   compares (one per line, e.g. mod("k") > "0", value("k") = "v"), then an empty line
 *   success operations (put/get/del with their flags), then an empty line
 *   failure operations, then an empty line (or end of input)
 */
import * as readline from 'node:readline';
import {
  cmp,
  op,
  Compare,
  CompareOp,
  Op,
  RangeOptions,
  SortOrder,
  SortTarget,
  TxnSpec,
} from '@concord/client';
import { parseLeaseHex } from './ctl-format';

/** Splits a line into words; "double quoted" (with escapes) and 'single quoted' words. */
export function splitWords(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i])) i++;
    if (i >= line.length) break;
    let word = '';
    while (i < line.length && !/\s/.test(line[i])) {
      const c = line[i];
      if (c === '"') {
        let j = i + 1;
        while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
        if (j >= line.length) throw new Error(`unterminated quote in: ${line}`);
        word += unquote(line.slice(i, j + 1));
        i = j + 1;
      } else if (c === "'") {
        const j = line.indexOf("'", i + 1);
        if (j < 0) throw new Error(`unterminated quote in: ${line}`);
        word += line.slice(i + 1, j);
        i = j + 1;
      } else {
        word += c;
        i++;
      }
    }
    out.push(word);
  }
  return out;
}

function unquote(q: string): string {
  try {
    return JSON.parse(q) as string;
  } catch {
    // Go-style escapes JSON does not know (\x41, \a, ...): keep the text between the quotes
    return q.slice(1, -1).replace(/\\(.)/g, '$1');
  }
}

const CMP_OPS: Record<string, CompareOp> = { '=': '=', '==': '=', '!=': '!=', '<': '<', '>': '>' };

/** `target("key") op "value"` as etcdctl's parseCompare. */
export function parseCompare(line: string): Compare {
  const m = /^\s*([A-Za-z]+)\(\s*("(?:[^"\\]|\\.)*")\s*\)\s*(\S+)\s*("(?:[^"\\]|\\.)*")\s*$/.exec(
    line,
  );
  if (!m) throw new Error(`malformed comparison: ${line}`);
  const [, target, qkey, opText, qval] = m;
  const key = unquote(qkey);
  const val = unquote(qval);
  const o = CMP_OPS[opText];
  if (!o) throw new Error(`malformed comparison: ${line} (unknown op ${opText})`);
  const int = (): number => {
    if (!/^-?\d+$/.test(val))
      throw new Error(`malformed comparison: ${line} (invalid integer ${JSON.stringify(val)})`);
    return Number(val);
  };
  switch (target) {
    case 'ver':
    case 'version':
      return cmp.version(key, o, int());
    case 'c':
    case 'create':
      return cmp.createRevision(key, o, int());
    case 'm':
    case 'mod':
      return cmp.modRevision(key, o, int());
    case 'val':
    case 'value':
      return cmp.value(key, o, val);
    case 'lease':
      return cmp.lease(key, o, parseLeaseHex(val));
    default:
      throw new Error(`malformed comparison: ${line} (unknown target ${target})`);
  }
}

/** Minimal flag parser for the operation lines: --flag, --flag=value, --flag value. */
function parseFlags(words: string[], spec: Record<string, 'bool' | 'value'>, what: string) {
  const args: string[] = [];
  const flags: Record<string, string | boolean> = {};
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w.startsWith('--') && w.length > 2) {
      const eq = w.indexOf('=');
      const name = eq > 0 ? w.slice(2, eq) : w.slice(2);
      const kind = spec[name];
      if (!kind) throw new Error(`unknown flag: --${name} (in ${what})`);
      if (kind === 'bool') flags[name] = eq > 0 ? w.slice(eq + 1) !== 'false' : true;
      else if (eq > 0) flags[name] = w.slice(eq + 1);
      else {
        if (i + 1 >= words.length)
          throw new Error(`flag needs an argument: --${name} (in ${what})`);
        flags[name] = words[++i];
      }
    } else args.push(w);
  }
  return { args, flags };
}

export const SORT_TARGETS: Record<string, SortTarget> = {
  KEY: 'key',
  CREATE: 'create',
  MODIFY: 'mod',
  MOD: 'mod',
  VALUE: 'value',
  VERSION: 'version',
};

/** etcdctl's --sort-by / --order rules. */
export function sortOption(sortBy?: string, order?: string): RangeOptions['sort'] | undefined {
  if (!sortBy && !order) return undefined;
  let target: SortTarget = 'key';
  if (sortBy) {
    const t = SORT_TARGETS[sortBy.toUpperCase()];
    if (!t)
      throw new Error(`bad sort target: ${sortBy} (use CREATE, KEY, MODIFY, VALUE or VERSION)`);
    target = t;
  }
  let o: SortOrder = 'ascend';
  if (order) {
    const up = order.toUpperCase();
    if (up !== 'ASCEND' && up !== 'DESCEND')
      throw new Error(`bad ordering rule: ${order} (use ASCEND or DESCEND)`);
    o = up === 'ASCEND' ? 'ascend' : 'descend';
  }
  return { target, order: o };
}

const num = (v: string | boolean | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^\d+$/.test(v)) throw new Error(`invalid --${name}: ${String(v)}`);
  return Number(v);
};

/** One operation line: `put k v [--lease=..]`, `get k [end] [--prefix ...]`, `del k [end] [...]`. */
export function parseOp(line: string): Op {
  const words = splitWords(line);
  if (words.length === 0) throw new Error('empty operation');
  const [verb, ...rest] = words;
  switch (verb) {
    case 'put': {
      const { args, flags } = parseFlags(
        rest,
        { lease: 'value', 'prev-kv': 'bool', 'ignore-value': 'bool', 'ignore-lease': 'bool' },
        line,
      );
      const ignoreValue = !!flags['ignore-value'];
      if (args.length !== (ignoreValue ? 1 : 2))
        throw new Error(
          `put command needs ${ignoreValue ? '1 argument' : '2 arguments'} (in: ${line})`,
        );
      return op.put(args[0], ignoreValue ? undefined : args[1], {
        lease: flags.lease ? parseLeaseHex(String(flags.lease)) : undefined,
        prevKv: !!flags['prev-kv'],
        ignoreValue,
        ignoreLease: !!flags['ignore-lease'],
      });
    }
    case 'get': {
      const { args, flags } = parseFlags(
        rest,
        {
          prefix: 'bool',
          'from-key': 'bool',
          limit: 'value',
          rev: 'value',
          'keys-only': 'bool',
          'count-only': 'bool',
          'sort-by': 'value',
          order: 'value',
          consistency: 'value',
        },
        line,
      );
      if (args.length < 1 || args.length > 2)
        throw new Error(`get command needs 1 or 2 arguments (in: ${line})`);
      return op.get(args[0], {
        ...selector(args, !!flags.prefix, !!flags['from-key']),
        limit: num(flags.limit, 'limit'),
        revision: num(flags.rev, 'rev'),
        keysOnly: !!flags['keys-only'],
        countOnly: !!flags['count-only'],
        sort: sortOption(flags['sort-by'] as string | undefined, flags.order as string | undefined),
      });
    }
    case 'del':
    case 'delete': {
      const { args, flags } = parseFlags(
        rest,
        { prefix: 'bool', 'from-key': 'bool', 'prev-kv': 'bool' },
        line,
      );
      if (args.length < 1 || args.length > 2)
        throw new Error(`del command needs 1 or 2 arguments (in: ${line})`);
      return op.delete(args[0], {
        ...selector(args, !!flags.prefix, !!flags['from-key']),
        prevKv: !!flags['prev-kv'],
      });
    }
    default:
      throw new Error(`invalid operation ${JSON.stringify(verb)} (use put, get or del): ${line}`);
  }
}

/** [key, range_end] + --prefix/--from-key into the SDK's selector (checked as etcdctl does). */
export function selector(
  args: string[],
  prefix: boolean,
  fromKey: boolean,
): { prefix?: boolean; fromKey?: boolean; end?: string } {
  if (prefix && fromKey)
    throw new Error('`--prefix` and `--from-key` cannot be set at the same time, choose one');
  if (args.length > 1 && (prefix || fromKey))
    throw new Error(
      `too many arguments, only accept one argument when \`--${prefix ? 'prefix' : 'from-key'}\` is set`,
    );
  if (prefix) return { prefix: true };
  if (fromKey) return { fromKey: true };
  if (args.length > 1) return { end: args[1] };
  return {};
}

/**
 * Reads the three sections from `input`. With `interactive`, prints etcdctl's prompts
 * ("compares:", "success requests (get, put, del):", "failure requests (get, put, del):").
 * End of input also ends the current section.
 */
export async function readTxn(
  input: NodeJS.ReadableStream,
  interactive: boolean,
  write: (s: string) => void,
): Promise<TxnSpec> {
  const rl = readline.createInterface({ input, terminal: false, crlfDelay: Infinity });
  const it = rl[Symbol.asyncIterator]();
  const section = async (prompt: string): Promise<string[]> => {
    if (interactive) write(prompt + '\n');
    const lines: string[] = [];
    for (;;) {
      const r = await it.next();
      if (r.done) break;
      const l = r.value.trim();
      if (l === '') break;
      lines.push(l);
    }
    return lines;
  };
  try {
    const compares = (await section('compares:')).map(parseCompare);
    const success = (await section('success requests (get, put, del):')).map(parseOp);
    const failure = (await section('failure requests (get, put, del):')).map(parseOp);
    return { compare: compares, success, failure };
  } finally {
    rl.close();
  }
}
