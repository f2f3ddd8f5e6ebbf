/**
 * Blast radius of a failing service: which services its failures reach (callers whose calls to
 * it fail, transitively) and which dependencies fail under it (possible causes), and how much of
 * their traffic fails. Rules and class thresholds are in docs/BLAST_RADIUS.md; keep them in sync.
 */

import type { Span } from './traces/traceSummary';
import { compareAsc, isFiniteNumber } from './values';

export interface ServiceEdge {
  client: string;
  server: string;
  requests: number;
  failed: number;
}

/** What the blast radius reads of a span. */
export type TraceSpan = Pick<Span, 'traceId' | 'spanId' | 'parentSpanId' | 'service' | 'error'>;

export interface BlastRadiusInput {
  /** the failing service the user is looking at */
  service: string;
  /** per-service request and error counts over the range (metrics), may include only the service itself */
  serviceTraffic: Record<string, { requests: number; errors: number }>;
  /** dependency edges from Tempo service-graph metrics (traces_service_graph_request_total / _failed_total) */
  edges: ServiceEdge[];
  /** spans of the fetched traces, used to derive edges when `edges` is empty */
  spans?: TraceSpan[];
  errorsByRoute: Record<string, number>;
}

export type BlastRole = 'origin' | 'upstream' | 'downstream';
export type BlastClass = 'none' | 'low' | 'moderate' | 'high' | 'critical';
export type EdgesSource = 'service-graph' | 'traces' | 'none';

export interface AffectedService {
  service: string;
  role: BlastRole;
  requests: number;
  errors: number;
  /** null when no requests are known */
  errorRatio: number | null;
  reason: string;
}

export interface BlastRadius {
  affected: AffectedService[];
  affectedCount: number;
  /** share of requests failing across the affected services, 0..100 */
  impactPercent: number;
  class: BlastClass;
  edgesSource: EdgesSource;
  routes: Array<{ route: string; errors: number; share: number }>;
}

/** Lower bounds (inclusive) of impactPercent for each class above 'low'. */
export const BLAST_THRESHOLDS = {
  moderate: 1,
  high: 5,
  critical: 20,
  /** this many affected services with more than `spreadPercent` failing is critical too */
  spreadServices: 3,
  spreadPercent: 5,
} as const;

const ROLE_ORDER: Record<BlastRole, number> = { origin: 0, downstream: 1, upstream: 2 };

function nonNegative(n: unknown): number {
  return isFiniteNumber(n) && n > 0 ? n : 0;
}

function pct(ratio: number): string {
  const p = ratio * 100;
  return `${p >= 10 || p === 0 ? Math.round(p) : p.toFixed(1)}%`;
}

/**
 * Sums duplicate pairs (one series per label set in Prometheus) and drops self-calls, which say
 * nothing about the spread between services. increase() can push failed above requests.
 */
export function normalizeEdges(raw: ServiceEdge[]): ServiceEdge[] {
  const byKey = new Map<string, ServiceEdge>();
  for (const e of raw) {
    if (!e || typeof e.client !== 'string' || typeof e.server !== 'string' || e.client === e.server) {
      continue;
    }
    const key = JSON.stringify([e.client, e.server]);
    const cur = byKey.get(key) ?? { client: e.client, server: e.server, requests: 0, failed: 0 };
    cur.requests += nonNegative(e.requests);
    cur.failed += nonNegative(e.failed);
    byKey.set(key, cur);
  }
  return [...byKey.values()]
    .map((e) => (isFiniteNumber(e.requests) && isFiniteNumber(e.failed) ? e : { ...e, requests: 0, failed: 0 }))
    .map((e) => ({ ...e, requests: Math.max(e.requests, e.failed) }))
    .sort((a, b) => compareAsc(a.client, b.client) || compareAsc(a.server, b.server));
}

/**
 * A span whose parent belongs to another service is a call between the two; the child span's
 * error status says whether that call failed.
 */
export function edgesFromSpans(spans: TraceSpan[]): ServiceEdge[] {
  const byId = new Map<string, TraceSpan>();
  for (const s of spans) {
    if (!s || typeof s.service !== 'string') {
      continue;
    }
    const key = JSON.stringify([s.traceId, s.spanId]);
    if (!byId.has(key)) {
      byId.set(key, s);
    }
  }
  const raw: ServiceEdge[] = [];
  for (const s of byId.values()) {
    if (s.parentSpanId === undefined || s.parentSpanId === '') {
      continue;
    }
    const parent = byId.get(JSON.stringify([s.traceId, s.parentSpanId]));
    if (parent && parent.service !== s.service) {
      raw.push({ client: parent.service, server: s.service, requests: 1, failed: s.error === true ? 1 : 0 });
    }
  }
  return normalizeEdges(raw);
}

/** Service-graph edges when there are any, else the calls seen in the spans fetched. */
export function resolveEdges(
  graphEdges: ServiceEdge[] | undefined,
  spans: TraceSpan[] | undefined
): { edges: ServiceEdge[]; edgesSource: EdgesSource } {
  if (Array.isArray(graphEdges) && graphEdges.length > 0) {
    return { edges: normalizeEdges(graphEdges), edgesSource: 'service-graph' };
  }
  if (Array.isArray(spans) && spans.length > 0) {
    return { edges: edgesFromSpans(spans), edgesSource: 'traces' };
  }
  return { edges: [], edgesSource: 'none' };
}

function trafficOf(input: BlastRadiusInput, service: string): { requests: number; errors: number } | null {
  const t =
    input.serviceTraffic && Object.prototype.hasOwnProperty.call(input.serviceTraffic, service)
      ? input.serviceTraffic[service]
      : undefined;
  if (!t || (!isFiniteNumber(t.requests) && !isFiniteNumber(t.errors))) {
    return null;
  }
  const errors = nonNegative(t.errors);
  return { requests: Math.max(nonNegative(t.requests), errors), errors };
}

function sumEdges(edges: ServiceEdge[]): { requests: number; errors: number } {
  return edges.reduce((acc, e) => ({ requests: acc.requests + e.requests, errors: acc.errors + e.failed }), {
    requests: 0,
    errors: 0,
  });
}

/** Without metrics for a service, the calls it served stand for its traffic, else the calls it made. */
function countsFromEdges(service: string, edges: ServiceEdge[]): { requests: number; errors: number } {
  const inbound = edges.filter((e) => e.server === service);
  return sumEdges(inbound.length > 0 ? inbound : edges.filter((e) => e.client === service));
}

function routesOf(errorsByRoute: Record<string, number>): BlastRadius['routes'] {
  const entries = Object.entries(errorsByRoute && typeof errorsByRoute === 'object' ? errorsByRoute : {})
    .map(([route, errors]) => ({ route, errors: nonNegative(errors) }))
    .filter((r) => r.errors > 0);
  const total = entries.reduce((acc, r) => acc + r.errors, 0);
  return entries
    .map((r) => ({ ...r, share: isFiniteNumber(total) && total > 0 ? Math.min(1, r.errors / total) : 0 }))
    .sort((a, b) => b.errors - a.errors || compareAsc(a.route, b.route));
}

export function classifyBlast(affectedCount: number, impactPercent: number): BlastClass {
  if (affectedCount === 0 || !(impactPercent > 0)) {
    return 'none';
  }
  if (
    impactPercent >= BLAST_THRESHOLDS.critical ||
    (affectedCount >= BLAST_THRESHOLDS.spreadServices && impactPercent > BLAST_THRESHOLDS.spreadPercent)
  ) {
    return 'critical';
  }
  if (impactPercent >= BLAST_THRESHOLDS.high) {
    return 'high';
  }
  if (impactPercent >= BLAST_THRESHOLDS.moderate) {
    return 'moderate';
  }
  return 'low';
}

interface Found {
  role: BlastRole;
  /** the already-affected service this one was reached from, with the failing edge */
  via?: ServiceEdge;
}

/** Breadth-first along failing edges; the visited set makes cycles harmless. */
function walk(start: string, edges: ServiceEdge[], found: Map<string, Found>, role: 'upstream' | 'downstream'): void {
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const at = queue[i];
    for (const e of edges) {
      if (e.failed <= 0) {
        continue;
      }
      const next = role === 'upstream' ? (e.server === at ? e.client : null) : e.client === at ? e.server : null;
      if (next === null || next === start || found.has(next)) {
        continue;
      }
      found.set(next, { role, via: e });
      queue.push(next);
    }
  }
}

export function computeBlastRadius(input: BlastRadiusInput): BlastRadius {
  const service = typeof input.service === 'string' ? input.service : '';
  const { edges, edgesSource } = resolveEdges(input.edges, input.spans);
  const routes = routesOf(input.errorsByRoute);

  const found = new Map<string, Found>();
  // A possible cause matters more to the reader than one more victim, so a service that is
  // both (a failing cycle) is reported as downstream.
  walk(service, edges, found, 'downstream');
  walk(service, edges, found, 'upstream');

  const affected: AffectedService[] = [];
  const own = trafficOf(input, service);
  const routeErrors = routes.reduce((acc, r) => acc + r.errors, 0);
  const ownCounts =
    own ??
    (() => {
      const c = countsFromEdges(service, edges);
      const errors = Math.max(c.errors, routeErrors);
      return { requests: Math.max(c.requests, errors), errors };
    })();
  if (ownCounts.errors > 0) {
    affected.push(entry(service, 'origin', ownCounts, `${service} failed ${describeCounts(ownCounts)}`));
  }
  for (const [name, f] of found) {
    const counts = trafficOf(input, name) ?? countsFromEdges(name, edges);
    const e = f.via!;
    const calls = `${e.client} → ${e.server} calls failed ${Math.round(e.failed)} of ${Math.round(e.requests)} times`;
    const reason =
      f.role === 'upstream'
        ? `its ${calls}, so its own requests are exposed to the failure`
        : `${calls}: a possible cause`;
    affected.push(entry(name, f.role, counts, reason));
  }
  affected.sort(
    (a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || b.errors - a.errors || compareAsc(a.service, b.service)
  );

  const totals = affected.reduce((acc, a) => ({ requests: acc.requests + a.requests, errors: acc.errors + a.errors }), {
    requests: 0,
    errors: 0,
  });
  const ratio = totals.requests > 0 ? totals.errors / totals.requests : 0;
  const impactPercent = isFiniteNumber(ratio) ? Math.min(100, Math.max(0, ratio * 100)) : 0;
  return {
    affected,
    affectedCount: affected.length,
    impactPercent,
    class: classifyBlast(affected.length, impactPercent),
    edgesSource,
    routes,
  };
}

function describeCounts(c: { requests: number; errors: number }): string {
  const ratio = c.requests > 0 ? ` (${pct(c.errors / c.requests)})` : '';
  return `${Math.round(c.errors)} of ${Math.round(c.requests)} requests${ratio}`;
}

function entry(
  service: string,
  role: BlastRole,
  counts: { requests: number; errors: number },
  reason: string
): AffectedService {
  const requests = isFiniteNumber(counts.requests) ? Math.max(0, counts.requests) : 0;
  const errors = isFiniteNumber(counts.errors) ? Math.min(Math.max(0, counts.errors), requests) : 0;
  const ratio = requests > 0 ? errors / requests : null;
  return {
    service,
    role,
    requests,
    errors,
    errorRatio: ratio !== null && isFiniteNumber(ratio) ? ratio : null,
    reason,
  };
}
