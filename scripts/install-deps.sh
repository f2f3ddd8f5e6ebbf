#!/usr/bin/env bash
# Installs everything the tests need from the registries this project may use:
# Debian packages, npm (from package-lock.json), Go modules and PyPI (requirements-dev.txt).
set -euo pipefail
cd "$(dirname "$0")/.."

# chromium: the browser of the e2e tests (scripts/test-e2e.sh); never a downloaded one.
apt_packages=(postgresql chromium)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

npm ci --no-audit --no-fund --loglevel=error
go mod download

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
