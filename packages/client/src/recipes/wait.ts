import type { Client } from '../client';
import { CancelledError, EtcdError } from '../errors';
import { abortReason } from '../util';
import type { Session } from './session';

/** Resolve when `key` is deleted (after revision `rev`). Rejects on abort / session loss. */
export async function waitDelete(
  client: Client,
  key: Buffer | string,
  rev: number,
  signal?: AbortSignal,
  session?: Session,
): Promise<void> {
  const w = client.watch(key, { startRevision: rev + 1, noPut: true, signal });
  let onLost: ((e: EtcdError) => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      onLost = (e: EtcdError) => reject(e);
      session?.once('lost', onLost);
      w.once('delete', () => resolve());
      w.once('error', (e) => reject(e));
      w.once('end', () => {
        if (signal?.aborted) reject(abortReason(signal));
        else reject(new CancelledError('watch ended'));
      });
      if (session?.isLost) {
        try {
          session.assertAlive();
        } catch (e) {
          reject(e);
        }
      }
    });
  } finally {
    if (onLost) session?.removeListener('lost', onLost);
    await w.cancel();
  }
}

/**
 * etcd's waitDeletes: wait until no key under `prefix` has a create revision <= maxCreateRev.
 */
export async function waitDeletes(
  client: Client,
  prefix: string,
  maxCreateRev: number,
  signal?: AbortSignal,
  session?: Session,
): Promise<void> {
  for (;;) {
    if (signal?.aborted) throw abortReason(signal);
    session?.assertAlive();
    const r = await client.range(prefix, {
      prefix: true,
      maxCreateRevision: maxCreateRev,
      sort: { target: 'create', order: 'descend' },
      limit: 1,
      signal,
    });
    if (r.kvs.length === 0) return;
    await waitDelete(client, r.kvs[0].key, r.header.revision, signal, session);
  }
}

/** Combine a timeout and a signal. */
export function timeoutSignal(
  timeoutMs?: number,
  signal?: AbortSignal,
): { signal?: AbortSignal; dispose: () => void; timedOut: () => boolean } {
  if (timeoutMs === undefined) return { signal, dispose: () => undefined, timedOut: () => false };
  const ctrl = new AbortController();
  let to = false;
  const t = setTimeout(() => {
    to = true;
    ctrl.abort(new Error('timeout'));
  }, timeoutMs);
  const on = () => ctrl.abort(signal!.reason);
  if (signal?.aborted) ctrl.abort(signal.reason);
  else signal?.addEventListener('abort', on, { once: true });
  return {
    signal: ctrl.signal,
    dispose: () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', on);
    },
    timedOut: () => to,
  };
}
