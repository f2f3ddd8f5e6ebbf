import { useState } from 'react';
import { listIncidentEvents, type Incident, type IncidentEvent } from '../../data/incidents/api';

interface Later {
  key: string;
  /** Events after the first page: later pages, and what writes added once the timeline was complete. */
  events: IncidentEvent[];
  /** Whether a later page was loaded; then its cursor wins over the first page's. */
  paged: boolean;
  nextCursor?: string;
  loading: boolean;
  error?: unknown;
}

export interface TimelineState {
  events: IncidentEvent[];
  hasMore: boolean;
  loadingMore: boolean;
  moreError?: unknown;
  loadMore: () => void;
  /** Adds the events a write answered with. */
  append: (events: IncidentEvent[]) => void;
}

/**
 * An incident's timeline: the first page from GET, then "Load more" pages by cursor. Events a
 * write adds are shown at once only when the timeline is complete; otherwise they are on a
 * page still to load, and appending them now would leave a gap before them.
 */
export function useIncidentTimeline(incident: Incident | undefined, key: string): TimelineState {
  const [stored, setLater] = useState<Later>();
  const later: Later = stored?.key === key ? stored : { key, events: [], paged: false, loading: false };
  const nextCursor = later.paged ? later.nextCursor : incident?.eventsNextCursor;
  const id = incident?.id;

  const loadMore = () => {
    if (!id || !nextCursor || later.loading) {
      return;
    }
    setLater({ ...later, loading: true, error: undefined });
    listIncidentEvents(id, nextCursor).then(
      (page) =>
        setLater((prev) =>
          prev?.key === key
            ? { key, events: [...prev.events, ...page.items], paged: true, nextCursor: page.nextCursor, loading: false }
            : prev
        ),
      (error) => setLater((prev) => (prev?.key === key ? { ...prev, loading: false, error } : prev))
    );
  };

  const append = (events: IncidentEvent[]) => {
    if (nextCursor || events.length === 0) {
      return;
    }
    setLater((prev) => {
      const base = prev?.key === key ? prev : later;
      return { ...base, events: [...base.events, ...events] };
    });
  };

  return {
    events: [...(incident?.events ?? []), ...later.events],
    hasMore: Boolean(nextCursor),
    loadingMore: later.loading,
    moreError: later.error,
    loadMore,
    append,
  };
}
