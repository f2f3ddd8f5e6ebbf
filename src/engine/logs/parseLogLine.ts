import type { LogMapping } from '../../settings/types';
import { traceIdsFromFields } from '../traces/extractTraceIds';
import { firstField, readLineFields, type LineFormat } from './lineFields';

/** The field names of the log mapping that the parser reads. */
export type LogFieldMapping = Pick<LogMapping, 'routeField' | 'statusField' | 'messageField' | 'traceIdField'>;

export interface ParsedLogLine {
  /** The human message: the mapped message field of a structured line, else the whole line. */
  message: string;
  route?: string;
  status?: string;
  /** First trace id of the line, normalized to 32 lowercase hex digits. */
  traceId?: string;
  /** Every distinct trace id the line mentions, `traceId` first. */
  traceIds: string[];
  /** Lowercase level name when the line states one (`error`, `warn`, ...). */
  level?: string;
  format: LineFormat;
}

// Usual names after the mapped one, so a mapping that misses still finds the obvious field.
const MESSAGE_FIELDS = ['message', 'msg', 'log', 'error', 'err', 'event'];
const ROUTE_FIELDS = ['route', 'http.route', 'http_route', 'path', 'url.path'];
const STATUS_FIELDS = ['status', 'status_code', 'http.status_code', 'http_status', 'statusCode'];
const LEVEL_FIELDS = ['level', 'lvl', 'severity', 'log.level', 'levelname'];

const LEVEL_WORDS = new Map<string, string>([
  ['trace', 'trace'],
  ['debug', 'debug'],
  ['dbug', 'debug'],
  ['info', 'info'],
  ['notice', 'info'],
  ['warn', 'warn'],
  ['warning', 'warn'],
  ['error', 'error'],
  ['err', 'error'],
  ['eror', 'error'],
  ['fatal', 'fatal'],
  ['crit', 'fatal'],
  ['critical', 'fatal'],
  ['panic', 'fatal'],
]);

/** How many leading words of a text line may name its level (`2024-01-01 ... ERROR ...`). */
const LEVEL_WORD_WINDOW = 6;
const LEVEL_WORD_SCAN_CHARS = 256;

function levelOf(raw: string | undefined): string | undefined {
  if (raw === undefined) {
    return undefined;
  }
  const word = raw.trim().toLowerCase();
  return LEVEL_WORDS.get(word) ?? (word === '' ? undefined : word);
}

function isWrapper(c: number): boolean {
  // [ ] ( ) < > : ,
  return c === 91 || c === 93 || c === 40 || c === 41 || c === 60 || c === 62 || c === 58 || c === 44;
}

function levelFromText(line: string): string | undefined {
  const n = Math.min(line.length, LEVEL_WORD_SCAN_CHARS);
  let i = 0;
  for (let word = 0; word < LEVEL_WORD_WINDOW && i < n; word++) {
    while (i < n && line.charCodeAt(i) <= 32) {
      i++;
    }
    let start = i;
    while (i < n && line.charCodeAt(i) > 32) {
      i++;
    }
    // Strip brackets and colons around the word: `[ERROR]`, `ERROR:`, `<error>`.
    let end = i;
    while (start < end && isWrapper(line.charCodeAt(start))) {
      start++;
    }
    while (end > start && isWrapper(line.charCodeAt(end - 1))) {
      end--;
    }
    const len = end - start;
    if (len >= 3 && len <= 8) {
      const level = LEVEL_WORDS.get(line.slice(start, end).toLowerCase());
      if (level) {
        return level;
      }
    }
  }
  return undefined;
}

/**
 * Parses one raw Loki line with the configured field names. Structured JSON and logfmt lines give
 * their fields; for plain text the whole line is the message and `status=503` or `trace_id=...`
 * pairs found in it fill the other fields. Never throws, whatever the input.
 */
export function parseLogLine(line: string, mapping: LogFieldMapping): ParsedLogLine {
  const read = readLineFields(line);
  const { format, fields } = read;
  const structured = format !== 'text';
  const message = structured ? (firstField(fields, [mapping.messageField, ...MESSAGE_FIELDS]) ?? line) : line;
  const route = firstField(fields, [mapping.routeField, ...ROUTE_FIELDS]);
  const status = firstField(fields, [mapping.statusField, ...STATUS_FIELDS]);
  const levelField = firstField(fields, LEVEL_FIELDS);
  const level = levelField !== undefined ? levelOf(levelField) : structured ? undefined : levelFromText(line);
  const traceIds = traceIdsFromFields(line, read, mapping.traceIdField);
  const parsed: ParsedLogLine = { message, format, traceIds };
  if (route !== undefined) {
    parsed.route = route;
  }
  if (status !== undefined) {
    parsed.status = status;
  }
  if (traceIds.length > 0) {
    parsed.traceId = traceIds[0];
  }
  if (level !== undefined) {
    parsed.level = level;
  }
  return parsed;
}
