import {
  DEFAULT_SETTINGS,
  METRIC_PRESETS,
  resolveSettings,
  sloFor,
  validateLineLimit,
  validateObjective,
} from './presets';

describe('resolveSettings', () => {
  it('gives complete defaults when nothing was saved', () => {
    expect(resolveSettings(undefined)).toEqual(DEFAULT_SETTINGS);
    expect(resolveSettings({})).toEqual(DEFAULT_SETTINGS);
  });

  it('keeps edited names on top of the chosen preset', () => {
    const s = resolveSettings({ metrics: { ...METRIC_PRESETS.prometheus.mapping, serviceLabel: 'service' } });
    expect(s.metrics.requestsMetric).toBe('http_requests_total');
    expect(s.metrics.serviceLabel).toBe('service');
  });

  it('falls back to the OpenTelemetry preset for an unknown preset id', () => {
    const s = resolveSettings({ metrics: { preset: 'nope' } as never });
    expect(s.metrics.requestsMetric).toBe(METRIC_PRESETS.otel.mapping.requestsMetric);
  });
});

describe('objectives', () => {
  it('uses a per-service override before the default', () => {
    const s = resolveSettings({
      slo: {
        default: { objectivePercent: 99.9, periodDays: 30 },
        overrides: { payments: { objectivePercent: 99.99, periodDays: 7 } },
      },
    });
    expect(sloFor(s, 'payments')).toEqual({ objectivePercent: 99.99, periodDays: 7 });
    expect(sloFor(s, 'checkout')).toEqual({ objectivePercent: 99.9, periodDays: 30 });
  });

  it('rejects impossible objectives', () => {
    expect(validateObjective({ objectivePercent: 100, periodDays: 30 })).toBeUndefined();
    expect(validateObjective({ objectivePercent: 0, periodDays: 30 })).toMatch(/Objective/);
    expect(validateObjective({ objectivePercent: 101, periodDays: 30 })).toMatch(/Objective/);
    expect(validateObjective({ objectivePercent: NaN, periodDays: 30 })).toMatch(/Objective/);
    expect(validateObjective({ objectivePercent: 99, periodDays: 0 })).toMatch(/Period/);
  });

  it('accepts line limits from 100 to 5000 whole lines', () => {
    expect(validateLineLimit(100)).toBeUndefined();
    expect(validateLineLimit(5000)).toBeUndefined();
    expect(validateLineLimit(99)).toMatch(/100 and 5000/);
    expect(validateLineLimit(5001)).toMatch(/100 and 5000/);
    expect(validateLineLimit(250.5)).toMatch(/100 and 5000/);
    expect(validateLineLimit(NaN)).toMatch(/100 and 5000/);
  });
});
