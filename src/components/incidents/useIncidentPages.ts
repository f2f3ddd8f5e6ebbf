import { useState } from 'react';
import { listIncidents, type IncidentSummary, type ListQuery } from '../../data/incidents/api';
import { useAsyncData, type AsyncData } from '../../hooks/useAsyncData';

export const PAGE_SIZE = 25;

interface More {
  key: string;
  items: IncidentSummary[];
  /** Pages loaded after the first; their last cursor wins over the first page's. */
  pages: number;
  nextCursor?: string;
  loading: boolean;
  error?: unknown;
}

export interface IncidentPages {
  first: AsyncData<unknown>;
  items: IncidentSummary[];
  total: number;
  hasMore: boolean;
  loadingMore: boolean;
  moreError?: unknown;
  loadMore: () => void;
}

/**
 * The list for one query, first page then "Load more" pages by cursor. A new query starts
 * over, and an answer for an old query is dropped, so pages of two filters never mix.
 */
export function useIncidentPages(query: ListQuery): IncidentPages {
  const key = JSON.stringify(query);
  // Only the first page counts the matches: the count costs the backend a scan.
  const first = useAsyncData(() => listIncidents({ ...query, limit: PAGE_SIZE, total: true }), key);
  const [stored, setMore] = useState<More>();
  const more: More = stored?.key === key ? stored : { key, items: [], pages: 0, loading: false };

  const nextCursor = more.pages > 0 ? more.nextCursor : first.value?.nextCursor;
  const loadMore = () => {
    if (!nextCursor || more.loading) {
      return;
    }
    setMore({ ...more, loading: true, error: undefined });
    listIncidents({ ...query, limit: PAGE_SIZE, cursor: nextCursor }).then(
      (page) =>
        setMore((prev) =>
          prev?.key === key
            ? {
                key,
                items: [...prev.items, ...page.items],
                pages: prev.pages + 1,
                nextCursor: page.nextCursor,
                loading: false,
              }
            : prev
        ),
      (error) => setMore((prev) => (prev?.key === key ? { ...prev, loading: false, error } : prev))
    );
  };

  return {
    first,
    items: first.status === 'success' ? [...first.value.items, ...more.items] : [],
    total: first.value?.total ?? 0,
    hasMore: first.status === 'success' && Boolean(nextCursor),
    loadingMore: more.loading,
    moreError: more.error,
    loadMore,
  };
}
