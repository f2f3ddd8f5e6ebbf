import React from 'react';
import { Link } from 'react-router-dom';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, useStyles2, type BadgeColor } from '@grafana/ui';
import type { FleetRow, ServiceState } from '../../engine/fleet';
import type { BurnWindowId, SloReport } from '../../engine/slo';
import { servicesUrl } from '../../hooks/useTimeRangeParams';
import { testIds } from '../../testIds';
import { sectionTable } from '../common/sectionTable';
import { formatBurnRate, formatDuration, formatLatency, formatPercent, formatRate } from '../format';
import { EXHAUSTION_LABELS } from '../service/sloLabels';
import { Sparkline } from './Sparkline';

export const STATE_LABELS: Record<ServiceState, string> = {
  page: 'Page firing',
  ticket: 'Ticket firing',
  ok: 'OK',
  'no-traffic': 'No traffic',
};

const STATE_COLORS: Record<ServiceState, BadgeColor> = {
  page: 'red',
  ticket: 'orange',
  ok: 'green',
  'no-traffic': 'blue',
};

interface Props {
  rows: FleetRow[];
  fromMs: number;
  toMs: number;
  /** The range as the URL holds it, so a row opens Services on the same (possibly relative) range. */
  range: { from: string; to: string };
}

function burn(slo: SloReport, window: BurnWindowId): string {
  return formatBurnRate(slo.windows.find((w) => w.window === window)?.burnRate);
}

function exhaustion(slo: SloReport): string {
  const e = slo.exhaustion;
  return e.state === 'exhausting' ? formatDuration(e.seconds) : EXHAUSTION_LABELS[e.state];
}

/** One row per service; the name opens it on the Services page over the same range. */
export function FleetTable({ rows, fromMs, toMs, range }: Props) {
  const s = useStyles2(getStyles);
  return (
    <table className={s.table} data-testid={testIds.overview.table}>
      <thead>
        <tr>
          <th scope="col">Service</th>
          <th scope="col">State</th>
          <th scope="col">Requests</th>
          <th scope="col">Error ratio</th>
          <th scope="col">p95</th>
          <th scope="col">Burn 1h</th>
          <th scope="col">Burn 6h</th>
          <th scope="col">Budget left</th>
          <th scope="col">Exhaustion</th>
          <th scope="col">Rules</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => {
          const noTraffic = row.traffic.noTraffic;
          return (
            <tr key={row.service} data-testid={testIds.overview.row}>
              <th scope="row">
                <Link to={servicesUrl(row.service, range.from, range.to)}>{row.service}</Link>
                <div className={s.objective}>
                  {row.slo.objectivePercent} % over {row.slo.periodDays} d
                </div>
              </th>
              <td>
                <Badge color={STATE_COLORS[row.state]} text={STATE_LABELS[row.state]} />
              </td>
              <td>{noTraffic ? 'no traffic' : formatRate(row.traffic.requestRate)}</td>
              <td>
                <div className={s.ratio}>
                  <Sparkline
                    points={row.errorRatio}
                    fromMs={fromMs}
                    toMs={toMs}
                    label={`Error ratio of ${row.service} over the range`}
                  />
                  {formatPercent(row.traffic.errorRatio)}
                </div>
              </td>
              <td>{formatLatency(row.traffic.p95Seconds)}</td>
              <td>{burn(row.slo, '1h')}</td>
              <td>{burn(row.slo, '6h')}</td>
              <td>{row.slo.budget.requests > 0 ? formatPercent(row.slo.budget.remaining, 3) : 'no traffic'}</td>
              <td>{exhaustion(row.slo)}</td>
              <td>
                <ul className={s.rules} aria-label={`Burn-rate rules of ${row.service}`}>
                  {row.slo.rules.map((r) => (
                    <li
                      key={r.id}
                      className={r.firing ? (r.severity === 'page' ? s.page : s.ticket) : s.quiet}
                      title={`${r.severity} · ${r.factor}× over ${r.long} and ${r.short}: ${r.firing ? 'firing' : 'ok'}`}
                    >
                      {r.factor}×
                    </li>
                  ))}
                </ul>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  table: css(sectionTable(theme), { 'td, th': { whiteSpace: 'nowrap' } }),
  objective: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  ratio: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1) }),
  rules: css({ listStyle: 'none', display: 'flex', gap: theme.spacing(0.5), margin: 0, padding: 0 }),
  quiet: css({ color: theme.colors.text.disabled }),
  page: css({ color: theme.colors.error.text, fontWeight: theme.typography.fontWeightBold }),
  ticket: css({ color: theme.colors.warning.text, fontWeight: theme.typography.fontWeightBold }),
});
