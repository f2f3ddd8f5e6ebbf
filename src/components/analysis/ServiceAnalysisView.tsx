import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import { dateTime, type GrafanaTheme2, type TimeRange } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import type { ServiceAnalysis, SectionResult } from '../../engine/analysis';
import type { MetricsAnalysis } from '../../engine/metricsAnalysis';
import type { AsyncData } from '../../hooks/useAsyncData';
import { MetricsSection } from '../service/MetricsSection';

/** The page's sections, each loading, failed or done on its own. */
export interface AnalysisSections {
  metrics: AsyncData<MetricsAnalysis | undefined>;
}

interface Props {
  sections: AnalysisSections;
  fromMs: number;
  toMs: number;
}

/** Renders a service analysis, live from the Services page or saved in an incident. */
export function ServiceAnalysisView({ sections, fromMs, toMs }: Props) {
  const s = useStyles2(getStyles);
  const timeRange: TimeRange = useMemo(() => {
    const from = dateTime(fromMs);
    const to = dateTime(toMs);
    return { from, to, raw: { from, to } };
  }, [fromMs, toMs]);
  return (
    <div className={s.grid}>
      <MetricsSection data={sections.metrics} timeRange={timeRange} />
    </div>
  );
}

function fromResult<T>(result: SectionResult<T>): AsyncData<T> {
  return result.status === 'ok' ? { status: 'success', value: result.value } : { status: 'error', error: new Error(result.message) };
}

/** A saved analysis as sections, so a snapshot renders with the live page's components. */
export function sectionsFromSnapshot(analysis: ServiceAnalysis): AnalysisSections {
  return {
    metrics: fromResult(analysis.metrics),
  };
}

const getStyles = (theme: GrafanaTheme2) => ({
  grid: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
});
