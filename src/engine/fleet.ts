import { analyzeTotals, type Objective, type TotalsAnalysis } from './metricsAnalysis';
import type { Point, ServiceTotals } from './signals';
import { compareAsc } from './values';

/**
 * The overview of every service: each row is one service's totals through exactly the
 * Services page's maths (`analyzeTotals`), with its own objective, ranked by urgency.
 */

export interface FleetServiceSignals {
  totals: ServiceTotals;
  /** Error ratio over the range, for the sparkline. */
  errorRatio: Point[];
}

export type FleetSignals = FleetServiceSignals[];

/** A firing page rule outranks a firing ticket rule; no traffic is neither healthy nor failing. */
export const SERVICE_STATES = ['page', 'ticket', 'ok', 'no-traffic'] as const;
export type ServiceState = (typeof SERVICE_STATES)[number];

export interface FleetRow extends TotalsAnalysis {
  service: string;
  state: ServiceState;
  errorRatio: Point[];
}

export const FLEET_SORTS = ['urgency', 'name', 'requestRate', 'errorRatio', 'budget'] as const;
export type FleetSort = (typeof FLEET_SORTS)[number];

export function serviceState({ traffic, slo }: TotalsAnalysis): ServiceState {
  if (slo.rules.some((r) => r.firing && r.severity === 'page')) {
    return 'page';
  }
  if (slo.rules.some((r) => r.firing && r.severity === 'ticket')) {
    return 'ticket';
  }
  return traffic.noTraffic ? 'no-traffic' : 'ok';
}

export function analyzeFleet(signals: FleetSignals, objectiveOf: (service: string) => Objective): FleetRow[] {
  const rows = signals.map(({ totals, errorRatio }) => {
    const analysis = analyzeTotals(totals, objectiveOf(totals.service));
    return { service: totals.service, ...analysis, state: serviceState(analysis), errorRatio };
  });
  return sortFleet(rows, 'urgency');
}

function burn1h(row: FleetRow): number {
  return row.slo.windows.find((w) => w.window === '1h')?.burnRate ?? -1;
}

/** Firing page rules first, then ticket, healthy, no traffic; within a state the least budget left first. */
function compareUrgency(a: FleetRow, b: FleetRow): number {
  return (
    SERVICE_STATES.indexOf(a.state) - SERVICE_STATES.indexOf(b.state) ||
    compareAsc(a.slo.budget.remaining, b.slo.budget.remaining) ||
    compareAsc(burn1h(b), burn1h(a)) ||
    compareAsc(a.service, b.service)
  );
}

const COMPARATORS: Record<FleetSort, (a: FleetRow, b: FleetRow) => number> = {
  urgency: compareUrgency,
  name: (a, b) => compareAsc(a.service, b.service),
  // Busiest and most failing first; no traffic (null ratio) last.
  requestRate: (a, b) => compareAsc(b.traffic.requestRate, a.traffic.requestRate) || compareUrgency(a, b),
  errorRatio: (a, b) => compareAsc(b.traffic.errorRatio ?? -1, a.traffic.errorRatio ?? -1) || compareUrgency(a, b),
  budget: (a, b) => compareAsc(a.slo.budget.remaining, b.slo.budget.remaining) || compareUrgency(a, b),
};

export function sortFleet(rows: FleetRow[], sort: FleetSort): FleetRow[] {
  return [...rows].sort(COMPARATORS[sort]);
}

/** Rows whose name contains `search` (case-insensitive) and, when a state is given, in that state. */
export function filterFleet(rows: FleetRow[], search: string, state: ServiceState | undefined): FleetRow[] {
  const needle = search.trim().toLowerCase();
  return rows.filter(
    (r) => (needle === '' || r.service.toLowerCase().includes(needle)) && (state === undefined || r.state === state)
  );
}
