import type { ServiceAnalysis } from '../../engine/analysis';
import { analyzeMetrics } from '../../engine/metricsAnalysis';
import { BURN_WINDOWS } from '../../engine/slo';
import type { Incident } from '../../data/incidents/api';

export const INCIDENT_ID = '01JD2X8M3Q4W5E6R7T8Y9U0I1O';
export const FROM_MS = Date.UTC(2025, 0, 1, 10);
export const TO_MS = Date.UTC(2025, 0, 1, 11);

/** A saved analysis: metrics as computed by the engine (1 req/s, 1 % errors: 10× burn), Loki failed. */
export function savedAnalysis(errorsPerHour = 36): ServiceAnalysis {
  const counts = { requests: 3600, errors: errorsPerHour };
  const metrics = analyzeMetrics(
    {
      service: 'checkout',
      fromMs: FROM_MS,
      toMs: TO_MS,
      range: { ...counts, p95Seconds: 0.25 },
      period: { requests: 3600 * 24 * 30, errors: errorsPerHour },
      windows: Object.fromEntries(BURN_WINDOWS.map((w) => [w.id, counts])) as never,
      errorsByRoute: { '/checkout': errorsPerHour },
      series: { requests: [], errors: [], p95: [] },
    },
    { objectivePercent: 99.9, periodDays: 30 }
  );
  return {
    version: 1,
    service: 'checkout',
    fromMs: FROM_MS,
    toMs: TO_MS,
    datasources: { prometheusUid: 'prom', lokiUid: 'loki', tempoUid: 'tempo' },
    metrics: { status: 'ok', value: metrics },
    logs: { status: 'error', message: 'Loki: too many outstanding requests' },
    confidence: { status: 'error', message: 'Needs both metrics and logs: Loki: too many outstanding requests' },
    blastRadius: { status: 'error', message: 'Prometheus: no service graph metrics' },
    traces: { status: 'error', message: 'Trace ids come from the error logs, which are unavailable.' },
  };
}

export function incident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: INCIDENT_ID,
    orgId: 1,
    service: 'checkout',
    title: 'checkout: 5xx errors',
    severity: 'high',
    status: 'open',
    assignee: '',
    notes: '',
    timeRange: { from: new Date(FROM_MS).toISOString(), to: new Date(TO_MS).toISOString() },
    analysis: savedAnalysis(),
    links: [
      { title: 'Services page', url: '/a/rcp-reliability-app/services?service=checkout' },
      { title: 'Runbook', url: 'https://runbooks.example.com/checkout' },
    ],
    createdBy: 'alice',
    createdAt: '2025-01-01T11:02:03Z',
    updatedAt: '2025-01-01T11:02:03Z',
    version: 1,
    events: [
      {
        id: 1,
        incidentId: INCIDENT_ID,
        time: '2025-01-01T11:02:03Z',
        user: 'alice',
        kind: 'created',
        message: 'created incident "checkout: 5xx errors" (service checkout, severity high, status open)',
      },
    ],
    allowedTransitions: ['investigating', 'mitigated', 'resolved'],
    ...overrides,
  };
}
