/**
 * Text reports of histories and of linearizability violations: one row per operation with its
 * interval drawn on a shared time axis, e.g.
 *
 *   #3   c1  |  [=======]                   | +0.000..+5.000 ms  put("k", "a") -> ok rev 2   [lin 1]
 *   #4   c2  |            [===]             | +6.000..+8.000 ms  get("k") -> absent          [not linearized]
 */
import { CheckOptions, Model, Operation } from './model';

const BAR = 40;

function toMs(t: number, unit: CheckOptions['timeUnit']): number {
  return unit === 'ns' ? t / 1e6 : unit === 'us' ? t / 1e3 : t;
}

function fmt(ms: number): string {
  return (ms >= 0 ? '+' : '') + ms.toFixed(3);
}

/**
 * Renders operations (indices into ops) as a timeline. `linearized` maps an op index to its
 * position in a (partial) linearization.
 */
export function renderTimeline<S, I, O>(
  model: Model<S, I, O>,
  ops: Operation<I, O>[],
  rows: number[],
  opts: {
    timeUnit?: CheckOptions['timeUnit'];
    linearized?: Map<number, number>;
    origin?: number;
  } = {},
): string {
  if (rows.length === 0) return '  (no operations)';
  const unit = opts.timeUnit ?? 'ms';
  const sorted = [...rows].sort((a, b) => ops[a].call - ops[b].call || a - b);
  const origin = opts.origin ?? Math.min(...sorted.map((i) => ops[i].call));
  let lo = Infinity;
  let hi = -Infinity;
  for (const i of sorted) {
    lo = Math.min(lo, ops[i].call);
    hi = Math.max(hi, ops[i].call, Number.isFinite(ops[i].return) ? ops[i].return : ops[i].call);
  }
  const span = hi - lo || 1;
  const col = (t: number) =>
    Math.min(BAR - 1, Math.max(0, Math.floor(((t - lo) / span) * (BAR - 1))));
  const idW = String(Math.max(...sorted)).length + 1;
  const clientW = Math.max(...sorted.map((i) => String(ops[i].clientId).length)) + 1;
  const lines: string[] = [];
  for (const i of sorted) {
    const o = ops[i];
    const a = col(o.call);
    const inf = !Number.isFinite(o.return);
    const b = inf ? BAR - 1 : col(o.return);
    const cells: string[] = Array.from({ length: BAR }, (_, c): string =>
      c < a || c > b ? ' ' : c === a ? '[' : c === b ? (inf ? '>' : ']') : '=',
    );
    if (a === b && !inf) cells[a] = '|';
    const when = `${fmt(toMs(o.call - origin, unit))}..${inf ? 'never' : fmt(toMs(o.return - origin, unit))} ms`;
    const lin = opts.linearized
      ? opts.linearized.has(i)
        ? `[lin ${opts.linearized.get(i)! + 1}]`
        : '[not linearized]'
      : '';
    lines.push(
      `  #${String(i).padEnd(idW)} c${String(o.clientId).padEnd(clientW)} |${cells.join('')}| ${when.padEnd(26)} ${model.describeOperation(o.input, o.output)}  ${lin}`.trimEnd(),
    );
  }
  return lines.join('\n');
}

/** The report of a non-linearizable partition (see checkHistory). */
export function renderViolation<S, I, O>(
  model: Model<S, I, O>,
  key: string,
  ops: Operation<I, O>[],
  best: number[],
  bestStates: S[],
  opts: CheckOptions = {},
): string {
  const maxRows = opts.maxReportRows ?? 60;
  const linearized = new Map<number, number>();
  best.forEach((op, pos) => linearized.set(op, pos));
  const rest = ops.map((_, i) => i).filter((i) => !linearized.has(i));
  const minReturn = Math.min(...rest.map((i) => ops[i].return));
  const candidates = rest.filter((i) => ops[i].call <= minReturn);
  const origin = Math.min(...ops.map((o) => o.call));
  const unit = opts.timeUnit ?? 'ms';
  const clients = new Set(ops.map((o) => o.clientId)).size;
  const out: string[] = [];
  out.push(
    `NOT LINEARIZABLE (${model.name}): partition ${JSON.stringify(key)} with ${ops.length} operations from ${clients} clients.`,
  );
  out.push(`Longest linearizable prefix: ${best.length} of ${ops.length} operations.`);
  out.push(`Model state after it: ${bestStates.map((s) => model.describeState(s)).join(' | ')}`);
  const deadlineOp = rest.find((i) => ops[i].return === minReturn);
  if (deadlineOp !== undefined && Number.isFinite(minReturn))
    out.push(
      `Operation #${deadlineOp} returned at ${fmt(toMs(minReturn - origin, unit))} ms, so one of these had to take effect next:`,
    );
  for (const i of candidates) {
    const o = ops[i];
    const accepted = bestStates.some((s) => model.step(s, o.input, o.output).length > 0);
    out.push(
      `  #${i} c${o.clientId} ${model.describeOperation(o.input, o.output)}: ` +
        (accepted
          ? 'possible in this state, but no linearization of the remaining operations follows from it'
          : 'impossible in this state'),
    );
  }
  // rows: the candidates, the end of the prefix, and what overlaps them, nearest first
  const tail = best.slice(-8);
  const windowLo = Math.min(...[...tail, ...candidates].map((i) => ops[i].call));
  const windowHi = Number.isFinite(minReturn) ? minReturn : Math.max(...ops.map((o) => o.call));
  const shown = new Set<number>([...candidates, ...tail]);
  const overlapping = ops
    .map((_, i) => i)
    .filter((i) => !shown.has(i) && ops[i].call <= windowHi && ops[i].return >= windowLo)
    .sort((a, b) => Math.abs(ops[a].call - windowHi) - Math.abs(ops[b].call - windowHi));
  for (const i of overlapping) {
    if (shown.size >= maxRows) break;
    shown.add(i);
  }
  let rows = [...shown];
  if (rows.length > maxRows)
    rows = rows.sort((a, b) => ops[b].call - ops[a].call).slice(0, maxRows);
  out.push(
    `Timeline (ms from the partition's first call; ${rows.length} of ${ops.length} operations shown):`,
  );
  out.push(renderTimeline(model, ops, rows, { timeUnit: unit, linearized, origin }));
  return out.join('\n');
}
