import React, { useState, type FormEvent } from 'react';
import { lastValueFrom } from 'rxjs';
import { css } from '@emotion/css';
import type { AppPluginMeta, GrafanaTheme2, PluginConfigPageProps, PluginMeta } from '@grafana/data';
import { DataSourcePicker, getBackendSrv, getDataSourceSrv } from '@grafana/runtime';
import {
  Alert,
  Button,
  Field,
  FieldSet,
  IconButton,
  Input,
  RadioButtonGroup,
  Select,
  Stack,
  useStyles2,
} from '@grafana/ui';
import { errorMessage, type DatasourceKind } from '../../data/queryRunner';
import { METRIC_PRESETS, resolveSettings, validateLineLimit, validateObjective } from '../../settings/presets';
import type {
  AppSettings,
  BaselineMode,
  LogMapping,
  MetricMapping,
  MetricPresetId,
  SloObjective,
} from '../../settings/types';
import { testIds } from '../../testIds';

export interface AppConfigProps extends PluginConfigPageProps<AppPluginMeta<Partial<AppSettings>>> {}

const DATASOURCE_FIELDS: Array<{
  kind: DatasourceKind;
  key: keyof AppSettings['datasources'];
  label: string;
  testId: string;
}> = [
  { kind: 'prometheus', key: 'prometheusUid', label: 'Prometheus', testId: testIds.appConfig.prometheus },
  { kind: 'loki', key: 'lokiUid', label: 'Loki', testId: testIds.appConfig.loki },
  { kind: 'tempo', key: 'tempoUid', label: 'Tempo', testId: testIds.appConfig.tempo },
];

const METRIC_FIELDS: Array<{
  key: Exclude<keyof MetricMapping, 'preset' | 'latencyUnit'>;
  label: string;
  description: string;
}> = [
  {
    key: 'requestsMetric',
    label: 'Requests counter',
    description: 'Counter of requests; its rate is the request rate',
  },
  { key: 'latencyBucketMetric', label: 'Latency histogram buckets', description: 'The _bucket series used for p95' },
  { key: 'serviceLabel', label: 'Service label', description: 'Label naming the service' },
  { key: 'routeLabel', label: 'Route label', description: 'Label naming the route or endpoint' },
  { key: 'statusLabel', label: 'Status label', description: 'Label holding the response status' },
  {
    key: 'errorStatusRegex',
    label: 'Failed status (regex)',
    description: 'Values of the status label that count as failures',
  },
  {
    key: 'extraMatchers',
    label: 'Extra label matchers',
    description: 'Added to every selector, e.g. span_kind=~"SPAN_KIND_SERVER" (optional)',
  },
];

const BASELINE_OPTIONS: Array<{ label: string; value: BaselineMode }> = [
  { label: 'Just before the range', value: 'previous' },
  { label: 'One day earlier', value: 'day' },
  { label: 'One week earlier', value: 'week' },
];

const LOG_FIELDS: Array<{ key: Exclude<keyof LogMapping, 'lineLimit'>; label: string; description: string }> = [
  { key: 'serviceLabel', label: 'Service stream label', description: 'Loki stream label naming the service' },
  {
    key: 'errorFilter',
    label: 'Error line filter',
    description: 'LogQL pipeline after the stream selector that keeps error lines',
  },
  { key: 'routeField', label: 'Route field', description: 'JSON or logfmt field holding the route' },
  { key: 'statusField', label: 'Status field', description: 'Field holding the response status' },
  { key: 'messageField', label: 'Message field', description: 'Field holding the message' },
  { key: 'traceIdField', label: 'Trace id field', description: 'Field holding the trace id' },
];

/** First datasource of a type, so a fresh install works without any choice being made. */
function firstOfType(kind: DatasourceKind): string | undefined {
  return getDataSourceSrv().getList({ type: kind })[0]?.uid;
}

export function withDefaultDatasources(settings: AppSettings): AppSettings {
  const ds = settings.datasources;
  return {
    ...settings,
    datasources: {
      prometheusUid: ds.prometheusUid ?? firstOfType('prometheus'),
      lokiUid: ds.lokiUid ?? firstOfType('loki'),
      tempoUid: ds.tempoUid ?? firstOfType('tempo'),
    },
  };
}

const AppConfig = ({ plugin }: AppConfigProps) => {
  const s = useStyles2(getStyles);
  const [settings, setSettings] = useState<AppSettings>(() =>
    withDefaultDatasources(resolveSettings(plugin.meta.jsonData))
  );
  const [newOverride, setNewOverride] = useState('');
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string>();

  const setMetrics = (changes: Partial<MetricMapping>) =>
    setSettings((prev) => ({ ...prev, metrics: { ...prev.metrics, ...changes } }));
  const setLogs = (changes: Partial<LogMapping>) =>
    setSettings((prev) => ({ ...prev, logs: { ...prev.logs, ...changes } }));
  const setDefaultSlo = (changes: Partial<SloObjective>) =>
    setSettings((prev) => ({ ...prev, slo: { ...prev.slo, default: { ...prev.slo.default, ...changes } } }));
  const setOverride = (service: string, value: SloObjective | undefined) =>
    setSettings((prev) => {
      const overrides = { ...prev.slo.overrides };
      if (value) {
        overrides[service] = value;
      } else {
        delete overrides[service];
      }
      return { ...prev, slo: { ...prev.slo, overrides } };
    });

  const objectiveErrors = [
    validateObjective(settings.slo.default),
    ...Object.entries(settings.slo.overrides).map(([svc, o]) => {
      const e = validateObjective(o);
      return e && `${svc}: ${e}`;
    }),
  ].filter(Boolean);
  const lineLimitError = validateLineLimit(settings.logs.lineLimit);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (objectiveErrors.length > 0 || lineLimitError) {
      return;
    }
    setSaving(true);
    setSaveError(undefined);
    try {
      await updatePlugin(plugin.meta.id, { enabled: true, pinned: true, jsonData: settings });
      // Grafana only hands new settings to the app on a page load.
      window.location.reload();
    } catch (e) {
      setSaveError(errorMessage(e));
      setSaving(false);
    }
  };

  return (
    <form onSubmit={onSubmit} data-testid={testIds.appConfig.form} className={s.form}>
      <FieldSet label="Datasources">
        {DATASOURCE_FIELDS.map((f) => (
          <Field key={f.kind} label={f.label} data-testid={f.testId}>
            <DataSourcePicker
              inputId={`rcp-ds-${f.kind}`}
              pluginId={f.kind}
              current={settings.datasources[f.key] ?? null}
              noDefault
              width={40}
              onChange={(ds) =>
                setSettings((prev) => ({ ...prev, datasources: { ...prev.datasources, [f.key]: ds.uid } }))
              }
            />
          </Field>
        ))}
      </FieldSet>

      <FieldSet label="Metric names">
        <Field
          label="Preset"
          description="Fills in every name below; each stays editable"
          data-testid={testIds.appConfig.preset}
        >
          <RadioButtonGroup<MetricPresetId>
            options={Object.values(METRIC_PRESETS).map((p) => ({
              label: p.label,
              value: p.id,
              description: p.description,
            }))}
            value={settings.metrics.preset}
            onChange={(id) => setMetrics(METRIC_PRESETS[id].mapping)}
          />
        </Field>
        {METRIC_FIELDS.map((f) => (
          <Field key={f.key} label={f.label} description={f.description}>
            <Input
              id={`rcp-metric-${f.key}`}
              width={60}
              value={settings.metrics[f.key]}
              onChange={(e) => setMetrics({ [f.key]: e.currentTarget.value.trim() })}
            />
          </Field>
        ))}
        <Field label="Latency unit" description="Unit of the histogram's le buckets">
          <Select
            inputId="rcp-metric-latencyUnit"
            width={20}
            options={[
              { label: 'seconds', value: 'seconds' },
              { label: 'milliseconds', value: 'milliseconds' },
            ]}
            value={settings.metrics.latencyUnit}
            onChange={(o) => o.value && setMetrics({ latencyUnit: o.value as MetricMapping['latencyUnit'] })}
          />
        </Field>
      </FieldSet>

      <FieldSet label="Logs (Loki)">
        {LOG_FIELDS.map((f) => (
          <Field key={f.key} label={f.label} description={f.description}>
            <Input
              id={`rcp-log-${f.key}`}
              width={60}
              value={settings.logs[f.key]}
              onChange={(e) => setLogs({ [f.key]: e.currentTarget.value })}
            />
          </Field>
        ))}
        <Field
          label="Line limit"
          description="Most error lines fetched per query"
          invalid={Boolean(lineLimitError)}
          error={lineLimitError}
        >
          <Input
            id="rcp-log-lineLimit"
            type="number"
            width={20}
            value={settings.logs.lineLimit}
            onChange={(e) => setLogs({ lineLimit: Number(e.currentTarget.value) })}
          />
        </Field>
      </FieldSet>

      <FieldSet label="Root cause">
        <Field
          label="Baseline window"
          description="Window of the same length that log pattern and route error counts are compared with (docs/ROOT_CAUSE.md)"
        >
          <RadioButtonGroup<BaselineMode>
            options={BASELINE_OPTIONS}
            value={settings.baseline}
            onChange={(baseline) => setSettings((prev) => ({ ...prev, baseline }))}
          />
        </Field>
      </FieldSet>

      <FieldSet label="Service level objectives">
        <Stack direction="row" gap={2}>
          <Field label="Default objective (%)" invalid={Boolean(validateObjective(settings.slo.default))}>
            <Input
              id="rcp-slo-objective"
              type="number"
              step="any"
              width={16}
              value={settings.slo.default.objectivePercent}
              onChange={(e) => setDefaultSlo({ objectivePercent: Number(e.currentTarget.value) })}
            />
          </Field>
          <Field label="Period (days)">
            <Input
              id="rcp-slo-period"
              type="number"
              width={16}
              value={settings.slo.default.periodDays}
              onChange={(e) => setDefaultSlo({ periodDays: Number(e.currentTarget.value) })}
            />
          </Field>
        </Stack>
        <table className={s.overrides} aria-label="Per-service objectives">
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Objective (%)</th>
              <th scope="col">Period (days)</th>
              <th scope="col">
                <span className={s.visuallyHidden}>Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(settings.slo.overrides).map(([service, o]) => (
              <tr key={service}>
                <td>{service}</td>
                <td>
                  <Input
                    aria-label={`Objective for ${service}`}
                    type="number"
                    step="any"
                    width={16}
                    value={o.objectivePercent}
                    onChange={(e) => setOverride(service, { ...o, objectivePercent: Number(e.currentTarget.value) })}
                  />
                </td>
                <td>
                  <Input
                    aria-label={`Period for ${service}`}
                    type="number"
                    width={16}
                    value={o.periodDays}
                    onChange={(e) => setOverride(service, { ...o, periodDays: Number(e.currentTarget.value) })}
                  />
                </td>
                <td>
                  <IconButton
                    name="trash-alt"
                    tooltip={`Remove the objective of ${service}`}
                    onClick={() => setOverride(service, undefined)}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <Stack direction="row" gap={1}>
          <Input
            aria-label="Service for a new objective"
            placeholder="service name"
            width={30}
            value={newOverride}
            onChange={(e) => setNewOverride(e.currentTarget.value.trim())}
          />
          <Button
            variant="secondary"
            icon="plus"
            disabled={!newOverride || newOverride in settings.slo.overrides}
            onClick={() => {
              setOverride(newOverride, { ...settings.slo.default });
              setNewOverride('');
            }}
          >
            Add per-service objective
          </Button>
        </Stack>
        {objectiveErrors.length > 0 && (
          <Alert severity="error" title="Objectives to correct">
            {objectiveErrors.join('. ')}
          </Alert>
        )}
      </FieldSet>

      {saveError && (
        <Alert severity="error" title="Settings were not saved">
          {saveError}
        </Alert>
      )}
      <Button
        type="submit"
        data-testid={testIds.appConfig.submit}
        disabled={saving || objectiveErrors.length > 0 || Boolean(lineLimitError)}
      >
        {saving ? 'Saving…' : 'Save settings'}
      </Button>
    </form>
  );
};

export default AppConfig;

const getStyles = (theme: GrafanaTheme2) => ({
  form: css({ maxWidth: 900 }),
  overrides: css({
    marginBottom: theme.spacing(1),
    'th, td': { padding: theme.spacing(0.5, 1), textAlign: 'left' },
  }),
  visuallyHidden: css({ position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)' }),
});

async function updatePlugin(pluginId: string, data: Partial<PluginMeta>) {
  const response = getBackendSrv().fetch({ url: `/api/plugins/${pluginId}/settings`, method: 'POST', data });
  return lastValueFrom(response);
}
