import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, useStyles2 } from '@grafana/ui';
import type { SloReport } from '../../engine/slo';
import type { TrafficSummary } from '../../engine/signals';
import { testIds } from '../../testIds';
import { formatBurnRate, formatDuration, formatLatency, formatPercent, formatRate } from '../format';
import { EXHAUSTION_LABELS } from './sloLabels';

interface Props {
  traffic: TrafficSummary;
  slo: SloReport;
}

/** The six headline figures of the service, over the selected range. */
export function TrafficStats({ traffic, slo }: Props) {
  const s = useStyles2(getStyles);
  const currentBurn = slo.windows.find((w) => w.window === slo.exhaustion.window)?.burnRate ?? null;
  const exhaustion = slo.exhaustion;
  const stats = [
    {
      label: 'Error rate (5xx)',
      value: formatRate(traffic.errorRate),
      hint: traffic.errorRatio !== null ? `${formatPercent(traffic.errorRatio)} of requests` : undefined,
    },
    {
      label: 'Request rate',
      value: formatRate(traffic.requestRate),
      hint: traffic.noTraffic ? 'no traffic' : undefined,
    },
    {
      label: 'Latency p95',
      value: formatLatency(traffic.p95Seconds),
      hint: traffic.noTraffic ? 'no traffic' : undefined,
    },
    {
      label: `Burn rate (${exhaustion.window})`,
      value: formatBurnRate(currentBurn),
      hint: `objective ${slo.objectivePercent} % over ${slo.periodDays} d`,
    },
    {
      label: 'Error budget remaining',
      value: formatPercent(slo.budget.remaining, 4),
      hint: `${slo.periodDays} d, request-weighted`,
    },
    {
      label: 'Time to exhaustion',
      value:
        exhaustion.state === 'exhausting' ? formatDuration(exhaustion.seconds) : EXHAUSTION_LABELS[exhaustion.state],
      hint: `at the ${exhaustion.window} burn rate`,
    },
  ];
  return (
    <div className={s.grid} data-testid={testIds.services.stats}>
      {traffic.noTraffic && (
        <div className={s.noTraffic}>
          <Badge color="blue" icon="info-circle" text="No traffic in the selected range" />
        </div>
      )}
      {stats.map((stat) => (
        <div key={stat.label} className={s.stat} aria-label={stat.label}>
          <div className={s.label}>{stat.label}</div>
          <div className={s.value}>{stat.value}</div>
          {stat.hint && <div className={s.hint}>{stat.hint}</div>}
        </div>
      ))}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  grid: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(180px, 1fr))',
    gap: theme.spacing(1),
  }),
  noTraffic: css({ gridColumn: '1 / -1' }),
  stat: css({
    background: theme.colors.background.secondary,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(1.5),
  }),
  label: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  value: css({ fontSize: theme.typography.h3.fontSize, fontWeight: theme.typography.fontWeightMedium }),
  hint: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
});
