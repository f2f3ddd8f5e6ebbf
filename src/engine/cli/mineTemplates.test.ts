import { MAX_LINE_CHARS, tokenizeMessage } from '../patterns/templateMiner';
import { LineSplitter, parseArgs, renderRecords } from './mineTemplates';

function splitInChunks(text: string | Buffer, chunkBytes: number, maxCarried?: number): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter(maxCarried);
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  for (let i = 0; i < bytes.length; i += chunkBytes) {
    // The reader reuses its buffer: hand over a copy that is overwritten afterwards.
    const chunk = Buffer.from(bytes.subarray(i, i + chunkBytes));
    lines.push(...splitter.push(chunk));
    chunk.fill(0x78);
  }
  lines.push(...splitter.end());
  return lines;
}

describe('LineSplitter', () => {
  it.each([
    ['', []],
    ['a', ['a']],
    ['a\n', ['a']],
    ['a\r\nb\r\n', ['a', 'b']],
    ['a\r\nb', ['a', 'b']],
    ['a\r\nb\r', ['a', 'b']],
    ['a\n\nb\n', ['a', '', 'b']],
    ['\n', ['']],
    ['\r\n\r\n', ['', '']],
    ['a\rb\n', ['a\rb']],
    ['h\u00e9llo w\u00f6rld \u{1f600}\nzw\u00f6lf\n', ['h\u00e9llo w\u00f6rld \u{1f600}', 'zw\u00f6lf']],
  ])('%p, in chunks of any size', (text, expected) => {
    for (const size of [1, 2, 3, 5, 1 << 20]) {
      expect(splitInChunks(text, size)).toEqual(expected);
    }
  });

  it('decodes invalid UTF-8 to U+FFFD, whatever the chunks', () => {
    const bytes = Buffer.from([0x61, 0xff, 0x62, 0x0a, 0xe2, 0x82, 0x0a, 0xc3]);
    for (const size of [1, 2, 3, 1 << 20]) {
      expect(splitInChunks(bytes, size)).toEqual([
        bytes.toString('utf8', 0, 3),
        bytes.toString('utf8', 4, 6),
        '\ufffd',
      ]);
    }
  });

  it('carries at most the first characters of a line over to the next chunk', () => {
    const text = 'x'.repeat(100) + '\nshort\n' + 'y'.repeat(50);
    for (const size of [1, 7]) {
      // The carried start, plus what the chunk that ends the line holds of it.
      const [x, short, y] = splitInChunks(text, size, 10);
      expect(x).toMatch(new RegExp(`^x{10,${10 + size}}$`));
      expect(short).toBe('short');
      expect(y).toMatch(new RegExp(`^y{10,${10 + size}}$`));
    }
    // Within one chunk a line is whole: the miner reads only its head anyway.
    expect(splitInChunks(text, 1 << 20, 10)).toEqual(['x'.repeat(100), 'short', 'y'.repeat(10)]);
  });

  it('keeps enough of a line for the miner to treat it as the whole line', () => {
    const line = '\u{1f600} '.repeat(MAX_LINE_CHARS);
    const [kept] = splitInChunks(line, 1 << 10);
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
