import { MAX_LINE_CHARS, tokenizeMessage } from '../patterns/templateMiner';
import { LineSplitter, parseArgs, renderRecords } from './mineTemplates';

function splitInChunks(text: string, chunkBytes: number, maxLineBytes?: number): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((l) => lines.push(l), maxLineBytes);
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += chunkBytes) {
    // The reader reuses its buffer: hand over a copy that is overwritten afterwards.
    const chunk = Buffer.from(bytes.subarray(i, i + chunkBytes));
    splitter.push(chunk);
    chunk.fill(0x78);
  }
  splitter.end();
  return lines;
}

describe('LineSplitter', () => {
  it.each([
    ['', []],
    ['a', ['a']],
    ['a\n', ['a']],
    ['a\r\nb\r\n', ['a', 'b']],
    ['a\r\nb', ['a', 'b']],
    ['a\n\nb\n', ['a', '', 'b']],
    ['\n', ['']],
    ['a\rb\n', ['a\rb']],
    ['h\u00e9llo w\u00f6rld \u{1f600}\nzw\u00f6lf\n', ['h\u00e9llo w\u00f6rld \u{1f600}', 'zw\u00f6lf']],
  ])('%p, in chunks of any size', (text, expected) => {
    for (const size of [1, 2, 3, 5, 1 << 20]) {
      expect(splitInChunks(text, size)).toEqual(expected);
    }
  });

  it('keeps only the first bytes of an overlong line', () => {
    const text = 'x'.repeat(100) + '\nshort\n' + 'y'.repeat(50);
    for (const size of [1, 7, 1 << 20]) {
      expect(splitInChunks(text, size, 10)).toEqual(['x'.repeat(10), 'short', 'y'.repeat(10)]);
    }
  });

  it('keeps enough of a line for the miner to treat it as the whole line', () => {
    const line = '\u{1f600} '.repeat(MAX_LINE_CHARS);
    const [kept] = splitInChunks(line, 1 << 16);
    expect(kept.length).toBeGreaterThan(MAX_LINE_CHARS);
    expect(kept.length).toBeLessThan(line.length);
    expect(tokenizeMessage(kept)).toEqual(tokenizeMessage(line));
  });
});

describe('parseArgs', () => {
  it('reads the thresholds and the file', () => {
    expect(parseArgs(['--similarity-threshold=0.8', '--min-distinct-values=4', 'f.txt'])).toEqual({
      path: 'f.txt',
      options: { similarityThreshold: 0.8, minDistinctValues: 4 },
    });
    expect(parseArgs(['f.txt'])).toEqual({ path: 'f.txt', options: {} });
  });

  it.each([[[]], [['a', 'b']], [['--bogus=1', 'f']], [['--min-distinct-values=x', 'f']], [['-h']], [['--help']]])(
    'rejects %p',
    (argv) => {
      expect(parseArgs(argv)).toBeUndefined();
    }
  );
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
