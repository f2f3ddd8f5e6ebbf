import React from 'react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router-dom';
import { fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { getDataSourceSrv } from '@grafana/runtime';
import { SettingsContext } from '../hooks/useSettings';
import { resolveSettings } from '../settings/presets';
import { testIds } from '../testIds';
import {
  dataSourceSrv,
  failingDatasource,
  fakeDatasource,
  pendingDatasource,
  prometheusAnsweringFleet,
  type FakeDatasource,
} from '../test/fakeDatasources';
import { captureDownloads } from '../test/downloads';
import OverviewPage from './OverviewPage';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getDataSourceSrv: jest.fn(),
  PluginPage: ({ children }: { children: React.ReactNode }) => <div>{children}</div>,
}));

const settings = resolveSettings({
  datasources: { prometheusUid: 'prom' },
  // 0.4 % errors is a ticket at 99.9 % but healthy at 99 %.
  slo: {
    default: { objectivePercent: 99.9, periodDays: 30 },
    overrides: { lenient: { objectivePercent: 99, periodDays: 7 } },
  },
});

function Location() {
  const location = useLocation();
  return <output data-testid="location">{location.search}</output>;
}

function renderPage(datasources: FakeDatasource[], url = '/overview?from=now-1h&to=now') {
  jest.mocked(getDataSourceSrv).mockReturnValue(dataSourceSrv(datasources) as never);
  return render(
    <SettingsContext.Provider value={settings}>
      <MemoryRouter initialEntries={[url]}>
        <Routes>
          <Route
            path="/overview"
            element={
              <>
                <OverviewPage />
                <Location />
              </>
            }
          />
        </Routes>
      </MemoryRouter>
    </SettingsContext.Provider>
  );
}

const FLEET = {
  checkout: { requests: 10_000, errors: 1 },
  lenient: { requests: 10_000, errors: 40 },
  idle: { requests: 0, errors: 0 },
  payments: { requests: 10_000, errors: 300 },
  search: { requests: 10_000, errors: 40 },
};

async function rows(): Promise<string[]> {
  const table = await screen.findByTestId(testIds.overview.table);
  return within(table)
    .getAllByTestId(testIds.overview.row)
    .map((r) => within(r).getByRole('link').textContent ?? '');
}

function row(service: string): HTMLElement {
  return screen.getAllByTestId(testIds.overview.row).find((r) => within(r).queryByText(service, { selector: 'a' }))!;
}

describe('OverviewPage', () => {
  it('ranks firing page rules first, then ticket, healthy, and no traffic last', async () => {
    renderPage([fakeDatasource('prom', 'prometheus', prometheusAnsweringFleet(FLEET))]);
    // Healthy ones by budget left: lenient has spent 40 % of its 99 % budget, checkout 10 % of its 99.9 %.
    expect(await rows()).toEqual(['payments', 'search', 'lenient', 'checkout', 'idle']);
    expect(within(row('payments')).getByText('Page firing')).toBeInTheDocument();
    expect(within(row('search')).getByText('Ticket firing')).toBeInTheDocument();
    // Its own objective: 0.4 % errors at 99 % is healthy.
    expect(within(row('lenient')).getByText('OK')).toBeInTheDocument();
    expect(within(row('lenient')).getByText('99 % over 7 d')).toBeInTheDocument();
    // 3 % errors at 99.9 % over one hour: 30×.
    expect(within(row('payments')).getAllByText('30×')).toHaveLength(2);
  });

  it('shows a service without traffic as such, not as healthy zeros', async () => {
    renderPage([fakeDatasource('prom', 'prometheus', prometheusAnsweringFleet(FLEET))]);
    await rows();
    const idle = within(row('idle'));
    expect(idle.getByText('No traffic')).toBeInTheDocument();
    expect(idle.getAllByText('no traffic').length).toBeGreaterThanOrEqual(2);
    expect(idle.queryByText('0 %')).not.toBeInTheDocument();
  });

  it('asks Prometheus once per figure for all services, by the service label', async () => {
    const prom = fakeDatasource('prom', 'prometheus', prometheusAnsweringFleet(FLEET));
    renderPage([prom]);
    await rows();
    const targets = prom.query.mock.calls.flatMap(([req]) => req.targets as Array<{ refId: string; expr: string }>);
    // services, range (3), two SLO periods (30 d and 7 d, 2 each), 7 burn windows (2 each), the sparkline.
    expect(targets).toHaveLength(1 + 3 + 4 + 14 + 1);
    expect(prom.query).toHaveBeenCalledTimes(2);
    expect(targets.every((t) => !t.expr.includes('service_name='))).toBe(true);
    expect(targets.filter((t) => t.refId !== 'services').every((t) => /by \((le, )?service_name\)/.test(t.expr))).toBe(
      true
    );
  });

  it('opens a service on the Services page over the same range', async () => {
    renderPage([fakeDatasource('prom', 'prometheus', prometheusAnsweringFleet(FLEET))], '/overview?from=now-6h&to=now');
    await rows();
    expect(within(row('payments')).getByRole('link')).toHaveAttribute(
      'href',
      '/a/rcp-reliability-app/services?service=payments&from=now-6h&to=now'
    );
  });

  it('searches, filters by state and sorts, keeping them in the URL', async () => {
    renderPage(
      [fakeDatasource('prom', 'prometheus', prometheusAnsweringFleet(FLEET))],
      '/overview?from=now-1h&to=now&sort=name'
    );
    expect(await rows()).toEqual(['checkout', 'idle', 'lenient', 'payments', 'search']);
    fireEvent.change(screen.getByLabelText('Search services'), { target: { value: 'EN' } });
    expect(await rows()).toEqual(['lenient', 'payments']);
    await userEvent.click(screen.getByLabelText('Page firing (1)'));
    expect(await rows()).toEqual(['payments']);
    const search = new URLSearchParams(screen.getByTestId('location').textContent ?? '');
    expect(search.get('q')).toBe('EN');
    expect(search.get('state')).toBe('page');
    expect(search.get('sort')).toBe('name');
    fireEvent.change(screen.getByLabelText('Search services'), { target: { value: 'zzz' } });
    expect(await screen.findByText('No service matches the search and state filter.')).toBeInTheDocument();
    // Re-renders the table four times: more than jest's default 5 s on a loaded 2-core machine.
  }, 20_000);

  it('downloads the alert rules of the services shown', async () => {
    const downloads = captureDownloads();
    renderPage(
      [fakeDatasource('prom', 'prometheus', prometheusAnsweringFleet(FLEET))],
      '/overview?from=now-1h&to=now&q=len'
    );
    await rows();
    await userEvent.click(screen.getByTestId(testIds.overview.downloadRules));
    expect(downloads.click).toHaveBeenCalledTimes(1);
    const rules = await downloads.text();
    expect(rules.match(/- name: /g)).toHaveLength(1);
    // The service's own objective: 99 % is a budget of 0.01.
    expect(rules).toContain('sloth_service: "lenient"');
    expect(rules).toContain('> (14.4 * 0.01)');
    downloads.restore();
  });

  it('restores the filter from the URL', async () => {
    renderPage(
      [fakeDatasource('prom', 'prometheus', prometheusAnsweringFleet(FLEET))],
      '/overview?from=now-1h&to=now&state=no-traffic'
    );
    expect(await rows()).toEqual(['idle']);
  });

  it('says so when no service reports the metric', async () => {
    renderPage([fakeDatasource('prom', 'prometheus', prometheusAnsweringFleet({}))]);
    expect(
      await screen.findByText(/No service reports http_server_request_duration_seconds_count/)
    ).toBeInTheDocument();
  });

  it('shows the loading state, then the datasource error', async () => {
    const { unmount } = renderPage([pendingDatasource('prom', 'prometheus')]);
    expect(await screen.findByText(/Loading services/)).toBeInTheDocument();
    expect(screen.getByTestId(testIds.overview.fleet)).toHaveAttribute('aria-busy', 'true');
    unmount();
    renderPage([failingDatasource('prom', 'prometheus', 'connection refused')]);
    expect(await screen.findByText('Services unavailable')).toBeInTheDocument();
    expect(screen.getByText(/Prometheus: connection refused/)).toBeInTheDocument();
  });
});
