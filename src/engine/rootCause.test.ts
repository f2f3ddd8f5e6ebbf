import fc from 'fast-check';
import { compareWithBaseline } from './baseline';
import type { ServiceEdge, TraceSpan } from './blastRadius';
import { namesService } from './values';
import { computeRootCause, deepestErrorServices, type RootCausePattern, type ServiceEvidence } from './rootCause';

const T0 = 1_700_000_000_000;
const STEP = 15_000;

/** Error rate per step: quiet for `quiet` steps, then `rate` for the rest of 40 steps. */
function series(quiet: number, rate: number) {
  return Array.from({ length: 40 }, (_, i) => ({ t: T0 + i * STEP, v: i < quiet ? 0 : rate }));
}

function pattern(template: string, count: number, route: string, baselineCount = 0, status = '500'): RootCausePattern {
  return { template, route, status, count, baseline: compareWithBaseline(count, baselineCount) };
}

function svc(
  service: string,
  errors: number,
  patterns: RootCausePattern[],
  opts: { quiet?: number; requests?: number; errorsByRoute?: Record<string, number> } = {}
): ServiceEvidence {
  const byRoute =
    opts.errorsByRoute ?? Object.fromEntries(patterns.filter((p) => p.route).map((p) => [p.route!, p.count]));
  return {
    service,
    metrics: {
      requests: opts.requests ?? 1000,
      errors,
      errorsByRoute: errors > 0 ? byRoute : {},
      errorSeries: series(opts.quiet ?? 25, errors > 0 ? errors / 400 : 0),
    },
    logs: { totalErrorLines: patterns.reduce((a, p) => a + p.count, 0), patterns },
  };
}

function edge(client: string, server: string, requests: number, failed: number): ServiceEdge {
  return { client, server, requests, failed };
}

/** A trace from `services[0]` down to the last, every span failing. */
function failingTrace(id: string, services: string[]): TraceSpan[] {
  return services.map((service, i) => ({
    traceId: id,
    spanId: `${id}-${i}`,
    parentSpanId: i === 0 ? undefined : `${id}-${i - 1}`,
    service,
    error: true,
  }));
}

describe('computeRootCause', () => {
  it('names the deepest service of a chain of three, with the path to it', () => {
    const result = computeRootCause({
      viewed: 'front',
      services: [
        svc('front', 200, [pattern('checkout failed: orders returned <*>', 200, '/checkout')]),
        svc('orders', 210, [pattern('create order failed: stock returned <*>', 210, '/orders')]),
        svc('stock', 220, [pattern('stock db lock timeout after <*>', 220, '/reserve')]),
      ],
      edges: [edge('front', 'orders', 500, 200), edge('orders', 'stock', 500, 210)],
      spans: [...failingTrace('t1', ['front', 'orders', 'stock']), ...failingTrace('t2', ['front', 'orders', 'stock'])],
    });
    expect(result.status).toBe('found');
    const top = result.candidates[0];
    expect(top).toMatchObject({ service: 'stock', route: '/reserve', template: 'stock db lock timeout after <*>' });
    expect(top.path).toEqual(['front', 'orders', 'stock']);
    expect(top.evidence).toContain('stock has 220 failed requests and no failing dependency of its own');
    expect(top.evidence).toContain(
      "2 of 2 traces linked from front's error logs have their deepest error span in stock"
    );
    expect(top.evidence.some((e) => e.startsWith('the pattern is new: 220 in the range'))).toBe(true);
    // The symptoms rank below, and their patterns say why.
    expect(result.candidates.slice(1).map((c) => c.service)).toEqual(['orders', 'front']);
    expect(result.candidates[1].evidence[0]).toBe('the pattern names its failing dependency stock');
    expect(result.summary).toBe(
      'Probable root cause: stock /reserve "stock db lock timeout after <*>" (score 100), path front → orders → stock.'
    );
  });

  it('from the cause itself, the upstream callers are examined but rank below it', () => {
    const result = computeRootCause({
      viewed: 'stock',
      services: [
        svc('front', 200, [pattern('checkout failed: orders returned <*>', 200, '/checkout')]),
        svc('orders', 210, [pattern('create order failed: stock returned <*>', 210, '/orders')]),
        svc('stock', 220, [pattern('stock db lock timeout after <*>', 220, '/reserve')]),
      ],
      edges: [edge('front', 'orders', 500, 200), edge('orders', 'stock', 500, 210)],
    });
    expect(result.services).toEqual(['stock', 'front', 'orders']);
    expect(result.candidates[0].service).toBe('stock');
    expect(result.candidates[0].path).toEqual(['stock']);
  });

  it('in a fan-out, picks the failing dependency among healthy ones', () => {
    const result = computeRootCause({
      viewed: 'api',
      services: [
        svc('api', 90, [pattern('request failed: search returned <*>', 90, '/search')]),
        svc('users', 0, []),
        svc('search', 95, [pattern('index shard <*> unavailable', 95, '/query')]),
        svc('billing', 0, []),
      ],
      edges: [edge('api', 'users', 800, 0), edge('api', 'search', 600, 90), edge('api', 'billing', 300, 0)],
    });
    expect(result.services).toEqual(['api', 'search']);
    expect(result.candidates[0]).toMatchObject({ service: 'search', route: '/query' });
  });

  it('terminates on a failing cycle and still ranks the service with its own errors first', () => {
    const result = computeRootCause({
      viewed: 'a',
      services: [
        svc('a', 50, [pattern('call to b failed with <*>', 50, '/x')]),
        svc('b', 60, [pattern('disk full on <*>', 60, '/y')]),
      ],
      edges: [edge('a', 'b', 100, 50), edge('b', 'a', 100, 5)],
    });
    expect(result.services).toEqual(['a', 'b']);
    expect(result.candidates[0].service).toBe('b');
  });

  it('says the cause may be outside what we can see when the deepest failing service has no data', () => {
    const result = computeRootCause({
      viewed: 'shop',
      services: [
        svc('shop', 100, [pattern('quote failed: pricing returned <*>', 100, '/quote')]),
        { service: 'pricing', metrics: { requests: 0, errors: 0, errorsByRoute: {}, errorSeries: [] }, logs: null },
      ],
      edges: [edge('shop', 'pricing', 300, 100)],
    });
    expect(result.status).toBe('outside');
    expect(result.outside).toBe('pricing');
    expect(result.summary).toContain('pricing fails calls from shop but has no metrics or logs of its own');
    expect(result.missing).toEqual(['pricing: logs']);
  });

  it('uses the failing routes of the metrics when a service logs nothing', () => {
    const noLogs: ServiceEvidence = {
      ...svc('payments', 300, [], { errorsByRoute: { '/charge': 300 } }),
      logs: { totalErrorLines: 0, patterns: [] },
    };
    noLogs.metrics!.routeBaselines = { '/charge': compareWithBaseline(300, 2) };
    const result = computeRootCause({
      viewed: 'shop',
      services: [svc('shop', 280, [pattern('checkout failed: payments returned <*>', 280, '/checkout')]), noLogs],
      edges: [edge('shop', 'payments', 400, 280)],
    });
    expect(result.status).toBe('found');
    expect(result.candidates[0]).toMatchObject({ service: 'payments', route: '/charge', template: undefined });
  });

  it('breaks ties by service, route and template', () => {
    const result = computeRootCause({
      viewed: 'hub',
      services: [
        svc('hub', 0, []),
        svc('zeta', 50, [pattern('zeta broke <*>', 50, '/z')]),
        svc('alpha', 50, [pattern('alpha broke <*>', 50, '/a')]),
      ],
      edges: [edge('hub', 'zeta', 100, 50), edge('hub', 'alpha', 100, 50)],
    });
    expect(result.candidates.map((c) => [c.service, c.score])).toEqual([
      ['alpha', result.candidates[1].score],
      ['zeta', result.candidates[0].score],
    ]);
  });

  it('names no cause without errors, and none for errors steady against the baseline', () => {
    expect(
      computeRootCause({ viewed: 'a', services: [svc('a', 0, [])], edges: [edge('a', 'b', 10, 0)] })
    ).toMatchObject({ status: 'none', candidates: [] });
    const steady = computeRootCause({
      viewed: 'a',
      services: [svc('a', 20, [pattern('boom <*>', 20, '/x', 19)], { quiet: 0 })],
      edges: [],
    });
    expect(steady.status).toBe('none');
    expect(steady.summary).toBe(
      'No root cause: the server errors of a are steady against the baseline, not new in this range.'
    );
  });

  it('never names client errors (4xx)', () => {
    const result = computeRootCause({
      viewed: 'a',
      services: [svc('a', 0, [pattern('invalid coupon <*>', 300, '/cart', 0, '400')])],
      edges: [],
    });
    expect(result.status).toBe('none');
  });

  it('never names a caller of the viewed service: its failures cannot come from there', () => {
    const result = computeRootCause({
      viewed: 'payments',
      services: [
        svc('shop', 230, [pattern('db timeout on table <*>', 200, '/products')]),
        svc('payments', 30, [pattern('provider declined <*>', 30, '/charge', 29)], { quiet: 0 }),
      ],
      edges: [edge('shop', 'payments', 600, 30)],
    });
    expect(result.status).toBe('none');
    const byService = Object.fromEntries(result.candidates.map((c) => [c.service, c]));
    expect(byService.payments).toMatchObject({ downstream: true, changed: false });
    expect(byService.shop).toMatchObject({ downstream: false, changed: true });
    expect(result.summary).toContain('the new errors are in shop');
  });

  it('ranks a new fault above steady background errors elsewhere', () => {
    const result = computeRootCause({
      viewed: 'shop',
      services: [
        svc('shop', 230, [
          pattern('db timeout on table <*>', 200, '/checkout'),
          pattern('checkout failed: payments returned <*>', 30, '/checkout', 28),
        ]),
        svc('payments', 30, [pattern('provider declined <*>', 30, '/charge', 29)], { quiet: 0 }),
      ],
      edges: [edge('shop', 'payments', 600, 30)],
    });
    expect(result.candidates[0]).toMatchObject({ service: 'shop', template: 'db timeout on table <*>' });
  });
});

describe('deepestErrorServices', () => {
  it('counts each trace once, at its deepest error span', () => {
    const ok: TraceSpan = { traceId: 't3', spanId: 'x', service: 'front', error: false };
    expect(
      deepestErrorServices([...failingTrace('t1', ['a', 'b', 'c']), ...failingTrace('t2', ['a', 'b']), ok])
    ).toEqual({ c: 1, b: 1 });
  });

  it('survives a parent cycle', () => {
    const spans: TraceSpan[] = [
      { traceId: 't', spanId: '1', parentSpanId: '2', service: 'a', error: true },
      { traceId: 't', spanId: '2', parentSpanId: '1', service: 'b', error: true },
    ];
    expect(Object.values(deepestErrorServices(spans))).toEqual([1]);
  });
});

describe('namesService', () => {
  it('matches the service as a word only', () => {
    expect(namesService('checkout failed: payments returned <*>', 'payments')).toBe(true);
    expect(namesService('payments-gateway down', 'payments')).toBe(false);
    expect(namesService('anything', '')).toBe(false);
  });
});

describe('computeRootCause properties', () => {
  const names = ['a', 'b', 'c', 'd'];
  const arbPattern = fc.record({
    template: fc.constantFrom('boom <*>', 'call to b failed', 'c returned <*>', 'disk full'),
    route: fc.constantFrom('/x', '/y', undefined),
    status: fc.constantFrom('500', '503', '404', undefined),
    count: fc.oneof(fc.integer({ min: 0, max: 500 }), fc.double()),
    baseline: fc.option(
      fc
        .tuple(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 500 }))
        .map(([k, b]) => compareWithBaseline(k, b)),
      { nil: undefined }
    ),
  });
  const arbService = fc.record({
    service: fc.constantFrom(...names),
    metrics: fc.option(
      fc.record({
        requests: fc.integer({ min: 0, max: 2000 }),
        errors: fc.oneof(fc.integer({ min: 0, max: 500 }), fc.double()),
        errorsByRoute: fc.dictionary(fc.constantFrom('/x', '/y'), fc.integer({ min: 0, max: 300 })),
        errorSeries: fc.array(
          fc.record({ t: fc.integer({ min: T0, max: T0 + 3_600_000 }), v: fc.option(fc.double()) }),
          {
            maxLength: 20,
          }
        ),
      }),
      { nil: null }
    ),
    logs: fc.option(
      fc.record({
        totalErrorLines: fc.integer({ min: 0, max: 1000 }),
        patterns: fc.array(arbPattern, { maxLength: 4 }),
      }),
      { nil: null }
    ),
  });
  const arbEdge = fc.record({
    client: fc.constantFrom(...names),
    server: fc.constantFrom(...names),
    requests: fc.integer({ min: 0, max: 1000 }),
    failed: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.double()),
  });
  const arbInput = fc.record({
    viewed: fc.constantFrom(...names),
    services: fc.uniqueArray(arbService, { selector: (s) => s.service, maxLength: 4 }),
    edges: fc.array(arbEdge, { maxLength: 8 }),
  });

  it('keeps scores in 0..100 and never throws', () => {
    fc.assert(
      fc.property(arbInput, (input) =>
        computeRootCause(input).candidates.every((c) => Number.isInteger(c.score) && c.score >= 0 && c.score <= 100)
      )
    );
  });

  it('does not depend on the order of its inputs', () => {
    fc.assert(
      fc.property(arbInput, fc.integer(), (input, seed) => {
        const shuffle = <T>(xs: T[]) =>
          xs
            .map((x, i) => ({ x, k: Math.sin(seed + i * 7919) }))
            .sort((p, q) => p.k - q.k)
            .map((p) => p.x);
        const shuffled = {
          ...input,
          services: shuffle(input.services).map((s) =>
            s.logs ? { ...s, logs: { ...s.logs, patterns: shuffle(s.logs.patterns) } } : s
          ),
          edges: shuffle(input.edges),
        };
        expect(computeRootCause(shuffled)).toEqual(computeRootCause(input));
      })
    );
  });

  it('names no cause when nothing fails', () => {
    fc.assert(
      fc.property(arbInput, (input) => {
        const quiet = {
          ...input,
          services: input.services.map((s) => ({
            ...s,
            metrics: s.metrics ? { ...s.metrics, errors: 0 } : null,
            logs: s.logs ? { ...s.logs, patterns: [] } : null,
          })),
          edges: input.edges.map((e) => ({ ...e, failed: 0 })),
        };
        const result = computeRootCause(quiet);
        return result.status === 'none' && result.candidates.length === 0;
      })
    );
  });
});
