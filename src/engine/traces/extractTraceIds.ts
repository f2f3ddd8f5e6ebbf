import { firstField, MAX_SCAN_CHARS, readLineFields, scanPairs, type LineFields } from '../logs/lineFields';

/** Field names that commonly carry a trace id, after the configured one. */
export const TRACE_ID_FIELDS = ['trace_id', 'traceId', 'traceID', 'traceid', 'trace.id'] as const;

const ZERO_ID = '0'.repeat(32);
const HEX_32 = /^[0-9a-fA-F]{32}$/;
const HEX_16 = /^[0-9a-fA-F]{16}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
// Fixed-width W3C `traceparent`: version-traceid-parentid-flags. Bounded quantifiers only.
const TRACEPARENT = /\b[0-9a-fA-F]{2}-([0-9a-fA-F]{32})-[0-9a-fA-F]{16}-[0-9a-fA-F]{2}\b/g;
const TRACEPARENT_VALUE = /^[0-9a-fA-F]{2}-([0-9a-fA-F]{32})-[0-9a-fA-F]{16}-[0-9a-fA-F]{2}$/;

/**
 * Normalizes a trace id to 32 lowercase hex digits, as Tempo stores them: 16-digit (64-bit) ids
 * are left-padded with zeros, UUID-formatted ids lose their dashes and a full `traceparent` value
 * yields its trace id. Returns undefined for anything else and for the all-zero (invalid) id.
 */
export function normalizeTraceId(raw: string): string | undefined {
  const v = raw.trim();
  let hex: string | undefined;
  if (HEX_32.test(v)) {
    hex = v;
  } else if (HEX_16.test(v)) {
    hex = '0000000000000000' + v;
  } else if (UUID.test(v)) {
    hex = v.replace(/-/g, '');
  } else {
    const m = TRACEPARENT_VALUE.exec(v);
    hex = m ? m[1] : undefined;
  }
  if (hex === undefined) {
    return undefined;
  }
  hex = hex.toLowerCase();
  return hex === ZERO_ID ? undefined : hex;
}

/**
 * Trace ids mentioned by a log line, distinct and in the order found: the configured field and
 * the usual trace id fields (JSON, logfmt or `key=value` pairs in text, also inside a JSON
 * message), then W3C `traceparent` values anywhere in the line.
 */
export function extractTraceIds(line: string, traceIdField?: string): string[] {
  return traceIdsFromFields(line, readLineFields(line), traceIdField);
}

/** `extractTraceIds` for a line whose fields were already read, so it is parsed once. */
export function traceIdsFromFields(line: string, read: LineFields, traceIdField?: string): string[] {
  const found: string[] = [];
  const add = (raw: string | undefined) => {
    const id = raw === undefined ? undefined : normalizeTraceId(raw);
    if (id !== undefined && !found.includes(id)) {
      found.push(id);
    }
  };
  const lookup = (fields: Map<string, string>) => {
    if (fields.size === 0) {
      return;
    }
    if (traceIdField) {
      add(fields.get(traceIdField));
    }
    for (const name of TRACE_ID_FIELDS) {
      add(fields.get(name));
    }
  };
  const { format, fields } = read;
  lookup(fields);
  add(fields.get('traceparent'));
  if (format === 'json') {
    // A JSON line may still carry `trace_id=...` inside its message text.
    const message = firstField(fields, ['message', 'msg', 'log']);
    if (message !== undefined && message.indexOf('=') >= 0) {
      lookup(scanPairs(message).pairs);
    }
  }
  // The shortest traceparent is 55 characters long.
  if (line.length >= 55 && line.indexOf('-') >= 0) {
    const scanned = line.length > MAX_SCAN_CHARS ? line.slice(0, MAX_SCAN_CHARS) : line;
    for (const m of scanned.matchAll(TRACEPARENT)) {
      add(m[1]);
    }
  }
  return found;
}
