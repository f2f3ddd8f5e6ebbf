import { METRIC_PRESETS } from '../../settings/presets';
import { BURN_RULES } from '../../engine/slo';
import { promDuration, serviceRuleGroup, sloRuleFile } from './sloRules';
import { errorRateExpr, requestRateExpr } from './queries';

const otel = METRIC_PRESETS.otel.mapping;
const objective = { objectivePercent: 99.9, periodDays: 30 };

describe('serviceRuleGroup', () => {
  const group = serviceRuleGroup(otel, { service: 'checkout', objective });
  const records = group.rules.flatMap((r) => ('record' in r ? [r] : []));
  const alerts = group.rules.flatMap((r) => ('alert' in r ? [r] : []));

  it("records the page's error ratio for every burn window and the period, under Sloth's names", () => {
    expect(records.filter((r) => r.record.startsWith('slo:sli_error:')).map((r) => r.record)).toEqual(
      ['5m', '30m', '1h', '2h', '6h', '1d', '3d', '30d'].map((w) => `slo:sli_error:ratio_rate${w}`)
    );
    const fiveMinutes = records[0];
    expect(fiveMinutes.expr).toBe(
      `(${errorRateExpr(otel, 'checkout', 300)}) / (${requestRateExpr(otel, 'checkout', 300)})`
    );
    expect(fiveMinutes.labels).toEqual({
      sloth_id: 'checkout-requests-availability',
      sloth_service: 'checkout',
      sloth_slo: 'requests-availability',
      sloth_window: '5m',
    });
    expect(records.find((r) => r.record === 'slo:error_budget:ratio')?.expr).toBe('vector(0.001)');
    expect(records.find((r) => r.record === 'slo:period_error_budget_remaining:ratio')?.expr).toBe(
      '1 - slo:period_burn_rate:ratio{sloth_id="checkout-requests-availability", sloth_service="checkout", sloth_slo="requests-availability"}'
    );
  });

  it('alerts on the four multi-window rules, after the ratios they read, in one group', () => {
    expect(alerts.map((a) => [a.alert, a.labels.severity, a.labels.long_window, a.labels.short_window])).toEqual([
      ['SLOBurnRatePageFast', 'page', '1h', '5m'],
      ['SLOBurnRatePageSlow', 'page', '6h', '30m'],
      ['SLOBurnRateTicketFast', 'ticket', '1d', '2h'],
      ['SLOBurnRateTicketSlow', 'ticket', '3d', '6h'],
    ]);
    expect(alerts).toHaveLength(BURN_RULES.length);
    expect(group.rules.at(-1)).toBe(alerts.at(-1));
    const sel =
      'sloth_id="checkout-requests-availability", sloth_service="checkout", sloth_slo="requests-availability"';
    expect(alerts[0].expr).toBe(
      `max without (sloth_window) (slo:sli_error:ratio_rate1h{${sel}} > (14.4 * 0.001)) and ` +
        `max without (sloth_window) (slo:sli_error:ratio_rate5m{${sel}} > (14.4 * 0.001))`
    );
  });

  it('uses the period of the objective and fires on any error at 100 %', () => {
    const strict = serviceRuleGroup(otel, { service: 's', objective: { objectivePercent: 100, periodDays: 7 } });
    expect(strict.rules.some((r) => 'record' in r && r.record === 'slo:sli_error:ratio_rate7d')).toBe(true);
    expect(strict.rules.find((r) => 'alert' in r)?.expr).toContain('> (14.4 * 0)');
    // A 1-day period is the 1d window: recorded once.
    const daily = serviceRuleGroup(otel, { service: 's', objective: { objectivePercent: 99, periodDays: 1 } });
    expect(daily.rules.filter((r) => 'record' in r && r.record === 'slo:sli_error:ratio_rate1d')).toHaveLength(1);
  });
});

describe('sloRuleFile', () => {
  it('writes one group per service with quoted, escaped values', () => {
    const file = sloRuleFile(otel, [
      { service: 'checkout', objective },
      { service: 'we"ird', objective: { objectivePercent: 99, periodDays: 28 } },
    ]);
    expect(file.match(/^ {2}- name: /gm)).toHaveLength(2);
    expect(file).toContain('  - name: "rcp-slo-we\\"ird-requests-availability"');
    expect(file).toContain('        expr: "vector(0.01)"');
    expect(file).toContain('          sloth_service: "we\\"ird"');
  });

  it('is an empty rule file for no service', () => {
    expect(sloRuleFile(otel, [])).toMatch(/\ngroups: \[\]\n$/);
  });
});

describe('promDuration', () => {
  it('writes the largest whole unit', () => {
    expect([300, 7200, 86400, 2592000, 90].map(promDuration)).toEqual(['5m', '2h', '1d', '30d', '90s']);
  });
});
