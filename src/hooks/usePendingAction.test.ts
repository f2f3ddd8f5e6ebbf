import { act, renderHook } from '@testing-library/react';
import { usePendingAction } from './usePendingAction';

describe('usePendingAction', () => {
  it('is busy while the action runs, then hands its value on', async () => {
    let finish!: (v: number) => void;
    const done = jest.fn();
    const { result } = renderHook(() => usePendingAction());
    act(() => result.current.run(() => new Promise<number>((r) => (finish = r)), done));
    expect(result.current.busy).toBe(true);
    await act(async () => finish(3));
    expect(result.current).toMatchObject({ busy: false, error: undefined });
    expect(done).toHaveBeenCalledWith(3);
  });

  it('keeps the failure until the next run or clearError', async () => {
    const failure = new Error('refused');
    const done = jest.fn();
    const { result } = renderHook(() => usePendingAction());
    await act(async () => result.current.run(() => Promise.reject(failure), done));
    expect(result.current).toMatchObject({ busy: false, error: failure });
    expect(done).not.toHaveBeenCalled();
    act(() => result.current.run(() => new Promise(() => undefined), done));
    expect(result.current).toMatchObject({ busy: true, error: undefined });
    await act(async () => result.current.run(() => Promise.reject(failure), done));
    act(() => result.current.clearError());
    expect(result.current.error).toBeUndefined();
  });
});
