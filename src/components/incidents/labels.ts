import { dateTimeFormat } from '@grafana/data';
import type { BadgeColor } from '@grafana/ui';
import { pagePath, ROUTES } from '../../constants';
import { SEVERITIES, STATUSES, type IncidentStatus, type Severity } from '../../data/incidents/api';

export const STATUS_LABELS: Record<IncidentStatus, string> = {
  open: 'Open',
  investigating: 'Investigating',
  mitigated: 'Mitigated',
  resolved: 'Resolved',
};

export const SEVERITY_LABELS: Record<Severity, string> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
};

/** Choices for severity and status pickers, in the order the backend lists them. */
export const SEVERITY_OPTIONS = SEVERITIES.map((s) => ({ label: SEVERITY_LABELS[s], value: s }));
export const STATUS_OPTIONS = STATUSES.map((s) => ({ label: STATUS_LABELS[s], value: s }));

/** The button that moves an incident to each status (the backend says which are allowed). */
export const TRANSITION_ACTIONS: Record<IncidentStatus, string> = {
  open: 'Reopen',
  investigating: 'Start investigating',
  mitigated: 'Mark mitigated',
  resolved: 'Resolve',
};

export const STATUS_COLORS: Record<IncidentStatus, BadgeColor> = {
  open: 'red',
  investigating: 'orange',
  mitigated: 'blue',
  resolved: 'green',
};

export const SEVERITY_COLORS: Record<Severity, BadgeColor> = {
  critical: 'red',
  high: 'orange',
  medium: 'blue',
  low: 'darkgrey',
};

export function statusLabel(status: string): string {
  return STATUS_LABELS[status as IncidentStatus] ?? status;
}

export function severityLabel(severity: string): string {
  return SEVERITY_LABELS[severity as Severity] ?? severity;
}

/** An RFC 3339 time as Grafana shows times (in the user's time zone); the raw text if unreadable. */
export function formatTime(iso: string | undefined): string {
  if (!iso) {
    return '–';
  }
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? dateTimeFormat(ms) : iso;
}

export function incidentPath(id: string): string {
  return `${pagePath(ROUTES.Incidents)}/${encodeURIComponent(id)}`;
}
