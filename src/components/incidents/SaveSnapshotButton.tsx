import React, { useState } from 'react';
import { Link } from 'react-router-dom';
import { Alert, Button, Field, Input, Modal, RadioButtonGroup, Stack, Text } from '@grafana/ui';
import { createIncident, TEXT_LIMITS, type Incident, type IncidentLink, type Severity } from '../../data/incidents/api';
import { incidentPermissions } from '../../data/incidents/roles';
import type { ServiceAnalysis } from '../../engine/analysis';
import { usePendingAction } from '../../hooks/usePendingAction';
import { servicesUrl } from '../../hooks/useTimeRangeParams';
import { testIds } from '../../testIds';
import { ErrorAlert } from '../common/ErrorAlert';
import { incidentPath, SEVERITY_OPTIONS } from './labels';

interface Props {
  /** The settled analysis; undefined while any section still loads. */
  analysis: ServiceAnalysis | undefined;
}

export const VIEWER_REASON = "Viewers can't save snapshots — ask an Editor or Admin";

/** Paging burn rules say how urgent it was when saved: the fast one is critical, the slow one high. */
export function defaultSeverity(analysis: ServiceAnalysis): Severity {
  if (analysis.metrics.status !== 'ok') {
    return 'medium';
  }
  const firing = analysis.metrics.value.slo.rules.filter((r) => r.firing);
  if (firing.some((r) => r.id === 'page-fast')) {
    return 'critical';
  }
  return firing.some((r) => r.severity === 'page') ? 'high' : 'medium';
}

export function defaultTitle(analysis: ServiceAnalysis): string {
  const m = analysis.metrics;
  const what = m.status === 'ok' && m.value.signals.range.errors > 0 ? '5xx errors' : 'snapshot';
  return `${analysis.service}: ${what}`.slice(0, TEXT_LIMITS.title);
}

function servicesLink(a: ServiceAnalysis): IncidentLink {
  return { title: `${a.service} on the Services page`, url: servicesUrl(a.service, a.fromMs, a.toMs) };
}

/** Stores the analysis on screen as an incident (Editors and Admins; the backend checks again). */
export function SaveSnapshotButton({ analysis }: Props) {
  const { canWrite } = incidentPermissions();
  const [open, setOpen] = useState(false);
  const [saved, setSaved] = useState<Incident>();

  if (!canWrite) {
    return (
      <Stack gap={1} alignItems="center">
        <Button
          icon="save"
          variant="secondary"
          disabled
          aria-describedby="rcp-snapshot-reason"
          data-testid={testIds.incidents.snapshotButton}
        >
          Save snapshot
        </Button>
        <Text color="secondary" variant="bodySmall">
          <span id="rcp-snapshot-reason">{VIEWER_REASON}</span>
        </Text>
      </Stack>
    );
  }
  return (
    <Stack direction="column" gap={1} alignItems="flex-start">
      <Button
        icon="save"
        variant="secondary"
        disabled={!analysis}
        tooltip={analysis ? 'Store this analysis as an incident' : 'Available once every section has loaded'}
        onClick={() => {
          setSaved(undefined);
          setOpen(true);
        }}
        data-testid={testIds.incidents.snapshotButton}
      >
        Save snapshot
      </Button>
      {saved && (
        <div data-testid={testIds.incidents.snapshotResult}>
          <Alert severity="success" title="Snapshot saved" onRemove={() => setSaved(undefined)}>
            <Link to={incidentPath(saved.id)}>Open incident “{saved.title}”</Link>
          </Alert>
        </div>
      )}
      {open && analysis && (
        <SaveSnapshotModal
          analysis={analysis}
          links={[servicesLink(analysis)]}
          onDismiss={() => setOpen(false)}
          onSaved={(incident) => {
            setSaved(incident);
            setOpen(false);
          }}
        />
      )}
    </Stack>
  );
}

interface ModalProps {
  analysis: ServiceAnalysis;
  links: IncidentLink[];
  onDismiss: () => void;
  onSaved: (incident: Incident) => void;
}

function SaveSnapshotModal({ analysis, links, onDismiss, onSaved }: ModalProps) {
  const [title, setTitle] = useState(() => defaultTitle(analysis));
  const [severity, setSeverity] = useState<Severity>(() => defaultSeverity(analysis));
  const { busy: saving, error, run } = usePendingAction();

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    run(
      () =>
        createIncident({
          service: analysis.service,
          title: title.trim(),
          severity,
          timeRange: { from: new Date(analysis.fromMs).toISOString(), to: new Date(analysis.toMs).toISOString() },
          analysis,
          links,
        }),
      onSaved
    );
  };

  return (
    <Modal title="Save snapshot" isOpen onDismiss={onDismiss}>
      <form onSubmit={submit} aria-label="Save snapshot" data-testid={testIds.incidents.snapshotModal}>
        <Field label="Title" required>
          <Input
            id="rcp-snapshot-title"
            value={title}
            maxLength={TEXT_LIMITS.title}
            required
            autoFocus
            onChange={(e) => setTitle(e.currentTarget.value)}
          />
        </Field>
        <Field label="Severity" description="Suggested from the SLO burn-rate rules firing in this range">
          <RadioButtonGroup aria-label="Severity" options={SEVERITY_OPTIONS} value={severity} onChange={setSeverity} />
        </Field>
        {error !== undefined && <ErrorAlert title="The snapshot was not saved" error={error} />}
        <Modal.ButtonRow>
          <Button type="button" variant="secondary" fill="outline" onClick={onDismiss}>
            Cancel
          </Button>
          <Button type="submit" disabled={saving || title.trim() === ''}>
            {saving ? 'Saving…' : 'Save'}
          </Button>
        </Modal.ButtonRow>
      </form>
    </Modal>
  );
}
