import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2, TimeRange } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import type { AnalysisDatasources, ServiceAnalysis } from '../../engine/analysis';
import { toSections, type AnalysisSections } from '../../hooks/useServiceAnalysis';
import { absoluteRange } from '../../hooks/useTimeRangeParams';
import { MetricsSection } from '../service/MetricsSection';
import { BlastRadiusSection } from './BlastRadiusSection';
import { ConfidenceSection } from './ConfidenceSection';
import { PatternsSection } from './PatternsSection';
import { RootCauseSection } from './RootCauseSection';
import { TracesSection } from './TracesSection';

interface Props {
  sections: AnalysisSections;
  service: string;
  datasources: AnalysisDatasources;
  fromMs: number;
  toMs: number;
}

/** Renders a service analysis, live from the Services page or saved in an incident. */
export function ServiceAnalysisView({ sections, service, datasources, fromMs, toMs }: Props) {
  const s = useStyles2(getStyles);
  const timeRange: TimeRange = useMemo(() => absoluteRange(fromMs, toMs), [fromMs, toMs]);
  return (
    <div className={s.column}>
      <RootCauseSection data={sections.rootCause} />
      <MetricsSection data={sections.metrics} timeRange={timeRange} />
      <div className={s.pair}>
        <ConfidenceSection data={sections.confidence} />
        <BlastRadiusSection data={sections.blastRadius} />
      </div>
      <PatternsSection
        data={sections.logs}
        service={service}
        lokiUid={datasources.lokiUid}
        fromMs={fromMs}
        toMs={toMs}
      />
      <TracesSection
        data={sections.traces}
        service={service}
        tempoUid={datasources.tempoUid}
        fromMs={fromMs}
        toMs={toMs}
      />
    </div>
  );
}

/** A saved analysis as sections, so a snapshot renders with the live page's components. */
export function sectionsFromSnapshot(analysis: ServiceAnalysis): AnalysisSections {
  return toSections({
    ...analysis,
    // Snapshots saved before the root-cause section existed have none to show.
    rootCause: analysis.rootCause ?? {
      status: 'error',
      message: 'Not saved in this snapshot (saved by an older version).',
    },
  });
}

const getStyles = (theme: GrafanaTheme2) => ({
  column: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
  pair: css({ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(420px, 1fr))', gap: theme.spacing(2) }),
});
