"""Serving the web UI: :func:`create_app` mounts the page beside the HTTP API on one FastAPI app, and
:func:`start_server` serves it with uvicorn in a background thread (``app.py`` and the browser tests both use them).
"""

from __future__ import annotations

import signal
import threading
import time
from dataclasses import dataclass

# First: importing profiles applies the offline defaults (Gradio's analytics off) before gradio loads.
import profiles  # noqa: F401

# isort: split
import gradio as gr
import uvicorn
from fastapi import FastAPI

from assistant.agent import Assistant
from assistant.api import create_api
from assistant.service import Service
from assistant.ui.layout import CSS, build_ui
from profiles.config import Settings


def create_app(service: Service, assistant: Assistant, settings: Settings) -> FastAPI:
    """The HTTP API under /api (``assistant.api``) with the UI mounted at /; the API's routes match first."""
    api = create_api(service, assistant, settings)
    return gr.mount_gradio_app(
        api,
        build_ui(service, assistant, settings),
        path="/",
        css=CSS,
        footer_links=[],
        show_error=False,
    )


@dataclass
class RunningServer:
    """A uvicorn server running in a background thread."""

    server: uvicorn.Server
    thread: threading.Thread
    url: str

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the server to finish its requests and stop, and wait for it."""
        self.server.should_exit = True
        self.thread.join(timeout)

    def wait(self) -> None:
        """Block until the server stops; Ctrl-C or SIGTERM stop it cleanly (from the main thread)."""
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, lambda *_: setattr(self.server, "should_exit", True))
        while self.thread.is_alive():
            self.thread.join(0.5)


def start_server(app: FastAPI, host: str, port: int, timeout: float = 60.0) -> RunningServer:
    """Serve ``app`` on ``host:port`` (port 0: a free one) in a background thread; returns once it accepts
    connections, with its URL. RuntimeError when it cannot listen (the port is taken, say)."""
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="wherenow-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the web server could not start on {host}:{port} (is the port in use?)")
        time.sleep(0.05)
    bound = server.servers[0].sockets[0].getsockname()[1] if server.servers else port
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else f"[{host}]" if ":" in host else host
    return RunningServer(server, thread, f"http://{shown}:{bound}/")


__all__ = ["RunningServer", "create_app", "start_server"]
