/**
 * SLO maths as the SRE workbook (ch. 5), Sloth and Pyrra define it:
 * - error ratio over a window = errors / requests over that window;
 * - burn rate = error ratio / (1 − objective): 1× spends the budget exactly over the period;
 * - remaining budget, request-weighted over the SLO period = 1 − errors / (requests × (1 − objective));
 * - time to exhaustion = remaining × period / current burn rate.
 * Counts are `increase()` results from Prometheus, which already account for counter resets;
 * what reaches here can still be slightly inconsistent (extrapolation), so ratios are clamped.
 */

export const BURN_WINDOWS = [
  { id: '5m', seconds: 300 },
  { id: '30m', seconds: 1800 },
  { id: '1h', seconds: 3600 },
  { id: '2h', seconds: 7200 },
  { id: '6h', seconds: 21600 },
  { id: '1d', seconds: 86400 },
  { id: '3d', seconds: 259200 },
] as const;

export type BurnWindowId = (typeof BURN_WINDOWS)[number]['id'];

/** Windows shown on the page; 2h exists only as the short window of the 1d ticket rule. */
export const DISPLAYED_BURN_WINDOWS: BurnWindowId[] = ['5m', '30m', '1h', '6h', '1d', '3d'];

/** The four standard multi-window, multi-burn-rate rules. */
export const BURN_RULES = [
  { id: 'page-fast', severity: 'page', factor: 14.4, long: '1h', short: '5m' },
  { id: 'page-slow', severity: 'page', factor: 6, long: '6h', short: '30m' },
  { id: 'ticket-fast', severity: 'ticket', factor: 3, long: '1d', short: '2h' },
  { id: 'ticket-slow', severity: 'ticket', factor: 1, long: '3d', short: '6h' },
] as const satisfies ReadonlyArray<{
  id: string;
  severity: string;
  factor: number;
  long: BurnWindowId;
  short: BurnWindowId;
}>;

/** The window whose burn rate projects the time to exhaustion. */
export const EXHAUSTION_WINDOW: BurnWindowId = '1h';

export interface Counts {
  requests: number;
  errors: number;
}

export interface WindowBurn extends Counts {
  window: BurnWindowId;
  seconds: number;
  /** null when the window saw no requests. */
  errorRatio: number | null;
  /** null when the window saw no requests; Infinity when any error meets a 100 % objective. */
  burnRate: number | null;
}

export interface RuleState {
  id: string;
  severity: 'page' | 'ticket';
  factor: number;
  long: BurnWindowId;
  short: BurnWindowId;
  firing: boolean;
}

export type Exhaustion =
  | { state: 'no-traffic'; window: BurnWindowId }
  | { state: 'not-exhausting'; window: BurnWindowId; burnRate: number }
  | { state: 'exhausted'; window: BurnWindowId }
  | { state: 'exhausting'; window: BurnWindowId; burnRate: number; seconds: number };

export interface SloReport {
  objectivePercent: number;
  periodDays: number;
  windows: WindowBurn[];
  rules: RuleState[];
  budget: {
    /** 1 is untouched, 0 is spent, negative is overspent. */
    remaining: number;
    allowedErrors: number;
  } & Counts;
  exhaustion: Exhaustion;
}

function nonNegative(n: number): number {
  return Number.isFinite(n) && n > 0 ? n : 0;
}

export function errorRatio(c: Counts): number | null {
  const requests = nonNegative(c.requests);
  if (requests === 0) {
    return null;
  }
  return Math.min(1, nonNegative(c.errors) / requests);
}

/** Share of requests allowed to fail, e.g. 0.001 for 99.9 %. */
export function errorBudgetFraction(objectivePercent: number): number {
  return Math.max(0, 1 - objectivePercent / 100);
}

export function burnRate(ratio: number | null, objectivePercent: number): number | null {
  if (ratio === null) {
    return null;
  }
  const budget = errorBudgetFraction(objectivePercent);
  if (budget === 0) {
    return ratio > 0 ? Infinity : 0;
  }
  return ratio / budget;
}

export function remainingBudget(period: Counts, objectivePercent: number): number {
  const errors = nonNegative(period.errors);
  const allowed = nonNegative(period.requests) * errorBudgetFraction(objectivePercent);
  if (errors === 0) {
    return 1;
  }
  // A 100 % objective has no budget: the first error spends all of it.
  return allowed === 0 ? 0 : 1 - errors / allowed;
}

export function timeToExhaustion(remaining: number, periodSeconds: number, window: WindowBurn): Exhaustion {
  const id = window.window;
  if (remaining <= 0) {
    return { state: 'exhausted', window: id };
  }
  if (window.burnRate === null) {
    return { state: 'no-traffic', window: id };
  }
  if (window.burnRate <= 1) {
    return { state: 'not-exhausting', window: id, burnRate: window.burnRate };
  }
  return {
    state: 'exhausting',
    window: id,
    burnRate: window.burnRate,
    seconds: (remaining * periodSeconds) / window.burnRate,
  };
}

export function computeSlo(
  windows: Record<BurnWindowId, Counts>,
  period: Counts,
  objective: { objectivePercent: number; periodDays: number }
): SloReport {
  const burns: WindowBurn[] = BURN_WINDOWS.map((w) => {
    const counts = windows[w.id] ?? { requests: 0, errors: 0 };
    const ratio = errorRatio(counts);
    return {
      window: w.id,
      seconds: w.seconds,
      requests: nonNegative(counts.requests),
      errors: nonNegative(counts.errors),
      errorRatio: ratio,
      burnRate: burnRate(ratio, objective.objectivePercent),
    };
  });
  const byId = (id: BurnWindowId) => burns.find((b) => b.window === id)!;
  const exceeds = (id: BurnWindowId, factor: number) => {
    const rate = byId(id).burnRate;
    return rate !== null && rate > factor;
  };
  const rules: RuleState[] = BURN_RULES.map((r) => ({
    ...r,
    firing: exceeds(r.long, r.factor) && exceeds(r.short, r.factor),
  }));
  const remaining = remainingBudget(period, objective.objectivePercent);
  const requests = nonNegative(period.requests);
  return {
    objectivePercent: objective.objectivePercent,
    periodDays: objective.periodDays,
    windows: burns,
    rules,
    budget: {
      remaining,
      requests,
      errors: nonNegative(period.errors),
      allowedErrors: requests * errorBudgetFraction(objective.objectivePercent),
    },
    exhaustion: timeToExhaustion(remaining, objective.periodDays * 86400, byId(EXHAUSTION_WINDOW)),
  };
}
