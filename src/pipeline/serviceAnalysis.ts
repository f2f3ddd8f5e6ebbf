import { fetchErrorLogs, fetchPatternCounts } from '../data/loki/fetch';
import { fetchDependencies, fetchErrorsByRoute, fetchMetricSignals } from '../data/prometheus/fetch';
import type { DependencySignals } from '../data/prometheus/normalize';
import { errorMessage, type QueryRunner } from '../data/queryRunner';
import { fetchTraces, MAX_TRACE_LOOKUPS, type TraceResults } from '../data/tempo/fetch';
import type { SectionResult, ServiceAnalysis } from '../engine/analysis';
import { baselineWindow, compareWithBaseline, type PatternBaseline } from '../engine/baseline';
import { computeBlastRadius, resolveEdges, type BlastRadius } from '../engine/blastRadius';
import { computeConfidence, type ConfidenceResult } from '../engine/confidence';
import {
  analyzeLogs,
  lineFiltersOf,
  patternsToCount,
  traceIdsOf,
  withCounts,
  type LogsAnalysis,
} from '../engine/logsAnalysis';
import { analyzeMetrics, type MetricsAnalysis } from '../engine/metricsAnalysis';
import { computeRootCause, relatedServices, type RootCauseResult, type ServiceEvidence } from '../engine/rootCause';
import type { TraceLookup } from '../engine/traces/traceSummary';
import { sloFor } from '../settings/presets';
import type { AppSettings } from '../settings/types';

/**
 * The Services page's whole pipeline for one service and range — fetch, normalize, analyse,
 * for the service and the dependencies its failure reaches — as one plain async function. The
 * datasource access is passed in (`QueryRunner`), so the page (Grafana's datasource API), the
 * integration tests and the benchmark (HTTP to the servers) run exactly the same code.
 */

/** Most services fetched beyond the viewed one for the root-cause ranking (nearest first). */
export const MAX_RELATED_SERVICES = 5;
/** Error lines fetched per related service: enough to mine its patterns, few enough to stay fast. */
export const RELATED_LINE_LIMIT = 500;

/** The sections of a ServiceAnalysis as they settle; a missing one is still loading. */
export type AnalysisSectionResults = Partial<
  Pick<ServiceAnalysis, 'metrics' | 'logs' | 'confidence' | 'blastRadius' | 'traces' | 'rootCause'>
>;

interface Window {
  fromMs: number;
  toMs: number;
}

async function settle<T>(work: Promise<T>): Promise<SectionResult<T>> {
  try {
    return { status: 'ok', value: await work };
  } catch (e) {
    return { status: 'error', message: errorMessage(e) };
  }
}

function failed(message: string): SectionResult<never> {
  return { status: 'error', message };
}

async function loadMetrics(
  run: QueryRunner,
  settings: AppSettings,
  service: string,
  range: Window
): Promise<MetricsAnalysis> {
  const signals = await fetchMetricSignals(run, settings, service, range.fromMs, range.toMs);
  return analyzeMetrics(signals, sloFor(settings, service));
}

/**
 * Error lines grouped into patterns, then the top templates counted exactly over the baseline
 * window (and over the range when the lines are a sample). A failed range count leaves the sample
 * (and its labels) as it is.
 */
async function loadLogs(
  run: QueryRunner,
  settings: AppSettings,
  service: string,
  range: Window,
  baseline: Window
): Promise<LogsAnalysis> {
  const logs = analyzeLogs(await fetchErrorLogs(run, settings, service, range.fromMs, range.toMs), settings.logs);
  const toCount = patternsToCount(logs);
  if (toCount.length === 0) {
    return logs;
  }
  const filters = lineFiltersOf(toCount);
  // All lines of the range are there unless they were sampled: only a sample needs range counts.
  const [inRange, inBaseline] = await Promise.all([
    logs.sampled
      ? fetchPatternCounts(run, settings, service, filters, range.fromMs, range.toMs).catch(() => null)
      : undefined,
    fetchPatternCounts(run, settings, service, filters, baseline.fromMs, baseline.toMs).catch(() => undefined),
  ]);
  if (inRange === null) {
    return logs;
  }
  return withCounts(
    logs,
    toCount,
    inRange,
    inBaseline && { mode: settings.baseline, fromMs: baseline.fromMs, toMs: baseline.toMs, counts: inBaseline }
  );
}

/** Failed requests per route in the range against the baseline window; undefined when either is unknown. */
async function routeBaselines(
  run: QueryRunner,
  settings: AppSettings,
  service: string,
  errorsByRoute: Record<string, number>,
  baseline: Window
): Promise<Record<string, PatternBaseline> | undefined> {
  try {
    const before = await fetchErrorsByRoute(run, settings, service, baseline.fromMs, baseline.toMs);
    return Object.fromEntries(
      Object.entries(errorsByRoute).map(([route, n]) => [route, compareWithBaseline(n, before[route] ?? 0)])
    );
  } catch {
    return undefined;
  }
}

function evidenceOf(
  service: string,
  metrics: SectionResult<MetricsAnalysis>,
  logs: SectionResult<LogsAnalysis>,
  baselines: Record<string, PatternBaseline> | undefined
): ServiceEvidence {
  const m = metrics.status === 'ok' ? metrics.value.signals : undefined;
  return {
    service,
    metrics: m
      ? {
          requests: m.range.requests,
          errors: m.range.errors,
          errorsByRoute: m.errorsByRoute,
          routeBaselines: baselines,
          errorSeries: m.series.errors,
        }
      : null,
    logs: logs.status === 'ok' ? { totalErrorLines: logs.value.totalErrorLines, patterns: logs.value.patterns } : null,
  };
}

/** What the ranking reads of a service beyond the viewed one; each part fails on its own. */
async function relatedEvidence(
  run: QueryRunner,
  settings: AppSettings,
  service: string,
  range: Window,
  baseline: Window
): Promise<ServiceEvidence> {
  const limited: AppSettings = {
    ...settings,
    logs: { ...settings.logs, lineLimit: Math.min(settings.logs.lineLimit, RELATED_LINE_LIMIT) },
  };
  const [metrics, logs] = await Promise.all([
    settle(loadMetrics(run, settings, service, range)),
    settle(loadLogs(run, limited, service, range, baseline)),
  ]);
  const baselines =
    metrics.status === 'ok'
      ? await routeBaselines(run, settings, service, metrics.value.signals.errorsByRoute, baseline)
      : undefined;
  return evidenceOf(service, metrics, logs, baselines);
}

function traceErrorServices(lookups: TraceLookup[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of lookups) {
    if (t.status === 'found') {
      for (const [svc, n] of Object.entries(t.summary.errorServices)) {
        out[svc] = (out[svc] ?? 0) + n;
      }
    }
  }
  return out;
}

/**
 * Runs the whole analysis of `service` over [fromMs, toMs]. Each datasource is queried for what
 * it serves; a failing one fails only the sections that need it, so this never rejects.
 * `onProgress` receives the sections settled so far, each time one settles.
 */
export async function analyzeService(
  run: QueryRunner,
  settings: AppSettings,
  service: string,
  fromMs: number,
  toMs: number,
  onProgress?: (sections: AnalysisSectionResults) => void
): Promise<ServiceAnalysis> {
  const range: Window = { fromMs, toMs };
  const baseline = baselineWindow(fromMs, toMs, settings.baseline);
  const sections: AnalysisSectionResults = {};
  const report = <K extends keyof AnalysisSectionResults>(key: K, value: NonNullable<AnalysisSectionResults[K]>) => {
    sections[key] = value;
    onProgress?.({ ...sections });
    return value;
  };

  const metricsP = settle(loadMetrics(run, settings, service, range)).then((r) => report('metrics', r));
  const logsP = settle(loadLogs(run, settings, service, range, baseline)).then((r) => report('logs', r));
  const dependenciesP: Promise<SectionResult<DependencySignals>> = settle(
    fetchDependencies(run, settings, fromMs, toMs)
  );
  const tracesP: Promise<SectionResult<TraceResults>> = logsP.then((logs) =>
    logs.status === 'ok'
      ? settle(fetchTraces(run, settings, traceIdsOf(logs.value, MAX_TRACE_LOOKUPS), fromMs, toMs))
      : failed('Trace ids come from the error logs, which are unavailable.')
  );
  void tracesP.then((t) => report('traces', t.status === 'ok' ? { status: 'ok', value: t.value.lookups } : t));

  const blastRadiusP = (async (): Promise<SectionResult<BlastRadius>> => {
    const [dependencies, metrics] = await Promise.all([dependenciesP, metricsP]);
    if (dependencies.status === 'error' || metrics.status === 'error') {
      return failed(dependencies.status === 'error' ? dependencies.message : (metrics as { message: string }).message);
    }
    // Without service-graph edges the blast radius reads the calls in the spans.
    const traces = dependencies.value.edges.length === 0 ? await tracesP : undefined;
    return {
      status: 'ok',
      value: computeBlastRadius({
        service,
        serviceTraffic: dependencies.value.serviceTraffic,
        edges: dependencies.value.edges,
        spans: traces?.status === 'ok' ? traces.value.spans : [],
        errorsByRoute: metrics.value.signals.errorsByRoute,
      }),
    };
  })().then((r) => report('blastRadius', r));

  const rootCauseP = (async (): Promise<SectionResult<RootCauseResult>> => {
    const [dependencies, metrics, logs, traces] = await Promise.all([dependenciesP, metricsP, logsP, tracesP]);
    if (metrics.status === 'error' && logs.status === 'error') {
      return failed(`Needs the metrics or the logs of ${service}: ${metrics.message}; ${logs.message}`);
    }
    const spans = traces.status === 'ok' ? traces.value.spans : [];
    const { edges } = resolveEdges(dependencies.status === 'ok' ? dependencies.value.edges : [], spans);
    const ownBaselines =
      metrics.status === 'ok'
        ? await routeBaselines(run, settings, service, metrics.value.signals.errorsByRoute, baseline)
        : undefined;
    const related = await Promise.all(
      relatedServices(service, edges, MAX_RELATED_SERVICES).map((name) =>
        relatedEvidence(run, settings, name, range, baseline)
      )
    );
    return {
      status: 'ok',
      value: computeRootCause({
        viewed: service,
        services: [evidenceOf(service, metrics, logs, ownBaselines), ...related],
        edges,
        spans,
      }),
    };
  })().then((r) => report('rootCause', r));

  const confidenceP = (async (): Promise<SectionResult<ConfidenceResult>> => {
    const [metrics, logs, traces, rootCause] = await Promise.all([metricsP, logsP, tracesP, rootCauseP]);
    if (metrics.status === 'error' || logs.status === 'error') {
      const message = metrics.status === 'error' ? metrics.message : (logs as { message: string }).message;
      return failed(`Needs both metrics and logs: ${message}`);
    }
    const cause =
      rootCause.status === 'ok' && rootCause.value.status !== 'none' ? rootCause.value.candidates[0] : undefined;
    return {
      status: 'ok',
      value: computeConfidence({
        service,
        fromMs,
        toMs,
        patterns: logs.value.patterns,
        totalErrorLines: logs.value.totalErrorLines,
        metricErrors: metrics.value.signals.series.errors,
        logErrors: logs.value.burst,
        errorsByRoute: metrics.value.signals.errorsByRoute,
        traceErrorServices: traces.status === 'ok' ? traceErrorServices(traces.value.lookups) : undefined,
        rootCause: cause && { service: cause.service, template: cause.template },
      }),
    };
  })().then((r) => report('confidence', r));

  const [metrics, logs, confidence, blastRadius, traces, rootCause] = await Promise.all([
    metricsP,
    logsP,
    confidenceP,
    blastRadiusP,
    tracesP,
    rootCauseP,
  ]);
  return {
    version: 1,
    service,
    fromMs,
    toMs,
    datasources: { ...settings.datasources },
    metrics,
    logs,
    confidence,
    blastRadius,
    traces: traces.status === 'ok' ? { status: 'ok', value: traces.value.lookups } : traces,
    rootCause,
  };
}
