import fc from 'fast-check';

import {
  CONFIDENCE_WEIGHTS,
  computeConfidence,
  correlateSeries,
  detectSpike,
  type ConfidenceInput,
  type ErrorPattern,
} from './confidence';
import type { Point } from './signals';

const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);
const MIN = 60_000;
const METRIC_STEP = 15_000;
const FROM = T0;
const TO = T0 + 20 * MIN;
const SPIKE_FROM = T0 + 12 * MIN;
const SPIKE_TO = T0 + 15 * MIN;

/** Deterministic jitter in [-1, 1] so "flat" series still look like real, noisy ones. */
function jitter(i: number, seed: number): number {
  return (((i * seed + 3) % 7) - 3) / 3;
}

function series(step: number, value: (t: number, i: number) => number | null, from = FROM, to = TO): Point[] {
  const out: Point[] = [];
  for (let t = from, i = 0; t <= to; t += step, i++) {
    out.push({ t, v: value(t, i) });
  }
  return out;
}

const inSpike = (t: number) => t >= SPIKE_FROM && t <= SPIKE_TO;

function spikeInput(over: Partial<ConfidenceInput> = {}): ConfidenceInput {
  return {
    service: 'checkout',
    fromMs: FROM,
    toMs: TO,
    patterns: [
      {
        template: 'payment declined: upstream <*> returned 503',
        route: '/api/checkout',
        status: '500',
        count: 940,
        share: 0.94,
        firstSeenMs: SPIKE_FROM,
        lastSeenMs: SPIKE_TO,
      },
      {
        template: 'cart <*> not found',
        route: '/api/cart',
        status: '404',
        count: 40,
        share: 0.04,
        firstSeenMs: FROM,
        lastSeenMs: TO,
      },
      {
        template: 'slow query <*>',
        count: 20,
        share: 0.02,
        firstSeenMs: FROM,
        lastSeenMs: TO,
      },
    ],
    totalErrorLines: 1000,
    metricErrors: series(METRIC_STEP, (t, i) => (inSpike(t) ? 5 + 0.2 * jitter(i, 5) : 0.1 + 0.01 * jitter(i, 3))),
    logErrors: series(MIN, (t, i) => (inSpike(t) ? 300 + 5 * jitter(i, 2) : 4 + jitter(i, 5))),
    errorsByRoute: { '/api/checkout': 900, '/api/cart': 30, '/api/search': 10 },
    traceErrorServices: { checkout: 45, frontend: 5 },
    ...over,
  };
}

function steadyInput(background = 1): ConfidenceInput {
  const pattern = (template: string, route: string, count: number): ErrorPattern => ({
    template,
    route,
    status: '500',
    count: count * background,
    share: count / 100,
    firstSeenMs: FROM,
    lastSeenMs: TO,
  });
  return {
    service: 'checkout',
    fromMs: FROM,
    toMs: TO,
    patterns: [
      pattern('db timeout after <*>ms', '/api/checkout', 30),
      pattern('redis connection reset', '/api/cart', 26),
      pattern('tls handshake failed', '/api/search', 24),
      pattern('upstream <*> refused connection', '/api/orders', 20),
    ],
    totalErrorLines: 100 * background,
    metricErrors: series(METRIC_STEP, (_t, i) => background * (0.1 + 0.01 * jitter(i, 3))),
    logErrors: series(MIN, (_t, i) => background * (5 + jitter(i, 4))),
    errorsByRoute: { '/api/checkout': 30, '/api/cart': 26, '/api/search': 24, '/api/orders': 20 },
    traceErrorServices: { checkout: 10, postgres: 10 },
  };
}

function emptyInput(over: Partial<ConfidenceInput> = {}): ConfidenceInput {
  return {
    service: 'checkout',
    fromMs: FROM,
    toMs: TO,
    patterns: [],
    totalErrorLines: 0,
    metricErrors: series(METRIC_STEP, () => 0),
    logErrors: series(MIN, () => 0),
    errorsByRoute: {},
    ...over,
  };
}

function expectSane(r: ReturnType<typeof computeConfidence>) {
  if (r.score === null) {
    expect(r.level).toBe('none');
    return;
  }
  expect(Number.isFinite(r.score)).toBe(true);
  expect(r.score).toBeGreaterThanOrEqual(0);
  expect(r.score).toBeLessThanOrEqual(100);
  for (const f of r.factors) {
    expect(Number.isFinite(f.value)).toBe(true);
    expect(f.value).toBeGreaterThanOrEqual(0);
    expect(f.value).toBeLessThanOrEqual(1);
    expect(Number.isFinite(f.contribution)).toBe(true);
  }
  expect(r.factors.reduce((a, f) => a + f.contribution, 0)).toBe(r.score);
}

describe('spike detection', () => {
  it('finds the run above the robust threshold around the peak', () => {
    const s = detectSpike(spikeInput().metricErrors);
    expect(s).not.toBeNull();
    expect(s!.onsetMs).toBe(SPIKE_FROM);
    expect(s!.endMs).toBe(SPIKE_TO);
    expect(s!.baseline).toBeCloseTo(0.1, 1);
  });

  it('sees no spike in a flat, a noisy-flat, a zero or an empty series', () => {
    expect(detectSpike(series(METRIC_STEP, () => 3))).toBeNull();
    expect(detectSpike(steadyInput().metricErrors)).toBeNull();
    expect(detectSpike(series(METRIC_STEP, () => 0))).toBeNull();
    expect(detectSpike([])).toBeNull();
    expect(detectSpike([{ t: T0, v: 7 }])).toBeNull();
  });

  it('takes the onset of the main burst, not an earlier blip', () => {
    const pts = series(METRIC_STEP, (t) => (t === T0 + 2 * MIN ? 1 : inSpike(t) ? 10 : 0));
    const s = detectSpike(pts)!;
    expect(s.onsetMs).toBe(SPIKE_FROM);
  });

  it('still finds an incident that lasts until the end of the range', () => {
    const pts = series(METRIC_STEP, (t, i) => (t >= T0 + 8 * MIN ? 4 + 0.1 * jitter(i, 3) : 0.2 + 0.01 * jitter(i, 5)));
    expect(detectSpike(pts)!.onsetMs).toBe(T0 + 8 * MIN);
  });

  it('skips nulls and NaN', () => {
    const pts = series(METRIC_STEP, (t, i) => (i % 5 === 0 ? null : i % 7 === 0 ? NaN : inSpike(t) ? 9 : 1));
    expect(detectSpike(pts)).not.toBeNull();
  });
});

describe('series correlation', () => {
  it('resamples series of different steps on the union grid', () => {
    const c = correlateSeries(spikeInput().metricErrors, spikeInput().logErrors);
    expect(c.r).toBeGreaterThan(0.9);
    // 81 metric points at 15 s; the 21 log timestamps are all on that grid.
    expect(c.n).toBe(81);
  });

  it('is undefined for a constant series or too few points', () => {
    expect(
      correlateSeries(
        series(MIN, () => 2),
        spikeInput().logErrors
      ).r
    ).toBeNull();
    expect(correlateSeries([], []).r).toBeNull();
    expect(correlateSeries([{ t: 1, v: 1 }], [{ t: 1, v: 2 }]).r).toBeNull();
  });

  it('does not interpolate across long gaps', () => {
    const a = [0, 1, 2, 10, 11, 12].map((k) => ({ t: k * MIN, v: k }));
    const b = Array.from({ length: 13 }, (_, k) => ({ t: k * MIN, v: k * 2 }));
    expect(correlateSeries(a, b).n).toBe(6);
  });
});

describe('root-cause confidence', () => {
  it('has no root cause when there are no errors', () => {
    const r = computeConfidence(emptyInput());
    expect(r.score).toBeNull();
    expect(r.level).toBe('none');
    expect(r.dominant).toBeUndefined();
    expect(r.reasons).toEqual(['no errors in the range']);
  });

  it('has no root cause either when only the metrics show errors', () => {
    const r = computeConfidence(emptyInput({ metricErrors: spikeInput().metricErrors }));
    expect(r.score).toBeNull();
    expect(r.reasons[0]).toMatch(/no error log pattern/);
  });

  it('is high for one pattern behind a spike that lines up with the metrics', () => {
    const r = computeConfidence(spikeInput());
    expect(r.level).toBe('high');
    expect(r.score).toBeGreaterThanOrEqual(75);
    expect(r.dominant).toEqual({
      template: 'payment declined: upstream <*> returned 503',
      route: '/api/checkout',
      status: '500',
    });
    expect(r.factors.map((f) => f.id)).toEqual(['dominance', 'consistency', 'alignment']);
    expectSane(r);
  });

  it('gives the worked example of docs/CONFIDENCE.md', () => {
    const r = computeConfidence(spikeInput());
    const [dom, cons, align] = r.factors;
    // dominance = 0.94 − 0.5 × 0.04
    expect(dom.value).toBeCloseTo(0.92, 6);
    // consistency = mean(900/940 route, 1 status, 45/50 traces, 1 inside the spike)
    expect(cons.value).toBeCloseTo((900 / 940 + 1 + 0.9 + 1) / 4, 6);
    expect(align.detail).toMatch(/same time/);
    // alignment = 0.5 × lag score 1 + 0.5 × r
    const r2 = correlateSeries(spikeInput().metricErrors, spikeInput().logErrors).r!;
    expect(align.value).toBeCloseTo(0.5 + 0.5 * r2, 6);
    expect(r2).toBeCloseTo(0.9254, 4);
    // exact points 36.80 + 28.93 + 28.88 = 94.61
    expect(r.factors.map((f) => f.contribution)).toEqual([37, 29, 29]);
    expect(r.score).toBe(95);
  });

  it('says a series is too short to show a burst rather than that it does not burst', () => {
    // Three rising log points: the middle one is the median, so none clears the robust threshold.
    const logErrors = [SPIKE_FROM, SPIKE_FROM + MIN, SPIKE_FROM + 2 * MIN].map((t, i) => ({ t, v: [20, 40, 60][i] }));
    const short = computeConfidence(spikeInput({ logErrors }));
    expect(short.factors[2].detail).toMatch(
      /^the metric errors spike; the error logs have 3 points in the range, too few to show a burst; /
    );
    const flat = computeConfidence(spikeInput({ logErrors: series(METRIC_STEP, () => 4) }));
    expect(flat.factors[2].detail).toMatch(/^the metric errors spike but the error logs do not burst; /);
  });

  it('is low for steady background errors spread over similar patterns', () => {
    const r = computeConfidence(steadyInput());
    expect(r.level).toBe('low');
    expect(r.score).toBeLessThan(40);
    expectSane(r);
  });

  it('drops when the window no longer contains the spike', () => {
    const full = computeConfidence(spikeInput());
    const before = computeConfidence(spikeInput({ toMs: SPIKE_FROM - MIN }));
    expect(before.score).not.toBeNull();
    expect(before.score!).toBeLessThan(full.score!);
    expect(before.factors[2].value).toBeLessThan(0.5);
    // the dominant pattern was last seen before the window: it no longer leads
    expect(before.dominant?.template).toBe('cart <*> not found');
    expect(before.level).toBe('low');
  });

  it('drops when the background errors double', () => {
    const base = spikeInput();
    const doubled = spikeInput({
      patterns: base.patterns.map((p, i) => (i === 0 ? p : { ...p, count: p.count * 2 })),
      totalErrorLines: 1060,
      metricErrors: base.metricErrors.map((p) => ({ t: p.t, v: inSpike(p.t) ? p.v : (p.v ?? 0) * 2 })),
      logErrors: base.logErrors.map((p) => ({ t: p.t, v: inSpike(p.t) ? p.v : (p.v ?? 0) * 2 })),
      errorsByRoute: { '/api/checkout': 900, '/api/cart': 60, '/api/search': 20 },
    });
    expect(computeConfidence(doubled).score!).toBeLessThan(computeConfidence(base).score!);
  });

  it('drops when the log burst lags the metric spike', () => {
    const lagged = spikeInput({
      logErrors: series(MIN, (t, i) => (t >= SPIKE_FROM + 4 * MIN ? 300 : 4 + jitter(i, 5))),
    });
    const r = computeConfidence(lagged);
    expect(r.factors[2].value).toBeLessThan(computeConfidence(spikeInput()).factors[2].value);
    expect(r.factors[2].detail).toMatch(/4 min after/);
  });

  it('drops when the route and status disagree with the metrics', () => {
    const base = spikeInput();
    const r = computeConfidence(
      spikeInput({
        patterns: [{ ...base.patterns[0], route: '/api/search', status: '404' }, ...base.patterns.slice(1)],
      })
    );
    expect(r.factors[1].value).toBeLessThan(0.6);
    expect(r.score!).toBeLessThan(computeConfidence(base).score!);
  });

  it('counts error spans in a downstream named by the pattern as consistent', () => {
    const base = spikeInput();
    const named = computeConfidence(
      spikeInput({
        patterns: [{ ...base.patterns[0], template: 'call to payments failed: 503' }, ...base.patterns.slice(1)],
        traceErrorServices: { payments: 50 },
      })
    );
    const unnamed = computeConfidence(spikeInput({ traceErrorServices: { payments: 50 } }));
    expect(named.factors[1].value).toBeGreaterThan(unnamed.factors[1].value);
  });

  it('never yields NaN on constant, empty, null or NaN inputs', () => {
    const base = spikeInput();
    const variants: ConfidenceInput[] = [
      spikeInput({ metricErrors: series(METRIC_STEP, () => 2), logErrors: series(MIN, () => 2) }),
      spikeInput({ metricErrors: [], logErrors: [] }),
      spikeInput({ metricErrors: series(METRIC_STEP, () => null), logErrors: series(MIN, () => NaN) }),
      spikeInput({ totalErrorLines: NaN, errorsByRoute: { '/api/checkout': NaN }, traceErrorServices: {} }),
      spikeInput({ fromMs: NaN, toMs: Infinity }),
      spikeInput({ fromMs: TO, toMs: FROM }),
      spikeInput({
        patterns: [{ ...base.patterns[0], firstSeenMs: NaN, lastSeenMs: NaN, share: NaN }],
        totalErrorLines: 0,
      }),
      spikeInput({ patterns: [{ ...base.patterns[0], count: NaN }] }),
      spikeInput({ metricErrors: [{ t: FROM, v: 1 }], logErrors: [{ t: FROM, v: 1 }] }),
    ];
    for (const v of variants) {
      expectSane(computeConfidence(v));
    }
    expect(computeConfidence(variants[7]).score).toBeNull();
  });
});

describe('root-cause confidence properties', () => {
  const point = fc.record({
    t: fc.integer({ min: FROM - 5 * MIN, max: TO + 5 * MIN }),
    v: fc.oneof(fc.constant(null), fc.double(), fc.double({ min: 0, max: 1000, noNaN: true })),
  });
  const num = fc.oneof(fc.double(), fc.integer({ min: 0, max: 5000 }));
  const time = fc.oneof(fc.double(), fc.integer({ min: FROM - MIN, max: TO + MIN }));
  const pattern = fc.record(
    {
      template: fc.constantFrom('a <*>', 'b failed', 'call to payments failed', ''),
      route: fc.constantFrom('/a', '/b', '/c'),
      status: fc.constantFrom('500', '503', '404', '5xx', 'error'),
      count: num,
      share: fc.double(),
      firstSeenMs: time,
      lastSeenMs: time,
    },
    { requiredKeys: ['template', 'count', 'share', 'firstSeenMs', 'lastSeenMs'] }
  );
  const input = fc.record({
    service: fc.constantFrom('checkout', 'payments'),
    fromMs: fc.oneof(fc.constant(FROM), fc.double()),
    toMs: fc.oneof(fc.constant(TO), fc.constant(SPIKE_FROM), fc.double()),
    patterns: fc.array(pattern, { maxLength: 6 }),
    totalErrorLines: num,
    metricErrors: fc.array(point, { maxLength: 60 }),
    logErrors: fc.array(point, { maxLength: 30 }),
    errorsByRoute: fc.dictionary(fc.constantFrom('/a', '/b', '/c'), num),
    traceErrorServices: fc.option(fc.dictionary(fc.constantFrom('checkout', 'payments', 'db'), num), {
      nil: undefined,
    }),
  });

  it('keeps the score null or a finite 0..100 made of its contributions, factors in [0, 1]', () => {
    fc.assert(
      fc.property(input, (i) => {
        const r = computeConfidence(i);
        if (r.score === null) {
          return r.level === 'none' && r.factors.length === 0;
        }
        const sum = r.factors.reduce((a, f) => a + f.contribution, 0);
        const exact = r.factors.reduce((a, f) => a + 100 * f.weight * f.value, 0);
        return (
          Number.isInteger(r.score) &&
          r.score >= 0 &&
          r.score <= 100 &&
          sum === r.score &&
          Math.abs(exact - r.score) <= 0.5 + 1e-9 &&
          r.level !== 'none' &&
          r.factors.every((f) => f.value >= 0 && f.value <= 1 && f.weight === CONFIDENCE_WEIGHTS[f.id])
        );
      }),
      { numRuns: 300 }
    );
  });

  it('is deterministic and ignores the order of the patterns', () => {
    fc.assert(
      fc.property(input, fc.func(fc.integer()), (i, key) => {
        const shuffled = [...i.patterns].sort((a, b) => key(a) - key(b) || 0);
        const a = computeConfidence(i);
        expect(computeConfidence(i)).toEqual(a);
        expect(computeConfidence({ ...i, patterns: shuffled })).toEqual(a);
        expect(computeConfidence({ ...i, patterns: [...i.patterns].reverse() })).toEqual(a);
      }),
      { numRuns: 200 }
    );
  });
});
