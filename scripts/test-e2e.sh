#!/usr/bin/env bash
# The browser tests: the plugin's dist/ in the test host (tests/host), driven by Playwright in
# Debian's Chromium, once with the Grafana packages package.json pins (11.6, the minimum the
# plugin declares) and once with the newest Grafana release on npm (tests/host/grafana-latest).
# One native stack serves both runs. Needs dist/ with the backend binary (npm run build,
# go tool mage -v) and what scripts/install-deps.sh installs.
#
#   scripts/test-e2e.sh                  # both versions
#   scripts/test-e2e.sh 11.6             # one version
#   scripts/test-e2e.sh --update-docs    # both, then copy the README screenshots to docs/images/
#
# Cost: measured 15.8 min for both versions with warm Go and npm caches on 2 cores at load
# average 28-33 (other jobs running); each version's suite ~6 min there. A cold Go build of the
# plugin host adds ~3 min on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

update_docs=false
versions=()
for arg in "$@"; do
  case "$arg" in
    --update-docs) update_docs=true ;;
    11.6 | latest) versions+=("$arg") ;;
    *) echo "unknown argument $arg" >&2; exit 2 ;;
  esac
done
[ "${#versions[@]}" -gt 0 ] || versions=(11.6 latest)

for f in dist/module.js dist/plugin.json dist/gpx_reliability_linux_amd64; do
  test -s "$f" || { echo "missing $f: build the plugin first" >&2; exit 1; }
done

npm ci --prefix tests/host/assets --ignore-scripts --no-audit --no-fund --loglevel=error
npm ci --prefix tests/host/grafana-latest --ignore-scripts --no-audit --no-fund --loglevel=error
npx tsc -p tests/host
# Built once here rather than by the first host run, so the cold build is not inside a timeout.
(cd tests/host/pluginhost && go build -o "$root/.stack/e2e/bin/pluginhost" .)

export RCP_PORT_OFFSET="${RCP_PORT_OFFSET:-500}"
export RCP_STACK_DIR="$root/.stack/e2e/stack"
python="$root/.venv/bin/python"
stack_down() { "$python" -m stack down >/dev/null 2>&1 || true; }
trap stack_down EXIT
stack_down
"$python" -m stack up --no-traffic --no-host > .stack/e2e/stack-urls.json

export RCP_E2E_STACK_URLS="$root/.stack/e2e/stack-urls.json"
export RCP_E2E_PLUGINHOST="$root/.stack/e2e/bin/pluginhost"
export RCP_E2E_SCREENSHOTS="$root/test-results/screenshots"
for v in "${versions[@]}"; do
  echo "--- e2e on the Grafana $v packages"
  RCP_E2E_GRAFANA="$v" CI="${CI:-}" npx playwright test
done

if $update_docs; then
  # From the last run: its incident snapshot holds the traffic the earlier run played.
  last="${versions[-1]}"
  mkdir -p docs/images
  for shot in overview services incident configuration; do
    cp "test-results/screenshots/$last/$shot.png" "docs/images/$shot.png"
  done
  echo "docs/images/ updated from the $last run"
fi
