#!/usr/bin/env bash
# Fails when the project depends on code it must not use (AGPL, SSPL, BUSL and anything not known
# to be permissive), in three ways:
#   1. Go: google/go-licenses (pinned in tools/license-check/go.mod) checks every go.mod of the
#      repository, the packages of the module and the tools it declares, against an allowlist.
#      An unknown license fails too, so SSPL or BUSL (which its classifier does not know) cannot pass.
#   2. npm: license-checker-rseidelsohn checks every installed package, production and dev,
#      against the same kind of allowlist (compound SPDX expressions are parsed by the tool).
#   3. No build or test file names the AGPL modules (Grafana, Loki, Tempo) or @grafana/prometheus.
# Usage: scripts/check-licenses.sh   (after npm ci; Go modules download on demand)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

GO_ALLOWED="Apache-2.0,MIT,BSD-2-Clause,BSD-3-Clause,ISC,MPL-2.0,Unlicense"
# Ignored path prefixes: this project's own modules (Apache-2.0, the LICENSE at the top, which
# go-licenses does not look for above a nested module); modernc.org/mathutil, whose LICENSE is
# BSD-3-Clause with an extra copyright header that the classifier does not match (read by hand).
GO_IGNORED="github.com/rcp/,modernc.org/mathutil"
# OFL-1.1: the test host's fonts (inter-ui, @fontsource/roboto-mono).
NPM_ALLOWED="MIT;ISC;Apache-2.0;BSD-2-Clause;BSD-3-Clause;0BSD;BlueOak-1.0.0;Unlicense;CC0-1.0;CC-BY-3.0;CC-BY-4.0;Python-2.0;MPL-2.0;Zlib;Public Domain;OFL-1.1"
# Packages that declare no license at all (not an AGPL/SSPL/BUSL one): pulled in by Grafana's own
# Apache-2.0 packages @grafana/data (via ol-mapbox-style) and @grafana/ui (via slate-react), and
# buffers, a build-time dependency of the test host's icon package (never run: --ignore-scripts).
# Pinned by version, so that a new version is checked again.
NPM_NO_LICENSE_DECLARED="@mapbox/jsonlint-lines-primitives@2.0.2;get-document@1.0.0;buffers@0.1.1"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== Go module licenses (go-licenses)"
(cd tools/license-check && go build -o "$tmp/go-licenses" github.com/google/go-licenses)
status=0
while IFS= read -r modfile; do
  dir=$(dirname "$modfile")
  # Packages of the module, plus the tools its go.mod declares (`tool` directives).
  mapfile -t targets < <(cd "$dir" && {
    if [ -n "$(go list ./... 2>/dev/null)" ]; then echo ./...; fi
    go mod edit -json | python3 -c 'import json,sys; [print(t["Path"]) for t in json.load(sys.stdin).get("Tool") or []]'
  })
  [ "${#targets[@]}" -gt 0 ] || continue
  echo "-- $dir: ${targets[*]}"
  if ! (cd "$dir" && "$tmp/go-licenses" check "${targets[@]}" \
      --allowed_licenses="$GO_ALLOWED" --ignore="$GO_IGNORED" 2>"$tmp/err"); then
    grep -vE '^/|^W[0-9]' "$tmp/err" >&2 || true
    echo "license check failed for the Go module in $dir" >&2
    status=1
  fi
done < <(git ls-files --cached --others --exclude-standard '*go.mod' | grep -v '^node_modules/')

echo "== npm package licenses (license-checker-rseidelsohn, production and dev, every lockfile)"
checker="$root/node_modules/.bin/license-checker-rseidelsohn"
while IFS= read -r lockfile; do
  dir=$(dirname "$lockfile")
  if [ ! -d "$dir/node_modules" ]; then  # the test host's own package folders
    npm ci --prefix "$dir" --ignore-scripts --no-audit --no-fund --loglevel=error
  fi
  echo "-- $dir"
  if ! (cd "$dir" && "$checker" --onlyAllow "$NPM_ALLOWED" --excludePackages "$NPM_NO_LICENSE_DECLARED" \
      --excludePrivatePackages --summary) >"$tmp/npm" 2>&1; then
    cat "$tmp/npm" >&2
    echo "npm license check failed in $dir" >&2
    status=1
  fi
done < <(git ls-files '*package-lock.json')

echo "== No build or test file names an AGPL module"
# Prose may say that these are not used; code, scripts, manifests and lockfiles may not name them.
agpl='github\.com/grafana/(loki|tempo)|github\.com/grafana/grafana($|[/@ "])|"@grafana/prometheus"|@grafana/prometheus@'
if git -C "$root" grep -nE "$agpl" -- ':!*.md' ':!docs/**' ':!scripts/check-licenses.sh'; then
  echo "the lines above name AGPL code that this project must not use" >&2
  status=1
fi

[ "$status" -eq 0 ] && echo "== licenses: no AGPL, SSPL, BUSL or unknown-license dependency"
exit "$status"
