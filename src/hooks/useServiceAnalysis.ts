import { useEffect, useState } from 'react';
import { runQueries } from '../data/datasource';
import type { SectionResult, ServiceAnalysis } from '../engine/analysis';
import type { BlastRadius } from '../engine/blastRadius';
import type { ConfidenceResult } from '../engine/confidence';
import type { LogsAnalysis } from '../engine/logsAnalysis';
import type { MetricsAnalysis } from '../engine/metricsAnalysis';
import type { RootCauseResult } from '../engine/rootCause';
import type { TraceLookup } from '../engine/traces/traceSummary';
import { analyzeService, type AnalysisSectionResults } from '../pipeline/serviceAnalysis';
import type { AppSettings } from '../settings/types';
import { LOADING, type AsyncData } from './useAsyncData';

/** The page's sections, each loading, failed or done on its own. */
export interface AnalysisSections {
  metrics: AsyncData<MetricsAnalysis>;
  logs: AsyncData<LogsAnalysis>;
  confidence: AsyncData<ConfidenceResult>;
  blastRadius: AsyncData<BlastRadius>;
  traces: AsyncData<TraceLookup[]>;
  rootCause: AsyncData<RootCauseResult>;
}

function toAsync<T>(result: SectionResult<T> | undefined): AsyncData<T> {
  if (!result) {
    return LOADING;
  }
  return result.status === 'ok'
    ? { status: 'success', value: result.value }
    : { status: 'error', error: new Error(result.message) };
}

/** Settled sections as the page's loading / error / value states (a missing one is loading). */
export function toSections(results: AnalysisSectionResults): AnalysisSections {
  return {
    metrics: toAsync(results.metrics),
    logs: toAsync(results.logs),
    confidence: toAsync(results.confidence),
    blastRadius: toAsync(results.blastRadius),
    traces: toAsync(results.traces),
    rootCause: toAsync(results.rootCause),
  };
}

interface State {
  key: string;
  sections: AnalysisSections;
  /** set once every section has settled */
  snapshot?: ServiceAnalysis;
}

/**
 * Runs the Services page's pipeline (`analyzeService`) through Grafana's datasource API for one
 * service and range, showing each section as it settles. Only the answer for the current inputs
 * is kept, so a slow response for an old range never overwrites the figures of the new one.
 */
export function useServiceAnalysis(
  settings: AppSettings,
  service: string,
  fromMs: number,
  toMs: number,
  refreshCount: number
): { sections: AnalysisSections; snapshot?: ServiceAnalysis } {
  const key = `${service}|${fromMs}|${toMs}|${refreshCount}`;
  const [state, setState] = useState<State>();
  useEffect(() => {
    let current = true;
    analyzeService(runQueries, settings, service, fromMs, toMs, (partial) => {
      if (current) {
        setState({ key, sections: toSections(partial) });
      }
    }).then((analysis) => current && setState({ key, sections: toSections(analysis), snapshot: analysis }));
    return () => {
      current = false;
    };
    // `key` names everything the analysis depends on; settings are fixed for the page's lifetime.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  if (state?.key !== key) {
    return { sections: toSections({}) };
  }
  return { sections: state.sections, snapshot: state.snapshot };
}
