import { BURN_WINDOWS } from '../../engine/slo';
import type { AppSettings, MetricMapping } from '../../settings/types';

/**
 * PromQL builders for the service view. Windows are given in whole seconds rather than
 * `$__rate_interval`, so the queries are the same whoever runs them (the page, the
 * integration tests, a user pasting them into Explore) and can be unit-tested.
 */

export interface PromTarget {
  refId: string;
  expr: string;
  instant: boolean;
  range: boolean;
  /** Resolution of range queries, in seconds. */
  stepSeconds?: number;
}

/** Prometheus label values are double-quoted strings with Go escapes. */
export function quoteLabelValue(value: string): string {
  return JSON.stringify(value);
}

/** Label names are not quotable in PromQL before 3.0, so anything else is refused. */
export function assertLabelName(name: string): string {
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) {
    throw new Error(`"${name}" is not a valid Prometheus label name`);
  }
  return name;
}

export function assertMetricName(name: string): string {
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) {
    throw new Error(`"${name}" is not a valid Prometheus metric name`);
  }
  return name;
}

/** A series selector; the mapping's extra matchers (e.g. server spans only) apply to every one. */
function selector(m: MetricMapping, metric: string, matchers: string[]): string {
  const extra = m.extraMatchers?.trim();
  return `${assertMetricName(metric)}{${(extra ? [...matchers, extra] : matchers).join(', ')}}`;
}

/**
 * Which series a query covers: one named service, or every service. Both scopes run the same
 * expression, aggregated `by (<service label>)`, so the fleet overview and the Services page
 * read one series per service and compute the same figures from them.
 */
export const ALL_SERVICES: unique symbol = Symbol('all services');
export type ServiceScope = string | typeof ALL_SERVICES;

function scopeMatchers(m: MetricMapping, scope: ServiceScope): string[] {
  return scope === ALL_SERVICES ? [] : [`${assertLabelName(m.serviceLabel)}=${quoteLabelValue(scope)}`];
}

function errorMatcher(m: MetricMapping): string {
  return `${assertLabelName(m.statusLabel)}=~${quoteLabelValue(m.errorStatusRegex)}`;
}

function perService(m: MetricMapping, fn: 'rate' | 'increase', matchers: string[], windowSeconds: number): string {
  return `sum by (${assertLabelName(m.serviceLabel)}) (${fn}(${selector(m, m.requestsMetric, matchers)}[${windowSeconds}s]))`;
}

/** Requests per second over `windowSeconds`, summed over each service's series. */
export function requestRateExpr(m: MetricMapping, scope: ServiceScope, windowSeconds: number): string {
  return perService(m, 'rate', scopeMatchers(m, scope), windowSeconds);
}

export function errorRateExpr(m: MetricMapping, scope: ServiceScope, windowSeconds: number): string {
  return perService(m, 'rate', [...scopeMatchers(m, scope), errorMatcher(m)], windowSeconds);
}

export function requestIncreaseExpr(m: MetricMapping, scope: ServiceScope, windowSeconds: number): string {
  return perService(m, 'increase', scopeMatchers(m, scope), windowSeconds);
}

export function errorIncreaseExpr(m: MetricMapping, scope: ServiceScope, windowSeconds: number): string {
  return perService(m, 'increase', [...scopeMatchers(m, scope), errorMatcher(m)], windowSeconds);
}

/** Share of failed requests per second over `windowSeconds`, per service: the overview's sparkline. */
export function errorRatioExpr(m: MetricMapping, scope: ServiceScope, windowSeconds: number): string {
  return `${errorRateExpr(m, scope, windowSeconds)} / ${requestRateExpr(m, scope, windowSeconds)}`;
}

export function latencyQuantileExpr(
  m: MetricMapping,
  scope: ServiceScope,
  windowSeconds: number,
  quantile = 0.95
): string {
  const buckets = selector(m, m.latencyBucketMetric, scopeMatchers(m, scope));
  const svc = assertLabelName(m.serviceLabel);
  const expr = `histogram_quantile(${quantile}, sum by (le, ${svc}) (rate(${buckets}[${windowSeconds}s])))`;
  // The page always shows seconds; millisecond histograms are converted here, once.
  return m.latencyUnit === 'milliseconds' ? `(${expr}) / 1000` : expr;
}

/** Error rate per route, used for the failure distribution and for consistency with logs. */
export function errorRateByRouteExpr(m: MetricMapping, service: string, windowSeconds: number): string {
  const errors = selector(m, m.requestsMetric, [...scopeMatchers(m, service), errorMatcher(m)]);
  return `sum by (${assertLabelName(m.routeLabel)}) (increase(${errors}[${windowSeconds}s]))`;
}

/** One series per service that reported the requests metric during the window. */
export function servicesExpr(m: MetricMapping, windowSeconds: number): string {
  return `group by (${assertLabelName(m.serviceLabel)}) (last_over_time(${selector(m, m.requestsMetric, [])}[${windowSeconds}s]))`;
}

/**
 * Step for range queries: about 200 points over the range, never finer than 15 s
 * (a common scrape interval), rounded to whole seconds.
 */
export function rangeStepSeconds(rangeSeconds: number): number {
  return Math.max(15, Math.ceil(rangeSeconds / 200));
}

/**
 * Window of `rate()` in range queries: at least four scrapes of 15 s and at least two
 * steps, so that every point covers enough samples and no sample falls between points.
 */
export function rateWindowSeconds(stepSeconds: number): number {
  return Math.max(60, 2 * stepSeconds);
}

export function rangeSeconds(fromMs: number, toMs: number): number {
  return Math.max(1, Math.round((toMs - fromMs) / 1000));
}

/** Range queries for the rate and latency panels. */
export function seriesTargets(m: MetricMapping, service: string, fromMs: number, toMs: number): PromTarget[] {
  const step = rangeStepSeconds(rangeSeconds(fromMs, toMs));
  const w = rateWindowSeconds(step);
  const range = (refId: string, expr: string): PromTarget => ({
    refId,
    expr,
    instant: false,
    range: true,
    stepSeconds: step,
  });
  return [
    range('requests', requestRateExpr(m, service, w)),
    range('errors', errorRateExpr(m, service, w)),
    range('p95', latencyQuantileExpr(m, service, w)),
  ];
}

export function periodSeconds(periodDays: number): number {
  return Math.round(periodDays * 86400);
}

/** refIds of the totals over an SLO period; one pair per distinct period length. */
export function periodRefIds(periodDays: number): { requests: string; errors: string } {
  const s = periodSeconds(periodDays);
  return { requests: `period_requests_${s}s`, errors: `period_errors_${s}s` };
}

/**
 * Instant queries evaluated at the end of the range: totals over the range (for the
 * headline rates and p95), totals over each burn window and over each SLO period in use, and,
 * for one named service, errors by route over the range.
 */
export function summaryTargets(
  m: MetricMapping,
  scope: ServiceScope,
  fromMs: number,
  toMs: number,
  periodDays: readonly number[]
): PromTarget[] {
  const r = rangeSeconds(fromMs, toMs);
  const instant = (refId: string, expr: string): PromTarget => ({ refId, expr, instant: true, range: false });
  const periods = [...new Set(periodDays.map(periodSeconds))].map((s) => s / 86400);
  return [
    instant('range_requests', requestIncreaseExpr(m, scope, r)),
    instant('range_errors', errorIncreaseExpr(m, scope, r)),
    instant('range_p95', latencyQuantileExpr(m, scope, r)),
    ...(scope === ALL_SERVICES ? [] : [instant('range_errors_by_route', errorRateByRouteExpr(m, scope, r))]),
    ...periods.flatMap((days) => {
      const ref = periodRefIds(days);
      return [
        instant(ref.requests, requestIncreaseExpr(m, scope, periodSeconds(days))),
        instant(ref.errors, errorIncreaseExpr(m, scope, periodSeconds(days))),
      ];
    }),
    ...BURN_WINDOWS.flatMap((w) => [
      instant(`burn_requests_${w.id}`, requestIncreaseExpr(m, scope, w.seconds)),
      instant(`burn_errors_${w.id}`, errorIncreaseExpr(m, scope, w.seconds)),
    ]),
  ];
}

/** The overview's sparkline: the error ratio of every service over the range, one series each. */
export function errorRatioSeriesTarget(m: MetricMapping, fromMs: number, toMs: number): PromTarget {
  const step = rangeStepSeconds(rangeSeconds(fromMs, toMs));
  return {
    refId: 'error_ratio',
    expr: errorRatioExpr(m, ALL_SERVICES, rateWindowSeconds(step)),
    instant: false,
    range: true,
    stepSeconds: step,
  };
}

/** The list of services that reported the requests metric during the range. */
export function servicesTarget(m: MetricMapping, fromMs: number, toMs: number): PromTarget {
  return { refId: 'services', expr: servicesExpr(m, rangeSeconds(fromMs, toMs)), instant: true, range: false };
}

/**
 * The queries of the overview: every figure once for all services, aggregated by service, with
 * the totals over each SLO period in use (the default's and the overrides').
 */
export function fleetTargets(
  m: MetricMapping,
  slo: AppSettings['slo'],
  fromMs: number,
  toMs: number
): { series: PromTarget[]; summary: PromTarget[] } {
  const periods = [slo.default, ...Object.values(slo.overrides)].map((o) => o.periodDays);
  return {
    series: [errorRatioSeriesTarget(m, fromMs, toMs)],
    summary: [servicesTarget(m, fromMs, toMs), ...summaryTargets(m, ALL_SERVICES, fromMs, toMs, periods)],
  };
}

/** Tempo's metrics-generator series for dependencies between services. */
export const SERVICE_GRAPH_REQUESTS = 'traces_service_graph_request_total';
export const SERVICE_GRAPH_FAILED = 'traces_service_graph_request_failed_total';

/**
 * Dependency edges and per-service traffic over the range, for the blast radius. All
 * services are fetched: callers of callers are affected too, and the graph is small.
 */
export function dependencyTargets(m: MetricMapping, fromMs: number, toMs: number): PromTarget[] {
  const r = rangeSeconds(fromMs, toMs);
  const svc = assertLabelName(m.serviceLabel);
  const instant = (refId: string, expr: string): PromTarget => ({ refId, expr, instant: true, range: false });
  return [
    instant('graph_requests', `sum by (client, server) (increase(${SERVICE_GRAPH_REQUESTS}[${r}s]))`),
    instant('graph_failed', `sum by (client, server) (increase(${SERVICE_GRAPH_FAILED}[${r}s]))`),
    instant('service_requests', `sum by (${svc}) (increase(${selector(m, m.requestsMetric, [])}[${r}s]))`),
    instant('service_errors', `sum by (${svc}) (increase(${selector(m, m.requestsMetric, [errorMatcher(m)])}[${r}s]))`),
  ];
}
