# nq57 developer commands. `make help` lists them; `make setup` is idempotent.

.DEFAULT_GOAL := help
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:

# Interpreter used to build the venv: python3.11, or python3 when that is 3.11.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || { python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null && command -v python3; })

# The real interpreter path, not a pyenv shim: uv recreates the venv whenever the
# requested path differs from the venv's base interpreter.
PY_REAL = "$(PYTHON)" -c 'import sys; print(sys.executable)'

# uv from PATH when there is one; otherwise a pinned copy bootstrapped into .venv-tools.
UV_VERSION ?= 0.13.8
TOOLS_VENV := .venv-tools
UV ?= $(or $(shell command -v uv 2>/dev/null),$(TOOLS_VENV)/bin/uv)

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.nq57-setup.stamp

# A repo-local Dagster instance, so runs persist and Dagster never falls back to
# an ephemeral instance.
# With NQ57_DAGSTER_POSTGRES_URL set, the instance of deploy/dagster_postgres keeps
# runs, events and schedules in PostgreSQL instead (a shared deployment).
export DAGSTER_HOME := $(if $(NQ57_DAGSTER_POSTGRES_URL),$(CURDIR)/deploy/dagster_postgres,$(CURDIR)/.dagster_home)
# Never let uv fetch its own Python build: the machine's 3.11 is the one we use.
export UV_PYTHON_DOWNLOADS := never

PYTEST_ARGS ?=
# pytest-xdist workers for `make test` (auto: one per core; 0: serial, in this process).
PYTEST_WORKERS ?= auto

.PHONY: help setup lock run run-postgres test extract docs dev lint lint-py lint-sql lint-defs format clean distclean

help: ## List the targets
	@echo "nq57 make targets:"
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) \
		| awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}'

setup: $(STAMP) ## Create .venv from uv.lock (with the dev group); fast when already done

$(STAMP): pyproject.toml uv.lock | $(UV)
	@test -n "$(PYTHON)" || { echo "error: Python 3.11 not found; set PYTHON=/path/to/python3.11" >&2; exit 1; }
	# Bytecode compiled once here: with PYTHONDONTWRITEBYTECODE set (as on CI and the
	# dev machines) every command would otherwise compile dagster, dbt and Great
	# Expectations from source each time it starts (about 10 s of every nq57 build).
	$(UV) sync --locked --group dev --compile-bytecode --python "$$($(PY_REAL))"
	@touch $@

$(TOOLS_VENV)/bin/uv:
	@test -n "$(PYTHON)" || { echo "error: Python 3.11 not found; set PYTHON=/path/to/python3.11" >&2; exit 1; }
	"$(PYTHON)" -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

lock: | $(UV) ## Re-resolve uv.lock after editing dependencies in pyproject.toml
	$(UV) lock --python "$$($(PY_REAL))"

$(DAGSTER_HOME):
	@mkdir -p $@

run: setup | $(DAGSTER_HOME) ## Build the warehouse: load seeds, dbt build, publish DuckDB
	$(BIN)/nq57 build

run-postgres: setup | $(DAGSTER_HOME) ## Build and publish the shared warehouse on PostgreSQL (NQ57_POSTGRES_URL)
	$(BIN)/nq57 build --target postgres

test: setup | $(DAGSTER_HOME) ## Check the seeds match the source documents, then run pytest in parallel
	$(BIN)/nq57 extract --check
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

extract: setup ## Parse the source documents into the seed CSVs under seeds/
	$(BIN)/nq57 extract

docs: setup ## Regenerate docs/cli.md from the command-line parsers
	$(BIN)/python -c "from dagster_project.cli import cli_reference_markdown as r; print(r(), end='')" > docs/cli.md

dev: setup | $(DAGSTER_HOME) ## Start the Dagster UI (dagster dev) on this repo
	$(BIN)/dagster dev

lint: lint-py lint-sql lint-defs ## ruff, sqlfluff and the Dagster definitions check; 0 violations

lint-py: setup ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lint-sql: setup ## sqlfluff on the dbt project (.sqlfluff: duckdb, jinja with dbt builtins)
	$(BIN)/sqlfluff lint dbt --processes 2 --disable-progress-bar

# `dg check defs` needs the dagster-dg CLI, which the lock does not install;
# `dagster definitions validate` loads the same code location and checks it.
# The definitions read the dbt manifest, so parse first.
lint-defs: setup | $(DAGSTER_HOME) ## Load and validate the Dagster definitions (dagster definitions validate)
	$(BIN)/python -c "from dagster_project.warehouse.dbt_project import prepare_manifest as p; p()"
	$(BIN)/dagster definitions validate -m dagster_project.definitions

format: setup ## Apply ruff fixes and formatting, and sqlfluff fixes to the dbt SQL
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/sqlfluff fix dbt --processes 2 --disable-progress-bar

clean: ## Remove build outputs and caches (keeps the venvs)
	rm -rf .dagster_home warehouse landing reports dbt/target dbt/logs dbt/dbt_packages \
		.pytest_cache .ruff_cache .hypothesis build dist
	find . -path ./$(VENV) -prune -o -path ./$(TOOLS_VENV) -prune -o \
		\( -name __pycache__ -o -name '*.egg-info' \) -type d -print0 | xargs -0 rm -rf

distclean: clean ## clean, and remove .venv and .venv-tools too
	rm -rf $(VENV) $(TOOLS_VENV)
