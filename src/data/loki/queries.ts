import type { LogMapping } from '../../settings/types';

/**
 * LogQL builders for a service's error lines. As with PromQL, windows are whole seconds so
 * the same query text serves the page, the integration tests and Explore links.
 */

export interface LokiTarget {
  refId: string;
  expr: string;
  queryType: 'range' | 'instant';
  /** Most lines returned by a log query. */
  maxLines?: number;
  /** Resolution of metric range queries, in seconds. */
  stepSeconds?: number;
}

function assertStreamLabel(name: string): string {
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) {
    throw new Error(`"${name}" is not a valid Loki label name`);
  }
  return name;
}

export function streamSelector(logs: LogMapping, service: string): string {
  return `{${assertStreamLabel(logs.serviceLabel)}=${JSON.stringify(service)}}`;
}

/** The service's error lines: stream selector, then the configured error filter. */
export function errorLinesExpr(logs: LogMapping, service: string): string {
  const filter = logs.errorFilter.trim();
  return filter ? `${streamSelector(logs, service)} ${filter}` : streamSelector(logs, service);
}

/** Number of error lines over the window, exact whatever the line limit of log queries. */
export function errorCountExpr(logs: LogMapping, service: string, windowSeconds: number): string {
  return `sum(count_over_time(${errorLinesExpr(logs, service)} [${windowSeconds}s]))`;
}

/** Error lines counted per step, for the log burst that is lined up with the metric spike. */
export function errorBurstExpr(logs: LogMapping, service: string, stepSeconds: number): string {
  return errorCountExpr(logs, service, stepSeconds);
}

/** Exact count of one pattern, given the LogQL line filter that matches its template. */
export function patternCountExpr(logs: LogMapping, service: string, lineFilter: string, windowSeconds: number): string {
  return `sum(count_over_time(${errorLinesExpr(logs, service)} ${lineFilter} [${windowSeconds}s]))`;
}
