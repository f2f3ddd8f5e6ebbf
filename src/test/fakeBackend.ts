import { of, throwError } from 'rxjs';
import { config, getBackendSrv } from '@grafana/runtime';

/**
 * Test doubles for `getBackendSrv().fetch` and the signed-in role. The test file must mock
 * `@grafana/runtime` with `getBackendSrv: jest.fn()`.
 */

export interface BackendCall {
  url: string;
  method: string;
  data?: unknown;
}

/** Answers every fetch with `answer(call)`; a throw becomes the request's error. */
export function fakeBackend(answer: (call: BackendCall) => unknown): jest.Mock {
  const fetch = jest.fn((call: BackendCall) => {
    try {
      return of({ data: answer(call) });
    } catch (e) {
      return throwError(() => e);
    }
  });
  jest.mocked(getBackendSrv).mockReturnValue({ fetch } as never);
  return fetch;
}

export function asRole(role: string) {
  config.bootData.user.orgRole = role as never;
}
