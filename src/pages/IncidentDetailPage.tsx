import React, { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Button, EmptyState, LoadingPlaceholder, Stack, useStyles2 } from '@grafana/ui';
import { pagePath, ROUTES } from '../constants';
import {
  addIncidentNote,
  deleteIncident,
  getIncident,
  IncidentApiError,
  patchIncident,
  type Incident,
  type IncidentStatus,
  type PatchIncidentRequest,
} from '../data/incidents/api';
import { incidentPermissions } from '../data/incidents/roles';
import { useAsyncData } from '../hooks/useAsyncData';
import { usePendingAction } from '../hooks/usePendingAction';
import { testIds } from '../testIds';
import { ErrorAlert } from '../components/common/ErrorAlert';
import { DeleteIncidentButton } from '../components/incidents/DeleteIncidentButton';
import { EditIncidentForm } from '../components/incidents/EditIncidentForm';
import { HandOffActions } from '../components/incidents/HandOffActions';
import { SeverityBadge, StatusBadge } from '../components/incidents/IncidentBadges';
import { IncidentLinks } from '../components/incidents/IncidentLinks';
import { IncidentTimeline } from '../components/incidents/IncidentTimeline';
import { formatTime } from '../components/incidents/labels';
import { LifecycleActions } from '../components/incidents/LifecycleActions';
import { useIncidentTimeline, type TimelineState } from '../components/incidents/useIncidentTimeline';
import { SavedAnalysis } from '../components/incidents/SavedAnalysis';

const LIST_PATH = pagePath(ROUTES.Incidents);

function isNotFound(e: unknown): boolean {
  // A malformed id in the URL (400 on field "id") is as missing as an unknown one.
  return e instanceof IncidentApiError && (e.status === 404 || (e.status === 400 && e.field === 'id'));
}

export function IncidentDetailPage() {
  const { id = '' } = useParams();
  const [reloads, setReloads] = useState(0);
  const key = `${id}|${reloads}`;
  const loaded = useAsyncData(() => getIncident(id), key);
  // Answers of writes replace the loaded incident until the next load.
  const [updated, setUpdated] = useState<{ key: string; incident: Incident }>();
  const incident = updated?.key === key ? updated.incident : loaded.value;
  // The timeline grows from the loaded first page; write answers carry only their own events.
  const timeline = useIncidentTimeline(loaded.value, key);

  let body: React.ReactNode;
  if (loaded.status === 'loading') {
    body = <LoadingPlaceholder text="Loading incident…" />;
  } else if (loaded.status === 'error' && isNotFound(loaded.error)) {
    body = (
      <EmptyState variant="not-found" message="Incident not found">
        It may have been deleted, or it belongs to another organization. <Link to={LIST_PATH}>Back to incidents</Link>
      </EmptyState>
    );
  } else if (loaded.status === 'error' || !incident) {
    body = <ErrorAlert title="Incident unavailable" error={loaded.error} />;
  } else {
    body = (
      <IncidentDetail
        incident={incident}
        timeline={timeline}
        onChange={(next) => {
          setUpdated({ key, incident: next });
          timeline.append(next.events ?? []);
        }}
        onReload={() => setReloads((n) => n + 1)}
      />
    );
  }
  return (
    <PluginPage>
      <div data-testid={testIds.incidents.detail}>{body}</div>
    </PluginPage>
  );
}

export default IncidentDetailPage;

interface DetailProps {
  incident: Incident;
  timeline: TimelineState;
  onChange: (incident: Incident) => void;
  onReload: () => void;
}

function IncidentDetail({ incident, timeline, onChange, onReload }: DetailProps) {
  const s = useStyles2(getStyles);
  const navigate = useNavigate();
  const { canWrite, canDelete } = incidentPermissions();
  const { busy, error, run, clearError } = usePendingAction();
  const [editing, setEditing] = useState(false);

  const patch = (request: PatchIncidentRequest) =>
    run(
      () => patchIncident(incident.id, request),
      (next) => {
        onChange(next);
        setEditing(false);
      }
    );
  // No version on status changes: the backend re-checks the transition against the stored status.
  const transition = (status: IncidentStatus) => patch({ status });

  const addNote = async (message: string) => {
    const event = await addIncidentNote(incident.id, message);
    timeline.append([event]);
  };

  const remove = async () => {
    await deleteIncident(incident.id);
    navigate(LIST_PATH);
  };

  const conflict = error instanceof IncidentApiError && error.status === 409;
  return (
    <div className={s.page}>
      <header className={s.header}>
        <h2 className={s.title}>{incident.title}</h2>
        <Stack gap={1} alignItems="center" wrap="wrap">
          <StatusBadge status={incident.status} testId={testIds.incidents.status} />
          <SeverityBadge severity={incident.severity} />
        </Stack>
        <dl className={s.facts}>
          <dt>Service</dt>
          <dd>{incident.service}</dd>
          <dt>Time range</dt>
          <dd>
            {formatTime(incident.timeRange.from)} to {formatTime(incident.timeRange.to)}
          </dd>
          <dt>Created</dt>
          <dd>
            {formatTime(incident.createdAt)} by {incident.createdBy}
          </dd>
          <dt>Assignee</dt>
          <dd>{incident.assignee || 'nobody'}</dd>
        </dl>
        {incident.notes && <p className={s.notes}>{incident.notes}</p>}
        <HandOffActions incident={incident} />
      </header>

      {error !== undefined && (
        <ErrorAlert
          title={conflict ? 'Change refused' : 'The change was not saved'}
          error={error}
          onRemove={clearError}
        >
          {conflict && (
            <div>
              <Button size="sm" variant="secondary" onClick={onReload}>
                Reload the incident
              </Button>
            </div>
          )}
        </ErrorAlert>
      )}

      {canWrite ? (
        <Stack gap={2} wrap="wrap" alignItems="flex-start">
          <LifecycleActions allowed={incident.allowedTransitions ?? []} busy={busy} onTransition={transition} />
          {!editing && (
            <Button variant="secondary" icon="pen" onClick={() => setEditing(true)}>
              Edit
            </Button>
          )}
          {canDelete && <DeleteIncidentButton title={incident.title} onDelete={remove} />}
        </Stack>
      ) : (
        <p className={s.muted}>Read only: Viewers can&apos;t change incidents — ask an Editor or Admin.</p>
      )}

      {canWrite && editing && (
        <EditIncidentForm incident={incident} busy={busy} onSave={patch} onCancel={() => setEditing(false)} />
      )}

      <IncidentTimeline timeline={timeline} canWrite={canWrite} onAddNote={addNote} />

      <section aria-label="Links">
        <h3>Links</h3>
        <IncidentLinks links={incident.links ?? []} />
      </section>

      <section aria-label="Saved analysis" data-testid={testIds.incidents.analysis} className={s.analysis}>
        <h3>Saved analysis</h3>
        <p className={s.muted}>As it was when the snapshot was saved; nothing here is queried again.</p>
        <SavedAnalysis analysis={incident.analysis} />
      </section>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(3) }),
  header: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
  title: css({ margin: 0 }),
  facts: css({
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: theme.spacing(2),
    rowGap: theme.spacing(0.5),
    margin: 0,
    dt: { color: theme.colors.text.secondary },
    dd: { margin: 0 },
  }),
  notes: css({ whiteSpace: 'pre-wrap', margin: 0 }),
  muted: css({ color: theme.colors.text.secondary, margin: 0 }),
  analysis: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
});
