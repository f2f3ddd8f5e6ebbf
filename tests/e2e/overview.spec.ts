import { test, expect } from './fixtures';
import { ROUTES } from '../../src/constants';
import { testIds } from '../../src/testIds';

/**
 * The Overview against the demo stack. The second test expects the `downstream-failure` scenario to
 * be playing (payments /charge failing), as the browser host sets it up for the failure specs.
 */
test.describe('the Overview page', () => {
  test('is the landing page and lists the services', async ({ gotoPage, page }) => {
    await gotoPage('');
    await expect(page).toHaveURL(new RegExp(`/${ROUTES.Overview}`));
    const table = page.getByTestId(testIds.overview.table);
    await expect(table).toBeVisible();
    await expect(table.getByRole('link', { name: 'sample-app' })).toBeVisible();
  });

  test('puts the failing service first during a fault and opens it on Services', async ({ gotoPage, page }) => {
    await gotoPage(`/${ROUTES.Overview}?from=now-15m&to=now`);
    const first = page.getByTestId(testIds.overview.row).first();
    await expect(first.getByRole('link', { name: 'payments' })).toBeVisible({ timeout: 60_000 });
    await expect(first.getByText(/^(Page|Ticket) firing$/)).toBeVisible();
    await first.getByRole('link', { name: 'payments' }).click();
    await expect(page).toHaveURL(/\/services\?service=payments&from=now-15m&to=now/);
    await expect(page.getByRole('region', { name: 'Metrics and SLO' })).toBeVisible();
  });
});
