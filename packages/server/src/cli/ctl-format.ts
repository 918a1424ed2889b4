/**
 * Output helpers for `concord ctl`: etcdctl-compatible JSON (snake_case protobuf field names,
 * base64 bytes, zero values omitted, uint64 ids as exact JSON numbers), tables and sizes.
 */
import type { KeyValue, ResponseHeader } from '@concord/client';

const BIG = '\u0000BIG:';

/**
 * JSON.stringify that writes bigints as plain JSON numbers (cluster/member/lease ids are
 * uint64 and do not fit a double; etcdctl prints them as numbers).
 */
export function toJson(v: unknown): string {
  const s = JSON.stringify(v, (_k, x: unknown) =>
    typeof x === 'bigint' ? `${BIG}${x.toString()}` : x,
  );
  return s.replace(/"\\u0000BIG:(-?\d+)"/g, '$1');
}

/** Go's `omitempty`: drop zero numbers, false, empty strings/arrays, null and undefined. */
export function omitEmpty<T extends Record<string, unknown>>(o: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === null || v === 0 || v === 0n || v === false || v === '') continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  return out as Partial<T>;
}

const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);

export function headerJson(h: ResponseHeader): Record<string, unknown> {
  return omitEmpty({
    cluster_id: u64(h.clusterId),
    member_id: u64(h.memberId),
    revision: h.revision,
    raft_term: h.raftTerm,
  });
}

/** etcdctl flattens the header into lease responses. */
export function flatHeaderJson(h: ResponseHeader): Record<string, unknown> {
  return {
    cluster_id: u64(h.clusterId),
    member_id: u64(h.memberId),
    revision: h.revision,
    raft_term: h.raftTerm,
  };
}

export function kvJson(kv: KeyValue): Record<string, unknown> {
  return omitEmpty({
    key: kv.key.length ? kv.key.toString('base64') : '',
    create_revision: kv.createRevision,
    mod_revision: kv.modRevision,
    version: kv.version,
    value: kv.value.length ? kv.value.toString('base64') : '',
    lease: kv.lease,
  });
}

/** Lease ids are printed as etcdctl does: 16 hex digits. */
export function leaseHex(id: bigint): string {
  return u64(id).toString(16).padStart(16, '0');
}

export function memberHex(id: bigint): string {
  return u64(id).toString(16);
}

/** Parses a lease id given in hex (etcdctl's format); "0" means no lease. */
export function parseLeaseHex(s: string): bigint {
  const t = s.trim().replace(/^0x/i, '');
  if (!/^[0-9a-fA-F]{1,16}$/.test(t)) throw new Error(`bad lease ID (${s}), expecting ID in Hex`);
  return BigInt.asIntN(64, BigInt('0x' + t));
}

/** go-humanize Bytes (SI units): "57 kB", "2.1 MB". */
export function humanBytes(n: number): string {
  if (n < 10) return `${n} B`;
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  const e = Math.min(Math.floor(Math.log(n) / Math.log(1000)), units.length - 1);
  const val = Math.floor((n / 1000 ** e) * 10 + 0.5) / 10;
  return val < 10 ? `${val.toFixed(1)} ${units[e]}` : `${val.toFixed(0)} ${units[e]}`;
}

/** Go's time.Duration String() for a duration in nanoseconds (e.g. "1.62958ms"). */
export function goDuration(ns: bigint): string {
  const trim = (x: string) => (x.includes('.') ? x.replace(/0+$/, '').replace(/\.$/, '') : x);
  const n = Number(ns);
  if (n < 1e3) return `${n}ns`;
  if (n < 1e6) return `${trim((n / 1e3).toFixed(3))}µs`;
  if (n < 1e9) return `${trim((n / 1e6).toFixed(6))}ms`;
  return `${trim((n / 1e9).toFixed(9))}s`;
}

/** A table like etcdctl's (olekukonko/tablewriter): centered headers, right-aligned cells. */
export function renderTable(headers: string[], rows: string[][]): string {
  const w = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const sep = '+' + w.map((n) => '-'.repeat(n + 2)).join('+') + '+';
  const center = (s: string, n: number) => {
    const left = Math.floor((n - s.length) / 2);
    return ' '.repeat(left) + s + ' '.repeat(n - s.length - left);
  };
  const line = (cells: string[], fmt: (s: string, n: number) => string) =>
    '| ' + cells.map((c, i) => fmt(c, w[i])).join(' | ') + ' |';
  const out = [sep, line(headers, center), sep];
  for (const r of rows)
    out.push(
      line(
        r.map((c) => c ?? ''),
        (s, n) => s.padStart(n),
      ),
    );
  out.push(sep);
  return out.join('\n') + '\n';
}
