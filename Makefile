# collecte: `make run` sets up and serves on the embedded defaults; `make test` sets up and runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SYSTEM_STAMP := var/.system-deps-stamp

.PHONY: run test setup system-deps lint typecheck pytest fixtures bench clean

run: setup
	$(BIN)/collecte serve

test: setup lint typecheck pytest

setup: system-deps $(STAMP)

system-deps: $(SYSTEM_STAMP)

$(SYSTEM_STAMP): scripts/system-deps.sh
	scripts/system-deps.sh
	@mkdir -p var && touch $@

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,postgres]'
	touch $@

lint: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: setup
	$(BIN)/mypy admin core ingest parsers purchases store tests fixtures $(wildcard bench)

pytest: setup
	$(BIN)/pytest -n 2 --dist loadfile --cov --cov-report=term

fixtures: setup
	$(BIN)/python -m fixtures.generate

bench: setup
	scripts/system-deps.sh bench
	$(BIN)/python bench/smtp_accept.py
	$(BIN)/python bench/accounting.py

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
