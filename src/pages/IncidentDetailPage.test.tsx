import React from 'react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { getDataSourceSrv } from '@grafana/runtime';
import { FROM_MS, incident, INCIDENT_ID, TO_MS } from '../components/incidents/testFixtures';
import { captureDownloads } from '../test/downloads';
import { asRole, fakeBackend, type BackendCall } from '../test/fakeBackend';
import { testIds } from '../testIds';
import IncidentDetailPage from './IncidentDetailPage';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: jest.fn(),
  getDataSourceSrv: jest.fn(),
  PluginPage: ({ children }: { children: React.ReactNode }) => <div>{children}</div>,
  PanelRenderer: ({ title }: { title: string }) => <div data-testid="panel">{title}</div>,
}));

jest.setTimeout(20_000);

const LIST = '/a/rcp-reliability-app/incidents';

/** A backend answering GET with `current` and other methods from `write`. */
function backend(current: () => unknown, write: (call: BackendCall) => unknown = () => ({})) {
  return fakeBackend((call) => (call.method === 'GET' ? current() : write(call)));
}

function writes(fetch: jest.Mock): BackendCall[] {
  return fetch.mock.calls.map(([c]) => c).filter((c: BackendCall) => c.method !== 'GET');
}

function renderPage(id = INCIDENT_ID) {
  return render(
    <MemoryRouter initialEntries={[`${LIST}/${id}`]}>
      <Routes>
        <Route path={`${LIST}/:id`} element={<IncidentDetailPage />} />
        <Route path={LIST} element={<div>Incident list</div>} />
      </Routes>
    </MemoryRouter>
  );
}

beforeEach(() => {
  jest.mocked(getDataSourceSrv).mockClear();
  asRole('Editor');
});

describe('IncidentDetailPage', () => {
  it('renders the saved analysis without querying any datasource', async () => {
    backend(() => incident());
    renderPage();
    expect(await screen.findByRole('heading', { name: 'checkout: 5xx errors' })).toBeInTheDocument();
    expect(screen.getByTestId(testIds.incidents.status)).toHaveTextContent('Open');
    expect(screen.getByText('2025-01-01 11:02:03 by alice')).toBeInTheDocument();

    const analysis = screen.getByTestId(testIds.incidents.analysis);
    const stats = within(within(analysis).getByTestId(testIds.services.stats));
    expect(within(stats.getByLabelText('Burn rate (1h)')).getByText('10×')).toBeInTheDocument();
    expect(within(analysis).getAllByText(/Loki: too many outstanding requests/).length).toBeGreaterThan(0);
    expect(within(analysis).getByText(/no service graph metrics/)).toBeInTheDocument();

    const links = within(screen.getByTestId(testIds.incidents.links));
    expect(links.getByRole('link', { name: /Runbook/ })).toHaveAttribute('rel', 'noopener noreferrer');
    expect(links.getByRole('link', { name: 'Services page' })).not.toHaveAttribute('target');

    expect(getDataSourceSrv).not.toHaveBeenCalled();
  });

  it('says when an incident has no analysis it can draw', async () => {
    backend(() => incident({ analysis: {} }));
    renderPage();
    expect(await screen.findByText('No saved analysis')).toBeInTheDocument();
  });

  it('offers the allowed transitions, sends the PATCH and adds only the events it answers', async () => {
    const change = {
      id: 2,
      incidentId: INCIDENT_ID,
      time: '2025-01-01T11:05:00Z',
      user: 'bob',
      kind: 'change',
      message: 'status: open → investigating',
    };
    const fetch = backend(
      () => incident(),
      () =>
        incident({
          status: 'investigating',
          version: 2,
          allowedTransitions: ['mitigated', 'resolved'],
          events: [change],
        })
    );
    renderPage();
    const actions = within(await screen.findByTestId(testIds.incidents.actions));
    expect(actions.getAllByRole('button').map((b) => b.textContent)).toEqual([
      'Start investigating',
      'Mark mitigated',
      'Resolve',
    ]);
    await userEvent.click(actions.getByRole('button', { name: 'Start investigating' }));
    await waitFor(() => expect(screen.getByTestId(testIds.incidents.status)).toHaveTextContent('Investigating'));
    expect(writes(fetch)).toEqual([
      expect.objectContaining({
        method: 'PATCH',
        url: expect.stringMatching(new RegExp(`/incidents/${INCIDENT_ID}$`)),
        data: { status: 'investigating' },
      }),
    ]);
    expect(
      within(screen.getByTestId(testIds.incidents.actions))
        .getAllByRole('button')
        .map((b) => b.textContent)
    ).toEqual(['Mark mitigated', 'Resolve']);
    const timeline = within(screen.getByTestId(testIds.incidents.timeline));
    expect(timeline.getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      expect.stringContaining('created incident'),
      expect.stringContaining('status: open → investigating'),
    ]);
  });

  it('loads later timeline pages by cursor, and leaves new events to the page they are on', async () => {
    const event = (id: number, message: string) => ({
      id,
      incidentId: INCIDENT_ID,
      time: '2025-01-01T11:05:00Z',
      user: 'bob',
      kind: 'note',
      message,
    });
    const fetch = fakeBackend((call) => {
      if (call.method === 'GET' && call.url.includes('/events?cursor=e1')) {
        return { items: [event(2, 'second page note'), event(3, 'note from the PATCH')] };
      }
      if (call.method === 'GET') {
        return incident({ eventsNextCursor: 'e1' });
      }
      return incident({ title: 'renamed', version: 2, events: [event(3, 'note from the PATCH')] });
    });
    renderPage();
    const timeline = within(await screen.findByTestId(testIds.incidents.timeline));
    expect(timeline.getAllByRole('listitem')).toHaveLength(1);
    // A write while later pages are unread: its event comes with those pages, once.
    await userEvent.click(screen.getByRole('button', { name: 'Edit' }));
    const form = within(screen.getByTestId(testIds.incidents.editForm));
    await userEvent.type(form.getByLabelText('Assignee', { exact: false }), 'x');
    await userEvent.click(form.getByRole('button', { name: 'Save changes' }));
    await screen.findByRole('heading', { name: 'renamed' });
    expect(timeline.getAllByRole('listitem')).toHaveLength(1);
    await userEvent.click(timeline.getByRole('button', { name: 'Load later events' }));
    expect(await timeline.findByText('second page note')).toBeInTheDocument();
    expect(timeline.getAllByText('note from the PATCH')).toHaveLength(1);
    expect(timeline.queryByRole('button', { name: 'Load later events' })).not.toBeInTheDocument();
    expect(fetch.mock.calls.map(([c]) => c.url)).toContainEqual(
      expect.stringMatching(/\/events\?cursor=e1&limit=100$/)
    );
  });

  it('shows a link whose path browsers read as another host as text, not as a link', async () => {
    backend(() => incident({ links: [{ title: 'Sneaky', url: '/\\evil.com' }] }));
    renderPage();
    const links = within(await screen.findByTestId(testIds.incidents.links));
    expect(links.queryByRole('link')).not.toBeInTheDocument();
    expect(links.getByText('Sneaky: /\\evil.com')).toBeInTheDocument();
  });

  it('shows the backend sentence of a 409', async () => {
    const sentence = 'invalid status transition resolved → mitigated; allowed from resolved: [open]';
    backend(
      () => incident({ status: 'resolved', allowedTransitions: ['open'] }),
      () => {
        throw {
          status: 409,
          data: { error: sentence, field: 'status', from: 'resolved', to: 'mitigated', allowed: ['open'] },
        };
      }
    );
    renderPage();
    await userEvent.click(await screen.findByRole('button', { name: 'Reopen' }));
    expect(await screen.findByText(sentence)).toBeInTheDocument();
    expect(screen.getByText('Change refused')).toBeInTheDocument();
  });

  it('edits fields with the version it read, from a labelled form', async () => {
    const fetch = backend(
      () => incident({ version: 4 }),
      (call) => incident({ ...(call.data as object), version: 5 })
    );
    renderPage();
    await userEvent.click(await screen.findByRole('button', { name: 'Edit' }));
    const form = within(screen.getByTestId(testIds.incidents.editForm));
    await userEvent.type(form.getByLabelText('Assignee', { exact: false }), 'bob');
    await userEvent.click(form.getByRole('radio', { name: 'Critical' }));
    await userEvent.click(form.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(screen.queryByTestId(testIds.incidents.editForm)).not.toBeInTheDocument());
    expect(writes(fetch)[0].data).toEqual({ severity: 'critical', assignee: 'bob', version: 4 });
    expect(screen.getByText('bob')).toBeInTheDocument();
  });

  it('adds a note to the timeline', async () => {
    const fetch = backend(
      () => incident(),
      () => ({
        id: 2,
        incidentId: INCIDENT_ID,
        time: '2025-01-01T11:10:00Z',
        user: 'bob',
        kind: 'note',
        message: 'rolled back v42',
      })
    );
    renderPage();
    const timeline = within(await screen.findByTestId(testIds.incidents.timeline));
    expect(timeline.getByRole('heading', { name: 'Timeline (oldest first)' })).toBeInTheDocument();
    await userEvent.type(timeline.getByLabelText('Note'), 'rolled back v42');
    await userEvent.click(timeline.getByRole('button', { name: 'Add note' }));
    expect(await timeline.findByText('rolled back v42')).toBeInTheDocument();
    expect(writes(fetch)).toEqual([
      expect.objectContaining({
        method: 'POST',
        url: expect.stringMatching(/\/events$/),
        data: { message: 'rolled back v42' },
      }),
    ]);
    expect(timeline.getAllByRole('listitem')).toHaveLength(2);
    expect(timeline.getByLabelText('Note')).toHaveValue('');
  });

  it('shows no write actions to a Viewer', async () => {
    asRole('Viewer');
    backend(() => incident());
    renderPage();
    await screen.findByRole('heading', { name: 'checkout: 5xx errors' });
    expect(screen.queryByTestId(testIds.incidents.actions)).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Edit' })).not.toBeInTheDocument();
    expect(screen.queryByTestId(testIds.incidents.noteForm)).not.toBeInTheDocument();
    expect(screen.queryByTestId(testIds.incidents.delete)).not.toBeInTheDocument();
    expect(screen.getByText(/Viewers can.t change incidents/)).toBeInTheDocument();
  });

  it('lets only an Admin delete, after confirming', async () => {
    backend(() => incident());
    const { unmount } = renderPage();
    await screen.findByRole('heading', { name: 'checkout: 5xx errors' });
    expect(screen.queryByTestId(testIds.incidents.delete)).not.toBeInTheDocument();
    unmount();

    asRole('Admin');
    const fetch = backend(
      () => incident(),
      () => ({})
    );
    renderPage();
    await userEvent.click(await screen.findByTestId(testIds.incidents.delete));
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));
    expect(await screen.findByText('Incident list')).toBeInTheDocument();
    expect(writes(fetch)).toEqual([expect.objectContaining({ method: 'DELETE' })]);
  });

  it('says "Incident not found" for a 404, such as another org\'s incident', async () => {
    backend(() => {
      throw { status: 404, data: { error: 'incident not found', field: 'id' } };
    });
    renderPage();
    expect(await screen.findByText('Incident not found')).toBeInTheDocument();
  });

  it('hands off: opens the saved range on Services and saves the backend Markdown, for Viewers too', async () => {
    asRole('Viewer');
    const downloads = captureDownloads();
    const fetch = fakeBackend((call) => (call.url.endsWith('/export.md') ? '# checkout: 5xx errors\n' : incident()));
    renderPage();
    const handOff = within(await screen.findByTestId(testIds.incidents.handOff));
    expect(handOff.getByRole('link', { name: /Open the saved range/ })).toHaveAttribute(
      'href',
      `/a/rcp-reliability-app/services?service=checkout&from=${FROM_MS}&to=${TO_MS}`
    );
    await userEvent.click(handOff.getByRole('button', { name: 'Export as Markdown' }));
    await waitFor(() => expect(downloads.click).toHaveBeenCalledTimes(1));
    expect(fetch).toHaveBeenCalledWith(
      expect.objectContaining({
        method: 'GET',
        url: `/api/plugins/rcp-reliability-app/resources/incidents/${INCIDENT_ID}/export.md`,
        responseType: 'text',
      })
    );
    expect(downloads.saved[0].type).toBe('text/markdown');
    expect(await downloads.text()).toBe('# checkout: 5xx errors\n');
    downloads.restore();
  });

  it('says why an export failed', async () => {
    fakeBackend((call) => {
      if (call.url.endsWith('/export.md')) {
        throw { status: 503, data: { error: 'incident store unavailable' } };
      }
      return incident();
    });
    renderPage();
    const handOff = within(await screen.findByTestId(testIds.incidents.handOff));
    await userEvent.click(handOff.getByRole('button', { name: 'Export as Markdown' }));
    expect(await handOff.findByText('Export failed')).toBeInTheDocument();
    expect(handOff.getByText(/incident store unavailable/)).toBeInTheDocument();
  });
});
