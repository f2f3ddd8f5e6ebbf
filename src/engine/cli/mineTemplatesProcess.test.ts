/**
 * `scripts/mine-templates` as users run it: the launcher, the bundle it builds, under Bun (when
 * `npm ci` installed it) and under Node. Its records must equal the in-process miner's templates for
 * the same lines, whatever the line endings, encoding errors and line lengths.
 */
import { execFileSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { mineTemplates } from '../patterns/templateMiner';

const SCRIPT = join(__dirname, '..', '..', '..', 'scripts', 'mine-templates');

/**
 * Short lines (CRLF among them), invalid UTF-8, no final newline, and long lines: first, so that
 * the chunk's lines are decoded one by one, each long one only as far as the miner reads it; or
 * last, so that they are decoded with the chunk's text.
 */
function lineBytes(longFirst: boolean): Buffer {
  const short: Buffer[] = [];
  for (let i = 0; i < 300; i++) {
    short.push(Buffer.from(`Connection closed by 10.0.${i % 7}.${i} port ${40000 + i}\n`));
    short.push(Buffer.from(`user=u${i % 5} action=login took ${i}ms\r\n`));
  }
  short.push(Buffer.from([0x62, 0x61, 0x64, 0xff, 0x20, 0xe2, 0x82, 0x0a])); // invalid UTF-8
  // Long words, so that the miner's character limit cuts these lines before its word limit does.
  const long = [
    Buffer.from('abcdefghijklmnopqrstuvwxyz '.repeat(300) + '\r\n'),
    Buffer.from('\u00e9t\u00e9 abcdefghijklmnopqrstuvwxyz '.repeat(300) + '\n'),
  ];
  const end = Buffer.from('no final newline 42');
  return Buffer.concat(longFirst ? [...long, ...short, end] : [...short, ...long, end]);
}

function expectedTemplates(bytes: Buffer): string[] {
  const lines = new TextDecoder()
    .decode(bytes)
    .split('\n')
    .map((l) => l.replace(/\r$/, ''));
  return mineTemplates(lines);
}

function cliTemplates(path: string, runtime?: string): string[] {
  const env = { ...process.env, MINE_TEMPLATES_RUNTIME: runtime ?? '' };
  const out = execFileSync(SCRIPT, [path], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  return out
    .trimEnd()
    .split('\n')
    .map((record, i) => {
      const parsed = JSON.parse(record) as { line: number; template: string };
      expect(parsed.line).toBe(i + 1);
      return parsed.template;
    });
}

describe('scripts/mine-templates', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mine-templates-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['the default runtime (Bun where installed)', true, undefined],
    ['the default runtime (Bun where installed)', false, undefined],
    ['node', true, 'node'],
    ['node', false, 'node'],
  ])(
    'prints the in-process templates, one record per line, under %s, long lines first: %p',
    (_name, longFirst, runtime) => {
      const bytes = lineBytes(longFirst);
      const path = join(dir, 'lines.txt');
      writeFileSync(path, bytes);
      const expected = expectedTemplates(bytes);
      expect(expected.length).toBe(604);
      expect(cliTemplates(path, runtime)).toEqual(expected);
    },
    120000
  );

  it('answers a missing argument with its usage and status 2', () => {
    let status = 0;
    try {
      execFileSync(SCRIPT, [], { stdio: 'pipe' });
    } catch (err) {
      status = (err as { status: number }).status;
    }
    expect(status).toBe(2);
  });
});
