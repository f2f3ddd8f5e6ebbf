import { FieldType, type DataFrame } from '@grafana/data';
import { fieldValues, timeField, toFiniteNumber } from '../frames';

export interface RawLogLine {
  timestampMs: number;
  line: string;
}

/**
 * Log lines from Loki frames. Grafana 11 returns either the classic shape (`Time`, `Line`,
 * `labels`, `tsNs`, `id`) or the dataplane shape (`timestamp`, `body`, `labels`); the line
 * is the string field named `Line` or `body`, else the first string field.
 */
export function toLogLines(frames: DataFrame[]): RawLogLine[] {
  const out: RawLogLine[] = [];
  for (const frame of frames) {
    const time = timeField(frame);
    const strings = frame.fields.filter((f) => f.type === FieldType.string);
    const body =
      strings.find((f) => f.name === 'Line' || f.name === 'body') ??
      strings.find((f) => f.name !== 'id' && f.name !== 'tsNs');
    if (!time || !body) {
      continue;
    }
    const times = fieldValues(time);
    const lines = fieldValues(body);
    for (let i = 0; i < lines.length; i++) {
      const t = toFiniteNumber(times[i]);
      const line = lines[i];
      if (t !== null && typeof line === 'string') {
        out.push({ timestampMs: t, line });
      }
    }
  }
  return out;
}
