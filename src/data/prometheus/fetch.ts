import type { DataQuery } from '@grafana/schema';
import type { MetricSignals } from '../../engine/signals';
import type { AppSettings } from '../../settings/types';
import { sloFor } from '../../settings/presets';
import { runQueries } from '../datasource';
import { toDependencySignals, toMetricSignals, toServiceNames, type DependencySignals } from './normalize';
import {
  dependencyTargets,
  rangeSeconds,
  seriesTargets,
  servicesExpr,
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
  settings: AppSettings,
  service: string,
  fromMs: number,
  toMs: number
): Promise<MetricSignals> {
  const { metrics, datasources } = settings;
  const series = seriesTargets(metrics, service, fromMs, toMs);
  const summary = summaryTargets(metrics, service, fromMs, toMs, sloFor(settings, service).periodDays);
  const stepMs = (series[0].stepSeconds ?? 15) * 1000;
  const [seriesFrames, summaryFrames] = await Promise.all([
    runQueries('prometheus', datasources.prometheusUid, series.map(toPromQuery), fromMs, toMs, stepMs),
    runQueries('prometheus', datasources.prometheusUid, summary.map(toPromQuery), fromMs, toMs),
  ]);
  return toMetricSignals([...seriesFrames, ...summaryFrames], metrics, service, fromMs, toMs);
}

export async function fetchServiceNames(settings: AppSettings, fromMs: number, toMs: number): Promise<string[]> {
  const target: PromTarget = {
    refId: 'services',
    expr: servicesExpr(settings.metrics, rangeSeconds(fromMs, toMs)),
    instant: true,
    range: false,
  };
  const frames = await runQueries(
    'prometheus',
    settings.datasources.prometheusUid,
    [toPromQuery(target)],
    fromMs,
    toMs
  );
  return toServiceNames(frames, settings.metrics);
}

/** Service-graph edges and per-service traffic over the range. */
export async function fetchDependencies(
  settings: AppSettings,
  fromMs: number,
  toMs: number
): Promise<DependencySignals> {
  const targets = dependencyTargets(settings.metrics, fromMs, toMs).map(toPromQuery);
  const frames = await runQueries('prometheus', settings.datasources.prometheusUid, targets, fromMs, toMs);
  return toDependencySignals(frames, settings.metrics);
}
