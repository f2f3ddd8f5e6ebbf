import React, { useState } from 'react';
import { Link } from 'react-router-dom';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Button, EmptyState, Field, Input, LoadingPlaceholder, RadioButtonGroup, useStyles2 } from '@grafana/ui';
import { pagePath, ROUTES } from '../constants';
import type { IncidentSummary } from '../data/incidents/api';
import { testIds } from '../testIds';
import { ErrorAlert } from '../components/common/ErrorAlert';
import { SeverityBadge, StatusBadge } from '../components/incidents/IncidentBadges';
import { formatTime, incidentPath, SEVERITY_OPTIONS, STATUS_OPTIONS } from '../components/incidents/labels';
import { toListQuery, useIncidentFilters, type IncidentFilters } from '../components/incidents/useIncidentFilters';
import { useIncidentPages } from '../components/incidents/useIncidentPages';

const ANY = '';
const statusOptions = [{ label: 'Any', value: ANY }, ...STATUS_OPTIONS];
const severityOptions = [{ label: 'Any', value: ANY }, ...SEVERITY_OPTIONS];

export function IncidentsPage() {
  const s = useStyles2(getStyles);
  const { filters, setFilter, clear } = useIncidentFilters();
  const query = toListQuery(filters);
  const pages = useIncidentPages(query);
  const filtered = Object.values(query).some((v) => v !== undefined);

  return (
    <PluginPage>
      <div className={s.page} data-testid={testIds.incidents.page}>
        <FilterBar filters={filters} setFilter={setFilter} clear={clear} />
        <IncidentList pages={pages} filtered={filtered} />
      </div>
    </PluginPage>
  );
}

export default IncidentsPage;

interface FilterBarProps {
  filters: IncidentFilters;
  setFilter: (name: keyof IncidentFilters, value: string | undefined) => void;
  clear: () => void;
}

function FilterBar({ filters, setFilter, clear }: FilterBarProps) {
  const s = useStyles2(getStyles);
  // The service is applied on Enter or when leaving the field, not on every keystroke.
  const [service, setService] = useState(filters.service);
  const [urlService, setUrlService] = useState(filters.service);
  if (urlService !== filters.service) {
    // The URL changed under the field (Clear, back button): show what is applied.
    setUrlService(filters.service);
    setService(filters.service);
  }
  const applyService = () => service.trim() !== filters.service && setFilter('service', service.trim());

  return (
    <form
      className={s.filters}
      aria-label="Incident filters"
      data-testid={testIds.incidents.filters}
      onSubmit={(e) => {
        e.preventDefault();
        applyService();
      }}
    >
      <Field label="Service" description="Exact name; Enter applies">
        <Input
          id="rcp-incidents-service"
          value={service}
          onChange={(e) => setService(e.currentTarget.value)}
          onBlur={applyService}
          width={24}
        />
      </Field>
      <Field label="Status">
        <RadioButtonGroup
          aria-label="Status"
          options={statusOptions}
          value={filters.status ?? ANY}
          onChange={(v) => setFilter('status', v)}
        />
      </Field>
      <Field label="Severity">
        <RadioButtonGroup
          aria-label="Severity"
          options={severityOptions}
          value={filters.severity ?? ANY}
          onChange={(v) => setFilter('severity', v)}
        />
      </Field>
      <Field label="Created from">
        <Input
          id="rcp-incidents-created-from"
          type="date"
          value={filters.createdFrom}
          onChange={(e) => setFilter('createdFrom', e.currentTarget.value)}
        />
      </Field>
      <Field label="Created to">
        <Input
          id="rcp-incidents-created-to"
          type="date"
          value={filters.createdTo}
          onChange={(e) => setFilter('createdTo', e.currentTarget.value)}
        />
      </Field>
      <div className={s.filterButtons}>
        <Button type="submit" variant="secondary">
          Apply
        </Button>
        <Button type="button" variant="secondary" fill="outline" onClick={clear}>
          Clear filters
        </Button>
      </div>
    </form>
  );
}

function IncidentList({ pages, filtered }: { pages: ReturnType<typeof useIncidentPages>; filtered: boolean }) {
  const s = useStyles2(getStyles);
  const { first } = pages;
  if (first.status === 'loading') {
    return <LoadingPlaceholder text="Loading incidents…" />;
  }
  if (first.status === 'error') {
    return <ErrorAlert title="Incidents unavailable" error={first.error} />;
  }
  if (pages.items.length === 0) {
    return filtered ? (
      <EmptyState variant="not-found" message="No incidents match these filters" />
    ) : (
      <EmptyState variant="call-to-action" message="No incidents yet — save a snapshot from the Services page">
        <Link to={pagePath(ROUTES.Services)}>Go to the Services page</Link>
      </EmptyState>
    );
  }
  return (
    <div className={s.listBlock}>
      <table className={s.table} data-testid={testIds.incidents.list}>
        <caption className={s.caption}>
          {pages.items.length} of {pages.total} incidents, newest first
        </caption>
        <thead>
          <tr>
            <th scope="col">Title</th>
            <th scope="col">Service</th>
            <th scope="col">Severity</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
            <th scope="col">By</th>
          </tr>
        </thead>
        <tbody>
          {pages.items.map((incident) => (
            <IncidentRow key={incident.id} incident={incident} />
          ))}
        </tbody>
      </table>
      {pages.moreError !== undefined && <ErrorAlert title="Could not load more incidents" error={pages.moreError} />}
      {pages.hasMore && (
        <Button
          variant="secondary"
          onClick={pages.loadMore}
          disabled={pages.loadingMore}
          data-testid={testIds.incidents.loadMore}
        >
          {pages.loadingMore ? 'Loading…' : 'Load more'}
        </Button>
      )}
    </div>
  );
}

function IncidentRow({ incident }: { incident: IncidentSummary }) {
  return (
    <tr data-testid={testIds.incidents.row}>
      <td>
        <Link to={incidentPath(incident.id)}>{incident.title}</Link>
      </td>
      <td>{incident.service}</td>
      <td>
        <SeverityBadge severity={incident.severity} />
      </td>
      <td>
        <StatusBadge status={incident.status} />
      </td>
      <td>{formatTime(incident.createdAt)}</td>
      <td>{incident.createdBy}</td>
    </tr>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
  filters: css({ display: 'flex', flexWrap: 'wrap', alignItems: 'flex-end', columnGap: theme.spacing(2) }),
  filterButtons: css({ display: 'flex', gap: theme.spacing(1), marginBottom: theme.spacing(2) }),
  listBlock: css({ display: 'flex', flexDirection: 'column', alignItems: 'flex-start', gap: theme.spacing(2) }),
  table: css({
    width: '100%',
    'th, td': {
      padding: theme.spacing(0.75, 1),
      textAlign: 'left',
      borderBottom: `1px solid ${theme.colors.border.weak}`,
    },
  }),
  caption: css({
    captionSide: 'top',
    textAlign: 'left',
    color: theme.colors.text.secondary,
    paddingBottom: theme.spacing(1),
  }),
});
