/**
 * The plugin's own query builders and log analysis, as a command line for the Python
 * integration tests, so that they check the real servers with exactly the queries the page runs
 * and read the answers with the page's own engine.
 *
 *   node build/cli/queries.cjs queries --service S --from MS --to MS [--window S] [--settings JSON]
 *   node build/cli/queries.cjs analyze-logs [--settings JSON] < lines.json
 *     (a JSON array of {"timestampMs": n, "line": "raw Loki line"})
 *   node build/cli/queries.cjs analyze --service S --from MS --to MS --prometheus URL --loki URL --tempo URL
 *       [--settings JSON]
 *     (the Services page's whole pipeline, analyzeService, with its queries sent over HTTP to the
 *     servers; prints the ServiceAnalysis and the milliseconds it took)
 *   node build/cli/queries.cjs slo < counts.json
 *     (computeSlo of {"windows": {"5m": {"requests": n, "errors": n}, ...}, "period": {...}, "objective": {...}})
 *
 * Bundled with: npx esbuild tests/integration/queries_cli.ts --bundle --platform=node --outfile=build/cli/queries.cjs
 */
import { readFileSync } from 'fs';

import type { DataFrame } from '@grafana/data';
import { DatasourceError, type DatasourceKind, type QueryRunner } from '../../src/data/queryRunner';
import { analyzeService } from '../../src/pipeline/serviceAnalysis';

import { errorCountExpr, errorLinesExpr, patternCountExpr, streamSelector } from '../../src/data/loki/queries';
import {
  dependencyTargets,
  errorRateByRouteExpr,
  errorRateExpr,
  latencyQuantileExpr,
  requestRateExpr,
  servicesExpr,
  seriesTargets,
  summaryTargets,
} from '../../src/data/prometheus/queries';
import { serviceRuleGroup } from '../../src/data/prometheus/sloRules';
import { analyzeLogs, traceIdsOf } from '../../src/engine/logsAnalysis';
import { computeSlo } from '../../src/engine/slo';
import { resolveSettings, sloFor } from '../../src/settings/presets';
import type { AppSettings } from '../../src/settings/types';

function flags(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      throw new Error(`unexpected argument ${a}`);
    }
    out[a.slice(2)] = argv[++i] ?? '';
  }
  return out;
}

function queries(f: Record<string, string>) {
  const service = f.service;
  if (!service) {
    throw new Error('--service is required');
  }
  const to = Number(f.to ?? Date.now());
  const from = Number(f.from ?? to - 3600_000);
  const window = Number(f.window ?? 60);
  const stored = f.settings ? (JSON.parse(f.settings) as Partial<AppSettings>) : undefined;
  const settings = resolveSettings(stored);
  const m = settings.metrics;
  const logs = settings.logs;
  return {
    settings,
    prometheus: {
      requestRate: requestRateExpr(m, service, window),
      errorRate: errorRateExpr(m, service, window),
      p95: latencyQuantileExpr(m, service, window),
      errorsByRoute: errorRateByRouteExpr(m, service, window),
      services: servicesExpr(m, window),
      summary: summaryTargets(m, service, from, to, [settings.slo.default.periodDays]),
      series: seriesTargets(m, service, from, to),
      dependencies: dependencyTargets(m, from, to),
      sloRules: serviceRuleGroup(m, { service, objective: sloFor(settings, service) }),
    },
    loki: {
      stream: streamSelector(logs, service),
      errorLines: errorLinesExpr(logs, service),
      errorCount: errorCountExpr(logs, service, window),
      // A line filter for a template is the page's job; this one is for tests that name one.
      patternCount: f.lineFilter ? patternCountExpr(logs, service, f.lineFilter, window) : undefined,
    },
  };
}

/** What the Patterns section computes from the lines Loki returned (all of them: no sampling). */
function analyzeLogLines(f: Record<string, string>) {
  const lines = JSON.parse(readFileSync(0, 'utf8')) as Array<{ timestampMs: number; line: string }>;
  const settings = resolveSettings(f.settings ? (JSON.parse(f.settings) as Partial<AppSettings>) : undefined);
  const logs = analyzeLogs(
    { lines, totalErrorLines: lines.length, sampled: false, lineLimit: settings.logs.lineLimit, burst: [] },
    settings.logs
  );
  return { ...logs, traceIds: traceIdsOf(logs) };
}

/** A frame as Grafana's datasources shape it, built from plain values (FieldType's string values). */
function frame(
  refId: string,
  fields: Array<{ name: string; type: string; values: unknown[]; labels?: Record<string, string> }>
): DataFrame {
  return {
    refId,
    length: fields[0]?.values.length ?? 0,
    fields: fields.map((f) => ({ config: {}, ...f })),
  } as unknown as DataFrame;
}

interface PromSeries {
  metric: Record<string, string>;
  value?: [number, string];
  values?: Array<[number, string]>;
}

/** Prometheus and Loki metric answers (vector or matrix) as one frame per series, times in ms. */
function seriesFrames(refId: string, result: PromSeries[]): DataFrame[] {
  return result.map((r) => {
    const points = r.values ?? (r.value ? [r.value] : []);
    return frame(refId, [
      { name: 'Time', type: 'time', values: points.map(([t]) => Number(t) * 1000) },
      { name: 'Value', type: 'number', values: points.map(([, v]) => Number(v)), labels: r.metric },
    ]);
  });
}

async function getJson(kind: DatasourceKind, url: string): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { Accept: 'application/json' }, signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    throw new DatasourceError(kind, e instanceof Error ? e.message : String(e));
  }
  const text = await response.text();
  if (!response.ok) {
    throw new DatasourceError(kind, `${text.slice(0, 200)} (HTTP ${response.status})`);
  }
  return { status: response.status, body: JSON.parse(text) };
}

function query(base: string, path: string, params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined) {
      q.set(k, String(v));
    }
  }
  return `${base}${path}?${q.toString()}`;
}

function stepSeconds(interval: unknown, intervalMs: number | undefined): number {
  const m = typeof interval === 'string' ? /^(\d+)s$/.exec(interval) : null;
  return m ? Number(m[1]) : Math.max(1, Math.round((intervalMs ?? 15_000) / 1000));
}

type Target = Record<string, unknown> & { refId: string };

async function prometheus(base: string, t: Target, fromMs: number, toMs: number, intervalMs?: number) {
  const expr = String(t.expr);
  const url = t.instant
    ? query(base, '/api/v1/query', { query: expr, time: toMs / 1000 })
    : query(base, '/api/v1/query_range', {
        query: expr,
        start: fromMs / 1000,
        end: toMs / 1000,
        step: stepSeconds(t.interval, intervalMs),
      });
  const { body } = await getJson('prometheus', url);
  return seriesFrames(t.refId, (body as { data: { result: PromSeries[] } }).data.result);
}

async function loki(base: string, t: Target, fromMs: number, toMs: number, intervalMs?: number) {
  const ns = (ms: number) => `${Math.round(ms)}000000`;
  const expr = String(t.expr);
  const url =
    t.queryType === 'instant'
      ? query(base, '/loki/api/v1/query', { query: expr, time: ns(toMs) })
      : query(base, '/loki/api/v1/query_range', {
          query: expr,
          start: ns(fromMs),
          end: ns(toMs),
          limit: t.maxLines as number | undefined,
          step: t.step ? String(t.step) : `${stepSeconds(undefined, intervalMs)}s`,
        });
  const { body } = await getJson('loki', url);
  const data = (body as { data: { resultType: string; result: unknown[] } }).data;
  if (data.resultType !== 'streams') {
    return seriesFrames(t.refId, data.result as PromSeries[]);
  }
  const rows = (data.result as Array<{ values: Array<[string, string]> }>).flatMap((s) => s.values);
  return [
    frame(t.refId, [
      { name: 'Time', type: 'time', values: rows.map(([ts]) => Math.floor(Number(ts) / 1e6)) },
      { name: 'Line', type: 'string', values: rows.map(([, line]) => line) },
    ]),
  ];
}

/** OTLP JSON ids are hex in Tempo's HTTP API, base64 in plain protobuf JSON. */
function hexId(id: unknown): string {
  const s = typeof id === 'string' ? id : '';
  return /^[0-9a-f]*$/i.test(s) ? s.toLowerCase() : Buffer.from(s, 'base64').toString('hex');
}

interface OtlpSpan {
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  startTimeUnixNano?: string;
  endTimeUnixNano?: string;
  status?: { code?: number | string };
}

/** A trace by id as the trace frame Grafana's Tempo datasource returns. */
async function tempo(base: string, t: Target) {
  const traceId = String(t.query).toLowerCase();
  const { body } = await getJson('tempo', `${base}/api/traces/${encodeURIComponent(traceId)}`);
  const doc = body as { batches?: unknown[]; resourceSpans?: unknown[]; trace?: { resourceSpans?: unknown[] } };
  const batches = (doc.batches ?? doc.resourceSpans ?? doc.trace?.resourceSpans ?? []) as Array<{
    resource?: { attributes?: Array<{ key: string; value: { stringValue?: string } }> };
    scopeSpans?: Array<{ spans?: OtlpSpan[] }>;
    instrumentationLibrarySpans?: Array<{ spans?: OtlpSpan[] }>;
  }>;
  const rows: Array<Record<string, unknown>> = [];
  for (const b of batches) {
    const service = b.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? 'unknown';
    for (const scope of b.scopeSpans ?? b.instrumentationLibrarySpans ?? []) {
      for (const span of scope.spans ?? []) {
        const start = Number(span.startTimeUnixNano ?? 0) / 1e6;
        const code = span.status?.code;
        rows.push({
          traceID: traceId,
          spanID: hexId(span.spanId),
          parentSpanID: span.parentSpanId ? hexId(span.parentSpanId) : '',
          serviceName: service,
          operationName: span.name ?? '',
          startTime: start,
          duration: Number(span.endTimeUnixNano ?? 0) / 1e6 - start,
          statusCode: code === 2 || code === 'STATUS_CODE_ERROR' ? 2 : 0,
        });
      }
    }
  }
  const column = (name: string, type: string) => ({ name, type, values: rows.map((r) => r[name]) });
  return [
    frame(t.refId, [
      column('traceID', 'string'),
      column('spanID', 'string'),
      column('parentSpanID', 'string'),
      column('serviceName', 'string'),
      column('operationName', 'string'),
      column('startTime', 'number'),
      column('duration', 'number'),
      column('statusCode', 'number'),
    ]),
  ];
}

/** The QueryRunner of the tests and the benchmark: the page's queries, sent over HTTP to the servers. */
export function httpQueryRunner(urls: Record<DatasourceKind, string>): QueryRunner {
  return async (kind, _uid, targets, fromMs, toMs, intervalMs) => {
    const frames = await Promise.all(
      (targets as unknown as Target[]).map((t) =>
        kind === 'prometheus'
          ? prometheus(urls.prometheus, t, fromMs, toMs, intervalMs)
          : kind === 'loki'
            ? loki(urls.loki, t, fromMs, toMs, intervalMs)
            : tempo(urls.tempo, t)
      )
    );
    return frames.flat();
  };
}

/** The page's pipeline for one service, as the Services page runs it. */
async function analyze(f: Record<string, string>) {
  if (!f.service || !f.prometheus || !f.loki || !f.tempo) {
    throw new Error('--service, --prometheus, --loki and --tempo are required');
  }
  const to = Number(f.to ?? Date.now());
  const from = Number(f.from ?? to - 3600_000);
  const stored = f.settings ? (JSON.parse(f.settings) as Partial<AppSettings>) : {};
  const settings = resolveSettings({
    ...stored,
    datasources: { prometheusUid: 'prometheus', lokiUid: 'loki', tempoUid: 'tempo' },
  });
  const run = httpQueryRunner({ prometheus: f.prometheus, loki: f.loki, tempo: f.tempo });
  const started = performance.now();
  const analysis = await analyzeService(run, settings, f.service, from, to);
  return { elapsedMs: Math.round(performance.now() - started), analysis };
}

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'queries') {
    process.stdout.write(JSON.stringify(queries(flags(rest)), null, 2) + '\n');
  } else if (command === 'slo') {
    const [windows, period, objective] = ((input) => [input.windows, input.period, input.objective] as const)(
      JSON.parse(readFileSync(0, 'utf8')) as {
        windows: Parameters<typeof computeSlo>[0];
        period: Parameters<typeof computeSlo>[1];
        objective: Parameters<typeof computeSlo>[2];
      }
    );
    process.stdout.write(JSON.stringify(computeSlo(windows, period, objective), null, 2) + '\n');
  } else if (command === 'analyze-logs') {
    process.stdout.write(JSON.stringify(analyzeLogLines(flags(rest)), null, 2) + '\n');
  } else if (command === 'analyze') {
    process.stdout.write(JSON.stringify(await analyze(flags(rest))) + '\n');
  } else {
    process.stderr.write(
      'usage: queries.cjs queries --service S [--from MS --to MS --window S --settings JSON] | analyze-logs |' +
        ' analyze --service S --from MS --to MS --prometheus URL --loki URL --tempo URL\n'
    );
    process.exit(2);
  }
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
