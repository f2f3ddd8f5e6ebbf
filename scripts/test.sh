#!/usr/bin/env bash
# Runs every test of the project on a machine where nothing was installed by hand:
# installs what it needs (npm ci, Go modules, Debian packages, a Python venv), then runs
# typecheck, lint, unit and component tests, the builds, the Go tests and the Python tests.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

step() { printf '\n==> %s\n' "$*"; }

step "Installing dependencies"
scripts/install-deps.sh

step "Licenses: no AGPL, SSPL, BUSL or unknown-license dependency (Go and npm), no AGPL module named"
scripts/check-licenses.sh

step "Frontend: typecheck, lint, unit and component tests"
npm run typecheck
npm run lint
npx prettier --check "src/**/*.{ts,tsx}" "tests/**/*.ts"
npm run test:ci

step "Frontend: production build"
npm run build

step "Backend: vet, tests on SQLite and PostgreSQL, bounded fuzzing"
scripts/test-go.sh

step "Backend: plugin binaries for every platform (mage, cgo off)"
go tool mage -v

step "Python: lint and unit tests"
"$root/.venv/bin/ruff" check .
"$root/.venv/bin/ruff" format --check .
"$root/.venv/bin/pytest" -q

step "SLO alert rules: promtool check rules on every generated file, promtool test rules on each alert"
# promtool from Debian's prometheus package (cached); about 20 s on 2 cores.
"$root/.venv/bin/python" tests/promtool/check_slo_rules.py

step "Integration: the native stack (Prometheus, Jaeger, Loki and Tempo API doubles, sample services) against the plugin's queries"
# The first run builds Jaeger from its Go module (about 10 minutes; cached outside the repository).
"$root/.venv/bin/pytest" -q -m integration tests/integration

step "Benchmark: root cause on injected faults, short version (benchmarks/rca_bench.py --short)"
# Its own stack (.stack/rca-bench, Jaeger already built above): 6 scenarios of 42 s plus settling
# and analyses, about 6 minutes in all (budget 8). Fails when it misses its own targets.
"$root/.venv/bin/python" benchmarks/rca_bench.py --short

step "End-to-end: the plugin in the test host (tests/host) in Chromium, on Grafana 11.6 and the newest packages"
# Its own stack (ports offset 500); ~16 min for both versions measured on a loaded 2-core machine
# (warm caches), plus ~3 min for a cold Go build of the plugin host.
scripts/test-e2e.sh

step "dist/ holds the plugin"
for f in dist/module.js dist/plugin.json dist/gpx_reliability_linux_amd64; do
  test -s "$f" || { echo "missing $f" >&2; exit 1; }
done
echo "All tests passed."
