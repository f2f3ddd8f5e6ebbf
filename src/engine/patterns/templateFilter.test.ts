import fc from 'fast-check';

import { escapeRe2, quoteLogQL, templateLineFilter, templateMatches, templateRegex } from './templateFilter';
import { mineTemplates } from './templateMiner';

/** Reads back a `|~ "..."` filter as a JS RegExp (RE2's `\x{hh}` becomes JS `\x{hh}` with `u`). */
function filterToRegExp(filter: string): RegExp {
  const m = /^\|~ (".*")$/s.exec(filter);
  if (!m) {
    throw new Error(`not a line filter: ${filter}`);
  }
  const body = JSON.parse(m[1]) as string; // LogQL's Go-style escapes are JSON-compatible here
  return new RegExp(body.replace(/\\x\{([0-9a-f]+)\}/g, '\\u{$1}'), 'u');
}

describe('templateMatches', () => {
  it.each([
    ['a <*> c', 'a b c', true],
    ['a <*> c', 'a  b\tc', true],
    ['a <*> c', 'a c', false],
    ['<*> end', 'anything at the end', true],
    ['start <*>', 'start', false],
    ['start <*>', 'start x', true],
    ['x=<*>,y=<*>', 'x=1,y=2', true],
    ['x=<*>,y=<*>', 'x=1,z=2', false],
    ['no wildcard', 'no wildcard', true],
    ['no wildcard', 'no wildcards', false],
    ['<*>', '', true],
    ['', '', true],
    ['a<*>a', 'a', false],
    ['a<*>a', 'aa', true],
  ])('%p vs %p → %p', (template, message, expected) => {
    expect(templateMatches(template, message)).toBe(expected);
  });
});

describe('escapeRe2', () => {
  it('escapes every RE2 metacharacter', () => {
    expect(escapeRe2('a.b*c+d?e(f)g|h[i]j{k}l^m$n\\o')).toBe(
      'a\\.b\\*c\\+d\\?e\\(f\\)g\\|h\\[i\\]j\\{k\\}l\\^m\\$n\\\\o'
    );
  });

  it('leaves quotes and plain text alone, encodes control characters', () => {
    expect(escapeRe2('say "hi" / \'yo\'')).toBe('say "hi" / \'yo\'');
    expect(escapeRe2('tab\there\u0001')).toBe('tab\\x{9}here\\x{1}');
  });
});

describe('quoteLogQL', () => {
  it('escapes backslashes, quotes and line breaks for a double-quoted string', () => {
    expect(quoteLogQL('a\\b"c\nd\te')).toBe('"a\\\\b\\"c\\nd\\te"');
    expect(quoteLogQL('')).toBe('""');
  });
});

describe('templateRegex', () => {
  it('anchors literal parts and turns placeholders into lazy wildcards', () => {
    expect(templateRegex('GET <*> took <*>')).toBe('^\\s*GET\\s+.*?\\s+took\\s+.*?\\s*$');
    expect(templateRegex('a.b <*>', false)).toBe('a\\.b\\s+.*?');
  });
});

describe('templateLineFilter', () => {
  it('builds an exact filter for text lines, escaped twice', () => {
    const filter = templateLineFilter('path "C:\\tmp" (x) failed: <*>');
    expect(filter).toBe('|~ "^\\\\s*path\\\\s+\\"C:\\\\\\\\tmp\\"\\\\s+\\\\(x\\\\)\\\\s+failed:\\\\s+.*?\\\\s*$"');
    const re = filterToRegExp(filter);
    expect(re.test('path "C:\\tmp" (x) failed: disk full')).toBe(true);
    expect(re.test('path "C:\\tmp" (y) failed: disk full')).toBe(false);
    expect(re.test('prefix path "C:\\tmp" (x) failed: disk full')).toBe(false);
  });

  it('uses the longest JSON-safe fragments for structured lines', () => {
    const filter = templateLineFilter('upstream "svc" timed out after <*> on <*>/checkout', { structured: true });
    const re = filterToRegExp(filter);
    const line = JSON.stringify({ level: 'error', msg: 'upstream "svc" timed out after 30s on https://shop/checkout' });
    expect(re.test(line)).toBe(true);
    expect(filter).not.toContain('svc\\\\"'); // the quoted part is left out, its escaping varies
  });

  it('returns no filter for an all-placeholder template', () => {
    expect(templateLineFilter('<*>')).toBe('');
    expect(templateLineFilter('<*>', { structured: true })).toBe('');
  });
});

describe('properties', () => {
  const word = fc.stringMatching(/^[a-zA-Z_:/.=,()"'\\[\]{}*?+^$|-]{1,8}$/);
  const token = fc.oneof(word, fc.integer({ min: 0, max: 99999 }).map(String), fc.uuid());
  const message = fc.array(token, { minLength: 0, maxLength: 10 }).map((t) => t.join(' '));

  it('a template matches every message it was mined from', () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 40 }), (messages) => {
        const templates = mineTemplates(messages);
        messages.forEach((m, i) => expect(templateMatches(templates[i], m)).toBe(true));
      }),
      { numRuns: 200 }
    );
  });

  it('the text filter selects every message of its template', () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 20 }), (messages) => {
        const templates = mineTemplates(messages);
        messages.forEach((m, i) => {
          const filter = templateLineFilter(templates[i]);
          if (filter !== '') {
            expect(filterToRegExp(filter).test(m)).toBe(true);
          }
        });
      }),
      { numRuns: 200 }
    );
  });

  it('matches arbitrary unicode messages against their own template', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', maxLength: 60 }), { minLength: 1, maxLength: 20 }),
        (messages) => {
          const templates = mineTemplates(messages);
          messages.forEach((m, i) => expect(templateMatches(templates[i], m)).toBe(true));
        }
      ),
      { numRuns: 200 }
    );
  });
});
