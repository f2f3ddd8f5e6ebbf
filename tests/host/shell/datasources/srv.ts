import type { DataSourceApi, DataSourceInstanceSettings, DataSourceRef } from '@grafana/data';
import type { DataSourceSrv, GetDataSourceListFilters } from '@grafana/runtime';
import { LokiDatasource } from './loki';
import { PrometheusDatasource } from './prometheus';
import { TempoDatasource } from './tempo';

const CONSTRUCTORS: Record<string, new (s: DataSourceInstanceSettings) => DataSourceApi> = {
  prometheus: PrometheusDatasource as unknown as new (s: DataSourceInstanceSettings) => DataSourceApi,
  loki: LokiDatasource as unknown as new (s: DataSourceInstanceSettings) => DataSourceApi,
  tempo: TempoDatasource as unknown as new (s: DataSourceInstanceSettings) => DataSourceApi,
};

/**
 * Grafana's DataSourceSrv over the datasources of the boot data (frontend settings): lookup by
 * uid, name or ref, filtered lists for pickers, one instance per datasource.
 */
export class TestHostDataSourceSrv implements Partial<DataSourceSrv> {
  private readonly instances = new Map<string, DataSourceApi>();

  constructor(private readonly settings: DataSourceInstanceSettings[]) {}

  getInstanceSettings(ref?: string | DataSourceRef | null): DataSourceInstanceSettings | undefined {
    if (ref === null || ref === undefined) {
      return this.settings.find((s) => s.isDefault);
    }
    const key = typeof ref === 'string' ? ref : ref.uid;
    return this.settings.find((s) => s.uid === key || s.name === key);
  }

  async get(ref?: string | DataSourceRef | null): Promise<DataSourceApi> {
    const settings = this.getInstanceSettings(ref);
    if (!settings) {
      throw new Error(`Datasource ${typeof ref === 'string' ? ref : ref?.uid} was not found`);
    }
    let instance = this.instances.get(settings.uid);
    if (!instance) {
      instance = new CONSTRUCTORS[settings.type](settings);
      this.instances.set(settings.uid, instance);
    }
    return instance;
  }

  getList(filters: GetDataSourceListFilters = {}): DataSourceInstanceSettings[] {
    return this.settings.filter((s) => {
      if (filters.type && (Array.isArray(filters.type) ? !filters.type.includes(s.type) : filters.type !== s.type)) {
        return false;
      }
      if (filters.metrics && !s.meta.metrics) {
        return false;
      }
      if (filters.logs && !s.meta.logs) {
        return false;
      }
      if (filters.tracing && !s.meta.tracing) {
        return false;
      }
      return !filters.filter || filters.filter(s);
    });
  }

  reload(): Promise<void> {
    return Promise.resolve();
  }

  registerRuntimeDataSource(): void {}
}
