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
export function prometheusAnswering(totals: {
  requests: number;
  errors: number;
  p95?: number;
  services?: string[];
}): Answer {
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
        const v =
          refId === 'requests'
            ? totals.requests / 3600
            : refId === 'errors'
              ? totals.errors / 3600
              : (totals.p95 ?? 0.2);
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

export interface FakeLogLine {
  timestampMs: number;
  line: string;
}

/** A Loki that returns `lines` for log queries, their count for instant metric queries and `burst` per step. */
export function lokiAnswering(lines: FakeLogLine[], burst: number[] = []): Answer {
  return (request) =>
    request.targets.flatMap((t) => {
      const q = t as { refId: string; queryType?: string; expr: string };
      if (q.refId === 'lines') {
        return [
          createDataFrame({
            refId: q.refId,
            fields: [
              { name: 'Time', type: FieldType.time, values: lines.map((l) => l.timestampMs) },
              { name: 'Line', type: FieldType.string, values: lines.map((l) => l.line) },
            ],
          }),
        ];
      }
      if (q.refId === 'burst') {
        return [rangeFrame(q.refId, burst)];
      }
      return [instantFrame(q.refId, lines.length)];
    });
}

export interface FakeSpan {
  spanID: string;
  parentSpanID: string;
  serviceName: string;
  operationName: string;
  startTime: number;
  duration: number;
  statusCode: number;
}

/** A Tempo that knows the given traces by id and answers other ids with an empty frame. */
export function tempoAnswering(traces: Record<string, FakeSpan[]>): Answer {
  return (request) =>
    request.targets.flatMap((t) => {
      const q = t as { refId: string; query: string };
      const spans = traces[q.query] ?? [];
      return [
        createDataFrame({
          refId: q.refId,
          fields: [
            { name: 'traceID', type: FieldType.string, values: spans.map(() => q.query) },
            { name: 'spanID', type: FieldType.string, values: spans.map((s) => s.spanID) },
            { name: 'parentSpanID', type: FieldType.string, values: spans.map((s) => s.parentSpanID) },
            { name: 'serviceName', type: FieldType.string, values: spans.map((s) => s.serviceName) },
            { name: 'operationName', type: FieldType.string, values: spans.map((s) => s.operationName) },
            { name: 'startTime', type: FieldType.number, values: spans.map((s) => s.startTime) },
            { name: 'duration', type: FieldType.number, values: spans.map((s) => s.duration) },
            { name: 'statusCode', type: FieldType.number, values: spans.map((s) => s.statusCode) },
          ],
        }),
      ];
    });
}

/**
 * A Prometheus that answers the overview's by-service queries: each service's `requests` and
 * `errors` over every window, one series per service labelled `service_name`. A service with
 * zero requests is listed (its series exist) but its counts come back as zeros.
 */
export function prometheusAnsweringFleet(services: Record<string, { requests: number; errors: number }>): Answer {
  const labels = (service: string) => ({ service_name: service });
  return (request) =>
    request.targets.flatMap((t) =>
      Object.entries(services).map(([service, { requests, errors }]) => {
        const refId = t.refId;
        if (refId === 'services') {
          return instantFrame(refId, 1, labels(service));
        }
        if (refId === 'error_ratio') {
          const ratio = requests > 0 ? errors / requests : NaN;
          return createDataFrame({
            refId,
            fields: [
              { name: 'Time', type: FieldType.time, values: [1_700_000_000_000, 1_700_000_015_000] },
              { name: 'Value', type: FieldType.number, values: [ratio, ratio], labels: labels(service) },
            ],
          });
        }
        if (refId === 'range_p95') {
          return instantFrame(refId, requests > 0 ? 0.2 : NaN, labels(service));
        }
        return instantFrame(refId, refId.includes('errors') ? errors : requests, labels(service));
      })
    );
}
