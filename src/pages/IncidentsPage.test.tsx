import React, { useEffect } from 'react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router-dom';
import { NEVER } from 'rxjs';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { getBackendSrv } from '@grafana/runtime';
import type { IncidentSummary } from '../data/incidents/api';
import { fakeBackend } from '../test/fakeBackend';
import { testIds } from '../testIds';
import IncidentsPage from './IncidentsPage';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: jest.fn(),
  PluginPage: ({ children }: { children: React.ReactNode }) => <div>{children}</div>,
}));

const BASE = '/a/rcp-reliability-app/incidents';

// The first EmptyState renders its illustration, which takes seconds on a shared CI machine.
jest.setTimeout(20_000);

function summary(n: number, overrides: Partial<IncidentSummary> = {}): IncidentSummary {
  return {
    id: `01JD2X8M3Q4W5E6R7T8Y9U0I${String(n).padStart(2, '0')}`,
    orgId: 1,
    service: 'checkout',
    title: `Incident ${n}`,
    severity: 'high',
    status: 'open',
    assignee: '',
    notes: '',
    timeRange: { from: '2025-01-01T10:00:00Z', to: '2025-01-01T11:00:00Z' },
    links: [],
    createdBy: 'alice',
    createdAt: `2025-01-0${n}T11:00:00Z`,
    updatedAt: `2025-01-0${n}T11:00:00Z`,
    version: 1,
    ...overrides,
  };
}

type Answer = (url: string) => unknown;

function backend(answer: Answer) {
  return fakeBackend(({ url }) => answer(url));
}

function queryOf(fetch: jest.Mock, i: number): URLSearchParams {
  return new URL(fetch.mock.calls[i][0].url, 'http://x').searchParams;
}

let location = '';
function LocationSpy({ onChange }: { onChange: (search: string) => void }) {
  const { search } = useLocation();
  useEffect(() => onChange(search), [onChange, search]);
  return null;
}
const seeLocation = (search: string) => {
  location = search;
};

function renderPage(url = BASE) {
  return render(
    <MemoryRouter initialEntries={[url]}>
      <Routes>
        <Route
          path={BASE}
          element={
            <>
              <IncidentsPage />
              <LocationSpy onChange={seeLocation} />
            </>
          }
        />
      </Routes>
    </MemoryRouter>
  );
}

describe('IncidentsPage', () => {
  it('shows the loading state until the backend answers', () => {
    jest.mocked(getBackendSrv).mockReturnValue({ fetch: jest.fn(() => NEVER) } as never);
    renderPage();
    expect(screen.getByText('Loading incidents…')).toBeInTheDocument();
  });

  it('lists incidents newest first, each linking to its detail', async () => {
    backend(() => ({ items: [summary(2, { severity: 'critical', status: 'investigating' }), summary(1)], total: 2 }));
    renderPage();
    const rows = await screen.findAllByTestId(testIds.incidents.row);
    expect(rows.map((r) => within(r).getByRole('link').textContent)).toEqual(['Incident 2', 'Incident 1']);
    expect(within(rows[0]).getByRole('link')).toHaveAttribute('href', `${BASE}/${summary(2).id}`);
    expect(within(rows[0]).getByText('Critical')).toBeInTheDocument();
    expect(within(rows[0]).getByText('Investigating')).toBeInTheDocument();
    expect(screen.getByText('2 of 2 incidents, newest first')).toBeInTheDocument();
    expect(screen.queryByTestId(testIds.incidents.loadMore)).not.toBeInTheDocument();
  });

  it('says how to create the first incident when there is none', async () => {
    backend(() => ({ items: [], total: 0 }));
    renderPage();
    expect(await screen.findByText('No incidents yet — save a snapshot from the Services page')).toBeInTheDocument();
  });

  it('shows the backend sentence when the list fails', async () => {
    backend(() => {
      throw { status: 503, data: { error: 'incident store unavailable: disk full' } };
    });
    renderPage();
    expect(await screen.findByText('incident store unavailable: disk full')).toBeInTheDocument();
    expect(screen.getByText('Incidents unavailable')).toBeInTheDocument();
  });

  it('sends the filters from the URL and keeps new ones in the URL', async () => {
    const fetch = backend(() => ({ items: [summary(1)], total: 1 }));
    renderPage(`${BASE}?service=checkout&status=open&createdFrom=2025-01-01&createdTo=2025-01-31`);
    await screen.findAllByTestId(testIds.incidents.row);
    const q = queryOf(fetch, 0);
    expect(Object.fromEntries(q)).toEqual({
      service: 'checkout',
      status: 'open',
      from: '2025-01-01T00:00:00.000Z',
      to: '2025-02-01T00:00:00.000Z',
      limit: '25',
      total: 'true',
    });

    await userEvent.click(screen.getByRole('radio', { name: 'Critical' }));
    await screen.findAllByTestId(testIds.incidents.row);
    expect(queryOf(fetch, fetch.mock.calls.length - 1).get('severity')).toBe('critical');
    expect(new URLSearchParams(location).get('severity')).toBe('critical');

    const service = screen.getByLabelText(/^Service/);
    await userEvent.clear(service);
    await userEvent.type(service, 'payments{Enter}');
    expect(new URLSearchParams(location).get('service')).toBe('payments');
    await screen.findAllByTestId(testIds.incidents.row);
    expect(queryOf(fetch, fetch.mock.calls.length - 1).get('service')).toBe('payments');
  });

  it('says so when filters match nothing', async () => {
    backend(() => ({ items: [], total: 0 }));
    renderPage(`${BASE}?severity=low`);
    expect(await screen.findByText('No incidents match these filters')).toBeInTheDocument();
  });

  it('loads the next page with the cursor and appends it', async () => {
    const fetch = backend((url) =>
      url.includes('cursor=')
        ? { items: [summary(1)], total: 2 }
        : { items: [summary(2)], total: 2, nextCursor: 'CUR1' }
    );
    renderPage();
    await userEvent.click(await screen.findByTestId(testIds.incidents.loadMore));
    expect(await screen.findByText('Incident 1')).toBeInTheDocument();
    expect(queryOf(fetch, 1).get('cursor')).toBe('CUR1');
    expect(screen.getAllByTestId(testIds.incidents.row)).toHaveLength(2);
    expect(screen.queryByTestId(testIds.incidents.loadMore)).not.toBeInTheDocument();
  });
});
