import React from 'react';
import { MemoryRouter } from 'react-router-dom';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { asRole, fakeBackend } from '../../test/fakeBackend';
import { testIds } from '../../testIds';
import { SaveSnapshotButton } from './SaveSnapshotButton';
import { FROM_MS, incident, savedAnalysis, TO_MS } from './testFixtures';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: jest.fn(),
}));

function backend(answer: () => unknown) {
  return fakeBackend(() => answer());
}

function renderButton(props: React.ComponentProps<typeof SaveSnapshotButton>) {
  return render(
    <MemoryRouter>
      <SaveSnapshotButton {...props} />
    </MemoryRouter>
  );
}

describe('SaveSnapshotButton', () => {
  it('lets an Editor save the analysis as an incident and links to it', async () => {
    asRole('Editor');
    const fetch = backend(() => incident({ id: '01JD2X8M3Q4W5E6R7T8Y9U0NEW', title: 'checkout: 5xx errors' }));
    const analysis = savedAnalysis();
    renderButton({ analysis });
    await userEvent.click(screen.getByTestId(testIds.incidents.snapshotButton));

    const form = within(await screen.findByTestId(testIds.incidents.snapshotModal));
    expect(form.getByLabelText(/^Title/)).toHaveValue('checkout: 5xx errors');
    // The slow paging rule fires at 10× burn: high.
    expect(form.getByRole('radio', { name: 'High' })).toBeChecked();
    await userEvent.click(form.getByRole('button', { name: 'Save' }));

    const result = within(await screen.findByTestId(testIds.incidents.snapshotResult));
    expect(result.getByRole('link')).toHaveAttribute(
      'href',
      '/a/rcp-reliability-app/incidents/01JD2X8M3Q4W5E6R7T8Y9U0NEW'
    );
    const [[call]] = fetch.mock.calls as unknown as Array<
      [{ method: string; url: string; data: Record<string, unknown> }]
    >;
    expect(call.method).toBe('POST');
    expect(call.url).toBe('/api/plugins/rcp-reliability-app/resources/incidents');
    expect(call.data).toEqual({
      service: 'checkout',
      title: 'checkout: 5xx errors',
      severity: 'high',
      timeRange: { from: new Date(FROM_MS).toISOString(), to: new Date(TO_MS).toISOString() },
      analysis,
      links: [
        {
          title: 'checkout on the Services page',
          url: `/a/rcp-reliability-app/services?service=checkout&from=${FROM_MS}&to=${TO_MS}`,
        },
      ],
    });
  });

  it('suggests critical when the fast paging rule fires', async () => {
    asRole('Admin');
    renderButton({ analysis: savedAnalysis(72) });
    await userEvent.click(screen.getByTestId(testIds.incidents.snapshotButton));
    expect(
      within(await screen.findByTestId(testIds.incidents.snapshotModal)).getByRole('radio', { name: 'Critical' })
    ).toBeChecked();
  });

  it('is disabled while the analysis loads', async () => {
    asRole('Editor');
    renderButton({ analysis: undefined });
    const button = screen.getByTestId(testIds.incidents.snapshotButton);
    // Grafana keeps a button with a tooltip focusable and marks it aria-disabled instead.
    expect(button).toHaveAttribute('aria-disabled', 'true');
    await userEvent.click(button);
    expect(screen.queryByTestId(testIds.incidents.snapshotModal)).not.toBeInTheDocument();
  });

  it('is disabled for a Viewer, with the reason', () => {
    asRole('Viewer');
    renderButton({ analysis: savedAnalysis() });
    const button = screen.getByTestId(testIds.incidents.snapshotButton);
    expect(button).toBeDisabled();
    expect(button).toHaveAccessibleDescription("Viewers can't save snapshots — ask an Editor or Admin");
  });

  it('shows the backend sentence when saving fails, and keeps the form', async () => {
    asRole('Editor');
    backend(() => {
      throw { status: 413, data: { error: 'request body exceeds 1048576 bytes' } };
    });
    renderButton({ analysis: savedAnalysis() });
    await userEvent.click(screen.getByTestId(testIds.incidents.snapshotButton));
    const form = within(await screen.findByTestId(testIds.incidents.snapshotModal));
    await userEvent.click(form.getByRole('button', { name: 'Save' }));
    expect(await form.findByText('request body exceeds 1048576 bytes')).toBeInTheDocument();
    expect(form.getByRole('button', { name: 'Save' })).toBeEnabled();
    expect(screen.queryByTestId(testIds.incidents.snapshotResult)).not.toBeInTheDocument();
  });
});
