import type { PatternBaseline } from './baseline';
import { normalizeEdges, type ServiceEdge, type TraceSpan } from './blastRadius';
import { detectSpike } from './confidence';
import { comparePatterns } from './patterns/groupPatterns';
import type { Point } from './signals';
import { compareAsc, isFiniteNumber, namesService } from './values';

/**
 * Probable root cause across services: which (service, route, error pattern) a failure starts
 * in, among the viewed service and every service reachable from it over failing dependency
 * edges, in both directions. Pure and deterministic; the method, its weights and a worked
 * example are in docs/ROOT_CAUSE.md — keep them in sync.
 */

export interface RootCausePattern {
  template: string;
  route?: string;
  status?: string;
  /** lines of the pattern (in the sample when the lines were sampled) */
  count: number;
  /** the template's count against the baseline window, when it was counted */
  baseline?: PatternBaseline;
}

/** What was fetched for one service; a part that could not be fetched is null. */
export interface ServiceEvidence {
  service: string;
  metrics: {
    requests: number;
    /** failed (server-error) requests over the range */
    errors: number;
    errorsByRoute: Record<string, number>;
    /** failed requests per route against the baseline window, when it was counted */
    routeBaselines?: Record<string, PatternBaseline>;
    errorSeries: Point[];
  } | null;
  logs: { totalErrorLines: number; patterns: RootCausePattern[] } | null;
}

export interface RootCauseInput {
  viewed: string;
  services: ServiceEvidence[];
  /** dependency edges over the range (service graph, or calls seen in spans) */
  edges: ServiceEdge[];
  /** spans of the traces linked from the viewed service's error logs */
  spans?: TraceSpan[];
}

export type RootCauseFactorId = 'own' | 'change' | 'traces' | 'named' | 'onset' | 'share';

export interface RootCauseFactor {
  id: RootCauseFactorId;
  /** 0..1 */
  value: number;
  weight: number;
}

export interface RootCauseCandidate {
  service: string;
  route?: string;
  template?: string;
  status?: string;
  /** 0..100 */
  score: number;
  factors: RootCauseFactor[];
  /** sentences a reader can check, with the numbers behind each factor */
  evidence: string[];
  /** services from the viewed one to this one over failing edges, both ends included */
  path: string[];
  /** true when its errors are new or elevated against the baseline */
  changed: boolean;
  /** true when nothing of the service's own (metrics or logs) could be seen */
  noData: boolean;
  /**
   * false for a service reached only through callers of the viewed one (or their other
   * dependencies): it cannot cause the viewed service's failures, so it is listed, never named
   */
  downstream: boolean;
}

export type RootCauseStatus = 'found' | 'none' | 'outside';

export interface RootCauseResult {
  status: RootCauseStatus;
  /** the top candidates, best first; empty when nothing fails */
  candidates: RootCauseCandidate[];
  /** one sentence: the cause, or why there is none */
  summary: string;
  /** the deepest failing service when it has no data of its own */
  outside?: string;
  /** services examined, the viewed one first */
  services: string[];
  /** parts that could not be fetched, as "service: what" */
  missing: string[];
}

export const ROOT_CAUSE_WEIGHTS: Readonly<Record<RootCauseFactorId, number>> = {
  own: 0.3,
  change: 0.2,
  traces: 0.15,
  named: 0.15,
  onset: 0.1,
  share: 0.1,
};

/** Candidates returned; services and patterns read (hostile input stays bounded). */
export const MAX_CANDIDATES = 5;
export const MAX_SERVICES = 50;
export const MAX_PATTERNS_PER_SERVICE = 10;
const MAX_EDGES = 5000;
const MAX_SPANS = 20_000;
/** Onsets within this many steps of the earliest count as the earliest; then the factor falls to 0 over ONSET_DECAY_STEPS. */
const ONSET_TOLERANCE_STEPS = 1;
const ONSET_DECAY_STEPS = 4;
const DEFAULT_STEP_MS = 60_000;

function clamp01(x: number): number {
  return isFiniteNumber(x) ? Math.min(1, Math.max(0, x)) : 0;
}

function positive(n: unknown): number {
  return isFiniteNumber(n) && n > 0 ? n : 0;
}

function pct(x: number): string {
  return `${Math.round(clamp01(x) * 100)} %`;
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

function text(x: unknown): string | undefined {
  return typeof x === 'string' && x !== '' ? x : undefined;
}

/** A client error (4xx) is the caller's mistake, never a cause of the service's failure. */
function isClientError(status: string | undefined): boolean {
  return status !== undefined && /^4(\d\d|xx)$/i.test(status.trim());
}

interface CleanService {
  service: string;
  metrics: ServiceEvidence['metrics'];
  patterns: RootCausePattern[] | null;
  /** server errors of the service: metrics, else its non-client-error log lines */
  errors: number;
  hasData: boolean;
}

function cleanPatterns(logs: ServiceEvidence['logs']): RootCausePattern[] | null {
  if (!logs || !Array.isArray(logs.patterns)) {
    return logs ? [] : null;
  }
  return logs.patterns
    .filter((p) => p && typeof p.template === 'string' && positive(p.count) > 0 && !isClientError(text(p.status)))
    .map((p) => ({ ...p, route: text(p.route), status: text(p.status), count: positive(p.count) }))
    .sort(comparePatterns)
    .slice(0, MAX_PATTERNS_PER_SERVICE);
}

function cleanServices(input: ServiceEvidence[] | undefined): Map<string, CleanService> {
  const out = new Map<string, CleanService>();
  const list = (Array.isArray(input) ? input : [])
    .filter((s) => s && typeof s.service === 'string' && s.service !== '')
    // Duplicates keep the one whose JSON sorts first, so the input order never matters.
    .map((s) => ({ s, key: JSON.stringify(s) ?? '' }))
    .sort((a, b) => compareAsc(a.s.service, b.s.service) || compareAsc(a.key, b.key))
    .map(({ s }) => s);
  for (const s of list) {
    if (out.has(s.service) || out.size >= MAX_SERVICES) {
      continue;
    }
    const metrics = s.metrics && typeof s.metrics === 'object' ? s.metrics : null;
    const patterns = cleanPatterns(s.logs);
    const logLines = (patterns ?? []).reduce((acc, p) => acc + p.count, 0);
    const errors = metrics ? positive(metrics.errors) : logLines;
    const hasData = (metrics !== null && positive(metrics.requests) > 0) || positive(s.logs?.totalErrorLines) > 0;
    out.set(s.service, { service: s.service, metrics, patterns, errors, hasData });
  }
  return out;
}

/** Breadth-first over failing edges in both directions; the path to each service found. */
function reachable(viewed: string, edges: ServiceEdge[], downstreamOnly = false): Map<string, string[]> {
  const paths = new Map<string, string[]>([[viewed, [viewed]]]);
  const queue = [viewed];
  for (let i = 0; i < queue.length && paths.size < MAX_SERVICES; i++) {
    const at = queue[i];
    for (const e of edges) {
      if (e.failed <= 0) {
        continue;
      }
      const next = e.client === at ? e.server : e.server === at && !downstreamOnly ? e.client : null;
      if (next === null || paths.has(next)) {
        continue;
      }
      paths.set(next, [...paths.get(at)!, next]);
      queue.push(next);
    }
  }
  return paths;
}

/**
 * The services whose data the ranking needs beyond the viewed one: reachable over failing edges
 * in either direction, nearest first, at most `limit` (the bound on extra fetches per analysis).
 */
export function relatedServices(viewed: string, edges: ServiceEdge[], limit: number): string[] {
  const paths = reachable(viewed, normalizeEdges((Array.isArray(edges) ? edges : []).slice(0, MAX_EDGES)));
  return [...paths.entries()]
    .filter(([name]) => name !== viewed)
    .sort(([a, pa], [b, pb]) => pa.length - pb.length || compareAsc(a, b))
    .slice(0, Math.max(0, limit))
    .map(([name]) => name);
}

/** For each service, the traces whose deepest error span (longest parent chain) is in it. */
export function deepestErrorServices(spans: TraceSpan[] | undefined): Record<string, number> {
  const byTrace = new Map<string, Map<string, TraceSpan>>();
  for (const s of (Array.isArray(spans) ? spans : []).slice(0, MAX_SPANS)) {
    if (!s || typeof s.traceId !== 'string' || typeof s.spanId !== 'string' || typeof s.service !== 'string') {
      continue;
    }
    const trace = byTrace.get(s.traceId) ?? new Map<string, TraceSpan>();
    if (!trace.has(s.spanId)) {
      trace.set(s.spanId, s);
    }
    byTrace.set(s.traceId, trace);
  }
  const out: Record<string, number> = {};
  for (const trace of byTrace.values()) {
    let deepest: { span: TraceSpan; depth: number } | undefined;
    for (const span of trace.values()) {
      if (span.error !== true) {
        continue;
      }
      // The visited set stops a parent cycle in hostile input.
      let depth = 0;
      const seen = new Set<string>([span.spanId]);
      let parent = span.parentSpanId ? trace.get(span.parentSpanId) : undefined;
      while (parent && !seen.has(parent.spanId)) {
        seen.add(parent.spanId);
        depth++;
        parent = parent.parentSpanId ? trace.get(parent.parentSpanId) : undefined;
      }
      if (
        !deepest ||
        depth > deepest.depth ||
        (depth === deepest.depth && compareAsc(span.service, deepest.span.service) < 0)
      ) {
        deepest = { span, depth };
      }
    }
    if (deepest) {
      out[deepest.span.service] = (out[deepest.span.service] ?? 0) + 1;
    }
  }
  return out;
}

function medianStep(points: Point[]): number | null {
  const ts = points
    .filter((p) => p && isFiniteNumber(p.t))
    .map((p) => p.t)
    .sort((a, b) => a - b);
  const diffs: number[] = [];
  for (let i = 1; i < ts.length; i++) {
    if (ts[i] > ts[i - 1]) {
      diffs.push(ts[i] - ts[i - 1]);
    }
  }
  if (diffs.length === 0) {
    return null;
  }
  diffs.sort((a, b) => a - b);
  return diffs[diffs.length >> 1];
}

function describeChange(b: PatternBaseline, what: string): string {
  const p = b.pValue < 0.001 ? 'p < 0.001' : `p = ${b.pValue.toFixed(3)}`;
  if (b.trend === 'new') {
    return `${what} is new: ${b.count} in the range, none in the baseline window (${p})`;
  }
  if (b.trend === 'elevated') {
    return `${what} is elevated ${b.ratio!.toFixed(1)}×: ${b.count} in the range against ${b.baselineCount} in the baseline window (${p})`;
  }
  return `${what} is ${b.trend}: ${b.count} in the range against ${b.baselineCount} in the baseline window`;
}

function changeValue(b: PatternBaseline | undefined): number | null {
  if (!b) {
    return null;
  }
  if (b.trend === 'new') {
    return 1;
  }
  if (b.trend === 'elevated') {
    // 1.5× is half credit, 10× and more is full credit.
    return clamp01(0.5 + (0.5 * Math.log10(Math.max(1, b.ratio ?? 1))) / Math.log10(10 / 1.5));
  }
  return 0;
}

interface Draft {
  service: string;
  route?: string;
  template?: string;
  status?: string;
  values: Partial<Record<RootCauseFactorId, number>>;
  evidence: string[];
  changed: boolean;
  noData: boolean;
}

export function computeRootCause(input: RootCauseInput): RootCauseResult {
  const viewed = typeof input?.viewed === 'string' ? input.viewed : '';
  const services = cleanServices(input?.services);
  const edges = normalizeEdges((Array.isArray(input?.edges) ? input.edges : []).slice(0, MAX_EDGES));
  const paths = reachable(viewed, edges);
  const below = reachable(viewed, edges, true);
  const examined = [...paths.keys()].sort((a, b) => (a === viewed ? -1 : b === viewed ? 1 : compareAsc(a, b)));
  const missing: string[] = [];
  for (const name of examined) {
    const s = services.get(name);
    if (!s || s.metrics === null) {
      missing.push(`${name}: metrics`);
    }
    if (!s || s.patterns === null) {
      missing.push(`${name}: logs`);
    }
  }

  const failedOut = (name: string) =>
    edges.filter((e) => e.client === name && e.failed > 0).reduce((acc, e) => acc + e.failed, 0);
  const failedIn = (name: string) =>
    edges.filter((e) => e.server === name && e.failed > 0).reduce((acc, e) => acc + e.failed, 0);
  const failing = examined.filter((name) => (services.get(name)?.errors ?? 0) > 0 || failedIn(name) > 0);
  const failingNeighbours = (name: string) =>
    failing.filter(
      (other) => other !== name && edges.some((e) => e.client === name && e.server === other && e.failed > 0)
    );

  const deepest = deepestErrorServices(input?.spans);
  const deepestTotal = Object.values(deepest).reduce((a, b) => a + b, 0);

  // Onset of each failing service's errors, and the earliest of them.
  const onsets = new Map<string, number>();
  let widestStep = 0;
  for (const name of failing) {
    const series = services.get(name)?.metrics?.errorSeries;
    const spike = Array.isArray(series) ? detectSpike(series) : null;
    if (spike) {
      onsets.set(name, spike.onsetMs);
      widestStep = Math.max(widestStep, medianStep(series!) ?? 0);
    }
  }
  // Onsets can only be compared to the resolution of the coarsest series.
  const step = widestStep > 0 ? widestStep : DEFAULT_STEP_MS;
  const earliest = onsets.size > 0 ? Math.min(...onsets.values()) : null;

  // For each service, the callers whose error lines name it ("payments returned 503"), and the
  // largest share of one caller's lines that do.
  const namedBy = new Map<string, { lines: number; share: number; by: string[] }>();
  for (const name of failing) {
    const patterns = services.get(name)?.patterns ?? [];
    const lines = patterns.reduce((acc, p) => acc + p.count, 0);
    for (const target of failing) {
      const naming =
        target === name
          ? 0
          : patterns.filter((p) => namesService(p.template, target)).reduce((acc, p) => acc + p.count, 0);
      if (naming > 0) {
        const cur = namedBy.get(target) ?? { lines: 0, share: 0, by: [] };
        namedBy.set(target, {
          lines: cur.lines + naming,
          share: Math.max(cur.share, naming / lines),
          by: [...cur.by, name],
        });
      }
    }
  }

  const drafts: Draft[] = [];
  for (const name of failing) {
    const s = services.get(name);
    const errors = s?.errors ?? 0;
    const ownErrors = errors > 0 ? errors : failedIn(name);
    const out = failedOut(name);
    const neighbours = failingNeighbours(name);
    const patterns = s?.patterns ?? [];
    const patternLines = patterns.reduce((acc, p) => acc + p.count, 0);
    const naming = (p: RootCausePattern) => neighbours.find((n) => namesService(p.template, n));
    const namingShare =
      patternLines > 0 ? patterns.filter((p) => naming(p)).reduce((acc, p) => acc + p.count, 0) / patternLines : 0;
    // Failed calls not already accounted for by patterns that name the failing dependency.
    const residualErrors = (1 - namingShare) * ownErrors;
    const residualOut = Math.max(0, out - namingShare * ownErrors);
    const explained = residualOut <= 0 ? 0 : residualErrors > 0 ? clamp01(residualOut / residualErrors) : 1;
    const named = namedBy.get(name);
    const onset = onsets.get(name);
    const common = (): Pick<Draft, 'values' | 'evidence'> => {
      const values: Partial<Record<RootCauseFactorId, number>> = {};
      const evidence: string[] = [];
      if (deepestTotal > 0) {
        values.traces = (deepest[name] ?? 0) / deepestTotal;
        evidence.push(
          `${deepest[name] ?? 0} of ${deepestTotal} traces linked from ${viewed}'s error logs have their deepest error span in ${name}`
        );
      }
      values.named = named ? clamp01(named.share) : 0;
      if (named) {
        evidence.push(`${Math.round(named.lines)} error lines of ${named.by.join(', ')} name ${name}`);
      }
      if (onset !== undefined && earliest !== null) {
        const lagSteps = (onset - earliest) / step;
        values.onset = clamp01(1 - Math.max(0, lagSteps - ONSET_TOLERANCE_STEPS) / ONSET_DECAY_STEPS);
        evidence.push(
          onset - earliest <= ONSET_TOLERANCE_STEPS * step
            ? `its errors start at ${clock(onset)} UTC, with the earliest of the ${onsets.size} failing service${onsets.size === 1 ? '' : 's'}`
            : `its errors start at ${clock(onset)} UTC, ${Math.round((onset - earliest) / 1000)} s after the earliest`
        );
      } else {
        values.onset = 0;
      }
      return { values, evidence };
    };

    if (!s || !s.hasData) {
      const c = common();
      c.values.own = out > 0 ? 0 : 1;
      c.values.share = 1;
      // Its change is seen only through the callers' patterns that name it.
      const callerChange = failing
        .flatMap((other) => services.get(other)?.patterns ?? [])
        .filter((p) => namesService(p.template, name))
        .map((p) => changeValue(p.baseline) ?? 0);
      c.values.change = callerChange.length > 0 ? Math.max(...callerChange) : 0.5;
      c.evidence.unshift(`${name} has no metrics or logs of its own; ${Math.round(failedIn(name))} calls to it failed`);
      drafts.push({ service: name, ...c, changed: c.values.change > 0, noData: true });
      continue;
    }

    const ownSentence =
      out <= 0
        ? `${name} has ${Math.round(ownErrors)} failed requests and no failing dependency of its own`
        : `${pct(explained)} of ${name}'s errors not naming a dependency are matched by its ${Math.round(out)} failed calls to ${neighbours.join(', ') || 'its dependencies'}`;

    if (patterns.length > 0) {
      for (const p of patterns) {
        const c = common();
        const namedDependency = naming(p);
        c.values.own = namedDependency ? 0 : 1 - explained;
        c.evidence.unshift(
          namedDependency ? `the pattern names its failing dependency ${namedDependency}` : ownSentence
        );
        c.values.share = patternLines > 0 ? p.count / patternLines : 0;
        c.evidence.push(`the pattern is ${pct(c.values.share)} of ${name}'s server-error lines`);
        const routeBaseline = p.route ? s.metrics?.routeBaselines?.[p.route] : undefined;
        const baseline = p.baseline ?? routeBaseline;
        c.values.change = changeValue(baseline) ?? 0;
        if (baseline) {
          c.evidence.push(describeChange(baseline, p.baseline ? 'the pattern' : `failed requests on ${p.route}`));
        }
        drafts.push({
          service: name,
          route: p.route,
          template: p.template,
          status: p.status,
          ...c,
          changed: c.values.change > 0,
          noData: false,
        });
      }
      continue;
    }

    // No error lines: the routes the metrics say fail stand for the candidates.
    const routes = Object.entries(s.metrics?.errorsByRoute ?? {})
      .map(([route, n]) => ({ route, n: positive(n) }))
      .filter((r) => r.n > 0)
      .sort((a, b) => b.n - a.n || compareAsc(a.route, b.route))
      .slice(0, MAX_PATTERNS_PER_SERVICE);
    const routeTotal = routes.reduce((acc, r) => acc + r.n, 0);
    const entries = routes.length > 0 ? routes : [{ route: undefined as string | undefined, n: ownErrors }];
    for (const r of entries) {
      const c = common();
      c.values.own = 1 - explained;
      c.evidence.unshift(`${ownSentence}; it has no server-error log lines`);
      c.values.share = routeTotal > 0 ? r.n / routeTotal : 1;
      const baseline = r.route ? s.metrics?.routeBaselines?.[r.route] : undefined;
      c.values.change = changeValue(baseline) ?? 0;
      if (baseline && r.route) {
        c.evidence.push(describeChange(baseline, `failed requests on ${r.route}`));
      }
      drafts.push({ service: name, route: r.route, ...c, changed: c.values.change > 0, noData: false });
    }
  }

  const candidates = drafts
    .map((d): RootCauseCandidate => {
      const factors = (Object.keys(ROOT_CAUSE_WEIGHTS) as RootCauseFactorId[])
        .filter((id) => d.values[id] !== undefined)
        .map((id) => ({ id, value: clamp01(d.values[id]!), weight: ROOT_CAUSE_WEIGHTS[id] }));
      const weight = factors.reduce((acc, f) => acc + f.weight, 0);
      const score = weight > 0 ? factors.reduce((acc, f) => acc + f.weight * f.value, 0) / weight : 0;
      return {
        service: d.service,
        route: d.route,
        template: d.template,
        status: d.status,
        score: Math.round(clamp01(score) * 100),
        factors,
        evidence: d.evidence,
        path: paths.get(d.service) ?? [viewed, d.service],
        changed: d.changed,
        noData: d.noData,
        downstream: below.has(d.service),
      };
    })
    .sort(
      (a, b) =>
        Number(b.changed && b.downstream) - Number(a.changed && a.downstream) ||
        b.score - a.score ||
        compareAsc(a.service, b.service) ||
        compareAsc(a.route ?? '', b.route ?? '') ||
        compareAsc(a.template ?? '', b.template ?? '') ||
        compareAsc(a.status ?? '', b.status ?? '')
    )
    .slice(0, MAX_CANDIDATES);

  const base = { candidates, services: examined, missing };
  if (candidates.length === 0) {
    return {
      ...base,
      status: 'none',
      summary: `No root cause: no server errors in ${viewed} or in the services it calls or is called by over failing edges.`,
    };
  }
  const top = candidates[0];
  if (!top.changed || !top.downstream) {
    const changedUpstream = candidates.filter((c) => c.changed).map((c) => c.service);
    return {
      ...base,
      status: 'none',
      summary:
        changedUpstream.length > 0
          ? `No root cause in ${viewed} or its dependencies: the new errors are in ${[...new Set(changedUpstream)].join(', ')}, which ${viewed}'s failures cannot come from (it only calls or shares dependencies with ${viewed}).`
          : `No root cause: the server errors of ${failing.join(', ')} are steady against the baseline, not new in this range.`,
    };
  }
  const where = [top.service, top.route, top.template ? `"${top.template}"` : undefined].filter(Boolean).join(' ');
  if (top.noData) {
    return {
      ...base,
      status: 'outside',
      outside: top.service,
      summary: `The cause may be outside what we can see: ${top.service} fails calls from ${top.path.slice(0, -1).join(' → ')} but has no metrics or logs of its own.`,
    };
  }
  return {
    ...base,
    status: 'found',
    summary: `Probable root cause: ${where} (score ${top.score}), path ${top.path.join(' → ')}.`,
  };
}
