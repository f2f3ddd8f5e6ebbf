import { useEffect, useRef } from 'react';
import { rangeUtil } from '@grafana/data';
import { config } from '@grafana/runtime';

function toMs(interval: string | undefined): number | undefined {
  try {
    return interval ? rangeUtil.intervalToMs(interval) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Calls `tick` every `interval` (a Grafana interval such as "30s"; "" or "off" disables it),
 * never more often than the server's `min_refresh_interval`, and skips a tick while `busy`,
 * so that queries slower than the interval do not pile up on the datasources.
 */
export function useInterval(tick: () => void, interval: string, busy = false) {
  const busyRef = useRef(busy);
  useEffect(() => {
    busyRef.current = busy;
  }, [busy]);
  useEffect(() => {
    const ms = toMs(interval === 'off' ? '' : interval);
    if (ms === undefined) {
      return;
    }
    const id = setInterval(
      () => {
        if (!busyRef.current) {
          tick();
        }
      },
      Math.max(ms, toMs(config.minRefreshInterval) ?? 5000, 1000)
    );
    return () => clearInterval(id);
  }, [tick, interval]);
}
