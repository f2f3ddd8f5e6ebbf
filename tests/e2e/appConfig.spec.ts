import { test, expect } from './fixtures';

test('the configuration page saves the datasources, preset and objectives', async ({ appConfigPage, page }) => {
  await page.getByText('Prometheus client').click();
  await expect(page.getByRole('textbox', { name: /^Requests counter/ })).toHaveValue('http_requests_total');
  await page.getByText('OpenTelemetry HTTP server').click();

  const saveResponse = appConfigPage.waitForSettingsResponse();
  await page.getByRole('button', { name: /Save settings/i }).click();
  await expect(saveResponse).toBeOK();
});
