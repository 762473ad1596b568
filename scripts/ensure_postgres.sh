#!/usr/bin/env bash
# Make sure the PostgreSQL the tests use ($GEOSERVICE_TEST_POSTGRES, default
# postgresql://postgres@127.0.0.1:5432/test) answers, lets its role in without a password as
# superuser, has its database, and can CREATE EXTENSION postgis / btree_gist.
# For a local server (127.0.0.1, localhost, ::1) it also installs Debian's PostgreSQL 15 + PostGIS 3
# via apt-get, creates/starts a cluster (pg_createcluster, pg_ctlcluster) and enables trust auth
# for local connections. Idempotent: one line of output when everything is already in place.
# Runs as root or with sudo; never touches the network except through apt.
set -euo pipefail

PG_VERSION=15
URL="${GEOSERVICE_TEST_POSTGRES:-postgresql://postgres@127.0.0.1:5432/test}"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
export PGCONNECT_TIMEOUT=5
TMP_LOG="$(mktemp)"
trap 'rm -f "$TMP_LOG" "$TMP_LOG.hba"' EXIT

say() { echo "ensure_postgres: $*"; }
die() { echo "ensure_postgres: ERROR: $*" >&2; exit 1; }

# user, host, port, database of the URL (libpq's defaults when left out).
IFS=$'\x1f' read -r PGU HOST PORT DB < <(python3 - "$URL" <<'EOF'
import os, pwd, sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
user = urllib.parse.unquote(u.username or "") or pwd.getpwuid(os.geteuid()).pw_name
db = urllib.parse.unquote(u.path.lstrip("/")) or user
print(user, u.hostname or "", u.port or 5432, db, sep="\x1f")
EOF
) || die "cannot parse GEOSERVICE_TEST_POSTGRES=$URL"
[ -n "$PGU" ] && [ -n "$DB" ] || die "cannot parse GEOSERVICE_TEST_POSTGRES=$URL"
case "$HOST" in
  127.0.0.1 | localhost | ::1 | "") LOCAL=1 ;;
  *) LOCAL=0 ;;
esac
WHERE="${HOST:-local socket}:$PORT/$DB"
HOST_ARGS=()
[ -z "$HOST" ] || HOST_ARGS=(-h "$HOST")

ready() { command -v pg_isready >/dev/null 2>&1 && pg_isready -q "${HOST_ARGS[@]}" -p "$PORT"; }

# Run a command, showing its output only when it fails.
quietly() {
  "$@" >"$TMP_LOG" 2>&1 || { cat "$TMP_LOG" >&2; die "failed: $*"; }
}

# psql as the OS user postgres over the Unix socket (peer or trust auth, Debian's default).
admin_psql() {
  local as=(runuser -u postgres --)
  [ "$(id -u)" = 0 ] || as=(sudo -u postgres)
  (cd / && "${as[@]}" env -u PGHOST -u PGHOSTADDR -u PGUSER -u PGDATABASE -u PGPASSWORD \
    psql -X -q -v ON_ERROR_STOP=1 -p "$PORT" -d postgres "$@")
}

# The cluster (version and name) configured on $PORT, from pg_lsclusters; empty when none.
cluster_on_port() {
  command -v pg_lsclusters >/dev/null 2>&1 || return 0
  pg_lsclusters -h 2>/dev/null | awk -v p="$PORT" '$3 == p { print $1, $2, $4; exit }'
}

# Trust auth for Unix-socket and loopback connections, ahead of every other rule (first match wins).
trust_local() {
  local hba="/etc/postgresql/$1/$2/pg_hba.conf"
  [ -f "$hba" ] || die "$hba not found"
  $SUDO grep -q '^# geoservice tests: trust' "$hba" && return 0
  say "enabling trust auth for local connections in $hba"
  {
    echo "# geoservice tests: trust local connections (scripts/ensure_postgres.sh)"
    echo "local all all trust"
    echo "host all all 127.0.0.1/32 trust"
    echo "host all all ::1/128 trust"
    $SUDO cat "$hba"
  } >"$TMP_LOG.hba"
  $SUDO cp "$TMP_LOG.hba" "$hba"
  rm -f "$TMP_LOG.hba"
}

# The role of the URL, superuser and able to log in; the database of the URL.
ensure_role_and_db() {
  admin_psql -v u="$PGU" -v d="$DB" >"$TMP_LOG" 2>&1 <<'EOF' || { cat "$TMP_LOG" >&2; die "cannot create role/database as OS user postgres on port $PORT"; }
SELECT format('CREATE ROLE %I LOGIN SUPERUSER', :'u')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'u') \gexec
SELECT format('ALTER ROLE %I LOGIN SUPERUSER', :'u')
  WHERE EXISTS (SELECT FROM pg_roles WHERE rolname = :'u' AND NOT (rolsuper AND rolcanlogin)) \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'d', :'u')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'d') \gexec
EOF
}

# "t" when the URL connects (no password prompt) as a superuser.
probe() {
  psql "$URL" -X -w -A -t -q -c "SELECT rolsuper FROM pg_roles WHERE rolname = current_user" 2>"$TMP_LOG" || true
}

# 1. Packages: PostgreSQL 15 with PostGIS 3 and contrib (btree_gist) for a local server.
pkgs=()
if [ "$LOCAL" = 1 ]; then
  ext="/usr/share/postgresql/$PG_VERSION/extension"
  [ -f "$ext/postgis.control" ] || pkgs+=("postgresql-$PG_VERSION-postgis-3")
  [ -f "$ext/btree_gist.control" ] || pkgs+=(postgresql postgresql-contrib)
  if ! ready && ! command -v pg_ctlcluster >/dev/null 2>&1; then pkgs+=(postgresql); fi
fi
command -v psql >/dev/null 2>&1 || pkgs+=(postgresql-client)
if [ "${#pkgs[@]}" -gt 0 ]; then
  mapfile -t pkgs < <(printf '%s\n' "${pkgs[@]}" | sort -u)
  say "installing ${pkgs[*]} (apt-get)"
  quietly $SUDO apt-get update -qq
  quietly $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}"
fi

# 2. A server answering on HOST:PORT; for a local one, start (or create) a Debian cluster.
if ! ready; then
  [ "$LOCAL" = 1 ] || die "no PostgreSQL answers on $HOST:$PORT (pg_isready)"
  read -r ver name status < <(cluster_on_port) || true
  if [ -z "${ver:-}" ]; then
    clusters="$(pg_lsclusters -h 2>/dev/null || true)"
    [ -z "$clusters" ] || die "no PostgreSQL cluster on port $PORT (existing: $(echo "$clusters" | awk '{ print $1 "/" $2 ":" $3 }' | paste -sd ' '))"
    ver=$PG_VERSION name=main status=down
    say "creating cluster $ver/$name on port $PORT"
    quietly $SUDO pg_createcluster --port "$PORT" "$ver" "$name" -- --auth=trust
    quietly $SUDO pg_conftool "$ver" "$name" set listen_addresses localhost
    trust_local "$ver" "$name"
  fi
  if [ "$status" = online ]; then
    die "cluster $ver/$name is running but does not answer on ${HOST:-socket}:$PORT (check listen_addresses in /etc/postgresql/$ver/$name)"
  fi
  say "starting cluster $ver/$name"
  quietly $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start
  for _ in $(seq 30); do ready && break; sleep 1; done
  ready || die "cluster $ver/$name started but does not answer on ${HOST:-socket}:$PORT within 30 s (see /var/log/postgresql/postgresql-$ver-$name.log)"
fi

# 3. Role (superuser) and database of the URL; trust auth if the URL is refused.
if [ "$(probe)" != t ]; then
  if [ "$LOCAL" = 1 ]; then
    ensure_role_and_db
    if [ "$(probe)" != t ]; then
      read -r ver name _ < <(cluster_on_port) || true
      [ -n "${ver:-}" ] || die "cannot connect to $URL: $(head -n1 "$TMP_LOG")"
      trust_local "$ver" "$name"
      quietly $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" reload
      sleep 1
    fi
  fi
  result="$(probe)"
  [ -n "$result" ] || die "cannot connect to $URL: $(head -n1 "$TMP_LOG")"
  [ "$result" = t ] || die "role $PGU of $URL is not a superuser"
fi

# 4. Prove that the extensions the tests need can be created.
info="$(psql "$URL" -X -w -A -t -q -v ON_ERROR_STOP=1 \
  -c "SET client_min_messages = warning" \
  -c "CREATE EXTENSION IF NOT EXISTS postgis" \
  -c "CREATE EXTENSION IF NOT EXISTS btree_gist" \
  -c "SELECT 'PostgreSQL ' || current_setting('server_version') || ', PostGIS ' || postgis_lib_version()" \
  2>"$TMP_LOG")" || die "cannot create extensions postgis/btree_gist in $WHERE: $(grep -m1 -E 'ERROR|FATAL' "$TMP_LOG" || head -n1 "$TMP_LOG")"
say "$info ready at $WHERE"
