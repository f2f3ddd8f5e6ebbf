import { useCallback, useState } from 'react';

/**
 * The busy flag and last error of a write the user started (save, note, status change), so
 * forms disable their button while it runs and show why it failed next to it.
 */
export function usePendingAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = useCallback(<T>(action: () => Promise<T>, onDone: (value: T) => void) => {
    setBusy(true);
    setError(undefined);
    action().then(
      (value) => {
        setBusy(false);
        onDone(value);
      },
      (e) => {
        setBusy(false);
        setError(e);
      }
    );
  }, []);
  const clearError = useCallback(() => setError(undefined), []);
  return { busy, error, run, clearError };
}
