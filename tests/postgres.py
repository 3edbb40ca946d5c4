"""A throwaway PostgreSQL cluster for the tests that need one, and the fixtures that hand it out.

``.ci/run`` starts one (``.ci/postgres.sh``) and exports ``WHERENOW_TEST_POSTGRES_DSN``; without that variable the
session starts its own from the installed binaries (so ``make test`` works on a machine with PostgreSQL), bound to
127.0.0.1 with trust authentication, in a temporary folder removed afterwards. With neither, the tests that need
PostgreSQL skip, or fail in CI (``CI`` or ``WHERENOW_DATA__REQUIRE`` set), like the NYC data fixture.

Each test gets its own schema (``search_path``), so tests never see each other's tables.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

DSN_VARIABLE = "WHERENOW_TEST_POSTGRES_DSN"


def _bindir() -> Path | None:
    """The newest installed server's binaries (Debian keeps them off PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda path: int(Path(path).parts[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresCluster:
    """initdb into a temporary folder and a server on 127.0.0.1 only; stop() removes the folder.

    initdb refuses to run as root, so as root the server runs as the ``postgres`` account.
    """

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.port = _free_port()
        # In /tmp itself, not under pytest's tmp_path or $TMPDIR: those may be private to root, and the server may
        # run as another account.
        self.folder = Path(tempfile.mkdtemp(prefix="wherenow-pg-", dir="/tmp"))
        self.data = self.folder / "data"
        self._account = pwd.getpwnam("postgres") if os.geteuid() == 0 else None

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        if self._account is not None:
            os.chown(self.folder, self._account.pw_uid, self._account.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder}"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-w", "-o", options, "start")

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, program: str, *arguments: str) -> None:
        command = [str(self.bindir / program), *arguments]
        account = self._account
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=120,
            user=account.pw_uid if account else None,
            group=account.pw_gid if account else None,
            extra_groups=[] if account else None,
            cwd=self.folder,
        )
        if result.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{program} failed ({result.returncode}): {result.stderr.strip()}\n{tail}")


def _required() -> bool:
    return any(os.environ.get(name, "").strip() not in ("", "0", "false") for name in ("CI", "WHERENOW_DATA__REQUIRE"))


@contextmanager
def server_for(dsn: str | None = None) -> Iterator[str | None]:
    """A PostgreSQL server's DSN: ``dsn``, else ``WHERENOW_TEST_POSTGRES_DSN``, else a throwaway cluster from the
    installed binaries (stopped and removed afterwards); None when there is none of these."""
    given = dsn or os.environ.get(DSN_VARIABLE)
    if given:
        yield given
        return
    bindir = _bindir()
    if bindir is None:
        yield None
        return
    cluster = PostgresCluster(bindir)
    try:
        cluster.start()
        with psycopg.connect(cluster.dsn, autocommit=True) as connection:
            # pgvector in public, as .ci/postgres.sh does, where installed: otherwise the first profile store
            # creates it in its own test's schema, or names the fix when it is missing.
            if connection.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'").fetchone():
                connection.execute("CREATE EXTENSION IF NOT EXISTS vector SCHEMA public")
        yield cluster.dsn
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The DSN of a running PostgreSQL server for this session."""
    with server_for() as dsn:
        if dsn is None:
            message = f"PostgreSQL is not installed and {DSN_VARIABLE} is unset (.ci/postgres.sh installs it)"
            if _required():
                pytest.fail(message)
            pytest.skip(message)
        yield dsn


def fresh_schema(server: str) -> str:
    """A new, empty schema on the server; the DSN that uses it."""
    name = f"t{uuid.uuid4().hex[:16]}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{name}"')
    return make_conninfo(server, options=f"-c search_path={name}")


@pytest.fixture
def postgres_dsn(postgres_server: str) -> str:
    """A DSN whose tables live in a schema of their own, new for this test."""
    return fresh_schema(postgres_server)
