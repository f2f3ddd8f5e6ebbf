import { test, expect } from './fixtures';
import { ROUTES } from '../../src/constants';
import { testIds } from '../../src/testIds';

/**
 * The Overview against the stack. Ranking during a fault is checked in services.spec.ts, on the
 * downstream failure that spec plays (a spec of its own would depend on the order specs run in).
 */
test.describe('the Overview page', () => {
  test('is the landing page and lists the services', async ({ gotoPage, page }) => {
    await gotoPage('');
    await expect(page).toHaveURL(new RegExp(`/${ROUTES.Overview}`));
    const table = page.getByTestId(testIds.overview.table);
    await expect(table).toBeVisible();
    await expect(table.getByRole('link', { name: 'sample-app' })).toBeVisible();
  });
});
