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
  /** Every distinct trace id the line mentions, normalized to 32 lowercase hex digits. */
  traceIds: string[];
  format: LineFormat;
}

// Usual names after the mapped one, so a mapping that misses still finds the obvious field.
const MESSAGE_FIELDS = ['message', 'msg', 'log', 'error', 'err', 'event'];
const ROUTE_FIELDS = ['route', 'http.route', 'http_route', 'path', 'url.path'];
const STATUS_FIELDS = ['status', 'status_code', 'http.status_code', 'http_status', 'statusCode'];

/**
 * Parses one raw Loki line with the configured field names. Structured JSON and logfmt lines give
 * their fields; for plain text the whole line is the message and `status=503` or `trace_id=...`
 * pairs found in it fill the other fields. Never throws, whatever the input.
 */
export function parseLogLine(line: string, mapping: LogFieldMapping): ParsedLogLine {
  const read = readLineFields(line);
  const { format, fields } = read;
  const message = format !== 'text' ? (firstField(fields, [mapping.messageField, ...MESSAGE_FIELDS]) ?? line) : line;
  const route = firstField(fields, [mapping.routeField, ...ROUTE_FIELDS]);
  const status = firstField(fields, [mapping.statusField, ...STATUS_FIELDS]);
  const traceIds = traceIdsFromFields(line, read, mapping.traceIdField);
  const parsed: ParsedLogLine = { message, format, traceIds };
  if (route !== undefined) {
    parsed.route = route;
  }
  if (status !== undefined) {
    parsed.status = status;
  }
  return parsed;
}
