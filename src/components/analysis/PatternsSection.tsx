import React from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, type GrafanaTheme2 } from '@grafana/data';
import { Alert, Badge, TextLink, useStyles2 } from '@grafana/ui';
import { logsExploreUrl } from '../../data/links';
import { errorLinesExpr } from '../../data/loki/queries';
import type { LogsAnalysis } from '../../engine/logsAnalysis';
import type { AsyncData } from '../../hooks/useAsyncData';
import { useSettings } from '../../hooks/useSettings';
import { testIds } from '../../testIds';
import { Section } from '../common/Section';
import { sectionTable } from '../common/sectionTable';
import { formatPercent } from '../format';

interface Props {
  data: AsyncData<LogsAnalysis>;
  service: string;
  lokiUid?: string;
  fromMs: number;
  toMs: number;
}

/** Error log patterns by route, status and message template, the dominant one first. */
export function PatternsSection({ data, service, lokiUid, fromMs, toMs }: Props) {
  const s = useStyles2(getStyles);
  const { logs: mapping } = useSettings();
  return (
    <Section
      title="Error log patterns"
      testId={testIds.services.patterns}
      data={data}
      emptyText={(logs) => (logs.sampleSize === 0 ? 'No error lines in this range.' : undefined)}
    >
      {(logs) => (
        <div className={s.body}>
          {logs.sampled && (
            <Alert
              severity="info"
              title={`Grouped a sample: ${logs.sampleSize} of ${logs.totalErrorLines} error lines`}
            >
              Loki returned at most {logs.lineLimit} lines, so counts and shares below are of the sample. The “in range”
              column counts the lines matching each top template over the whole range with a LogQL metric query.
            </Alert>
          )}
          {logs.dominant && (
            <div className={s.dominant}>
              <Badge color="red" text="Dominant failure" /> <code>{logs.dominant.template}</code>
              {logs.dominant.route && <> on {logs.dominant.route}</>}
              {logs.dominant.status && <> · status {logs.dominant.status}</>} · {formatPercent(logs.dominant.share)} of{' '}
              {logs.sampled ? 'sampled' : ''} error lines
            </div>
          )}
          <table className={s.table}>
            <thead>
              <tr>
                <th scope="col">Template</th>
                <th scope="col">Route</th>
                <th scope="col">Status</th>
                <th scope="col">{logs.sampled ? 'Count (sample)' : 'Count'}</th>
                <th scope="col">Share</th>
                {logs.sampled && <th scope="col">In range</th>}
                <th scope="col">First – last seen</th>
                <th scope="col">Traces</th>
              </tr>
            </thead>
            <tbody>
              {logs.patterns.map((p) => (
                <tr key={p.id}>
                  <td className={s.template}>
                    {lokiUid ? (
                      <TextLink
                        href={logsExploreUrl(
                          lokiUid,
                          `${errorLinesExpr(mapping, service)} ${p.lineFilter}`.trim(),
                          fromMs,
                          toMs
                        )}
                        inline
                      >
                        {p.template}
                      </TextLink>
                    ) : (
                      p.template
                    )}
                    <div className={s.sample} title="Sample line">
                      {p.sampleLine}
                    </div>
                  </td>
                  <td>{p.route ?? '–'}</td>
                  <td>{p.status ?? '–'}</td>
                  <td>{p.count}</td>
                  <td>{formatPercent(p.share)}</td>
                  {logs.sampled && <td>{p.rangeCount ?? '–'}</td>}
                  <td>
                    {time(p.firstSeenMs)} – {time(p.lastSeenMs)}
                  </td>
                  <td>{p.traceIds.length}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {logs.otherLines > 0 && <p className={s.other}>{logs.otherLines} more lines in smaller patterns.</p>}
        </div>
      )}
    </Section>
  );
}

function time(ms: number): string {
  // The browser's time zone, as the time picker shows it; the date matters on multi-day ranges.
  return dateTimeFormat(ms, { format: 'MMM D HH:mm:ss' });
}

const getStyles = (theme: GrafanaTheme2) => ({
  body: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
  dominant: css({ margin: 0, wordBreak: 'break-word' }),
  table: sectionTable(theme),
  template: css({ fontFamily: theme.typography.fontFamilyMonospace, wordBreak: 'break-word', maxWidth: 520 }),
  sample: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    maxWidth: 520,
  }),
  other: css({ color: theme.colors.text.secondary, margin: 0 }),
});
