/**
 * Prometheus metrics for /metrics. The request path never calls prom-client (a labelled `inc()`
 * costs 0.2–0.5 µs): it bumps AppStats' plain counters, and each metric's `collect()` copies them at
 * scrape time. Counters are reset and refilled on every scrape, so they are exactly AppStats' values;
 * an app removed from the config disappears from the output with its series.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MetricObjectWithValues, MetricType, MetricValueWithName } from 'prom-client';
import type { AppState } from './app-state.js';
import { LATENCY_BUCKETS_MS } from './app-stats.js';
import type { AppStats } from './app-stats.js';
import { ERROR_KINDS } from './forward/error-response.js';
import { registerWebSocketMetrics } from './websocket/websocket-metrics.js';

/** The apps to expose (ProxyState fits). */
export interface MetricsSource {
  readonly apps: ReadonlyMap<string, AppState>;
  /** Called before each metric reads the apps' counters (worker threads keep theirs in shared memory). */
  refreshCounters?(): void;
}

/**
 * The `app` label of requests that reached no app (no route, malformed, refused while shutting
 * down: ForwardCore.unrouted). App names are DNS labels, so it cannot clash with one.
 */
export const UNROUTED_APP = '_unrouted';

/** One set of counters and the `app` label it is exposed under. */
interface Counted {
  readonly name: string;
  readonly stats: AppStats;
}

/** Backend states in `vortex_backends`: listed and taking requests, listed but skipped after refused connects, removed and finishing. */
export const BACKEND_STATES = ['ready', 'backoff', 'draining'] as const;

const UPSTREAM_PREFIX = 'upstream_';
/** Error kinds that are upstream failures, with their `reason` label (the kind without `upstream_`). */
const UPSTREAM_REASONS = ERROR_KINDS.flatMap((kind, index) => (kind.startsWith(UPSTREAM_PREFIX) ? [{ index, reason: kind.slice(UPSTREAM_PREFIX.length) }] : []));

/** AppStats' latency bucket bounds in seconds, as the histogram's `le` values. */
const BUCKETS_S = LATENCY_BUCKETS_MS.map((ms) => ms / 1000);

type HistogramData = MetricObjectWithValues<MetricValueWithName<string>>;
/** prom-client's typings declare MetricType as an enum that its JavaScript does not export. */
const HISTOGRAM = 'histogram' as unknown as MetricType;
/**
 * prom-client's default metrics that are gauges named `_total`: Prometheus' naming rules (and
 * `promtool check metrics`) reserve `_total` for counters. The same figures remain per type in
 * nodejs_active_handles / nodejs_active_requests / nodejs_active_resources.
 */
const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/**
 * `vortex_request_duration_seconds` straight from AppStats' buckets: prom-client's Histogram can
 * only `observe()` one value at a time, so this subclass replaces its export with AppStats' counts
 * (cumulative per `le`, then `+Inf`, `_sum`, `_count`, as the text format wants).
 */
class AppStatsHistogram extends Histogram<'app'> {
  private static readonly NAME = 'vortex_request_duration_seconds';
  private static readonly HELP = 'Time from a request\'s arrival to the end of its response, seconds';

  constructor(
    registry: Registry,
    private readonly counted: () => Iterable<Counted>,
  ) {
    super({ name: AppStatsHistogram.NAME, help: AppStatsHistogram.HELP, labelNames: ['app'], buckets: BUCKETS_S, registers: [registry] });
  }

  /** What the registry prints (prom-client prefers this over get() for the text format). */
  getForPromString(): Promise<HistogramData> {
    const name = AppStatsHistogram.NAME;
    const values: Array<MetricValueWithName<string>> = [];
    for (const app of this.counted()) {
      const { latencyCounts, latencySumMs } = app.stats;
      let cumulative = 0;
      for (let i = 0; i < BUCKETS_S.length; i++) {
        cumulative += latencyCounts[i]!;
        values.push({ metricName: `${name}_bucket`, labels: { app: app.name, le: BUCKETS_S[i]! }, value: cumulative });
      }
      cumulative += latencyCounts[BUCKETS_S.length]!;
      values.push({ metricName: `${name}_bucket`, labels: { app: app.name, le: '+Inf' }, value: cumulative });
      values.push({ metricName: `${name}_sum`, labels: { app: app.name }, value: latencySumMs / 1000 });
      values.push({ metricName: `${name}_count`, labels: { app: app.name }, value: cumulative });
    }
    return Promise.resolve({ name, help: AppStatsHistogram.HELP, type: HISTOGRAM, values, aggregator: 'sum', collect: () => {} });
  }

  override get(): Promise<HistogramData> {
    return this.getForPromString();
  }
}

/**
 * A Registry with Vortex's proxy metrics over `source`, plus Node's process metrics (prom-client's
 * defaults). `unrouted` (ForwardCore.unrouted) adds the requests that reached no app to the request,
 * latency and error series as app="_unrouted". Serve `registry.metrics()` with `registry.contentType`.
 */
export function createProxyMetrics(source: MetricsSource, unrouted?: AppStats): Registry {
  const registry = new Registry();
  const registers = [registry];
  const apps = () => {
    source.refreshCounters?.();
    return source.apps.values();
  };
  function* counted(): Iterable<Counted> {
    source.refreshCounters?.();
    yield* source.apps.values();
    if (unrouted !== undefined) yield { name: UNROUTED_APP, stats: unrouted };
  }

  new Counter({
    name: 'vortex_requests_total',
    help: 'Responses sent, by app and status code (the proxy\'s own error responses included)',
    labelNames: ['app', 'code'],
    registers,
    collect() {
      this.reset();
      for (const app of counted()) {
        const byCode = app.stats.byCode;
        for (let code = 100; code < byCode.length; code++) {
          const n = byCode[code] ?? 0;
          if (n > 0) this.inc({ app: app.name, code }, n);
        }
      }
    },
  });
  new AppStatsHistogram(registry, counted);
  new Counter({
    name: 'vortex_ratelimited_total',
    help: 'Requests refused with 429 by a rate limiter',
    labelNames: ['app'],
    registers,
    collect() {
      this.reset();
      for (const app of apps()) this.inc({ app: app.name }, app.stats.rateLimited);
    },
  });
  new Counter({
    name: 'vortex_upstream_errors_total',
    help: 'Upstream failures by reason (connect_failed, connect_timeout, timeout, reset, invalid_response, busy, error)',
    labelNames: ['app', 'reason'],
    registers,
    collect() {
      this.reset();
      for (const app of apps()) for (const { index, reason } of UPSTREAM_REASONS) this.inc({ app: app.name, reason }, app.stats.errors[index] ?? 0);
    },
  });
  new Counter({
    name: 'vortex_proxy_errors_total',
    help: 'The proxy\'s own error responses and failures, by kind (see docs/proxy.md)',
    labelNames: ['app', 'kind'],
    registers,
    collect() {
      this.reset();
      for (const app of counted()) {
        for (let i = 0; i < ERROR_KINDS.length; i++) {
          const n = app.stats.errors[i] ?? 0;
          if (n > 0) this.inc({ app: app.name, kind: ERROR_KINDS[i]! }, n);
        }
      }
    },
  });
  new Gauge({
    name: 'vortex_inflight_requests',
    help: 'Requests being forwarded to a backend now',
    labelNames: ['app'],
    registers,
    collect() {
      this.reset();
      for (const app of apps()) this.set({ app: app.name }, app.stats.inFlight);
    },
  });
  new Gauge({
    name: 'vortex_waiting_requests',
    help: 'Requests held for a backend now (an app scaling from zero)',
    labelNames: ['app'],
    registers,
    collect() {
      this.reset();
      for (const app of apps()) this.set({ app: app.name }, app.stats.waiting);
    },
  });
  new Gauge({
    name: 'vortex_backends',
    help: 'Backends by state: ready (taking requests), backoff (skipped after refused connects), draining (removed, finishing)',
    labelNames: ['app', 'state'],
    registers,
    collect() {
      this.reset();
      const now = performance.now();
      for (const app of apps()) {
        const counts = backendCounts(app, now);
        for (const state of BACKEND_STATES) this.set({ app: app.name, state }, counts[state]);
      }
    },
  });
  new Gauge({
    name: 'vortex_active_nodes',
    help: 'Ready backends per app (the seed\'s name; same as vortex_backends{state="ready"})',
    labelNames: ['app'],
    registers,
    collect() {
      this.reset();
      const now = performance.now();
      for (const app of apps()) this.set({ app: app.name }, backendCounts(app, now).ready);
    },
  });
  registerWebSocketMetrics(registry, apps);
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
  return registry;
}

/** An app's backends per state at `now` (performance.now() ms, the clock back-offs use). */
export function backendCounts(app: AppState, now: number): Record<(typeof BACKEND_STATES)[number], number> {
  let ready = 0;
  let backoff = 0;
  for (const backend of app.backends.list) {
    if (backend.backoffUntil > now) backoff++;
    else ready++;
  }
  let draining = 0;
  for (const backend of app.backends.draining) if (backend.state === 'draining') draining++;
  return { ready, backoff, draining };
}
