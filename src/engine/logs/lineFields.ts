/**
 * Reads the fields of one raw log line, whatever its shape: a JSON object, logfmt, or free text
 * that carries a few `key=value` pairs. Shared by the line parser and the trace id extractor.
 */

export type LineFormat = 'json' | 'logfmt' | 'text';

export interface LineFields {
  format: LineFormat;
  /**
   * Field values as strings. Nested JSON objects appear under dotted keys (`http.route`); for
   * free text these are the `key=value` pairs found in it.
   */
  fields: Map<string, string>;
}

/** Only this much of a line is scanned for pairs or parsed as JSON; the rest is ignored. */
export const MAX_SCAN_CHARS = 64 * 1024;
const MAX_JSON_DEPTH = 4;
const MAX_FIELDS = 256;

function isSpaceCode(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function flattenJson(value: unknown, prefix: string, depth: number, out: Map<string, string>): void {
  if (out.size >= MAX_FIELDS || value === null || typeof value !== 'object' || Array.isArray(value)) {
    return;
  }
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (out.size >= MAX_FIELDS) {
      return;
    }
    const name = prefix === '' ? key : prefix + '.' + key;
    if (typeof v === 'string') {
      out.set(name, v);
    } else if (typeof v === 'number' || typeof v === 'boolean') {
      out.set(name, String(v));
    } else if (depth < MAX_JSON_DEPTH) {
      flattenJson(v, name, depth + 1, out);
    }
  }
}

function readJson(line: string): Map<string, string> | undefined {
  let start = 0;
  while (start < line.length && isSpaceCode(line.charCodeAt(start))) {
    start++;
  }
  let end = line.length;
  while (end > start && isSpaceCode(line.charCodeAt(end - 1))) {
    end--;
  }
  if (line[start] !== '{' || line[end - 1] !== '}' || end - start > MAX_SCAN_CHARS) {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(line.slice(start, end));
  } catch {
    return undefined; // not JSON after all: read it as text
  }
  const fields = new Map<string, string>();
  flattenJson(parsed, '', 0, fields);
  return fields;
}

interface PairScan {
  pairs: Map<string, string>;
  pairCount: number;
  bareCount: number;
  startsWithPair: boolean;
}

function isKeyCode(c: number): boolean {
  // Letters, digits, `_`, `.`, `-`, `/`, `@`: what logfmt keys are made of in practice.
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 95 ||
    c === 46 ||
    c === 45 ||
    c === 47 ||
    c === 64
  );
}

/**
 * Scans `key=value` pairs in one linear pass. Values may be double-quoted with backslash
 * escapes; an unterminated quote runs to the end of the scanned text. Words that are not pairs
 * are counted so logfmt can be told from prose.
 */
export function scanPairs(text: string): PairScan {
  const n = Math.min(text.length, MAX_SCAN_CHARS);
  const pairs = new Map<string, string>();
  let pairCount = 0;
  let bareCount = 0;
  let startsWithPair = false;
  let i = 0;
  while (i < n) {
    while (i < n && isSpaceCode(text.charCodeAt(i))) {
      i++;
    }
    if (i >= n) {
      break;
    }
    const keyStart = i;
    while (i < n && isKeyCode(text.charCodeAt(i))) {
      i++;
    }
    if (i > keyStart && i < n && text.charCodeAt(i) === 61 /* = */) {
      const key = text.slice(keyStart, i);
      i++;
      let value: string;
      if (i < n && text.charCodeAt(i) === 34 /* " */) {
        i++;
        let buf = '';
        let chunk = i;
        while (i < n && text.charCodeAt(i) !== 34) {
          if (text.charCodeAt(i) === 92 /* \ */ && i + 1 < n) {
            buf += text.slice(chunk, i);
            const e = text[i + 1];
            buf += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
            i += 2;
            chunk = i;
          } else {
            i++;
          }
        }
        value = buf + text.slice(chunk, i);
        i++; // closing quote
      } else {
        const valueStart = i;
        while (i < n && !isSpaceCode(text.charCodeAt(i))) {
          i++;
        }
        value = text.slice(valueStart, i);
      }
      if (pairCount === 0 && bareCount === 0) {
        startsWithPair = true;
      }
      pairCount++;
      if (!pairs.has(key) && pairs.size < MAX_FIELDS) {
        pairs.set(key, value);
      }
    } else {
      bareCount++;
      while (i < n && !isSpaceCode(text.charCodeAt(i))) {
        i++;
      }
    }
  }
  return { pairs, pairCount, bareCount, startsWithPair };
}

/** Reads a line as JSON, else logfmt, else free text with whatever pairs it holds. */
export function readLineFields(line: string): LineFields {
  const json = readJson(line);
  if (json) {
    return { format: 'json', fields: json };
  }
  const scan = scanPairs(line);
  // logfmt is mostly pairs from its first word on; prose with a pair or two stays text.
  const logfmt = scan.startsWithPair && scan.pairCount >= 2 && scan.bareCount <= scan.pairCount / 2;
  return { format: logfmt ? 'logfmt' : 'text', fields: scan.pairs };
}

/** The first of `names` present in `fields` with a non-empty value. */
export function firstField(fields: Map<string, string>, names: ReadonlyArray<string | undefined>): string | undefined {
  for (const name of names) {
    if (name) {
      const v = fields.get(name);
      if (v !== undefined && v !== '') {
        return v;
      }
    }
  }
  return undefined;
}
