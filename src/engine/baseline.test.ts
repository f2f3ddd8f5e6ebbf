import fc from 'fast-check';
import { baselineWindow, compareWithBaseline, halfBinomialUpperTail } from './baseline';

describe('baselineWindow', () => {
  it('lies just before the range, or one day / one week earlier', () => {
    expect(baselineWindow(10_000, 70_000, 'previous')).toEqual({ fromMs: -50_000, toMs: 10_000 });
    expect(baselineWindow(100_000_000, 103_600_000, 'day')).toEqual({ fromMs: 13_600_000, toMs: 17_200_000 });
    expect(baselineWindow(700_000_000, 703_600_000, 'week').toMs).toBe(703_600_000 - 604_800_000);
  });
});

describe('binomial tails', () => {
  it('match hand-computed values', () => {
    expect(halfBinomialUpperTail(7, 7)).toBeCloseTo(1 / 128, 10);
    expect(halfBinomialUpperTail(8, 10)).toBeCloseTo(56 / 1024, 10);
    expect(halfBinomialUpperTail(0, 5)).toBe(1);
    expect(halfBinomialUpperTail(6, 5)).toBe(0);
  });

  it('stay in [0, 1], fall as k grows, and stay bounded in work on huge counts', () => {
    expect(halfBinomialUpperTail(5e8, 1e9)).toBeGreaterThan(0.4);
    expect(halfBinomialUpperTail(5e8, 1e9)).toBeLessThan(0.6);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 5000 }), (k, extra) => {
        const n = k + extra;
        const up = halfBinomialUpperTail(k, n);
        return up >= 0 && up <= 1 && halfBinomialUpperTail(k + 1, n) <= up + 1e-12;
      })
    );
  });
});

describe('compareWithBaseline', () => {
  it('calls a template absent from the baseline new only when there are enough lines', () => {
    expect(compareWithBaseline(40, 0)).toMatchObject({ trend: 'new', ratio: null });
    // Each of the k lines falls in the range with probability 1/2 if nothing changed: 6 p = 0.016, 7 p = 0.008.
    expect(compareWithBaseline(6, 0).trend).toBe('steady');
    expect(compareWithBaseline(7, 0).trend).toBe('new');
    expect(compareWithBaseline(7, 0).pValue).toBeCloseTo(1 / 128, 12);
  });

  it("keeps a rare steady pattern steady, counting the baseline's own noise", () => {
    // Taken as exact rates, 8 against 2 (p = 0.001 for Poisson(2)) would be a fourfold rise.
    expect(compareWithBaseline(8, 2).trend).toBe('steady');
    expect(compareWithBaseline(5, 0).trend).toBe('steady');
    expect(compareWithBaseline(30, 5).trend).toBe('elevated');
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
