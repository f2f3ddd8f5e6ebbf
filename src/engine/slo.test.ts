import {
  BURN_WINDOWS,
  burnRate,
  computeSlo,
  errorRatio,
  remainingBudget,
  timeToExhaustion,
  type BurnWindowId,
  type Counts,
} from './slo';

const objective = { objectivePercent: 99.9, periodDays: 30 };
const PERIOD_SECONDS = 30 * 86400;

function uniformWindows(c: Counts): Record<BurnWindowId, Counts> {
  return Object.fromEntries(BURN_WINDOWS.map((w) => [w.id, c])) as Record<BurnWindowId, Counts>;
}

describe('error ratio and burn rate', () => {
  it('divides errors by requests and by the budget', () => {
    // 10 of 1000 failed: 1 % error ratio, budget 0.1 %, so 10× burn.
    expect(errorRatio({ requests: 1000, errors: 10 })).toBeCloseTo(0.01);
    expect(burnRate(0.01, 99.9)).toBeCloseTo(10);
    expect(burnRate(0.001, 99.9)).toBeCloseTo(1);
  });

  it('has no ratio and no burn rate without traffic', () => {
    expect(errorRatio({ requests: 0, errors: 0 })).toBeNull();
    expect(burnRate(null, 99.9)).toBeNull();
  });

  it('gives 1000× burn at 100 % errors against 99.9 %', () => {
    expect(burnRate(errorRatio({ requests: 50, errors: 50 }), 99.9)).toBeCloseTo(1000);
  });

  it('clamps counter-reset artefacts: errors above requests read as 100 %, negatives as 0', () => {
    // increase() extrapolates each series on its own; after a reset the error series can
    // come out slightly above the request series.
    expect(errorRatio({ requests: 100, errors: 100.4 })).toBe(1);
    expect(errorRatio({ requests: 100, errors: -3 })).toBe(0);
    expect(errorRatio({ requests: NaN, errors: 5 })).toBeNull();
  });

  it('treats a 100 % objective as having no budget at all', () => {
    expect(burnRate(0, 100)).toBe(0);
    expect(burnRate(0.0001, 100)).toBe(Infinity);
    expect(remainingBudget({ requests: 1000, errors: 0 }, 100)).toBe(1);
    expect(remainingBudget({ requests: 1000, errors: 1 }, 100)).toBe(0);
  });
});

describe('remaining budget, request-weighted', () => {
  it('is 1 − errors / (requests × (1 − objective))', () => {
    // 1,000,000 requests at 99.9 % allow 1,000 errors; 250 spent leaves 75 %.
    expect(remainingBudget({ requests: 1_000_000, errors: 250 }, 99.9)).toBeCloseTo(0.75);
  });

  it('goes negative when overspent', () => {
    expect(remainingBudget({ requests: 1_000_000, errors: 3000 }, 99.9)).toBeCloseTo(-2);
  });

  it('is untouched without traffic', () => {
    expect(remainingBudget({ requests: 0, errors: 0 }, 99.9)).toBe(1);
  });
});

describe('time to exhaustion', () => {
  const window = (rate: number | null) => ({
    window: '1h' as const,
    seconds: 3600,
    requests: 1,
    errors: 0,
    errorRatio: 0,
    burnRate: rate,
  });

  it('is remaining × period / burn rate', () => {
    // Half the budget left, burning at 10×: the whole budget lasts 3 days at 10×, half lasts 1.5 days.
    const e = timeToExhaustion(0.5, PERIOD_SECONDS, window(10));
    expect(e).toEqual({ state: 'exhausting', window: '1h', burnRate: 10, seconds: 1.5 * 86400 });
  });

  it('says "not exhausting" at or below 1×, rather than a huge number', () => {
    expect(timeToExhaustion(0.5, PERIOD_SECONDS, window(1)).state).toBe('not-exhausting');
    expect(timeToExhaustion(0.5, PERIOD_SECONDS, window(0.2)).state).toBe('not-exhausting');
  });

  it('is exhausted when nothing remains, and has no projection without traffic', () => {
    expect(timeToExhaustion(0, PERIOD_SECONDS, window(20)).state).toBe('exhausted');
    expect(timeToExhaustion(-1, PERIOD_SECONDS, window(null)).state).toBe('exhausted');
    expect(timeToExhaustion(0.9, PERIOD_SECONDS, window(null)).state).toBe('no-traffic');
  });
});

describe('computeSlo', () => {
  it('reports every window, fires no rule and keeps the budget with zero traffic', () => {
    const report = computeSlo(uniformWindows({ requests: 0, errors: 0 }), { requests: 0, errors: 0 }, objective);
    expect(report.windows.map((w) => w.window)).toEqual(['5m', '30m', '1h', '2h', '6h', '1d', '3d']);
    expect(report.windows.every((w) => w.burnRate === null && w.errorRatio === null)).toBe(true);
    expect(report.rules.some((r) => r.firing)).toBe(false);
    expect(report.budget.remaining).toBe(1);
    expect(report.exhaustion).toEqual({ state: 'no-traffic', window: '1h' });
  });

  it('fires every rule at 100 % errors and reports the budget exhausted', () => {
    const all = { requests: 500, errors: 500 };
    const report = computeSlo(uniformWindows(all), all, objective);
    expect(report.rules.every((r) => r.firing)).toBe(true);
    expect(report.windows.every((w) => w.burnRate !== null && Math.abs(w.burnRate - 1000) < 1e-6)).toBe(true);
    // 500 errors against an allowance of 0.5: 1 − 1000.
    expect(report.budget.remaining).toBeCloseTo(-999);
    expect(report.exhaustion.state).toBe('exhausted');
  });

  it('fires a rule only when both its windows exceed the factor', () => {
    const windows = uniformWindows({ requests: 1000, errors: 0 });
    // 2 % errors over 1h (20×) but only 0.5 % over 5m (5×): the fast page rule stays quiet.
    windows['1h'] = { requests: 1000, errors: 20 };
    windows['5m'] = { requests: 1000, errors: 5 };
    let report = computeSlo(windows, { requests: 1_000_000, errors: 10 }, objective);
    expect(report.rules.find((r) => r.id === 'page-fast')?.firing).toBe(false);
    windows['5m'] = { requests: 1000, errors: 15 };
    report = computeSlo(windows, { requests: 1_000_000, errors: 10 }, objective);
    expect(report.rules.find((r) => r.id === 'page-fast')?.firing).toBe(true);
    expect(report.rules.filter((r) => r.firing).map((r) => r.id)).toEqual(['page-fast']);
  });

  it('projects exhaustion from the 1h burn rate', () => {
    const windows = uniformWindows({ requests: 1000, errors: 0 });
    windows['1h'] = { requests: 10_000, errors: 50 }; // 0.5 % = 5×
    // 1,000,000 requests allow 1,000 errors; 200 spent → 80 % remains.
    const report = computeSlo(windows, { requests: 1_000_000, errors: 200 }, objective);
    expect(report.budget.remaining).toBeCloseTo(0.8);
    expect(report.budget.allowedErrors).toBeCloseTo(1000);
    expect(report.exhaustion.state).toBe('exhausting');
    if (report.exhaustion.state === 'exhausting') {
      expect(report.exhaustion.seconds).toBeCloseTo((0.8 * PERIOD_SECONDS) / 5);
    }
  });

  it('handles a 100 % objective without NaN', () => {
    const report = computeSlo(
      uniformWindows({ requests: 100, errors: 1 }),
      { requests: 100, errors: 1 },
      { objectivePercent: 100, periodDays: 30 }
    );
    expect(report.windows.every((w) => w.burnRate === Infinity)).toBe(true);
    expect(report.budget.remaining).toBe(0);
    expect(report.budget.allowedErrors).toBe(0);
    expect(report.exhaustion.state).toBe('exhausted');
    expect(JSON.stringify(report)).not.toContain('NaN');
  });
});
