import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2, TimeRange } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import type { MetricsAnalysis } from '../../engine/metricsAnalysis';
import type { AsyncData } from '../../hooks/useAsyncData';
import { testIds } from '../../testIds';
import { Section } from '../common/Section';
import { SeriesPanel } from './SeriesPanel';
import { SloPanel } from './SloPanel';
import { TrafficStats } from './TrafficStats';

interface Props {
  data: AsyncData<MetricsAnalysis>;
  timeRange: TimeRange;
}

/** The Prometheus half of the service view: headline figures, SLO burn, rate and latency charts. */
export function MetricsSection({ data, timeRange }: Props) {
  const s = useStyles2(getStyles);
  return (
    <Section title="Metrics and SLO" testId={testIds.services.metrics} data={data}>
      {(value) => (
        <div className={s.body}>
          <TrafficStats traffic={value.traffic} slo={value.slo} />
          <SloPanel slo={value.slo} />
          <div className={s.charts}>
            <SeriesPanel
              title="Request and error rate"
              unit="reqps"
              timeRange={timeRange}
              series={[
                { name: 'requests', points: value.signals.series.requests, color: 'blue' },
                { name: 'errors (5xx)', points: value.signals.series.errors, color: 'red' },
              ]}
            />
            <SeriesPanel
              title="Latency p95"
              unit="s"
              timeRange={timeRange}
              series={[{ name: 'p95', points: value.signals.series.p95, color: 'purple' }]}
            />
          </div>
        </div>
      )}
    </Section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  body: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
  charts: css({ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(360px, 1fr))', gap: theme.spacing(2) }),
});
