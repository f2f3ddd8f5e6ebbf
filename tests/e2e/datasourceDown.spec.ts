import { test, expect } from './fixtures';
import { pagePath, ROUTES } from '../../src/constants';
import { patchJsonData } from './settingsApi';

/**
 * The test host provisions "Loki (unreachable)" (a port nothing listens on); selecting it makes
 * Loki fail for real through the datasource proxy, as a Loki that is down does.
 */
test.describe.serial('a datasource down', () => {
  test.skip(!!process.env.GRAFANA_URL, 'needs the test host, which provisions the unreachable Loki');

  test.afterAll(async ({ browser, baseURL }) => {
    const context = await browser.newContext({ baseURL, storageState: 'playwright/.auth/admin.json' });
    await patchJsonData(context.request, (j) => ({ ...j, datasources: { ...j.datasources, lokiUid: 'loki' } }));
    await context.close();
  });

  test('only the sections that need Loki fail, naming Loki and the reason', async ({ page, allowFailures, shot }) => {
    allowFailures(/\/api\/datasources\/proxy\/uid\/loki-unreachable\//);
    await patchJsonData(page.request, (j) => ({
      ...j,
      datasources: { ...j.datasources, lokiUid: 'loki-unreachable' },
    }));
    await page.goto(`${pagePath(ROUTES.Services)}?service=sample-app&from=now-15m&to=now`);

    const patterns = page.getByRole('region', { name: 'Error log patterns' });
    await expect(patterns.getByRole('alert')).toContainText('Error log patterns unavailable');
    await expect(patterns.getByRole('alert')).toContainText(/Loki: .*Connection refused/);
    await expect(page.getByRole('region', { name: 'Root-cause confidence' }).getByRole('alert')).toContainText(
      /Loki: .*Connection refused/
    );
    await expect(page.getByRole('region', { name: 'Traces from the error logs' }).getByRole('alert')).toBeVisible();

    // Prometheus still answers: the metrics, the SLO and the blast radius stay on screen.
    const metrics = page.getByRole('region', { name: 'Metrics and SLO' });
    await expect(metrics.getByText('Request rate')).toBeVisible();
    await expect(metrics.getByRole('alert')).toHaveCount(0);
    await expect(page.getByRole('region', { name: 'Blast radius' }).getByRole('alert')).toHaveCount(0);
    await shot('datasource-down');
  });
});
