import type { DataFrame } from '@grafana/data';
import { BURN_WINDOWS, type BurnWindowId, type Counts } from '../../engine/slo';
import type { MetricSignals } from '../../engine/signals';
import type { MetricMapping } from '../../settings/types';
import { instantByLabel, instantSum, instantValue, labelValues, rangeSeries } from '../frames';

/** Turns the frames of `seriesTargets` and `summaryTargets` into the engine's input. */
export function toMetricSignals(
  frames: DataFrame[],
  mapping: MetricMapping,
  service: string,
  fromMs: number,
  toMs: number
): MetricSignals {
  const counts = (requestsRef: string, errorsRef: string): Counts => ({
    requests: instantSum(frames, requestsRef),
    errors: instantSum(frames, errorsRef),
  });
  const windows = Object.fromEntries(
    BURN_WINDOWS.map((w) => [w.id, counts(`burn_requests_${w.id}`, `burn_errors_${w.id}`)])
  ) as Record<BurnWindowId, Counts>;
  return {
    service,
    fromMs,
    toMs,
    range: { ...counts('range_requests', 'range_errors'), p95Seconds: instantValue(frames, 'range_p95') },
    period: counts('period_requests', 'period_errors'),
    windows,
    errorsByRoute: instantByLabel(frames, 'range_errors_by_route', mapping.routeLabel),
    series: {
      requests: rangeSeries(frames, 'requests'),
      errors: rangeSeries(frames, 'errors'),
      p95: rangeSeries(frames, 'p95'),
    },
  };
}

export function toServiceNames(frames: DataFrame[], mapping: MetricMapping): string[] {
  return labelValues(frames, mapping.serviceLabel);
}
