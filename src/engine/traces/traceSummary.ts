/** A span as the engine sees it, whatever the datasource's frame shape. */
export interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  service: string;
  name: string;
  startMs: number;
  durationMs: number;
  error: boolean;
}

export interface TraceSummary {
  traceId: string;
  rootService: string;
  rootSpan: string;
  startMs: number;
  /** From the earliest span start to the latest span end. */
  durationMs: number;
  spanCount: number;
  errorSpanCount: number;
  /** Services owning error spans, with how many each. */
  errorServices: Record<string, number>;
  /** Services of the trace in order of first appearance. */
  services: string[];
}

/** The outcome of looking one trace up: one failed lookup is a row, not a failed panel. */
export type TraceLookup =
  | { traceId: string; status: 'found'; summary: TraceSummary }
  | { traceId: string; status: 'not-found' }
  | { traceId: string; status: 'error'; message: string };

/**
 * Root, duration and errors of one trace. The root is the span without a parent in the
 * trace (the earliest such span when a trace is incomplete and several are parentless).
 */
export function summarizeTrace(traceId: string, spans: Span[]): TraceSummary | undefined {
  if (spans.length === 0) {
    return undefined;
  }
  const ids = new Set(spans.map((s) => s.spanId));
  const byStart = [...spans].sort((a, b) => a.startMs - b.startMs || a.spanId.localeCompare(b.spanId));
  const root = byStart.find((s) => !s.parentSpanId || !ids.has(s.parentSpanId)) ?? byStart[0];
  let end = -Infinity;
  const errorServices: Record<string, number> = {};
  const services: string[] = [];
  for (const s of byStart) {
    end = Math.max(end, s.startMs + Math.max(0, s.durationMs));
    if (s.error) {
      errorServices[s.service] = (errorServices[s.service] ?? 0) + 1;
    }
    if (!services.includes(s.service)) {
      services.push(s.service);
    }
  }
  const startMs = byStart[0].startMs;
  return {
    traceId,
    rootService: root.service,
    rootSpan: root.name,
    startMs,
    durationMs: Math.max(0, end - startMs),
    spanCount: spans.length,
    errorSpanCount: Object.values(errorServices).reduce((a, b) => a + b, 0),
    errorServices,
    services,
  };
}
