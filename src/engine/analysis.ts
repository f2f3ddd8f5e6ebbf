import type { BlastRadius } from './blastRadius';
import type { ConfidenceResult } from './confidence';
import type { LogsAnalysis } from './logsAnalysis';
import type { MetricsAnalysis } from './metricsAnalysis';
import type { RootCauseResult } from './rootCause';
import type { TraceLookup } from './traces/traceSummary';

/**
 * Everything the Services page shows for one service and range, as plain data. It is what a
 * snapshot stores and what the incident page renders again, without querying anything.
 */

/** A section either has its result or the sentence that says why it has none. */
export type SectionResult<T> = { status: 'ok'; value: T } | { status: 'error'; message: string };

export interface AnalysisDatasources {
  prometheusUid?: string;
  lokiUid?: string;
  tempoUid?: string;
}

export interface ServiceAnalysis {
  version: 1;
  service: string;
  fromMs: number;
  toMs: number;
  datasources: AnalysisDatasources;
  metrics: SectionResult<MetricsAnalysis>;
  logs: SectionResult<LogsAnalysis>;
  confidence: SectionResult<ConfidenceResult>;
  blastRadius: SectionResult<BlastRadius>;
  traces: SectionResult<TraceLookup[]>;
  /** Absent from snapshots saved before the root-cause section existed. */
  rootCause?: SectionResult<RootCauseResult>;
}
