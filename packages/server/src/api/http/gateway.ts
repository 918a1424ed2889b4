import * as http from 'node:http';
import * as path from 'node:path';
import { EventEmitter } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import type { ServiceError, ServiceRegistry, UnaryCall } from '../grpc/grpc-server';
import * as protobuf from 'protobufjs';
import { Long } from '@concord/proto';
import { services, MethodInfo } from '@concord/proto/grpc-services';
import { EtcdServer } from '../../server/etcd-server';
import { Limits } from '../../server/errors';
import { progressNotifyInterval } from '../etcd/watch-stream';
import { addEtcdServices, ServiceOptions } from '../etcd/services';
import type { GatewayHandler } from './http-api';

/**
 * etcd's grpc-gateway JSON API (/v3/... and the deprecated /v3beta/...) on the client port.
 *
 * etcd's gateway is a gRPC client of its own server; here the gateway calls the very handlers
 * the gRPC adapter registers (captured from addEtcdServices), so both share every check and
 * server call. This file only translates: proto3 JSON (as etcd 3.4's grpc-gateway v1.9 with
 * jsonpb OrigName emits and accepts it) <-> protobuf messages, gRPC status -> HTTP status.
 */

export interface GatewayOptions {
  maxTxnOps?: number;
  maxRequestBytes?: number;
  progressNotifyIntervalMs?: number;
}

/** The gateway factory startConcord takes (`gateway` option); options default to etcd's. */
export function jsonGateway(o: GatewayOptions = {}): (server: EtcdServer) => GatewayHandler {
  return (server) =>
    createGateway(server, {
      maxTxnOps: o.maxTxnOps ?? server.cfg.maxTxnOps,
      maxRequestBytes: o.maxRequestBytes ?? server.cfg.maxRequestBytes,
      progressNotifyIntervalMs: progressNotifyInterval(o.progressNotifyIntervalMs),
    });
}

/** HTTP path (after /v3/ or /v3beta/) -> gRPC method, as etcd's rpc.proto annotations map them. */
const ROUTES: Record<string, string> = {
  'kv/range': '/etcdserverpb.KV/Range',
  'kv/put': '/etcdserverpb.KV/Put',
  'kv/deleterange': '/etcdserverpb.KV/DeleteRange',
  'kv/txn': '/etcdserverpb.KV/Txn',
  'kv/compaction': '/etcdserverpb.KV/Compact',
  watch: '/etcdserverpb.Watch/Watch',
  'lease/grant': '/etcdserverpb.Lease/LeaseGrant',
  'lease/revoke': '/etcdserverpb.Lease/LeaseRevoke',
  'kv/lease/revoke': '/etcdserverpb.Lease/LeaseRevoke',
  'lease/keepalive': '/etcdserverpb.Lease/LeaseKeepAlive',
  'lease/timetolive': '/etcdserverpb.Lease/LeaseTimeToLive',
  'kv/lease/timetolive': '/etcdserverpb.Lease/LeaseTimeToLive',
  'lease/leases': '/etcdserverpb.Lease/LeaseLeases',
  'kv/lease/leases': '/etcdserverpb.Lease/LeaseLeases',
  'cluster/member/add': '/etcdserverpb.Cluster/MemberAdd',
  'cluster/member/remove': '/etcdserverpb.Cluster/MemberRemove',
  'cluster/member/update': '/etcdserverpb.Cluster/MemberUpdate',
  'cluster/member/list': '/etcdserverpb.Cluster/MemberList',
  'cluster/member/promote': '/etcdserverpb.Cluster/MemberPromote',
  'maintenance/alarm': '/etcdserverpb.Maintenance/Alarm',
  'maintenance/status': '/etcdserverpb.Maintenance/Status',
  'maintenance/defragment': '/etcdserverpb.Maintenance/Defragment',
  'maintenance/hash': '/etcdserverpb.Maintenance/Hash',
  'maintenance/hashkv': '/etcdserverpb.Maintenance/HashKV',
  'maintenance/snapshot': '/etcdserverpb.Maintenance/Snapshot',
  'maintenance/transfer-leadership': '/etcdserverpb.Maintenance/MoveLeader',
  'maintenance/downgrade': '/etcdserverpb.Maintenance/Downgrade',
  'auth/enable': '/etcdserverpb.Auth/AuthEnable',
  'auth/disable': '/etcdserverpb.Auth/AuthDisable',
  'auth/status': '/etcdserverpb.Auth/AuthStatus',
  'auth/authenticate': '/etcdserverpb.Auth/Authenticate',
  'auth/user/add': '/etcdserverpb.Auth/UserAdd',
  'auth/user/get': '/etcdserverpb.Auth/UserGet',
  'auth/user/list': '/etcdserverpb.Auth/UserList',
  'auth/user/delete': '/etcdserverpb.Auth/UserDelete',
  'auth/user/changepw': '/etcdserverpb.Auth/UserChangePassword',
  'auth/user/grant': '/etcdserverpb.Auth/UserGrantRole',
  'auth/user/revoke': '/etcdserverpb.Auth/UserRevokeRole',
  'auth/role/add': '/etcdserverpb.Auth/RoleAdd',
  'auth/role/get': '/etcdserverpb.Auth/RoleGet',
  'auth/role/list': '/etcdserverpb.Auth/RoleList',
  'auth/role/delete': '/etcdserverpb.Auth/RoleDelete',
  'auth/role/grant': '/etcdserverpb.Auth/RoleGrantPermission',
  'auth/role/revoke': '/etcdserverpb.Auth/RoleRevokePermission',
};

/** grpc-gateway v1.9 (etcd 3.4) HTTPStatusFromCode, indexed by gRPC code. */
const HTTP_STATUS = [
  200, 408, 500, 400, 504, 404, 409, 403, 429, 412, 409, 400, 501, 500, 503, 500, 401,
];
const httpStatus = (code: number): number => HTTP_STATUS[code] ?? 500;

const CORS_HEADERS = {
  'Access-Control-Allow-Headers': 'accept, content-type, authorization',
  'Access-Control-Allow-Methods': 'POST, GET, OPTIONS, PUT, DELETE',
  'Access-Control-Allow-Origin': '*',
};

const CODE_UNKNOWN = 2;
const CODE_INVALID_ARGUMENT = 3;
const CODE_RESOURCE_EXHAUSTED = 8;
const CODE_INTERNAL = 13;

/** An error with a gRPC code, before or instead of a server call. */
class StatusError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

// ------------------------------------------------------------------------------------------
// Go encoding/json compatible reading: etcd's gateway decodes bodies with json.Decoder, so a
// body is a sequence of JSON values (streams read them one by one; unary calls read the first
// and ignore the rest) and malformed JSON gets Go's messages.

class JsonNumber {
  constructor(readonly raw: string) {}
}
type JsonValue = Map<string, JsonValue> | JsonValue[] | string | JsonNumber | boolean | null;

const INCOMPLETE = Symbol('incomplete');
/** encoding/json's maxNestingDepth */
const MAX_DEPTH = 10000;

function quoteChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return "'\"'";
  const code = c.charCodeAt(0);
  if (c === '\n') return "'\\n'";
  if (c === '\r') return "'\\r'";
  if (c === '\t') return "'\\t'";
  if (code < 0x20 || code === 0x7f) return `'\\x${code.toString(16).padStart(2, '0')}'`;
  return `'${c}'`;
}

const syntax = (c: string, ctx: string) =>
  new StatusError(CODE_INVALID_ARGUMENT, `invalid character ${quoteChar(c)} ${ctx}`);
const isWs = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isDigit = (c: string) => c >= '0' && c <= '9';
const isHex = (c: string) => isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');

/** A JSON parser that keeps number literals exact (int64!) and reports errors as Go does. */
class JsonReader {
  i = 0;
  constructor(
    private readonly s: string,
    start: number,
  ) {
    this.i = start;
  }

  private peek(): string {
    if (this.i >= this.s.length) throw INCOMPLETE;
    return this.s[this.i];
  }

  ws(): void {
    while (this.i < this.s.length && isWs(this.s[this.i])) this.i++;
  }

  /** One value; iterative (an explicit stack), so deep nesting cannot overflow the JS stack. */
  value(): JsonValue {
    type Frame = { map: Map<string, JsonValue>; key: string } | { arr: JsonValue[] };
    const stack: Frame[] = [];
    for (;;) {
      // a value starts here
      this.ws();
      let c = this.peek();
      let v: JsonValue;
      if (c === '{' || c === '[') {
        if (stack.length + 1 > MAX_DEPTH) throw syntax(c, 'exceeded max depth');
        this.i++;
        this.ws();
        const close = this.peek();
        if (c === '{' && close === '}') {
          this.i++;
          v = new Map();
        } else if (c === '[' && close === ']') {
          this.i++;
          v = [];
        } else if (c === '{') {
          stack.push({ map: new Map(), key: this.key() });
          continue;
        } else {
          stack.push({ arr: [] });
          continue;
        }
      } else if (c === '"') v = this.string();
      else if (c === '-' || isDigit(c)) v = this.number();
      else if (c === 't') v = this.literal('true', true);
      else if (c === 'f') v = this.literal('false', false);
      else if (c === 'n') v = this.literal('null', null);
      else throw syntax(c, 'looking for beginning of value');
      // the value is complete: store it, closing the containers it completes
      for (;;) {
        const top = stack[stack.length - 1];
        if (!top) return v;
        this.ws();
        c = this.peek();
        if ('map' in top) {
          top.map.set(top.key, v);
          if (c === ',') {
            this.i++;
            top.key = this.key();
            break;
          }
          if (c !== '}') throw syntax(c, 'after object key:value pair');
          v = top.map;
        } else {
          top.arr.push(v);
          if (c === ',') {
            this.i++;
            break;
          }
          if (c !== ']') throw syntax(c, 'after array element');
          v = top.arr;
        }
        this.i++;
        stack.pop();
      }
    }
  }

  /** An object key and its colon. */
  private key(): string {
    this.ws();
    const c = this.peek();
    if (c !== '"') throw syntax(c, 'looking for beginning of object key string');
    const key = this.string();
    this.ws();
    const colon = this.peek();
    if (colon !== ':') throw syntax(colon, 'after object key');
    this.i++;
    return key;
  }

  private string(): string {
    const start = this.i;
    this.i++;
    for (;;) {
      const c = this.peek();
      if (c === '"') {
        this.i++;
        return JSON.parse(this.s.slice(start, this.i)) as string;
      }
      if (c === '\\') {
        this.i++;
        const e = this.peek();
        if (e === 'u') {
          for (let k = 0; k < 4; k++) {
            this.i++;
            const h = this.peek();
            if (!isHex(h)) throw syntax(h, 'in \\u hexadecimal character escape');
          }
        } else if (!'bfnrt\\/"'.includes(e)) throw syntax(e, 'in string escape code');
      } else if (c.charCodeAt(0) < 0x20) throw syntax(c, 'in string literal');
      this.i++;
    }
  }

  private number(): JsonNumber {
    const start = this.i;
    const more = () => this.i < this.s.length;
    if (this.s[this.i] === '-') {
      this.i++;
      const c = this.peek();
      if (!isDigit(c)) throw syntax(c, 'in numeric literal');
    }
    if (this.s[this.i] === '0') this.i++;
    else while (more() && isDigit(this.s[this.i])) this.i++;
    if (more() && this.s[this.i] === '.') {
      this.i++;
      const c = this.peek();
      if (!isDigit(c)) throw syntax(c, 'after decimal point in numeric literal');
      while (more() && isDigit(this.s[this.i])) this.i++;
    }
    if (more() && (this.s[this.i] === 'e' || this.s[this.i] === 'E')) {
      this.i++;
      let c = this.peek();
      if (c === '+' || c === '-') {
        this.i++;
        c = this.peek();
      }
      if (!isDigit(c)) throw syntax(c, 'in exponent of numeric literal');
      while (more() && isDigit(this.s[this.i])) this.i++;
    }
    // a number at the very end may continue in the next chunk
    if (!more()) throw INCOMPLETE;
    return new JsonNumber(this.s.slice(start, this.i));
  }

  private literal<T>(word: string, v: T): T {
    for (let k = 1; k < word.length; k++) {
      this.i++;
      const c = this.peek();
      if (c !== word[k]) throw syntax(c, `in literal ${word} (expecting '${word[k]}')`);
    }
    this.i++;
    return v;
  }
}

/**
 * The next JSON value of `s` from `start`, as json.Decoder.Decode reads it: 'eof' when only
 * whitespace is left and the input is complete, 'more' when more input is needed.
 */
function nextJson(
  s: string,
  start: number,
  final: boolean,
): { value: JsonValue; end: number } | 'eof' | 'more' {
  // a top-level number at the end of complete input is complete
  const r = new JsonReader(final ? s + ' ' : s, start);
  r.ws();
  if (r.i >= s.length) return final ? 'eof' : 'more';
  try {
    const value = r.value();
    return { value, end: Math.min(r.i, s.length) };
  } catch (err) {
    if (err !== INCOMPLETE) throw err;
    if (final) throw new StatusError(CODE_INVALID_ARGUMENT, 'unexpected EOF');
    return 'more';
  }
}

// ------------------------------------------------------------------------------------------
// proto3 JSON <-> messages, driven by the .proto descriptors (original field names).

let reflectionRoot: protobuf.Root | undefined;

function root(): protobuf.Root {
  if (!reflectionRoot) {
    const dir = path.join(path.dirname(require.resolve('@concord/proto/package.json')), 'proto');
    const r = new protobuf.Root();
    r.resolvePath = (_origin, target) => path.join(dir, target);
    r.loadSync(['etcdserverpb/rpc.proto'], { keepCase: true });
    r.resolveAll();
    reflectionRoot = r;
  }
  return reflectionRoot;
}

const camel = (name: string): string => protobuf.util.camelCase(name);

const fieldIndex = new WeakMap<protobuf.Type, Map<string, protobuf.Field>>();
/** jsonpb accepts a field by its proto name or its JSON (lowerCamelCase) name. */
function fieldsByJsonKey(type: protobuf.Type): Map<string, protobuf.Field> {
  let m = fieldIndex.get(type);
  if (!m) {
    m = new Map();
    for (const f of type.fieldsArray) {
      m.set(camel(f.name), f);
      m.set(f.name, f);
    }
    fieldIndex.set(type, m);
  }
  return m;
}

/** Go's name of an enum type, e.g. etcdserverpb.RangeRequest_SortOrder. */
function goEnumName(e: protobuf.Enum): string {
  const parts: string[] = [e.name];
  let p = e.parent;
  while (p && p instanceof protobuf.Type) {
    parts.unshift(p.name);
    p = p.parent;
  }
  const pkg = p && p.fullName ? p.fullName.replace(/^\./, '') : '';
  return (pkg ? pkg + '.' : '') + parts.join('_');
}

function jsonKind(v: JsonValue): string {
  if (v instanceof Map) return 'object';
  if (Array.isArray(v)) return 'array';
  if (v instanceof JsonNumber) return 'number';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'string';
  return 'null';
}

const typeError = (v: JsonValue, goType: string, withLiteral = false) =>
  new StatusError(
    CODE_INVALID_ARGUMENT,
    `json: cannot unmarshal ${jsonKind(v)}${withLiteral && v instanceof JsonNumber ? ' ' + v.raw : ''} into Go value of type ${goType}`,
  );

const GO_INT: Record<
  string,
  { go: string; min: bigint; max: bigint; long: boolean; unsigned: boolean }
> = {
  int64: { go: 'int64', min: -(2n ** 63n), max: 2n ** 63n - 1n, long: true, unsigned: false },
  sint64: { go: 'int64', min: -(2n ** 63n), max: 2n ** 63n - 1n, long: true, unsigned: false },
  sfixed64: { go: 'int64', min: -(2n ** 63n), max: 2n ** 63n - 1n, long: true, unsigned: false },
  uint64: { go: 'uint64', min: 0n, max: 2n ** 64n - 1n, long: true, unsigned: true },
  fixed64: { go: 'uint64', min: 0n, max: 2n ** 64n - 1n, long: true, unsigned: true },
  int32: { go: 'int32', min: -(2n ** 31n), max: 2n ** 31n - 1n, long: false, unsigned: false },
  sint32: { go: 'int32', min: -(2n ** 31n), max: 2n ** 31n - 1n, long: false, unsigned: false },
  sfixed32: { go: 'int32', min: -(2n ** 31n), max: 2n ** 31n - 1n, long: false, unsigned: false },
  uint32: { go: 'uint32', min: 0n, max: 2n ** 32n - 1n, long: false, unsigned: true },
  fixed32: { go: 'uint32', min: 0n, max: 2n ** 32n - 1n, long: false, unsigned: true },
};

/**
 * jsonpb strips the quotes of a quoted number and decodes the rest as JSON, so "5" and 5 are
 * both fine; returns the literal, or undefined for null.
 */
function numberLiteral(v: JsonValue, goType: string): JsonNumber | undefined {
  if (v instanceof JsonNumber) return v;
  if (typeof v !== 'string') throw typeError(v, goType);
  if (v === '') throw new StatusError(CODE_INVALID_ARGUMENT, 'unexpected end of JSON input');
  const inner = nextJson(v, 0, true);
  if (inner === 'eof' || inner === 'more')
    throw new StatusError(CODE_INVALID_ARGUMENT, 'unexpected end of JSON input');
  if (inner.value === null) return undefined;
  if (!(inner.value instanceof JsonNumber)) throw typeError(inner.value, goType);
  return inner.value;
}

function scalarFromJson(f: protobuf.Field, v: JsonValue): unknown {
  const rt = f.resolvedType;
  if (rt instanceof protobuf.Enum) {
    if (typeof v === 'string') {
      const n = Object.prototype.hasOwnProperty.call(rt.values, v) ? rt.values[v] : undefined;
      if (n === undefined)
        throw new StatusError(
          CODE_INVALID_ARGUMENT,
          `unknown value ${JSON.stringify(v)} for enum ${goEnumName(rt)}`,
        );
      return n;
    }
    if (!(v instanceof JsonNumber)) throw typeError(v, goEnumName(rt));
    return intFromLiteral(v, GO_INT.int32, goEnumName(rt));
  }
  if (rt instanceof protobuf.Type) {
    if (!(v instanceof Map)) throw typeError(v, 'map[string]json.RawMessage');
    return messageFromJson(rt, v);
  }
  switch (f.type) {
    case 'string':
      if (typeof v !== 'string') throw typeError(v, 'string');
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw typeError(v, 'bool');
      return v;
    case 'bytes':
      if (typeof v === 'string') return base64Decode(v);
      if (Array.isArray(v))
        return Buffer.from(
          v.map((b) =>
            Number(
              intFromLiteral(
                numberLiteral(b, 'uint8') ?? new JsonNumber('0'),
                { ...GO_INT.uint32, max: 255n },
                'uint8',
              ),
            ),
          ),
        );
      throw typeError(v, '[]uint8');
    case 'double':
    case 'float': {
      const goType = f.type === 'double' ? 'float64' : 'float32';
      const lit = numberLiteral(v, goType);
      return lit === undefined ? 0 : Number(lit.raw);
    }
    default: {
      const t = GO_INT[f.type];
      if (!t) return undefined;
      const lit = numberLiteral(v, t.go);
      return lit === undefined ? 0 : intFromLiteral(lit, t, t.go);
    }
  }
}

function intFromLiteral(
  lit: JsonNumber,
  t: (typeof GO_INT)[string],
  goType: string,
): Long | number {
  const bad = () =>
    new StatusError(
      CODE_INVALID_ARGUMENT,
      `json: cannot unmarshal number ${lit.raw} into Go value of type ${goType}`,
    );
  if (!/^-?(0|[1-9][0-9]*)$/.test(lit.raw)) throw bad();
  const n = BigInt(lit.raw);
  if (n < t.min || n > t.max) throw bad();
  return t.long ? Long.fromString(n.toString(), t.unsigned) : Number(n);
}

/** Go's base64.StdEncoding.Decode (padding required; CR/LF skipped), with its error offsets. */
function base64Decode(s: string): Buffer {
  const valid = (c: string) => /[A-Za-z0-9+/]/.test(c);
  const nl = (c: string) => c === '\n' || c === '\r';
  const fail = (at: number) =>
    new StatusError(CODE_INVALID_ARGUMENT, `illegal base64 data at input byte ${at}`);
  let si = 0;
  while (si < s.length) {
    let j = 0;
    for (; j < 4; j++) {
      if (si === s.length) {
        if (j === 0) return Buffer.from(s, 'base64');
        throw fail(si - j);
      }
      const c = s[si++];
      if (valid(c)) continue;
      if (nl(c)) {
        j--;
        continue;
      }
      if (c !== '=') throw fail(si - 1);
      if (j < 2) throw fail(si - 1);
      if (j === 2) {
        while (si < s.length && nl(s[si])) si++;
        if (si === s.length) throw fail(s.length);
        if (s[si] !== '=') throw fail(si - 1);
        si++;
      }
      while (si < s.length && nl(s[si])) si++;
      if (si < s.length) throw fail(si);
      return Buffer.from(s, 'base64');
    }
  }
  return Buffer.from(s, 'base64');
}

/** proto3 JSON object -> a plain object protobufjs can encode (camelCase keys). */
function messageFromJson(
  type: protobuf.Type,
  obj: Map<string, JsonValue>,
): Record<string, unknown> {
  const fields = fieldsByJsonKey(type);
  const out: Record<string, unknown> = {};
  for (const [key, v] of obj) {
    const f = fields.get(key);
    if (!f || v === null) continue; // jsonpb ignores unknown fields and nulls
    if (f.map) continue; // no map fields in the etcd API
    if (f.repeated) {
      if (!Array.isArray(v)) throw typeError(v, '[]json.RawMessage');
      out[camel(f.name)] = v.filter((e) => e !== null).map((e) => scalarFromJson(f, e));
    } else {
      out[camel(f.name)] = scalarFromJson(f, v);
    }
  }
  return out;
}

/** jsonpb output: original field names, defaults omitted, 64-bit ints as strings, bytes base64. */
function messageToJson(type: protobuf.Type, msg: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of type.fieldsArray) {
    const v = msg[camel(f.name)];
    if (v === null || v === undefined) continue;
    if (f.repeated) {
      const arr = v as unknown[];
      if (arr.length === 0) continue;
      out[f.name] = arr.map((e) => valueToJson(f, e));
      continue;
    }
    if (f.resolvedType instanceof protobuf.Enum && v === 0) continue;
    const j = valueToJson(f, v);
    if (!(f.resolvedType instanceof protobuf.Type) && isDefault(f, j)) continue;
    out[f.name] = j;
  }
  return out;
}

function isDefault(f: protobuf.Field, j: unknown): boolean {
  if (GO_INT[f.type]?.long) return j === '0';
  return j === 0 || j === false || j === '';
}

function valueToJson(f: protobuf.Field, v: unknown): unknown {
  const rt = f.resolvedType;
  if (rt instanceof protobuf.Type) return messageToJson(rt, v as Record<string, unknown>);
  if (rt instanceof protobuf.Enum) {
    const n = v as number;
    return rt.valuesById[n] ?? n;
  }
  if (f.type === 'bytes') return Buffer.from(v as Uint8Array).toString('base64');
  const t = GO_INT[f.type];
  if (t?.long) {
    if (typeof v === 'number') return String(v);
    const l = Long.fromValue(v as Long);
    return (t.unsigned ? l.toUnsigned() : l.toSigned()).toString();
  }
  return v;
}

/** Go's json.Marshal escapes <, >, & and the JS line separators. */
function goJson(x: unknown): string {
  return JSON.stringify(x).replace(
    /[<>&\u2028\u2029]/g,
    (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'),
  );
}

// ------------------------------------------------------------------------------------------

interface ProtoClass {
  encode(message: unknown): { finish(): Uint8Array };
  decode(bytes: Uint8Array): unknown;
}

interface Method {
  info: MethodInfo;
  impl: (...args: unknown[]) => unknown;
  reqType: protobuf.Type;
  resType: protobuf.Type;
}

/** A response message as gRPC would deliver it (through the wire format), in jsonpb JSON. */
function responseJson(m: Method, value: unknown): string {
  const cls = m.info.responseType as unknown as ProtoClass;
  // the watch adapter hands over already encoded responses (shared fan-out encoding)
  const bytes = Buffer.isBuffer(value) ? value : cls.encode(value).finish();
  const wire = cls.decode(bytes) as Record<string, unknown>;
  return goJson(messageToJson(m.resType, wire));
}

/** Errors while reading a request are the client's (a stack overflow = JSON nested too deep). */
function asStatus(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  if (err instanceof RangeError)
    return new StatusError(CODE_INVALID_ARGUMENT, 'exceeded max depth');
  return new StatusError(CODE_INVALID_ARGUMENT, err instanceof Error ? err.message : String(err));
}

/** The gRPC adapter's handlers, keyed by gRPC path, captured from addEtcdServices. */
function captureHandlers(
  server: EtcdServer,
  opts: ServiceOptions,
): Map<string, (...args: unknown[]) => unknown> {
  const handlers = new Map<string, (...args: unknown[]) => unknown>();
  const registry = {
    addService(
      def: Record<string, { path: string }>,
      impl: Record<string, (...args: unknown[]) => unknown>,
    ): void {
      for (const [name, m] of Object.entries(def)) if (impl[name]) handlers.set(m.path, impl[name]);
    },
  };
  addEtcdServices(registry as unknown as ServiceRegistry, server, opts);
  return handlers;
}

/** The server side of one gateway call, shaped like the grpc-js call objects the handlers use. */
class GatewayCall extends EventEmitter {
  request: unknown = {};
  private started = false;
  private done = false;

  constructor(
    private readonly res: http.ServerResponse,
    private readonly m: Method,
  ) {
    super();
    res.on('drain', () => this.emit('drain'));
    res.on('close', () => {
      if (this.done) return;
      this.done = true;
      this.emit('cancelled');
      this.emit('drain'); // release a writer waiting for drain
    });
  }

  get finished(): boolean {
    return this.done;
  }

  get writableNeedDrain(): boolean {
    return !this.done && this.res.writableNeedDrain;
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.res.writeHead(200, {
      ...CORS_HEADERS,
      'Content-Type': 'application/json',
      'Grpc-Metadata-Content-Type': 'application/grpc',
    });
  }

  write(msg: unknown): boolean {
    if (this.done) return true;
    this.start();
    let line: string;
    try {
      line = `{"result":${responseJson(this.m, msg)}}\n`;
    } catch (e) {
      this.destroy({ code: CODE_INTERNAL, details: String((e as Error)?.message ?? e) });
      return true;
    }
    return this.res.write(line);
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    if (!this.started) {
      this.started = true;
      this.res.writeHead(200, { ...CORS_HEADERS, 'Content-Type': 'application/json' });
    }
    this.res.end();
  }

  /** A stream error: grpc-gateway's {"error": StreamError} chunk. */
  destroy(err?: unknown): void {
    if (this.done) return;
    this.done = true;
    const e = (err ?? {}) as { code?: number; details?: string; message?: string };
    const code = typeof e.code === 'number' ? e.code : CODE_UNKNOWN;
    const message = e.details ?? e.message ?? '';
    const status = httpStatus(code);
    if (!this.started) {
      this.started = true;
      this.res.writeHead(status, { ...CORS_HEADERS, 'Content-Type': 'application/json' });
    }
    this.res.end(
      goJson({
        error: {
          grpc_code: code,
          http_code: status,
          message,
          http_status: http.STATUS_CODES[status] ?? '',
        },
      }),
    );
  }
}

export function createGateway(server: EtcdServer, opts: ServiceOptions): GatewayHandler {
  const handlers = captureHandlers(server, opts);
  const grpcLimit = opts.maxRequestBytes + Limits.grpcOverheadBytes;
  /** JSON is bigger than protobuf; bodies beyond this are refused unread */
  const bodyLimit = 4 * grpcLimit;
  const methods = new Map<string, Method>();
  for (const table of Object.values(services)) {
    for (const info of Object.values(table) as MethodInfo[]) {
      const impl = handlers.get(info.path);
      if (!impl) continue;
      const [svc, name] = info.path.slice(1).split('/');
      const rm = root().lookupService(svc).methods[name];
      methods.set(info.path, {
        info,
        impl,
        reqType: rm.resolvedRequestType!,
        resType: rm.resolvedResponseType!,
      });
    }
  }

  function plain(res: http.ServerResponse, status: number, text: string): void {
    res.writeHead(status, {
      ...CORS_HEADERS,
      'Content-Type': 'text/plain; charset=utf-8',
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(text + '\n');
  }

  /** grpc-gateway's error body; `trailer` when the error came back from the gRPC call. */
  function sendError(
    res: http.ServerResponse,
    code: number,
    message: string,
    trailer: boolean,
  ): void {
    const body = goJson({ error: message, message, code });
    if (trailer) {
      res.writeHead(httpStatus(code), {
        ...CORS_HEADERS,
        'Content-Type': 'application/json',
        Trailer: 'Grpc-Trailer-Content-Type',
      });
      res.write(body);
      res.addTrailers({ 'Grpc-Trailer-Content-Type': 'application/grpc' });
      res.end();
    } else {
      res.writeHead(httpStatus(code), {
        ...CORS_HEADERS,
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
      });
      res.end(body);
    }
  }

  /** JSON value -> the request message as gRPC would hand it to the handler (decoded from wire). */
  function toRequest(m: Method, value: JsonValue): unknown {
    if (value !== null && !(value instanceof Map))
      throw typeError(value, 'map[string]json.RawMessage');
    const plainReq = value === null ? {} : messageFromJson(m.reqType, value);
    const cls = m.info.requestType as unknown as ProtoClass;
    const wire = cls.encode(plainReq).finish();
    if (wire.length > grpcLimit)
      throw new StatusError(
        CODE_RESOURCE_EXHAUSTED,
        `grpc: received message larger than max (${wire.length} vs. ${grpcLimit})`,
      );
    return cls.decode(wire);
  }

  function unary(m: Method, req: http.IncomingMessage, res: http.ServerResponse): void {
    readBody(req, bodyLimit, (text) => {
      if (text === undefined) {
        sendError(
          res,
          CODE_RESOURCE_EXHAUSTED,
          `concord: request body larger than ${bodyLimit} bytes`,
          false,
        );
        return;
      }
      let request: unknown;
      try {
        const next = nextJson(text, 0, true);
        request = toRequest(m, next === 'eof' || next === 'more' ? null : next.value);
      } catch (err) {
        const e = asStatus(err);
        sendError(res, e.code, e.message, false);
        return;
      }
      if (m.info.responseStream) {
        const call = new GatewayCall(res, m);
        call.request = request;
        m.impl(call);
        return;
      }
      m.impl({ request } as UnaryCall<unknown>, (err: ServiceError | null, value?: unknown) => {
        if (res.destroyed) return;
        if (err) {
          sendError(
            res,
            typeof err.code === 'number' ? err.code : CODE_UNKNOWN,
            err.details ?? '',
            true,
          );
          return;
        }
        let body: string;
        try {
          body = responseJson(m, value);
        } catch (e) {
          sendError(res, CODE_INTERNAL, String((e as Error)?.message ?? e), true);
          return;
        }
        res.writeHead(200, {
          ...CORS_HEADERS,
          'Content-Type': 'application/json',
          'Grpc-Metadata-Content-Type': 'application/grpc',
          'Content-Length': Buffer.byteLength(body),
        });
        res.end(body);
      });
    });
  }

  /**
   * Bidirectional streams (watch, keepalive): the body is a stream of JSON requests, the
   * response a stream of {"result": ...} lines. As in etcd's gateway, a bad first request is an
   * HTTP error, a bad later one ends the request side; the end of the body ends a keepalive
   * stream but not a watch stream (etcd's watch server ignores the client closing its side).
   */
  function bidi(
    m: Method,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    endOnEof: boolean,
  ): void {
    const decoder = new StringDecoder('utf8');
    let buf = '';
    let call: GatewayCall | undefined;
    let stopped = false;
    const open = (): GatewayCall => {
      if (!call) {
        call = new GatewayCall(res, m);
        m.impl(call);
      }
      return call;
    };
    const stop = (): void => {
      stopped = true;
      req.resume();
      if (endOnEof && call && !call.finished) call.emit('end');
    };
    const pump = (final: boolean): void => {
      while (!stopped) {
        let next: ReturnType<typeof nextJson>;
        let request: unknown;
        try {
          next = nextJson(buf, 0, final);
          if (next === 'more') {
            if (buf.length > bodyLimit)
              throw new StatusError(
                CODE_RESOURCE_EXHAUSTED,
                `concord: request larger than ${bodyLimit} bytes`,
              );
            return;
          }
          if (next === 'eof') {
            open();
            stop();
            return;
          }
          request = toRequest(m, next.value);
        } catch (err) {
          const e = asStatus(err);
          if (!call) {
            stopped = true;
            req.resume();
            sendError(
              res,
              e.code === CODE_INVALID_ARGUMENT ? CODE_UNKNOWN : e.code,
              e.message,
              false,
            );
          } else stop();
          return;
        }
        buf = buf.slice(next.end);
        const c = open();
        if (!c.finished) c.emit('data', request);
      }
    };
    req.on('data', (chunk: Buffer) => {
      if (stopped) return;
      buf += decoder.write(chunk);
      pump(false);
    });
    req.on('end', () => {
      if (stopped) return;
      buf += decoder.end();
      pump(true);
    });
  }

  return (req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    const match = /^\/v3(?:beta)?\/(.*)$/.exec(url);
    if (!match) return false;
    req.on('error', () => undefined); // a client that goes away mid-request
    const route = Object.prototype.hasOwnProperty.call(ROUTES, match[1])
      ? ROUTES[match[1]]
      : undefined;
    const m = route ? methods.get(route) : undefined;
    if (req.method === 'OPTIONS') {
      res.writeHead(200, { ...CORS_HEADERS, 'Content-Length': 0 });
      res.end();
    } else if (!m) plain(res, 404, 'Not Found');
    else if (req.method !== 'POST') plain(res, 405, 'Method Not Allowed');
    else if (m.info.requestStream) bidi(m, req, res, m.info.path !== '/etcdserverpb.Watch/Watch');
    else unary(m, req, res);
    if (!m || req.method !== 'POST') req.resume();
    return true;
  };
}

/** The whole body as text, or undefined (and the rest discarded) when it exceeds `limit`. */
function readBody(
  req: http.IncomingMessage,
  limit: number,
  done: (text: string | undefined) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  req.on('data', (c: Buffer) => {
    if (over) return;
    size += c.length;
    if (size > limit) {
      over = true;
      chunks.length = 0;
      done(undefined);
      return;
    }
    chunks.push(c);
  });
  req.on('end', () => {
    if (!over) done(Buffer.concat(chunks).toString('utf8'));
  });
}
