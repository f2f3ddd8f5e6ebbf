import React from 'react';
import { Button, LinkButton, Stack } from '@grafana/ui';
import { exportIncidentMarkdown, type Incident } from '../../data/incidents/api';
import { servicesUrl } from '../../hooks/useTimeRangeParams';
import { usePendingAction } from '../../hooks/usePendingAction';
import { testIds } from '../../testIds';
import { ErrorAlert } from '../common/ErrorAlert';
import { saveTextFile } from '../common/saveTextFile';

/** Opens the saved view on the Services page, and saves the incident as Markdown for whoever takes over. */
export function HandOffActions({ incident }: { incident: Incident }) {
  const { busy, error, run, clearError } = usePendingAction();
  const fromMs = Date.parse(incident.timeRange.from);
  const toMs = Date.parse(incident.timeRange.to);
  const exportMarkdown = () =>
    run(
      () => exportIncidentMarkdown(incident.id),
      (markdown) => saveTextFile(`incident-${incident.id}.md`, markdown, 'text/markdown')
    );
  return (
    <div data-testid={testIds.incidents.handOff}>
      <Stack gap={1} wrap="wrap">
        <LinkButton variant="secondary" icon="apps" href={servicesUrl(incident.service, fromMs, toMs)}>
          Open the saved range on the Services page
        </LinkButton>
        <Button variant="secondary" icon="file-alt" onClick={exportMarkdown} disabled={busy}>
          {busy ? 'Exporting…' : 'Export as Markdown'}
        </Button>
      </Stack>
      {error !== undefined && <ErrorAlert title="Export failed" error={error} onRemove={clearError} />}
    </div>
  );
}
