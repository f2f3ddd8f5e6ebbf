import React from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, type GrafanaTheme2 } from '@grafana/data';
import { Badge, TextLink, useStyles2 } from '@grafana/ui';
import { errorTracesExploreUrl, traceExploreUrl } from '../../data/links';
import type { TraceLookup } from '../../engine/traces/traceSummary';
import type { AsyncData } from '../../hooks/useAsyncData';
import { testIds } from '../../testIds';
import { Section } from '../common/Section';
import { sectionTable } from '../common/sectionTable';
import { formatLatency } from '../format';

interface Props {
  data: AsyncData<TraceLookup[]>;
  service: string;
  tempoUid?: string;
  fromMs: number;
  toMs: number;
}

/** Traces named by the error logs, with their metadata from Tempo and a link to Explore. */
export function TracesSection({ data, service, tempoUid, fromMs, toMs }: Props) {
  const s = useStyles2(getStyles);
  const errorTracesUrl = tempoUid ? errorTracesExploreUrl(tempoUid, service, fromMs, toMs) : undefined;
  return (
    <Section
      title="Traces from the error logs"
      testId={testIds.services.traces}
      data={data}
      emptyText={(traces) => (traces.length === 0 ? 'The error logs of this range name no trace ids.' : undefined)}
    >
      {(traces) => (
        <>
          {errorTracesUrl && (
            <p className={s.search}>
              <TextLink href={errorTracesUrl} inline>
                {`Search all error traces of ${service} in Explore`}
              </TextLink>
            </p>
          )}
          <table className={s.table}>
            <thead>
              <tr>
                <th scope="col">Trace</th>
                <th scope="col">Root</th>
                <th scope="col">Start</th>
                <th scope="col">Duration</th>
                <th scope="col">Spans</th>
                <th scope="col">Errors</th>
              </tr>
            </thead>
            <tbody>
              {traces.map((t) => (
                <tr key={t.traceId}>
                  <td>
                    {tempoUid ? (
                      <TextLink href={traceExploreUrl(tempoUid, t.traceId, fromMs, toMs)} inline>
                        {t.traceId}
                      </TextLink>
                    ) : (
                      <code>{t.traceId}</code>
                    )}
                  </td>
                  {t.status === 'found' ? (
                    <>
                      <td>
                        {t.summary.rootService} · {t.summary.rootSpan}
                      </td>
                      <td>{dateTimeFormat(t.summary.startMs, { format: 'MMM D HH:mm:ss.SSS' })}</td>
                      <td>{formatLatency(t.summary.durationMs / 1000)}</td>
                      <td>{t.summary.spanCount}</td>
                      <td>
                        {t.summary.errorSpanCount > 0 ? (
                          <Badge
                            color="red"
                            text={`${t.summary.errorSpanCount} in ${Object.keys(t.summary.errorServices).join(', ')}`}
                          />
                        ) : (
                          '0'
                        )}
                      </td>
                    </>
                  ) : (
                    <td colSpan={5} className={s.missing}>
                      {t.status === 'not-found'
                        ? 'Not found in Tempo (expired or not yet ingested)'
                        : `Lookup failed: ${t.message}`}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  table: sectionTable(theme),
  missing: css({ color: theme.colors.text.secondary }),
  search: css({ marginBottom: theme.spacing(1) }),
});
