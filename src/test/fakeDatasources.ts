import { of, throwError } from 'rxjs';
import { createDataFrame, FieldType, type DataFrame, type DataQueryRequest } from '@grafana/data';

/**
 * Test doubles for `getDataSourceSrv()`: each fake answers `query()` from a function of the
 * request, with frames shaped as Grafana's backends return them.
 */

type Answer = (request: DataQueryRequest) => DataFrame[];

export interface FakeDatasource {
  uid: string;
  type: string;
  query: jest.Mock;
}

export function fakeDatasource(uid: string, type: string, answer: Answer): FakeDatasource {
  return { uid, type, query: jest.fn((request: DataQueryRequest) => of({ data: answer(request) })) };
}

export function failingDatasource(uid: string, type: string, message: string): FakeDatasource {
  return { uid, type, query: jest.fn(() => throwError(() => ({ status: 502, data: { message } }))) };
}

/** A datasource whose queries never answer, to hold the page in its loading state. */
export function pendingDatasource(uid: string, type: string): FakeDatasource {
  return { uid, type, query: jest.fn(() => new Promise(() => undefined)) };
}

export function dataSourceSrv(datasources: FakeDatasource[]) {
  return {
    get: jest.fn(async (ref: { uid: string }) => {
      const ds = datasources.find((d) => d.uid === ref.uid);
      if (!ds) {
        throw new Error(`Datasource ${ref.uid} was not found`);
      }
      return ds;
    }),
    getList: jest.fn(({ type }: { type: string }) => datasources.filter((d) => d.type === type)),
    getInstanceSettings: jest.fn(),
  };
}

export function instantFrame(refId: string, value: number, labels: Record<string, string> = {}): DataFrame {
  return createDataFrame({
    refId,
    fields: [
      { name: 'Time', type: FieldType.time, values: [1_700_000_000_000] },
      { name: 'Value', type: FieldType.number, values: [value], labels },
    ],
  });
}

export function rangeFrame(refId: string, values: number[], startMs = 1_700_000_000_000, stepMs = 15_000): DataFrame {
  return createDataFrame({
    refId,
    fields: [
      { name: 'Time', type: FieldType.time, values: values.map((_, i) => startMs + i * stepMs) },
      { name: 'Value', type: FieldType.number, values },
    ],
  });
}

/**
 * A Prometheus that answers the service view's queries from totals: `requests` and `errors`
 * over every window, and a list of services.
 */
export function prometheusAnswering(totals: { requests: number; errors: number; p95?: number; services?: string[] }): Answer {
  return (request) =>
    request.targets.flatMap((t) => {
      const refId = t.refId;
      if (refId === 'services') {
        return (totals.services ?? []).map((s) => instantFrame(refId, 1, { service_name: s }));
      }
      if (totals.requests === 0) {
        return [createDataFrame({ refId, fields: [] })];
      }
      if (refId === 'requests' || refId === 'errors' || refId === 'p95') {
        const v = refId === 'requests' ? totals.requests / 3600 : refId === 'errors' ? totals.errors / 3600 : (totals.p95 ?? 0.2);
        return [rangeFrame(refId, [v, v, v])];
      }
      if (refId.endsWith('_p95')) {
        return [instantFrame(refId, totals.p95 ?? 0.2)];
      }
      if (refId === 'range_errors_by_route') {
        return [instantFrame(refId, totals.errors, { http_route: '/checkout' })];
      }
      return [instantFrame(refId, refId.includes('errors') ? totals.errors : totals.requests)];
    });
}
