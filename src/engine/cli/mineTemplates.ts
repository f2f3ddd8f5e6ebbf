/**
 * Entry point of `scripts/mine-templates`: reads a file of log messages and prints, in input order,
 * one JSON object per line with the line number (1-based) and the mined template.
 */
import { MAX_LINE_CHARS, TemplateMiner, type TemplateMinerOptions } from '../patterns/templateMiner';

/**
 * Longest start of an unfinished line kept between chunks, in characters: the miner reads at most
 * `MAX_LINE_CHARS` characters of a line and marks a longer line with a trailing placeholder, so a
 * line cut to one character more mines exactly like the whole line, while a file without line
 * breaks cannot fill the memory. Lines within one chunk are handed over whole (a chunk is small).
 */
export const MAX_CARRIED_CHARS = MAX_LINE_CHARS + 1;

/**
 * Splits a byte stream into lines (LF or CRLF, a missing final newline accepted). Each chunk is
 * decoded in one call and split in one call, and its lines come back as one array: on 300,000
 * lines that is 70 ms less than decoding line by line and handing lines over one call at a time.
 * The lines are slices of the chunk's text; the miner copies the few it keeps (see `ownCopy`
 * there), so no chunk stays alive. Invalid UTF-8 decodes to U+FFFD, as `readFileSync` does; a
 * character split across chunks decodes whole.
 */
export class LineSplitter {
  private readonly decoder = new TextDecoder();
  /** The start of an unfinished line, at most `maxCarried` characters of it. */
  private carry = '';

  constructor(private readonly maxCarried = MAX_CARRIED_CHARS) {}

  /** The lines the chunk completes. */
  push(chunk: Uint8Array): string[] {
    return this.split(this.decoder.decode(chunk, { stream: true }), false);
  }

  /** The last line, when the input does not end with a newline. */
  end(): string[] {
    return this.split(this.decoder.decode(), true);
  }

  private split(text: string, last: boolean): string[] {
    const lines = text.split('\n');
    const unfinished = lines.pop() ?? '';
    // Only the carried line and lines of a text holding a CR need their CR looked for.
    const crs = text.indexOf('\r') >= 0;
    if (lines.length > 0) {
      lines[0] = withoutCR(this.carry + lines[0]);
      this.carry = '';
      for (let i = 1; crs && i < lines.length; i++) {
        lines[i] = withoutCR(lines[i]);
      }
    }
    if (this.carry.length < this.maxCarried) {
      this.carry = (this.carry + unfinished).slice(0, this.maxCarried);
    }
    if (last && this.carry !== '') {
      lines.push(withoutCR(this.carry));
      this.carry = '';
    }
    return lines;
  }
}

function withoutCR(line: string): string {
  return line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
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
  file(path: string): { stream(): AsyncIterable<Uint8Array> };
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

const READ_CHUNK_BYTES = 1 << 20;

/** Hands the file's lines to `onLines` a chunk at a time, so memory does not grow with the file. */
async function readLines(path: string, bun: BunRuntime | undefined, onLines: (lines: string[]) => void): Promise<void> {
  const splitter = new LineSplitter();
  if (bun) {
    for await (const chunk of bun.file(path).stream()) {
      onLines(splitter.push(chunk));
    }
  } else {
    const fs = nodeFs();
    const fd = fs.openSync(path, 'r');
    try {
      const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
      for (let n = fs.readSync(fd, buffer); n > 0; n = fs.readSync(fd, buffer)) {
        onLines(splitter.push(buffer.subarray(0, n)));
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  onLines(splitter.end());
}

const USAGE = 'usage: mine-templates [--similarity-threshold=X] [--min-distinct-values=N] FILE\n';
const NUMERIC_OPTIONS = ['similarityThreshold', 'minDistinctValues'] as const;

/**
 * Reads the options (the miner's thresholds, for the benchmark's leave-one-out selection; the
 * defaults are the product's configuration) and the file name; undefined when malformed.
 */
export function parseArgs(argv: readonly string[]): { path: string; options: TemplateMinerOptions } | undefined {
  const options: TemplateMinerOptions = {};
  const rest: string[] = [];
  for (const arg of argv) {
    const m = /^--([a-z-]+)=(.*)$/.exec(arg);
    if (!m) {
      rest.push(arg);
      continue;
    }
    const name = NUMERIC_OPTIONS.find((o) => o.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase()) === m[1]);
    const value = Number(m[2]);
    if (!name || m[2] === '' || !Number.isFinite(value)) {
      return undefined;
    }
    options[name] = value;
  }
  if (rest.length !== 1 || rest[0].startsWith('-')) {
    return undefined;
  }
  return { path: rest[0], options };
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (!args) {
    process.stderr.write(USAGE);
    return 2;
  }
  const bun = typeof Bun === 'undefined' ? undefined : Bun;
  const miner = new TemplateMiner(args.options);
  const ids: number[] = [];
  await readLines(args.path, bun, (lines) => {
    for (const line of lines) {
      ids.push(miner.add(line));
    }
  });
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
