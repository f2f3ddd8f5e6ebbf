import fc from 'fast-check';

import type { LogFieldMapping } from '../logs/parseLogLine';
import { groupPatterns, type LogLineInput } from './groupPatterns';
import { templateMatches } from './templateFilter';

const mapping: LogFieldMapping = {
  routeField: 'route',
  statusField: 'status',
  messageField: 'msg',
  traceIdField: 'trace_id',
};

const trace = (n: number) => n.toString(16).padStart(32, 'a');

describe('groupPatterns', () => {
  it('groups by route, status and template, largest first', () => {
    const lines: LogLineInput[] = [
      {
        timestampMs: 3000,
        line: JSON.stringify({ msg: 'upstream timeout after 30s', route: '/pay', status: 503, trace_id: trace(1) }),
      },
      {
        timestampMs: 1000,
        line: JSON.stringify({ msg: 'upstream timeout after 31s', route: '/pay', status: 503, trace_id: trace(2) }),
      },
      {
        timestampMs: 2000,
        line: JSON.stringify({ msg: 'upstream timeout after 29s', route: '/pay', status: 503, trace_id: trace(1) }),
      },
      { timestampMs: 1500, line: JSON.stringify({ msg: 'upstream timeout after 29s', route: '/cart', status: 503 }) },
      { timestampMs: 500, line: JSON.stringify({ msg: 'card declined', route: '/pay', status: 500 }) },
    ];
    const result = groupPatterns(lines, mapping);
    expect(result.totalLines).toBe(5);
    expect(result.groups).toHaveLength(3);
    const top = result.groups[0];
    expect(top).toMatchObject({
      template: 'upstream timeout after <*>',
      route: '/pay',
      status: '503',
      count: 3,
      share: 0.6,
      firstSeenMs: 1000,
      lastSeenMs: 3000,
      traceIds: [trace(2), trace(1)],
    });
    expect(top.sampleLine).toBe(lines[1].line);
    expect(top.sampleFormat).toBe('json');
    expect(result.groups.map((g) => g.count)).toEqual([3, 1, 1]);
    // Ties sort by template, then route.
    expect(result.groups[1].template).toBe('card declined');
    expect(new Set(result.groups.map((g) => g.id)).size).toBe(3);
  });

  it('reads plain-text lines', () => {
    const result = groupPatterns(
      [
        { timestampMs: 1, line: 'ERROR db connection refused to 10.0.0.1:5432 status=500' },
        { timestampMs: 2, line: 'ERROR db connection refused to 10.0.0.2:5432 status=500' },
      ],
      mapping
    );
    expect(result.groups).toHaveLength(1);
    expect(result.groups[0]).toMatchObject({ status: '500', count: 2, share: 1 });
    expect(result.groups[0].route).toBeUndefined();
  });

  it('returns no groups for no lines', () => {
    expect(groupPatterns([], mapping)).toEqual({ groups: [], totalLines: 0 });
  });

  it('caps trace ids per group', () => {
    const lines = Array.from({ length: 50 }, (_, i) => ({ timestampMs: i, line: `failed trace_id=${trace(i + 1)}` }));
    const result = groupPatterns(lines, mapping, { maxTraceIds: 5 });
    expect(result.groups[0].traceIds).toEqual([1, 2, 3, 4, 5].map(trace));
  });

  it('keeps ids stable across calls', () => {
    const lines = [{ timestampMs: 1, line: 'x failed' }];
    expect(groupPatterns(lines, mapping).groups[0].id).toBe(groupPatterns(lines, mapping).groups[0].id);
  });

  it('tolerates non-finite timestamps', () => {
    const result = groupPatterns(
      [
        { timestampMs: NaN, line: 'a' },
        { timestampMs: Infinity, line: 'a' },
      ],
      mapping
    );
    expect(result.groups[0]).toMatchObject({ count: 2, firstSeenMs: 0, lastSeenMs: 0 });
  });
});

describe('groupPatterns properties', () => {
  const words = ['timeout', 'refused', 'user', 'db', 'cache', 'miss', 'on', 'for', 'key'];
  const part = fc.oneof(
    fc.constantFrom(...words),
    fc.integer({ min: 0, max: 1000 }).map(String),
    fc.stringMatching(/^[0-9a-f]{8}$/)
  );
  const message = fc.array(part, { minLength: 1, maxLength: 6 }).map((p) => p.join(' '));
  const line = fc.oneof(
    message,
    fc
      .record({ m: message, r: fc.constantFrom('/a', '/b'), s: fc.constantFrom(500, 503) })
      .map(({ m, r, s }) => JSON.stringify({ msg: m, route: r, status: s })),
    fc.string({ maxLength: 40 })
  );
  const input = fc.array(fc.record({ timestampMs: fc.integer({ min: 0, max: 100 }), line }), { maxLength: 60 });

  it('puts every line in exactly one group and matches members to their template', () => {
    fc.assert(
      fc.property(input, (lines) => {
        const result = groupPatterns(lines, mapping);
        expect(result.groups.reduce((n, g) => n + g.count, 0)).toBe(lines.length);
        expect(result.totalLines).toBe(lines.length);
        const keys = result.groups.map((g) => `${g.route}|${g.status}|${g.template}`);
        expect(new Set(keys).size).toBe(keys.length);
        for (const g of result.groups) {
          expect(g.share).toBeCloseTo(g.count / lines.length);
        }
      }),
      { numRuns: 150 }
    );
  });

  it('gives each sample line a template that matches its message', () => {
    fc.assert(
      fc.property(input, (lines) => {
        for (const g of groupPatterns(lines, mapping).groups) {
          const sample = g.sampleLine.trim().startsWith('{') ? tryMessage(g.sampleLine) : g.sampleLine;
          expect(templateMatches(g.template, sample)).toBe(true);
        }
      }),
      { numRuns: 150 }
    );
  });

  it('does not depend on input order', () => {
    fc.assert(
      fc.property(input, fc.infiniteStream(fc.nat()), (lines, rnd) => {
        const shuffled = lines.slice();
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = rnd.next().value % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
        }
        expect(groupPatterns(shuffled, mapping)).toEqual(groupPatterns(lines, mapping));
      }),
      { numRuns: 150 }
    );
  });
});

function tryMessage(line: string): string {
  try {
    const v = JSON.parse(line) as { msg?: unknown };
    return typeof v.msg === 'string' ? v.msg : line;
  } catch {
    return line;
  }
}

describe('hostile input', () => {
  it('handles a 1 MB line', () => {
    const big = 'error ' + 'abc123 '.repeat(150000);
    const result = groupPatterns([{ timestampMs: 1, line: big }], mapping);
    expect(result.groups[0].count).toBe(1);
    expect(result.groups[0].template.length).toBeLessThan(20000);
    expect(templateMatches(result.groups[0].template, big)).toBe(true);
  });

  it('handles a 1 MB line without spaces', () => {
    const result = groupPatterns([{ timestampMs: 1, line: 'x'.repeat(1024 * 1024) }], mapping);
    expect(result.groups[0].template).toBe('<*>');
  });

  it('handles invalid UTF-8, digits only and punctuation only', () => {
    const lines = [
      '\ud800\udc00\ud800 broken \udfff',
      '\ufffd\ufffd\ufffd failed \ufffd',
      '1234567890',
      '0000 1111 2222',
      '!!!! ???? ....',
      '"""" \'\'\'\' ((((',
      '<<<<>>>> [[[[]]]] {{{{}}}}',
      '............................................................',
      '',
      '   ',
    ].map((line, i) => ({ timestampMs: i, line }));
    const result = groupPatterns(lines, mapping);
    expect(result.groups.reduce((n, g) => n + g.count, 0)).toBe(lines.length);
  });

  it('handles 200 000 lines', () => {
    const lines: LogLineInput[] = [];
    for (let i = 0; i < 200000; i++) {
      lines.push({
        timestampMs: i,
        line: `req ${i} failed for user u${i % 977} on shard-${i % 13} after ${i % 500}ms`,
      });
    }
    const result = groupPatterns(lines, mapping);
    expect(result.totalLines).toBe(200000);
    expect(result.groups[0].template).toBe('req <*> failed for user <*> on <*> after <*>');
  });
});
