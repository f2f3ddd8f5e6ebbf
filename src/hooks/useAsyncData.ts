import { useEffect, useState, type DependencyList } from 'react';

export type AsyncData<T> =
  | { status: 'loading'; value?: undefined; error?: undefined }
  | { status: 'success'; value: T; error?: undefined }
  | { status: 'error'; value?: undefined; error: unknown };

/**
 * Runs `load` whenever `deps` change and keeps only the latest answer, so a slow
 * response for an old time range never overwrites the figures of the new one.
 */
export function useAsyncData<T>(load: () => Promise<T>, deps: DependencyList): AsyncData<T> {
  const [state, setState] = useState<AsyncData<T>>({ status: 'loading' });
  useEffect(() => {
    let current = true;
    setState({ status: 'loading' });
    load().then(
      (value) => current && setState({ status: 'success', value }),
      (error) => current && setState({ status: 'error', error })
    );
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return state;
}
