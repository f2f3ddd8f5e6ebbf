import { Observable, lastValueFrom } from 'rxjs';
import type { BackendSrv, BackendSrvRequest, FetchError, FetchResponse } from '@grafana/runtime';
import { config } from '@grafana/runtime';

/**
 * Grafana's BackendSrv contract over window.fetch: JSON bodies, the org header, `params` as the
 * query string, a FetchError ({status, statusText, data}) for every non-2xx answer.
 */
async function send<T>(options: BackendSrvRequest, signal: AbortSignal): Promise<FetchResponse<T>> {
  const method = (options.method ?? 'GET').toUpperCase();
  let url = options.url;
  if (options.params && Object.keys(options.params).length > 0) {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(options.params)) {
      for (const v of Array.isArray(value) ? value : [value]) {
        if (v !== undefined && v !== null) {
          query.append(key, String(v));
        }
      }
    }
    url += (url.includes('?') ? '&' : '?') + query.toString();
  }
  const headers: Record<string, string> = {
    Accept: 'application/json, text/plain, */*',
    'X-Grafana-Org-Id': String(config.bootData.user.orgId),
    ...(options.headers ?? {}),
  };
  let body: BodyInit | undefined;
  if (options.data !== undefined && method !== 'GET') {
    if (typeof options.data === 'string' || options.data instanceof URLSearchParams) {
      body = options.data;
    } else {
      body = JSON.stringify(options.data);
      headers['Content-Type'] = headers['Content-Type'] ?? 'application/json';
    }
  }
  const response = await fetch(new URL(url, document.baseURI), {
    method,
    headers,
    body,
    signal,
    credentials: 'same-origin',
  });
  const text = await response.text();
  let data: unknown = text;
  if ((response.headers.get('Content-Type') ?? '').includes('json') && text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  const result = {
    data: data as T,
    status: response.status,
    statusText: response.statusText,
    ok: response.ok,
    headers: response.headers,
    redirected: response.redirected,
    type: response.type,
    url: response.url,
    config: options,
  };
  if (!response.ok) {
    const errorData = typeof data === 'string' ? { message: data || response.statusText } : data;
    const error: FetchError = { ...result, data: errorData, isHandled: options.showErrorAlert === false };
    throw error;
  }
  return result as FetchResponse<T>;
}

export class TestHostBackendSrv {
  fetch<T>(options: BackendSrvRequest): Observable<FetchResponse<T>> {
    return new Observable<FetchResponse<T>>((subscriber) => {
      const controller = new AbortController();
      send<T>(options, controller.signal).then(
        (r) => {
          subscriber.next(r);
          subscriber.complete();
        },
        (e) => subscriber.error(e)
      );
      return () => controller.abort();
    });
  }

  async request<T>(options: BackendSrvRequest): Promise<T> {
    return (await lastValueFrom(this.fetch<T>(options))).data;
  }

  async datasourceRequest<T>(options: BackendSrvRequest): Promise<FetchResponse<T>> {
    return lastValueFrom(this.fetch<T>(options));
  }

  get<T>(url: string, params?: BackendSrvRequest['params']): Promise<T> {
    return this.request<T>({ url, params, method: 'GET' });
  }

  delete<T>(url: string, data?: unknown): Promise<T> {
    return this.request<T>({ url, data, method: 'DELETE' });
  }

  post<T>(url: string, data?: unknown): Promise<T> {
    return this.request<T>({ url, data, method: 'POST' });
  }

  patch<T>(url: string, data?: unknown): Promise<T> {
    return this.request<T>({ url, data, method: 'PATCH' });
  }

  put<T>(url: string, data?: unknown): Promise<T> {
    return this.request<T>({ url, data, method: 'PUT' });
  }

  resolveCancelerIfExists(): void {}
}

export function asBackendSrv(srv: TestHostBackendSrv): BackendSrv {
  return srv as unknown as BackendSrv;
}
