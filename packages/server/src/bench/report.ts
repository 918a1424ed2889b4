/**
 * `concord bench` results: the JSON report (one line per run with --json) and the
 * human summary. Latencies are in milliseconds, measured from sending a request to
 * its response (watch-latency: from sending the put to the event reaching a watcher).
 */
import type { Histogram } from 'hdr-histogram-js';
import { BenchConfig, HistName, isWatchLike } from './common';

export interface LatencyStats {
  count: number;
  avgMs: number;
  minMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

export interface BenchReport extends LatencyStats {
  workload: string;
  /** operations done (successful and failed): puts, ranges, txns, keep-alives */
  ops: number;
  errors: number;
  /** "<gRPC code name>: <message>" -> count */
  errorsByCode: Record<string, number>;
  durationSec: number;
  opsPerSec: number;
  /** txn-mixed */
  reads?: LatencyStats;
  writes?: LatencyStats;
  /** watch, watch-latency */
  watch?: {
    streams: number;
    watchers: number;
    /** watcher creation latency */
    create: LatencyStats;
    /** put latency (watch-latency; for watch it is the main figure) */
    put?: LatencyStats;
    /** put-to-event latency (watch; for watch-latency it is the main figure) */
    event?: LatencyStats;
    expectedEvents: number;
    receivedEvents: number;
    /** receivedEvents / expectedEvents */
    delivery: number;
    /** time from the last put's response until all events were received (or timeout) */
    drainMs: number;
    drained: boolean;
  };
  params: Record<string, unknown>;
  /** the main latency histogram (µs), HdrHistogram compressed base64, for merging runs */
  hdr?: string;
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

export function stats(e: { h: Histogram; sumUs: number } | undefined): LatencyStats {
  if (!e || e.h.totalCount === 0) {
    return { count: 0, avgMs: 0, minMs: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0 };
  }
  const h = e.h;
  const ms = (us: number) => round(us / 1000);
  return {
    count: h.totalCount,
    avgMs: ms(e.sumUs / h.totalCount),
    minMs: ms(h.minNonZeroValue),
    p50Ms: ms(h.getValueAtPercentile(50)),
    p90Ms: ms(h.getValueAtPercentile(90)),
    p99Ms: ms(h.getValueAtPercentile(99)),
    p999Ms: ms(h.getValueAtPercentile(99.9)),
    maxMs: ms(h.maxValue),
  };
}

export function params(cfg: BenchConfig): Record<string, unknown> {
  const p: Record<string, unknown> = {
    endpoints: cfg.endpoints,
    conns: cfg.conns,
    clients: cfg.clients,
    workers: cfg.workers,
    total: cfg.total,
    durationSec: cfg.durationMs / 1000,
    keySize: cfg.keySize,
    valSize: cfg.valSize,
    keySpaceSize: cfg.keySpaceSize,
    sequentialKeys: cfg.sequentialKeys,
    keyPrefix: cfg.keyPrefix,
    rate: cfg.rate,
    targetLeader: cfg.targetLeader,
  };
  switch (cfg.workload) {
    case 'range':
      Object.assign(p, {
        key: cfg.rangeKey,
        end: cfg.rangeEnd,
        consistency: cfg.consistency,
        limit: cfg.limit,
        countOnly: cfg.countOnly,
      });
      break;
    case 'txn-put':
      p.txnOps = cfg.txnOps;
      break;
    case 'txn-mixed':
      Object.assign(p, {
        key: cfg.rangeKey,
        end: cfg.rangeEnd,
        consistency: cfg.consistency,
        limit: cfg.limit,
        rwRatio: cfg.rwRatio,
      });
      break;
    case 'watch':
    case 'watch-latency':
      Object.assign(p, {
        streams: cfg.streams,
        watchersPerStream: cfg.watchersPerStream,
        drainTimeoutSec: cfg.drainTimeoutMs / 1000,
      });
      break;
    case 'lease-keepalive':
      p.leaseTtl = cfg.leaseTtl;
      break;
  }
  if (cfg.zk) {
    Object.assign(p, {
      root: cfg.zk.root,
      sessionTimeoutSec: cfg.zk.sessionTimeoutMs / 1000,
      sequential: cfg.zk.sequential,
      ...(cfg.workload === 'zk-watch'
        ? {
            watchersPerSession: cfg.zk.watchersPerSession,
            drainTimeoutSec: cfg.drainTimeoutMs / 1000,
          }
        : {}),
    });
  }
  return p;
}

export function buildReport(
  cfg: BenchConfig,
  r: {
    ops: number;
    errors: number;
    errorsByCode: Record<string, number>;
    elapsedMs: number;
    hists: Map<HistName, { h: Histogram; sumUs: number }>;
    events: number;
    expectedEvents: number;
    drainMs?: number;
    drained: boolean;
  },
): BenchReport {
  const report: BenchReport = {
    workload: cfg.workload,
    ops: r.ops,
    durationSec: round(r.elapsedMs / 1000, 4),
    opsPerSec: round(r.elapsedMs > 0 ? (r.ops * 1000) / r.elapsedMs : 0, 1),
    ...stats(r.hists.get('main')),
    errors: r.errors,
    errorsByCode: r.errorsByCode,
    params: params(cfg),
  };
  if (cfg.workload === 'txn-mixed') {
    report.reads = stats(r.hists.get('read'));
    report.writes = stats(r.hists.get('write'));
  }
  if (isWatchLike(cfg.workload)) {
    report.watch = {
      streams: cfg.streams,
      watchers: cfg.streams * cfg.watchersPerStream,
      create: stats(r.hists.get('create')),
      ...(cfg.workload === 'watch'
        ? { event: stats(r.hists.get('event')) }
        : { put: stats(r.hists.get('put')) }),
      expectedEvents: r.expectedEvents,
      receivedEvents: r.events,
      delivery: r.expectedEvents > 0 ? round(r.events / r.expectedEvents, 6) : 1,
      drainMs: round(r.drainMs ?? 0, 1),
      drained: r.drained,
    };
  }
  return report;
}

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(1) : ms >= 10 ? ms.toFixed(2) : ms.toFixed(3));

function latencyLine(s: LatencyStats): string {
  if (s.count === 0) return 'no samples';
  return (
    `avg ${fmt(s.avgMs)}  p50 ${fmt(s.p50Ms)}  p90 ${fmt(s.p90Ms)}  p99 ${fmt(s.p99Ms)}` +
    `  p99.9 ${fmt(s.p999Ms)}  max ${fmt(s.maxMs)}`
  );
}

export function humanSummary(r: BenchReport): string {
  const p = r.params as {
    clients: number;
    conns: number;
    workers: number;
    endpoints: string[];
    rate: number;
  };
  const lines = [
    `Summary: ${r.workload} — ${p.clients} client${p.clients === 1 ? '' : 's'}, ${p.conns} conn${p.conns === 1 ? '' : 's'}, ` +
      `${p.workers} worker${p.workers === 1 ? '' : 's'}, ${p.endpoints.join(',')}${p.rate > 0 ? `, rate limit ${p.rate}/s` : ''}`,
    `  Total:         ${r.ops} ops${r.errors > 0 ? ` (${r.errors} failed)` : ''} in ${r.durationSec.toFixed(3)} s`,
    `  Throughput:    ${r.opsPerSec.toFixed(1)} ops/s`,
    `  Latency (ms):  ${latencyLine(r)}${r.workload === 'watch-latency' || r.workload === 'zk-watch' ? '   (put/setData to event, per watcher)' : ''}`,
  ];
  if (r.reads) lines.push(`    reads  (${r.reads.count}):  ${latencyLine(r.reads)}`);
  if (r.writes) lines.push(`    writes (${r.writes.count}):  ${latencyLine(r.writes)}`);
  if (r.watch) {
    const w = r.watch;
    lines.push(
      `  Watchers:      ${w.watchers} on ${w.streams} stream${w.streams === 1 ? '' : 's'}; create (ms): ${latencyLine(w.create)}`,
    );
    if (w.put) lines.push(`  Put (ms):      ${latencyLine(w.put)}`);
    if (w.event)
      lines.push(`  Event (ms):    ${latencyLine(w.event)}   (put to event, per watcher)`);
    lines.push(
      `  Delivery:      ${w.receivedEvents}/${w.expectedEvents} events (${(w.delivery * 100).toFixed(2)}%), ` +
        `${w.drained ? 'all in' : 'gave up after'} ${w.drainMs.toFixed(0)} ms after the last put`,
    );
  }
  if (r.errors === 0) lines.push('  Errors:        none');
  else {
    lines.push(`  Errors:        ${r.errors}`);
    const byCount = Object.entries(r.errorsByCode).sort((a, b) => b[1] - a[1]);
    for (const [k, n] of byCount.slice(0, 10)) lines.push(`    ${String(n).padStart(8)}  ${k}`);
    if (byCount.length > 10) lines.push(`    ... and ${byCount.length - 10} more kinds`);
  }
  return lines.join('\n') + '\n';
}
