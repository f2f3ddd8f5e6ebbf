import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, useStyles2 } from '@grafana/ui';
import type { BlastClass, BlastRadius, EdgesSource } from '../../engine/blastRadius';
import type { AsyncData } from '../../hooks/useAsyncData';
import { testIds } from '../../testIds';
import { Section } from '../common/Section';
import { sectionTable } from '../common/sectionTable';
import { formatPercent } from '../format';

const CLASS_COLORS: Record<BlastClass, 'green' | 'blue' | 'orange' | 'red' | 'purple'> = {
  none: 'green',
  low: 'blue',
  moderate: 'orange',
  high: 'red',
  critical: 'purple',
};

const SOURCE_LABELS: Record<EdgesSource, string> = {
  'service-graph': 'dependencies from Tempo service-graph metrics',
  traces: 'dependencies from the spans of the traces fetched',
  none: 'no dependency data: only this service is known',
};

/** Affected services, the share of their requests failing, and the class of the impact. */
export function BlastRadiusSection({ data }: { data: AsyncData<BlastRadius> }) {
  const s = useStyles2(getStyles);
  return (
    <Section title="Blast radius" testId={testIds.services.blastRadius} data={data}>
      {(b) => (
        <div className={s.body}>
          <div className={s.headline}>
            <Badge color={CLASS_COLORS[b.class]} text={b.class === 'none' ? 'no impact' : `${b.class} impact`} />
            <span aria-label="Impact">
              {b.affectedCount} affected {b.affectedCount === 1 ? 'service' : 'services'} ·{' '}
              {formatPercent(b.impactPercent / 100)} of their requests failing
            </span>
          </div>
          <p className={s.source}>{SOURCE_LABELS[b.edgesSource]}</p>
          {b.affected.length > 0 && (
            <table className={s.table}>
              <thead>
                <tr>
                  <th scope="col">Service</th>
                  <th scope="col">Role</th>
                  <th scope="col">Requests</th>
                  <th scope="col">Failed</th>
                  <th scope="col">Error ratio</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {b.affected.map((a) => (
                  <tr key={a.service}>
                    <th scope="row">{a.service}</th>
                    <td>{a.role}</td>
                    <td>{Math.round(a.requests)}</td>
                    <td>{Math.round(a.errors)}</td>
                    <td>{formatPercent(a.errorRatio)}</td>
                    <td>{a.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {b.routes.length > 0 && (
            <p className={s.source}>
              Failures by route:{' '}
              {b.routes
                .slice(0, 5)
                .map((r) => `${r.route} ${formatPercent(r.share)}`)
                .join(' · ')}
            </p>
          )}
        </div>
      )}
    </Section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  body: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
  headline: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1) }),
  source: css({ color: theme.colors.text.secondary, margin: 0 }),
  table: sectionTable(theme),
});
