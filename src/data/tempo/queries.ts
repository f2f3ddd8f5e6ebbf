/**
 * Tempo queries of the plugin: a trace looked up by its id, and a TraceQL search for a service's
 * error spans (the Explore link of the Traces section). Grafana's Tempo datasource treats a
 * `traceql` query that is a bare trace id as a lookup by id, as it does for Loki's derived fields.
 */

/**
 * Quotes a TraceQL string literal. Only `\` and `"` are escaped: Grafana's TraceQL grammar knows no
 * other escape, and Tempo's lexer takes every other character except a line break as it is.
 */
function quoteTraceQL(value: string): string {
  return '"' + value.replace(/[\\"]/g, '\\$&') + '"';
}

/**
 * TraceQL for the traces in which `service` has a span with error status; undefined for a name
 * with a line break, which no TraceQL string literal can hold.
 */
export function errorTracesTraceQL(service: string): string | undefined {
  return /[\r\n]/.test(service) ? undefined : `{ resource.service.name = ${quoteTraceQL(service)} && status = error }`;
}
