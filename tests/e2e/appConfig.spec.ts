import { test, expect } from './fixtures';
import { pagePath, ROUTES } from '../../src/constants';
import { METRIC_PRESETS } from '../../src/settings/presets';
import { patchJsonData } from './settingsApi';

test.describe.serial('configuration', () => {
  test.afterAll(async ({ browser, baseURL }) => {
    // Put the provisioned OpenTelemetry names back for the flows that follow.
    const context = await browser.newContext({ baseURL, storageState: 'playwright/.auth/admin.json' });
    await patchJsonData(context.request, (j) => ({ ...j, metrics: { ...j.metrics, ...METRIC_PRESETS.otel.mapping } }));
    await context.close();
  });

  test('an Admin switches the metric preset and saves; the Services page queries the new names', async ({
    appConfigPage,
    page,
    shot,
  }) => {
    await expect(page.getByRole('textbox', { name: /^Requests counter/ })).toHaveValue(
      METRIC_PRESETS.otel.mapping.requestsMetric
    );
    await shot('configuration');
    // In @grafana/ui 11.6 the radio input covers its label text: pick the radio by role.
    await page.getByRole('radio', { name: 'Prometheus client' }).check({ force: true });
    await expect(page.getByRole('textbox', { name: /^Requests counter/ })).toHaveValue(
      METRIC_PRESETS.prometheus.mapping.requestsMetric
    );

    const saveResponse = appConfigPage.waitForSettingsResponse();
    await page.getByRole('button', { name: /Save settings/i }).click();
    await expect(saveResponse).toBeOK();
    await page.waitForLoadState('load');
    await expect(page.getByRole('textbox', { name: /^Requests counter/ })).toHaveValue(
      METRIC_PRESETS.prometheus.mapping.requestsMetric
    );

    const servicesQuery = page.waitForRequest(
      (r) => r.url().includes('/api/datasources/proxy/uid/prometheus/api/v1/query') && (r.postData() ?? '').length > 0
    );
    await page.goto(pagePath(ROUTES.Services));
    const query = new URLSearchParams((await servicesQuery).postData() ?? '').get('query') ?? '';
    expect(query).toContain('http_requests_total');
    expect(query).toContain('job');
    expect(query).not.toContain('http_server_request_duration_seconds_count');
  });

  test("an Editor's save is refused with Grafana's message on the page", async ({ pageAs, allowFailures }) => {
    allowFailures(/\/api\/plugins\/rcp-reliability-app\/settings$/);
    const page = await pageAs('editor');
    await page.goto('/plugins/rcp-reliability-app');
    await page.getByRole('button', { name: /Save settings/i }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Settings were not saved' });
    await expect(alert).toContainText('Permissions needed: plugins:write');
    await expect(alert).toContainText('403');
  });
});
