import React from 'react';
import { of } from 'rxjs';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { PluginType } from '@grafana/data';
import { getBackendSrv, getDataSourceSrv } from '@grafana/runtime';
import { testIds } from '../../testIds';
import AppConfig, { type AppConfigProps } from './AppConfig';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: jest.fn(),
  getDataSourceSrv: jest.fn(),
  DataSourcePicker: ({ inputId, current }: { inputId: string; current: string | null }) => (
    <input id={inputId} aria-label={inputId} readOnly value={current ?? ''} />
  ),
}));

const datasources = [
  { uid: 'prom-1', type: 'prometheus' },
  { uid: 'prom-2', type: 'prometheus' },
  { uid: 'loki-1', type: 'loki' },
];

// No delay between simulated keys: each key re-renders the whole form, and the default
// setTimeout per key made these tests time out on a busy machine.
const user = userEvent.setup({ delay: null });

function renderConfig(jsonData: Record<string, unknown> = {}) {
  const fetch = jest.fn(() => of({ data: {} }));
  jest.mocked(getBackendSrv).mockReturnValue({ fetch } as never);
  jest
    .mocked(getDataSourceSrv)
    .mockReturnValue({ getList: ({ type }: { type: string }) => datasources.filter((d) => d.type === type) } as never);
  const props = {
    plugin: { meta: { id: 'rcp-reliability-app', name: 'RCP', type: PluginType.app, enabled: true, jsonData } },
    query: {},
  } as unknown as AppConfigProps;
  render(<AppConfig {...props} />);
  return fetch;
}

describe('AppConfig', () => {
  const reload = jest.fn();
  beforeAll(() => {
    Object.defineProperty(window, 'location', { value: { ...window.location, reload }, writable: true });
  });

  it('defaults to the first datasource of each type and the OpenTelemetry preset', () => {
    renderConfig();
    expect(screen.getByLabelText('rcp-ds-prometheus')).toHaveValue('prom-1');
    expect(screen.getByLabelText('rcp-ds-loki')).toHaveValue('loki-1');
    expect(screen.getByLabelText('rcp-ds-tempo')).toHaveValue('');
    expect(screen.getByLabelText(/^Requests counter/)).toHaveValue('http_server_request_duration_seconds_count');
    expect(screen.getByLabelText('Default objective (%)')).toHaveValue(99.9);
  });

  it('fills every name from a preset, and keeps them editable', async () => {
    renderConfig();
    await user.click(screen.getByRole('radio', { name: 'Tempo span metrics' }));
    expect(screen.getByLabelText(/^Requests counter/)).toHaveValue('traces_spanmetrics_calls_total');
    expect(screen.getByLabelText(/^Failed status \(regex\)/)).toHaveValue('STATUS_CODE_ERROR');
    await user.clear(screen.getByLabelText(/^Service label/));
    // One paste is one re-render; typing is one per character.
    await user.paste('service_name');
    expect(screen.getByLabelText(/^Service label/)).toHaveValue('service_name');
  });

  it('saves the settings as jsonData', async () => {
    const fetch = renderConfig();
    await user.click(screen.getByLabelText('Service for a new objective'));
    await user.paste('payments');
    await user.click(screen.getByRole('button', { name: /Add per-service objective/ }));
    await user.click(screen.getByLabelText('One week earlier'));
    await user.click(screen.getByTestId(testIds.appConfig.submit));
    await waitFor(() => expect(fetch).toHaveBeenCalled());
    const request = (fetch.mock.calls[0] as unknown as [{ url: string; data: { jsonData: Record<string, any> } }])[0];
    expect(request.url).toBe('/api/plugins/rcp-reliability-app/settings');
    expect(request.data.jsonData.datasources.prometheusUid).toBe('prom-1');
    expect(request.data.jsonData.slo.overrides).toEqual({ payments: { objectivePercent: 99.9, periodDays: 30 } });
    expect(request.data.jsonData.baseline).toBe('week');
    await waitFor(() => expect(reload).toHaveBeenCalled());
  });

  it('refuses an impossible objective with a message', async () => {
    renderConfig();
    const objective = screen.getByLabelText('Default objective (%)');
    await user.clear(objective);
    await user.paste('120');
    expect(screen.getByText(/Objective must be a percentage above 0 and at most 100/)).toBeInTheDocument();
    expect(screen.getByTestId(testIds.appConfig.submit)).toBeDisabled();
  });
});
