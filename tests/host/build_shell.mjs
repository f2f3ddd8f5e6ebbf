// Bundles the test host's frontend shell (tests/host/shell) with the Grafana packages of one
// release: `11.6` from the repository's node_modules (the versions package.json pins, the
// minimum the plugin declares), `latest` from tests/host/grafana-latest/node_modules (the newest
// Grafana release on npm, installed there by npm ci). Output: tests/host/build/<version>/.
//
//   node tests/host/build_shell.mjs 11.6|latest
import * as esbuild from 'esbuild';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const hostDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(hostDir, '..', '..');
const version = process.argv[2] ?? '11.6';
const packagesRoot = { '11.6': repoRoot, latest: join(hostDir, 'grafana-latest') }[version];
if (!packagesRoot) {
  throw new Error(`unknown version ${version}: use 11.6 or latest`);
}
const outDir = join(hostDir, 'build', version);
const shellDir = join(hostDir, 'shell');
const requireFromPackages = createRequire(join(packagesRoot, 'package.json'));
// react-router-dom-v5-compat ships nested under @grafana/ui, which depends on it.
const requireFromUi = createRequire(requireFromPackages.resolve('@grafana/ui/package.json'));

/**
 * Bare imports of the shell resolve in the chosen release's node_modules. @grafana/ui's ES
 * modules default-import CommonJS files of react-use and rc-picker, which do not survive
 * bundling for the browser: their ES builds are the same code.
 */
const releasePackages = {
  name: 'release-packages',
  setup(build) {
    build.onResolve({ filter: /^react-use\/lib\// }, (args) =>
      build.resolve(args.path.replace('react-use/lib/', 'react-use/esm/'), { kind: args.kind, resolveDir: args.resolveDir })
    );
    build.onResolve({ filter: /^rc-picker\/lib\// }, (args) =>
      build.resolve(args.path.replace('rc-picker/lib/', 'rc-picker/es/'), { kind: args.kind, resolveDir: args.resolveDir })
    );
    build.onResolve({ filter: /^react-router-dom-v5-compat$/ }, () => ({
      path: requireFromUi.resolve('react-router-dom-v5-compat').replace(/dist\/main\.js$/, 'dist/index.js'),
    }));
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (!args.importer.startsWith(shellDir) || args.pluginData === 'resolved') {
        return undefined;
      }
      return build.resolve(args.path, { kind: args.kind, resolveDir: packagesRoot, pluginData: 'resolved' });
    });
  },
};

mkdirSync(outDir, { recursive: true });
await esbuild.build({
  entryPoints: [join(shellDir, 'main.tsx')],
  bundle: true,
  outfile: join(outDir, 'shell.js'),
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  minify: true,
  sourcemap: false,
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
  mainFields: ['browser', 'module', 'main'],
  loader: { '.svg': 'text', '.woff2': 'file', '.woff': 'file', '.ttf': 'file', '.png': 'file' },
  assetNames: 'assets/[name]-[hash]',
  publicPath: '/public/build',
  plugins: [releasePackages],
  logLevel: 'warning',
  legalComments: 'none',
});

const packageVersion = (name) => JSON.parse(readFileSync(requireFromPackages.resolve(`${name}/package.json`), 'utf8')).version;
const versions = Object.fromEntries(
  ['@grafana/data', '@grafana/ui', '@grafana/runtime', 'react', 'react-dom', 'rxjs', '@emotion/css'].map((n) => [n, packageVersion(n)])
);
writeFileSync(join(outDir, 'versions.json'), JSON.stringify(versions, null, 2) + '\n');
console.log(`shell for Grafana ${versions['@grafana/runtime']} in ${outDir}`);
