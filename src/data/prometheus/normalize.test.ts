import { createDataFrame, FieldType, type DataFrame } from '@grafana/data';
import { METRIC_PRESETS } from '../../settings/presets';
import { toDependencySignals, toFleetSignals, toMetricSignals, toServiceNames } from './normalize';

const mapping = METRIC_PRESETS.otel.mapping;

/** An instant-query frame as Grafana's Prometheus backend returns it: one row, labels on the value field. */
function instant(refId: string, value: number, labels: Record<string, string> = {}): DataFrame {
  return createDataFrame({
    refId,
    meta: { type: 'numeric-multi' as never },
    fields: [
      { name: 'Time', type: FieldType.time, values: [1_700_000_000_000] },
      { name: 'Value', type: FieldType.number, values: [value], labels },
    ],
  });
}

function range(refId: string, values: Array<number | null>): DataFrame {
  return createDataFrame({
    refId,
    fields: [
      { name: 'Time', type: FieldType.time, values: values.map((_, i) => 1_700_000_000_000 + i * 15_000) },
      { name: 'Value', type: FieldType.number, values },
    ],
  });
}

/** What Grafana returns for a query that matched no series: a frame with no fields. */
function empty(refId: string): DataFrame {
  return createDataFrame({ refId, fields: [] });
}

describe('toMetricSignals', () => {
  it('reads totals, burn windows, routes and series from frames', () => {
    const frames = [
      instant('range_requests', 3600),
      instant('range_errors', 36),
      instant('range_p95', 0.42),
      instant('range_errors_by_route', 30, { http_route: '/checkout' }),
      instant('range_errors_by_route', 6, { http_route: '/' }),
      instant('period_requests_2592000s', 1_000_000),
      instant('period_errors_2592000s', 250),
      instant('burn_requests_1h', 3600),
      instant('burn_errors_1h', 36),
      range('requests', [1, 1.2, null, NaN]),
      range('errors', [0, 0.1, 0.2, 0.3]),
    ];
    const s = toMetricSignals(frames, mapping, 'svc', 0, 3_600_000, 30);
    expect(s.range).toEqual({ requests: 3600, errors: 36, p95Seconds: 0.42 });
    expect(s.period).toEqual({ requests: 1_000_000, errors: 250 });
    expect(s.windows['1h']).toEqual({ requests: 3600, errors: 36 });
    expect(s.windows['5m']).toEqual({ requests: 0, errors: 0 });
    expect(s.errorsByRoute).toEqual({ '/checkout': 30, '/': 6 });
    expect(s.series.requests.map((p) => p.v)).toEqual([1, 1.2, null, null]);
    expect(s.series.errors).toHaveLength(4);
    expect(s.series.p95).toEqual([]);
  });

  it('reads empty results (no traffic) as zero counts and no latency', () => {
    const frames = ['range_requests', 'range_errors', 'range_p95', 'period_requests', 'requests'].map(empty);
    const s = toMetricSignals(frames, mapping, 'svc', 0, 60_000, 30);
    expect(s.range).toEqual({ requests: 0, errors: 0, p95Seconds: null });
    expect(s.series.requests).toEqual([]);
  });

  it('turns a NaN p95 (histogram without observations) into null', () => {
    const s = toMetricSignals([instant('range_p95', NaN)], mapping, 'svc', 0, 60_000, 30);
    expect(s.range.p95Seconds).toBeNull();
  });

  it('sums several series of one refId', () => {
    const s = toMetricSignals(
      [instant('range_requests', 10, { a: '1' }), instant('range_requests', 5, { a: '2' })],
      mapping,
      'svc',
      0,
      1,
      30
    );
    expect(s.range.requests).toBe(15);
  });
});

describe('toFleetSignals', () => {
  const svc = (name: string) => ({ service_name: name });

  it('reads one entry per service from by-service frames, each with its own SLO period', () => {
    const frames = [
      instant('services', 1, svc('checkout')),
      instant('services', 1, svc('idle')),
      instant('services', 1, svc('search')),
      instant('range_requests', 3600, svc('checkout')),
      instant('range_errors', 36, svc('checkout')),
      instant('range_p95', 0.3, svc('checkout')),
      instant('range_requests', 100, svc('search')),
      instant('range_p95', NaN, svc('search')),
      instant('period_requests_2592000s', 1_000_000, svc('checkout')),
      instant('period_errors_2592000s', 500, svc('checkout')),
      instant('period_requests_604800s', 70_000, svc('search')),
      instant('period_requests_2592000s', 999, svc('search')),
      instant('burn_requests_1h', 3600, svc('checkout')),
      instant('burn_errors_1h', 36, svc('checkout')),
      createDataFrame({
        refId: 'error_ratio',
        fields: [
          { name: 'Time', type: FieldType.time, values: [0, 15_000] },
          { name: 'Value', type: FieldType.number, values: [0.01, NaN], labels: svc('checkout') },
        ],
      }),
    ];
    const fleet = toFleetSignals(frames, mapping, 0, 3_600_000, (s) => (s === 'search' ? 7 : 30));
    expect(fleet.map((f) => f.totals.service)).toEqual(['checkout', 'idle', 'search']);
    const [checkout, idle, search] = fleet;
    expect(checkout.totals.range).toEqual({ requests: 3600, errors: 36, p95Seconds: 0.3 });
    expect(checkout.totals.period).toEqual({ requests: 1_000_000, errors: 500 });
    expect(checkout.totals.windows['1h']).toEqual({ requests: 3600, errors: 36 });
    expect(checkout.errorRatio).toEqual([
      { t: 0, v: 0.01 },
      { t: 15_000, v: null },
    ]);
    // Listed but without counts: zeros, no latency, no sparkline.
    expect(idle.totals.range).toEqual({ requests: 0, errors: 0, p95Seconds: null });
    expect(idle.errorRatio).toEqual([]);
    // The 7-day period of its own objective, not the default's 30 days.
    expect(search.totals.period).toEqual({ requests: 70_000, errors: 0 });
    expect(search.totals.range.p95Seconds).toBeNull();
  });

  it('is empty when Prometheus knows no service', () => {
    expect(toFleetSignals(['services', 'range_requests'].map(empty), mapping, 0, 1, () => 30)).toEqual([]);
  });
});

describe('toServiceNames', () => {
  it('lists the service label values, sorted and unique', () => {
    const frames = [
      instant('services', 1, { service_name: 'payments' }),
      instant('services', 1, { service_name: 'checkout' }),
      instant('services', 1, { service_name: 'payments' }),
      instant('services', 1, {}),
    ];
    expect(toServiceNames(frames, mapping)).toEqual(['checkout', 'payments']);
  });
});

describe('toDependencySignals', () => {
  it('joins request and failure counts per edge and per service', () => {
    const frames = [
      instant('graph_requests', 100, { client: 'sample-app', server: 'payments' }),
      instant('graph_requests', 40, { client: 'user', server: 'sample-app' }),
      instant('graph_failed', 30, { client: 'sample-app', server: 'payments' }),
      instant('graph_failed', 1, { client: '', server: 'x' }),
      instant('service_requests', 500, { service_name: 'sample-app' }),
      instant('service_requests', 100, { service_name: 'payments' }),
      instant('service_errors', 30, { service_name: 'payments' }),
    ];
    expect(toDependencySignals(frames, mapping)).toEqual({
      edges: [
        { client: 'sample-app', server: 'payments', requests: 100, failed: 30 },
        { client: 'user', server: 'sample-app', requests: 40, failed: 0 },
      ],
      serviceTraffic: { 'sample-app': { requests: 500, errors: 0 }, payments: { requests: 100, errors: 30 } },
    });
  });
});
