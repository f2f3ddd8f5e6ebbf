import { BURN_WINDOWS } from '../../engine/slo';
import type { MetricMapping } from '../../settings/types';

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

function serviceMatcher(m: MetricMapping, service: string): string {
  return `${assertLabelName(m.serviceLabel)}=${quoteLabelValue(service)}`;
}

function errorMatcher(m: MetricMapping): string {
  return `${assertLabelName(m.statusLabel)}=~${quoteLabelValue(m.errorStatusRegex)}`;
}

/** Requests per second over `windowSeconds`, summed over the service's series. */
export function requestRateExpr(m: MetricMapping, service: string, windowSeconds: number): string {
  return `sum(rate(${selector(m, m.requestsMetric, [serviceMatcher(m, service)])}[${windowSeconds}s]))`;
}

export function errorRateExpr(m: MetricMapping, service: string, windowSeconds: number): string {
  return `sum(rate(${selector(m, m.requestsMetric, [serviceMatcher(m, service), errorMatcher(m)])}[${windowSeconds}s]))`;
}

export function requestIncreaseExpr(m: MetricMapping, service: string, windowSeconds: number): string {
  return `sum(increase(${selector(m, m.requestsMetric, [serviceMatcher(m, service)])}[${windowSeconds}s]))`;
}

export function errorIncreaseExpr(m: MetricMapping, service: string, windowSeconds: number): string {
  return `sum(increase(${selector(m, m.requestsMetric, [serviceMatcher(m, service), errorMatcher(m)])}[${windowSeconds}s]))`;
}

export function latencyQuantileExpr(m: MetricMapping, service: string, windowSeconds: number, quantile = 0.95): string {
  const buckets = selector(m, m.latencyBucketMetric, [serviceMatcher(m, service)]);
  const expr = `histogram_quantile(${quantile}, sum by (le) (rate(${buckets}[${windowSeconds}s])))`;
  // The page always shows seconds; millisecond histograms are converted here, once.
  return m.latencyUnit === 'milliseconds' ? `(${expr}) / 1000` : expr;
}

/** Error rate per route, used for the failure distribution and for consistency with logs. */
export function errorRateByRouteExpr(m: MetricMapping, service: string, windowSeconds: number): string {
  const errors = selector(m, m.requestsMetric, [serviceMatcher(m, service), errorMatcher(m)]);
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

/**
 * Instant queries evaluated at the end of the range: totals over the range (for the
 * headline rates and p95), totals over each burn window, over the SLO period, and errors by
 * route over the range.
 */
export function summaryTargets(
  m: MetricMapping,
  service: string,
  fromMs: number,
  toMs: number,
  periodDays: number
): PromTarget[] {
  const r = rangeSeconds(fromMs, toMs);
  const instant = (refId: string, expr: string): PromTarget => ({ refId, expr, instant: true, range: false });
  const period = Math.round(periodDays * 86400);
  return [
    instant('range_requests', requestIncreaseExpr(m, service, r)),
    instant('range_errors', errorIncreaseExpr(m, service, r)),
    instant('range_p95', latencyQuantileExpr(m, service, r)),
    instant('range_errors_by_route', errorRateByRouteExpr(m, service, r)),
    instant('period_requests', requestIncreaseExpr(m, service, period)),
    instant('period_errors', errorIncreaseExpr(m, service, period)),
    ...BURN_WINDOWS.flatMap((w) => [
      instant(`burn_requests_${w.id}`, requestIncreaseExpr(m, service, w.seconds)),
      instant(`burn_errors_${w.id}`, errorIncreaseExpr(m, service, w.seconds)),
    ]),
  ];
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
