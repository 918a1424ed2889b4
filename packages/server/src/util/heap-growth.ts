import * as v8 from 'node:v8';

/**
 * Lets V8's old generation grow further past its live size before the next mark-compact
 * (V8's --heap-growing-percent; a server started with that node flag keeps its own value).
 *
 * Why: a member holding 100,000 znodes has about 85 MB of live heap. Under a light steady load
 * V8 set the next old-generation limit at about 1.3 times that (84 -> 108 MB), and it starts
 * incremental marking once the room left is below what its young generation could promote
 * (32 MiB): so it marked again about every 10 s although almost nothing was reaching the old
 * generation. Each cycle took 60-80 ms of main-thread work in steps of up to 10-18 ms within
 * about 100 ms; with three members, one was often enough in such a step to make the 3-member
 * p99 at 300 writes a second 15-21 ms against ZooKeeper's 12. With 100 % the limit starts at
 * 1.5-1.9 times the live size and the steady-state marking stops (none in the last 24 s of
 * the traced runs). The memory this may hold is garbage the old generation would otherwise
 * have been cleared of sooner; the idle heap trim still returns it when the server goes quiet.
 *
 * Only `concord serve` calls this: an application embedding Concord keeps control of its heap.
 */
export function widenOldGenerationGrowth(): void {
  if (heapGrowthSetByUser(process.execArgv, process.env.NODE_OPTIONS)) return;
  v8.setFlagsFromString('--heap-growing-percent=100');
}

/**
 * Whether node was given --heap-growing-percent: on its command line (execArgv) or in
 * NODE_OPTIONS, which execArgv does not list. V8 accepts the flag with - or _ in its name.
 */
export function heapGrowthSetByUser(
  execArgv: readonly string[],
  nodeOptions: string | undefined,
): boolean {
  const given = (a: string): boolean => /^--heap[-_]growing[-_]percent(=|$)/.test(a);
  return execArgv.some(given) || (nodeOptions ?? '').split(/\s+/).some(given);
}
