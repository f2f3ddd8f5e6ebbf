import { AppConfigPage, AppPage, test as base, expect } from '@grafana/plugin-e2e';
import type { Browser, Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pluginJson from '../../src/plugin.json';

/** The test host's users (tests/host/serve.py); the password is the login. */
export type Login = 'admin' | 'editor' | 'viewer' | 'admin2';

type AppTestFixture = {
  appConfigPage: AppConfigPage;
  gotoPage: (path?: string) => Promise<AppPage>;
  /** Requests a test provokes on purpose (a datasource down, a forbidden write): not failures. */
  allowFailures: (url: RegExp) => void;
  /** Saves a full-page PNG of the flow as <screenshot dir>/<name>.png. */
  shot: (name: string, page?: Page) => Promise<void>;
  /** A page signed in as another user, checked for errors like the default page. */
  pageAs: (login: Login) => Promise<Page>;
};

/** Where the flows' screenshots go: one folder per Grafana package version of the host. */
export const SCREENSHOT_DIR = join(
  process.env.RCP_E2E_SCREENSHOTS ?? 'test-results/screenshots',
  process.env.RCP_E2E_GRAFANA ?? (process.env.GRAFANA_URL ? 'grafana' : '11.6')
);

async function signedInPage(browser: Browser, baseURL: string, login: Login): Promise<Page> {
  const context = await browser.newContext({
    baseURL,
    storageState: undefined,
    viewport: { width: 1400, height: 900 },
  });
  const response = await context.request.post('/login', { data: { user: login, password: login } });
  expect(response.ok(), `login as ${login}`).toBeTruthy();
  return context.newPage();
}

/**
 * Fails the test on any console error, uncaught exception or failed request on a page it used,
 * except the requests it said it provokes.
 */
function watchForErrors(page: Page, problems: string[], allowed: RegExp[]): void {
  const isAllowed = (url: string) => allowed.some((re) => re.test(url));
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('console', (m) => {
    // The browser logs every failed resource as a console error; the response handler judges those.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      problems.push(`console: ${m.text()}`);
    }
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !isAllowed(r.url())) {
      problems.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
    }
  });
  page.on('requestfailed', (r) => {
    const error = r.failure()?.errorText ?? '';
    // A navigation or a re-render cancels requests still in flight; that is not a failure.
    if (error !== 'net::ERR_ABORTED' && !isAllowed(r.url())) {
      problems.push(`request failed: ${r.method()} ${r.url()} ${error}`);
    }
  });
}

export const test = base.extend<AppTestFixture & { problems: { list: string[]; allowed: RegExp[] } }>({
  problems: async ({}, use) => {
    const problems = { list: [] as string[], allowed: [] as RegExp[] };
    await use(problems);
    expect(problems.list, 'console errors and failed requests').toEqual([]);
  },
  page: async ({ page, problems }, use) => {
    watchForErrors(page, problems.list, problems.allowed);
    await use(page);
  },
  allowFailures: async ({ problems }, use) => {
    await use((url) => problems.allowed.push(url));
  },
  pageAs: async ({ browser, baseURL, problems }, use) => {
    const pages: Page[] = [];
    await use(async (login) => {
      const page = await signedInPage(browser, baseURL!, login);
      watchForErrors(page, problems.list, problems.allowed);
      pages.push(page);
      return page;
    });
    await Promise.all(pages.map((p) => p.context().close()));
  },
  shot: async ({ page }, use) => {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await use(async (name, target = page) => {
      await target.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
    });
  },
  appConfigPage: async ({ gotoAppConfigPage }, use) => {
    const configPage = await gotoAppConfigPage({
      pluginId: pluginJson.id,
    });
    await use(configPage);
  },
  gotoPage: async ({ gotoAppPage }, use) => {
    await use((path) =>
      gotoAppPage({
        path,
        pluginId: pluginJson.id,
      })
    );
  },
});

export { expect };
