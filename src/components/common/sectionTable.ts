import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';

/** The class of the analysis sections' data tables: full width, compact cells, text left and top. */
export function sectionTable(theme: GrafanaTheme2): string {
  return css({ width: '100%', 'th, td': { padding: theme.spacing(0.5, 1), textAlign: 'left', verticalAlign: 'top' } });
}
