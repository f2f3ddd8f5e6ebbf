import { useCallback } from 'react';
import { useSearchParams } from 'react-router-dom';
import { SEVERITIES, STATUSES, type IncidentStatus, type ListQuery, type Severity } from '../../data/incidents/api';

/** The list's filters as they travel in the URL; dates are YYYY-MM-DD days of creation. */
export interface IncidentFilters {
  service: string;
  status?: IncidentStatus;
  severity?: Severity;
  createdFrom: string;
  createdTo: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function oneOf<T extends string>(value: string | null, allowed: readonly T[]): T | undefined {
  return allowed.includes(value as T) ? (value as T) : undefined;
}

/** Local midnight of a YYYY-MM-DD day, as RFC 3339; undefined for anything else. */
function dayStart(day: string, plusDays = 0): string | undefined {
  if (!DAY.test(day)) {
    return undefined;
  }
  const d = new Date(`${day}T00:00:00`);
  if (Number.isNaN(d.valueOf())) {
    return undefined;
  }
  d.setDate(d.getDate() + plusDays);
  return d.toISOString();
}

/** The backend query for the filters. "Created to" includes that whole day (the backend's `to` is exclusive). */
export function toListQuery(f: IncidentFilters): ListQuery {
  return {
    service: f.service.trim() || undefined,
    status: f.status,
    severity: f.severity,
    from: dayStart(f.createdFrom),
    to: dayStart(f.createdTo, 1),
  };
}

/** Filters kept in the URL search params, so a filtered list can be shared and survives a reload. */
export function useIncidentFilters() {
  const [params, setParams] = useSearchParams();
  const filters: IncidentFilters = {
    service: params.get('service') ?? '',
    status: oneOf(params.get('status'), STATUSES),
    severity: oneOf(params.get('severity'), SEVERITIES),
    createdFrom: params.get('createdFrom') ?? '',
    createdTo: params.get('createdTo') ?? '',
  };

  const setFilter = useCallback(
    (name: keyof IncidentFilters, value: string | undefined) => {
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          if (value) {
            next.set(name, value);
          } else {
            next.delete(name);
          }
          return next;
        },
        { replace: true }
      );
    },
    [setParams]
  );
  const clear = useCallback(() => setParams(new URLSearchParams(), { replace: true }), [setParams]);
  return { filters, setFilter, clear };
}
