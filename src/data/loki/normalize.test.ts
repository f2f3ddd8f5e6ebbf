import { createDataFrame, FieldType } from '@grafana/data';
import { toLogLines } from './normalize';

describe('toLogLines', () => {
  it('reads the classic Loki frame (Time, Line, tsNs, id)', () => {
    const frame = createDataFrame({
      refId: 'lines',
      fields: [
        { name: 'labels', type: FieldType.other, values: [{ service_name: 'a' }, { service_name: 'a' }] },
        { name: 'Time', type: FieldType.time, values: [2000, 1000] },
        { name: 'Line', type: FieldType.string, values: ['{"level":"error"}', 'plain text'] },
        { name: 'tsNs', type: FieldType.string, values: ['2000000000', '1000000000'] },
        { name: 'id', type: FieldType.string, values: ['x', 'y'] },
      ],
    });
    expect(toLogLines([frame])).toEqual([
      { timestampMs: 2000, line: '{"level":"error"}' },
      { timestampMs: 1000, line: 'plain text' },
    ]);
  });

  it('reads the dataplane frame (timestamp, body)', () => {
    const frame = createDataFrame({
      fields: [
        { name: 'timestamp', type: FieldType.time, values: [5] },
        { name: 'body', type: FieldType.string, values: ['boom'] },
        { name: 'id', type: FieldType.string, values: ['z'] },
      ],
    });
    expect(toLogLines([frame])).toEqual([{ timestampMs: 5, line: 'boom' }]);
  });

  it('skips frames without lines and rows without a time', () => {
    const empty = createDataFrame({ refId: 'lines', fields: [] });
    const bad = createDataFrame({
      fields: [
        { name: 'Time', type: FieldType.time, values: [null, 7] },
        { name: 'Line', type: FieldType.string, values: ['lost', 'kept'] },
      ],
    });
    expect(toLogLines([empty, bad])).toEqual([{ timestampMs: 7, line: 'kept' }]);
  });
});
