import React from 'react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { render, screen, waitFor, within } from '@testing-library/react';
import { getDataSourceSrv } from '@grafana/runtime';
import { SettingsContext } from '../hooks/useSettings';
import { resolveSettings } from '../settings/presets';
import { testIds } from '../testIds';
import { dataSourceSrv, failingDatasource, fakeDatasource, pendingDatasource, prometheusAnswering, type FakeDatasource } from '../test/fakeDatasources';
import ServicesPage from './ServicesPage';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getDataSourceSrv: jest.fn(),
  PluginPage: ({ children }: { children: React.ReactNode }) => <div>{children}</div>,
  PanelRenderer: ({ title }: { title: string }) => <div data-testid="panel">{title}</div>,
}));

const settings = resolveSettings({ datasources: { prometheusUid: 'prom', lokiUid: 'loki', tempoUid: 'tempo' } });

function renderPage(datasources: FakeDatasource[], url = '/services?service=checkout&from=now-1h&to=now') {
  jest.mocked(getDataSourceSrv).mockReturnValue(dataSourceSrv(datasources) as never);
  return render(
    <SettingsContext.Provider value={settings}>
      <MemoryRouter initialEntries={[url]}>
        <Routes>
          <Route path="/services" element={<ServicesPage />} />
        </Routes>
      </MemoryRouter>
    </SettingsContext.Provider>
  );
}

function stat(label: string): string {
  const stats = within(screen.getByTestId(testIds.services.stats));
  return within(stats.getByLabelText(label)).getAllByText(/./)[1].textContent ?? '';
}

describe('ServicesPage', () => {
  it('asks for a service when none is chosen', async () => {
    renderPage([fakeDatasource('prom', 'prometheus', prometheusAnswering({ requests: 10, errors: 0, services: ['checkout'] }))], '/services');
    expect(await screen.findByText('Pick a service')).toBeInTheDocument();
  });

  it('shows the loading state while Prometheus answers', async () => {
    renderPage([pendingDatasource('prom', 'prometheus')]);
    expect(await screen.findByText(/Loading metrics and slo/i)).toBeInTheDocument();
    expect(screen.getByTestId(testIds.services.metrics)).toHaveAttribute('aria-busy', 'true');
  });

  it('shows the figures computed from the datasource response', async () => {
    // 3600 requests and 36 errors over the hour: 1 req/s, 0.01 errors/s, 1 % errors = 10× burn at 99.9 %.
    const prom = fakeDatasource('prom', 'prometheus', prometheusAnswering({ requests: 3600, errors: 36, p95: 0.25, services: ['checkout'] }));
    renderPage([prom]);
    await screen.findByTestId(testIds.services.stats);
    expect(stat('Request rate')).toBe('1 req/s');
    expect(stat('Error rate (5xx)')).toBe('0.01 req/s');
    expect(stat('Latency p95')).toBe('250 ms');
    expect(stat('Burn rate (1h)')).toBe('10×');
    expect(screen.getByText(/page · 6× over 6h and 30m: firing/)).toBeInTheDocument();
    expect(screen.getAllByTestId('panel').map((p) => p.textContent)).toEqual(['Request and error rate', 'Latency p95']);
    // Every query went through the datasource API, against the configured Prometheus.
    const exprs = prom.query.mock.calls.flatMap(([req]) => req.targets.map((t: { expr: string }) => t.expr));
    expect(exprs.some((e: string) => e.includes('service_name="checkout"'))).toBe(true);
  });

  it('shows "no traffic" and 0 req/s, never NaN, when nothing was received', async () => {
    renderPage([fakeDatasource('prom', 'prometheus', prometheusAnswering({ requests: 0, errors: 0 }))]);
    expect(await screen.findByText('No traffic in the selected range')).toBeInTheDocument();
    expect(stat('Request rate')).toBe('0 req/s');
    expect(stat('Error rate (5xx)')).toBe('0 req/s');
    expect(stat('Time to exhaustion')).toBe('no traffic');
    expect(document.body.textContent).not.toMatch(/NaN|Infinity/);
  });

  it('names a failing datasource and its reason', async () => {
    renderPage([failingDatasource('prom', 'prometheus', 'connection refused')]);
    const section = await screen.findByTestId(testIds.services.metrics);
    await waitFor(() => expect(within(section).getByText(/Prometheus: connection refused \(HTTP 502\)/)).toBeInTheDocument());
  });

  it('names a datasource that does not exist', async () => {
    renderPage([]);
    expect(await screen.findByText(/Prometheus: datasource prom not found/)).toBeInTheDocument();
  });
});
