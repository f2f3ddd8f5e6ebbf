import { analyzeFleet, filterFleet, sortFleet, type FleetServiceSignals } from './fleet';
import { analyzeTotals } from './metricsAnalysis';
import type { ServiceTotals } from './signals';
import { BURN_WINDOWS, type BurnWindowId, type Counts } from './slo';

const HOUR = 3_600_000;

/** A service whose every window and period saw `requests` with `errors` of them failing. */
function service(
  name: string,
  requests: number,
  errors: number,
  period: Counts = { requests, errors }
): FleetServiceSignals {
  const windows = Object.fromEntries(BURN_WINDOWS.map((w) => [w.id, { requests, errors }])) as Record<
    BurnWindowId,
    Counts
  >;
  const totals: ServiceTotals = {
    service: name,
    fromMs: 0,
    toMs: HOUR,
    range: { requests, errors, p95Seconds: requests > 0 ? 0.2 : null },
    period,
    windows,
  };
  return { totals, errorRatio: [] };
}

const DEFAULT = { objectivePercent: 99.9, periodDays: 30 };

describe('analyzeFleet', () => {
  // 100 healthy services, one at 2 % errors (20× burn at 99.9 %: page), one at 0.4 % (4×: ticket),
  // one without traffic and one whose own objective (99 %) makes 0.4 % errors healthy.
  const signals = [
    ...Array.from({ length: 100 }, (_, i) => service(`svc-${String(i).padStart(3, '0')}`, 10_000, i % 3)),
    service('ticketing', 10_000, 40),
    service('idle', 0, 0),
    service('paging', 10_000, 200),
    service('lenient', 10_000, 40),
  ];
  const objectives: Record<string, typeof DEFAULT> = { lenient: { objectivePercent: 99, periodDays: 7 } };
  const rows = analyzeFleet(signals, (s) => objectives[s] ?? DEFAULT);

  it('computes every row with the Services page maths and its own objective', () => {
    expect(rows).toHaveLength(104);
    for (const row of rows) {
      const input = signals.find((s) => s.totals.service === row.service)!;
      const expected = analyzeTotals(input.totals, objectives[row.service] ?? DEFAULT);
      expect({ traffic: row.traffic, slo: row.slo }).toEqual(expected);
    }
    const lenient = rows.find((r) => r.service === 'lenient')!;
    expect(lenient.slo.objectivePercent).toBe(99);
    expect(lenient.slo.periodDays).toBe(7);
    expect(lenient.state).toBe('ok');
  });

  it('ranks firing page rules first, then ticket, then by budget left, and no traffic last', () => {
    expect(rows[0].service).toBe('paging');
    expect(rows[0].state).toBe('page');
    expect(rows[1].service).toBe('ticketing');
    expect(rows[1].state).toBe('ticket');
    const ok = rows.slice(2, -1);
    expect(ok.every((r) => r.state === 'ok')).toBe(true);
    for (let i = 1; i < ok.length; i++) {
      expect(ok[i - 1].slo.budget.remaining).toBeLessThanOrEqual(ok[i].slo.budget.remaining);
    }
    expect(rows[rows.length - 1]).toMatchObject({ service: 'idle', state: 'no-traffic' });
  });

  it('shows a service without traffic as such, not as healthy zeros', () => {
    const idle = rows.find((r) => r.service === 'idle')!;
    expect(idle.traffic.noTraffic).toBe(true);
    expect(idle.traffic.errorRatio).toBeNull();
    expect(idle.traffic.p95Seconds).toBeNull();
    expect(idle.slo.windows.every((w) => w.burnRate === null)).toBe(true);
    expect(idle.slo.exhaustion.state).toBe('no-traffic');
  });

  it('sorts by another column and filters by name and state', () => {
    expect(sortFleet(rows, 'name')[0].service).toBe('idle');
    expect(
      sortFleet(rows, 'errorRatio')
        .map((r) => r.service)
        .slice(0, 3)
    ).toEqual(['paging', 'ticketing', 'lenient']);
    expect(sortFleet(rows, 'errorRatio').at(-1)!.service).toBe('idle');
    expect(filterFleet(rows, 'ING', undefined).map((r) => r.service)).toEqual(['paging', 'ticketing']);
    expect(filterFleet(rows, '', 'no-traffic').map((r) => r.service)).toEqual(['idle']);
    expect(filterFleet(rows, 'svc-00', 'ticket')).toEqual([]);
  });

  it('is empty for no services', () => {
    expect(analyzeFleet([], () => DEFAULT)).toEqual([]);
  });
});
