import type { BaselineMode } from '../settings/types';
import { compareWithBaseline, type PatternBaseline } from './baseline';
import type { LogFieldMapping } from './logs/parseLogLine';
import { groupPatterns, type LogLineInput, type PatternGroup } from './patterns/groupPatterns';
import { templateLineFilter } from './patterns/templateFilter';
import type { Point } from './signals';

/** Patterns kept in the analysis (and in snapshots); the rest are summed as "other". */
export const MAX_PATTERNS = 50;
/** Sample lines are shown, not parsed again: long ones are cut to keep snapshots small. */
export const MAX_SAMPLE_CHARS = 2000;

export interface LogPattern extends PatternGroup {
  /** LogQL line filter selecting the lines of this template, for counts and Explore links. */
  lineFilter: string;
  /**
   * Lines matching the template in the whole range (all routes and statuses), counted by
   * Loki when the grouped lines are only a sample.
   */
  rangeCount?: number;
  /** The template's count in the range against the baseline window (top patterns only). */
  baseline?: PatternBaseline;
}

/** The window the pattern counts were compared with. */
export interface BaselineWindow {
  mode: BaselineMode;
  fromMs: number;
  toMs: number;
}

export interface LogsAnalysis {
  patterns: LogPattern[];
  dominant?: LogPattern;
  /** Error lines fetched and grouped. */
  sampleSize: number;
  /** Error lines in the whole range, counted by a LogQL metric query. */
  totalErrorLines: number;
  /** True when the grouped lines are a sample of more (the line limit was reached). */
  sampled: boolean;
  lineLimit: number;
  /** Lines in patterns beyond MAX_PATTERNS. */
  otherLines: number;
  burst: Point[];
  /** Set when the top patterns were counted in the baseline window too. */
  baselineWindow?: BaselineWindow;
}

export interface ErrorLinesInput {
  lines: LogLineInput[];
  totalErrorLines: number;
  sampled: boolean;
  lineLimit: number;
  burst: Point[];
}

export function analyzeLogs(input: ErrorLinesInput, mapping: LogFieldMapping): LogsAnalysis {
  const grouping = groupPatterns(input.lines, mapping);
  const kept = grouping.groups.slice(0, MAX_PATTERNS).map((g): LogPattern => ({
    ...g,
    sampleLine: g.sampleLine.length > MAX_SAMPLE_CHARS ? `${g.sampleLine.slice(0, MAX_SAMPLE_CHARS)}…` : g.sampleLine,
    // Templates of JSON or logfmt lines were mined from a field; the raw line escapes it.
    lineFilter: templateLineFilter(g.template, { structured: g.sampleFormat !== 'text' }),
  }));
  const keptLines = kept.reduce((sum, p) => sum + p.count, 0);
  return {
    patterns: kept,
    dominant: kept[0],
    sampleSize: grouping.totalLines,
    totalErrorLines: Math.max(input.totalErrorLines, grouping.totalLines),
    sampled: input.sampled,
    lineLimit: input.lineLimit,
    otherLines: grouping.totalLines - keptLines,
    burst: input.burst,
  };
}

/** The first `limit` trace ids of the patterns, the dominant pattern's first, without repeats. */
export function traceIdsOf(logs: LogsAnalysis, limit: number): string[] {
  const ids = new Set<string>();
  for (const p of logs.patterns) {
    for (const id of p.traceIds) {
      if (ids.size >= limit) {
        return [...ids];
      }
      ids.add(id);
    }
  }
  return [...ids];
}

/**
 * Patterns whose template is counted exactly (LogQL count_over_time with its line filter), over
 * the range and over the baseline window: the range count matters when the lines are a sample,
 * the baseline count always. Groups sharing a template share one count.
 */
export const COUNTED_PATTERNS = 5;

export function patternsToCount(logs: LogsAnalysis): LogPattern[] {
  return logs.patterns.slice(0, COUNTED_PATTERNS).filter((p) => p.lineFilter !== '');
}

/** Distinct line filters of the patterns to count, in order. */
export function lineFiltersOf(patterns: LogPattern[]): string[] {
  return [...new Set(patterns.map((p) => p.lineFilter))];
}

/**
 * The analysis with Loki's counts set on the patterns `patternsToCount` chose: `rangeCounts` and
 * `baselineCounts` are per line filter of `lineFiltersOf(counted)`. Without range counts (the
 * lines are all there, not a sample) a template's range count is the sum of its groups. The
 * baseline is left out when it could not be counted.
 */
export function withCounts(
  logs: LogsAnalysis,
  counted: LogPattern[],
  rangeCounts: number[] | undefined,
  baseline?: BaselineWindow & { counts: number[] }
): LogsAnalysis {
  const filters = lineFiltersOf(counted);
  const ids = new Set(counted.map((p) => p.id));
  const patterns = logs.patterns.map((p) => {
    const i = ids.has(p.id) ? filters.indexOf(p.lineFilter) : -1;
    if (i < 0) {
      return p;
    }
    const rangeCount =
      rangeCounts?.[i] ?? logs.patterns.filter((q) => q.lineFilter === p.lineFilter).reduce((a, q) => a + q.count, 0);
    return baseline
      ? { ...p, rangeCount, baseline: compareWithBaseline(Math.max(rangeCount, p.count), baseline.counts[i]) }
      : { ...p, rangeCount };
  });
  const window = baseline && { mode: baseline.mode, fromMs: baseline.fromMs, toMs: baseline.toMs };
  return { ...logs, patterns, dominant: patterns[0], ...(window ? { baselineWindow: window } : {}) };
}
