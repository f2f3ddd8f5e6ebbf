import { of, throwError, type Observable } from 'rxjs';
import { getBackendSrv } from '@grafana/runtime';
import {
  addIncidentNote,
  createIncident,
  deleteIncident,
  getIncident,
  IncidentApiError,
  INCIDENTS_URL,
  listIncidentEvents,
  listIncidents,
  patchIncident,
} from './api';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: jest.fn(),
}));

interface FetchRequest {
  url: string;
  method: string;
  data?: unknown;
  showErrorAlert?: boolean;
}

function backend(answer: () => Observable<unknown>) {
  const fetch = jest.fn((_request: FetchRequest) => answer());
  jest.mocked(getBackendSrv).mockReturnValue({ fetch } as never);
  return fetch;
}

function request(fetch: jest.Mock, i = 0): FetchRequest {
  return fetch.mock.calls[i][0];
}

describe('incidents api', () => {
  it('lists with only the filters that are set, and asks Grafana not to show its own alert', async () => {
    const fetch = backend(() => of({ data: { items: [{ id: 'a' }], total: 1, nextCursor: 'c2' } }));
    const page = await listIncidents({
      service: 'checkout',
      status: 'open',
      severity: undefined,
      from: '',
      limit: 25,
      cursor: 'c1',
      total: true,
    });
    expect(page).toEqual({ items: [{ id: 'a' }], total: 1, nextCursor: 'c2' });
    expect(request(fetch)).toMatchObject({
      method: 'GET',
      url: `${INCIDENTS_URL}?service=checkout&status=open&limit=25&cursor=c1&total=true`,
      showErrorAlert: false,
    });
    expect(INCIDENTS_URL).toBe('/api/plugins/rcp-reliability-app/resources/incidents');
  });

  it('reads a null item list as empty', async () => {
    backend(() => of({ data: { items: null, total: 0 } }));
    expect(await listIncidents()).toEqual({ items: [], total: 0 });
  });

  it('pages a timeline by the cursor it was given', async () => {
    const fetch = backend(() => of({ data: { items: [{ id: 7 }], nextCursor: 'e2' } }));
    expect(await listIncidentEvents('a/b', 'e1')).toEqual({ items: [{ id: 7 }], nextCursor: 'e2' });
    expect(request(fetch)).toMatchObject({ method: 'GET', url: `${INCIDENTS_URL}/a%2Fb/events?cursor=e1&limit=100` });
  });

  it('sends each write to its endpoint', async () => {
    const fetch = backend(() => of({ data: { id: 'x' } }));
    const body = {
      service: 's',
      title: 't',
      severity: 'high' as const,
      timeRange: { from: 'a', to: 'b' },
      analysis: {},
      links: [],
    };
    await createIncident(body);
    await getIncident('a/b');
    await patchIncident('x', { status: 'resolved', version: 3 });
    await addIncidentNote('x', 'hello');
    await deleteIncident('x');
    expect(fetch.mock.calls.map(([r]) => [r.method, r.url, r.data])).toEqual([
      ['POST', INCIDENTS_URL, body],
      ['GET', `${INCIDENTS_URL}/a%2Fb`, undefined],
      ['PATCH', `${INCIDENTS_URL}/x`, { status: 'resolved', version: 3 }],
      ['POST', `${INCIDENTS_URL}/x/events`, { message: 'hello' }],
      ['DELETE', `${INCIDENTS_URL}/x`, undefined],
    ]);
    expect(fetch.mock.calls.every(([r]) => r.showErrorAlert === false)).toBe(true);
  });

  it('turns a backend error into an IncidentApiError with its status and sentence', async () => {
    const body = {
      error: 'invalid status transition resolved → mitigated; allowed from resolved: [open]',
      field: 'status',
      from: 'resolved',
      to: 'mitigated',
      allowed: ['open'],
    };
    backend(() => throwError(() => ({ status: 409, statusText: 'Conflict', data: body })));
    const err = await patchIncident('x', { status: 'mitigated' }).catch((e) => e);
    expect(err).toBeInstanceOf(IncidentApiError);
    expect(err.status).toBe(409);
    expect(err.message).toBe(body.error);
    expect(err.field).toBe('status');
    expect(err.body.allowed).toEqual(['open']);
  });

  it('names the status when the body has no sentence, and a missing answer as such', async () => {
    backend(() => throwError(() => ({ status: 502, data: '' })));
    await expect(getIncident('x')).rejects.toMatchObject({ status: 502, message: 'request failed (HTTP 502)' });
    backend(() => throwError(() => ({})));
    await expect(getIncident('x')).rejects.toMatchObject({ status: 0, message: 'the incident service did not answer' });
  });
});
