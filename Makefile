# Two commands a new user needs: `make demo` (the main job) and `make test` (every check).
# Both set themselves up on a fresh machine: `demo` needs Python 3.11+ only; `test` also runs
# asl-validator, so it needs Node.js (npm) too, and checkov (in a venv of its own).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := functions/requirements.txt
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | cksum | cut -d' ' -f1)
NODE_STAMP := node_modules/.installed-$(shell cat package-lock.json | cksum | cut -d' ' -f1)
# checkov pins boto3/botocore far below the Lambda lock, so it cannot share .venv: it gets its
# own, inside it (cleaned with it). It reads template.yaml only (.checkov.yaml: what is skipped).
CHECKOV_VERSION := 3.3.30
CHECKOV_STAMP := $(VENV)/checkov/.installed-$(CHECKOV_VERSION)
# Wheels the packaging tests install from, offline: Lambda's platform (python3.13 on Amazon Linux
# 2023, glibc 2.34: manylinux_2_28 wheels fit) and this machine's.
WHEELS := .wheels
LAMBDA_PLATFORM := --platform manylinux_2_28_aarch64 --platform manylinux2014_aarch64 --python-version 3.13 --implementation cp

.PHONY: setup setup-checks demo test check lint unit bench lock clean

setup: $(STAMP)

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The locked versions first (hash-checked): the tests run what Lambda runs.
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet -e ".[dev]"
	rm -rf $(WHEELS)
	$(BIN)/pip download --quiet --require-hashes -r $(LOCK) -d $(WHEELS)/lambda \
		$(LAMBDA_PLATFORM) --only-binary=:all:
	$(BIN)/pip download --quiet --require-hashes -r $(LOCK) -d $(WHEELS)/local --only-binary=:all:
	rm -f $(VENV)/.installed-* && touch $(STAMP)

setup-checks: setup $(NODE_STAMP) $(CHECKOV_STAMP)

$(NODE_STAMP): package-lock.json
	npm ci --no-audit --no-fund --loglevel=error  # asl-validator, for the ASL check
	rm -f node_modules/.installed-* && touch $(NODE_STAMP)

$(CHECKOV_STAMP): | $(STAMP)
	$(PYTHON) -m venv $(VENV)/checkov
	$(VENV)/checkov/bin/pip install --quiet "checkov==$(CHECKOV_VERSION)"
	rm -f $(VENV)/checkov/.installed-* && touch $(CHECKOV_STAMP)

demo: setup
	$(BIN)/emoji-smith generate "ship it"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict functions/ local/ tests/ benchmarks/

test: lint setup-checks
	$(BIN)/pytest

# The fast inner loop: lint, then the unit and contract tests that take no seconds each, in two
# processes (a test file stays in one: its module fixtures are built once). On the project's
# 2-CPU machine: 16-20 s with mypy's cache warm (one process: 23-24 s), ~34 s with it cold
# (mypy alone ~17-22 s). `make test` runs every test, in one process.
check: lint setup-checks
	$(BIN)/pytest -q -n 2 --dist loadfile tests/unit tests/contract -m "not slow"

# Every benchmark runs even when an earlier one is over budget; the exit status says if any was.
# serve_slowloris: 200 slow-loris and 1,100 idle connections; home_scale seeds 100,000 jobs first
# (~1-2 min).
bench: setup
	@over=0; \
	$(BIN)/python benchmarks/run.py || over=1; \
	$(BIN)/python benchmarks/serve_load.py --submissions 100 || over=1; \
	$(BIN)/python benchmarks/serve_slowloris.py || over=1; \
	$(BIN)/python benchmarks/home_scale.py || over=1; \
	exit $$over

# After changing functions/requirements.in (or to take new releases): re-pin, with hashes.
lock: setup
	$(BIN)/uv pip compile --universal --python-version 3.11 --generate-hashes --quiet \
		--custom-compile-command "make lock" --constraint functions/lock-constraints.txt \
		functions/requirements.in -o $(LOCK)

clean:
	rm -rf $(VENV) $(WHEELS) node_modules emoji-out .pytest_cache .mypy_cache .ruff_cache
