import { test, expect } from './fixtures';
import type { Locator, Page } from '@playwright/test';
import { pagePath, ROUTES } from '../../src/constants';
import { hasStack, playScenario } from './traffic';

/** Presses Tab until `target` has the focus, as a keyboard user reaches it. */
async function tabTo(page: Page, target: Locator, maxPresses = 60) {
  for (let i = 0; i < maxPresses; i++) {
    if (await target.evaluate((el) => el === document.activeElement || el.contains(document.activeElement))) {
      return;
    }
    await page.keyboard.press('Tab');
  }
  throw new Error(`${target} not reached with ${maxPresses} Tab presses`);
}

test.beforeAll(async () => {
  if (hasStack) {
    // The picker lists the services with traffic in the range: give sample-app some, and let
    // Prometheus scrape it.
    test.setTimeout(90_000);
    await playScenario('steady', 15, 0);
    await new Promise((r) => setTimeout(r, 12_000));
  }
});

test('the service picker, the snapshot form and the lifecycle buttons work without a mouse', async ({ pageAs }) => {
  const page = await pageAs('editor');
  await page.goto(pagePath(ROUTES.Services));
  await expect(page.getByText('Pick a service')).toBeVisible();

  const picker = page.getByLabel('Service', { exact: true });
  await tabTo(page, picker);
  await page.keyboard.type('sample-app');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/service=sample-app/);

  const save = page.getByRole('button', { name: 'Save snapshot' });
  await expect(save).toBeEnabled({ timeout: 60_000 });
  await tabTo(page, save);
  await page.keyboard.press('Enter');
  const modal = page.getByRole('dialog', { name: 'Save snapshot' });
  const title = modal.getByRole('textbox', { name: /Title/ });
  await tabTo(page, title);
  await page.keyboard.press('ControlOrMeta+a');
  const name = `Keyboard incident ${Date.now()}`;
  await page.keyboard.type(name);
  await tabTo(page, modal.getByRole('radio', { checked: true }));
  await page.keyboard.press('ArrowRight');
  const chosen = await modal.getByRole('radio', { checked: true }).getAttribute('value');
  await tabTo(page, modal.getByRole('button', { name: /^Save/ }));
  await page.keyboard.press('Enter');
  const opened = page.getByRole('link', { name: `Open incident “${name}”` });
  await expect(opened).toBeVisible();
  await tabTo(page, opened);
  await page.keyboard.press('Enter');

  await expect(page.getByRole('heading', { name })).toBeVisible();
  await expect(page.getByText(new RegExp(chosen ?? '', 'i')).first()).toBeVisible();
  const investigate = page.getByRole('button', { name: 'Start investigating' });
  await tabTo(page, investigate);
  await page.keyboard.press('Enter');
  const mitigate = page.getByRole('button', { name: 'Mark mitigated' });
  await expect(mitigate).toBeVisible();
  await tabTo(page, mitigate);
  await page.keyboard.press('Space');
  await expect(page.getByRole('region', { name: 'Timeline' })).toContainText(/mitigated/i);
});
