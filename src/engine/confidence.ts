import type { PatternGroup } from './patterns/groupPatterns';
import type { Point } from './signals';
import { compareAsc, isFiniteNumber, namesService } from './values';

/**
 * Root-cause confidence: how sure we are that the dominant error log pattern of a service
 * explains the errors its metrics show. Three factors, each in [0, 1], weighted into 0..100.
 * The formula, thresholds and a worked example are in docs/CONFIDENCE.md; keep them in sync.
 */

/** What the confidence score reads of a log pattern group. */
export type ErrorPattern = Pick<
  PatternGroup,
  'template' | 'route' | 'status' | 'count' | 'share' | 'firstSeenMs' | 'lastSeenMs'
>;

export interface ConfidenceInput {
  service: string;
  fromMs: number;
  toMs: number;
  /** log pattern groups of the service's error lines, sorted by count desc */
  patterns: ErrorPattern[];
  totalErrorLines: number;
  /** metric error rate series (failed req/s per step) over the range */
  metricErrors: Point[];
  /** log error line count per step over the range (LogQL count_over_time) */
  logErrors: Point[];
  /** failed requests per route over the range, from metrics */
  errorsByRoute: Record<string, number>;
  /** services owning error spans in the traces linked from the error logs (may be empty / unknown) */
  traceErrorServices?: Record<string, number>;
  /** the probable root cause ranked across services (engine/rootCause.ts), when one was named */
  rootCause?: { service: string; template?: string };
}

export type ConfidenceLevel = 'none' | 'low' | 'medium' | 'high';
export type ConfidenceFactorId = 'dominance' | 'consistency' | 'alignment';

export interface ConfidenceFactor {
  id: ConfidenceFactorId;
  label: string;
  /** 0..1 */
  value: number;
  weight: number;
  /** points of the score; the contributions of all factors add up to the score exactly */
  contribution: number;
  detail: string;
}

export interface ConfidenceResult {
  /** 0..100, null when there is no root-cause candidate */
  score: number | null;
  level: ConfidenceLevel;
  dominant?: { template: string; route?: string; status?: string };
  factors: ConfidenceFactor[];
  reasons: string[];
}

export const CONFIDENCE_WEIGHTS: Readonly<Record<ConfidenceFactorId, number>> = {
  dominance: 0.4,
  consistency: 0.3,
  alignment: 0.3,
};

/** Lower bounds of the levels, on the 0..100 score. */
export const CONFIDENCE_LEVELS = { high: 75, medium: 40 } as const;

/** Spike threshold = baseline + max(K·noise, RELATIVE·baseline, ABSOLUTE). */
export const SPIKE_K = 3;
export const SPIKE_RELATIVE = 0.5;
const SPIKE_ABSOLUTE = 1e-9;
/** 1.4826·MAD estimates the standard deviation of normally distributed noise. */
const MAD_TO_SIGMA = 1.4826;
/** Onsets within this many steps of each other count as simultaneous (step alignment, scrape jitter). */
export const LAG_TOLERANCE_STEPS = 1;
/** Beyond tolerance, the lag score falls linearly to 0 over this many further steps. */
export const LAG_DECAY_STEPS = 4;
/** Used only when neither series has two points to measure its step from. */
const DEFAULT_STEP_MS = 60_000;
/** Interpolating across a gap longer than this many steps would invent data. */
const MAX_GAP_STEPS = 2.5;

const LABELS: Record<ConfidenceFactorId, string> = {
  dominance: 'Pattern dominance',
  consistency: 'Signal consistency',
  alignment: 'Temporal alignment',
};

export interface Spike {
  onsetMs: number;
  endMs: number;
  peakMs: number;
  peak: number;
  baseline: number;
  threshold: number;
}

export interface Correlation {
  /** Pearson r on the union grid; null when fewer than 3 common points or a series is constant. */
  r: number | null;
  n: number;
}

function clamp01(x: number): number {
  return isFiniteNumber(x) ? Math.min(1, Math.max(0, x)) : 0;
}

function median(values: number[]): number {
  if (values.length === 0) {
    return 0;
  }
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function pct(x: number): string {
  return `${Math.round(clamp01(x) * 100)}%`;
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

function duration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

interface Sample {
  t: number;
  v: number;
}

interface Window {
  from: number;
  to: number;
}

/**
 * Drops gaps and non-finite values, sorts by time and averages duplicate timestamps, so that the
 * input order and the datasource's quirks never change the outcome.
 */
function clean(points: Point[] | undefined, win?: Window): Sample[] {
  if (!Array.isArray(points)) {
    return [];
  }
  const kept = points
    .filter((p) => p && isFiniteNumber(p.t) && isFiniteNumber(p.v))
    .filter((p) => !win || (p.t >= win.from && p.t <= win.to))
    .map((p) => ({ t: p.t, v: p.v as number }))
    .sort((a, b) => a.t - b.t || a.v - b.v);
  const out: Sample[] = [];
  let i = 0;
  while (i < kept.length) {
    let j = i;
    let sum = 0;
    while (j < kept.length && kept[j].t === kept[i].t) {
      sum += kept[j].v;
      j++;
    }
    out.push({ t: kept[i].t, v: sum / (j - i) });
    i = j;
  }
  return out;
}

function medianStep(s: Sample[]): number | null {
  if (s.length < 2) {
    return null;
  }
  const diffs: number[] = [];
  for (let i = 1; i < s.length; i++) {
    diffs.push(s[i].t - s[i - 1].t);
  }
  const m = median(diffs);
  return m > 0 ? m : null;
}

function spikeOf(s: Sample[]): Spike | null {
  if (s.length < 2) {
    return null;
  }
  const values = s.map((p) => p.v);
  const med = median(values);
  // The quiet part of the series: robust to an incident covering up to ~75 % of the range.
  const lower = values.filter((v) => v <= med);
  const baseline = median(lower);
  const noise = MAD_TO_SIGMA * median(lower.map((v) => Math.abs(v - baseline)));
  const threshold = baseline + Math.max(SPIKE_K * noise, SPIKE_RELATIVE * Math.abs(baseline), SPIKE_ABSOLUTE);
  let peakIdx = 0;
  for (let i = 1; i < s.length; i++) {
    if (s[i].v > s[peakIdx].v) {
      peakIdx = i;
    }
  }
  if (!isFiniteNumber(threshold) || !(s[peakIdx].v > threshold)) {
    return null;
  }
  // The spike is the run around the peak, so a lone blip earlier in the range is not the onset.
  let start = peakIdx;
  while (start > 0 && s[start - 1].v > threshold) {
    start--;
  }
  let end = peakIdx;
  while (end < s.length - 1 && s[end + 1].v > threshold) {
    end++;
  }
  return { onsetMs: s[start].t, endMs: s[end].t, peakMs: s[peakIdx].t, peak: s[peakIdx].v, baseline, threshold };
}

/** The burst of a series: the run of points above its robust threshold around its maximum. */
export function detectSpike(points: Point[]): Spike | null {
  return spikeOf(clean(points));
}

function resample(s: Sample[], grid: number[]): Array<number | null> {
  const step = medianStep(s);
  const maxGap = step === null ? 0 : step * MAX_GAP_STEPS;
  const out: Array<number | null> = [];
  let j = 0;
  for (const g of grid) {
    while (j < s.length && s[j].t < g) {
      j++;
    }
    if (j < s.length && s[j].t === g) {
      out.push(s[j].v);
    } else if (j > 0 && j < s.length && s[j].t - s[j - 1].t <= maxGap) {
      const a = s[j - 1];
      const b = s[j];
      out.push(a.v + ((b.v - a.v) * (g - a.t)) / (b.t - a.t));
    } else {
      out.push(null);
    }
  }
  return out;
}

function correlate(a: Sample[], b: Sample[]): Correlation {
  const grid = Array.from(new Set([...a.map((p) => p.t), ...b.map((p) => p.t)])).sort((x, y) => x - y);
  const ra = resample(a, grid);
  const rb = resample(b, grid);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < grid.length; i++) {
    const x = ra[i];
    const y = rb[i];
    if (x !== null && y !== null) {
      xs.push(x);
      ys.push(y);
    }
  }
  const n = xs.length;
  if (n < 3) {
    return { r: null, n };
  }
  const mx = xs.reduce((acc, x) => acc + x, 0) / n;
  const my = ys.reduce((acc, y) => acc + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i] - mx;
    const dy = ys[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (!(sxx > 0) || !(syy > 0)) {
    return { r: null, n };
  }
  const r = sxy / Math.sqrt(sxx * syy);
  return { r: isFiniteNumber(r) ? Math.max(-1, Math.min(1, r)) : null, n };
}

/**
 * Pearson correlation of two series on the union of their timestamps, each linearly
 * interpolated (not across gaps longer than 2.5 of its own steps).
 */
export function correlateSeries(a: Point[], b: Point[]): Correlation {
  return correlate(clean(a), clean(b));
}

type Candidate = Omit<ErrorPattern, 'share'>;

/** Every non-finite time is the same "unknown", so the order of such patterns cannot matter. */
function timeKey(ms: number): number {
  return isFiniteNumber(ms) ? ms : Number.NEGATIVE_INFINITY;
}

/** A pattern known to live entirely outside the range belongs to another range. */
function outside(p: ErrorPattern, win: Window | undefined): boolean {
  if (!win || !isFiniteNumber(p.firstSeenMs) || !isFiniteNumber(p.lastSeenMs)) {
    return false;
  }
  return Math.max(p.firstSeenMs, p.lastSeenMs) < win.from || Math.min(p.firstSeenMs, p.lastSeenMs) > win.to;
}

function candidates(patterns: ErrorPattern[] | undefined, win: Window | undefined): Candidate[] {
  if (!Array.isArray(patterns)) {
    return [];
  }
  const str = (x: unknown) => (typeof x === 'string' ? x : '');
  return patterns
    .filter((p) => p && isFiniteNumber(p.count) && p.count > 0 && !outside(p, win))
    .map((p) => ({
      template: str(p.template),
      route: typeof p.route === 'string' && p.route !== '' ? p.route : undefined,
      status: typeof p.status === 'string' && p.status !== '' ? p.status : undefined,
      count: p.count,
      firstSeenMs: p.firstSeenMs,
      lastSeenMs: p.lastSeenMs,
    }))
    .sort(
      (a, b) =>
        compareAsc(b.count, a.count) ||
        compareAsc(a.template, b.template) ||
        compareAsc(str(a.route), str(b.route)) ||
        compareAsc(str(a.status), str(b.status)) ||
        compareAsc(timeKey(a.firstSeenMs), timeKey(b.firstSeenMs)) ||
        compareAsc(timeKey(a.lastSeenMs), timeKey(b.lastSeenMs))
    );
}

function positiveTotal(rec: Record<string, number> | undefined): number {
  if (!rec || typeof rec !== 'object') {
    return 0;
  }
  return Object.values(rec).reduce((acc, v) => acc + (isFiniteNumber(v) && v > 0 ? v : 0), 0);
}

interface Scored {
  value: number;
  detail: string;
}

function dominance(cands: Candidate[], totalErrorLines: number): Scored {
  const sum = cands.reduce((acc, c) => acc + c.count, 0);
  // The pattern list may be truncated to the top groups; the total line count then dilutes it.
  const total = Math.max(sum, isFiniteNumber(totalErrorLines) && totalErrorLines > 0 ? totalErrorLines : 0);
  const s1 = cands[0].count / total;
  const s2 = cands.length > 1 ? cands[1].count / total : 0;
  const value = clamp01(s1 - 0.5 * s2);
  const next = cands.length > 1 ? `, the next one ${pct(s2)}` : ', no other pattern';
  return {
    value,
    detail: `"${cands[0].template}" is ${pct(s1)} of ${Math.round(total)} error lines${next} (${cands.length} pattern${cands.length === 1 ? '' : 's'})`,
  };
}

function statusAgreement(status: string): number | null {
  const s = status.trim().toLowerCase();
  if (/^5(\d\d|xx)$/.test(s)) {
    return 1;
  }
  if (/^[1-4](\d\d|xx)$/.test(s)) {
    return 0;
  }
  return null;
}

function consistency(
  service: string,
  top: Candidate,
  errorsByRoute: Record<string, number> | undefined,
  traces: Record<string, number> | undefined,
  rootCause: ConfidenceInput['rootCause'],
  metricSpike: Spike | null,
  step: number,
  win: Window | undefined
): { scored: Scored; caveats: string[] } {
  const checks: number[] = [];
  const notes: string[] = [];
  const caveats: string[] = [];

  const cause = rootCause && typeof rootCause.service === 'string' && rootCause.service !== '' ? rootCause : undefined;
  if (cause) {
    const isCause = cause.service === service && (cause.template === undefined || cause.template === top.template);
    const names = cause.service !== service && namesService(top.template, cause.service);
    checks.push(isCause || names ? 1 : 0);
    notes.push(
      isCause
        ? 'the dominant pattern is the probable root cause'
        : names
          ? `the dominant pattern names the probable root cause ${cause.service}`
          : `the dominant pattern does not point at the probable root cause ${cause.service}`
    );
  }

  const routeTotal = positiveTotal(errorsByRoute);
  if (top.route === undefined) {
    caveats.push('the dominant pattern has no route to compare with the metrics');
  } else if (routeTotal === 0) {
    caveats.push('metrics attribute no failed requests to any route');
  } else {
    const onRoute = errorsByRoute?.[top.route];
    const share = isFiniteNumber(onRoute) && onRoute > 0 ? onRoute / routeTotal : 0;
    checks.push(share);
    notes.push(`route ${top.route} has ${pct(share)} of the failed requests in the metrics`);
  }

  if (top.status !== undefined) {
    const agree = statusAgreement(top.status);
    if (agree !== null) {
      checks.push(agree);
      notes.push(agree === 1 ? `status ${top.status} is a server error` : `status ${top.status} is not a server error`);
    }
  }

  const traceTotal = positiveTotal(traces);
  if (traceTotal === 0) {
    caveats.push('no error spans in the traces linked from the error logs');
  } else {
    const template = top.template.toLowerCase();
    let own = 0;
    let named = 0;
    const namedServices: string[] = [];
    for (const [name, count] of Object.entries(traces ?? {}).sort(([a], [b]) => compareAsc(a, b))) {
      if (!isFiniteNumber(count) || count <= 0) {
        continue;
      }
      if (name === service) {
        own += count;
      } else if (name !== '' && template.includes(name.toLowerCase())) {
        named += count;
        namedServices.push(name);
      }
    }
    const share = (own + named) / traceTotal;
    checks.push(share);
    const where =
      namedServices.length > 0 ? `${service} or ${namedServices.join(', ')} (named in the pattern)` : service;
    notes.push(`${pct(share)} of the error spans are in ${where}`);
  }

  const first = isFiniteNumber(top.firstSeenMs) ? top.firstSeenMs : null;
  const last = isFiniteNumber(top.lastSeenMs) ? top.lastSeenMs : null;
  if (metricSpike && first !== null && last !== null) {
    let a = Math.min(first, last);
    let b = Math.max(first, last);
    if (win) {
      a = Math.max(a, win.from);
      b = Math.min(b, win.to);
    }
    const lo = metricSpike.onsetMs - step;
    const hi = metricSpike.endMs + step;
    let inside: number;
    if (b <= a) {
      inside = a >= lo && a <= hi ? 1 : 0;
    } else {
      inside = Math.max(0, Math.min(b, hi) - Math.max(a, lo)) / (b - a);
    }
    checks.push(clamp01(inside));
    notes.push(
      `${pct(inside)} of the pattern's lifetime falls in the metric spike (${clock(metricSpike.onsetMs)}–${clock(metricSpike.endMs)} UTC)`
    );
  }

  if (checks.length === 0) {
    return {
      scored: {
        value: 0,
        detail: 'nothing to cross-check the pattern against (no route, status, traces or metric spike)',
      },
      caveats,
    };
  }
  const value = clamp01(checks.reduce((acc, c) => acc + c, 0) / checks.length);
  return { scored: { value, detail: notes.join('; ') }, caveats };
}

/**
 * Below this many points a series seldom has a point above its robust threshold even when it
 * rises (three rising points make a median of the middle one): the text then says the series is
 * too short rather than that it is flat.
 */
const FEW_POINTS = 5;

function noSpikeText(metric: Spike | null, metricPoints: number, logs: Spike | null, logPoints: number): string {
  const short = (what: string, n: number) =>
    `${what} ${n === 1 ? 'has 1 point' : `have ${n} points`} in the range, too few to show a burst`;
  if (!metric && !logs) {
    if (metricPoints < FEW_POINTS || logPoints < FEW_POINTS) {
      return `no spike found: the metric errors have ${metricPoints} points and the error logs ${logPoints} in the range`;
    }
    return 'neither the metric errors nor the error logs spike';
  }
  if (!metric) {
    return metricPoints < FEW_POINTS
      ? `the error logs burst; ${short('the metric errors', metricPoints)}`
      : 'the error logs burst but the metric errors do not spike';
  }
  return logPoints < FEW_POINTS
    ? `the metric errors spike; ${short('the error logs', logPoints)}`
    : 'the metric errors spike but the error logs do not burst';
}

function alignment(
  metric: { spike: Spike | null; points: number },
  logs: { spike: Spike | null; points: number },
  corr: Correlation,
  step: number
): Scored {
  const metricSpike = metric.spike;
  const logSpike = logs.spike;
  const corrScore = corr.r === null ? 0 : Math.max(0, corr.r);
  const corrText =
    corr.r === null
      ? `no correlation measurable (${corr.n} common points or a flat series)`
      : `correlation r = ${corr.r.toFixed(2)} over ${corr.n} points`;
  if (!metricSpike || !logSpike) {
    const missing = noSpikeText(metricSpike, metric.points, logSpike, logs.points);
    return { value: clamp01(0.5 * corrScore), detail: `${missing}; ${corrText}` };
  }
  const lagMs = logSpike.onsetMs - metricSpike.onsetMs;
  const lagSteps = Math.abs(lagMs) / step;
  const lagScore = clamp01(1 - Math.max(0, lagSteps - LAG_TOLERANCE_STEPS) / LAG_DECAY_STEPS);
  const when =
    lagMs === 0 ? 'at the same time as' : lagMs > 0 ? `${duration(lagMs)} after` : `${duration(lagMs)} before`;
  return {
    value: clamp01(0.5 * lagScore + 0.5 * corrScore),
    detail: `the error-log burst starts ${when} the metric spike (${clock(metricSpike.onsetMs)} UTC, ${lagSteps.toFixed(1)} steps); ${corrText}`,
  };
}

/** Integer contributions that add up to the rounded score exactly (largest remainder). */
function apportion(exact: number[], total: number): number[] {
  const floors = exact.map((x) => Math.floor(x));
  let left = total - floors.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, frac: x - Math.floor(x) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) {
      break;
    }
    floors[i]++;
    left--;
  }
  return floors;
}

function hasAnyError(input: ConfidenceInput, win: Window | undefined): boolean {
  const positive = (pts: Point[] | undefined) => clean(pts, win).some((p) => p.v > 0);
  return (
    (isFiniteNumber(input.totalErrorLines) && input.totalErrorLines > 0) ||
    positive(input.metricErrors) ||
    positive(input.logErrors) ||
    positiveTotal(input.errorsByRoute) > 0
  );
}

export function computeConfidence(input: ConfidenceInput): ConfidenceResult {
  const win: Window | undefined =
    isFiniteNumber(input.fromMs) && isFiniteNumber(input.toMs) && input.fromMs <= input.toMs
      ? { from: input.fromMs, to: input.toMs }
      : undefined;
  const cands = candidates(input.patterns, win);
  if (cands.length === 0) {
    const reason = hasAnyError(input, win)
      ? 'errors in the range but no error log pattern to attribute them to'
      : 'no errors in the range';
    return { score: null, level: 'none', factors: [], reasons: [reason] };
  }
  const top = cands[0];
  const metric = clean(input.metricErrors, win);
  const logs = clean(input.logErrors, win);
  const steps = [medianStep(metric), medianStep(logs)].filter((s): s is number => s !== null);
  // Onsets can only be compared to the resolution of the coarser series.
  const step = steps.length > 0 ? Math.max(...steps) : DEFAULT_STEP_MS;
  const metricSpike = spikeOf(metric);
  const logSpike = spikeOf(logs);

  const dom = dominance(cands, input.totalErrorLines);
  const cons = consistency(
    input.service,
    top,
    input.errorsByRoute,
    input.traceErrorServices,
    input.rootCause,
    metricSpike,
    step,
    win
  );
  const align = alignment(
    { spike: metricSpike, points: metric.length },
    { spike: logSpike, points: logs.length },
    correlate(metric, logs),
    step
  );

  const parts: Array<[ConfidenceFactorId, Scored]> = [
    ['dominance', dom],
    ['consistency', cons.scored],
    ['alignment', align],
  ];
  const exact = parts.map(([id, s]) => 100 * CONFIDENCE_WEIGHTS[id] * clamp01(s.value));
  const score = Math.min(100, Math.max(0, Math.round(exact.reduce((a, b) => a + b, 0))));
  const points = apportion(exact, score);
  const factors: ConfidenceFactor[] = parts.map(([id, s], i) => ({
    id,
    label: LABELS[id],
    value: clamp01(s.value),
    weight: CONFIDENCE_WEIGHTS[id],
    contribution: points[i],
    detail: s.detail,
  }));
  const level: ConfidenceLevel =
    score >= CONFIDENCE_LEVELS.high ? 'high' : score >= CONFIDENCE_LEVELS.medium ? 'medium' : 'low';
  const reasons = [...factors]
    .sort((a, b) => b.contribution - a.contribution)
    .map((f) => `${f.label}: ${f.detail}`)
    .concat(cons.caveats);
  return {
    score,
    level,
    dominant: { template: top.template, route: top.route, status: top.status },
    factors,
    reasons,
  };
}
