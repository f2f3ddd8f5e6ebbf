/**
 * Entry point of `scripts/mine-templates`: reads a file of log messages and prints, in input order,
 * one JSON object per line with the line number (1-based) and the mined template.
 */
import { MAX_LINE_CHARS, TemplateMiner, type TemplateMinerOptions } from '../patterns/templateMiner';

/**
 * Characters of a line the miner needs: it reads at most `MAX_LINE_CHARS` of them and marks a
 * longer line with a trailing placeholder, so a line cut after this many characters mines like the
 * whole line, even when the cut broke its last character (one U+FFFD then stands at the end).
 */
export const LINE_HEAD_CHARS = MAX_LINE_CHARS + 2;

/**
 * Splits a byte stream into lines (LF or CRLF, a missing final newline accepted) and decodes
 * them; invalid UTF-8 decodes to U+FFFD, as `readFileSync` does. The lines between a chunk's first
 * and last newline are decoded in one call and split in one call (on 300,000 lines, 35 ms less than
 * a call per line); those slices of the chunk's text are copied by the miner where it keeps them
 * (see `ownCopy` there). When the first of those lines is long (over twice `headChars` bytes), the
 * chunk is taken for one of long lines and each line is decoded on its own, only its first
 * `headChars` characters (up to four bytes each): on 8 KiB lines that leaves three quarters of the
 * bytes undecoded. Either way a line mines as it would whole. The line a chunk leaves unfinished is
 * kept as bytes, at most as many as `headChars` characters can take.
 */
export class LineSplitter {
  private readonly decoder = new TextDecoder();
  private readonly keptBytes: number;
  private readonly longLineBytes: number;
  /** The bytes of an unfinished line, at most `keptBytes` of them. */
  private carry: Uint8Array[] = [];
  private carried = 0;

  constructor(private readonly headChars = LINE_HEAD_CHARS) {
    this.keptBytes = 4 * headChars;
    this.longLineBytes = 2 * headChars;
  }

  /** The lines the chunk completes. */
  push(chunk: Uint8Array): string[] {
    const lines: string[] = [];
    const first = chunk.indexOf(10);
    if (first < 0) {
      this.keep(chunk, 0, chunk.length);
      return lines;
    }
    this.keep(chunk, 0, first);
    lines.push(this.takeCarried());
    const last = chunk.lastIndexOf(10);
    const start = first + 1;
    if (last > first && chunk.indexOf(10, start) - start > this.longLineBytes) {
      for (let a = start; a <= last;) {
        const b = chunk.indexOf(10, a);
        lines.push(this.decodeLine(chunk, a, b));
        a = b + 1;
      }
    } else if (last > first) {
      const text = this.decoder.decode(chunk.subarray(start, last));
      const crs = text.indexOf('\r') >= 0;
      for (const line of text.split('\n')) {
        lines.push(crs && line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line);
      }
    }
    this.keep(chunk, last + 1, chunk.length);
    return lines;
  }

  /** The last line, when the input does not end with a newline. */
  end(): string[] {
    return this.carried > 0 ? [this.takeCarried()] : [];
  }

  private keep(chunk: Uint8Array, start: number, end: number): void {
    const take = Math.min(end - start, this.keptBytes - this.carried);
    if (take > 0) {
      // The reader may reuse the chunk's memory: keep a copy (a Buffer's `slice` would not be one).
      this.carry.push(new Uint8Array(chunk.subarray(start, start + take)));
      this.carried += take;
    }
  }

  private takeCarried(): string {
    let bytes = this.carry[0] ?? new Uint8Array(0);
    if (this.carry.length > 1) {
      bytes = new Uint8Array(this.carried);
      let at = 0;
      for (const part of this.carry) {
        bytes.set(part, at);
        at += part.length;
      }
    }
    this.carry = [];
    this.carried = 0;
    return this.decodeLine(bytes, 0, bytes.length);
  }

  /** Decodes `bytes[start..end)` without its CR, or the line's head when the line is long. */
  private decodeLine(bytes: Uint8Array, start: number, end: number): string {
    const stop = end > start && bytes[end - 1] === 13 ? end - 1 : end;
    if (stop - start > this.longLineBytes) {
      const head = this.decoder.decode(bytes.subarray(start, start + this.headChars));
      if (head.length >= this.headChars) {
        return head;
      }
    }
    return this.decoder.decode(bytes.subarray(start, Math.min(stop, start + this.keptBytes)));
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
  file(path: string): { size: number; stream(): AsyncIterable<Uint8Array> };
  write(destination: unknown, data: string): Promise<number>;
  stdout: unknown;
}
declare const Bun: BunRuntime | undefined;

/**
 * Node's `fs`, loaded on first use: under Bun, loading `node:fs` costs ~5 ms, a tenth of mining
 * 20,000 lines, so Bun reads a small file with its own API instead (see `readLines`).
 */
function nodeFs(): typeof import('fs') {
  return require('fs');
}

const READ_CHUNK_BYTES = 1 << 20;
/**
 * Below this size Bun streams the file itself; above it `readSync` into one reused buffer is
 * faster (Bun's stream hands over fresh buffers, each page of them a fault: 400 MB took 110 ms
 * streamed against 60 ms read).
 */
const BUN_STREAM_BELOW_BYTES = 8 << 20;

/** Hands the file's lines to `onLines` a chunk at a time, so memory does not grow with the file. */
async function readLines(path: string, bun: BunRuntime | undefined, onLines: (lines: string[]) => void): Promise<void> {
  const splitter = new LineSplitter();
  const file = bun?.file(path);
  if (file && file.size < BUN_STREAM_BELOW_BYTES) {
    for await (const chunk of file.stream()) {
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
