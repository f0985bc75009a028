#!/usr/bin/env bash
# A throwaway PostgreSQL server, for tests and CI.
#
#   postgres.sh start DIR   initialises a cluster in DIR/data, starts it on 127.0.0.1 on a free
#                           port (its Unix socket in DIR, nothing else touched), and prints its
#                           URL on stdout: postgres://postgres@127.0.0.1:PORT/postgres
#   postgres.sh stop DIR    stops it (a no-op when it does not run); DIR is the caller's to remove
#   postgres.sh url DIR     prints the URL of the server started in DIR
#
# The server binaries are looked up in $PG_BINDIR, /usr/lib/postgresql/*/bin (Debian, newest
# first), then PATH. When none is found and we are root with apt-get, Debian's `postgresql`
# package is installed; otherwise the script fails saying what to do. It never skips.
# Authentication is `trust` on 127.0.0.1 only: this server is for tests, never for data.
set -euo pipefail

die() {
  echo "postgres.sh: $*" >&2
  exit 1
}

# Prints the folder of initdb and pg_ctl, or fails (status 1) when there is none. Runs in a
# subshell, so it must not `die`: a bad PG_BINDIR is checked by the caller first.
find_bindir() {
  local dir
  if [ -n "${PG_BINDIR:-}" ]; then
    echo "$PG_BINDIR"
    return
  fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
      echo "$dir"
      return
    fi
  done
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(command -v pg_ctl)"
    return
  fi
  return 1
}

install_server() {
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    die "no PostgreSQL server binaries (initdb, pg_ctl) found in \$PG_BINDIR, /usr/lib/postgresql/*/bin or PATH.
Install them (Debian/Ubuntu: apt-get install postgresql), set PG_BINDIR to their folder,
or point the tests at a running server with MRS_POSTGRES_URL=postgres://USER@HOST:PORT/DB."
  fi
  echo "postgres.sh: PostgreSQL server binaries not found; installing Debian's postgresql package" >&2
  # Progress goes to stderr: stdout carries only the URL.
  apt-get update -qq >&2 || die "apt-get update failed: cannot install PostgreSQL"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2 ||
    die "apt-get install postgresql failed"
}

# initdb and postgres refuse to run as root: as root, run them as the `postgres` user.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# A port the system has just handed out, so free a moment ago; `start` retries if it is taken
# by the time the server binds it.
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

url_of() {
  [ -f "$1/port" ] || die "no server was started in $1"
  echo "postgres://postgres@127.0.0.1:$(cat "$1/port")/postgres"
}

start() {
  local dir=$1 bindir port attempt
  if [ -n "${PG_BINDIR:-}" ] && { [ ! -x "$PG_BINDIR/initdb" ] || [ ! -x "$PG_BINDIR/pg_ctl" ]; }; then
    die "PG_BINDIR=$PG_BINDIR holds no initdb and pg_ctl"
  fi
  bindir=$(find_bindir) || {
    install_server
    bindir=$(find_bindir) || die "PostgreSQL was installed but initdb and pg_ctl are still not found"
  }
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [ ! -e "$dir/data" ] || die "$dir/data exists: start a server in a fresh folder"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root, but there is no 'postgres' user to run the server as"
    chown postgres "$dir"
    runuser -u postgres -- test -w "$dir" ||
      die "the postgres user cannot reach $dir: give its parent folders o+x, or use a folder under /tmp"
  fi
  as_owner "$bindir/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
    die "initdb failed; see $dir/initdb.log"
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null; then
      echo "$port" >"$dir/port"
      echo "$bindir" >"$dir/bindir"
      url_of "$dir"
      return
    fi
    echo "postgres.sh: start on port $port failed (attempt $attempt), retrying" >&2
  done
  die "the server did not start; see $dir/postgres.log"
}

stop() {
  local dir=$1
  [ -f "$dir/data/postmaster.pid" ] || return 0
  as_owner "$(cat "$dir/bindir")/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
}

[ $# -eq 2 ] || die "usage: postgres.sh start|stop|url DIR"
case "$1" in
  start) start "$2" ;;
  stop) stop "$2" ;;
  url) url_of "$2" ;;
  *) die "usage: postgres.sh start|stop|url DIR" ;;
esac
