import type { DataFrame } from '@grafana/data';
import type { DataQuery } from '@grafana/schema';

/**
 * How the data layer reaches a datasource, passed in rather than imported: the page runs queries
 * through Grafana's datasource API (`runQueries` in datasource.ts); the integration tests and the
 * benchmark send the same queries over HTTP to the servers. Nothing here imports @grafana/runtime.
 */

export type DatasourceKind = 'prometheus' | 'loki' | 'tempo';

export const DATASOURCE_LABELS: Record<DatasourceKind, string> = {
  prometheus: 'Prometheus',
  loki: 'Loki',
  tempo: 'Tempo',
};

/** A failure of one datasource, named so the page can say which one and why. */
export class DatasourceError extends Error {
  constructor(
    readonly kind: DatasourceKind,
    readonly reason: string
  ) {
    super(`${DATASOURCE_LABELS[kind]}: ${reason}`);
    this.name = 'DatasourceError';
  }
}

/**
 * Runs `targets` against the datasource of `kind` with `uid` over [fromMs, toMs] and answers
 * Grafana data frames; a failure is thrown as a DatasourceError.
 */
export type QueryRunner = <Q extends DataQuery>(
  kind: DatasourceKind,
  uid: string | undefined,
  targets: Q[],
  fromMs: number,
  toMs: number,
  intervalMs?: number
) => Promise<DataFrame[]>;

/** Turns what Grafana's services throw (Error, FetchError, strings) into one readable sentence. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) {
    return e.message;
  }
  if (typeof e === 'object' && e !== null) {
    const o = e as {
      data?: { message?: string; error?: string };
      message?: string;
      statusText?: string;
      status?: number;
    };
    const text = o.data?.message ?? o.data?.error ?? o.message ?? o.statusText;
    if (text) {
      return o.status ? `${text} (HTTP ${o.status})` : text;
    }
  }
  return typeof e === 'string' && e ? e : 'unknown error';
}
