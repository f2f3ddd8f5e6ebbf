import { DataFrameType, FieldType, type DataFrame, type DataQueryRequest, type Labels } from '@grafana/data';
import type { DataQuery } from '@grafana/schema';
import { getTemplateSrv } from '@grafana/runtime';
import {
  alignedRange,
  promResultToFrames,
  proxyGet,
  queryError,
  rangeStepSeconds,
  HostDatasource,
  type PromApiResult,
  type TargetResult,
} from './common';

export interface LokiQuery extends DataQuery {
  expr: string;
  queryType?: 'range' | 'instant';
  maxLines?: number;
  step?: string;
  legendFormat?: string;
}

interface LokiResponse {
  status: string;
  data: PromApiResult;
}

interface LokiStream {
  stream: Labels;
  values: Array<[string, string]>;
}

/** Grafana's default line limit of a Loki log query. */
const DEFAULT_MAX_LINES = 1000;

const NS_PER_MS = 1_000_000n;

/**
 * A Loki datasource as Grafana's answers `query()`: log queries newest first through
 * /loki/api/v1/query_range with the query's line limit, metric queries with Grafana's step rules,
 * instant queries at the end of the range. Log lines come as one data plane `log-lines` frame
 * (`timestamp`, `body`, `labels`, `id`); metric results as `timeseries-multi` / `numeric-multi`.
 */
export class LokiDatasource extends HostDatasource<LokiQuery> {
  protected isRunnable(target: LokiQuery): boolean {
    return Boolean(target.expr);
  }

  protected async runTarget(request: DataQueryRequest<LokiQuery>, target: LokiQuery): Promise<TargetResult> {
    const expr = getTemplateSrv().replace(target.expr, request.scopedVars);
    const limit = String(target.maxLines ?? DEFAULT_MAX_LINES);
    const fromNs = BigInt(request.range.from.valueOf()) * NS_PER_MS;
    const toNs = BigInt(request.range.to.valueOf()) * NS_PER_MS;
    try {
      if (target.queryType === 'instant') {
        const body = await proxyGet<LokiResponse>(this.uid, '/loki/api/v1/query', {
          query: expr,
          time: toNs.toString(),
          limit,
        });
        return { frames: this.toFrames(body.data, target, `Expr: ${expr}`) };
      }
      const step = rangeStepSeconds(request, target.step);
      const aligned = alignedRange(request, step);
      const body = await proxyGet<LokiResponse>(this.uid, '/loki/api/v1/query_range', {
        query: expr,
        limit,
        // Log queries keep the exact range; metric queries align to the step as Grafana does.
        start: isLogQuery(expr) ? fromNs.toString() : (BigInt(aligned.start) * 1000n * NS_PER_MS).toString(),
        end: isLogQuery(expr) ? toNs.toString() : (BigInt(aligned.end) * 1000n * NS_PER_MS).toString(),
        step: `${step}s`,
        direction: 'backward',
      });
      return { frames: this.toFrames(body.data, target, `Expr: ${expr}\nStep: ${step}s`) };
    } catch (e) {
      return { frames: [], error: queryError(e, target.refId) };
    }
  }

  private toFrames(data: PromApiResult, target: LokiQuery, executed: string): DataFrame[] {
    if (data.resultType !== 'streams') {
      return promResultToFrames(data, target.refId, target.legendFormat, executed);
    }
    const rows = (data.result as LokiStream[]).flatMap((s) =>
      s.values.map(([ns, line]) => ({ ns, line, labels: s.stream }))
    );
    // Newest first across streams, as Grafana sorts a backward query.
    rows.sort((a, b) => (BigInt(b.ns) > BigInt(a.ns) ? 1 : BigInt(b.ns) < BigInt(a.ns) ? -1 : 0));
    const frame: DataFrame = {
      refId: target.refId,
      meta: {
        type: DataFrameType.LogLines,
        typeVersion: [0, 0],
        preferredVisualisationType: 'logs',
        executedQueryString: executed,
      },
      length: rows.length,
      fields: [
        {
          name: 'timestamp',
          type: FieldType.time,
          config: {},
          values: rows.map((r) => Number(BigInt(r.ns) / NS_PER_MS)),
        },
        { name: 'body', type: FieldType.string, config: {}, values: rows.map((r) => r.line) },
        { name: 'labels', type: FieldType.other, config: {}, values: rows.map((r) => r.labels) },
        { name: 'id', type: FieldType.string, config: {}, values: rows.map((r, i) => `${r.ns}_${i}`) },
      ],
    };
    return [frame];
  }
}

/** A LogQL log query starts with a stream selector; a metric query with a function or aggregation. */
function isLogQuery(expr: string): boolean {
  return expr.trim().startsWith('{');
}
