import { useMemo } from 'react';
import { css } from '@emotion/css';
import { applyFieldOverrides, type GrafanaTheme2, type PanelData, type TimeRange } from '@grafana/data';
import type { PanelRendererProps, PluginPageProps } from '@grafana/runtime';
import { TimeSeries, useStyles2, useTheme2, type VizLegendOptions } from '@grafana/ui';
import { LegendDisplayMode } from '@grafana/schema';

/**
 * Grafana's core injects PluginPage and PanelRenderer into @grafana/runtime; the npm build has
 * neither. These stand-ins take their place in the shared module and say so on screen.
 */

const STAND_IN_NOTE = 'test host stand-in';

export interface PageChrome {
  /** Where the page sits in Grafana's navigation, e.g. Home › Apps › <app> › Services. */
  trail: string[];
  title: string;
}

let chrome: PageChrome = { trail: ['Home'], title: '' };

export function setPageChrome(next: PageChrome): void {
  chrome = next;
}

const getPageStyles = (theme: GrafanaTheme2) => ({
  page: css({ padding: theme.spacing(2, 3), display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
  breadcrumb: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  header: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(2), flexWrap: 'wrap' }),
  title: css({ margin: 0 }),
  note: css({
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.warning.text,
    border: `1px dashed ${theme.colors.warning.border}`,
    padding: theme.spacing(0, 1),
    borderRadius: theme.shape.radius.default,
  }),
  actions: css({ marginLeft: 'auto' }),
});

export function PluginPageStandIn({ pageNav, actions, subTitle, children }: PluginPageProps) {
  const styles = useStyles2(getPageStyles);
  const title = pageNav?.text ?? chrome.title;
  const trail = [...chrome.trail, pageNav?.text].filter(
    (part, i, all): part is string => Boolean(part) && all.indexOf(part) === i
  );
  return (
    <div className={styles.page} data-testid="plugin-page-stand-in">
      <nav aria-label="Breadcrumbs" className={styles.breadcrumb}>
        {trail.join(' › ')}
      </nav>
      <div className={styles.header}>
        <h1 className={styles.title}>{title}</h1>
        <span className={styles.note}>PluginPage: {STAND_IN_NOTE}</span>
        {actions && <div className={styles.actions}>{actions}</div>}
      </div>
      {subTitle && <div>{subTitle}</div>}
      {children}
    </div>
  );
}

const LEGEND: VizLegendOptions = {
  showLegend: true,
  displayMode: LegendDisplayMode.List,
  placement: 'bottom',
  calcs: [],
};

const getPanelStyles = (theme: GrafanaTheme2) => ({
  panel: css({ position: 'relative' }),
  note: css({
    position: 'absolute',
    top: 0,
    right: 0,
    zIndex: 1,
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.warning.text,
  }),
});

/** A time-series renderer on @grafana/ui's TimeSeries, for `pluginId="timeseries"` panels. */
export function PanelRendererStandIn({ data, width, height, timeZone, fieldConfig }: PanelRendererProps) {
  const theme = useTheme2();
  const styles = useStyles2(getPanelStyles);
  const panelData = data as PanelData | undefined;
  const frames = useMemo(
    () =>
      applyFieldOverrides({
        data: panelData?.series ?? [],
        fieldConfig: fieldConfig ?? { defaults: {}, overrides: [] },
        replaceVariables: (s: string) => s,
        theme,
        timeZone: timeZone ?? 'utc',
      }),
    [panelData, fieldConfig, theme, timeZone]
  );
  const timeRange = panelData?.timeRange as TimeRange;
  return (
    <div className={styles.panel} style={{ width, height }}>
      <span className={styles.note}>PanelRenderer: {STAND_IN_NOTE}</span>
      {/* Grafana's time-series panel says "No data" when no frame has a row. */}
      {frames.some((f) => f.length > 0) && timeRange ? (
        <TimeSeries
          frames={frames}
          timeRange={timeRange}
          timeZone={timeZone ?? 'utc'}
          width={width}
          height={height}
          legend={LEGEND}
        >
          {() => null}
        </TimeSeries>
      ) : (
        <div>No data</div>
      )}
    </div>
  );
}
