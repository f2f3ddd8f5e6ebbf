import React from 'react';
import { Badge } from '@grafana/ui';
import type { IncidentStatus, Severity } from '../../data/incidents/api';
import { SEVERITY_COLORS, STATUS_COLORS, severityLabel, statusLabel } from './labels';

export function StatusBadge({ status, testId }: { status: string; testId?: string }) {
  return (
    <Badge
      text={statusLabel(status)}
      color={STATUS_COLORS[status as IncidentStatus] ?? 'darkgrey'}
      data-testid={testId}
    />
  );
}

export function SeverityBadge({ severity }: { severity: string }) {
  return <Badge text={severityLabel(severity)} color={SEVERITY_COLORS[severity as Severity] ?? 'darkgrey'} />;
}
