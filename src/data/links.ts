import { urlUtil } from '@grafana/data';
import { errorTracesTraceQL } from './tempo/queries';

interface ExploreQuery {
  refId: string;
  datasource: { uid: string; type: string };
  [key: string]: unknown;
}

/**
 * A Grafana Explore URL in the `panes` format (Grafana 10.1+): one pane with the given
 * datasource, queries and absolute range.
 */
export function exploreUrl(
  datasource: { uid: string; type: string },
  queries: ExploreQuery[],
  fromMs: number,
  toMs: number
): string {
  const panes = {
    rcp: {
      datasource: datasource.uid,
      queries,
      range: { from: String(Math.floor(fromMs)), to: String(Math.ceil(toMs)) },
    },
  };
  return urlUtil.renderUrl('/explore', { schemaVersion: 1, panes: JSON.stringify(panes) });
}

export function traceExploreUrl(tempoUid: string, traceId: string, fromMs: number, toMs: number): string {
  const datasource = { uid: tempoUid, type: 'tempo' };
  return exploreUrl(datasource, [{ refId: 'A', datasource, queryType: 'traceql', query: traceId }], fromMs, toMs);
}

/** Explore with a TraceQL search for the service's error traces, when TraceQL can name the service. */
export function errorTracesExploreUrl(
  tempoUid: string,
  service: string,
  fromMs: number,
  toMs: number
): string | undefined {
  const query = errorTracesTraceQL(service);
  if (query === undefined) {
    return undefined;
  }
  const datasource = { uid: tempoUid, type: 'tempo' };
  return exploreUrl(datasource, [{ refId: 'A', datasource, queryType: 'traceql', query }], fromMs, toMs);
}

export function logsExploreUrl(lokiUid: string, expr: string, fromMs: number, toMs: number): string {
  const datasource = { uid: lokiUid, type: 'loki' };
  return exploreUrl(datasource, [{ refId: 'A', datasource, expr, queryType: 'range' }], fromMs, toMs);
}
