import React from 'react';
import { RefreshPicker, TimeRangePicker } from '@grafana/ui';
import type { useServiceViewParams } from '../../hooks/useTimeRangeParams';

/** The time range picker and refresh picker of a page whose range lives in the URL. */
export function TimeRangeControls({ view }: { view: ReturnType<typeof useServiceViewParams> }) {
  return (
    <>
      <TimeRangePicker
        value={view.timeRange}
        onChange={view.setTimeRange}
        timeZone="browser"
        onChangeTimeZone={() => undefined}
        onMoveBackward={() => view.moveRange(-1)}
        onMoveForward={() => view.moveRange(1)}
        onZoom={view.zoomOut}
      />
      <RefreshPicker
        value={view.refreshInterval}
        onRefresh={view.refresh}
        onIntervalChanged={view.setRefreshInterval}
      />
    </>
  );
}
