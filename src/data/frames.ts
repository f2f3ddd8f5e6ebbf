import { FieldType, type DataFrame, type Field } from '@grafana/data';
import type { Point } from '../engine/signals';

/**
 * Generic readers over Grafana data frames. Datasources differ in how they shape frames
 * (one frame per series, wide frames, frames without rows for empty results), so these
 * look fields up by type rather than by position or name.
 */

export function framesFor(frames: DataFrame[], refId: string): DataFrame[] {
  return frames.filter((f) => f.refId === refId);
}

function valueAt(field: Field, i: number): unknown {
  const values = field.values as unknown as { get?: (i: number) => unknown } & ArrayLike<unknown>;
  return typeof values.get === 'function' ? values.get(i) : values[i];
}

export function fieldValues(field: Field): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < field.values.length; i++) {
    out.push(valueAt(field, i));
  }
  return out;
}

/** A finite number, or null for NaN, ±Inf, null and non-numbers. */
export function toFiniteNumber(v: unknown): number | null {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

export function timeField(frame: DataFrame): Field | undefined {
  return frame.fields.find((f) => f.type === FieldType.time);
}

function numberFields(frame: DataFrame): Field[] {
  return frame.fields.filter((f) => f.type === FieldType.number);
}

/** The last value of every number field of an instant query, with its labels. */
export function instantSamples(
  frames: DataFrame[],
  refId: string
): Array<{ labels: Record<string, string>; value: number | null }> {
  return framesFor(frames, refId).flatMap((frame) =>
    numberFields(frame)
      .filter((f) => f.values.length > 0)
      .map((f) => ({ labels: { ...f.labels }, value: toFiniteNumber(valueAt(f, f.values.length - 1)) }))
  );
}

/**
 * Sum of an instant query's values. An empty result (no series: nothing happened) is 0,
 * which is how PromQL's `sum()` over nothing should read for counts.
 */
export function instantSum(frames: DataFrame[], refId: string): number {
  return instantSamples(frames, refId).reduce((sum, s) => sum + (s.value ?? 0), 0);
}

/** The single value of an instant query that has at most one series, or null. */
export function instantValue(frames: DataFrame[], refId: string): number | null {
  const samples = instantSamples(frames, refId);
  return samples.length > 0 ? samples[0].value : null;
}

/** Values of an instant query keyed by one label; series without the label are dropped. */
export function instantByLabel(frames: DataFrame[], refId: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of instantSamples(frames, refId)) {
    const key = s.labels[label];
    if (key !== undefined && s.value !== null) {
      out[key] = (out[key] ?? 0) + s.value;
    }
  }
  return out;
}

/** The points of a frame's first number field; gaps and NaN become null. */
function framePoints(frame: DataFrame): { labels: Record<string, string>; points: Point[] } | undefined {
  const time = timeField(frame);
  const value = numberFields(frame)[0];
  if (!time || !value) {
    return undefined;
  }
  const points: Point[] = [];
  for (let i = 0; i < frame.length; i++) {
    const t = toFiniteNumber(valueAt(time, i));
    if (t !== null) {
      points.push({ t, v: toFiniteNumber(valueAt(value, i)) });
    }
  }
  return { labels: { ...value.labels }, points };
}

/** The first series of a range query as points; gaps and NaN become null. */
export function rangeSeries(frames: DataFrame[], refId: string): Point[] {
  for (const frame of framesFor(frames, refId)) {
    const series = framePoints(frame);
    if (series) {
      return series.points;
    }
  }
  return [];
}

/** The series of a range query keyed by one label (one frame per series, as Prometheus answers). */
export function rangeSeriesByLabel(frames: DataFrame[], refId: string, label: string): Record<string, Point[]> {
  const out: Record<string, Point[]> = {};
  for (const frame of framesFor(frames, refId)) {
    const series = framePoints(frame);
    const key = series?.labels[label];
    if (series && key !== undefined) {
      out[key] = series.points;
    }
  }
  return out;
}

/** Values of one label across all series of all frames, de-duplicated and sorted. */
export function labelValues(frames: DataFrame[], label: string): string[] {
  const seen = new Set<string>();
  for (const frame of frames) {
    for (const f of frame.fields) {
      const v = f.labels?.[label];
      if (v) {
        seen.add(v);
      }
    }
  }
  return [...seen].sort((a, b) => a.localeCompare(b));
}
