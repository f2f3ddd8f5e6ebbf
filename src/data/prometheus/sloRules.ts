import { BURN_RULES, BURN_WINDOWS, errorBudgetFraction, type BurnWindowId } from '../../engine/slo';
import type { MetricMapping, SloObjective } from '../../settings/types';
import { errorRateExpr, periodSeconds, requestRateExpr } from './queries';

/**
 * Prometheus recording and alerting rules for the four multi-window, multi-burn-rate alerts the
 * page shows, per service and objective. Names and labels follow Sloth's (`slo:sli_error:ratio_rate<w>`
 * with `sloth_id`, `sloth_service`, `sloth_slo`, `sloth_window`, and its meta rules
 * `slo:objective:ratio`, `slo:error_budget:ratio`, `slo:time_period:days`, `slo:current_burn_rate:ratio`,
 * `slo:period_burn_rate:ratio`, `slo:period_error_budget_remaining:ratio`), so dashboards built for
 * Sloth read them. The error ratios are the page's own expressions (`errorRateExpr / requestRateExpr`),
 * so `ratio / (1 − objective)` is the burn rate the page shows. One difference from Sloth: the period
 * ratio comes from the counters over the whole period (request-weighted, as the page's remaining
 * budget) instead of an average of the 5-minute ratios.
 */

export interface RuleTarget {
  service: string;
  objective: SloObjective;
}

type Labels = Record<string, string>;

export type Rule =
  | { record: string; expr: string; labels: Labels }
  | { alert: string; expr: string; labels: Labels; annotations: Labels };

export interface RuleGroup {
  name: string;
  rules: Rule[];
}

/** The SLO name in Sloth's labels: one availability SLO per service. */
export const SLO_NAME = 'requests-availability';

/** A duration as Prometheus writes it: whole days, hours or minutes when it is one, else seconds. */
export function promDuration(seconds: number): string {
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (seconds % size === 0) {
      return `${seconds / size}${unit}`;
    }
  }
  return `${seconds}s`;
}

/** A number in PromQL, short: 1 − 99.9 / 100 is 0.001, not 0.0010000000000000009. */
function num(n: number): string {
  return String(Number(n.toPrecision(12)));
}

function selectorOf(metric: string, labels: Labels): string {
  return `${metric}{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')}}`;
}

function alertName(id: string): string {
  return `SLOBurnRate${id
    .split('-')
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join('')}`;
}

/** The rule group of one service's objective: error ratios, Sloth's meta rules, the four alerts. */
export function serviceRuleGroup(m: MetricMapping, { service, objective }: RuleTarget): RuleGroup {
  const id = `${service}-${SLO_NAME}`;
  const slo: Labels = { sloth_id: id, sloth_service: service, sloth_slo: SLO_NAME };
  const budget = errorBudgetFraction(objective.objectivePercent);
  const period = promDuration(periodSeconds(objective.periodDays));
  const ratio = (seconds: number) =>
    `(${errorRateExpr(m, service, seconds)}) / (${requestRateExpr(m, service, seconds)})`;
  const windows = BURN_WINDOWS.map((w) => ({ name: w.id as string, seconds: w.seconds }));
  const sli: Rule[] = [...windows, { name: period, seconds: periodSeconds(objective.periodDays) }]
    .filter((w, i, all) => all.findIndex((o) => o.name === w.name) === i)
    .map((w) => ({
      record: `slo:sli_error:ratio_rate${w.name}`,
      expr: ratio(w.seconds),
      labels: { ...slo, sloth_window: w.name },
    }));
  const on = 'on (sloth_id, sloth_slo, sloth_service) group_left ()';
  const meta: Rule[] = [
    { record: 'slo:objective:ratio', expr: `vector(${num(objective.objectivePercent / 100)})`, labels: slo },
    { record: 'slo:error_budget:ratio', expr: `vector(${num(budget)})`, labels: slo },
    { record: 'slo:time_period:days', expr: `vector(${num(objective.periodDays)})`, labels: slo },
    {
      record: 'slo:current_burn_rate:ratio',
      expr: `${selectorOf('slo:sli_error:ratio_rate5m', slo)} / ${on} ${selectorOf('slo:error_budget:ratio', slo)}`,
      labels: slo,
    },
    {
      record: 'slo:period_burn_rate:ratio',
      expr: `${selectorOf(`slo:sli_error:ratio_rate${period}`, slo)} / ${on} ${selectorOf('slo:error_budget:ratio', slo)}`,
      labels: slo,
    },
    {
      record: 'slo:period_error_budget_remaining:ratio',
      expr: `1 - ${selectorOf('slo:period_burn_rate:ratio', slo)}`,
      labels: slo,
    },
    {
      record: 'sloth_slo_info',
      expr: 'vector(1)',
      labels: { ...slo, sloth_mode: 'rcp-reliability-app', sloth_objective: num(objective.objectivePercent) },
    },
  ];
  const alerts: Rule[] = BURN_RULES.map((r) => {
    const over = (w: BurnWindowId) =>
      `max without (sloth_window) (${selectorOf(`slo:sli_error:ratio_rate${w}`, slo)} > (${num(r.factor)} * ${num(budget)}))`;
    return {
      alert: alertName(r.id),
      expr: `${over(r.long)} and ${over(r.short)}`,
      labels: {
        ...slo,
        severity: r.severity,
        burn_rate_factor: num(r.factor),
        long_window: r.long,
        short_window: r.short,
      },
      annotations: {
        summary: `${service}: error budget burning ${num(r.factor)}x too fast over ${r.long} and ${r.short}`,
        description:
          `Objective ${num(objective.objectivePercent)} % over ${period}; ` +
          `at ${num(r.factor)}x the whole budget lasts ${promDuration(Math.round(periodSeconds(objective.periodDays) / r.factor))}.`,
      },
    };
  });
  // One group, in this order: Prometheus evaluates a group's rules one after the other, so each
  // alert reads the ratios of the same evaluation. (Sloth uses three groups; evaluated apart, an
  // alert can read ratios one interval old, or none once that is beyond the 5-minute lookback.)
  return { name: `rcp-slo-${id}`, rules: [...sli, ...meta, ...alerts] };
}

/** A double-quoted YAML scalar: JSON's string escapes are valid YAML. */
function q(s: string): string {
  return JSON.stringify(s);
}

function labelsYaml(key: string, labels: Labels, indent: string): string[] {
  return [`${indent}${key}:`, ...Object.entries(labels).map(([k, v]) => `${indent}  ${k}: ${q(v)}`)];
}

/** The rule file (Prometheus rule-file format) for the given services, in the order given. */
export function sloRuleFile(m: MetricMapping, targets: RuleTarget[]): string {
  const lines = [
    '# Generated by Reliability Control Plane (rcp-reliability-app): SLO burn-rate rules.',
    "# Recording-rule names and labels follow Sloth's conventions (slo:sli_error:ratio_rate<window>).",
    'groups:',
  ];
  if (targets.length === 0) {
    lines[lines.length - 1] = 'groups: []';
  }
  for (const group of targets.map((t) => serviceRuleGroup(m, t))) {
    lines.push(`  - name: ${q(group.name)}`, '    rules:');
    for (const rule of group.rules) {
      lines.push('record' in rule ? `      - record: ${q(rule.record)}` : `      - alert: ${q(rule.alert)}`);
      lines.push(`        expr: ${q(rule.expr)}`);
      lines.push(...labelsYaml('labels', rule.labels, '        '));
      if ('alert' in rule) {
        lines.push(...labelsYaml('annotations', rule.annotations, '        '));
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
