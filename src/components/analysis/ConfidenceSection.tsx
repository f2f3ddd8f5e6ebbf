import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, useStyles2 } from '@grafana/ui';
import type { ConfidenceLevel, ConfidenceResult } from '../../engine/confidence';
import type { AsyncData } from '../../hooks/useAsyncData';
import { testIds } from '../../testIds';
import { Section } from '../common/Section';
import { sectionTable } from '../common/sectionTable';

const LEVEL_COLORS: Record<ConfidenceLevel, 'red' | 'orange' | 'blue' | 'green'> = {
  high: 'red',
  medium: 'orange',
  low: 'blue',
  none: 'green',
};

/** The root-cause score with each factor's value, weight and contribution, and its reasons. */
export function ConfidenceSection({ data }: { data: AsyncData<ConfidenceResult> }) {
  const s = useStyles2(getStyles);
  return (
    <Section title="Root-cause confidence" testId={testIds.services.confidence} data={data}>
      {(c) => (
        <div className={s.body}>
          <div className={s.headline}>
            <span className={s.score} aria-label="Confidence score">
              {c.score === null ? 'No root cause' : `${c.score} %`}
            </span>
            <Badge color={LEVEL_COLORS[c.level]} text={`${c.level} confidence`} />
          </div>
          {c.dominant && (
            <p className={s.dominant}>
              Dominant pattern: <code>{c.dominant.template}</code>
              {c.dominant.route && <> on {c.dominant.route}</>}
              {c.dominant.status && <> with status {c.dominant.status}</>}
            </p>
          )}
          {c.factors.length > 0 && (
            <table className={s.table}>
              <caption className={s.caption}>How the score is built (docs/CONFIDENCE.md)</caption>
              <thead>
                <tr>
                  <th scope="col">Factor</th>
                  <th scope="col">Value</th>
                  <th scope="col">Weight</th>
                  <th scope="col">Points</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {c.factors.map((f) => (
                  <tr key={f.id}>
                    <th scope="row">{f.label}</th>
                    <td>{Math.round(f.value * 100)} %</td>
                    <td>{Math.round(f.weight * 100)} %</td>
                    <td>{f.contribution}</td>
                    <td>{f.detail}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <ul className={s.reasons} aria-label="Reasons">
            {c.reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        </div>
      )}
    </Section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  body: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
  headline: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1) }),
  score: css({ fontSize: theme.typography.h2.fontSize, fontWeight: theme.typography.fontWeightMedium }),
  dominant: css({ margin: 0, wordBreak: 'break-word' }),
  caption: css({ textAlign: 'left', color: theme.colors.text.secondary }),
  table: sectionTable(theme),
  reasons: css({ margin: 0, paddingLeft: theme.spacing(2), color: theme.colors.text.secondary }),
});
