/**
 * A minimal AMD loader for the plugin's `module.js`, which create-plugin builds as one anonymous
 * `define([deps], factory)`. Grafana registers its shared modules by name before it loads a
 * plugin (SystemJS with its sharedDependenciesMap); here the same names map to the shell's
 * copies. `module` resolves to the module's absolute URL: the plugin's public-path shim derives
 * the location of its lazy chunks from it.
 */
type Factory = (...deps: unknown[]) => unknown;

let pending: { deps: string[]; factory: Factory } | undefined;

export function installDefine(): void {
  const define = (depsOrFactory: string[] | Factory, maybeFactory?: Factory) => {
    pending = Array.isArray(depsOrFactory)
      ? { deps: depsOrFactory, factory: maybeFactory as Factory }
      : { deps: [], factory: depsOrFactory };
  };
  (define as unknown as { amd: object }).amd = {};
  (window as unknown as { define: unknown }).define = define;
}

export async function loadAmdModule(url: string, shared: Record<string, unknown>): Promise<Record<string, unknown>> {
  const absolute = new URL(url, document.baseURI).href;
  await new Promise<void>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = absolute;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(`could not load ${absolute}`));
    document.head.appendChild(script);
  });
  const definition = pending;
  pending = undefined;
  if (!definition) {
    throw new Error(`${absolute} did not call define()`);
  }
  const exports: Record<string, unknown> = {};
  const deps = definition.deps.map((name) => {
    if (name === 'exports') {
      return exports;
    }
    if (name === 'module') {
      return { uri: absolute, id: absolute };
    }
    if (!(name in shared)) {
      throw new Error(`${absolute} imports ${name}, which Grafana does not share with plugins`);
    }
    return shared[name];
  });
  const result = definition.factory(...deps);
  return (result as Record<string, unknown>) ?? exports;
}
