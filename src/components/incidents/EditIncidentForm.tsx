import React, { useState } from 'react';
import { Button, Field, Input, RadioButtonGroup, Stack, TextArea } from '@grafana/ui';
import { TEXT_LIMITS, type Incident, type PatchIncidentRequest, type Severity } from '../../data/incidents/api';
import { testIds } from '../../testIds';
import { SEVERITY_OPTIONS } from './labels';

interface Props {
  incident: Incident;
  busy: boolean;
  /** Receives only the fields that changed, with the version they were edited from. */
  onSave: (patch: PatchIncidentRequest) => void;
  onCancel: () => void;
}

export function EditIncidentForm({ incident, busy, onSave, onCancel }: Props) {
  const [title, setTitle] = useState(incident.title);
  const [severity, setSeverity] = useState<Severity>(incident.severity);
  const [assignee, setAssignee] = useState(incident.assignee);
  const [notes, setNotes] = useState(incident.notes);

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const patch: PatchIncidentRequest = {};
    if (title.trim() !== incident.title) {
      patch.title = title.trim();
    }
    if (severity !== incident.severity) {
      patch.severity = severity;
    }
    if (assignee.trim() !== incident.assignee) {
      patch.assignee = assignee.trim();
    }
    if (notes !== incident.notes) {
      patch.notes = notes;
    }
    if (Object.keys(patch).length === 0) {
      onCancel();
      return;
    }
    // The version makes a concurrent edit a 409 instead of silently overwriting it.
    onSave({ ...patch, version: incident.version });
  };

  return (
    <form onSubmit={submit} aria-label="Edit incident" data-testid={testIds.incidents.editForm}>
      <Field label="Title" required>
        <Input
          id="rcp-incident-title"
          value={title}
          maxLength={TEXT_LIMITS.title}
          required
          onChange={(e) => setTitle(e.currentTarget.value)}
        />
      </Field>
      <Field label="Severity">
        <RadioButtonGroup aria-label="Severity" options={SEVERITY_OPTIONS} value={severity} onChange={setSeverity} />
      </Field>
      <Field label="Assignee" description="Leave empty for nobody">
        <Input
          id="rcp-incident-assignee"
          value={assignee}
          maxLength={TEXT_LIMITS.assignee}
          onChange={(e) => setAssignee(e.currentTarget.value)}
        />
      </Field>
      <Field label="Notes">
        <TextArea
          id="rcp-incident-notes"
          value={notes}
          rows={5}
          maxLength={TEXT_LIMITS.notes}
          onChange={(e) => setNotes(e.currentTarget.value)}
        />
      </Field>
      <Stack gap={1}>
        <Button type="submit" disabled={busy || title.trim() === ''}>
          Save changes
        </Button>
        <Button type="button" variant="secondary" fill="outline" onClick={onCancel}>
          Cancel
        </Button>
      </Stack>
    </form>
  );
}
