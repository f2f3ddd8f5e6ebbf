import React, { useState, type ReactNode } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { LoadingPlaceholder, useStyles2 } from '@grafana/ui';
import type { AsyncData } from '../../hooks/useAsyncData';
import { ErrorAlert } from './ErrorAlert';

interface Props<T> {
  title: string;
  testId: string;
  data: AsyncData<T>;
  /** When it returns a sentence, that sentence is shown instead of the content. */
  emptyText?: (value: T) => string | undefined;
  children: (value: T) => ReactNode;
}

/**
 * One block of the page with its three states. A failure stays inside its block, so a
 * failing datasource never takes the rest of the page down with it. While it reloads (a
 * refresh, a new range), the last figures stay on screen, marked as refreshing, rather than
 * blanking the block every time.
 */
export function Section<T>({ title, testId, data, emptyText, children }: Props<T>) {
  const s = useStyles2(getStyles);
  const [last, setLast] = useState<{ value: T }>();
  if (data.status === 'success' && data.value !== last?.value) {
    setLast({ value: data.value });
  }
  const refreshing = data.status === 'loading' && last !== undefined;
  const current: AsyncData<T> = refreshing ? { status: 'success', value: last.value } : data;
  let body: ReactNode;
  if (current.status === 'loading') {
    body = <LoadingPlaceholder text={`Loading ${title.toLowerCase()}…`} />;
  } else if (current.status === 'error') {
    body = <ErrorAlert title={`${title} unavailable`} error={current.error} />;
  } else {
    const empty = emptyText?.(current.value);
    body = empty ? <p className={s.empty}>{empty}</p> : children(current.value);
  }
  return (
    <section className={s.section} aria-label={title} data-testid={testId} aria-busy={data.status === 'loading'}>
      <h3 className={s.title}>
        {title}
        {refreshing && <span className={s.refreshing}> · refreshing…</span>}
      </h3>
      {body}
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(2),
    background: theme.colors.background.primary,
  }),
  title: css({ fontSize: theme.typography.h5.fontSize, marginBottom: theme.spacing(1.5) }),
  empty: css({ color: theme.colors.text.secondary, margin: 0 }),
  refreshing: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
});
