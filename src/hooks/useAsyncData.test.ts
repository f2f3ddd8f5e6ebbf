import { act, renderHook, waitFor } from '@testing-library/react';
import { useAsyncData } from './useAsyncData';

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('useAsyncData', () => {
  it('runs nothing and stays loading without a loader, then loads once one is given', async () => {
    const load = jest.fn(() => Promise.resolve(7));
    const { result, rerender } = renderHook(({ ready }) => useAsyncData(ready ? load : undefined, `k|${ready}`), {
      initialProps: { ready: false },
    });
    expect(result.current.status).toBe('loading');
    expect(load).not.toHaveBeenCalled();
    rerender({ ready: true });
    await waitFor(() => expect(result.current).toEqual({ status: 'success', value: 7 }));
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('drops the answer for a key that is no longer current', async () => {
    const slow = deferred<string>();
    const { result, rerender } = renderHook(({ k, load }) => useAsyncData(load, k), {
      initialProps: { k: 'old', load: () => slow.promise },
    });
    rerender({ k: 'new', load: () => Promise.resolve('new answer') });
    await waitFor(() => expect(result.current).toEqual({ status: 'success', value: 'new answer' }));
    await act(async () => slow.resolve('old answer'));
    expect(result.current).toEqual({ status: 'success', value: 'new answer' });
  });

  it('reports a failing loader as an error', async () => {
    const failure = new Error('boom');
    const { result } = renderHook(() => useAsyncData(() => Promise.reject(failure), 'k'));
    await waitFor(() => expect(result.current).toEqual({ status: 'error', error: failure }));
  });
});
