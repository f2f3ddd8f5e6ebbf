import type { PluginOptions } from '@grafana/plugin-e2e';
import { defineConfig, devices } from '@playwright/test';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';

const pluginE2eAuth = `${dirname(require.resolve('@grafana/plugin-e2e'))}/auth`;

/**
 * Against a real Grafana when GRAFANA_URL is set (the docker compose stack); otherwise against
 * the test host (tests/host), which Playwright starts with its own native stack and stops at the
 * end. RCP_E2E_GRAFANA picks the host's Grafana package version: 11.6 (default) or latest.
 */
const grafanaUrl = process.env.GRAFANA_URL;
const hostListen = process.env.RCP_E2E_LISTEN ?? '127.0.0.1:3500';
const python = existsSync('.venv/bin/python') ? '.venv/bin/python' : 'python3';

// A browser of the system (Debian's chromium) instead of a downloaded one, for every project.
const chromiumPath = process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
const launchOptions = chromiumPath
  ? {
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    }
  : {};

export default defineConfig<PluginOptions>({
  testDir: './tests/e2e',
  // The flows share one stack (traffic, settings, incidents): one at a time, in file order.
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  // A flow that needs a retry to pass is a bug to fix, not to hide.
  retries: 0,
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
  timeout: 120_000,
  expect: { timeout: 20_000 },
  use: {
    baseURL: grafanaUrl || `http://${hostListen}`,
    trace: 'retain-on-failure',
    launchOptions,
    viewport: { width: 1400, height: 900 },
  },
  webServer: grafanaUrl
    ? undefined
    : {
        command: `${python} tests/host/e2e_env.py --grafana-version ${process.env.RCP_E2E_GRAFANA ?? '11.6'} --listen ${hostListen}`,
        url: `http://${hostListen}/api/health`,
        // Cold: the stack's first start and the Go build of the plugin host.
        timeout: 10 * 60_000,
        reuseExistingServer: false,
        stdout: 'pipe',
        stderr: 'pipe',
        gracefulShutdown: { signal: 'SIGTERM', timeout: 60_000 },
      },
  projects: [
    // 1. Login to Grafana and store the cookie on disk for use in other tests.
    {
      name: 'auth',
      testDir: pluginE2eAuth,
      testMatch: [/.*\.js/],
      use: { launchOptions },
    },
    // 2. Every test starts authenticated as the admin user.
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions,
        viewport: { width: 1400, height: 900 },
        storageState: 'playwright/.auth/admin.json',
      },
      dependencies: ['auth'],
    },
  ],
});
