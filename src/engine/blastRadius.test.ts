import fc from 'fast-check';

import {
  classifyBlast,
  computeBlastRadius,
  edgesFromSpans,
  type BlastRadiusInput,
  type TraceSpan,
} from './blastRadius';

function input(over: Partial<BlastRadiusInput> = {}): BlastRadiusInput {
  return { service: 'checkout', serviceTraffic: {}, edges: [], errorsByRoute: {}, ...over };
}

function roles(r: ReturnType<typeof computeBlastRadius>): Record<string, string> {
  return Object.fromEntries(r.affected.map((a) => [a.service, a.role]));
}

/** frontend → checkout → payments, payments failing and checkout propagating the failures. */
const chain: Omit<BlastRadiusInput, 'service'> = {
  serviceTraffic: {
    frontend: { requests: 2000, errors: 60 },
    checkout: { requests: 1000, errors: 60 },
    payments: { requests: 400, errors: 80 },
  },
  edges: [
    { client: 'frontend', server: 'checkout', requests: 1000, failed: 60 },
    { client: 'checkout', server: 'payments', requests: 400, failed: 80 },
    { client: 'frontend', server: 'catalog', requests: 3000, failed: 0 },
  ],
  errorsByRoute: { '/api/pay': 70, '/api/refund': 10 },
};

describe('blast radius', () => {
  it('is none with no errors anywhere', () => {
    const r = computeBlastRadius(
      input({
        serviceTraffic: { checkout: { requests: 500, errors: 0 } },
        edges: [{ client: 'frontend', server: 'checkout', requests: 500, failed: 0 }],
      })
    );
    expect(r.affected).toEqual([]);
    expect(r.affectedCount).toBe(0);
    expect(r.impactPercent).toBe(0);
    expect(r.class).toBe('none');
    expect(r.edgesSource).toBe('service-graph');
    expect(r.routes).toEqual([]);
  });

  it('counts a single failing service without dependencies as the only affected one', () => {
    const r = computeBlastRadius(
      input({ serviceTraffic: { checkout: { requests: 1000, errors: 30 } }, errorsByRoute: { '/api/checkout': 30 } })
    );
    expect(r.affected).toHaveLength(1);
    expect(r.affected[0]).toMatchObject({ service: 'checkout', role: 'origin', requests: 1000, errors: 30 });
    expect(r.affected[0].errorRatio).toBeCloseTo(0.03);
    expect(r.impactPercent).toBeCloseTo(3);
    expect(r.class).toBe('moderate');
    expect(r.edgesSource).toBe('none');
    expect(r.routes).toEqual([{ route: '/api/checkout', errors: 30, share: 1 }]);
  });

  it('viewed from payments: payments is the origin, checkout and frontend upstream victims', () => {
    const r = computeBlastRadius({ service: 'payments', ...chain });
    expect(roles(r)).toEqual({ payments: 'origin', checkout: 'upstream', frontend: 'upstream' });
    expect(r.affected.map((a) => a.service)).toEqual(['payments', 'checkout', 'frontend']);
    // (80 + 60 + 60) / (400 + 1000 + 2000)
    expect(r.impactPercent).toBeCloseTo((200 / 3400) * 100, 6);
    // 3 services with more than 5 % failing
    expect(r.class).toBe('critical');
    expect(r.affected.find((a) => a.service === 'checkout')!.reason).toMatch(
      /checkout → payments calls failed 80 of 400/
    );
  });

  it('viewed from checkout: payments is a downstream possible cause, frontend an upstream victim', () => {
    const r = computeBlastRadius({ service: 'checkout', ...chain });
    expect(roles(r)).toEqual({ checkout: 'origin', payments: 'downstream', frontend: 'upstream' });
    expect(r.affected.find((a) => a.service === 'payments')!.reason).toMatch(/possible cause/);
    expect(r.routes.map((x) => x.route)).toEqual(['/api/pay', '/api/refund']);
    expect(r.routes[0].share).toBeCloseTo(0.875);
  });

  it('leaves out a caller whose calls succeed', () => {
    const r = computeBlastRadius(
      input({
        service: 'payments',
        serviceTraffic: { payments: { requests: 400, errors: 80 }, admin: { requests: 50, errors: 0 } },
        edges: [
          { client: 'checkout', server: 'payments', requests: 400, failed: 80 },
          { client: 'admin', server: 'payments', requests: 50, failed: 0 },
        ],
      })
    );
    expect(roles(r)).toEqual({ payments: 'origin', checkout: 'upstream' });
    // checkout has no metrics: the calls it made stand for its traffic
    expect(r.affected.find((a) => a.service === 'checkout')).toMatchObject({ requests: 400, errors: 80 });
  });

  it('does not loop on cycles and reports each service once', () => {
    const r = computeBlastRadius(
      input({
        service: 'a',
        serviceTraffic: { a: { requests: 100, errors: 10 } },
        edges: [
          { client: 'a', server: 'b', requests: 100, failed: 10 },
          { client: 'b', server: 'c', requests: 100, failed: 10 },
          { client: 'c', server: 'a', requests: 100, failed: 10 },
          { client: 'b', server: 'a', requests: 100, failed: 10 },
        ],
      })
    );
    expect(roles(r)).toEqual({ a: 'origin', b: 'downstream', c: 'downstream' });
    expect(r.affectedCount).toBe(3);
  });

  it('is not affected by a healthy service or one that fails on its own', () => {
    const r = computeBlastRadius(
      input({
        serviceTraffic: { checkout: { requests: 1000, errors: 5 }, search: { requests: 900, errors: 400 } },
        edges: [{ client: 'frontend', server: 'search', requests: 900, failed: 400 }],
      })
    );
    expect(roles(r)).toEqual({ checkout: 'origin' });
    expect(r.class).toBe('low');
  });

  it('derives the edges from spans when there is no service graph', () => {
    const spans: TraceSpan[] = [
      // trace 1: frontend → checkout → payments, payments fails and so does checkout's span
      { traceId: 't1', spanId: 'f1', service: 'frontend', error: false },
      { traceId: 't1', spanId: 'c1', parentSpanId: 'f1', service: 'checkout', error: true },
      { traceId: 't1', spanId: 'c2', parentSpanId: 'c1', service: 'checkout', error: true },
      { traceId: 't1', spanId: 'p1', parentSpanId: 'c2', service: 'payments', error: true },
      // trace 2: same path, all fine
      { traceId: 't2', spanId: 'f1', service: 'frontend', error: false },
      { traceId: 't2', spanId: 'c1', parentSpanId: 'f1', service: 'checkout', error: false },
      { traceId: 't2', spanId: 'p1', parentSpanId: 'c1', service: 'payments', error: false },
      // parent not fetched: no edge
      { traceId: 't3', spanId: 'p9', parentSpanId: 'zz', service: 'payments', error: true },
    ];
    expect(edgesFromSpans(spans)).toEqual([
      { client: 'checkout', server: 'payments', requests: 2, failed: 1 },
      { client: 'frontend', server: 'checkout', requests: 2, failed: 1 },
    ]);
    const r = computeBlastRadius(
      input({ service: 'payments', spans, serviceTraffic: { payments: { requests: 10, errors: 2 } } })
    );
    expect(r.edgesSource).toBe('traces');
    expect(roles(r)).toEqual({ payments: 'origin', checkout: 'upstream', frontend: 'upstream' });
    // checkout and frontend have no metrics: the calls they served stand for their traffic
    expect(r.impactPercent).toBeCloseTo((4 / 14) * 100, 6);
    expect(r.class).toBe('critical');
  });

  it('prefers service-graph edges over spans', () => {
    const r = computeBlastRadius(
      input({
        service: 'payments',
        serviceTraffic: { payments: { requests: 10, errors: 2 } },
        edges: [{ client: 'admin', server: 'payments', requests: 5, failed: 0 }],
        spans: [
          { traceId: 't', spanId: 'a', service: 'checkout', error: false },
          { traceId: 't', spanId: 'b', parentSpanId: 'a', service: 'payments', error: true },
        ],
      })
    );
    expect(r.edgesSource).toBe('service-graph');
    expect(roles(r)).toEqual({ payments: 'origin' });
  });

  it('estimates the origin from edges and routes when its metrics are missing', () => {
    const r = computeBlastRadius(
      input({
        service: 'payments',
        edges: [{ client: 'checkout', server: 'payments', requests: 200, failed: 10 }],
        errorsByRoute: { '/pay': 12 },
      })
    );
    expect(r.affected[0]).toMatchObject({ service: 'payments', role: 'origin', requests: 200, errors: 12 });
  });

  it('sanitises NaN, negative and inconsistent counts', () => {
    const r = computeBlastRadius(
      input({
        serviceTraffic: { checkout: { requests: NaN, errors: 5 }, payments: { requests: -3, errors: NaN } },
        edges: [
          { client: 'checkout', server: 'payments', requests: 2, failed: 9 },
          { client: 'checkout', server: 'checkout', requests: 5, failed: 5 },
        ],
        errorsByRoute: { '/x': NaN, '/y': -1 },
      })
    );
    expect(r.affected.map((a) => a.service)).toEqual(['checkout', 'payments']);
    for (const a of r.affected) {
      expect(a.errors).toBeLessThanOrEqual(a.requests);
    }
    expect(Number.isNaN(r.impactPercent)).toBe(false);
    expect(r.routes).toEqual([]);
  });
});

describe('blast classification', () => {
  it.each([
    [0, 0, 'none'],
    [2, 0, 'none'],
    [0, 50, 'none'],
    [1, 0.5, 'low'],
    [1, 1, 'moderate'],
    [2, 4.99, 'moderate'],
    [1, 5, 'high'],
    [2, 19.9, 'high'],
    [3, 5, 'high'],
    [3, 5.1, 'critical'],
    [1, 20, 'critical'],
  ] as const)('%i services at %f %% is %s', (count, impact, cls) => {
    expect(classifyBlast(count, impact)).toBe(cls);
  });
});

describe('blast radius properties', () => {
  const names = fc.constantFrom('a', 'b', 'c', 'd', 'e');
  const count = fc.oneof(fc.double(), fc.integer({ min: 0, max: 10_000 }));
  const arbInput = fc.record({
    service: names,
    serviceTraffic: fc.dictionary(names, fc.record({ requests: count, errors: count })),
    edges: fc.array(fc.record({ client: names, server: names, requests: count, failed: count }), { maxLength: 12 }),
    spans: fc.option(
      fc.array(
        fc.record({
          traceId: fc.constantFrom('t1', 't2'),
          spanId: fc.constantFrom('1', '2', '3', '4', '5', '6'),
          parentSpanId: fc.option(fc.constantFrom('1', '2', '3', '4', '5', '6'), { nil: undefined }),
          service: names,
          error: fc.boolean(),
        }),
        { maxLength: 20 }
      ),
      { nil: undefined }
    ),
    errorsByRoute: fc.dictionary(fc.constantFrom('/a', '/b'), count),
  });

  it('keeps impact in [0, 100], the count equal to the list, and no NaN', () => {
    fc.assert(
      fc.property(arbInput, (i) => {
        const r = computeBlastRadius(i);
        const services = r.affected.map((a) => a.service);
        return (
          Number.isFinite(r.impactPercent) &&
          r.impactPercent >= 0 &&
          r.impactPercent <= 100 &&
          r.affectedCount === r.affected.length &&
          new Set(services).size === services.length &&
          r.affected.every(
            (a) =>
              Number.isFinite(a.requests) &&
              Number.isFinite(a.errors) &&
              a.errors <= a.requests &&
              (a.errorRatio === null || (a.errorRatio >= 0 && a.errorRatio <= 1)) &&
              (a.role === 'origin') === (a.service === i.service)
          ) &&
          r.routes.every((x) => Number.isFinite(x.share) && x.share >= 0 && x.share <= 1) &&
          (r.class === 'none') === (r.affectedCount === 0 || r.impactPercent === 0)
        );
      }),
      { numRuns: 500 }
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(arbInput, (i) => {
        expect(computeBlastRadius(i)).toEqual(computeBlastRadius(i));
      }),
      { numRuns: 100 }
    );
  });
});
