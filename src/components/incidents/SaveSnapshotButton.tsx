import React, { useState } from 'react';
import { Link } from 'react-router-dom';
import { Alert, Button, Field, Input, Modal, RadioButtonGroup, Stack, Text } from '@grafana/ui';
import { PLUGIN_BASE_URL, ROUTES } from '../../constants';
import { errorMessage } from '../../data/datasource';
import {
  createIncident,
  SEVERITIES,
  TEXT_LIMITS,
  type Incident,
  type IncidentLink,
  type Severity,
} from '../../data/incidents/api';
import { incidentPermissions } from '../../data/incidents/roles';
import type { ServiceAnalysis } from '../../engine/analysis';
import { testIds } from '../../testIds';
import { incidentPath, SEVERITY_LABELS } from './labels';

interface Props {
  /** The settled analysis; undefined while any section still loads. */
  analysis: ServiceAnalysis | undefined;
  /** Saved with the incident; by default a link back to this service and range on the Services page. */
  links?: IncidentLink[];
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
  const params = new URLSearchParams({ service: a.service, from: String(a.fromMs), to: String(a.toMs) });
  return { title: `${a.service} on the Services page`, url: `${PLUGIN_BASE_URL}/${ROUTES.Services}?${params}` };
}

/** Stores the analysis on screen as an incident (Editors and Admins; the backend checks again). */
export function SaveSnapshotButton({ analysis, links }: Props) {
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
          links={links ?? [servicesLink(analysis)]}
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

const severityOptions = SEVERITIES.map((s) => ({ label: SEVERITY_LABELS[s], value: s }));

function SaveSnapshotModal({ analysis, links, onDismiss, onSaved }: ModalProps) {
  const [title, setTitle] = useState(() => defaultTitle(analysis));
  const [severity, setSeverity] = useState<Severity>(() => defaultSeverity(analysis));
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>();

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setSaving(true);
    setError(undefined);
    createIncident({
      service: analysis.service,
      title: title.trim(),
      severity,
      timeRange: { from: new Date(analysis.fromMs).toISOString(), to: new Date(analysis.toMs).toISOString() },
      analysis,
      links,
    }).then(onSaved, (err) => {
      setError(err);
      setSaving(false);
    });
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
          <RadioButtonGroup aria-label="Severity" options={severityOptions} value={severity} onChange={setSeverity} />
        </Field>
        {error !== undefined && (
          <Alert severity="error" title="The snapshot was not saved">
            {errorMessage(error)}
          </Alert>
        )}
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
