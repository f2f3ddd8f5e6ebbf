import type { BurnWindowId, Counts } from './slo';

/** A sample of a time series; null where the datasource had no value (gap or NaN). */
export interface Point {
  t: number;
  v: number | null;
}

/**
 * The counts of one service over the range, the SLO period and the burn windows: what the
 * Services page and every row of the overview compute their figures from.
 */
export interface ServiceTotals {
  service: string;
  fromMs: number;
  toMs: number;
  /** Totals over the selected range. */
  range: Counts & { p95Seconds: number | null };
  /** Totals over the SLO period ending at `toMs`. */
  period: Counts;
  windows: Record<BurnWindowId, Counts>;
}

/**
 * What the data layer hands the engine for one service and time range: plain numbers,
 * already normalized from Prometheus data frames.
 */
export interface MetricSignals extends ServiceTotals {
  /** Failed requests per route over the selected range. */
  errorsByRoute: Record<string, number>;
  series: {
    requests: Point[];
    errors: Point[];
    p95: Point[];
  };
}

export interface TrafficSummary {
  /** Requests per second over the range; 0 when there was no traffic. */
  requestRate: number;
  /** Failed requests per second over the range. */
  errorRate: number;
  /** null when there was no traffic. */
  errorRatio: number | null;
  p95Seconds: number | null;
  noTraffic: boolean;
}

export function summarizeTraffic(s: ServiceTotals): TrafficSummary {
  const seconds = Math.max(1, (s.toMs - s.fromMs) / 1000);
  const requests = s.range.requests > 0 ? s.range.requests : 0;
  const errors = Math.min(requests, s.range.errors > 0 ? s.range.errors : 0);
  return {
    requestRate: requests / seconds,
    errorRate: errors / seconds,
    errorRatio: requests > 0 ? errors / requests : null,
    p95Seconds:
      requests > 0 && s.range.p95Seconds !== null && Number.isFinite(s.range.p95Seconds) ? s.range.p95Seconds : null,
    noTraffic: requests === 0,
  };
}
