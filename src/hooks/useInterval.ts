import { useEffect } from 'react';
import { rangeUtil } from '@grafana/data';

/** Calls `tick` every `interval` (a Grafana interval such as "30s"); "" or "off" disables it. */
export function useInterval(tick: () => void, interval: string) {
  useEffect(() => {
    if (!interval || interval === 'off') {
      return;
    }
    let ms: number;
    try {
      ms = rangeUtil.intervalToMs(interval);
    } catch {
      return;
    }
    if (ms < 1000) {
      return;
    }
    const id = setInterval(tick, ms);
    return () => clearInterval(id);
  }, [tick, interval]);
}
