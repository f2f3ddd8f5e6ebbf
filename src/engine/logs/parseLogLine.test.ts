import { parseLogLine, type LogFieldMapping } from './parseLogLine';

const mapping: LogFieldMapping = {
  routeField: 'route',
  statusField: 'status',
  messageField: 'msg',
  traceIdField: 'trace_id',
};

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('parseLogLine', () => {
  it('reads a JSON line through the mapped fields', () => {
    const line = JSON.stringify({
      level: 'ERROR',
      msg: 'upstream timeout after 30s',
      route: '/checkout',
      status: 503,
      trace_id: TRACE.toUpperCase(),
    });
    expect(parseLogLine(line, mapping)).toEqual({
      message: 'upstream timeout after 30s',
      route: '/checkout',
      status: '503',
      traceIds: [TRACE],
      format: 'json',
    });
  });

  it('reads nested JSON fields by dotted name', () => {
    const line = JSON.stringify({ message: 'boom', http: { route: '/a/:id', status_code: 500 } });
    const parsed = parseLogLine(line, { ...mapping, routeField: 'http.route', statusField: 'http.status_code' });
    expect(parsed).toMatchObject({ message: 'boom', route: '/a/:id', status: '500', format: 'json' });
  });

  it('falls back to usual field names when the mapped ones are missing', () => {
    const line = JSON.stringify({ message: 'fallback', path: '/x', status_code: '502' });
    expect(parseLogLine(line, mapping)).toMatchObject({ message: 'fallback', route: '/x', status: '502' });
  });

  it('uses the whole line as message for JSON without a message field', () => {
    const line = '{"status":500}';
    expect(parseLogLine(line, mapping)).toMatchObject({ message: line, status: '500', format: 'json' });
  });

  it('reads logfmt with quoted values and escapes', () => {
    const line = `level=error route=/pay status=500 msg="card \\"declined\\" by bank" trace_id=${TRACE}`;
    expect(parseLogLine(line, mapping)).toEqual({
      message: 'card "declined" by bank',
      route: '/pay',
      status: '500',
      traceIds: [TRACE],
      format: 'logfmt',
    });
  });

  it('keeps an unterminated logfmt quote to the end of the line', () => {
    expect(parseLogLine('level=warn msg="no end here', mapping)).toMatchObject({ message: 'no end here' });
  });

  it('reads plain text: whole line as message, pairs where present', () => {
    const line = `2024-05-01T10:00:00Z ERROR payment failed status=503 route=/pay trace_id=${TRACE}`;
    expect(parseLogLine(line, mapping)).toEqual({
      message: line,
      route: '/pay',
      status: '503',
      traceIds: [TRACE],
      format: 'text',
    });
  });

  it('treats invalid JSON as text', () => {
    const line = '{"msg": "half an object", ';
    expect(parseLogLine(line, mapping)).toMatchObject({ message: line, format: 'text' });
    expect(parseLogLine('{not json}', mapping)).toMatchObject({ message: '{not json}', format: 'text' });
  });

  it.each([
    ['empty', ''],
    ['only digits', '1234567890'.repeat(50)],
    ['only punctuation', '!@#$%^&*()_+{}|:"<>?[];\',./`~=='.repeat(20)],
    ['lone surrogates', '\ud800 error \udfff status=5\ud800'],
    ['replacement chars', '\ufffd\ufffd msg=\ufffd'],
    ['deep JSON', '['.repeat(100000) + ']'.repeat(100000)],
    ['deep JSON object', '{"a":'.repeat(5000) + '1' + '}'.repeat(5000)],
    ['equals signs', '='.repeat(10000)],
    ['quotes', 'a="'.repeat(10000)],
  ])('never throws on %s', (_, line) => {
    const parsed = parseLogLine(line, mapping);
    expect(typeof parsed.message).toBe('string');
  });

  it('handles a 1 MB line', () => {
    const line = `status=500 ${'x'.repeat(1024 * 1024)} trace_id=${TRACE}`;
    const parsed = parseLogLine(line, mapping);
    expect(parsed.message).toBe(line);
    expect(parsed.status).toBe('500');
  });

  it('handles a 1 MB JSON line without parsing it all', () => {
    const line = JSON.stringify({ msg: 'y'.repeat(1024 * 1024), status: 500 });
    const parsed = parseLogLine(line, mapping);
    expect(typeof parsed.message).toBe('string');
  });
});
