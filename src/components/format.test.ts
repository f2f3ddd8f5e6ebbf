import { formatBurnRate, formatDuration, formatLatency, formatPercent, formatRate } from './format';

describe('format', () => {
  it('never prints NaN', () => {
    for (const f of [formatRate, formatPercent, formatBurnRate, formatDuration, formatLatency]) {
      expect(f(NaN)).toBe('–');
      expect(f(null)).toBe('–');
      expect(f(undefined)).toBe('–');
    }
  });

  it('formats rates, percentages and burn rates', () => {
    expect(formatRate(0)).toBe('0 req/s');
    expect(formatRate(12.3456)).toBe('12.3 req/s');
    expect(formatPercent(0.9995, 4)).toBe('99.95 %');
    expect(formatPercent(-2)).toBe('-200 %');
    expect(formatBurnRate(14.4)).toBe('14.4×');
    expect(formatBurnRate(Infinity)).toBe('∞');
  });

  it('shows durations in their two largest units', () => {
    expect(formatDuration(0.25)).toBe('250 ms');
    expect(formatDuration(59)).toBe('59 s');
    expect(formatDuration(3600)).toBe('1 h');
    expect(formatDuration(3661)).toBe('1 h 1 min');
    expect(formatDuration(1.5 * 86400)).toBe('1 d 12 h');
    expect(formatDuration(-1)).toBe('–');
  });

  it('shows latency in ms below a second', () => {
    expect(formatLatency(0.1234)).toBe('123 ms');
    expect(formatLatency(2.5)).toBe('2.5 s');
  });
});
