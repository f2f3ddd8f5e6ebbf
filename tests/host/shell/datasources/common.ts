import { from, lastValueFrom, type Observable } from 'rxjs';
import {
  DataFrameType,
  DataSourceApi,
  FieldType,
  LoadingState,
  type DataQueryResponse,
  type DataFrame,
  type DataQueryError,
  type DataQueryRequest,
  type Field,
  type Labels,
  rangeUtil,
} from '@grafana/data';
import type { DataQuery } from '@grafana/schema';
import { getBackendSrv, type FetchError } from '@grafana/runtime';

/**
 * What Grafana's Prometheus and Loki datasources share: the step of a range query and the
 * conversion of Prometheus-API results (matrix, vector, scalar) into data plane frames.
 *
 * Step, as Grafana documents it for both: the interval Grafana computed for the panel
 * (request.intervalMs, from the range and maxDataPoints), never below the query's own min step
 * (`interval` for Prometheus, `step` for Loki), and never finer than range/11000 (Prometheus'
 * limit of 11,000 points per series). Range start and end are aligned down to the step.
 */
export const MAX_POINTS_PER_SERIES = 11_000;

export function rangeStepSeconds(request: DataQueryRequest, minStep: string | undefined): number {
  const rangeMs = request.range.to.valueOf() - request.range.from.valueOf();
  const minStepMs = minStep ? rangeUtil.intervalToMs(minStep) : 0;
  const safeMs = Math.ceil(rangeMs / MAX_POINTS_PER_SERIES);
  const stepMs = Math.max(request.intervalMs, minStepMs, safeMs, 1000);
  return Math.max(1, Math.round(stepMs / 1000));
}

export function alignedRange(request: DataQueryRequest, stepSeconds: number): { start: number; end: number } {
  const start = Math.floor(request.range.from.valueOf() / 1000 / stepSeconds) * stepSeconds;
  const end = Math.floor(request.range.to.valueOf() / 1000 / stepSeconds) * stepSeconds;
  return { start, end };
}

interface PromSample {
  metric: Labels;
  values?: Array<[number, string]>;
  value?: [number, string];
}

export interface PromApiResult {
  resultType: 'matrix' | 'vector' | 'scalar' | 'string' | 'streams';
  result: unknown;
}

function timeField(values: number[]): Field {
  return { name: 'Time', type: FieldType.time, config: { interval: undefined }, values };
}

function valueField(values: number[], labels: Labels, legend: string | undefined): Field {
  return {
    name: 'Value',
    type: FieldType.number,
    labels,
    config: legend ? { displayNameFromDS: legend } : {},
    values,
  };
}

/** `{{label}}` templates of a legend format, as Grafana renders them. */
export function renderLegend(format: string | undefined, labels: Labels): string | undefined {
  if (!format || format === '__auto') {
    return undefined;
  }
  return format.replace(/\{\{\s*(.+?)\s*\}\}/g, (_, name: string) => labels[name] ?? '');
}

function parseSampleValue(v: string): number {
  // Prometheus sends numbers as strings, including "NaN", "+Inf" and "-Inf".
  if (v === '+Inf') {
    return Number.POSITIVE_INFINITY;
  }
  if (v === '-Inf') {
    return Number.NEGATIVE_INFINITY;
  }
  return Number.parseFloat(v);
}

/**
 * Data plane frames: `timeseries-multi` (one frame per series) for a matrix, `numeric-multi`
 * (one frame per sample) for a vector or scalar. An empty result is one frame without fields
 * that still carries its type, as the contract asks.
 */
export function promResultToFrames(
  data: PromApiResult,
  refId: string,
  legendFormat: string | undefined,
  executedQueryString: string
): DataFrame[] {
  const frameType = data.resultType === 'matrix' ? DataFrameType.TimeSeriesMulti : DataFrameType.NumericMulti;
  const meta = { type: frameType, typeVersion: [0, 1] as [number, number], executedQueryString };
  let frames: DataFrame[] = [];
  if (data.resultType === 'matrix') {
    frames = (data.result as PromSample[]).map((s) => {
      const values = s.values ?? [];
      return {
        refId,
        meta,
        length: values.length,
        fields: [
          timeField(values.map(([t]) => Math.round(t * 1000))),
          valueField(
            values.map(([, v]) => parseSampleValue(v)),
            s.metric,
            renderLegend(legendFormat, s.metric)
          ),
        ],
      };
    });
  } else if (data.resultType === 'vector') {
    frames = (data.result as PromSample[]).map((s) => ({
      refId,
      meta,
      length: 1,
      fields: [
        timeField([Math.round((s.value?.[0] ?? 0) * 1000)]),
        valueField([parseSampleValue(s.value?.[1] ?? 'NaN')], s.metric, renderLegend(legendFormat, s.metric)),
      ],
    }));
  } else if (data.resultType === 'scalar') {
    const [t, v] = data.result as [number, string];
    frames = [
      {
        refId,
        meta,
        length: 1,
        fields: [timeField([Math.round(t * 1000)]), valueField([parseSampleValue(v)], {}, undefined)],
      },
    ];
  }
  return frames.length > 0 ? frames : [{ refId, meta, length: 0, fields: [] }];
}

/** The error of a failed proxied request, worded as Grafana words datasource errors. */
export function queryError(e: unknown, refId: string): DataQueryError {
  const err = e as Partial<FetchError> & { message?: string };
  const data = err.data as { error?: string; message?: string } | string | undefined;
  const message =
    (typeof data === 'string' ? data : (data?.error ?? data?.message)) ??
    err.message ??
    err.statusText ??
    'query failed';
  return { refId, message: String(message).trim(), status: err.status };
}

/** A GET through Grafana's datasource proxy (/api/datasources/proxy/uid/<uid>/...). */
export async function proxyGet<T>(datasourceUid: string, path: string, params: Record<string, string>): Promise<T> {
  const response = await lastValueFrom(
    getBackendSrv().fetch<T>({
      url: `/api/datasources/proxy/uid/${datasourceUid}${path}`,
      method: 'GET',
      params,
      showErrorAlert: false,
    })
  );
  return response.data;
}

/** A form POST through the datasource proxy, as Grafana's Prometheus datasource sends queries. */
export async function proxyPostForm<T>(datasourceUid: string, path: string, form: Record<string, string>): Promise<T> {
  const response = await lastValueFrom(
    getBackendSrv().fetch<T>({
      url: `/api/datasources/proxy/uid/${datasourceUid}${path}`,
      method: 'POST',
      data: new URLSearchParams(form).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      showErrorAlert: false,
    })
  );
  return response.data;
}

/** What one query (target) of a request gave: its frames, or the error Grafana reports for it. */
export interface TargetResult {
  frames: DataFrame[];
  error?: DataQueryError;
}

/** One response for all targets: every frame, and the errors in `errors` (never thrown). */
function toQueryResponse(results: TargetResult[]): DataQueryResponse {
  const data = results.flatMap((r) => r.frames);
  const errors = results.flatMap((r) => (r.error ? [r.error] : []));
  return errors.length > 0
    ? { data, errors, error: errors[0], state: LoadingState.Error }
    : { data, state: LoadingState.Done };
}

/**
 * What the three datasources share around their own queries, as Grafana's do: `query()` runs the
 * visible targets concurrently and answers once for all of them, a target's failure in `errors`
 * rather than thrown; the health check always succeeds (the stack's servers are checked by the
 * stack runner, not here).
 */
export abstract class HostDatasource<Q extends DataQuery> extends DataSourceApi<Q> {
  query(request: DataQueryRequest<Q>): Observable<DataQueryResponse> {
    const targets = request.targets.filter((t) => !t.hide && this.isRunnable(t));
    return from(Promise.all(targets.map((t) => this.runTarget(request, t))).then(toQueryResponse));
  }

  /** Whether Grafana would send this visible target at all (an empty expression it skips). */
  protected isRunnable(_target: Q): boolean {
    return true;
  }

  protected abstract runTarget(request: DataQueryRequest<Q>, target: Q): Promise<TargetResult>;

  async testDatasource() {
    return { status: 'success', message: 'Data source is working' };
  }
}
