import { useCallback, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { dateTime, rangeUtil, type RawTimeRange, type TimeRange } from '@grafana/data';
import { pagePath, ROUTES } from '../constants';

const DEFAULT_RANGE: RawTimeRange = { from: 'now-1h', to: 'now' };

function rawFromUrl(value: string | null, fallback: string): string {
  if (!value) {
    return fallback;
  }
  // Absolute times travel as epoch milliseconds, like Grafana's own URLs.
  return /^\d+$/.test(value) ? new Date(Number(value)).toISOString() : value;
}

/** A fixed range from epoch milliseconds, as the time range picker takes it. */
export function absoluteRange(fromMs: number, toMs: number): TimeRange {
  const from = dateTime(fromMs);
  const to = dateTime(toMs);
  return { from, to, raw: { from, to } };
}

function rawToUrl(value: RawTimeRange['from']): string {
  return typeof value === 'string' ? value : String(value.valueOf());
}

/**
 * A link to the Services page showing `service` over a range (read by useServiceViewParams):
 * epoch milliseconds for a fixed range, or the raw `now-1h` form for a relative one.
 */
export function servicesUrl(service: string, from: number | string, to: number | string): string {
  const params = new URLSearchParams({ service, from: String(from), to: String(to) });
  return `${pagePath(ROUTES.Services)}?${params}`;
}

/** The URL's query parameters and a setter that changes some of them (empty or undefined removes one). */
export function useUrlParams() {
  const [params, setParams] = useSearchParams();
  const update = useCallback(
    (changes: Record<string, string | undefined>) => {
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          for (const [key, value] of Object.entries(changes)) {
            if (value === undefined || value === '') {
              next.delete(key);
            } else {
              next.set(key, value);
            }
          }
          return next;
        },
        { replace: false }
      );
    },
    [setParams]
  );

  return { params, update };
}

/**
 * The page's time range, service and refresh interval, kept in the URL so a link shows
 * a colleague the same view. `refresh()` re-evaluates relative ranges such as `now-1h`.
 */
export function useServiceViewParams() {
  const { params, update } = useUrlParams();
  const [refreshCount, setRefreshCount] = useState(0);
  const rawFrom = rawFromUrl(params.get('from'), DEFAULT_RANGE.from as string);
  const rawTo = rawFromUrl(params.get('to'), DEFAULT_RANGE.to as string);

  const timeRange: TimeRange = useMemo(
    () => {
      try {
        return rangeUtil.convertRawToRange({ from: rawFrom, to: rawTo });
      } catch {
        return rangeUtil.convertRawToRange(DEFAULT_RANGE);
      }
    },
    // refreshCount makes "now" move forward on refresh.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [rawFrom, rawTo, refreshCount]
  );

  const refresh = useCallback(() => setRefreshCount((c) => c + 1), []);
  const setTimeRange = (range: TimeRange) => update({ from: rawToUrl(range.raw.from), to: rawToUrl(range.raw.to) });
  const fromMs = timeRange.from.valueOf();
  const span = timeRange.to.valueOf() - fromMs;

  return {
    service: params.get('service') ?? undefined,
    /** The range as the URL holds it (`now-1h` or epoch milliseconds), for links to the same view. */
    rawRange: { from: rawToUrl(timeRange.raw.from), to: rawToUrl(timeRange.raw.to) },
    refreshInterval: params.get('refresh') ?? '',
    timeRange,
    refreshCount,
    setService: (service: string | undefined) => update({ service }),
    setTimeRange,
    /** Half a range back (-1) or forward (1), as Grafana's own arrows do. */
    moveRange: (direction: 1 | -1) =>
      setTimeRange(absoluteRange(fromMs + (direction * span) / 2, fromMs + span + (direction * span) / 2)),
    zoomOut: () => setTimeRange(absoluteRange(fromMs - span / 2, fromMs + span + span / 2)),
    setRefreshInterval: (refresh: string) => update({ refresh }),
    refresh,
  };
}
