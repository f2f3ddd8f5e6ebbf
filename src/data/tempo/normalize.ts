import type { DataFrame, Field } from '@grafana/data';
import type { Span } from '../../engine/traces/traceSummary';
import { fieldValues, toFiniteNumber } from '../frames';

/** OpenTelemetry's status code for an error span, as Grafana's Tempo frames carry it. */
const STATUS_ERROR = 2;

function column(frame: DataFrame, name: string): unknown[] | undefined {
  const field: Field | undefined = frame.fields.find((f) => f.name === name);
  return field ? fieldValues(field) : undefined;
}

function hasErrorTag(tags: unknown): boolean {
  return (
    Array.isArray(tags) &&
    tags.some(
      (t) =>
        t &&
        typeof t === 'object' &&
        (t as { key?: unknown }).key === 'error' &&
        (t as { value?: unknown }).value === true
    )
  );
}

/**
 * Spans from the trace frame Grafana's Tempo datasource returns for a trace-id query
 * (`traceID`, `spanID`, `parentSpanID`, `serviceName`, `operationName`, `startTime` and
 * `duration` in ms, `statusCode`). Rows without ids are skipped rather than guessed.
 */
export function toSpans(frames: DataFrame[]): Span[] {
  const spans: Span[] = [];
  for (const frame of frames) {
    const spanIds = column(frame, 'spanID');
    if (!spanIds) {
      continue;
    }
    const traceIds = column(frame, 'traceID') ?? [];
    const parents = column(frame, 'parentSpanID') ?? [];
    const services = column(frame, 'serviceName') ?? [];
    const names = column(frame, 'operationName') ?? [];
    const starts = column(frame, 'startTime') ?? [];
    const durations = column(frame, 'duration') ?? [];
    const statuses = column(frame, 'statusCode') ?? [];
    const tags = column(frame, 'tags') ?? [];
    for (let i = 0; i < spanIds.length; i++) {
      const spanId = spanIds[i];
      const traceId = traceIds[i];
      if (typeof spanId !== 'string' || !spanId || typeof traceId !== 'string') {
        continue;
      }
      const parent = parents[i];
      spans.push({
        traceId: traceId.toLowerCase(),
        spanId,
        parentSpanId: typeof parent === 'string' && parent ? parent : undefined,
        service: typeof services[i] === 'string' && services[i] ? (services[i] as string) : 'unknown',
        name: typeof names[i] === 'string' ? (names[i] as string) : '',
        startMs: toFiniteNumber(starts[i]) ?? 0,
        durationMs: toFiniteNumber(durations[i]) ?? 0,
        error: toFiniteNumber(statuses[i]) === STATUS_ERROR || hasErrorTag(tags[i]),
      });
    }
  }
  return spans;
}
