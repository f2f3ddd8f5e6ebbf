import { from as fromQueryResult, lastValueFrom, timeout, TimeoutError } from 'rxjs';
import {
  dateTime,
  type DataFrame,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceApi,
} from '@grafana/data';
import type { DataQuery } from '@grafana/schema';
import { getDataSourceSrv } from '@grafana/runtime';
import pluginJson from '../plugin.json';
import { DatasourceError, errorMessage, type DatasourceKind } from './queryRunner';

export const QUERY_TIMEOUT_MS = 30_000;

let requestCounter = 0;

export async function getDatasource(kind: DatasourceKind, uid: string | undefined): Promise<DataSourceApi> {
  if (!uid) {
    throw new DatasourceError(kind, 'no datasource selected on the configuration page');
  }
  try {
    return await getDataSourceSrv().get({ uid, type: kind });
  } catch (e) {
    throw new DatasourceError(kind, `datasource ${uid} not found (${errorMessage(e)})`);
  }
}

/**
 * The page's QueryRunner: runs queries through Grafana's datasource API (never a hand-built URL),
 * so Grafana applies its own auth, proxying and caching. Errors reported inside the response are
 * raised too.
 */
export async function runQueries<Q extends DataQuery>(
  kind: DatasourceKind,
  uid: string | undefined,
  targets: Q[],
  fromMs: number,
  toMs: number,
  intervalMs = 15_000
): Promise<DataFrame[]> {
  const ds = await getDatasource(kind, uid);
  const from = dateTime(fromMs);
  const to = dateTime(toMs);
  requestCounter += 1;
  const request: DataQueryRequest<Q> = {
    app: pluginJson.id,
    requestId: `rcp-${kind}-${requestCounter}`,
    interval: `${Math.round(intervalMs / 1000)}s`,
    intervalMs,
    // Without it Grafana assumes 100 points and widens the step of long ranges beyond the
    // one asked for, skipping samples between points.
    maxDataPoints: Math.max(1, Math.ceil((toMs - fromMs) / intervalMs)),
    range: { from, to, raw: { from, to } },
    scopedVars: {},
    targets: targets.map((t) => ({ ...t, datasource: { uid: ds.uid, type: ds.type } })),
    timezone: 'utc',
    startTime: Date.now(),
  };
  let response: DataQueryResponse;
  try {
    response = await lastValueFrom(fromQueryResult(ds.query(request)).pipe(timeout(QUERY_TIMEOUT_MS)), {
      defaultValue: { data: [] } as DataQueryResponse,
    });
  } catch (e) {
    const reason = e instanceof TimeoutError ? `no answer within ${QUERY_TIMEOUT_MS / 1000} s` : errorMessage(e);
    throw new DatasourceError(kind, reason);
  }
  const errors = response.errors ?? [];
  if (errors.length > 0) {
    throw new DatasourceError(kind, errors.map((e) => e.message || e.data?.message || 'query failed').join('; '));
  }
  return response.data as DataFrame[];
}
