/**
 * Types shared by the linearizability checker and its models.
 *
 * An operation is one client request with the time it was called and the time its response
 * arrived (any unit, as long as every operation of a history uses the same clock: ms from
 * performance.now() or ns from process.hrtime.bigint() both work). An operation whose outcome is
 * unknown (a timeout, a connection lost after the request may have been sent) has
 * `return = +Infinity` and no output: it may have taken effect at any point after its call, or
 * never.
 */

export interface Operation<I, O> {
  /** Who issued it (only for reports: the checker does not require per-client sequencing). */
  clientId: number | string;
  /** When the request was sent. */
  call: number;
  /** When the response arrived; +Infinity when the outcome is unknown. */
  return: number;
  input: I;
  /** The response; undefined when the outcome is unknown. */
  output?: O;
}

/**
 * A sequential specification. `step` may return several possible next states (a
 * nondeterministic model, e.g. for an operation whose output is unknown); an empty array means
 * the operation with that output is impossible in that state.
 */
export interface Model<S, I, O> {
  readonly name: string;
  /** Possible initial states (usually one). */
  init(): S[];
  step(state: S, input: I, output: O | undefined): S[];
  /** Canonical text of a state: equal states must give equal keys (used for memoization). */
  key(state: S): string;
  /**
   * Operations with different partition keys never affect each other (P-compositionality):
   * each partition is checked on its own. Omit to check the history as a whole.
   */
  partitionKey?(input: I): string;
  describeOperation(input: I, output: O | undefined): string;
  describeState(state: S): string;
}

export interface CheckOptions {
  /** Bound for the whole check (all partitions). Default 10 s. */
  timeoutMs?: number;
  /** Unit of call/return times, for the report only. Default 'ms'. */
  timeUnit?: 'ms' | 'ns' | 'us';
  /** Most timeline rows in the report (the ones nearest the violation are kept). Default 60. */
  maxReportRows?: number;
}

export type CheckResult<I, O> =
  | { ok: true; verdict: 'linearizable'; partitions: number; elapsedMs: number }
  | {
      ok: false;
      verdict: 'illegal';
      /** The partition (key) that is not linearizable: the smallest such one. */
      partition: string;
      /** Operations of that partition, in the order they were given. */
      operations: Operation<I, O>[];
      /**
       * The longest sequence of that partition's operations that could be linearized (indices
       * into `operations`), in linearization order.
       */
      partialLinearization: number[];
      /** A readable report: the failing key's operations as a text timeline, and why. */
      explanation: string;
      elapsedMs: number;
    }
  | {
      ok: false;
      verdict: 'timeout';
      /** Partitions not decided within the bound. */
      undecided: string[];
      explanation: string;
      elapsedMs: number;
    };
