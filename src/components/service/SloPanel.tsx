import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, useStyles2 } from '@grafana/ui';
import { DISPLAYED_BURN_WINDOWS, type SloReport } from '../../engine/slo';
import { testIds } from '../../testIds';
import { formatBurnRate, formatPercent } from '../format';

/** Multi-window burn rates and the state of the four standard burn-rate rules. */
export function SloPanel({ slo }: { slo: SloReport }) {
  const s = useStyles2(getStyles);
  const windows = slo.windows.filter((w) => DISPLAYED_BURN_WINDOWS.includes(w.window));
  return (
    <div className={s.container} data-testid={testIds.services.slo}>
      <table className={s.table}>
        <caption className={s.caption}>Burn rate by window (objective {slo.objectivePercent} %)</caption>
        <thead>
          <tr>
            <th scope="col">Window</th>
            {windows.map((w) => (
              <th scope="col" key={w.window}>
                {w.window}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">Burn rate</th>
            {windows.map((w) => (
              <td key={w.window} title={w.burnRate === null ? 'no requests in this window' : undefined}>
                {formatBurnRate(w.burnRate)}
              </td>
            ))}
          </tr>
          <tr>
            <th scope="row">Error ratio</th>
            {windows.map((w) => (
              <td key={w.window}>{formatPercent(w.errorRatio)}</td>
            ))}
          </tr>
        </tbody>
      </table>
      <ul className={s.rules} aria-label="Burn-rate alert rules">
        {slo.rules.map((r) => (
          <li key={r.id}>
            <Badge
              color={r.firing ? (r.severity === 'page' ? 'red' : 'orange') : 'green'}
              icon={r.firing ? 'exclamation-triangle' : 'check'}
              text={`${r.severity} · ${r.factor}× over ${r.long} and ${r.short}: ${r.firing ? 'firing' : 'ok'}`}
            />
          </li>
        ))}
      </ul>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  container: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
  caption: css({ textAlign: 'left', color: theme.colors.text.secondary, paddingBottom: theme.spacing(0.5) }),
  table: css({
    width: '100%',
    'th, td': { padding: theme.spacing(0.5, 1), textAlign: 'right' },
    'th[scope=row]': { textAlign: 'left' },
  }),
  rules: css({ listStyle: 'none', display: 'flex', flexWrap: 'wrap', gap: theme.spacing(1), margin: 0, padding: 0 }),
});
