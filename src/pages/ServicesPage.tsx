import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { EmptyState, InlineField, useStyles2 } from '@grafana/ui';
import { runQueries } from '../data/datasource';
import { fetchServiceNames } from '../data/prometheus/fetch';
import { useAsyncData } from '../hooks/useAsyncData';
import { useInterval } from '../hooks/useInterval';
import { useSettings } from '../hooks/useSettings';
import { useServiceViewParams } from '../hooks/useTimeRangeParams';
import { useServiceAnalysis } from '../hooks/useServiceAnalysis';
import { testIds } from '../testIds';
import { TimeRangeControls } from '../components/common/TimeRangeControls';
import { ServicePicker } from '../components/service/ServicePicker';
import { ServiceAnalysisView } from '../components/analysis/ServiceAnalysisView';
import { SaveSnapshotButton } from '../components/incidents/SaveSnapshotButton';

export function ServicesPage() {
  const s = useStyles2(getStyles);
  const settings = useSettings();
  const view = useServiceViewParams();
  const { service, timeRange } = view;
  const fromMs = timeRange.from.valueOf();
  const toMs = timeRange.to.valueOf();

  // Settings only change on a page load, so the range, the service and refreshes name a query.
  const rangeKey = `${fromMs}|${toMs}|${view.refreshCount}`;
  const services = useAsyncData(() => fetchServiceNames(runQueries, settings, fromMs, toMs), rangeKey);

  return (
    <PluginPage>
      <div className={s.page} data-testid={testIds.services.page}>
        <div className={s.toolbar}>
          <InlineField label="Service" htmlFor="rcp-service-picker">
            <ServicePicker services={services} value={service} onChange={view.setService} />
          </InlineField>
          <div className={s.spacer} />
          <TimeRangeControls view={view} />
        </div>
        {service ? (
          <LiveAnalysis
            // A new service starts from empty sections rather than another service's figures.
            key={service}
            service={service}
            fromMs={fromMs}
            toMs={toMs}
            refreshCount={view.refreshCount}
            refreshInterval={view.refreshInterval}
            onRefresh={view.refresh}
          />
        ) : (
          <EmptyState variant="call-to-action" message="Pick a service">
            Choose a service to see its error rate, latency, SLO burn and error budget for the selected time range.
          </EmptyState>
        )}
      </div>
    </PluginPage>
  );
}

export default ServicesPage;

interface LiveAnalysisProps {
  service: string;
  fromMs: number;
  toMs: number;
  refreshCount: number;
  refreshInterval: string;
  onRefresh: () => void;
}

/** The analysis of the chosen service; mounted only once a service is picked. */
function LiveAnalysis({ service, fromMs, toMs, refreshCount, refreshInterval, onRefresh }: LiveAnalysisProps) {
  const settings = useSettings();
  const { sections, snapshot } = useServiceAnalysis(settings, service, fromMs, toMs, refreshCount);
  // The snapshot exists once every section has settled: until then a tick would only pile up.
  useInterval(onRefresh, refreshInterval, snapshot === undefined);
  return (
    <>
      <div>
        <SaveSnapshotButton analysis={snapshot} />
      </div>
      <ServiceAnalysisView
        sections={sections}
        service={service}
        datasources={settings.datasources}
        fromMs={fromMs}
        toMs={toMs}
      />
    </>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
  toolbar: css({ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: theme.spacing(1) }),
  spacer: css({ flexGrow: 1 }),
});
