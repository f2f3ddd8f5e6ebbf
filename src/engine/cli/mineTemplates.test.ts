import { MAX_LINE_CHARS, tokenizeMessage } from '../patterns/templateMiner';
import { LineSplitter, parseArgs, renderRecords } from './mineTemplates';

function splitInChunks(text: string | Buffer, chunkBytes: number, headChars?: number): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter(headChars);
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

  it('keeps the head of a long line, wherever the chunks end', () => {
    const text = 'x'.repeat(100) + '\nshort\n' + 'z'.repeat(100) + '\n\u00e9'.repeat(3) + 'y'.repeat(50);
    // A head holding a multi-byte character is cut by bytes instead: 4 x 10 of them.
    const expected = ['x'.repeat(10), 'short', 'z'.repeat(10), '\u00e9', '\u00e9', '\u00e9' + 'y'.repeat(38)];
    for (const size of [1, 7, 1 << 20]) {
      const lines = splitInChunks(text, size, 10);
      // Within a chunk of short lines a long one may stay whole: the miner reads only its head.
      expect(['z'.repeat(10), 'z'.repeat(100)]).toContain(lines[2]);
      expect(lines.filter((_, i) => i !== 2)).toEqual(expected.filter((_, i) => i !== 2));
    }
  });

  it('keeps whole characters in the head of a long line of multi-byte characters', () => {
    const line = '\u00e9'.repeat(100);
    for (const size of [1, 7, 1 << 20]) {
      const [kept] = splitInChunks(line + '\n' + line + '\nend\n', size, 10);
      expect(kept).toBe('\u00e9'.repeat(20)); // the 40 bytes kept
    }
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
