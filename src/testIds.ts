/** Every test id of the plugin, in one place for component and end-to-end tests. */
export const testIds = {
  appConfig: {
    form: 'data-testid rcp-config-form',
    prometheus: 'data-testid rcp-config-prometheus',
    loki: 'data-testid rcp-config-loki',
    tempo: 'data-testid rcp-config-tempo',
    preset: 'data-testid rcp-config-preset',
    submit: 'data-testid rcp-config-submit',
  },
  services: {
    page: 'data-testid rcp-services-page',
    picker: 'data-testid rcp-service-picker',
    metrics: 'data-testid rcp-services-metrics',
    stats: 'data-testid rcp-services-stats',
    slo: 'data-testid rcp-services-slo',
    patterns: 'data-testid rcp-services-patterns',
    confidence: 'data-testid rcp-services-confidence',
    blastRadius: 'data-testid rcp-services-blast-radius',
    traces: 'data-testid rcp-services-traces',
    saveSnapshot: 'data-testid rcp-services-save-snapshot',
  },
};
