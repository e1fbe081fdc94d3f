# Every command a person needs. `make run` and `make test` work on a fresh clone with only
# Python 3.11+ installed, and are quick the second time (the venv is reused until
# pyproject.toml changes).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.vita-installed
# The CPU build of PyTorch, installed before anything else so no package pulls a CUDA build.
TORCH  := torch==2.13.0

.PHONY: setup run chat test lint typecheck unit browser-deps bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q "$(TORCH)"
	$(BIN)/pip install --disable-pip-version-check -q -e ".[dev]"
	touch $@

setup: $(STAMP)

## run: set up, then serve the web chat on http://127.0.0.1:8000
run: setup
	@echo "Open http://127.0.0.1:8000 in your browser."
	$(BIN)/vita serve

## chat: set up, then chat in this terminal
chat: setup
	$(BIN)/vita chat

## test: set up, then ruff, mypy and the whole test suite (browser tests included)
test: setup browser-deps lint typecheck unit

lint: setup
	$(BIN)/ruff check .

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest

# Browser tests drive Debian's chromium. Install it when we can (root with apt-get, as in CI);
# otherwise those tests skip and say why.
browser-deps:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "Installing chromium for the browser tests..."; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
			|| echo "could not install chromium: browser tests will be skipped"; \
	else echo "chromium is not installed and cannot be installed here: browser tests will be skipped"; fi

bench: setup
	$(BIN)/python -m benchmarks.safety

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
