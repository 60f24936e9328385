#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests and CI (Debian's postgresql packages).
#
#   scripts/postgres.sh start [DIR]   initdb + pg_ctl start on a free loopback port; prints the URL
#   scripts/postgres.sh url   [DIR]   prints the URL of the server started in DIR
#   scripts/postgres.sh stop  [DIR]   stops it and deletes DIR
#
# DIR defaults to $DEBITORSIM_PG_DIR or /tmp/debitorsim-pg. The server listens on
# 127.0.0.1 only, trusts local connections (test data only) and is started as a
# non-root user: postgres refuses to run as root, so under root it runs as the
# `postgres` user (Debian's package creates it) via runuser.
# Install on Debian/Ubuntu: apt-get install -y postgresql
set -euo pipefail

cmd=${1:-}
dir=${2:-${DEBITORSIM_PG_DIR:-/tmp/debitorsim-pg}}
db=debitorsim

bindir() {
    local d
    for d in ${DEBITORSIM_PG_BIN:-} /usr/lib/postgresql/*/bin /usr/local/pgsql/bin; do
        if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
    done
    if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return 0; fi
    echo "postgres.sh: no initdb found (apt-get install -y postgresql)" >&2
    return 1
}

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

url() {
    local port user
    port=$(cat "$dir/port")
    user=$(cat "$dir/user")
    echo "postgresql://$user@127.0.0.1:$port/$db"
}

case "$cmd" in
start)
    bin=$(bindir)
    if [ -f "$dir/port" ] && as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        url
        exit 0
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    user=$(id -un)
    [ "$(id -u)" = 0 ] && user=postgres && chown postgres "$dir"
    port=$(free_port)
    as_owner "$bin/initdb" -D "$dir/data" -U "$user" -A trust -E UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    # Durable settings stay on (fsync): the crash tests rely on what a real server promises.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200" start \
        >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U "$user" "$db"
    echo "$port" >"$dir/port"
    echo "$user" >"$dir/user"
    url
    ;;
url)
    url
    ;;
stop)
    if [ -d "$dir/data" ]; then
        bin=$(bindir)
        as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start|url|stop [DIR]" >&2
    exit 2
    ;;
esac
