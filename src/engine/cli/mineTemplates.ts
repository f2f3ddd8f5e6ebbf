/**
 * Entry point of `scripts/mine-templates`: reads a file of log messages and prints, in input order,
 * one JSON object per line with the line number (1-based) and the mined template.
 */
import { TemplateMiner } from '../patterns/templateMiner';

/** Splits file text into lines, accepting LF or CRLF and a missing final newline. */
export function splitLines(text: string): string[] {
  if (text.length === 0) {
    return [];
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') {
    lines.pop();
  }
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.length > 0 && l.charCodeAt(l.length - 1) === 13) {
      lines[i] = l.slice(0, -1);
    }
  }
  return lines;
}

/**
 * Renders the output records for per-line template ids; chunks keep memory flat and writes few.
 * Each distinct template's JSON tail is encoded once, and a chunk is joined from an array of
 * records: appending to one string would build a rope of tens of thousands of pieces that the
 * final write has to flatten.
 */
export function* renderRecords(
  ids: readonly number[],
  templateOf: (id: number) => string,
  chunkChars = 1 << 20
): Generator<string> {
  const tails: string[] = [];
  let parts: Array<string | number> = [];
  let size = 0;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    let tail = tails[id];
    if (tail === undefined) {
      tail = ', "template": ' + JSON.stringify(templateOf(id)) + '}\n';
      tails[id] = tail;
    }
    // The number goes in as a number: `join` converts it natively, cheaper than `+` in JS.
    parts.push('{"line": ', i + 1, tail);
    size += 16 + tail.length;
    if (size >= chunkChars) {
      yield parts.join('');
      parts = [];
      size = 0;
    }
  }
  if (parts.length > 0) {
    yield parts.join('');
  }
}

/**
 * Writes all of `chunk` to a file descriptor synchronously. `process.stdout` would do, but under
 * Bun its first use loads the Node stream machinery, which costs more than mining a small file.
 * The string goes to `writeSync` as is (no Buffer copy); should the descriptor take only part of
 * it, or refuse bytes for now (EAGAIN, a non-blocking pipe whose reader lags), the rest follows
 * from an encoded copy.
 */
function writeAll(fd: number, chunk: string): void {
  let bytes: Buffer | undefined; // the encoded chunk, made only after a short or refused write
  let off = 0;
  for (;;) {
    try {
      off += bytes ? nodeFs().writeSync(fd, bytes, off) : nodeFs().writeSync(fd, chunk);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') {
        throw err;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      bytes = bytes ?? Buffer.from(chunk, 'utf8');
      continue;
    }
    if (!bytes) {
      if (off >= Buffer.byteLength(chunk, 'utf8')) {
        return;
      }
      bytes = Buffer.from(chunk, 'utf8');
    }
    if (off >= bytes.length) {
      return;
    }
  }
}

/** The part of Bun's global API this CLI uses. */
interface BunRuntime {
  file(path: string): { text(): Promise<string> };
  write(destination: unknown, data: string): Promise<number>;
  stdout: unknown;
}
declare const Bun: BunRuntime | undefined;

/**
 * Node's `fs`, loaded on first use: under Bun, loading `node:fs` costs ~5 ms, a tenth of mining
 * 20,000 lines, so the Bun path below does its I/O with Bun's own API instead.
 */
function nodeFs(): typeof import('fs') {
  return require('fs');
}

async function main(argv: string[]): Promise<number> {
  if (argv.length !== 1 || argv[0] === '-h' || argv[0] === '--help') {
    process.stderr.write('usage: mine-templates FILE\n');
    return 2;
  }
  const bun = typeof Bun === 'undefined' ? undefined : Bun;
  const text = bun ? await bun.file(argv[0]).text() : nodeFs().readFileSync(argv[0], 'utf8');
  const lines = splitLines(text);
  const miner = new TemplateMiner();
  const ids = lines.map((l) => miner.add(l));
  for (const chunk of renderRecords(ids, (id) => miner.template(id))) {
    if (bun) {
      await bun.write(bun.stdout, chunk);
    } else {
      writeAll(1, chunk);
    }
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      // A closed pipe (`mine-templates FILE | head`) is the reader's choice, not an error.
      if ((err as NodeJS.ErrnoException).code !== 'EPIPE') {
        process.stderr.write(`mine-templates: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
      }
    }
  );
}
