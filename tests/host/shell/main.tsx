/**
 * The frontend shell of the test host: what Grafana's frontend does for an app plugin, from
 * Grafana's Apache-2.0 npm packages. It registers the shared modules by name, sets the
 * @grafana/runtime services, loads the plugin's module.js and renders its root page at
 * /a/<id>/* (as AppRootPage does) and its config pages at /plugins/<id> (as the plugin config
 * page does). Built by tests/host/build_shell.mjs, served by tests/host/serve.py.
 */
import React, { useEffect, useState, useSyncExternalStore, type ComponentType } from 'react';
import ReactDOM from 'react-dom';
import { createRoot } from 'react-dom/client';
import * as emotionCss from '@emotion/css';
import * as rxjs from 'rxjs';
import * as grafanaData from '@grafana/data';
import {
  createTheme,
  type AppPlugin,
  type AppPluginMeta,
  type DataSourceInstanceSettings,
  type KeyValue,
  type NavModelItem,
} from '@grafana/data';
import * as grafanaUi from '@grafana/ui';
import { Alert, Button, Field, GlobalStyles, Input, LinkButton, ThemeContext } from '@grafana/ui';
import * as grafanaRuntime from '@grafana/runtime';
import {
  config,
  locationService,
  setBackendSrv,
  setDataSourceSrv,
  setEchoSrv,
  setLocationSrv,
  setTemplateSrv,
  setAppEvents,
  type DataSourceSrv,
  type EchoSrv,
  type TemplateSrv,
} from '@grafana/runtime';
import * as reactRouter from 'react-router-dom-v5-compat';
import { Route, Router, Routes } from 'react-router-dom-v5-compat';
import { css } from '@emotion/css';
import { installDefine, loadAmdModule } from './amd';
import { TestHostBackendSrv, asBackendSrv } from './backendSrv';
import { TestHostDataSourceSrv } from './datasources/srv';
import { PanelRendererStandIn, PluginPageStandIn, setPageChrome } from './standins';

const PLUGIN_ID = 'rcp-reliability-app';
const APP_BASE = `/a/${PLUGIN_ID}`;

const DATASOURCE_FEATURES: Record<string, Partial<grafanaData.DataSourcePluginMeta>> = {
  prometheus: { metrics: true },
  loki: { logs: true, metrics: true },
  tempo: { tracing: true },
};

function datasourceSettings(): DataSourceInstanceSettings[] {
  const fromBoot = Object.values(config.bootData.settings.datasources ?? {}) as unknown as Array<
    DataSourceInstanceSettings & { meta: grafanaData.DataSourcePluginMeta }
  >;
  return fromBoot.map((ds) => ({
    ...ds,
    meta: {
      ...ds.meta,
      ...DATASOURCE_FEATURES[ds.type],
      info: {
        ...ds.meta.info,
        logos: { small: 'public/img/icons/unicons/database.svg', large: 'public/img/icons/unicons/database.svg' },
      },
    } as grafanaData.DataSourcePluginMeta,
  }));
}

const templateSrv: Partial<TemplateSrv> = {
  getVariables: () => [],
  replace: (target?: string) => target ?? '',
  containsTemplate: () => false,
  updateTimeRange: () => {},
};

// No telemetry leaves the test host: events are dropped.
const echoSrv: EchoSrv = {
  flush: () => {},
  addBackend: () => {},
  addEvent: () => {},
};

function setServices(): void {
  setBackendSrv(asBackendSrv(new TestHostBackendSrv()));
  setDataSourceSrv(new TestHostDataSourceSrv(datasourceSettings()) as unknown as DataSourceSrv);
  setTemplateSrv(templateSrv as TemplateSrv);
  setLocationSrv(locationService);
  setEchoSrv(echoSrv);
  setAppEvents(new grafanaData.EventBusSrv());
}

/** Grafana's sharedDependenciesMap, for the names this plugin imports. */
function sharedModules(): Record<string, unknown> {
  return {
    '@emotion/css': emotionCss,
    '@grafana/data': grafanaData,
    '@grafana/ui': grafanaUi,
    '@grafana/runtime': { ...grafanaRuntime, PluginPage: PluginPageStandIn, PanelRenderer: PanelRendererStandIn },
    react: React,
    'react-dom': ReactDOM,
    'react-router': reactRouter,
    'react-router-dom': reactRouter,
    rxjs,
  };
}

async function loadPlugin(): Promise<{ plugin: AppPlugin; meta: AppPluginMeta }> {
  const meta = await new TestHostBackendSrv().get<AppPluginMeta>(`/api/plugins/${PLUGIN_ID}/settings`);
  installDefine();
  const exports = await loadAmdModule(meta.module, sharedModules());
  const plugin = exports.plugin as AppPlugin;
  plugin.meta = meta;
  plugin.init(meta);
  return { plugin, meta };
}

function useLocation() {
  const history = locationService.getHistory();
  return useSyncExternalStore(
    (onChange) => history.listen(onChange),
    () => history.location
  );
}

const getShellStyles = (theme: grafanaData.GrafanaTheme2) => ({
  shell: css({ display: 'flex', minHeight: '100vh', background: theme.colors.background.canvas }),
  nav: css({
    width: 220,
    flexShrink: 0,
    padding: theme.spacing(2),
    borderRight: `1px solid ${theme.colors.border.weak}`,
    background: theme.colors.background.primary,
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
    a: { color: theme.colors.text.primary },
  }),
  brand: css({ fontWeight: theme.typography.fontWeightMedium, marginBottom: theme.spacing(1) }),
  note: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  main: css({ flex: 1, minWidth: 0 }),
  login: css({ maxWidth: 360, margin: '10vh auto', display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
});

function NavLinks({ meta }: { meta: AppPluginMeta }) {
  const user = config.bootData.user;
  const styles = grafanaUi.useStyles2(getShellStyles);
  const pages = (meta.includes ?? []).filter((p) => p.addToNav && (p.role !== 'Admin' || user.orgRole === 'Admin'));
  return (
    <nav className={styles.nav} aria-label="Test host navigation">
      <div className={styles.brand}>Grafana stand-in</div>
      <div className={styles.note}>
        test host, Grafana {config.buildInfo.version} packages
        <br />
        {user.login} ({user.orgRole}) · {user.orgName}
      </div>
      <div className={styles.brand}>{meta.name}</div>
      {pages.map((p) => (
        <a key={p.name} href={(p.path ?? '').replace('%PLUGIN_ID%', PLUGIN_ID)}>
          {p.name}
        </a>
      ))}
      <a href="/logout">Sign out</a>
    </nav>
  );
}

function AppRoot({
  plugin,
  meta,
  path,
  query,
}: {
  plugin: AppPlugin;
  meta: AppPluginMeta;
  path: string;
  query: KeyValue;
}) {
  const Root = plugin.root as ComponentType<grafanaData.AppRootProps> | undefined;
  const include = (meta.includes ?? []).find((p) => path.startsWith((p.path ?? '').replace('%PLUGIN_ID%', PLUGIN_ID)));
  setPageChrome({ trail: ['Home', 'Apps', meta.name, include?.name ?? ''], title: include?.name ?? meta.name });
  if (!Root) {
    return <Alert title="The app has no root page" />;
  }
  // As Grafana's AppRootPage: the plugin's routes are relative to the route of /a/<id>/*.
  return (
    <Routes>
      <Route
        path={`${APP_BASE}/*`}
        element={
          <Root
            meta={meta}
            basename={APP_BASE}
            path={path}
            query={query}
            onNavChanged={(_nav: grafanaData.NavModel) => {}}
          />
        }
      />
    </Routes>
  );
}

function ConfigPages({ plugin, meta, query }: { plugin: AppPlugin; meta: AppPluginMeta; query: KeyValue }) {
  setPageChrome({ trail: ['Home', 'Administration', 'Plugins and data', 'Plugins', meta.name], title: meta.name });
  const pages = plugin.configPages ?? [];
  const current = pages.find((p) => p.id === query.page) ?? pages[0];
  const nav: NavModelItem = { text: meta.name, subTitle: `Version ${meta.info.version}` };
  return (
    <PluginPageStandIn pageNav={nav}>
      <div role="tablist">
        {pages.map((p) => (
          <LinkButton
            key={p.id}
            variant={p === current ? 'primary' : 'secondary'}
            fill="text"
            href={`/plugins/${PLUGIN_ID}?page=${p.id}`}
          >
            {p.title}
          </LinkButton>
        ))}
      </div>
      {current && <current.body plugin={plugin} query={query} />}
    </PluginPageStandIn>
  );
}

/** Explore stand-in: shows which datasource and query a link opened (the plugin links here). */
function ExploreStandIn({ query }: { query: KeyValue }) {
  setPageChrome({ trail: ['Home', 'Explore'], title: 'Explore' });
  let panes: unknown = query.panes ?? query.left;
  try {
    panes = typeof panes === 'string' ? JSON.parse(panes) : panes;
  } catch {
    // Shown as it came.
  }
  return (
    <PluginPageStandIn pageNav={{ text: 'Explore (test host stand-in)' }}>
      <p>Explore is not part of the test host; this page shows what the link asked Explore to open.</p>
      <pre data-testid="explore-state">{JSON.stringify(panes, null, 2)}</pre>
    </PluginPageStandIn>
  );
}

function LoginPage() {
  const styles = grafanaUi.useStyles2(getShellStyles);
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const response = await fetch('/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ user, password }),
    });
    if (!response.ok) {
      setError(((await response.json()) as { message: string }).message);
      return;
    }
    const target = new URLSearchParams(window.location.search).get('redirectTo');
    window.location.assign(target && target.startsWith('/') ? target : `${APP_BASE}/services`);
  };
  return (
    <form className={styles.login} onSubmit={submit}>
      <h1>Grafana stand-in (test host)</h1>
      <p>Users: admin, editor, viewer (org 1), admin2 (org 2); the password is the login.</p>
      {error && <Alert title={error} severity="error" />}
      <Field label="Email or username">
        <Input id="login-user" value={user} onChange={(e) => setUser(e.currentTarget.value)} autoFocus />
      </Field>
      <Field label="Password">
        <Input
          id="login-password"
          type="password"
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
        />
      </Field>
      <Button type="submit">Log in</Button>
    </form>
  );
}

function Shell({ plugin, meta }: { plugin: AppPlugin; meta: AppPluginMeta }) {
  const location = useLocation();
  const styles = grafanaUi.useStyles2(getShellStyles);
  const query = locationService.getSearchObject();
  const path = location.pathname;
  useEffect(() => {
    if (path === '/' || path === '') {
      locationService.replace(`${APP_BASE}/services`);
    }
  }, [path]);
  let content: React.ReactNode = <Alert title={`Page not found: ${path}`} severity="warning" />;
  if (path.startsWith(APP_BASE)) {
    content = <AppRoot plugin={plugin} meta={meta} path={path} query={query} />;
  } else if (path === `/plugins/${PLUGIN_ID}`) {
    content = <ConfigPages plugin={plugin} meta={meta} query={query} />;
  } else if (path === '/explore') {
    content = <ExploreStandIn query={query} />;
  }
  return (
    <div className={styles.shell}>
      <NavLinks meta={meta} />
      <main className={styles.main}>{content}</main>
    </div>
  );
}

function Themed({ children }: { children: React.ReactNode }) {
  return (
    <ThemeContext.Provider value={createTheme({ colors: { mode: 'dark' } })}>
      <GlobalStyles />
      {children}
    </ThemeContext.Provider>
  );
}

function RouterFromHistory({ children }: { children: React.ReactNode }) {
  const location = useLocation();
  return (
    <Router navigator={locationService.getHistory()} location={location}>
      {children}
    </Router>
  );
}

async function boot(): Promise<void> {
  const root = createRoot(document.getElementById('reactRoot')!);
  if (window.location.pathname === '/login') {
    root.render(
      <Themed>
        <LoginPage />
      </Themed>
    );
    return;
  }
  setServices();
  try {
    const { plugin, meta } = await loadPlugin();
    root.render(
      <Themed>
        <RouterFromHistory>
          <Shell plugin={plugin} meta={meta} />
        </RouterFromHistory>
      </Themed>
    );
  } catch (e) {
    root.render(
      <Themed>
        <Alert title="The test host could not load the plugin" severity="error">
          {String(e)}
        </Alert>
      </Themed>
    );
  }
}

boot();
