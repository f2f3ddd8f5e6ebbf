import { renderHook } from '@testing-library/react';
import { config } from '@grafana/runtime';
import { useInterval } from './useInterval';

describe('useInterval', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    config.minRefreshInterval = '5s';
  });
  afterEach(() => jest.useRealTimers());

  it('ticks at the interval and stops when turned off', () => {
    const tick = jest.fn();
    const { rerender } = renderHook(({ interval }) => useInterval(tick, interval), {
      initialProps: { interval: '10s' },
    });
    jest.advanceTimersByTime(30_000);
    expect(tick).toHaveBeenCalledTimes(3);
    rerender({ interval: 'off' });
    jest.advanceTimersByTime(30_000);
    expect(tick).toHaveBeenCalledTimes(3);
  });

  it('never ticks faster than the server minimum', () => {
    const tick = jest.fn();
    renderHook(() => useInterval(tick, '1s'));
    jest.advanceTimersByTime(10_000);
    expect(tick).toHaveBeenCalledTimes(2);
  });

  it('skips ticks while the previous load is still running', () => {
    const tick = jest.fn();
    const { rerender } = renderHook(({ busy }) => useInterval(tick, '5s', busy), { initialProps: { busy: true } });
    jest.advanceTimersByTime(20_000);
    expect(tick).not.toHaveBeenCalled();
    rerender({ busy: false });
    jest.advanceTimersByTime(5_000);
    expect(tick).toHaveBeenCalledTimes(1);
  });

  it('ignores an interval it cannot read', () => {
    const tick = jest.fn();
    renderHook(() => useInterval(tick, 'soon'));
    jest.advanceTimersByTime(60_000);
    expect(tick).not.toHaveBeenCalled();
  });
});
