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

/** Patterns whose template is counted over the whole range when the lines are a sample. */
export const EXACT_COUNT_PATTERNS = 5;

export function patternsToCount(logs: LogsAnalysis): LogPattern[] {
  return logs.sampled ? logs.patterns.slice(0, EXACT_COUNT_PATTERNS).filter((p) => p.lineFilter !== '') : [];
}

/** The analysis with Loki's range counts set on the patterns `patternsToCount` chose. */
export function withRangeCounts(logs: LogsAnalysis, counted: LogPattern[], counts: number[]): LogsAnalysis {
  const byId = new Map(counted.map((p, i) => [p.id, counts[i]]));
  return { ...logs, patterns: logs.patterns.map((p) => (byId.has(p.id) ? { ...p, rangeCount: byId.get(p.id) } : p)) };
}
