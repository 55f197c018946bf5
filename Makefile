# The two commands of the README: `make run` and `make test`. Everything else is
# a helper they call. The virtual environment lives in .venv; stamps make
# `make install` idempotent and quiet once done.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# pip install with a few lines of progress instead of a minute of silence (tools/pip_progress.py)
PIP_PROGRESS := $(PYTHON) tools/pip_progress.py $(BIN)/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
# The BioPsyKit environment's stamp lives inside it: deleting .venv/bench rebuilds it.
BENCH_STAMP := $(VENV)/bench/.installed
# Options for `python -m benchmarks`, e.g. make bench BENCH_ARGS="--quick --only score".
BENCH_ARGS ?=

.PHONY: install dev run test audit lint bench fixtures lock clean

install: $(STAMP)
	@true

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || { echo "Creating the virtual environment $(VENV)..."; $(PYTHON) -m venv $(VENV); }
	@echo "Installing IOP Outcomes into $(VENV) (first run only, about a minute)..."
	@$(PIP_PROGRESS) -r requirements.lock
	@$(PIP_PROGRESS) --no-deps -e .
	@touch $@

dev: $(DEV_STAMP)
	@true

$(DEV_STAMP): $(STAMP) requirements-dev.lock
	@echo "Installing the development tools..."
	@$(PIP_PROGRESS) -r requirements-dev.lock
	@touch $@

run: install
	@$(BIN)/iop demo

test: dev audit
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest

# Every pin of the lock files against the advisory data kept in tools/advisories/
# (no network needed); fails when a pin has a known advisory or could not be checked.
audit: dev
	$(BIN)/python -m tools.dependency_audit check requirements.lock requirements-dev.lock

lint: dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: dev $(BENCH_STAMP)
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

$(BENCH_STAMP): requirements-bench.lock
	@echo "Installing the benchmark contenders (BioPsyKit)..."
	@$(VENV)/bench/bin/python -V >/dev/null 2>&1 || $(PYTHON) -m venv $(VENV)/bench
	@$(VENV)/bench/bin/python -m pip --disable-pip-version-check -q install -r requirements-bench.lock
	@touch $@

fixtures: install
	$(BIN)/iop fixtures --out data/fixtures

# Regenerate the lock files from pyproject.toml (needs uv: pip install uv).
lock:
	uv pip compile pyproject.toml --python-version 3.11 -q -o requirements.lock
	uv pip compile pyproject.toml --python-version 3.11 --extra dev -q -o requirements-dev.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
