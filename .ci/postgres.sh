#!/usr/bin/env bash
# Source this from .ci/run: installs Debian's PostgreSQL when missing, and pgvector for it (below), starts a
# throwaway cluster on 127.0.0.1 only (a temporary folder, a free port, trust authentication on loopback), creates
# the vector extension in it and exports WHERENOW_TEST_POSTGRES_DSN for the tests; the cluster is stopped and its
# folder removed when the calling shell exits.

if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    $sudo apt-get update
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql
fi
pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
pg_major="$(basename "$(dirname "$pg_bin")")"

# pgvector for the PostgreSQL profile store. Debian 12 has no binary package, so when the distribution has none
# this builds Debian's own source package from trixie (pgvector 0.8.0-1) against postgresql-server-dev-<major>,
# through a private apt configuration: the system's sources stay untouched. apt checks the files' SHA-256 against
# trixie's signed Sources index, and dpkg-source checks them again against the .dsc and applies Debian's patches
# (among them: no -march=native, so the library runs on any x86-64).
install_pgvector() {
    local major="$1" work server_version
    if apt-cache show "postgresql-$major-pgvector" >/dev/null 2>&1; then
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y "postgresql-$major-pgvector"
        return
    fi
    # Headers of the running server's exact version when the archive still has it, so nothing gets upgraded.
    server_version="$(dpkg-query -W -f='${Version}' "postgresql-$major")"
    headers() {
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends build-essential \
            "postgresql-server-dev-$major=$server_version" ||
            $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends build-essential \
                "postgresql-server-dev-$major"
    }
    # A machine whose PostgreSQL came preinstalled may have no (or stale) package lists.
    headers || { $sudo apt-get update && headers; }
    work="$(mktemp -d /tmp/wherenow-ci-pgvector.XXXXXX)"
    chmod 755 "$work"
    mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/src"
    # apt downloads as its unprivileged _apt account, into the current folder for sources.
    if [ -z "$sudo" ] && id _apt >/dev/null 2>&1; then chown _apt "$work/src"; fi
    echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" \
        >"$work/sources.list"
    local apt_private=(-o "Dir::Etc::sourcelist=$work/sources.list" -o "Dir::Etc::sourceparts=-"
        -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache")
    $sudo apt-get "${apt_private[@]}" update
    (cd "$work/src" && $sudo apt-get "${apt_private[@]}" source --download-only pgvector)
    # (dpkg-source cannot check the uploader's signature without debian-keyring: apt's check above covers it.)
    (cd "$work/src" && $sudo dpkg-source -x ./pgvector_*.dsc pgvector)
    # No LLVM bitcode: JIT inlining of the distance functions is not worth clang in CI.
    $sudo make -C "$work/src/pgvector" -j"$(nproc)" with_llvm=no PG_CONFIG="/usr/lib/postgresql/$major/bin/pg_config"
    $sudo make -C "$work/src/pgvector" install with_llvm=no PG_CONFIG="/usr/lib/postgresql/$major/bin/pg_config"
    $sudo rm -rf "$work"
}
if [ ! -f "/usr/share/postgresql/$pg_major/extension/vector.control" ]; then
    install_pgvector "$pg_major"
fi

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
# In public, where every test's schema finds it (the stores qualify its type and operators with its schema).
"${as_owner[@]}" "$pg_bin/psql" -h "$pg_dir" -p "$pg_port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
    -c "CREATE EXTENSION IF NOT EXISTS vector SCHEMA public"
export WHERENOW_TEST_POSTGRES_DSN="postgresql://postgres@127.0.0.1:$pg_port/postgres"
