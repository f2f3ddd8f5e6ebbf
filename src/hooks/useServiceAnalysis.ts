import { useMemo } from 'react';
import { fetchErrorLogs, fetchPatternCounts } from '../data/loki/fetch';
import { fetchDependencies, fetchMetricSignals } from '../data/prometheus/fetch';
import { fetchTraces, MAX_TRACE_LOOKUPS, type TraceResults } from '../data/tempo/fetch';
import { errorMessage } from '../data/datasource';
import type { SectionResult, ServiceAnalysis } from '../engine/analysis';
import { computeBlastRadius, type BlastRadius } from '../engine/blastRadius';
import { computeConfidence, type ConfidenceResult } from '../engine/confidence';
import { analyzeLogs, patternsToCount, traceIdsOf, withRangeCounts, type LogsAnalysis } from '../engine/logsAnalysis';
import { analyzeMetrics, type MetricsAnalysis } from '../engine/metricsAnalysis';
import type { TraceLookup } from '../engine/traces/traceSummary';
import { sloFor } from '../settings/presets';
import type { AppSettings } from '../settings/types';
import { LOADING, useAsyncData, type AsyncData } from './useAsyncData';

/** The page's sections, each loading, failed or done on its own. */
export interface AnalysisSections {
  metrics: AsyncData<MetricsAnalysis>;
  logs: AsyncData<LogsAnalysis>;
  confidence: AsyncData<ConfidenceResult>;
  blastRadius: AsyncData<BlastRadius>;
  traces: AsyncData<TraceLookup[]>;
}

function failed(message: string): AsyncData<never> {
  return { status: 'error', error: new Error(message) };
}

async function loadLogs(settings: AppSettings, service: string, fromMs: number, toMs: number): Promise<LogsAnalysis> {
  const logs = analyzeLogs(await fetchErrorLogs(settings, service, fromMs, toMs), settings.logs);
  const toCount = patternsToCount(logs);
  if (toCount.length === 0) {
    return logs;
  }
  try {
    const counts = await fetchPatternCounts(
      settings,
      service,
      toCount.map((p) => p.lineFilter),
      fromMs,
      toMs
    );
    return withRangeCounts(logs, toCount, counts);
  } catch {
    // The sample is still shown, labelled as a sample; only the range column stays empty.
    return logs;
  }
}

/**
 * Loads and analyses everything the Services page shows for one service and range. Each
 * datasource is queried once; a failing one fails only the sections that need it.
 */
export function useServiceAnalysis(
  settings: AppSettings,
  service: string,
  fromMs: number,
  toMs: number,
  refreshCount: number
) {
  const key = `${service}|${fromMs}|${toMs}|${refreshCount}`;
  const metrics = useAsyncData(
    async () => analyzeMetrics(await fetchMetricSignals(settings, service, fromMs, toMs), sloFor(settings, service)),
    key
  );
  const logs = useAsyncData(() => loadLogs(settings, service, fromMs, toMs), key);
  const dependencies = useAsyncData(() => fetchDependencies(settings, fromMs, toMs), key);

  const traceIds = useMemo(() => (logs.status === 'success' ? traceIdsOf(logs.value, MAX_TRACE_LOOKUPS) : []), [logs]);
  const traceResults = useAsyncData(
    logs.status === 'success' ? () => fetchTraces(settings, traceIds, fromMs, toMs) : undefined,
    // The logs' status is in the key: their first answer may name no ids, which must still load.
    `${key}|${logs.status}|${traceIds.join(',')}`
  );
  const traces: AsyncData<TraceResults> = useMemo(
    () =>
      logs.status === 'error' ? failed('Trace ids come from the error logs, which are unavailable.') : traceResults,
    [logs.status, traceResults]
  );

  const confidence: AsyncData<ConfidenceResult> = useMemo(() => {
    if (metrics.status === 'error' || logs.status === 'error') {
      return failed(`Needs both metrics and logs: ${errorMessage(metrics.error ?? logs.error)}`);
    }
    if (metrics.status === 'loading' || logs.status === 'loading' || traces.status === 'loading') {
      return LOADING;
    }
    const traceErrorServices: Record<string, number> = {};
    for (const t of traces.value?.lookups ?? []) {
      if (t.status === 'found') {
        for (const [svc, n] of Object.entries(t.summary.errorServices)) {
          traceErrorServices[svc] = (traceErrorServices[svc] ?? 0) + n;
        }
      }
    }
    const l = logs.value;
    const m = metrics.value;
    return {
      status: 'success',
      value: computeConfidence({
        service,
        fromMs,
        toMs,
        patterns: l.patterns,
        totalErrorLines: l.totalErrorLines,
        metricErrors: m.signals.series.errors,
        logErrors: l.burst,
        errorsByRoute: m.signals.errorsByRoute,
        traceErrorServices: traces.status === 'success' ? traceErrorServices : undefined,
      }),
    };
  }, [metrics, logs, traces, service, fromMs, toMs]);

  const blastRadius: AsyncData<BlastRadius> = useMemo(() => {
    if (dependencies.status === 'error' || metrics.status === 'error') {
      return failed(errorMessage(dependencies.error ?? metrics.error));
    }
    if (dependencies.status === 'loading' || metrics.status === 'loading') {
      return LOADING;
    }
    const needsSpans = dependencies.value.edges.length === 0;
    if (needsSpans && traces.status === 'loading') {
      return LOADING;
    }
    return {
      status: 'success',
      value: computeBlastRadius({
        service,
        serviceTraffic: dependencies.value.serviceTraffic,
        edges: dependencies.value.edges,
        spans: traces.status === 'success' ? traces.value.spans : [],
        errorsByRoute: metrics.value.signals.errorsByRoute,
      }),
    };
  }, [dependencies, metrics, traces, service]);

  const traceRows: AsyncData<TraceLookup[]> = useMemo(
    () =>
      traces.status === 'success'
        ? { status: 'success', value: traces.value.lookups }
        : { ...traces, value: undefined },
    [traces]
  );

  const sections: AnalysisSections = { metrics, logs, confidence, blastRadius, traces: traceRows };
  return { sections, snapshot: toSnapshot(sections, settings, service, fromMs, toMs) };
}

function toResult<T>(data: AsyncData<T>): SectionResult<T> | undefined {
  if (data.status === 'loading') {
    return undefined;
  }
  return data.status === 'success'
    ? { status: 'ok', value: data.value }
    : { status: 'error', message: errorMessage(data.error) };
}

/** The analysis as a snapshot, once every section has settled; undefined while any loads. */
function toSnapshot(
  sections: AnalysisSections,
  settings: AppSettings,
  service: string,
  fromMs: number,
  toMs: number
): ServiceAnalysis | undefined {
  const metrics = toResult(sections.metrics);
  const logs = toResult(sections.logs);
  const confidence = toResult(sections.confidence);
  const blastRadius = toResult(sections.blastRadius);
  const traces = toResult(sections.traces);
  if (!metrics || !logs || !confidence || !blastRadius || !traces) {
    return undefined;
  }
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
    traces,
  };
}
