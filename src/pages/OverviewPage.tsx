import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { InlineField, Input, RadioButtonGroup, Select, useStyles2 } from '@grafana/ui';
import { runQueries } from '../data/datasource';
import { fetchFleetSignals } from '../data/prometheus/fetch';
import {
  analyzeFleet,
  filterFleet,
  FLEET_SORTS,
  SERVICE_STATES,
  sortFleet,
  type FleetRow,
  type FleetSort,
  type ServiceState,
} from '../engine/fleet';
import { useAsyncData } from '../hooks/useAsyncData';
import { useInterval } from '../hooks/useInterval';
import { useSettings } from '../hooks/useSettings';
import { useServiceViewParams, useUrlParams } from '../hooks/useTimeRangeParams';
import { sloFor } from '../settings/presets';
import { testIds } from '../testIds';
import { TimeRangeControls } from '../components/common/TimeRangeControls';
import { Section } from '../components/common/Section';
import { DownloadRulesButton } from '../components/overview/DownloadRulesButton';
import { FleetTable, STATE_LABELS } from '../components/overview/FleetTable';

const SORT_LABELS: Record<FleetSort, string> = {
  urgency: 'Urgency',
  name: 'Name',
  requestRate: 'Request rate',
  errorRatio: 'Error ratio',
  budget: 'Budget left',
};

function oneOf<T extends string>(values: readonly T[], value: string | null): T | undefined {
  return values.find((v) => v === value);
}

/** The landing page: every service found under the configured metric names, the most urgent first. */
export function OverviewPage() {
  const s = useStyles2(getStyles);
  const settings = useSettings();
  const view = useServiceViewParams();
  const { params, update } = useUrlParams();
  const search = params.get('q') ?? '';
  const state = oneOf(SERVICE_STATES, params.get('state'));
  const sort = oneOf(FLEET_SORTS, params.get('sort')) ?? 'urgency';
  const fromMs = view.timeRange.from.valueOf();
  const toMs = view.timeRange.to.valueOf();

  const fleet = useAsyncData(
    async () =>
      analyzeFleet(await fetchFleetSignals(runQueries, settings, fromMs, toMs), (service) => sloFor(settings, service)),
    `${fromMs}|${toMs}|${view.refreshCount}`
  );
  useInterval(view.refresh, view.refreshInterval, fleet.status === 'loading');

  const counts = useMemo(() => {
    const byState: Partial<Record<ServiceState, number>> = {};
    for (const row of fleet.value ?? []) {
      byState[row.state] = (byState[row.state] ?? 0) + 1;
    }
    return byState;
  }, [fleet.value]);
  const stateOptions = [
    { label: 'All', value: '' },
    ...SERVICE_STATES.map((st) => ({ label: `${STATE_LABELS[st]} (${counts[st] ?? 0})`, value: st })),
  ];

  return (
    <PluginPage>
      <div className={s.page} data-testid={testIds.overview.page}>
        <div className={s.toolbar}>
          <InlineField label="Search">
            <Input
              aria-label="Search services"
              placeholder="Service name"
              width={30}
              value={search}
              onChange={(e) => update({ q: e.currentTarget.value })}
            />
          </InlineField>
          <RadioButtonGroup
            aria-label="State"
            options={stateOptions}
            value={state ?? ''}
            onChange={(value) => update({ state: value })}
          />
          <InlineField label="Sort by" htmlFor="rcp-overview-sort">
            <Select
              inputId="rcp-overview-sort"
              width={20}
              options={FLEET_SORTS.map((value) => ({ value, label: SORT_LABELS[value] }))}
              value={sort}
              onChange={(option) => update({ sort: option.value === 'urgency' ? undefined : option.value })}
            />
          </InlineField>
          <div className={s.spacer} />
          <TimeRangeControls view={view} />
        </div>
        <Section
          title="Services"
          testId={testIds.overview.fleet}
          data={fleet}
          emptyText={(rows) => emptyText(rows, settings.metrics.requestsMetric)}
        >
          {(rows) => {
            const shown = sortFleet(filterFleet(rows, search, state), sort);
            return shown.length === 0 ? (
              <p>No service matches the search and state filter.</p>
            ) : (
              <>
                <div>
                  <DownloadRulesButton services={shown.map((r) => r.service)} />
                </div>
                <FleetTable rows={shown} fromMs={fromMs} toMs={toMs} range={view.rawRange} />
              </>
            );
          }}
        </Section>
      </div>
    </PluginPage>
  );
}

function emptyText(rows: FleetRow[], metric: string): string | undefined {
  return rows.length === 0
    ? `No service reports ${metric} in this range. Check the metric names on the configuration page, or widen the range.`
    : undefined;
}

export default OverviewPage;

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
  toolbar: css({ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: theme.spacing(1) }),
  spacer: css({ flexGrow: 1 }),
});
