import { test, expect } from './fixtures';
import type { Page } from '@playwright/test';
import { pagePath, ROUTES } from '../../src/constants';

const RESOURCES = '/api/plugins/rcp-reliability-app/resources';

async function openServiceView(page: Page, service: string) {
  await page.goto(`${pagePath(ROUTES.Services)}?service=${service}&from=now-15m&to=now`);
  await expect(page.getByRole('region', { name: 'Metrics and SLO' })).toBeVisible();
}

async function expectTimelineStep(page: Page, text: string | RegExp) {
  await expect(
    page.getByRole('region', { name: 'Timeline' }).getByRole('listitem').filter({ hasText: text })
  ).toHaveCount(1);
}

test.describe.serial('incidents', () => {
  const title = `Checkout failures ${Date.now()}`;
  let incidentUrl = '';

  test('an Editor saves a snapshot, finds it and moves it to resolved with a note', async ({ pageAs, shot }) => {
    const page = await pageAs('editor');
    await openServiceView(page, 'sample-app');
    const save = page.getByRole('button', { name: 'Save snapshot' });
    await expect(save).toBeEnabled({ timeout: 60_000 });
    await save.click();
    const modal = page.getByRole('dialog', { name: 'Save snapshot' });
    await modal.getByRole('textbox', { name: /Title/ }).fill(title);
    // In @grafana/ui 11.6 the radio input covers its label: pick it by role.
    await modal.getByRole('radio', { name: 'High' }).check({ force: true });
    await modal.getByRole('button', { name: /^Save/ }).click();
    await expect(page.getByText('Snapshot saved')).toBeVisible();

    await page.goto(pagePath(ROUTES.Incidents));
    await page.getByRole('link', { name: title }).click();
    await expect(page.getByRole('heading', { name: title })).toBeVisible();
    incidentUrl = new URL(page.url()).pathname;
    await expectTimelineStep(page, /created/i);

    await page.getByRole('button', { name: 'Start investigating' }).click();
    await expectTimelineStep(page, /investigating/i);
    await page.getByRole('button', { name: 'Mark mitigated' }).click();
    await expectTimelineStep(page, /mitigated/i);
    await page.getByRole('textbox', { name: 'Note' }).fill('Rolled back the payments provider client');
    await page.getByRole('button', { name: 'Add note' }).click();
    await expectTimelineStep(page, 'Rolled back the payments provider client');
    await page.getByRole('button', { name: 'Resolve' }).click();
    await expectTimelineStep(page, /resolved/i);
    await expect(page.getByRole('button', { name: 'Reopen' })).toBeVisible();
    await shot('incident', page);
  });

  test('a Viewer sees the incident but cannot save or change, and the backend refuses with 403', async ({
    pageAs,
    shot,
  }) => {
    const page = await pageAs('viewer');
    await openServiceView(page, 'sample-app');
    const save = page.getByRole('button', { name: 'Save snapshot' });
    await expect(save).toBeDisabled();
    await expect(save).toHaveAccessibleDescription(/Viewers can't save snapshots/);

    await page.goto(incidentUrl);
    await expect(page.getByRole('heading', { name: title })).toBeVisible();
    await expect(page.getByText(/Read only: Viewers can.t change incidents/)).toBeVisible();
    await expect(page.getByRole('button', { name: 'Reopen' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Add note' })).toHaveCount(0);
    await shot('incident-viewer', page);

    const forced = await page.request.post(`${RESOURCES}/incidents`, {
      data: { service: 'sample-app', title: 'forced', severity: 'low' },
    });
    expect(forced.status()).toBe(403);
    expect((await forced.json()).error).toMatch(/Viewer.*may not/);
  });

  test("the org 2 Admin sees none of org 1's incidents", async ({ pageAs }) => {
    const page = await pageAs('admin2');
    await page.goto(pagePath(ROUTES.Incidents));
    await expect(page.getByText(/No incidents yet/)).toBeVisible();
    const id = incidentUrl.split('/').pop();
    const direct = await page.request.get(`${RESOURCES}/incidents/${id}`);
    expect(direct.status()).toBe(404);
  });

  test('an Admin deletes it', async ({ page }) => {
    await page.goto(incidentUrl);
    await page.getByRole('button', { name: 'Delete' }).click();
    // @grafana/ui's ConfirmModal gives its dialog no accessible name: find it by its heading.
    const confirm = page.getByRole('dialog').filter({ has: page.getByRole('heading', { name: 'Delete incident' }) });
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await expect(page).toHaveURL(new RegExp(`${pagePath(ROUTES.Incidents)}$`));
    await expect(page.getByRole('link', { name: title })).toHaveCount(0);
  });
});
