import { lastValueFrom } from 'rxjs';
import { getBackendSrv } from '@grafana/runtime';
import { PLUGIN_ID } from '../../constants';

/**
 * Typed client of the plugin backend's incident resources (pkg/resources). Errors are left to
 * the page (`showErrorAlert: false`): it knows which sentence belongs next to which control.
 */

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Longest texts the backend accepts, in characters (pkg/incidents/decode.go, MaxTitleLen and its siblings). */
export const TEXT_LIMITS = { title: 200, assignee: 100, notes: 10000, note: 5000 } as const;

export const STATUSES = ['open', 'investigating', 'mitigated', 'resolved'] as const;
export type IncidentStatus = (typeof STATUSES)[number];

export interface IncidentLink {
  title: string;
  url: string;
}

export interface IncidentEvent {
  id: number;
  incidentId: string;
  /** RFC 3339 */
  time: string;
  user: string;
  kind: 'created' | 'change' | 'note' | string;
  message: string;
}

/** An incident as the list returns it: no analysis, no events, no transitions. */
export interface IncidentSummary {
  id: string;
  orgId: number;
  service: string;
  title: string;
  severity: Severity;
  status: IncidentStatus;
  assignee: string;
  notes: string;
  timeRange: { from: string; to: string };
  links: IncidentLink[] | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** One incident as GET, POST and PATCH return it. */
export interface Incident extends IncidentSummary {
  /** The saved snapshot, as sent; not checked by the backend beyond being a JSON object. */
  analysis?: unknown;
  /**
   * GET: the first page of the timeline, oldest first (see `eventsNextCursor`).
   * POST and PATCH: only the events that write added.
   */
  events?: IncidentEvent[];
  /** GET: cursor of the timeline's next page for `listIncidentEvents`; absent when complete. */
  eventsNextCursor?: string;
  /** Statuses the backend accepts next; the UI offers only these. */
  allowedTransitions?: IncidentStatus[];
}

export interface IncidentPage {
  items: IncidentSummary[];
  /** Only when the query asked `total: true` (it costs the backend a count). */
  total?: number;
  nextCursor?: string;
}

/** One page of an incident's timeline, in the order the writes committed. */
export interface IncidentEventPage {
  items: IncidentEvent[];
  nextCursor?: string;
}

/** Largest timeline page the backend serves (pkg/incidents MaxEventLimit). */
export const EVENT_PAGE_SIZE = 100;

export interface ListQuery {
  service?: string;
  status?: IncidentStatus;
  severity?: Severity;
  /** RFC 3339, filters on creation time: from <= createdAt < to. */
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
  /** Also count all matches. */
  total?: boolean;
}

export interface CreateIncidentRequest {
  service: string;
  title: string;
  severity: Severity;
  timeRange: { from: string; to: string };
  analysis: object;
  links: IncidentLink[];
}

export interface PatchIncidentRequest {
  title?: string;
  severity?: Severity;
  status?: IncidentStatus;
  assignee?: string;
  notes?: string;
  /** Apply only if the incident is still at this version, else 409. */
  version?: number;
}

/** The backend's JSON error body (`ErrorBody` in pkg/resources). */
export interface ApiErrorBody {
  error?: string;
  field?: string;
  from?: string;
  to?: string;
  allowed?: string[];
  currentVersion?: number;
}

/** A failed call: the HTTP status (0 when no answer came) and the backend's own sentence. */
export class IncidentApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: ApiErrorBody = {}
  ) {
    super(message);
    this.name = 'IncidentApiError';
  }

  get field(): string | undefined {
    return this.body.field;
  }
}

export const INCIDENTS_URL = `/api/plugins/${PLUGIN_ID}/resources/incidents`;

function toApiError(e: unknown): IncidentApiError {
  if (e instanceof IncidentApiError) {
    return e;
  }
  const o = (typeof e === 'object' && e !== null ? e : {}) as {
    status?: number;
    statusText?: string;
    data?: unknown;
    message?: string;
  };
  const status = typeof o.status === 'number' ? o.status : 0;
  const body = (typeof o.data === 'object' && o.data !== null ? o.data : {}) as ApiErrorBody & { message?: string };
  const sentence = body.error || body.message || o.statusText || o.message || (typeof e === 'string' ? e : '');
  const fallback = status ? `request failed (HTTP ${status})` : 'the incident service did not answer';
  return new IncidentApiError(status, sentence || fallback, body);
}

async function call<T>(method: string, url: string, data?: unknown, responseType?: 'text'): Promise<T> {
  try {
    const response = await lastValueFrom(
      getBackendSrv().fetch<T>({ url, method, data, responseType, showErrorAlert: false, showSuccessAlert: false })
    );
    return response.data;
  } catch (e) {
    throw toApiError(e);
  }
}

function incidentUrl(id: string): string {
  return `${INCIDENTS_URL}/${encodeURIComponent(id)}`;
}

function withQuery(url: string, query: object): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '' && value !== false) {
      params.set(key, String(value));
    }
  }
  const qs = params.toString();
  return qs ? `${url}?${qs}` : url;
}

export function listIncidents(query: ListQuery = {}): Promise<IncidentPage> {
  return call<IncidentPage>('GET', withQuery(INCIDENTS_URL, query)).then((page) => ({
    ...page,
    // Go encodes an empty slice as null when nothing matched.
    items: page?.items ?? [],
  }));
}

/** The next page of a timeline, oldest first, from the cursor the previous page (or GET) gave. */
export function listIncidentEvents(id: string, cursor: string): Promise<IncidentEventPage> {
  const url = withQuery(`${incidentUrl(id)}/events`, { cursor, limit: EVENT_PAGE_SIZE });
  return call<IncidentEventPage>('GET', url).then((page) => ({ ...page, items: page?.items ?? [] }));
}

export function getIncident(id: string): Promise<Incident> {
  return call<Incident>('GET', incidentUrl(id));
}

export function createIncident(request: CreateIncidentRequest): Promise<Incident> {
  return call<Incident>('POST', INCIDENTS_URL, request);
}

/** Answers the incident with only the events this PATCH added. */
export function patchIncident(id: string, patch: PatchIncidentRequest): Promise<Incident> {
  return call<Incident>('PATCH', incidentUrl(id), patch);
}

export function addIncidentNote(id: string, message: string): Promise<IncidentEvent> {
  return call<IncidentEvent>('POST', `${incidentUrl(id)}/events`, { message });
}

/** The incident as Markdown for hand-off, rendered by the backend with absolute Grafana links. */
export function exportIncidentMarkdown(id: string): Promise<string> {
  return call<string>('GET', `${incidentUrl(id)}/export.md`, undefined, 'text');
}

export function deleteIncident(id: string): Promise<void> {
  return call<unknown>('DELETE', incidentUrl(id)).then(() => undefined);
}
