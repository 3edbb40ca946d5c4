#!/usr/bin/env bash
# Source this from .ci/run: installs Debian's PostgreSQL when missing, starts a throwaway cluster on 127.0.0.1 only
# (a temporary folder, a free port, trust authentication on loopback) and exports WHERENOW_TEST_POSTGRES_DSN for the
# tests; the cluster is stopped and its folder removed when the calling shell exits.
# pgvector is not packaged for Debian 12, so the PostgreSQL profile store needs nothing beyond the server.

if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    $sudo apt-get update
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql
fi
pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
pg_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
pg_dir="$(mktemp -d /tmp/wherenow-ci-pg.XXXXXX)"
# initdb refuses to run as root: as root, the cluster belongs to Debian's postgres account.
if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$pg_dir"
    as_owner=(runuser -u postgres --)
else
    as_owner=()
fi
"${as_owner[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust --no-sync -E UTF8 >/dev/null
"${as_owner[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir" start >/dev/null
stop_postgres() {
    "${as_owner[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null || true
    rm -rf "$pg_dir"
}
trap stop_postgres EXIT
export WHERENOW_TEST_POSTGRES_DSN="postgresql://postgres@127.0.0.1:$pg_port/postgres"
