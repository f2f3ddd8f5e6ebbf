import {
  analyzeLogs,
  MAX_SAMPLE_CHARS,
  patternsToCount,
  traceIdsOf,
  withCounts,
  type ErrorLinesInput,
} from './logsAnalysis';

const mapping = { routeField: 'route', statusField: 'status', messageField: 'message', traceIdField: 'trace_id' };

function input(lines: string[], extra: Partial<ErrorLinesInput> = {}): ErrorLinesInput {
  return {
    lines: lines.map((line, i) => ({ timestampMs: i * 1000, line })),
    totalErrorLines: lines.length,
    sampled: false,
    lineLimit: 1000,
    burst: [],
    ...extra,
  };
}

const json = (message: string, traceId: string) =>
  JSON.stringify({ level: 'error', message, route: '/checkout', status: 502, trace_id: traceId });

describe('analyzeLogs', () => {
  it('names the dominant pattern and gives each pattern a LogQL line filter', () => {
    const logs = analyzeLogs(
      input([
        json('upstream timeout after 120ms', 'a'.repeat(32)),
        json('upstream timeout after 340ms', 'b'.repeat(32)),
        json('upstream timeout after 15ms', 'a'.repeat(32)),
        'level=error msg="db connection reset" route=/cart status=500',
      ]),
      mapping
    );
    expect(logs.dominant?.template).toBe('upstream timeout after <*>');
    expect(logs.dominant?.count).toBe(3);
    expect(logs.dominant?.share).toBeCloseTo(0.75);
    expect(logs.dominant?.lineFilter).toMatch(/^\|~ "/);
    expect(logs.sampleSize).toBe(4);
    expect(logs.otherLines).toBe(0);
    expect(traceIdsOf(logs, 10)).toEqual(['a'.repeat(32), 'b'.repeat(32)]);
    expect(traceIdsOf(logs, 1)).toEqual(['a'.repeat(32)]);
  });

  it('cuts very long sample lines so snapshots stay small', () => {
    const logs = analyzeLogs(input([`error ${'x'.repeat(10_000)}`]), mapping);
    expect(logs.patterns[0].sampleLine.length).toBe(MAX_SAMPLE_CHARS + 1);
  });

  it('counts the top templates in the range and the baseline window, and marks their trend', () => {
    const lines = [json('disk full on /dev/sda1', 'c'.repeat(32)), json('upstream timeout after 1ms', 'd'.repeat(32))];
    const sampled = analyzeLogs(input(lines, { sampled: true, totalErrorLines: 5000, lineLimit: 2 }), mapping);
    const chosen = patternsToCount(sampled);
    expect(chosen).toHaveLength(2);
    const window = { mode: 'previous' as const, fromMs: 0, toMs: 1 };
    const counted = withCounts(sampled, chosen, [4000, 1000], { ...window, counts: [0, 990] });
    expect(counted.patterns.map((p) => p.rangeCount)).toEqual([4000, 1000]);
    expect(counted.patterns.map((p) => p.baseline?.trend)).toEqual(['new', 'steady']);
    expect(counted.dominant?.baseline?.count).toBe(4000);
    expect(counted.baselineWindow).toEqual(window);
    expect(counted.totalErrorLines).toBe(5000);
    // Without a baseline only the range counts are set; without range counts the groups are summed.
    expect(withCounts(sampled, chosen, [4000, 1000]).patterns[0].baseline).toBeUndefined();
    expect(withCounts(sampled, chosen, undefined).patterns.map((p) => p.rangeCount)).toEqual([1, 1]);
  });
});
