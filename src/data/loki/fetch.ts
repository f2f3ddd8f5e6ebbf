import type { DataQuery } from '@grafana/schema';
import type { Point } from '../../engine/signals';
import type { AppSettings } from '../../settings/types';
import type { QueryRunner } from '../queryRunner';
import { framesFor, instantSum, rangeSeries } from '../frames';
import { rangeSeconds, rangeStepSeconds } from '../prometheus/queries';
import { toLogLines, type RawLogLine } from './normalize';
import { errorBurstExpr, errorCountExpr, errorLinesExpr, patternCountExpr, type LokiTarget } from './queries';

interface LokiQuery extends DataQuery {
  expr: string;
  queryType: 'range' | 'instant';
  maxLines?: number;
  step?: string;
}

function toLokiQuery(t: LokiTarget): LokiQuery {
  return {
    refId: t.refId,
    expr: t.expr,
    queryType: t.queryType,
    ...(t.maxLines ? { maxLines: t.maxLines } : {}),
    ...(t.stepSeconds ? { step: `${t.stepSeconds}s` } : {}),
  };
}

export interface ErrorLogs {
  lines: RawLogLine[];
  /** Exact number of error lines in the range, from a metric query. */
  totalErrorLines: number;
  /** True when `lines` holds fewer lines than the range has: counts from it are a sample. */
  sampled: boolean;
  lineLimit: number;
  /** Error lines per step over the range, for temporal alignment with the metric spike. */
  burst: Point[];
  stepSeconds: number;
}

/** The service's error lines (up to the line limit), their exact count and their count per step. */
export async function fetchErrorLogs(
  run: QueryRunner,
  settings: AppSettings,
  service: string,
  fromMs: number,
  toMs: number
): Promise<ErrorLogs> {
  const { logs, datasources } = settings;
  const range = rangeSeconds(fromMs, toMs);
  const step = rangeStepSeconds(range);
  const targets: LokiTarget[] = [
    { refId: 'lines', expr: errorLinesExpr(logs, service), queryType: 'range', maxLines: logs.lineLimit },
    { refId: 'total', expr: errorCountExpr(logs, service, range), queryType: 'instant' },
    { refId: 'burst', expr: errorBurstExpr(logs, service, step), queryType: 'range', stepSeconds: step },
  ];
  const frames = await run('loki', datasources.lokiUid, targets.map(toLokiQuery), fromMs, toMs, step * 1000);
  const lines = toLogLines(framesFor(frames, 'lines'));
  const counted = instantSum(frames, 'total');
  return {
    lines,
    // The metric query can miss lines at the range edges that the log query returned.
    totalErrorLines: Math.max(counted, lines.length),
    sampled: lines.length >= logs.lineLimit && counted > lines.length,
    lineLimit: logs.lineLimit,
    burst: rangeSeries(frames, 'burst'),
    stepSeconds: step,
  };
}

/** Exact counts of patterns over the range, one metric query per LogQL line filter. */
export async function fetchPatternCounts(
  run: QueryRunner,
  settings: AppSettings,
  service: string,
  lineFilters: string[],
  fromMs: number,
  toMs: number
): Promise<number[]> {
  if (lineFilters.length === 0) {
    return [];
  }
  const range = rangeSeconds(fromMs, toMs);
  const targets = lineFilters.map((filter, i) =>
    toLokiQuery({
      refId: `pattern_${i}`,
      expr: patternCountExpr(settings.logs, service, filter, range),
      queryType: 'instant',
    })
  );
  const frames = await run('loki', settings.datasources.lokiUid, targets, fromMs, toMs);
  return lineFilters.map((_, i) => instantSum(frames, `pattern_${i}`));
}
