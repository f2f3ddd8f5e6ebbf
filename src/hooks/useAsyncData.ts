import { useEffect, useState } from 'react';

export type AsyncData<T> =
  | { status: 'loading'; value?: undefined; error?: undefined }
  | { status: 'success'; value: T; error?: undefined }
  | { status: 'error'; value?: undefined; error: unknown };

export const LOADING = { status: 'loading' } as const;

/**
 * Runs `load` whenever `key` changes (a string naming everything `load` depends on) and
 * keeps only the answer for the current key, so a slow response for an old time range never
 * overwrites the figures of the new one, and the state reads as loading until it answers.
 * Without `load` (its input is not there yet) nothing runs and the state stays loading.
 */
export function useAsyncData<T>(load: (() => Promise<T>) | undefined, key: string): AsyncData<T> {
  const [result, setResult] = useState<{ key: string; data: AsyncData<T> }>();
  useEffect(() => {
    if (!load) {
      return;
    }
    let current = true;
    load().then(
      (value) => current && setResult({ key, data: { status: 'success', value } }),
      (error) => current && setResult({ key, data: { status: 'error', error } })
    );
    return () => {
      current = false;
    };
    // `load` is a new closure on every render; `key` names what it depends on.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return result?.key === key ? result.data : LOADING;
}
