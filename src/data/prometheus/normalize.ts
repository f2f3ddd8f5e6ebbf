import type { DataFrame } from '@grafana/data';
import { BURN_WINDOWS, type BurnWindowId, type Counts } from '../../engine/slo';
import type { ServiceEdge } from '../../engine/blastRadius';
import type { FleetSignals } from '../../engine/fleet';
import type { MetricSignals, ServiceTotals } from '../../engine/signals';
import { compareAsc } from '../../engine/values';
import type { MetricMapping } from '../../settings/types';
import {
  framesFor,
  instantByLabel,
  instantSamples,
  instantSum,
  instantValue,
  labelValues,
  rangeSeries,
  rangeSeriesByLabel,
} from '../frames';
import { periodRefIds } from './queries';

/**
 * One service's totals from the summary frames, where `value(refId)` is that service's value
 * of a query. The Services page and the overview both read their counts through here.
 */
function serviceTotals(
  value: (refId: string) => number,
  p95Seconds: number | null,
  service: string,
  fromMs: number,
  toMs: number,
  periodDays: number
): ServiceTotals {
  const counts = (requestsRef: string, errorsRef: string): Counts => ({
    requests: value(requestsRef),
    errors: value(errorsRef),
  });
  const period = periodRefIds(periodDays);
  const windows = Object.fromEntries(
    BURN_WINDOWS.map((w) => [w.id, counts(`burn_requests_${w.id}`, `burn_errors_${w.id}`)])
  ) as Record<BurnWindowId, Counts>;
  return {
    service,
    fromMs,
    toMs,
    range: { ...counts('range_requests', 'range_errors'), p95Seconds },
    period: counts(period.requests, period.errors),
    windows,
  };
}

/** Turns the frames of `seriesTargets` and `summaryTargets` for one service into the engine's input. */
export function toMetricSignals(
  frames: DataFrame[],
  mapping: MetricMapping,
  service: string,
  fromMs: number,
  toMs: number,
  periodDays: number
): MetricSignals {
  const totals = serviceTotals(
    (refId) => instantSum(frames, refId),
    instantValue(frames, 'range_p95'),
    service,
    fromMs,
    toMs,
    periodDays
  );
  return {
    ...totals,
    errorsByRoute: instantByLabel(frames, 'range_errors_by_route', mapping.routeLabel),
    series: {
      requests: rangeSeries(frames, 'requests'),
      errors: rangeSeries(frames, 'errors'),
      p95: rangeSeries(frames, 'p95'),
    },
  };
}

/**
 * Turns the frames of the overview (`summaryTargets` for all services, the error-ratio series and
 * the service list) into one entry per service, sorted by name. A service listed but absent from
 * the counts had no traffic: its counts are zeros, which the engine reports as no traffic.
 */
export function toFleetSignals(
  frames: DataFrame[],
  mapping: MetricMapping,
  fromMs: number,
  toMs: number,
  periodDaysOf: (service: string) => number
): FleetSignals {
  const label = mapping.serviceLabel;
  const byService = new Map<string, Record<string, number>>();
  const valuesOf = (refId: string) => {
    let values = byService.get(refId);
    if (!values) {
      values = instantByLabel(frames, refId, label);
      byService.set(refId, values);
    }
    return values;
  };
  const errorRatio = rangeSeriesByLabel(frames, 'error_ratio', label);
  const services = [
    ...new Set([...labelValues(framesFor(frames, 'services'), label), ...Object.keys(valuesOf('range_requests'))]),
  ];
  return services.sort(compareAsc).map((service) => ({
    totals: serviceTotals(
      (refId) => valuesOf(refId)[service] ?? 0,
      valuesOf('range_p95')[service] ?? null,
      service,
      fromMs,
      toMs,
      periodDaysOf(service)
    ),
    errorRatio: errorRatio[service] ?? [],
  }));
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
