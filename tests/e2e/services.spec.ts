import { test, expect } from './fixtures';
import type { Locator, Page } from '@playwright/test';
import { pagePath, ROUTES } from '../../src/constants';
import { testIds } from '../../src/testIds';
import { hasStack, playScenario, type Played } from './traffic';

const STAT_LABELS = [
  'Error rate (5xx)',
  'Request rate',
  'Latency p95',
  'Burn rate (1h)',
  'Error budget remaining',
  'Time to exhaustion',
] as const;

/** One of the six figures (the charts carry some of the same names). */
function stat(page: Page, label: string): Locator {
  return page.getByTestId(testIds.services.stats).getByLabel(label, { exact: true });
}

async function figures(page: Page): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const label of STAT_LABELS) {
    out[label] = (await stat(page, label).innerText()).replace(/\s+/g, ' ').trim();
  }
  return out;
}

function section(page: Page, name: string): Locator {
  return page.getByRole('region', { name });
}

async function waitForSections(page: Page) {
  for (const name of [
    'Metrics and SLO',
    'Root-cause confidence',
    'Blast radius',
    'Error log patterns',
    'Traces from the error logs',
  ]) {
    await expect(section(page, name)).toHaveAttribute('aria-busy', 'false', { timeout: 60_000 });
  }
}

async function openRange(page: Page, service: string, fromMs: number, toMs: number) {
  await page.goto(`${pagePath(ROUTES.Services)}?service=${service}&from=${fromMs}&to=${toMs}`);
  await waitForSections(page);
}

test.describe.serial('services during an error burst', () => {
  test.skip(!hasStack, 'plays traffic on the stack the test host runs on');
  let played: Played;
  const phase = (name: string) => played.phases.find((p) => p.name === name)!;

  test.beforeAll(async () => {
    test.setTimeout(180_000);
    // 20 s healthy, then /checkout of sample-app failing 70 % (db_timeout, HTTP 500), then healthy.
    played = await playScenario('error-burst', 60, 20);
    // Let Prometheus scrape the end and the log and trace doubles receive the last lines.
    await new Promise((r) => setTimeout(r, 12_000));
  });

  test('a service picked from the picker shows its figures, burn table and charts', async ({ page, shot }) => {
    await page.goto(pagePath(ROUTES.Services));
    await page.getByLabel('Service', { exact: true }).click();
    await page.getByRole('option', { name: 'sample-app', exact: true }).click();
    await expect(page).toHaveURL(/service=sample-app/);
    await waitForSections(page);
    const metrics = section(page, 'Metrics and SLO');
    for (const label of STAT_LABELS) {
      await expect(stat(page, label)).toBeVisible();
    }
    await expect(metrics.getByRole('table')).toContainText('Burn rate');
    await expect(metrics.locator('canvas')).toHaveCount(2);
    await expect(page.locator('body')).not.toContainText('NaN');
    await shot('services-picked');
  });

  test('the burst raises error rate and burn, and patterns, confidence, blast radius and traces explain it', async ({
    page,
    shot,
  }) => {
    const baseline = phase('baseline');
    const burst = phase('error-burst');
    await openRange(page, 'sample-app', baseline.startMs, baseline.endMs);
    const before = await figures(page);

    // Change the time range to the burst: every figure that depends on errors moves.
    await openRange(page, 'sample-app', burst.startMs, burst.endMs);
    const during = await figures(page);
    const number = (s: string) => Number.parseFloat(s.replace(/^[^\d-]*/, ''));
    const valueOf = (f: Record<string, string>, label: string) => number(f[label].slice(label.length));
    expect(valueOf(during, 'Error rate (5xx)')).toBeGreaterThan(valueOf(before, 'Error rate (5xx)'));
    expect(valueOf(during, 'Burn rate (1h)')).toBeGreaterThan(valueOf(before, 'Burn rate (1h)'));
    for (const label of STAT_LABELS) {
      expect(during[label], `${label} changes with the range`).not.toEqual(before[label]);
    }

    const patterns = section(page, 'Error log patterns');
    await expect(patterns).toContainText('database query timeout after');
    await expect(patterns).toContainText('/checkout');
    await expect(patterns).toContainText('500');
    const confidence = section(page, 'Root-cause confidence');
    await expect(confidence.getByLabel('Confidence score')).toBeVisible();
    await expect(confidence.getByRole('list', { name: 'Reasons' }).getByRole('listitem')).not.toHaveCount(0);
    await expect(section(page, 'Blast radius')).toContainText('payments');

    const traces = section(page, 'Traces from the error logs');
    const exploreLink = traces.getByRole('link').first();
    await expect(exploreLink).toBeVisible();
    await expect(traces).toContainText(/\d+(\.\d+)?\s?ms/);
    await expect(page.locator('body')).not.toContainText('NaN');
    await shot('services');

    const href = (await exploreLink.getAttribute('href')) ?? '';
    const traceId = (await exploreLink.innerText()).trim();
    await page.goto(href);
    const state = await page.getByTestId('explore-state').innerText();
    expect(state).toContain('"tempo"');
    expect(state).toContain(traceId.replace(/…$/, ''));
  });

  test('after the traffic stops the rates fall to zero and the page says no traffic', async ({ page, shot }) => {
    const end = phase('recovery').endMs;
    // Two scrapes after the last request, so the range holds samples without any increase.
    const from = end + 5_000;
    const wait = from + 25_000 - Date.now();
    if (wait > 0) {
      await new Promise((r) => setTimeout(r, wait));
    }
    await openRange(page, 'sample-app', from, Date.now());
    await expect(page.getByText('No traffic in the selected range')).toBeVisible();
    const quiet = await figures(page);
    expect(quiet['Request rate']).toMatch(/\b0(\.0+)? req\/s/);
    expect(quiet['Error rate (5xx)']).toMatch(/\b0(\.0+)? req\/s/);
    await expect(page.locator('body')).not.toContainText('NaN');
    await shot('services-no-traffic');
  });
});
