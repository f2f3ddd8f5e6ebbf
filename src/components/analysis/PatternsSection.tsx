import React, { useState } from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, type GrafanaTheme2 } from '@grafana/data';
import { Alert, Badge, RadioButtonGroup, TextLink, useStyles2 } from '@grafana/ui';
import { logsExploreUrl } from '../../data/links';
import { errorLinesExpr } from '../../data/loki/queries';
import { BASELINE_MODES, TREND_ORDER, type PatternBaseline } from '../../engine/baseline';
import type { LogPattern, LogsAnalysis } from '../../engine/logsAnalysis';
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

type SortBy = 'count' | 'change';

const SORT_OPTIONS: Array<{ label: string; value: SortBy }> = [
  { label: 'By count', value: 'count' },
  { label: 'By change vs baseline', value: 'change' },
];

/** What changed first: new, then elevated (largest ratio first), steady, dropped, not counted. */
function byChange(a: LogPattern, b: LogPattern): number {
  const rank = (p: LogPattern) => (p.baseline ? TREND_ORDER[p.baseline.trend] : 4);
  return rank(a) - rank(b) || (b.baseline?.ratio ?? 0) - (a.baseline?.ratio ?? 0) || b.count - a.count;
}

function describeBaseline(b: PatternBaseline | undefined): string {
  if (!b) {
    return '–';
  }
  const counts = `${b.baselineCount} → ${b.count}`;
  return b.trend === 'elevated' && b.ratio !== null
    ? `elevated ${b.ratio.toFixed(1)}× (${counts})`
    : `${b.trend} (${counts})`;
}

/** Error log patterns by route, status and message template, the dominant one first. */
export function PatternsSection({ data, service, lokiUid, fromMs, toMs }: Props) {
  const s = useStyles2(getStyles);
  const { logs: mapping } = useSettings();
  const [sortBy, setSortBy] = useState<SortBy>('count');
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
          {logs.baselineWindow && (
            <div className={s.sort}>
              <span className={s.other}>
                Baseline: {BASELINE_MODES[logs.baselineWindow.mode]} ({time(logs.baselineWindow.fromMs)} –{' '}
                {time(logs.baselineWindow.toMs)}), top templates counted exactly.
              </span>
              <RadioButtonGroup size="sm" options={SORT_OPTIONS} value={sortBy} onChange={setSortBy} />
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
                {logs.baselineWindow && <th scope="col">Vs baseline</th>}
                <th scope="col">First – last seen</th>
                <th scope="col">Traces</th>
              </tr>
            </thead>
            <tbody>
              {(sortBy === 'change' ? [...logs.patterns].sort(byChange) : logs.patterns).map((p) => (
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
                  {logs.baselineWindow && <td>{describeBaseline(p.baseline)}</td>}
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
  sort: css({ display: 'flex', alignItems: 'center', justifyContent: 'space-between', gap: theme.spacing(1) }),
});
