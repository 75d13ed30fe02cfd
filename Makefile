# Two commands a new user needs: `make demo` (the main job) and `make test` (every check).
# Both set themselves up on a fresh machine (Python 3.11+).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml package-lock.json | cksum | cut -d' ' -f1)

.PHONY: setup demo test lint unit bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	npm ci --no-audit --no-fund --loglevel=error  # asl-validator, for the ASL check
	rm -f $(VENV)/.installed-* && touch $(STAMP)

demo: setup
	$(BIN)/emoji-smith generate "ship it"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict functions/ local/

test: lint
	$(BIN)/pytest

bench: setup
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) emoji-out .pytest_cache .mypy_cache .ruff_cache
