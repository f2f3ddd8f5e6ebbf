import { computeSlo, type SloReport } from './slo';
import { summarizeTraffic, type MetricSignals, type TrafficSummary } from './signals';

export interface MetricsAnalysis {
  signals: MetricSignals;
  traffic: TrafficSummary;
  slo: SloReport;
}

export function analyzeMetrics(
  signals: MetricSignals,
  objective: { objectivePercent: number; periodDays: number }
): MetricsAnalysis {
  return {
    signals,
    traffic: summarizeTraffic(signals),
    slo: computeSlo(signals.windows, signals.period, objective),
  };
}
