# Every command a person needs. `make run` and `make test` work on a fresh clone with only
# Python 3.11+ installed, and are quick the second time (the venv is reused until
# pyproject.toml changes).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.vita-installed
# The CPU build of PyTorch, installed before anything else so no package pulls a CUDA build.
TORCH  := torch==2.13.0

.PHONY: setup run chat test lint typecheck unit browser-deps redis-deps bench clean

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
test: setup browser-deps redis-deps lint typecheck unit

lint: setup
	$(BIN)/ruff check .

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest

# Browser tests drive Debian's chromium. Install it when we can (root with apt-get, as in CI);
# otherwise those tests skip and say why. The accessibility audit also needs axe-core from npm,
# installed into tests/web/node_modules (git-ignored).
AXE := axe-core@4.14.1
browser-deps:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "Installing chromium for the browser tests..."; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
			|| echo "could not install chromium: browser tests will be skipped"; \
	else echo "chromium is not installed and cannot be installed here: browser tests will be skipped"; fi
	@if [ -f tests/web/node_modules/axe-core/axe.min.js ]; then :; else \
		if ! command -v npm >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
			echo "Installing npm (for axe-core)..."; \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null) || true; \
		fi; \
		if command -v npm >/dev/null 2>&1; then \
			echo "Installing $(AXE) for the accessibility audit..."; \
			npm install --silent --no-save --no-audit --no-fund --no-package-lock --prefix tests/web $(AXE) \
				|| echo "could not install axe-core: the accessibility audit will be skipped"; \
		else echo "npm is not available: the accessibility audit will be skipped"; fi; \
	fi

# The scale-out tests (tests/scale) start a real redis-server on 127.0.0.1. Install Debian's when
# we can (root with apt-get, as in CI); otherwise those tests skip and say why.
redis-deps:
	@if [ -x /usr/bin/redis-server ]; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "Installing redis-server for the scale-out tests..."; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null) \
			|| echo "could not install redis-server: the Redis tests will be skipped"; \
	else echo "redis-server is not installed and cannot be installed here: the Redis tests will be skipped"; fi

bench: setup
	$(BIN)/python -m benchmarks.safety
	$(BIN)/python -m benchmarks.triage  # vignettes: model vs baseline vs safety floor, p95 latency
	$(BIN)/python -m benchmarks.retrieval  # MedQuAD + 200k scale point; --quick for a short run
	$(BIN)/python -m benchmarks.image_check  # p95 of one skin-photo check (decode..heat map)
	$(BIN)/python -m benchmarks.recommender  # workout recommender NDCG@10 / hit rate, planner speed
	$(BIN)/python -m benchmarks.load  # 50/200/500 websocket sessions, 1 and 2 workers; --quick: 5

.PHONY: train-triage eval-triage train-image eval-image
## train-triage: regenerate the triage cases and train the seq2seq model (CPU, at most 30 minutes)
train-triage: setup
	$(BIN)/vita train triage

## eval-triage: the hand-written vignettes for the model, the baseline and the safety floor
eval-triage: setup
	$(BIN)/vita eval triage --write

## train-image: train the skin-photo CNN on ../shared/data/dermamnist (CPU, at most 40 minutes)
train-image: setup
	$(BIN)/vita train image

## eval-image: test-split metrics of the skin-photo CNN; updates its model card and BENCHMARKS.md
eval-image: setup
	$(BIN)/vita eval image

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
