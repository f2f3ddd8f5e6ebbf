import { renderRecords, splitLines } from './mineTemplates';

describe('splitLines', () => {
  it.each([
    ['', []],
    ['a', ['a']],
    ['a\n', ['a']],
    ['a\r\nb\r\n', ['a', 'b']],
    ['a\r\nb', ['a', 'b']],
    ['a\n\nb\n', ['a', '', 'b']],
    ['\n', ['']],
    ['a\rb\n', ['a\rb']],
  ])('%p', (text, expected) => {
    expect(splitLines(text)).toEqual(expected);
  });
});

describe('renderRecords', () => {
  it('writes one JSON object per line, numbered from 1, in chunks', () => {
    const templates = ['a <*>', 'say "hi" \\ <*>'];
    const chunks = [...renderRecords([0, 1, 0], (id) => templates[id], 10)];
    expect(chunks.length).toBeGreaterThan(1);
    const lines = chunks.join('').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toEqual([
      '{"line": 1, "template": "a <*>"}',
      '{"line": 2, "template": "say \\"hi\\" \\\\ <*>"}',
      '{"line": 3, "template": "a <*>"}',
    ]);
    expect(lines.map((l) => JSON.parse(l).template)).toEqual([templates[0], templates[1], templates[0]]);
  });

  it('writes nothing for no lines', () => {
    expect([...renderRecords([], () => '')]).toEqual([]);
  });
});
