import { config } from '@grafana/runtime';

/**
 * What the signed-in user may do with incidents, mirroring pkg/resources: Viewer reads,
 * Editor and Admin write, Admin deletes. Only a hint for the UI; the backend decides.
 */
export interface IncidentPermissions {
  role: string;
  canWrite: boolean;
  canDelete: boolean;
}

export function incidentPermissions(): IncidentPermissions {
  // Read on every call: tests and org switches change bootData without reloading the module.
  const role = config.bootData?.user?.orgRole ?? '';
  return { role, canWrite: role === 'Editor' || role === 'Admin', canDelete: role === 'Admin' };
}
