import { METRIC_PRESETS } from '../../settings/presets';
import { BURN_WINDOWS } from '../../engine/slo';
import {
  ALL_SERVICES,
  errorIncreaseExpr,
  errorRatioSeriesTarget,
  errorRateByRouteExpr,
  errorRateExpr,
  latencyQuantileExpr,
  quoteLabelValue,
  rangeStepSeconds,
  rateWindowSeconds,
  requestRateExpr,
  seriesTargets,
  servicesExpr,
  summaryTargets,
} from './queries';

const { otel, prometheus, spanmetrics } = METRIC_PRESETS;

describe('PromQL builders per preset', () => {
  it('OpenTelemetry HTTP server conventions', () => {
    const m = otel.mapping;
    expect(requestRateExpr(m, 'checkout', 300)).toBe(
      'sum by (service_name) (rate(http_server_request_duration_seconds_count{service_name="checkout"}[300s]))'
    );
    expect(errorRateExpr(m, 'checkout', 300)).toBe(
      'sum by (service_name) (rate(http_server_request_duration_seconds_count{service_name="checkout", http_response_status_code=~"5.."}[300s]))'
    );
    expect(latencyQuantileExpr(m, 'checkout', 60)).toBe(
      'histogram_quantile(0.95, sum by (le, service_name) (rate(http_server_request_duration_seconds_bucket{service_name="checkout"}[60s])))'
    );
    expect(errorRateByRouteExpr(m, 'checkout', 3600)).toBe(
      'sum by (http_route) (increase(http_server_request_duration_seconds_count{service_name="checkout", http_response_status_code=~"5.."}[3600s]))'
    );
  });

  it('Prometheus client conventions', () => {
    const m = prometheus.mapping;
    expect(errorIncreaseExpr(m, 'api', 86400)).toBe(
      'sum by (job) (increase(http_requests_total{job="api", code=~"5.."}[86400s]))'
    );
    expect(latencyQuantileExpr(m, 'api', 60)).toContain('http_request_duration_seconds_bucket{job="api"}');
    expect(servicesExpr(m, 3600)).toBe('group by (job) (last_over_time(http_requests_total{}[3600s]))');
  });

  it('Tempo span metrics', () => {
    const m = spanmetrics.mapping;
    expect(errorRateExpr(m, 'payments', 120)).toBe(
      'sum by (service) (rate(traces_spanmetrics_calls_total{service="payments", status_code=~"STATUS_CODE_ERROR", span_kind=~"SPAN_KIND_SERVER|SPAN_KIND_CONSUMER"}[120s]))'
    );
  });

  it('counts only server spans of span metrics, in every selector', () => {
    const m = spanmetrics.mapping;
    const kinds = 'span_kind=~"SPAN_KIND_SERVER|SPAN_KIND_CONSUMER"';
    expect(requestRateExpr(m, 'payments', 60)).toBe(
      `sum by (service) (rate(traces_spanmetrics_calls_total{service="payments", ${kinds}}[60s]))`
    );
    expect(latencyQuantileExpr(m, 'payments', 60)).toContain(
      `traces_spanmetrics_latency_bucket{service="payments", ${kinds}}`
    );
    expect(servicesExpr(m, 60)).toBe(
      `group by (service) (last_over_time(traces_spanmetrics_calls_total{${kinds}}[60s]))`
    );
  });

  it('converts millisecond histograms to seconds once', () => {
    const m = { ...otel.mapping, latencyUnit: 'milliseconds' as const };
    expect(latencyQuantileExpr(m, 's', 60)).toMatch(/^\(histogram_quantile\(.*\)\) \/ 1000$/);
  });

  it('escapes label values and refuses invalid names', () => {
    expect(quoteLabelValue('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(requestRateExpr(otel.mapping, 'we"ird} or vector(1)', 60)).toContain(
      'service_name="we\\"ird} or vector(1)"'
    );
    expect(() => requestRateExpr({ ...otel.mapping, serviceLabel: 'bad-label' }, 's', 60)).toThrow(/label name/);
    expect(() => requestRateExpr({ ...otel.mapping, requestsMetric: 'up{}' }, 's', 60)).toThrow(/metric name/);
  });
});

describe('steps and windows', () => {
  it('keeps about 200 points and never goes below 15 s', () => {
    expect(rangeStepSeconds(3600)).toBe(18);
    expect(rangeStepSeconds(300)).toBe(15);
    expect(rangeStepSeconds(7 * 86400)).toBe(3024);
    expect(rateWindowSeconds(15)).toBe(60);
    expect(rateWindowSeconds(3024)).toBe(6048);
  });

  it('builds range targets over the selected range', () => {
    const targets = seriesTargets(otel.mapping, 'svc', 0, 3_600_000);
    expect(targets.map((t) => t.refId)).toEqual(['requests', 'errors', 'p95']);
    expect(targets.every((t) => t.range && !t.instant && t.stepSeconds === 18)).toBe(true);
    expect(targets[0].expr).toContain('[60s]');
  });

  it('builds instant targets for the range, the SLO period and every burn window', () => {
    const targets = summaryTargets(otel.mapping, 'svc', 0, 3_600_000, [30]);
    const byRef = Object.fromEntries(targets.map((t) => [t.refId, t.expr]));
    expect(targets.every((t) => t.instant && !t.range)).toBe(true);
    expect(byRef.range_requests).toContain('[3600s]');
    expect(byRef.period_errors_2592000s).toContain('[2592000s]');
    expect(byRef.burn_errors_5m).toContain('[300s]');
    expect(byRef.burn_requests_3d).toContain('[259200s]');
    expect(Object.keys(byRef)).toHaveLength(6 + 14);
  });

  it('builds the same figures for every service at once, one query each, by the service label', () => {
    const one = summaryTargets(otel.mapping, 'checkout', 0, 3_600_000, [30]);
    // The default objective and two overrides, two of them over 30 days: one period query per length.
    const all = summaryTargets(otel.mapping, ALL_SERVICES, 0, 3_600_000, [30, 7, 30]);
    const allByRef = Object.fromEntries(all.map((t) => [t.refId, t.expr]));
    expect(Object.keys(allByRef)).toEqual([
      'range_requests',
      'range_errors',
      'range_p95',
      'period_requests_2592000s',
      'period_errors_2592000s',
      'period_requests_604800s',
      'period_errors_604800s',
      ...BURN_WINDOWS.flatMap((w) => [`burn_requests_${w.id}`, `burn_errors_${w.id}`]),
    ]);
    expect(allByRef.burn_errors_5m).toBe(
      'sum by (service_name) (increase(http_server_request_duration_seconds_count{http_response_status_code=~"5.."}[300s]))'
    );
    expect(allByRef.range_p95).toBe(
      'histogram_quantile(0.95, sum by (le, service_name) (rate(http_server_request_duration_seconds_bucket{}[3600s])))'
    );
    // One service's query is the fleet's with the service matcher added.
    for (const t of one.filter((t) => t.refId !== 'range_errors_by_route')) {
      expect(t.expr.replace('service_name="checkout", ', '').replace('{service_name="checkout"}', '{}')).toBe(
        allByRef[t.refId]
      );
    }
  });

  it('builds the overview sparkline as one range query of the error ratio by service', () => {
    const t = errorRatioSeriesTarget(prometheus.mapping, 0, 7 * 86_400_000);
    expect(t).toMatchObject({ refId: 'error_ratio', range: true, instant: false, stepSeconds: 3024 });
    expect(t.expr).toBe(
      'sum by (job) (rate(http_requests_total{code=~"5.."}[6048s])) / sum by (job) (rate(http_requests_total{}[6048s]))'
    );
  });
});
