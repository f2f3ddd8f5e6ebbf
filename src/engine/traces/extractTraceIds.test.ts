import { extractTraceIds, normalizeTraceId } from './extractTraceIds';

const T32 = '4bf92f3577b34da6a3ce929d0e0e4736';
const T16 = '00f067aa0ba902b7';

describe('normalizeTraceId', () => {
  it.each([
    [T32, T32],
    [T32.toUpperCase(), T32],
    [T16, '0000000000000000' + T16],
    ['4bf92f35-77b3-4da6-a3ce-929d0e0e4736', T32],
    [`00-${T32}-00f067aa0ba902b7-01`, T32],
    [`  ${T32} `, T32],
  ])('%s', (raw, expected) => {
    expect(normalizeTraceId(raw)).toBe(expected);
  });

  it.each(['', '0'.repeat(32), '0'.repeat(16), 'xyz', T32 + 'a', T32.slice(1), 'g'.repeat(32)])('rejects %p', (raw) => {
    expect(normalizeTraceId(raw)).toBeUndefined();
  });
});

describe('extractTraceIds', () => {
  it.each([
    ['trace_id', JSON.stringify({ trace_id: T32 })],
    ['traceId', JSON.stringify({ traceId: T32 })],
    ['traceID', JSON.stringify({ traceID: T32.toUpperCase() })],
    ['nested', JSON.stringify({ trace: { id: T32 } })],
  ])('reads JSON field %s', (_, line) => {
    expect(extractTraceIds(line)).toEqual([T32]);
  });

  it('reads the mapped field first', () => {
    const other = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    expect(extractTraceIds(JSON.stringify({ trace_id: other, tid: T32 }), 'tid')).toEqual([T32, other]);
  });

  it('reads logfmt and plain-text pairs', () => {
    expect(extractTraceIds(`level=error trace_id=${T32} msg="x"`)).toEqual([T32]);
    expect(extractTraceIds(`request failed trace_id=${T32} after retry`)).toEqual([T32]);
    expect(extractTraceIds(`request failed traceID=${T16}`)).toEqual(['0000000000000000' + T16]);
  });

  it('reads trace ids inside a JSON message', () => {
    expect(extractTraceIds(JSON.stringify({ msg: `oops trace_id=${T32}` }))).toEqual([T32]);
  });

  it('reads W3C traceparent anywhere in the line', () => {
    expect(extractTraceIds(`forwarding traceparent: 00-${T32}-00f067aa0ba902b7-01 to upstream`)).toEqual([T32]);
    expect(extractTraceIds(JSON.stringify({ traceparent: `00-${T32}-00f067aa0ba902b7-01` }))).toEqual([T32]);
  });

  it('returns distinct ids in order', () => {
    const other = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
    const line = `trace_id=${T32} then 00-${other}-00f067aa0ba902b7-01 and 00-${T32}-00f067aa0ba902b7-01`;
    expect(extractTraceIds(line)).toEqual([T32, other]);
  });

  it('rejects all-zero and malformed ids', () => {
    expect(extractTraceIds(`trace_id=${'0'.repeat(32)}`)).toEqual([]);
    expect(extractTraceIds(`00-${'0'.repeat(32)}-00f067aa0ba902b7-01`)).toEqual([]);
    expect(extractTraceIds('trace_id=not-a-trace')).toEqual([]);
    expect(extractTraceIds('')).toEqual([]);
  });

  it('never throws on hostile input', () => {
    expect(extractTraceIds('-'.repeat(1024 * 1024))).toEqual([]);
    expect(extractTraceIds('\ud800trace_id=\udfff')).toEqual([]);
    expect(extractTraceIds(('00-' + 'a'.repeat(31) + '-').repeat(10000))).toEqual([]);
  });
});
