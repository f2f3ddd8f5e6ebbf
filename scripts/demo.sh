#!/usr/bin/env bash
# Starts the demo: builds the plugin, then runs Grafana with it on live data at
# http://127.0.0.1:3000 (admin/admin). With a Docker engine: the compose stack (real Grafana, Loki,
# Tempo). Without one: the native stack (real Prometheus and Jaeger, our Loki and Tempo API
# doubles, the test host standing in for Grafana; see docs/ENVIRONMENT.md). Stop it with
# `docker compose down` or `.venv/bin/python -m stack down`.
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --no-audit --no-fund --loglevel=error
npm run build
go tool mage -v

if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  exec docker compose up --build
fi
echo "no Docker engine: starting the native stack with the test host" >&2
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
.venv/bin/python -m stack up "$@"
echo "open http://127.0.0.1:${RCP_HOST_PORT:-3000} (admin/admin); stop with: .venv/bin/python -m stack down" >&2
