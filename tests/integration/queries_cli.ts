/**
 * The plugin's own query builders and log analysis, as a command line for the Python
 * integration tests, so that they check the real servers with exactly the queries the page runs
 * and read the answers with the page's own engine.
 *
 *   node build/cli/queries.cjs queries --service S --from MS --to MS [--window S] [--settings JSON]
 *   node build/cli/queries.cjs analyze-logs [--settings JSON] < lines.json
 *     (a JSON array of {"timestampMs": n, "line": "raw Loki line"})
 *   node build/cli/queries.cjs slo < counts.json
 *     (computeSlo of {"windows": {"5m": {"requests": n, "errors": n}, ...}, "period": {...}, "objective": {...}})
 *
 * Bundled with: npx esbuild tests/integration/queries_cli.ts --bundle --platform=node --outfile=build/cli/queries.cjs
 */
import { readFileSync } from 'fs';

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

function main() {
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
  } else {
    process.stderr.write(
      'usage: queries.cjs queries --service S [--from MS --to MS --window S --settings JSON] | analyze-logs\n'
    );
    process.exit(2);
  }
}

main();
