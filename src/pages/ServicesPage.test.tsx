import React from 'react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { config, getDataSourceSrv } from '@grafana/runtime';
import { SettingsContext } from '../hooks/useSettings';
import { resolveSettings } from '../settings/presets';
import { testIds } from '../testIds';
import {
  dataSourceSrv,
  failingDatasource,
  fakeDatasource,
  lokiAnswering,
  pendingDatasource,
  prometheusAnswering,
  tempoAnswering,
  type FakeDatasource,
} from '../test/fakeDatasources';
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
    renderPage(
      [fakeDatasource('prom', 'prometheus', prometheusAnswering({ requests: 10, errors: 0, services: ['checkout'] }))],
      '/services'
    );
    expect(await screen.findByText('Pick a service')).toBeInTheDocument();
  });

  it('shows the loading state while Prometheus answers', async () => {
    renderPage([pendingDatasource('prom', 'prometheus')]);
    expect(await screen.findByText(/Loading metrics and slo/i)).toBeInTheDocument();
    expect(screen.getByTestId(testIds.services.metrics)).toHaveAttribute('aria-busy', 'true');
  });

  it('shows the figures computed from the datasource response', async () => {
    // 3600 requests and 36 errors over the hour: 1 req/s, 0.01 errors/s, 1 % errors = 10× burn at 99.9 %.
    const prom = fakeDatasource(
      'prom',
      'prometheus',
      prometheusAnswering({ requests: 3600, errors: 36, p95: 0.25, services: ['checkout'] })
    );
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

  it('keeps the figures on screen, marked as refreshing, while a refresh loads', async () => {
    const prom = fakeDatasource(
      'prom',
      'prometheus',
      prometheusAnswering({ requests: 3600, errors: 36, services: ['checkout'] })
    );
    const answerOnce = prom.query.getMockImplementation()!;
    let calls = 0;
    // The first load answers; the refresh never does.
    prom.query.mockImplementation((request) => (calls++ < 3 ? answerOnce(request) : new Promise(() => undefined)));
    renderPage([prom]);
    await screen.findByTestId(testIds.services.stats);
    await userEvent.click(screen.getByTestId('data-testid RefreshPicker run button'));
    const metrics = screen.getByTestId(testIds.services.metrics);
    await waitFor(() => expect(metrics).toHaveAttribute('aria-busy', 'true'));
    expect(within(metrics).getByText(/refreshing/)).toBeInTheDocument();
    expect(stat('Request rate')).toBe('1 req/s');
  });

  it('names a failing datasource and its reason', async () => {
    renderPage([failingDatasource('prom', 'prometheus', 'connection refused')]);
    const section = await screen.findByTestId(testIds.services.metrics);
    await waitFor(() =>
      expect(within(section).getByText(/Prometheus: connection refused \(HTTP 502\)/)).toBeInTheDocument()
    );
  });

  it('names a datasource that does not exist', async () => {
    renderPage([]);
    expect((await screen.findAllByText(/Prometheus: datasource prom not found/)).length).toBeGreaterThan(0);
  });
});

const TRACE_A = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACE_B = '00f067aa0ba902b7a3ce929d0e0e4736';

// Inside the page's default range, the last hour.
const BASE_MS = Date.now() - 30 * 60_000;

function errorLine(i: number, traceId: string) {
  return {
    timestampMs: BASE_MS + i * 1000,
    line: JSON.stringify({
      level: 'error',
      message: `payment provider timeout after ${2000 + i}ms for order ${1000 + i}`,
      route: '/checkout',
      status: 502,
      trace_id: traceId,
    }),
  };
}

describe('ServicesPage analysis sections', () => {
  const prometheus = () =>
    fakeDatasource('prom', 'prometheus', prometheusAnswering({ requests: 3600, errors: 360, services: ['checkout'] }));
  const lines = [
    ...Array.from({ length: 8 }, (_, i) => errorLine(i, i % 2 ? TRACE_A : TRACE_B)),
    { timestampMs: BASE_MS + 100_000, line: 'level=error msg="db connection reset" route=/cart status=500' },
  ];
  const tempo = () =>
    fakeDatasource(
      'tempo',
      'tempo',
      tempoAnswering({
        [TRACE_A]: [
          {
            spanID: 'a',
            parentSpanID: '',
            serviceName: 'checkout',
            operationName: 'POST /checkout',
            startTime: 1_700_000_000_000,
            duration: 2100,
            statusCode: 2,
          },
          {
            spanID: 'b',
            parentSpanID: 'a',
            serviceName: 'payments',
            operationName: 'charge',
            startTime: 1_700_000_000_010,
            duration: 2050,
            statusCode: 2,
          },
        ],
      })
    );

  it('shows the dominant pattern, confidence factors, blast radius and traces', async () => {
    renderPage([prometheus(), fakeDatasource('loki', 'loki', lokiAnswering(lines, [0, 0, 8, 1])), tempo()]);
    const patterns = await screen.findByTestId(testIds.services.patterns);
    await waitFor(() => expect(within(patterns).getByText('Dominant failure')).toBeInTheDocument());
    expect(within(patterns).getAllByText(/payment provider timeout after <\*>/).length).toBeGreaterThan(0);

    const confidence = screen.getByTestId(testIds.services.confidence);
    await waitFor(() => expect(within(confidence).getByLabelText('Confidence score').textContent).toMatch(/^\d+ %$/));
    expect(within(confidence).getByText('Pattern dominance')).toBeInTheDocument();

    const traces = screen.getByTestId(testIds.services.traces);
    await waitFor(() => expect(within(traces).getByText(TRACE_A)).toBeInTheDocument());
    expect(within(traces).getByText('checkout · POST /checkout')).toBeInTheDocument();
    expect(within(traces).getByText('2.1 s')).toBeInTheDocument();
    expect(within(traces).getByText(/Not found in Tempo/)).toBeInTheDocument();
    expect(within(traces).getByText(TRACE_A).closest('a')?.getAttribute('href')).toMatch(/^\/explore\?.*panes=/);

    const blast = screen.getByTestId(testIds.services.blastRadius);
    await waitFor(() => expect(within(blast).getByLabelText('Impact')).toBeInTheDocument());
    expect(within(blast).getByText(/dependencies from the spans of the traces fetched/)).toBeInTheDocument();
  });

  it('shows each section loading while its datasource answers', async () => {
    renderPage([prometheus(), pendingDatasource('loki', 'loki'), tempo()]);
    await screen.findByTestId(testIds.services.stats);
    // Without service-graph edges in Prometheus, the blast radius waits for the spans of the traces.
    for (const id of [
      testIds.services.patterns,
      testIds.services.confidence,
      testIds.services.traces,
      testIds.services.blastRadius,
    ]) {
      expect(screen.getByTestId(id)).toHaveAttribute('aria-busy', 'true');
    }
    expect(screen.getByTestId(testIds.services.metrics)).toHaveAttribute('aria-busy', 'false');
  });

  it('lets an Editor save a snapshot once every section has settled', async () => {
    config.bootData.user.orgRole = 'Editor' as never;
    renderPage([
      prometheus(),
      fakeDatasource('loki', 'loki', lokiAnswering(lines, [0, 0, 8, 1])),
      pendingDatasource('tempo', 'tempo'),
    ]);
    const button = await screen.findByTestId(testIds.incidents.snapshotButton);
    await screen.findByTestId(testIds.services.stats);
    // Tempo never answers: the traces are still loading, so there is nothing complete to save yet.
    expect(within(screen.getByTestId(testIds.services.traces)).getByText(/Loading/)).toBeInTheDocument();
    // Grafana keeps a button with a tooltip focusable and marks it aria-disabled instead.
    expect(button).toHaveAttribute('aria-disabled', 'true');
  });

  it('saves a snapshot when everything answered, even with a failed section', async () => {
    config.bootData.user.orgRole = 'Editor' as never;
    renderPage([prometheus(), failingDatasource('loki', 'loki', 'down'), tempo()]);
    const button = await screen.findByTestId(testIds.incidents.snapshotButton);
    await waitFor(() => expect(button).not.toHaveAttribute('aria-disabled', 'true'));
    expect(button).toBeEnabled();
  });

  it('keeps the metrics when Loki fails, and names Loki where it is needed', async () => {
    renderPage([prometheus(), failingDatasource('loki', 'loki', 'too many outstanding requests'), tempo()]);
    await screen.findByTestId(testIds.services.stats);
    const patterns = screen.getByTestId(testIds.services.patterns);
    await waitFor(() => expect(within(patterns).getByText(/Loki: too many outstanding requests/)).toBeInTheDocument());
    expect(
      within(screen.getByTestId(testIds.services.confidence)).getByText(/Needs both metrics and logs/)
    ).toBeInTheDocument();
    expect(
      within(screen.getByTestId(testIds.services.traces)).getByText(/error logs, which are unavailable/)
    ).toBeInTheDocument();
  });

  it('shows empty states when there are no error lines', async () => {
    renderPage([prometheus(), fakeDatasource('loki', 'loki', lokiAnswering([])), tempo()]);
    const patterns = await screen.findByTestId(testIds.services.patterns);
    await waitFor(() => expect(within(patterns).getByText('No error lines in this range.')).toBeInTheDocument());
    expect(
      await within(screen.getByTestId(testIds.services.traces)).findByText(/name no trace ids/)
    ).toBeInTheDocument();
    expect(
      await within(screen.getByTestId(testIds.services.confidence)).findByText('No root cause')
    ).toBeInTheDocument();
  });
});
