import type { BaselineMode } from '../settings/types';
import { isFiniteNumber } from './values';

/**
 * Baseline comparison of log patterns: how often a pattern's template occurred in a window of
 * the same length before the selected range. The rule for small counts is a one-sided Poisson
 * test; docs/ROOT_CAUSE.md writes it down with examples.
 */

/** How the Patterns section names each baseline window. */
export const BASELINE_MODES: Readonly<Record<BaselineMode, string>> = {
  previous: 'the window just before',
  day: 'the same window one day earlier',
  week: 'the same window one week earlier',
};

export type PatternTrend = 'new' | 'elevated' | 'steady' | 'dropped';

export interface PatternBaseline {
  /** lines of the template in the range (exact, from count_over_time) */
  count: number;
  /** lines of the template in the baseline window */
  baselineCount: number;
  /** count / baselineCount; null when the baseline is 0 */
  ratio: number | null;
  trend: PatternTrend;
  /** one-sided Poisson p-value of the change in the direction of the trend (1 for steady) */
  pValue: number;
}

/** A change is called when its one-sided p-value is below this. */
export const BASELINE_ALPHA = 0.01;
/** An elevated pattern must also grow by at least this factor (a tiny rise on a big count is steady). */
export const ELEVATED_MIN_RATIO = 1.5;
/** Beyond this many lines in both windows the binomial tails use the normal approximation, so the work stays bounded. */
const EXACT_TAIL_LIMIT = 2000;

const DAY_MS = 86_400_000;

export function baselineWindow(fromMs: number, toMs: number, mode: BaselineMode): { fromMs: number; toMs: number } {
  const shift = mode === 'day' ? DAY_MS : mode === 'week' ? 7 * DAY_MS : Math.max(0, toMs - fromMs);
  return { fromMs: fromMs - shift, toMs: toMs - shift };
}

/** Standard normal upper tail, Abramowitz–Stegun 26.2.17 (error below 7.5e-8). */
function normalUpper(z: number): number {
  if (z < 0) {
    return 1 - normalUpper(-z);
  }
  const t = 1 / (1 + 0.2316419 * z);
  const poly = t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return (Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI)) * poly;
}

/** P(K >= k) for K ~ Binomial(n, 1/2). */
export function halfBinomialUpperTail(k: number, n: number): number {
  if (k <= 0) {
    return 1;
  }
  if (k > n) {
    return 0;
  }
  if (n > EXACT_TAIL_LIMIT) {
    return Math.min(1, Math.max(0, normalUpper((k - 0.5 - n / 2) / Math.sqrt(n / 4))));
  }
  // C(n, i) / 2^n in log space from i = 0, summed from i = k.
  let logTerm = -n * Math.LN2;
  let sum = 0;
  for (let i = 0; i <= n; i++) {
    if (i >= k) {
      sum += Math.exp(logTerm);
    }
    logTerm += Math.log((n - i) / (i + 1));
  }
  return Math.min(1, Math.max(0, sum));
}

function count(n: unknown): number {
  return isFiniteNumber(n) && n > 0 ? Math.round(n) : 0;
}

/**
 * Compares a template's count in the range with its count in a baseline window of the same
 * length. Both counts are Poisson, so under "nothing changed" the range holds each of their
 * `k + b` lines with probability 1/2: the exact conditional test of two Poisson counts. Unlike
 * taking the baseline count as the true rate, it accounts for the baseline's own noise, so a rare
 * steady pattern (5 lines against 0, 8 against 2) is steady, while 7 against 0 is new (p = 0.008).
 */
export function compareWithBaseline(rangeCount: number, baselineCount: number): PatternBaseline {
  const k = count(rangeCount);
  const b = count(baselineCount);
  const n = k + b;
  const ratio = b > 0 ? k / b : null;
  const up = halfBinomialUpperTail(k, n);
  if (b === 0 && k > 0 && up < BASELINE_ALPHA) {
    return { count: k, baselineCount: b, ratio, trend: 'new', pValue: up };
  }
  if (b > 0 && ratio !== null && ratio >= ELEVATED_MIN_RATIO && up < BASELINE_ALPHA) {
    return { count: k, baselineCount: b, ratio, trend: 'elevated', pValue: up };
  }
  // P(K <= k) = P(K >= n - k) by symmetry.
  const down = halfBinomialUpperTail(n - k, n);
  if (b > 0 && ratio !== null && ratio <= 1 / ELEVATED_MIN_RATIO && down < BASELINE_ALPHA) {
    return { count: k, baselineCount: b, ratio, trend: 'dropped', pValue: down };
  }
  return { count: k, baselineCount: b, ratio, trend: 'steady', pValue: 1 };
}

/** Sort order of trends in the Patterns section: what changed first. */
export const TREND_ORDER: Readonly<Record<PatternTrend, number>> = { new: 0, elevated: 1, steady: 2, dropped: 3 };
