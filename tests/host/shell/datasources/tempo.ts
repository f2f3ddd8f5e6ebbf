import { FieldType, type DataFrame, type DataQueryRequest } from '@grafana/data';
import type { DataQuery } from '@grafana/schema';
import { HostDatasource, proxyGet, queryError, type TargetResult } from './common';

export interface TempoQuery extends DataQuery {
  queryType?: string;
  query?: string;
}

interface OtlpAttribute {
  key: string;
  value: Record<string, unknown>;
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: string | number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: OtlpAttribute[];
  status?: { code?: string | number; message?: string };
}

interface OtlpResourceSpans {
  resource?: { attributes?: OtlpAttribute[] };
  scopeSpans?: Array<{ scope?: { name?: string }; spans?: OtlpSpan[] }>;
  instrumentationLibrarySpans?: Array<{ instrumentationLibrary?: { name?: string }; spans?: OtlpSpan[] }>;
}

const TRACE_ID = /^[0-9a-f]{16,32}$/i;

const STATUS_CODES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

/** OTLP JSON ids are hex in Tempo's JSON API, base64 in protobuf's JSON mapping; Grafana shows hex. */
function hexId(id: string | undefined): string {
  if (!id) {
    return '';
  }
  if (/^[0-9a-f]+$/i.test(id) && (id.length === 16 || id.length === 32)) {
    return id.toLowerCase();
  }
  return Array.from(atob(id), (c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
}

function attributeValue(value: Record<string, unknown>): unknown {
  const [kind, v] = Object.entries(value)[0] ?? [];
  if (kind === 'intValue') {
    return Number(v);
  }
  return v;
}

function keyValues(attributes: OtlpAttribute[] | undefined): Array<{ key: string; value: unknown }> {
  return (attributes ?? []).map((a) => ({ key: a.key, value: attributeValue(a.value) }));
}

function spanKind(kind: string | number | undefined): string {
  const names = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
  if (typeof kind === 'number') {
    return names[kind] ?? 'unspecified';
  }
  return (kind ?? 'SPAN_KIND_UNSPECIFIED').replace('SPAN_KIND_', '').toLowerCase();
}

/**
 * A Tempo datasource as Grafana's answers a trace-id query: GET /api/traces/<id> (OTLP JSON) and
 * one trace frame, one row per span, with the columns of Grafana's trace view (`traceID`,
 * `spanID`, `parentSpanID`, `operationName`, `serviceName`, `serviceTags`, `startTime` and
 * `duration` in ms, `tags`, `kind`, `statusCode`, `statusMessage`). An unknown id is Grafana's
 * "failed to get trace" error with Tempo's 404. Only trace-id lookups are implemented: the
 * plugin sends no other Tempo query.
 */
export class TempoDatasource extends HostDatasource<TempoQuery> {
  protected async runTarget(_request: DataQueryRequest<TempoQuery>, target: TempoQuery): Promise<TargetResult> {
    const id = (target.query ?? '').trim();
    if (!TRACE_ID.test(id)) {
      return {
        frames: [],
        error: { refId: target.refId, message: 'the test host answers Tempo trace-id queries only' },
      };
    }
    try {
      const body = await proxyGet<{ batches?: OtlpResourceSpans[]; trace?: { resourceSpans?: OtlpResourceSpans[] } }>(
        this.uid,
        `/api/traces/${id}`,
        {}
      );
      return { frames: [traceFrame(target.refId, body.batches ?? body.trace?.resourceSpans ?? [])] };
    } catch (e) {
      const error = queryError(e, target.refId);
      const message = `failed to get trace with id: ${id} Status: ${error.status ?? ''} Body: ${error.message}`;
      return { frames: [], error: { ...error, message } };
    }
  }
}

function traceFrame(refId: string, batches: OtlpResourceSpans[]): DataFrame {
  const rows = batches.flatMap((batch) => {
    const resource = keyValues(batch.resource?.attributes);
    const service = String(resource.find((a) => a.key === 'service.name')?.value ?? '');
    const scopes = batch.scopeSpans ?? batch.instrumentationLibrarySpans ?? [];
    return scopes.flatMap((scope) =>
      (scope.spans ?? []).map((span) => {
        const startNs = BigInt(span.startTimeUnixNano);
        const endNs = BigInt(span.endTimeUnixNano);
        const code = span.status?.code;
        return {
          traceID: hexId(span.traceId),
          spanID: hexId(span.spanId),
          parentSpanID: hexId(span.parentSpanId),
          operationName: span.name,
          serviceName: service,
          serviceTags: resource,
          startTime: Number(startNs / 1000n) / 1000,
          duration: Number((endNs - startNs) / 1000n) / 1000,
          tags: keyValues(span.attributes),
          kind: spanKind(span.kind),
          statusCode: typeof code === 'number' ? code : (STATUS_CODES[code ?? 'STATUS_CODE_UNSET'] ?? 0),
          statusMessage: span.status?.message ?? '',
        };
      })
    );
  });
  const column = <K extends keyof (typeof rows)[number]>(name: K, type: FieldType) => ({
    name,
    type,
    config: {},
    values: rows.map((r) => r[name]),
  });
  return {
    refId,
    name: 'Trace',
    meta: { preferredVisualisationType: 'trace' },
    length: rows.length,
    fields: [
      column('traceID', FieldType.string),
      column('spanID', FieldType.string),
      column('parentSpanID', FieldType.string),
      column('operationName', FieldType.string),
      column('serviceName', FieldType.string),
      column('serviceTags', FieldType.other),
      column('startTime', FieldType.number),
      column('duration', FieldType.number),
      column('tags', FieldType.other),
      column('kind', FieldType.string),
      column('statusCode', FieldType.number),
      column('statusMessage', FieldType.string),
    ],
  };
}
