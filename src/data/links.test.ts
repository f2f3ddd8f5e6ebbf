import { errorTracesExploreUrl, logsExploreUrl, traceExploreUrl } from './links';

function panes(url: string) {
  const params = new URLSearchParams(url.slice(url.indexOf('?') + 1));
  expect(params.get('schemaVersion')).toBe('1');
  return JSON.parse(params.get('panes')!);
}

describe('Explore links', () => {
  it('opens a trace with the Tempo datasource in the panes format', () => {
    const url = traceExploreUrl('tempo-uid', '4bf92f3577b34da6a3ce929d0e0e4736', 1000, 2000);
    expect(url.startsWith('/explore?')).toBe(true);
    const pane = Object.values(panes(url))[0] as {
      datasource: string;
      queries: Array<Record<string, unknown>>;
      range: unknown;
    };
    expect(pane.datasource).toBe('tempo-uid');
    expect(pane.queries[0]).toEqual({
      refId: 'A',
      datasource: { uid: 'tempo-uid', type: 'tempo' },
      queryType: 'traceql',
      query: '4bf92f3577b34da6a3ce929d0e0e4736',
    });
    expect(pane.range).toEqual({ from: '1000', to: '2000' });
  });

  it('carries a LogQL query with quotes and pipes intact', () => {
    const expr = '{service_name="checkout"} |~ `timeout after \\d+ms`';
    const parsed = Object.values(panes(logsExploreUrl('loki-uid', expr, 0, 1)))[0] as {
      datasource: string;
      queries: Array<Record<string, unknown>>;
      range: unknown;
    };
    expect(parsed.queries[0].expr).toBe(expr);
  });

  it("searches the service's error traces with TraceQL, quoting the name", () => {
    const url = errorTracesExploreUrl('tempo-uid', 'say "hi"', 0, 1);
    const pane = Object.values(panes(url!))[0] as { queries: Array<Record<string, unknown>> };
    expect(pane.queries[0]).toEqual({
      refId: 'A',
      datasource: { uid: 'tempo-uid', type: 'tempo' },
      queryType: 'traceql',
      query: '{ resource.service.name = "say \\"hi\\"" && status = error }',
    });
    expect(errorTracesExploreUrl('tempo-uid', 'two\nlines', 0, 1)).toBeUndefined();
  });
});
