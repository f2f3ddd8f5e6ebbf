import fc from 'fast-check';
import { baselineWindow, compareWithBaseline, poissonLowerTail, poissonUpperTail } from './baseline';

describe('baselineWindow', () => {
  it('lies just before the range, or one day / one week earlier', () => {
    expect(baselineWindow(10_000, 70_000, 'previous')).toEqual({ fromMs: -50_000, toMs: 10_000 });
    expect(baselineWindow(100_000_000, 103_600_000, 'day')).toEqual({ fromMs: 13_600_000, toMs: 17_200_000 });
    expect(baselineWindow(700_000_000, 703_600_000, 'week').toMs).toBe(703_600_000 - 604_800_000);
  });
});

describe('Poisson tails', () => {
  it('match hand-computed values', () => {
    // P(X >= 4 | 0.5) = 1 − e^−0.5 (1 + 0.5 + 0.125 + 0.0208…) = 0.00175
    expect(poissonUpperTail(4, 0.5)).toBeCloseTo(0.00175, 5);
    expect(poissonUpperTail(0, 3)).toBe(1);
    // P(X <= 2 | 10) = e^−10 (1 + 10 + 50) = 0.00277
    expect(poissonLowerTail(2, 10)).toBeCloseTo(0.00277, 5);
  });

  it('stay in [0, 1] and bounded in work on huge counts', () => {
    expect(poissonUpperTail(1e9, 1e9)).toBeGreaterThan(0.4);
    expect(poissonUpperTail(1e9, 1e9)).toBeLessThan(0.6);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.double({ min: 0.01, max: 5000, noNaN: true }), (k, l) => {
        const up = poissonUpperTail(k, l);
        const low = poissonLowerTail(k, l);
        return up >= 0 && up <= 1 && low >= 0 && low <= 1;
      })
    );
  });
});

describe('compareWithBaseline', () => {
  it('calls a template absent from the baseline new only when there are enough lines', () => {
    expect(compareWithBaseline(40, 0)).toMatchObject({ trend: 'new', ratio: null });
    // Against 3 lines per window (the rule of three after seeing none): 8 lines p = 0.012, 9 p = 0.004.
    expect(compareWithBaseline(8, 0).trend).toBe('steady');
    expect(compareWithBaseline(9, 0).trend).toBe('new');
  });

  it('calls a significant rise of at least 1.5× elevated, with its ratio', () => {
    expect(compareWithBaseline(120, 10)).toMatchObject({ trend: 'elevated', ratio: 12 });
    // 12 against 10 is noise; 1300 against 1000 is significant but below 1.5×.
    expect(compareWithBaseline(12, 10).trend).toBe('steady');
    expect(compareWithBaseline(1300, 1000).trend).toBe('steady');
  });

  it('calls a significant fall dropped', () => {
    expect(compareWithBaseline(2, 40).trend).toBe('dropped');
    expect(compareWithBaseline(8, 10).trend).toBe('steady');
  });

  it('reads bad counts as 0', () => {
    expect(compareWithBaseline(Number.NaN, -3)).toMatchObject({ count: 0, baselineCount: 0, trend: 'steady' });
  });
});
