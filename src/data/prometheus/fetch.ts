import type { DataQuery } from '@grafana/schema';
import type { FleetSignals } from '../../engine/fleet';
import type { MetricSignals } from '../../engine/signals';
import type { AppSettings } from '../../settings/types';
import { sloFor } from '../../settings/presets';
import { instantByLabel } from '../frames';
import type { QueryRunner } from '../queryRunner';
import {
  toDependencySignals,
  toFleetSignals,
  toMetricSignals,
  toServiceNames,
  type DependencySignals,
} from './normalize';
import {
  dependencyTargets,
  errorRateByRouteExpr,
  rangeSeconds,
  fleetTargets,
  servicesTarget,
  seriesTargets,
  summaryTargets,
  type PromTarget,
} from './queries';

interface PromQuery extends DataQuery, Omit<PromTarget, 'stepSeconds'> {
  interval?: string;
  format: 'time_series';
}

function toPromQuery(t: PromTarget): PromQuery {
  return {
    refId: t.refId,
    expr: t.expr,
    instant: t.instant,
    range: t.range,
    format: 'time_series',
    ...(t.stepSeconds ? { interval: `${t.stepSeconds}s` } : {}),
  };
}

/** Everything the metrics half of the service view needs, in two requests to Prometheus. */
export async function fetchMetricSignals(
  run: QueryRunner,
  settings: AppSettings,
  service: string,
  fromMs: number,
  toMs: number
): Promise<MetricSignals> {
  const { metrics, datasources } = settings;
  const { periodDays } = sloFor(settings, service);
  const series = seriesTargets(metrics, service, fromMs, toMs);
  const summary = summaryTargets(metrics, service, fromMs, toMs, [periodDays]);
  const stepMs = (series[0].stepSeconds ?? 15) * 1000;
  const [seriesFrames, summaryFrames] = await Promise.all([
    run('prometheus', datasources.prometheusUid, series.map(toPromQuery), fromMs, toMs, stepMs),
    run('prometheus', datasources.prometheusUid, summary.map(toPromQuery), fromMs, toMs),
  ]);
  return toMetricSignals([...seriesFrames, ...summaryFrames], metrics, service, fromMs, toMs, periodDays);
}

/** Everything the overview needs, in two requests to Prometheus whatever the number of services. */
export async function fetchFleetSignals(
  run: QueryRunner,
  settings: AppSettings,
  fromMs: number,
  toMs: number
): Promise<FleetSignals> {
  const uid = settings.datasources.prometheusUid;
  const { series, summary } = fleetTargets(settings.metrics, settings.slo, fromMs, toMs);
  const stepMs = (series[0].stepSeconds ?? 15) * 1000;
  const [seriesFrames, summaryFrames] = await Promise.all([
    run('prometheus', uid, series.map(toPromQuery), fromMs, toMs, stepMs),
    run('prometheus', uid, summary.map(toPromQuery), fromMs, toMs),
  ]);
  return toFleetSignals(
    [...seriesFrames, ...summaryFrames],
    settings.metrics,
    fromMs,
    toMs,
    (service) => sloFor(settings, service).periodDays
  );
}

export async function fetchServiceNames(
  run: QueryRunner,
  settings: AppSettings,
  fromMs: number,
  toMs: number
): Promise<string[]> {
  const target = servicesTarget(settings.metrics, fromMs, toMs);
  const frames = await run('prometheus', settings.datasources.prometheusUid, [toPromQuery(target)], fromMs, toMs);
  return toServiceNames(frames, settings.metrics);
}

/** Service-graph edges and per-service traffic over the range. */
export async function fetchDependencies(
  run: QueryRunner,
  settings: AppSettings,
  fromMs: number,
  toMs: number
): Promise<DependencySignals> {
  const targets = dependencyTargets(settings.metrics, fromMs, toMs).map(toPromQuery);
  const frames = await run('prometheus', settings.datasources.prometheusUid, targets, fromMs, toMs);
  return toDependencySignals(frames, settings.metrics);
}

/** Failed requests per route over [fromMs, toMs], e.g. over the baseline window. */
export async function fetchErrorsByRoute(
  run: QueryRunner,
  settings: AppSettings,
  service: string,
  fromMs: number,
  toMs: number
): Promise<Record<string, number>> {
  const m = settings.metrics;
  const target: PromTarget = {
    refId: 'errors_by_route',
    expr: errorRateByRouteExpr(m, service, rangeSeconds(fromMs, toMs)),
    instant: true,
    range: false,
  };
  const frames = await run('prometheus', settings.datasources.prometheusUid, [toPromQuery(target)], fromMs, toMs);
  return instantByLabel(frames, 'errors_by_route', m.routeLabel);
}
