import type { APIRequestContext } from '@playwright/test';
import { expect } from './fixtures';

export const SETTINGS = '/api/plugins/rcp-reliability-app/settings';

/** Changes the app's jsonData through Grafana's settings API (an Admin's request context). */
export async function patchJsonData(
  request: APIRequestContext,
  change: (jsonData: Record<string, any>) => Record<string, any>
): Promise<void> {
  const current = await (await request.get(SETTINGS)).json();
  const saved = await request.post(SETTINGS, {
    data: { enabled: current.enabled, pinned: current.pinned, jsonData: change(current.jsonData) },
  });
  expect(saved.ok(), `POST ${SETTINGS}`).toBeTruthy();
}
