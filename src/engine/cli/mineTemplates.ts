/**
 * Entry point of `scripts/mine-templates`: reads a file of log messages and prints, in input order,
 * one JSON object per line with the line number (1-based) and the mined template.
 */
import { MAX_LINE_CHARS, TemplateMiner, type TemplateMinerOptions } from '../patterns/templateMiner';

/**
 * Longest line prefix kept, in bytes. The miner reads at most `MAX_LINE_CHARS` characters of a
 * line and marks a longer line with a trailing placeholder; UTF-8 takes at most 4 bytes per
 * character, so a cut line still decodes to more than `MAX_LINE_CHARS` characters and mines
 * exactly like the whole line, while a line without line breaks cannot fill the memory.
 */
export const MAX_LINE_BYTES = 4 * (MAX_LINE_CHARS + 1);

/**
 * Splits a byte stream into lines (LF or CRLF, a missing final newline accepted) and decodes each
 * line on its own: a line string then owns its characters instead of pinning a whole decoded
 * chunk that a cache might keep alive. Invalid UTF-8 decodes to U+FFFD, as `readFileSync` does.
 */
export class LineSplitter {
  private carry: Buffer[] = [];
  private carried = 0;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineBytes = MAX_LINE_BYTES
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) {
        break;
      }
      if (this.carry.length > 0) {
        this.keep(chunk, start, nl);
        this.emit(Buffer.concat(this.carry), 0, this.carried);
        this.carry = [];
        this.carried = 0;
      } else {
        this.emit(chunk, start, Math.min(nl, start + this.maxLineBytes));
      }
      start = nl + 1;
    }
    if (start < chunk.length) {
      // The chunk buffer is reused by the reader: keep a copy of the unfinished line.
      this.keep(chunk, start, chunk.length);
    }
  }

  /** Emits the last line when the input does not end with a newline. */
  end(): void {
    if (this.carry.length > 0) {
      this.emit(Buffer.concat(this.carry), 0, this.carried);
      this.carry = [];
      this.carried = 0;
    }
  }

  private keep(chunk: Buffer, start: number, end: number): void {
    const take = Math.min(end - start, this.maxLineBytes - this.carried);
    if (take > 0) {
      this.carry.push(Buffer.from(chunk.subarray(start, start + take)));
      this.carried += take;
    }
  }

  private emit(bytes: Buffer, start: number, end: number): void {
    const stop = end > start && bytes[end - 1] === 13 ? end - 1 : end;
    this.onLine(bytes.toString('utf8', start, stop));
  }
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

/** Feeds the file to `splitter` in chunks, so memory does not grow with the file's size. */
async function readInto(path: string, splitter: LineSplitter, bun: BunRuntime | undefined): Promise<void> {
  if (bun) {
    for await (const chunk of bun.file(path).stream()) {
      splitter.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    }
  } else {
    const fs = nodeFs();
    const fd = fs.openSync(path, 'r');
    try {
      const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
      for (let n = fs.readSync(fd, buffer); n > 0; n = fs.readSync(fd, buffer)) {
        splitter.push(buffer.subarray(0, n));
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  splitter.end();
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
  await readInto(args.path, new LineSplitter((line) => ids.push(miner.add(line))), bun);
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
