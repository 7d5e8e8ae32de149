#!/usr/bin/env bash
# The project's own PostgreSQL cluster for tests and the production-path store.
#
#   deploy/postgres/pg.sh up|down|status
#
# Uses the installed PostgreSQL (the newest /usr/lib/postgresql/*/bin, or PG_BIN), keeps its
# cluster in <data dir>/postgres (CASEHUB_DATA_DIR, default .casehub/ at the repository root),
# listens on 127.0.0.1:CASEHUB_POSTGRES_PORT (55432) only, and makes the role and database the
# hub uses (CASEHUB_POSTGRES_USER / _PASSWORD / _DBNAME, default casehub/casehub/casehub).
# Idempotent: `up` on a running cluster only re-checks the role and database. As root, the
# server runs as the `postgres` OS user (PostgreSQL refuses to run as root).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DATA_ROOT="${CASEHUB_DATA_DIR:-$ROOT/.casehub}"
PGDATA="$DATA_ROOT/postgres"
HOST="${CASEHUB_POSTGRES_HOST:-127.0.0.1}"
PORT="${CASEHUB_POSTGRES_PORT:-55432}"
DB_USER="${CASEHUB_POSTGRES_USER:-casehub}"
DB_PASSWORD="${CASEHUB_POSTGRES_PASSWORD:-casehub}"
DB_NAME="${CASEHUB_POSTGRES_DBNAME:-casehub}"

die() { echo "pg.sh: error: $*" >&2; exit 2; }
say() { echo "pg.sh: $*"; }

find_bin() {
  if [[ -n "${PG_BIN:-}" ]]; then
    [[ -x "$PG_BIN/initdb" ]] || die "PG_BIN=$PG_BIN has no initdb"
    echo "$PG_BIN"; return
  fi
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  [[ -n "$dir" && -x "$dir/initdb" ]] ||
    die "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); install it with: apt-get install -y postgresql"
  echo "$dir"
}

# Run a PostgreSQL tool as the cluster's owner: `postgres` when we are root, else ourselves.
as_owner() {
  if [[ "$(id -u)" == 0 ]]; then
    id postgres >/dev/null 2>&1 || die "no 'postgres' OS user to run the server as (apt-get install -y postgresql creates it)"
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

is_running() { as_owner "$BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }

port_holder() {
  ss -Hltnp "sport = :$PORT" 2>/dev/null | grep -o 'users:(("[^"]*",pid=[0-9]*' | head -n 1 |
    sed -E 's/users:\(\("([^"]*)",pid=([0-9]*)/\1 (pid \2)/'
}

psql_admin() {
  # Over the cluster's own Unix socket (in PGDATA) as the superuser: trust, local only.
  as_owner "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PGDATA" -p "$PORT" -U postgres -d postgres "$@"
}

ensure_role_and_db() {
  local sql_password=${DB_PASSWORD//\'/\'\'}
  if [[ "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'")" != 1 ]]; then
    psql_admin -c "CREATE ROLE \"$DB_USER\" LOGIN PASSWORD '$sql_password'"
  else
    psql_admin -c "ALTER ROLE \"$DB_USER\" LOGIN PASSWORD '$sql_password'"
  fi
  if [[ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != 1 ]]; then
    psql_admin -c "CREATE DATABASE \"$DB_NAME\" OWNER \"$DB_USER\""
  fi
}

cmd_up() {
  if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
    mkdir -p "$PGDATA"
    [[ "$(id -u)" == 0 ]] && chown postgres: "$PGDATA"
    chmod 700 "$PGDATA"
    say "initialising a cluster in $PGDATA"
    as_owner "$BIN/initdb" -D "$PGDATA" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 >"$PGDATA.initdb.log" 2>&1 ||
      die "initdb failed; see $PGDATA.initdb.log"
  fi
  if is_running; then
    say "already running on $HOST:$PORT"
  else
    if (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; then
      local holder; holder="$(port_holder)"
      die "port $PORT (PostgreSQL) is already in use by ${holder:-another process (see ss -ltnp)}; stop it or set CASEHUB_POSTGRES_PORT"
    fi
    as_owner "$BIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 \
      -o "-c listen_addresses=$HOST -c port=$PORT -c unix_socket_directories=$PGDATA" \
      start >/dev/null || die "PostgreSQL did not start; see $PGDATA/server.log ($(tail -n 2 "$PGDATA/server.log" 2>/dev/null | tr '\n' ' '))"
    say "started on $HOST:$PORT (data $PGDATA)"
  fi
  ensure_role_and_db
  say "database $DB_NAME ready for role $DB_USER on $HOST:$PORT"
}

cmd_down() {
  if [[ -s "$PGDATA/PG_VERSION" ]] && is_running; then
    as_owner "$BIN/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null
    say "stopped"
  else
    say "not running"
  fi
}

cmd_status() {
  if [[ -s "$PGDATA/PG_VERSION" ]] && is_running; then
    say "running on $HOST:$PORT, pid $(head -n 1 "$PGDATA/postmaster.pid"), data $PGDATA"
  else
    say "not running (data $PGDATA)"
    return 1
  fi
}

# The server runs as `postgres`, which must reach PGDATA, and the Unix socket path inside it must
# stay under the kernel's ~107-byte limit. A checkout under /root (mode 700) or a long path fails
# either; then the cluster lives in /var/tmp, named after the data folder so each has its own.
relocate_if_needed() {
  local reachable=true
  if [[ "$(id -u)" == 0 ]] && id postgres >/dev/null 2>&1; then
    mkdir -p "$DATA_ROOT"
    runuser -u postgres -- test -x "$DATA_ROOT" 2>/dev/null || reachable=false
  fi
  if [[ "$reachable" == false || $(( ${#PGDATA} + 20 )) -gt 100 ]]; then
    PGDATA="/var/tmp/casehub-pg-$(printf '%s' "$DATA_ROOT" | md5sum | cut -c1-10)"
  fi
}

BIN="$(find_bin)"
relocate_if_needed
case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 64 ;;
esac
