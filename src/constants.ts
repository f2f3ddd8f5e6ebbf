import pluginJson from './plugin.json';

export const PLUGIN_ID = pluginJson.id;
export const PLUGIN_BASE_URL = `/a/${pluginJson.id}`;

export enum ROUTES {
  Overview = 'overview',
  Services = 'services',
  Incidents = 'incidents',
}

/** The app-relative path of one of the plugin's pages. */
export function pagePath(route: ROUTES): string {
  return `${PLUGIN_BASE_URL}/${route}`;
}
