import { test, expect } from './fixtures';
import { ROUTES } from '../../src/constants';

test.describe('navigating the app', () => {
  test('the Services page asks for a service', async ({ gotoPage, page }) => {
    await gotoPage(`/${ROUTES.Services}`);
    await expect(page.getByText('Pick a service')).toBeVisible();
  });

  test('a service in the URL shows its metrics and SLO', async ({ gotoPage, page }) => {
    await gotoPage(`/${ROUTES.Services}?service=sample-app&from=now-15m&to=now`);
    await expect(page.getByRole('region', { name: 'Metrics and SLO' })).toBeVisible();
  });

  test('the Incidents page lists incidents', async ({ gotoPage, page }) => {
    await gotoPage(`/${ROUTES.Incidents}`);
    await expect(page.getByRole('heading', { name: /Incidents/ }).first()).toBeVisible();
  });
});
