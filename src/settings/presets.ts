import type { AppSettings, LogMapping, MetricMapping, MetricPresetId, SloObjective } from './types';

export interface MetricPreset {
  id: MetricPresetId;
  label: string;
  description: string;
  mapping: MetricMapping;
}

/** The three naming conventions users really have; every field stays editable after choosing one. */
export const METRIC_PRESETS: Record<MetricPresetId, MetricPreset> = {
  otel: {
    id: 'otel',
    label: 'OpenTelemetry HTTP server',
    description: 'http_server_request_duration_seconds_* with http_route and http_response_status_code',
    mapping: {
      preset: 'otel',
      requestsMetric: 'http_server_request_duration_seconds_count',
      latencyBucketMetric: 'http_server_request_duration_seconds_bucket',
      serviceLabel: 'service_name',
      routeLabel: 'http_route',
      statusLabel: 'http_response_status_code',
      errorStatusRegex: '5..',
      extraMatchers: '',
      latencyUnit: 'seconds',
    },
  },
  prometheus: {
    id: 'prometheus',
    label: 'Prometheus client',
    description: 'http_requests_total and http_request_duration_seconds_bucket with handler and code',
    mapping: {
      preset: 'prometheus',
      requestsMetric: 'http_requests_total',
      latencyBucketMetric: 'http_request_duration_seconds_bucket',
      serviceLabel: 'job',
      routeLabel: 'handler',
      statusLabel: 'code',
      errorStatusRegex: '5..',
      extraMatchers: '',
      latencyUnit: 'seconds',
    },
  },
  spanmetrics: {
    id: 'spanmetrics',
    label: 'Tempo span metrics',
    description: 'traces_spanmetrics_calls_total and traces_spanmetrics_latency_bucket with span_name and status_code',
    mapping: {
      preset: 'spanmetrics',
      requestsMetric: 'traces_spanmetrics_calls_total',
      latencyBucketMetric: 'traces_spanmetrics_latency_bucket',
      serviceLabel: 'service',
      routeLabel: 'span_name',
      statusLabel: 'status_code',
      errorStatusRegex: 'STATUS_CODE_ERROR',
      extraMatchers: 'span_kind=~"SPAN_KIND_SERVER|SPAN_KIND_CONSUMER"',
      latencyUnit: 'seconds',
    },
  },
};

export const DEFAULT_LOG_MAPPING: LogMapping = {
  serviceLabel: 'service_name',
  // A level field at error or worse, a 5xx status field, or an upper-case level word in plain text;
  // word boundaries keep `latency_status=503`, `status=5000` and `severity=errorless` out.
  errorFilter:
    '|~ `(?i:\\b(?:level|lvl|severity|severity_text)"?\\s*[:=]\\s*"?(?:error|err|fatal|critical|crit)\\b)|(?i:\\b(?:status|status_code|http_status|http\\.status_code|http_response_status_code)"?\\s*[:=]\\s*"?5\\d\\d\\b)|\\b(?:ERROR|FATAL|CRITICAL)\\b`',
  routeField: 'route',
  statusField: 'status',
  messageField: 'message',
  traceIdField: 'trace_id',
  lineLimit: 2000,
};

export const DEFAULT_SLO: SloObjective = { objectivePercent: 99.9, periodDays: 30 };

export const DEFAULT_SETTINGS: AppSettings = {
  datasources: {},
  metrics: METRIC_PRESETS.otel.mapping,
  logs: DEFAULT_LOG_MAPPING,
  baseline: 'previous',
  slo: { default: DEFAULT_SLO, overrides: {} },
};

/**
 * Merges what Grafana stored with the defaults, so that settings saved by an older
 * version (or never saved) still yield a complete, usable configuration.
 */
export function resolveSettings(stored: Partial<AppSettings> | undefined | null): AppSettings {
  const s = stored ?? {};
  const presetId = s.metrics?.preset && METRIC_PRESETS[s.metrics.preset] ? s.metrics.preset : 'otel';
  return {
    datasources: { ...s.datasources },
    metrics: { ...METRIC_PRESETS[presetId].mapping, ...s.metrics },
    logs: { ...DEFAULT_LOG_MAPPING, ...s.logs },
    baseline: s.baseline === 'day' || s.baseline === 'week' ? s.baseline : 'previous',
    slo: {
      default: { ...DEFAULT_SLO, ...s.slo?.default },
      overrides: { ...s.slo?.overrides },
    },
  };
}

export function sloFor(settings: AppSettings, service: string): SloObjective {
  return settings.slo.overrides[service] ?? settings.slo.default;
}

/** Why a Loki line limit cannot be used, or undefined when it can. */
export function validateLineLimit(lineLimit: number): string | undefined {
  return Number.isInteger(lineLimit) && lineLimit >= 100 && lineLimit <= 5000
    ? undefined
    : 'Between 100 and 5000 lines';
}

/** Why an objective cannot be used, or undefined when it can. */
export function validateObjective(slo: SloObjective): string | undefined {
  if (!Number.isFinite(slo.objectivePercent) || slo.objectivePercent <= 0 || slo.objectivePercent > 100) {
    return 'Objective must be a percentage above 0 and at most 100';
  }
  if (!Number.isFinite(slo.periodDays) || slo.periodDays < 1 || slo.periodDays > 365) {
    return 'Period must be between 1 and 365 days';
  }
  return undefined;
}
