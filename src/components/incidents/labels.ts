import { dateTimeFormat } from '@grafana/data';
import type { BadgeColor } from '@grafana/ui';
import { PLUGIN_BASE_URL, ROUTES } from '../../constants';
import type { IncidentStatus, Severity } from '../../data/incidents/api';

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
  return `${PLUGIN_BASE_URL}/${ROUTES.Incidents}/${encodeURIComponent(id)}`;
}
