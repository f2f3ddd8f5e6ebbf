#!/usr/bin/env bash
# Go backend checks: go vet, go test against real SQLite and a throwaway
# PostgreSQL (RCP_REQUIRE_POSTGRES=1: Postgres tests fail instead of
# skipping), then each fuzz target for a bounded time.
#
#   scripts/test-go.sh                 # FUZZTIME defaults to 15s per target
#   FUZZTIME=0 scripts/test-go.sh      # skip fuzzing
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZTIME="${FUZZTIME:-15s}"
PKGS=./pkg/...
TOOLS=./benchmarks/...

echo "== go vet"
go vet $PKGS $TOOLS

echo "== go test (SQLite + PostgreSQL)"
RCP_REQUIRE_POSTGRES=1 scripts/with-postgres.sh go test -count=1 -p 1 $PKGS

if [ "$FUZZTIME" != "0" ]; then
  for target in FuzzDecodeCreateIncident FuzzDecodePatchIncident FuzzDecodeEvent; do
    echo "== fuzz $target ($FUZZTIME)"
    go test -run='^$' -fuzz="^${target}\$" -fuzztime="$FUZZTIME" -parallel=2 ./pkg/incidents >/tmp/rcp-fuzz-$$.log 2>&1 || {
      cat /tmp/rcp-fuzz-$$.log; rm -f /tmp/rcp-fuzz-$$.log; exit 1; }
    tail -n 1 /tmp/rcp-fuzz-$$.log
    rm -f /tmp/rcp-fuzz-$$.log
  done
fi
echo "== Go backend checks passed"
