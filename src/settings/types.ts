/**
 * The plugin's settings as stored in Grafana (`jsonData` of the app plugin).
 * Every metric, label and field name is editable on the configuration page;
 * presets only fill them in.
 */

export type MetricPresetId = 'otel' | 'prometheus' | 'spanmetrics';

/** How request metrics are named in Prometheus. */
export interface MetricMapping {
  preset: MetricPresetId;
  /** Counter of requests, e.g. `http_server_request_duration_seconds_count`. */
  requestsMetric: string;
  /** Histogram buckets for latency, e.g. `http_server_request_duration_seconds_bucket`. */
  latencyBucketMetric: string;
  /** Label naming the service, e.g. `service_name` or `job`. */
  serviceLabel: string;
  /** Label naming the route/endpoint, e.g. `http_route`. */
  routeLabel: string;
  /** Label holding the response status. */
  statusLabel: string;
  /**
   * Regular expression matched against `statusLabel` for failed requests,
   * e.g. `5..` for HTTP codes or `STATUS_CODE_ERROR` for span metrics.
   */
  errorStatusRegex: string;
  /**
   * PromQL label matchers added to every selector, e.g. `span_kind=~"SPAN_KIND_SERVER|SPAN_KIND_CONSUMER"`
   * so that span metrics count the requests a service served, not its client or internal spans.
   */
  extraMatchers: string;
  /** Latency unit of the histogram buckets; p95 is always shown in seconds. */
  latencyUnit: 'seconds' | 'milliseconds';
}

/** How error logs are found and read in Loki. */
export interface LogMapping {
  /** Stream label naming the service. */
  serviceLabel: string;
  /** LogQL pipeline that keeps only error lines, after the stream selector. */
  errorFilter: string;
  routeField: string;
  statusField: string;
  messageField: string;
  traceIdField: string;
  /** Most log lines fetched per query; counts beyond it come from metric queries. */
  lineLimit: number;
}

export interface SloObjective {
  /** Target success ratio as a percentage, e.g. 99.9. */
  objectivePercent: number;
  /** Length of the SLO period in days, e.g. 30. */
  periodDays: number;
}

export interface DatasourceSelection {
  prometheusUid?: string;
  lokiUid?: string;
  tempoUid?: string;
}

/** Where the baseline window of log patterns lies: just before the range, or 1 d / 1 w earlier. */
export type BaselineMode = 'previous' | 'day' | 'week';

export interface AppSettings {
  datasources: DatasourceSelection;
  metrics: MetricMapping;
  logs: LogMapping;
  /** Window the root-cause analysis compares pattern and route error counts with. */
  baseline: BaselineMode;
  slo: {
    default: SloObjective;
    /** Per-service overrides keyed by service name. */
    overrides: Record<string, SloObjective>;
  };
}
