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

test.describe.serial('services during a downstream failure', () => {
  test.skip(!hasStack, 'plays traffic on the stack the test host runs on');
  let played: Played;
  const phase = (name: string) => played.phases.find((p) => p.name === name)!;

  test.beforeAll(async () => {
    test.setTimeout(180_000);
    // 20 s healthy, then /charge of payments failing 90 % (provider_timeout, HTTP 503), which
    // fails sample-app's /checkout that calls it; then healthy again.
    played = await playScenario('downstream-failure', 60, 20);
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

  test('the failure raises error rate and burn; patterns, confidence, blast radius and traces explain it', async ({
    page,
    shot,
  }) => {
    const baseline = phase('baseline');
    const burst = phase('downstream-failure');
    await openRange(page, 'sample-app', baseline.startMs, baseline.endMs);
    const before = await figures(page);

    // Change the time range: from the healthy baseline to the burst and the quiet half minute
    // before the scenario (no requests then, so the request rate differs too).
    await openRange(page, 'sample-app', baseline.startMs - 30_000, burst.endMs);
    const during = await figures(page);
    const number = (s: string) => Number.parseFloat(s.replace(/^[^\d-]*/, ''));
    const valueOf = (f: Record<string, string>, label: string) => number(f[label].slice(label.length));
    expect(valueOf(during, 'Error rate (5xx)')).toBeGreaterThan(valueOf(before, 'Error rate (5xx)'));
    expect(valueOf(during, 'Burn rate (1h)')).toBeGreaterThan(valueOf(before, 'Burn rate (1h)'));
    for (const label of STAT_LABELS) {
      // An error budget already exhausted stays "exhausted" whatever the range: that is right.
      if (label === 'Time to exhaustion' && /exhausted/.test(before[label]) && /exhausted/.test(during[label])) {
        continue;
      }
      expect(during[label], `${label} changes with the range`).not.toEqual(before[label]);
    }

    // The failure starts in payments /charge, reached from sample-app over the failing call.
    const rootCause = section(page, 'Probable root cause');
    await expect(rootCause).toContainText(/payments \/charge/);
    await expect(rootCause).toContainText('payment provider timeout');
    await expect(rootCause).toContainText('path sample-app → payments');
    // sample-app's own errors name the failing call.
    await expect(section(page, 'Error log patterns')).toContainText(/checkout failed for order .*payments returned/);
    const confidence = section(page, 'Root-cause confidence');
    await expect(confidence.getByLabel('Confidence score')).toBeVisible();
    await expect(confidence.getByRole('list', { name: 'Reasons' }).getByRole('listitem')).not.toHaveCount(0);
    const blast = section(page, 'Blast radius');
    await expect(blast.getByRole('row').filter({ hasText: 'payments' })).toContainText('downstream');

    const traces = section(page, 'Traces from the error logs');
    const firstTrace = traces.getByRole('row').nth(1);
    const exploreLink = firstTrace.getByRole('link');
    await expect(exploreLink).toBeVisible();
    // Each row: the trace id, its root, start and duration (ms or s).
    await expect(firstTrace).toContainText(/\d(\.\d+)? (ms|s)/);
    await expect(traces.getByRole('link', { name: 'Search all error traces of sample-app in Explore' })).toBeVisible();
    await expect(page.locator('body')).not.toContainText('NaN');
    await shot('services');

    const href = (await exploreLink.getAttribute('href')) ?? '';
    const traceId = (await exploreLink.innerText()).trim();

    // payments, where the failure was injected, shows the injected message with its route and status.
    await openRange(page, 'payments', baseline.startMs - 30_000, burst.endMs);
    const patterns = section(page, 'Error log patterns');
    await expect(patterns).toContainText('payment provider timeout after');
    await expect(patterns).toContainText('/charge');
    await expect(patterns).toContainText('503');
    await shot('services-payments');

    await page.goto(href);
    const state = await page.getByTestId('explore-state').innerText();
    expect(state).toContain('"tempo"');
    expect(state).toContain(traceId.replace(/…$/, ''));
  });

  test('the Overview puts the failing service first and opens it on Services over the same range', async ({
    page,
    shot,
  }) => {
    const from = played.phases[0].startMs;
    const to = phase('downstream-failure').endMs;
    await page.goto(`${pagePath(ROUTES.Overview)}?from=${from}&to=${to}`);
    const first = page.getByTestId(testIds.overview.row).first();
    await expect(first.getByRole('link', { name: 'payments' })).toBeVisible({ timeout: 60_000 });
    await expect(first.getByText(/^(Page|Ticket) firing$/)).toBeVisible();
    await shot('overview');
    await first.getByRole('link', { name: 'payments' }).click();
    await expect(page).toHaveURL(new RegExp(`/services\\?service=payments&from=${from}&to=${to}`));
    await expect(section(page, 'Metrics and SLO')).toBeVisible();
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
