import React from 'react';
import { render, screen, within } from '@testing-library/react';
import { compareWithBaseline } from '../../engine/baseline';
import { computeRootCause, type ServiceEvidence } from '../../engine/rootCause';
import { testIds } from '../../testIds';
import { RootCauseSection } from './RootCauseSection';

function service(name: string, errors: number, template?: string, route = '/x'): ServiceEvidence {
  return {
    service: name,
    metrics: { requests: 1000, errors, errorsByRoute: errors > 0 ? { [route]: errors } : {}, errorSeries: [] },
    logs: {
      totalErrorLines: template ? errors : 0,
      patterns: template
        ? [{ template, route, status: '503', count: errors, baseline: compareWithBaseline(errors, 0) }]
        : [],
    },
  };
}

const downstreamFailure = {
  viewed: 'sample-app',
  services: [
    service('sample-app', 120, 'checkout failed for order <*> payments returned <*> after <*>', '/checkout'),
    service('payments', 130, 'payment provider timeout after <*> for order <*>', '/charge'),
  ],
  edges: [{ client: 'sample-app', server: 'payments', requests: 400, failed: 125 }],
};

describe('RootCauseSection', () => {
  it('shows its loading state', () => {
    render(<RootCauseSection data={{ status: 'loading' }} />);
    expect(screen.getByTestId(testIds.services.rootCause)).toHaveAttribute('aria-busy', 'true');
    expect(screen.getByText(/Loading probable root cause/)).toBeInTheDocument();
  });

  it('names the cause with its path, score and evidence', () => {
    render(<RootCauseSection data={{ status: 'success', value: computeRootCause(downstreamFailure) }} />);
    const section = screen.getByTestId(testIds.services.rootCause);
    expect(within(section).getAllByText('Probable root cause')).toHaveLength(2); // the title and the badge
    expect(screen.getByTestId(testIds.services.rootCauseTop)).toHaveTextContent(
      /Probable root cause: payments \/charge "payment provider timeout after <\*> for order <\*>" \(score \d+\), path sample-app → payments\./
    );
    const evidence = within(section).getByRole('list', { name: 'Evidence' });
    expect(
      within(evidence).getByText('payments has 130 failed requests and no failing dependency of its own')
    ).toBeInTheDocument();
    expect(within(evidence).getByText('120 error lines of sample-app name payments')).toBeInTheDocument();
    // The symptom is listed among the candidates, below the cause.
    const rows = within(section).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getByRole('rowheader').textContent)).toEqual([
      'payments /charge',
      'sample-app /checkout',
    ]);
  });

  it('says when there is no root cause', () => {
    const result = computeRootCause({ viewed: 'payments', services: [service('payments', 0)], edges: [] });
    render(<RootCauseSection data={{ status: 'success', value: result }} />);
    expect(screen.getByText('No root cause')).toBeInTheDocument();
    expect(screen.getByTestId(testIds.services.rootCauseTop)).toHaveTextContent(
      'No root cause: no server errors in payments or in the services it calls or is called by over failing edges.'
    );
    expect(screen.queryByRole('list', { name: 'Evidence' })).not.toBeInTheDocument();
  });

  it('marks partial data and a cause outside what we can see', () => {
    const result = computeRootCause({
      ...downstreamFailure,
      services: [downstreamFailure.services[0], { service: 'payments', metrics: null, logs: null }],
    });
    render(<RootCauseSection data={{ status: 'success', value: result }} />);
    expect(screen.getByText('Cause may be outside what we can see')).toBeInTheDocument();
    expect(screen.getByText('Partial data')).toBeInTheDocument();
    expect(screen.getByText(/Could not fetch payments: metrics, payments: logs/)).toBeInTheDocument();
  });

  it('shows why the section failed', () => {
    render(<RootCauseSection data={{ status: 'error', error: new Error('Prometheus: connection refused') }} />);
    expect(screen.getByText(/Probable root cause unavailable/)).toBeInTheDocument();
  });
});
