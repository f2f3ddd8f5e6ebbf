import { type DataQueryRequest } from '@grafana/data';
import type { DataQuery } from '@grafana/schema';
import { getTemplateSrv } from '@grafana/runtime';
import {
  alignedRange,
  promResultToFrames,
  proxyPostForm,
  queryError,
  rangeStepSeconds,
  HostDatasource,
  type PromApiResult,
  type TargetResult,
} from './common';

export interface PromQuery extends DataQuery {
  expr: string;
  instant?: boolean;
  range?: boolean;
  /** Min step. */
  interval?: string;
  legendFormat?: string;
  format?: string;
}

interface PromResponse {
  status: 'success' | 'error';
  data: PromApiResult;
  error?: string;
}

/**
 * A Prometheus datasource as Grafana's answers `query()`: range queries through
 * /api/v1/query_range with Grafana's step rules, instant queries at the end of the range through
 * /api/v1/query, data plane frames, and the query's error (Prometheus' message, or the proxy's when
 * the server is unreachable) in `errors` rather than a thrown exception.
 */
export class PrometheusDatasource extends HostDatasource<PromQuery> {
  protected isRunnable(target: PromQuery): boolean {
    return Boolean(target.expr);
  }

  protected async runTarget(request: DataQueryRequest<PromQuery>, target: PromQuery): Promise<TargetResult> {
    const expr = getTemplateSrv().replace(target.expr, request.scopedVars);
    // Grafana runs a query that is neither instant nor range as a range query.
    const instant = target.instant === true && target.range !== true;
    try {
      if (instant) {
        const time = Math.floor(request.range.to.valueOf() / 1000);
        const body = await proxyPostForm<PromResponse>(this.uid, '/api/v1/query', { query: expr, time: String(time) });
        return { frames: promResultToFrames(body.data, target.refId, target.legendFormat, `Expr: ${expr}`) };
      }
      const step = rangeStepSeconds(request, target.interval);
      const { start, end } = alignedRange(request, step);
      const body = await proxyPostForm<PromResponse>(this.uid, '/api/v1/query_range', {
        query: expr,
        start: String(start),
        end: String(end),
        step: String(step),
      });
      return {
        frames: promResultToFrames(body.data, target.refId, target.legendFormat, `Expr: ${expr}\nStep: ${step}s`),
      };
    } catch (e) {
      return { frames: [], error: queryError(e, target.refId) };
    }
  }
}
