/**
 * The Overview page's data path against a Prometheus HTTP API, for benchmarks/overview_scale.py:
 * the page's own query builders (`fleetTargets`), frame reader (`toFleetSignals`) and engine
 * (`analyzeFleet`). Only the transport differs: Prometheus is called directly instead of through
 * Grafana's datasource proxy, and its JSON is shaped into frames as Grafana's backend would.
 *
 *   node build/cli/overview-bench.cjs --prometheus URL --from MS --to MS
 *
 * Prints {"services": n, "firing": n, "ms": t, "series": n, "took": {refId: t}}: `ms` from the first
 * request to the rows, `took` each query's own time (they run concurrently).
 */
import { FieldType, type DataFrame } from '@grafana/data';
import { fleetTargets, type PromTarget } from '../src/data/prometheus/queries';
import { toFleetSignals } from '../src/data/prometheus/normalize';
import { analyzeFleet } from '../src/engine/fleet';
import { resolveSettings, sloFor } from '../src/settings/presets';

interface PromSeries {
  metric: Record<string, string>;
  value?: [number, string];
  values?: Array<[number, string]>;
}

async function query(base: string, t: PromTarget, fromMs: number, toMs: number): Promise<DataFrame[]> {
  const params = new URLSearchParams({ query: t.expr });
  if (t.range) {
    params.set('start', String(fromMs / 1000));
    params.set('end', String(toMs / 1000));
    params.set('step', String(t.stepSeconds ?? 15));
  } else {
    params.set('time', String(toMs / 1000));
  }
  const res = await fetch(`${base}/api/v1/${t.range ? 'query_range' : 'query'}`, {
    method: 'POST',
    body: params,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  const body = (await res.json()) as { status: string; error?: string; data?: { result: PromSeries[] } };
  if (body.status !== 'success' || !body.data) {
    throw new Error(`${t.refId}: ${body.error ?? res.status}`);
  }
  return body.data.result.map((s) => {
    const points = s.values ?? (s.value ? [s.value] : []);
    const { __name__: _name, ...labels } = s.metric;
    return {
      refId: t.refId,
      length: points.length,
      fields: [
        { name: 'Time', type: FieldType.time, config: {}, values: points.map((p) => p[0] * 1000) },
        { name: 'Value', type: FieldType.number, config: {}, labels, values: points.map((p) => Number(p[1])) },
      ],
    };
  });
}

async function main() {
  const args = Object.fromEntries(
    process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1]]] : []))
  );
  const fromMs = Number(args.from);
  const toMs = Number(args.to);
  const settings = resolveSettings({ datasources: { prometheusUid: 'bench' } });
  const started = performance.now();
  const { series, summary } = fleetTargets(settings.metrics, settings.slo, fromMs, toMs);
  // The page sends two requests at once; Grafana runs their targets concurrently too.
  // Each query's own time (request to parsed JSON), to show where the total goes.
  const took: Record<string, number> = {};
  const frames = (
    await Promise.all(
      [...series, ...summary].map(async (t) => {
        const begun = performance.now();
        const result = await query(args.prometheus, t, fromMs, toMs);
        took[t.refId] = Math.round(performance.now() - begun);
        return result;
      })
    )
  ).flat();
  const rows = analyzeFleet(
    toFleetSignals(frames, settings.metrics, fromMs, toMs, (s) => sloFor(settings, s).periodDays),
    (s) => sloFor(settings, s)
  );
  const ms = performance.now() - started;
  const firing = rows.filter((r) => r.state === 'page' || r.state === 'ticket').length;
  process.stdout.write(
    `${JSON.stringify({ services: rows.length, firing, top: rows[0]?.service, ms: Math.round(ms), series: frames.length, took })}\n`
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
