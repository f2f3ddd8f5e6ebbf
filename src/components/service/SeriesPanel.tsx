import React, { useMemo } from 'react';
import { createDataFrame, FieldType, LoadingState, type PanelData, type TimeRange } from '@grafana/data';
import { PanelRenderer } from '@grafana/runtime';
import type { Point } from '../../engine/signals';
import { useElementWidth } from '../../hooks/useElementWidth';

export interface SeriesSpec {
  name: string;
  points: Point[];
  color?: string;
}

interface Props {
  title: string;
  series: SeriesSpec[];
  unit: string;
  timeRange: TimeRange;
  height?: number;
}

/**
 * A time-series chart drawn by Grafana's own panel, from the engine's points rather than
 * the raw frames, so a saved snapshot draws exactly what the live page drew.
 */
export function SeriesPanel({ title, series, unit, timeRange, height = 220 }: Props) {
  const { ref, width } = useElementWidth<HTMLElement>(480);
  const data: PanelData = useMemo(
    () => ({
      state: LoadingState.Done,
      timeRange,
      series: series.map((s) =>
        createDataFrame({
          name: s.name,
          fields: [
            { name: 'Time', type: FieldType.time, values: s.points.map((p) => p.t) },
            {
              name: s.name,
              type: FieldType.number,
              values: s.points.map((p) => p.v),
              config: {
                unit,
                displayName: s.name,
                ...(s.color ? { color: { mode: 'fixed', fixedColor: s.color } } : {}),
              },
            },
          ],
        })
      ),
    }),
    [series, unit, timeRange]
  );
  return (
    <section aria-label={title} ref={ref}>
      <PanelRenderer
        title={title}
        pluginId="timeseries"
        width={width}
        height={height}
        data={data}
        options={{ legend: { showLegend: true, displayMode: 'list', placement: 'bottom' } }}
      />
    </section>
  );
}
