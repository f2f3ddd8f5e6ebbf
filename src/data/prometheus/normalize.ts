import type { DataFrame } from '@grafana/data';
import { BURN_WINDOWS, type BurnWindowId, type Counts } from '../../engine/slo';
import type { ServiceEdge } from '../../engine/blastRadius';
import type { MetricSignals } from '../../engine/signals';
import type { MetricMapping } from '../../settings/types';
import { instantByLabel, instantSamples, instantSum, instantValue, labelValues, rangeSeries } from '../frames';

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

export interface DependencySignals {
  edges: ServiceEdge[];
  serviceTraffic: Record<string, { requests: number; errors: number }>;
}

/** Frames of `dependencyTargets` as edges between services and per-service counts. */
export function toDependencySignals(frames: DataFrame[], mapping: MetricMapping): DependencySignals {
  const edgeKey = (labels: Record<string, string>) =>
    labels.client && labels.server ? `${labels.client}\u0000${labels.server}` : undefined;
  const edges = new Map<string, ServiceEdge>();
  for (const [refId, key] of [
    ['graph_requests', 'requests'],
    ['graph_failed', 'failed'],
  ] as const) {
    for (const sample of instantSamples(frames, refId)) {
      const id = edgeKey(sample.labels);
      if (!id || sample.value === null) {
        continue;
      }
      const edge = edges.get(id) ?? {
        client: sample.labels.client,
        server: sample.labels.server,
        requests: 0,
        failed: 0,
      };
      edge[key] += sample.value;
      edges.set(id, edge);
    }
  }
  const requests = instantByLabel(frames, 'service_requests', mapping.serviceLabel);
  const errors = instantByLabel(frames, 'service_errors', mapping.serviceLabel);
  const serviceTraffic = Object.fromEntries(
    Object.keys(requests).map((s) => [s, { requests: requests[s], errors: errors[s] ?? 0 }])
  );
  return { edges: [...edges.values()], serviceTraffic };
}
