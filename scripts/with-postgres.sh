#!/usr/bin/env bash
# Usage: scripts/with-postgres.sh CMD [ARGS...]
#
# Runs CMD with RCP_TEST_POSTGRES_DSN pointing at a throwaway PostgreSQL
# cluster: installs Debian's postgresql if initdb is missing, creates a
# cluster in a temp dir owned by the postgres user, starts it on 127.0.0.1
# on a free port, creates database rcp_test, runs CMD, and always stops and
# removes the cluster (trap). Exits with CMD's status. Safe to run repeatedly
# and concurrently (each run has its own dir and port).
# The test cluster runs with fsync=off for speed; RCP_PG_FSYNC=on turns it on
# (used for benchmarks).
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

log() { echo "with-postgres: $*" >&2; }

find_pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ]; then PG_BIN="$d"; fi   # last = highest version
  done
}

PG_BIN=""
find_pg_bin
if [ -z "$PG_BIN" ]; then
  log "initdb not found; installing Debian's postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq postgresql >/dev/null
  find_pg_bin
fi
if [ -z "$PG_BIN" ]; then
  log "could not find initdb under /usr/lib/postgresql/*/bin"
  exit 1
fi

PGUSER_OS=postgres
if ! id "$PGUSER_OS" >/dev/null 2>&1; then
  log "system user '$PGUSER_OS' is missing (it comes with the postgresql package)"
  exit 1
fi

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$PGUSER_OS" -- "$@"
  else
    "$@"
  fi
}

WORK="$(mktemp -d /tmp/rcp-pg.XXXXXX)"
chmod 755 "$WORK"
DATA="$WORK/data"
SOCK="$WORK/sock"
mkdir -p "$DATA" "$SOCK"
if [ "$(id -u)" -eq 0 ]; then chown -R "$PGUSER_OS" "$WORK"; fi

cleanup() {
  local rc=$?
  if [ -f "$DATA/postmaster.pid" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free port: ask the kernel for one.
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
  || echo $((20000 + RANDOM % 20000)))"

as_pg "$PG_BIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --no-locale >"$WORK/initdb.log" 2>&1 || {
  cat "$WORK/initdb.log" >&2; exit 1; }

as_pg "$PG_BIN/pg_ctl" -D "$DATA" -l "$WORK/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $SOCK -c fsync=${RCP_PG_FSYNC:-off} -c max_connections=200" start >/dev/null || {
  cat "$WORK/server.log" >&2; exit 1; }

as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres rcp_test

export RCP_TEST_POSTGRES_DSN="postgres://postgres@127.0.0.1:$PORT/rcp_test?sslmode=disable"
log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT"

set +e
"$@"
status=$?
set -e
exit "$status"
