import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics under etcd's names where etcd has one, so existing dashboards work.
 * Hot-path updates are plain counters; gauges are read when scraped.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly appliedTotal: Counter;
  private readonly committedTotal: Counter;
  readonly grpcStarted: Counter<'grpc_type' | 'grpc_service' | 'grpc_method'>;
  readonly grpcHandled: Counter<'grpc_type' | 'grpc_service' | 'grpc_method' | 'grpc_code'>;
  readonly walFsync: Histogram;
  private currentRevision = 0;

  constructor() {
    const r = this.registry;
    collectDefaultMetrics({ register: r });
    this.appliedTotal = new Counter({
      name: 'etcd_server_proposals_applied_total',
      help: 'The total number of consensus proposals applied.',
      registers: [r],
    });
    this.committedTotal = new Counter({
      name: 'etcd_server_proposals_committed_total',
      help: 'The total number of consensus proposals committed.',
      registers: [r],
    });
    this.grpcStarted = new Counter({
      name: 'grpc_server_started_total',
      help: 'Total number of RPCs started on the server.',
      labelNames: ['grpc_type', 'grpc_service', 'grpc_method'],
      registers: [r],
    });
    this.grpcHandled = new Counter({
      name: 'grpc_server_handled_total',
      help: 'Total number of RPCs completed on the server, regardless of success or failure.',
      labelNames: ['grpc_type', 'grpc_service', 'grpc_method', 'grpc_code'],
      registers: [r],
    });
    this.walFsync = new Histogram({
      name: 'etcd_disk_wal_fsync_duration_seconds',
      help: 'The latency distributions of fsync called by WAL.',
      buckets: [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024],
      registers: [r],
    });
    const self = this;
    new Gauge({
      name: 'etcd_debugging_mvcc_current_revision',
      help: 'The current revision of store.',
      registers: [r],
      collect() {
        this.set(self.currentRevision);
      },
    });
  }

  applied(n: number, revision: number): void {
    this.appliedTotal.inc(n);
    this.committedTotal.inc(n);
    this.currentRevision = revision;
  }

  /** Registers a gauge whose value is read at scrape time. */
  gauge(name: string, help: string, read: () => number, labels?: Record<string, string>): void {
    new Gauge({
      name,
      help,
      labelNames: labels ? Object.keys(labels) : [],
      registers: [this.registry],
      collect() {
        if (labels) this.set(labels, read());
        else this.set(read());
      },
    });
  }
}
