import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Badge, useStyles2 } from '@grafana/ui';
import type { RootCauseCandidate, RootCauseResult, RootCauseStatus } from '../../engine/rootCause';
import type { AsyncData } from '../../hooks/useAsyncData';
import { testIds } from '../../testIds';
import { Section } from '../common/Section';
import { sectionTable } from '../common/sectionTable';

const STATUS_BADGES: Record<RootCauseStatus, { color: 'red' | 'orange' | 'green'; text: string }> = {
  found: { color: 'red', text: 'Probable root cause' },
  outside: { color: 'orange', text: 'Cause may be outside what we can see' },
  none: { color: 'green', text: 'No root cause' },
};

function where(c: RootCauseCandidate): string {
  return [c.service, c.route].filter(Boolean).join(' ');
}

/** Where the failure probably starts, across services, with the evidence behind each candidate. */
export function RootCauseSection({ data }: { data: AsyncData<RootCauseResult> }) {
  const s = useStyles2(getStyles);
  return (
    <Section title="Probable root cause" testId={testIds.services.rootCause} data={data}>
      {(r) => {
        const top = r.status === 'none' ? undefined : r.candidates[0];
        return (
          <div className={s.body}>
            <div className={s.headline}>
              <Badge color={STATUS_BADGES[r.status].color} text={STATUS_BADGES[r.status].text} />
              <span data-testid={testIds.services.rootCauseTop}>{r.summary}</span>
            </div>
            {top && (
              <div>
                <p className={s.cause}>
                  <strong>{where(top)}</strong>
                  {top.template && (
                    <>
                      {' '}
                      · <code>{top.template}</code>
                    </>
                  )}{' '}
                  · score {top.score} · path {top.path.join(' → ')}
                </p>
                <ul className={s.evidence} aria-label="Evidence">
                  {top.evidence.map((e) => (
                    <li key={e}>{e}</li>
                  ))}
                </ul>
              </div>
            )}
            {r.missing.length > 0 && (
              <Alert severity="warning" title="Partial data">
                Could not fetch {r.missing.join(', ')}; the ranking uses what was seen.
              </Alert>
            )}
            {r.candidates.length > 1 && (
              <table className={s.table}>
                <caption className={s.caption}>Candidates examined (docs/ROOT_CAUSE.md)</caption>
                <thead>
                  <tr>
                    <th scope="col">Service and route</th>
                    <th scope="col">Pattern</th>
                    <th scope="col">Score</th>
                    <th scope="col">New or elevated</th>
                  </tr>
                </thead>
                <tbody>
                  {r.candidates.map((c) => (
                    <tr key={`${c.service}|${c.route ?? ''}|${c.template ?? ''}|${c.status ?? ''}`}>
                      <th scope="row">{where(c)}</th>
                      <td className={s.template}>{c.template ?? '–'}</td>
                      <td>{c.score}</td>
                      <td>{c.changed ? 'yes' : 'no'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <p className={s.caption}>Services examined: {r.services.join(', ')}</p>
          </div>
        );
      }}
    </Section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  body: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
  headline: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1), flexWrap: 'wrap' }),
  cause: css({ margin: 0, wordBreak: 'break-word' }),
  evidence: css({ margin: 0, paddingLeft: theme.spacing(2.5) }),
  table: sectionTable(theme),
  template: css({ fontFamily: theme.typography.fontFamilyMonospace, wordBreak: 'break-word' }),
  caption: css({ color: theme.colors.text.secondary, margin: 0, textAlign: 'left' }),
});
