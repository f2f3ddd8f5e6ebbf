import { createDataFrame, FieldType } from '@grafana/data';
import { summarizeTrace } from '../../engine/traces/traceSummary';
import { toSpans } from './normalize';

/** The trace frame shape of Grafana's Tempo datasource for a trace-id query. */
function traceFrame() {
  return createDataFrame({
    refId: 'trace',
    meta: { preferredVisualisationType: 'trace' },
    fields: [
      { name: 'traceID', type: FieldType.string, values: ['ABC123', 'ABC123', 'ABC123'] },
      { name: 'spanID', type: FieldType.string, values: ['s1', 's2', 's3'] },
      { name: 'parentSpanID', type: FieldType.string, values: ['', 's1', 's2'] },
      { name: 'operationName', type: FieldType.string, values: ['GET /checkout', 'POST /pay', 'charge'] },
      { name: 'serviceName', type: FieldType.string, values: ['sample-app', 'payments', 'payments'] },
      { name: 'startTime', type: FieldType.number, values: [1000, 1010, 1020] },
      { name: 'duration', type: FieldType.number, values: [250.5, 200, 150] },
      { name: 'statusCode', type: FieldType.number, values: [2, 2, 0] },
      { name: 'tags', type: FieldType.other, values: [[], [], [{ key: 'error', value: true }]] },
    ],
  });
}

describe('toSpans and summarizeTrace', () => {
  it('reads spans from a Tempo trace frame', () => {
    const spans = toSpans([traceFrame()]);
    expect(spans).toHaveLength(3);
    expect(spans[0]).toEqual({
      traceId: 'abc123',
      spanId: 's1',
      parentSpanId: undefined,
      service: 'sample-app',
      name: 'GET /checkout',
      startMs: 1000,
      durationMs: 250.5,
      error: true,
    });
    expect(spans[2].error).toBe(true);
  });

  it('summarizes root, duration, span and error counts', () => {
    const summary = summarizeTrace('abc123', toSpans([traceFrame()]));
    expect(summary).toEqual({
      traceId: 'abc123',
      rootService: 'sample-app',
      rootSpan: 'GET /checkout',
      startMs: 1000,
      durationMs: 250.5,
      spanCount: 3,
      errorSpanCount: 3,
      errorServices: { 'sample-app': 1, payments: 2 },
      services: ['sample-app', 'payments'],
    });
  });

  it('has no summary for a trace without spans, and ignores frames that are not traces', () => {
    expect(summarizeTrace('x', [])).toBeUndefined();
    expect(toSpans([createDataFrame({ fields: [{ name: 'Value', type: FieldType.number, values: [1] }] })])).toEqual(
      []
    );
  });

  it('picks the earliest parentless span as root of an incomplete trace', () => {
    const summary = summarizeTrace('t', [
      {
        traceId: 't',
        spanId: 'b',
        parentSpanId: 'missing',
        service: 'late',
        name: 'b',
        startMs: 20,
        durationMs: 5,
        error: false,
      },
      {
        traceId: 't',
        spanId: 'a',
        parentSpanId: 'gone',
        service: 'early',
        name: 'a',
        startMs: 10,
        durationMs: 1,
        error: false,
      },
    ]);
    expect(summary?.rootService).toBe('early');
    expect(summary?.durationMs).toBe(15);
  });
});
