import type { DataQuery } from '@grafana/schema';
import { summarizeTrace, type Span, type TraceLookup } from '../../engine/traces/traceSummary';
import type { AppSettings } from '../../settings/types';
import { errorMessage, type QueryRunner } from '../queryRunner';
import { toSpans } from './normalize';

interface TempoQuery extends DataQuery {
  queryType: 'traceql';
  query: string;
}

/** Most traces looked up per view, and how many lookups run at once. */
export const MAX_TRACE_LOOKUPS = 10;
export const TRACE_LOOKUP_CONCURRENCY = 4;

const TRACE_NOT_FOUND = /\b404\b|not found/i;

/** Runs `work` over `items` with at most `limit` in flight, keeping the input order. */
export async function mapConcurrent<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

async function lookupTrace(
  run: QueryRunner,
  settings: AppSettings,
  traceId: string,
  fromMs: number,
  toMs: number
): Promise<{ lookup: TraceLookup; spans: Span[] }> {
  try {
    const query: TempoQuery = { refId: 'trace', queryType: 'traceql', query: traceId };
    const spans = toSpans(await run('tempo', settings.datasources.tempoUid, [query], fromMs, toMs));
    const summary = summarizeTrace(traceId, spans);
    return { lookup: summary ? { traceId, status: 'found', summary } : { traceId, status: 'not-found' }, spans };
  } catch (e) {
    const message = errorMessage(e);
    // Tempo answers an unknown id (unsampled, expired, not yet ingested) with a 404 error.
    if (TRACE_NOT_FOUND.test(message)) {
      return { lookup: { traceId, status: 'not-found' }, spans: [] };
    }
    // One failed lookup is reported on its own row and does not fail the others.
    return { lookup: { traceId, status: 'error', message }, spans: [] };
  }
}

export interface TraceResults {
  lookups: TraceLookup[];
  /** Spans of every trace found, for dependencies when there is no service graph. */
  spans: Span[];
}

/** Metadata of the first traces named by the logs, looked up concurrently and bounded in number. */
export async function fetchTraces(
  run: QueryRunner,
  settings: AppSettings,
  traceIds: string[],
  fromMs: number,
  toMs: number
): Promise<TraceResults> {
  const ids = [...new Set(traceIds)].slice(0, MAX_TRACE_LOOKUPS);
  const results = await mapConcurrent(ids, TRACE_LOOKUP_CONCURRENCY, (id) =>
    lookupTrace(run, settings, id, fromMs, toMs)
  );
  return { lookups: results.map((r) => r.lookup), spans: results.flatMap((r) => r.spans) };
}
