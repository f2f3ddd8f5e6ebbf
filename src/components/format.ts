/**
 * Number formatting for the page. Every function accepts what the engine may return
 * (null for "no data", Infinity for an unbounded burn rate) and never prints NaN.
 */
import { isFiniteNumber } from '../engine/values';

const NO_VALUE = '–';

function significant(n: number, digits = 3): string {
  if (n === 0) {
    return '0';
  }
  const abs = Math.abs(n);
  if (abs >= 1000) {
    return Math.round(n).toLocaleString('en-US');
  }
  return Number(n.toPrecision(digits)).toString();
}

export function formatRate(perSecond: number | null | undefined, unit = 'req/s'): string {
  return isFiniteNumber(perSecond) ? `${significant(perSecond)} ${unit}` : NO_VALUE;
}

export function formatPercent(fraction: number | null | undefined, digits = 3): string {
  if (!isFiniteNumber(fraction)) {
    return NO_VALUE;
  }
  return `${significant(fraction * 100, digits)} %`;
}

export function formatBurnRate(rate: number | null | undefined): string {
  if (rate === Infinity) {
    return '∞';
  }
  return isFiniteNumber(rate) ? `${significant(rate)}×` : NO_VALUE;
}

/** Seconds as the largest two units, e.g. "2 d 4 h", "3 min 20 s", "250 ms". */
export function formatDuration(seconds: number | null | undefined): string {
  if (!isFiniteNumber(seconds) || seconds < 0) {
    return NO_VALUE;
  }
  if (seconds < 1) {
    return `${significant(seconds * 1000)} ms`;
  }
  const units: Array<[string, number]> = [
    ['d', 86400],
    ['h', 3600],
    ['min', 60],
    ['s', 1],
  ];
  const whole = Math.round(seconds);
  const first = units.findIndex(([, size]) => whole >= size);
  const [name, size] = units[first];
  const parts = [`${Math.floor(whole / size)} ${name}`];
  const next = units[first + 1];
  if (next) {
    const count = Math.floor((whole % size) / next[1]);
    if (count > 0) {
      parts.push(`${count} ${next[0]}`);
    }
  }
  return parts.join(' ');
}

export function formatLatency(seconds: number | null | undefined): string {
  if (!isFiniteNumber(seconds)) {
    return NO_VALUE;
  }
  return seconds < 1 ? `${significant(seconds * 1000)} ms` : `${significant(seconds)} s`;
}
