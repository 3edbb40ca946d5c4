"""Serve the small world as the app does (``prepare`` → service → assistant → API and UI on uvicorn), with the
scripted chat model standing in for the LLM: a real server process that tests can kill.

    python -m tests.assistant.serve_world STATE_DIR

prints ``ready <url>`` once it serves, then serves until killed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from assistant.agent import Assistant
from assistant.runtime import prepare
from assistant.service import Service
from assistant.ui import create_app, start_server
from tests.assistant.world import polite_model, world_settings
from tests.fixtures.world import small_config


def main(state_dir: str) -> int:
    settings = world_settings(Path(state_dir))
    with prepare(settings, progress=False, config=small_config()) as runtime:
        service = Service(runtime)
        server = start_server(create_app(service, Assistant(service, polite_model()), settings), "127.0.0.1", 0)
        runtime.advertise(server.url)
        print(f"ready {server.url}", flush=True)
        server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
