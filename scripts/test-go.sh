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

# Kill test: a child process serving the app on a data dir / PostgreSQL,
# 20 writing clients, SIGKILL at random moments, restart, every acknowledged
# write checked; 10 cycles per backend (about 40 s on 2 cores, with the
# build). The package run above does 2 cycles.
echo "== kill test (10 SIGKILL cycles per backend)"
RCP_REQUIRE_POSTGRES=1 RCP_KILL_CYCLES=10 scripts/with-postgres.sh \
  go test -count=1 -run='^TestKillCycles$' -v ./pkg/plugin >/tmp/rcp-kill-$$.log 2>&1 || {
  grep -v '^{' /tmp/rcp-kill-$$.log; rm -f /tmp/rcp-kill-$$.log; exit 1; }
grep -o 'kill test .*' /tmp/rcp-kill-$$.log
rm -f /tmp/rcp-kill-$$.log

# Each target for FUZZTIME (15 s by default: every target finds new
# coverage in that time); the last progress line gives its executions.
# Cost with the instrumented builds: about 2.5 minutes on 2 cores.
if [ "$FUZZTIME" != "0" ]; then
  for spec in incidents:FuzzDecodeCreateIncident incidents:FuzzDecodePatchIncident incidents:FuzzDecodeEvent \
    resources:FuzzCallResource; do
    pkg="./pkg/${spec%%:*}" target="${spec#*:}"
    echo "== fuzz $target ($FUZZTIME)"
    go test -run='^$' -fuzz="^${target}\$" -fuzztime="$FUZZTIME" -parallel=2 "$pkg" >/tmp/rcp-fuzz-$$.log 2>&1 || {
      grep -v '^{' /tmp/rcp-fuzz-$$.log; rm -f /tmp/rcp-fuzz-$$.log; exit 1; }
    grep '^fuzz: elapsed' /tmp/rcp-fuzz-$$.log | tail -n 1
    rm -f /tmp/rcp-fuzz-$$.log
  done
fi
echo "== Go backend checks passed"
