"""A real Chroma server for the store tests: started once per session from the venv's ``chroma`` CLI."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

STARTUP_TIMEOUT_S = 60.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _chroma_cli() -> str:
    beside_python = Path(sys.executable).parent / "chroma"
    if beside_python.is_file():
        return str(beside_python)
    found = shutil.which("chroma")
    if found is None:
        pytest.fail("the chroma CLI is not installed next to the Python running the tests, nor on PATH")
    return found


class ChromaServer:
    """``chroma run`` on 127.0.0.1 with its data in one folder; restart() keeps the folder and the port."""

    host = "127.0.0.1"

    def __init__(self, path: Path, log: Path) -> None:
        self.path = path
        self.log = log
        self.port = _free_port()
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        environment = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
        command = [_chroma_cli(), "run", "--path", str(self.path), "--port", str(self.port), "--host", self.host]
        with open(self.log, "ab") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment)
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._fail(f"exited with code {self._process.returncode}")
            try:
                with urllib.request.urlopen(f"http://{self.host}:{self.port}/api/v2/heartbeat", timeout=1) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.stop()
        self._fail(f"answered no heartbeat within {STARTUP_TIMEOUT_S:.0f} s")

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=15)
        self._process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def _fail(self, why: str) -> None:
        tail = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
        pytest.fail(f"Chroma server on port {self.port} {why}; its log ends with:\n{tail}")


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    """A running Chroma server; the session fails (no skip) when it cannot start."""
    folder = tmp_path_factory.mktemp("chroma-server")
    server = ChromaServer(folder / "data", folder / "server.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()
