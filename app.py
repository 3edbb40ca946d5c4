"""wherenow's web app: the Gradio chat UI and the HTTP API on one server. Wiring only; the parts live in assistant/.

Run ``python app.py`` (or ``make run``). The first start ingests the data and builds the item index, the profiles
and the recommender, with progress bars; later starts reuse them. Settings come from ``profiles.config``
(``server.host``, ``server.port``, ``server.api_key``, ``server.demo_now``, ``server.llm_threads``, ...). It refuses to
listen on an address other machines can reach without ``server.api_key``.
"""

from __future__ import annotations

import sys

from pydantic import ValidationError

from assistant.access import check_exposure
from assistant.agent import Assistant
from assistant.llm import build_chat_model
from assistant.runtime import prepare
from assistant.service import Service
from assistant.ui import create_app, start_server
from profiles.config import ConfigError, load_settings
from profiles.loaders import DataError
from profiles.models import ModelUnavailable
from profiles.statelock import StateFolderInUse


def main() -> int:
    """Prepare everything, serve until interrupted; expected failures print one line and exit with status 2."""
    try:
        settings = load_settings()
        check_exposure(settings.server)
        runtime = prepare(settings, progress=True)
    except (ValidationError, ConfigError, DataError, StateFolderInUse, ValueError) as error:
        print(f"wherenow: error: {error}", file=sys.stderr)
        return 2
    with runtime:
        try:
            llm = build_chat_model(settings, n_threads=settings.server.llm_threads)
            service = Service(runtime)
            assistant = Assistant(service, llm, arguments=settings.assistant.arguments)
            print("loading the interest encoder and the local model…", flush=True)
            assistant.warm_up()  # never in a user's first turn
            app = create_app(service, assistant, settings)
            server = start_server(app, settings.server.host, settings.server.port)
            runtime.advertise(server.url)  # so `wherenow forget` asks this server to forget
        except (ModelUnavailable, RuntimeError) as error:
            print(f"wherenow: error: {error}", file=sys.stderr)
            return 2
        print(f"wherenow is ready at {server.url}", flush=True)
        server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
