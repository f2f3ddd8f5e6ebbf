import { computeSlo, type SloReport } from './slo';
import { summarizeTraffic, type MetricSignals, type ServiceTotals, type TrafficSummary } from './signals';

export interface Objective {
  objectivePercent: number;
  periodDays: number;
}

export interface TotalsAnalysis {
  traffic: TrafficSummary;
  slo: SloReport;
}

export interface MetricsAnalysis extends TotalsAnalysis {
  signals: MetricSignals;
}

/** The traffic summary and SLO report of one service: the same for the Services page and each overview row. */
export function analyzeTotals(totals: ServiceTotals, objective: Objective): TotalsAnalysis {
  return {
    traffic: summarizeTraffic(totals),
    slo: computeSlo(totals.windows, totals.period, objective),
  };
}

export function analyzeMetrics(signals: MetricSignals, objective: Objective): MetricsAnalysis {
  return { signals, ...analyzeTotals(signals, objective) };
}
