import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The process's Prometheus registry and the application's own metrics. */
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'keyward_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'keyward_http_request_duration_seconds',
    help: 'Time to answer an HTTP request.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly sharedCountersDegraded = new Gauge({
    name: 'keyward_shared_counters_degraded',
    help: '1 while Redis is unreachable and limits use per-instance counters; 0 otherwise.',
    registers: [this.registry],
  });

  readonly sharedCountersFallbacks = new Counter({
    name: 'keyward_shared_counters_fallbacks_total',
    help: 'Times the limits fell back to per-instance counters because Redis was unreachable.',
    registers: [this.registry],
  });

  readonly credentialCacheInvalidations = new Counter({
    name: 'keyward_credential_cache_invalidations_total',
    help: 'Times this instance emptied its credential cache: for a change here, a message from another instance, or a reconnection to Redis.',
    registers: [this.registry],
  });

  constructor(queryCount: () => number) {
    collectDefaultMetrics({ register: this.registry, prefix: 'keyward_' });
    new Counter({
      name: 'keyward_db_queries_total',
      help: 'SQL statements sent to the database.',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(queryCount());
      },
    });
  }
}
