import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, Field, TextArea, useStyles2 } from '@grafana/ui';
import { TEXT_LIMITS } from '../../data/incidents/api';
import { usePendingAction } from '../../hooks/usePendingAction';
import { testIds } from '../../testIds';
import { ErrorAlert } from '../common/ErrorAlert';
import { formatTime } from './labels';
import type { TimelineState } from './useIncidentTimeline';

interface Props {
  timeline: TimelineState;
  canWrite: boolean;
  /** Resolves once the note is stored; a rejection is shown next to the form. */
  onAddNote: (message: string) => Promise<void>;
}

/** Oldest first, as the backend records them, so the story reads top to bottom and new notes land at the end. */
export function IncidentTimeline({ timeline, canWrite, onAddNote }: Props) {
  const s = useStyles2(getStyles);
  const { events } = timeline;
  return (
    <section aria-label="Timeline" data-testid={testIds.incidents.timeline} className={s.section}>
      <h3>Timeline (oldest first)</h3>
      {events.length === 0 ? (
        <p className={s.muted}>No events yet.</p>
      ) : (
        <ol className={s.list}>
          {events.map((e) => (
            <li key={e.id} className={s.item}>
              <div className={s.meta}>
                <time dateTime={e.time}>{formatTime(e.time)}</time> · {e.user} · {e.kind}
              </div>
              <div className={s.message}>{e.message}</div>
            </li>
          ))}
        </ol>
      )}
      {timeline.moreError !== undefined && <ErrorAlert title="Later events did not load" error={timeline.moreError} />}
      {timeline.hasMore && (
        <div>
          <Button variant="secondary" disabled={timeline.loadingMore} onClick={timeline.loadMore}>
            {timeline.loadingMore ? 'Loading…' : 'Load later events'}
          </Button>
        </div>
      )}
      {canWrite && <AddNoteForm onAddNote={onAddNote} />}
    </section>
  );
}

function AddNoteForm({ onAddNote }: { onAddNote: (message: string) => Promise<void> }) {
  const [message, setMessage] = useState('');
  const { busy: saving, error, run } = usePendingAction();

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    if (!message.trim()) {
      return;
    }
    run(
      () => onAddNote(message.trim()),
      () => setMessage('')
    );
  };

  return (
    <form onSubmit={submit} aria-label="Add note" data-testid={testIds.incidents.noteForm}>
      <Field label="Note">
        <TextArea
          id="rcp-incident-note"
          value={message}
          rows={3}
          maxLength={TEXT_LIMITS.note}
          onChange={(e) => setMessage(e.currentTarget.value)}
        />
      </Field>
      {error !== undefined && <ErrorAlert title="The note was not saved" error={error} />}
      <Button type="submit" disabled={saving || !message.trim()}>
        {saving ? 'Adding…' : 'Add note'}
      </Button>
    </form>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
  list: css({ listStyle: 'none', margin: 0, padding: 0 }),
  item: css({
    borderLeft: `2px solid ${theme.colors.border.medium}`,
    padding: theme.spacing(0.5, 1.5),
    marginBottom: theme.spacing(1),
  }),
  meta: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  message: css({ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }),
  muted: css({ color: theme.colors.text.secondary }),
});
