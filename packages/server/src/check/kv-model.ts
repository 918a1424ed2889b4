/**
 * A sequential model of an etcd-like key-value store, per key: get (a linearizable Range of one
 * key), put, delete, and compare-and-swap as an etcd Txn does it (compare the value or the mod
 * revision, then put on success).
 *
 * Revisions: a write's response carries the store revision it created (header.revision of
 * Put/Txn), which is the key's new mod revision; a get reports the key's mod revision. The model
 * checks them per key: a get sees the mod revision of the write it reads, and each write of a key
 * creates a larger revision than the previous one. Revisions of writes whose outcome is unknown
 * are unknown (null) until a get reveals them.
 *
 * etcd semantics kept here: a compare on the VALUE of an absent key is false; a compare on
 * MOD revision 0 holds exactly when the key is absent.
 */
import { Model, Operation } from './model';

export type KvInput =
  | { op: 'get'; key: string }
  | { op: 'put'; key: string; value: string }
  | { op: 'delete'; key: string }
  | {
      op: 'cas';
      key: string;
      /** compare the current value, or the current mod revision (0: the key is absent) */
      expect: { value: string } | { modRevision: number };
      /** written when the compare holds */
      value: string;
    };

export interface KvOutput {
  /** get: the value read (null: absent) */
  value?: string | null;
  /** get: the key's mod revision (when present) */
  modRevision?: number;
  /** put / cas (succeeded) / delete: header.revision of the response */
  revision?: number;
  /** delete: number of keys deleted */
  deleted?: number;
  /** cas: whether the compare held */
  succeeded?: boolean;
}

export interface KvState {
  value: string | null;
  /** mod revision: 0 when absent, null when present but unknown */
  rev: number | null;
}

export type KvOperation = Operation<KvInput, KvOutput>;

const ABSENT: KvState = { value: null, rev: 0 };

/** Whether an etcd compare holds in state s: true, false, or null (unknown revision). */
function compareHolds(
  s: KvState,
  expect: { value: string } | { modRevision: number },
): boolean | null {
  if ('value' in expect) return s.value !== null && s.value === expect.value;
  if (expect.modRevision === 0) return s.value === null;
  if (s.value === null) return false;
  if (s.rev === null) return null;
  return s.rev === expect.modRevision;
}

/** The state after a successful write with response revision r (undefined: unknown). */
function written(s: KvState, value: string, r: number | undefined): KvState[] {
  if (r === undefined) return [{ value, rev: null }];
  if (s.rev !== null && r <= s.rev) return []; // revisions of one key only grow
  return [{ value, rev: r }];
}

export const kvModel: Model<KvState, KvInput, KvOutput> = {
  name: 'etcd-kv',
  init: () => [ABSENT],
  key: (s) => `${s.value === null ? '-' : JSON.stringify(s.value)}@${s.rev === null ? '?' : s.rev}`,
  partitionKey: (input) => input.key,

  step(s, input, out) {
    switch (input.op) {
      case 'get': {
        if (!out) return [s];
        const v = out.value ?? null;
        if (v !== s.value) return [];
        if (v === null || out.modRevision === undefined) return [s];
        if (s.rev === null) return [{ value: v, rev: out.modRevision }];
        return s.rev === out.modRevision ? [s] : [];
      }
      case 'put':
        return written(s, input.value, out?.revision);
      case 'delete': {
        if (!out) return [ABSENT];
        const expected = s.value === null ? 0 : 1;
        return out.deleted === expected ? [ABSENT] : [];
      }
      case 'cas': {
        const holds = compareHolds(s, input.expect);
        if (!out) {
          if (holds === true) return [{ value: input.value, rev: null }];
          if (holds === false) return [s];
          return [{ value: input.value, rev: null }, s];
        }
        if (out.succeeded) {
          if (holds === false) return [];
          return written(s, input.value, out.revision);
        }
        return holds === true ? [] : [s];
      }
    }
  },

  describeOperation(input, out) {
    const k = JSON.stringify(input.key);
    const q = (v: string | null | undefined) =>
      v === null || v === undefined ? 'absent' : JSON.stringify(v);
    let call: string;
    switch (input.op) {
      case 'get':
        call = `get(${k})`;
        break;
      case 'put':
        call = `put(${k}, ${q(input.value)})`;
        break;
      case 'delete':
        call = `delete(${k})`;
        break;
      case 'cas':
        call =
          'value' in input.expect
            ? `cas(${k}, value==${q(input.expect.value)} -> ${q(input.value)})`
            : `cas(${k}, modRev==${input.expect.modRevision} -> ${q(input.value)})`;
        break;
    }
    if (!out) return `${call} -> ? (unknown outcome)`;
    const rev = (r: number | undefined) => (r === undefined ? '' : ` rev ${r}`);
    switch (input.op) {
      case 'get':
        return `${call} -> ${q(out.value)}${out.value != null && out.modRevision !== undefined ? ` (modRev ${out.modRevision})` : ''}`;
      case 'put':
        return `${call} -> ok${rev(out.revision)}`;
      case 'delete':
        return `${call} -> deleted ${out.deleted}`;
      case 'cas':
        return `${call} -> ${out.succeeded ? `succeeded${rev(out.revision)}` : 'failed'}`;
    }
  },

  describeState: (s) =>
    s.value === null
      ? 'absent'
      : `${JSON.stringify(s.value)} (modRev ${s.rev === null ? 'unknown' : s.rev})`,
};
