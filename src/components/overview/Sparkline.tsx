import React from 'react';
import { useTheme2 } from '@grafana/ui';
import type { Point } from '../../engine/signals';

interface Props {
  points: Point[];
  fromMs: number;
  toMs: number;
  label: string;
  width?: number;
  height?: number;
}

/**
 * A line of the error ratio over the range, scaled to its own maximum (the value beside it gives
 * the level). Plain SVG: a thousand rows cannot each mount a Grafana panel. Gaps stay gaps.
 */
export function Sparkline({ points, fromMs, toMs, label, width = 120, height = 24 }: Props) {
  const theme = useTheme2();
  const max = points.reduce((m, p) => (p.v !== null && p.v > m ? p.v : m), 0);
  const span = Math.max(1, toMs - fromMs);
  const x = (t: number) => ((t - fromMs) / span) * width;
  const y = (v: number) => height - 1 - (max > 0 ? (v / max) * (height - 2) : 0);
  const segments: string[][] = [[]];
  for (const p of points) {
    if (p.v === null) {
      segments.push([]);
    } else {
      segments[segments.length - 1].push(`${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`);
    }
  }
  const color = max > 0 ? theme.colors.error.main : theme.colors.success.main;
  return (
    <svg width={width} height={height} role="img" aria-label={label}>
      {segments
        .filter((s) => s.length > 0)
        .map((s, i) => (
          <polyline key={i} points={s.join(' ')} fill="none" stroke={color} strokeWidth={1.5} />
        ))}
    </svg>
  );
}
