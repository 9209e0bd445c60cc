# The two commands: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
PYTHON ?= python3
# uv from PATH, else installed into .tools/ by this Makefile; never a downloaded Python.
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)
export UV_PYTHON_DOWNLOADS ?= never
RUN := $(UV) run --frozen --all-packages
SERVICE ?=
MSG ?=

.PHONY: run test test-postgres lint format migrate revision bench demo asyncapi clean

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check 'uv>=0.8,<0.14'

.venv/.synced: $(UV) uv.lock pyproject.toml libs/common/pyproject.toml $(wildcard services/*/pyproject.toml)
	$(UV) sync --frozen --all-packages
	@touch $@

run: .venv/.synced ## start NATS (embedded) and the four services, print URLs and an admin token
	$(RUN) python -m pmo_common.devstack

test: .venv/.synced ## the whole suite (SQLite; set PMO_TEST_DATABASE_URL for PostgreSQL)
	$(RUN) pytest

test-postgres: .venv/.synced
	PMO_TEST_DATABASE_URL=$${PMO_TEST_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/postgres} $(RUN) pytest

lint: .venv/.synced
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy libs/common/src services/portfolio/src services/risk/src services/resource/src services/reporting/src bench

format: .venv/.synced
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

migrate: .venv/.synced ## apply every service's migrations (services also migrate on start)
	$(RUN) python -m pmo_common.cli migrate all

revision: .venv/.synced ## make revision SERVICE=portfolio MSG="add x"
	$(RUN) python -m pmo_common.cli revision $(SERVICE) -m "$(MSG)"

bench: .venv/.synced ## performance figures against floors measured in the same run
	$(RUN) python -m bench

demo: .venv/.synced ## load a realistic portfolio into a running stack (make run first)
	$(RUN) python -m demo

asyncapi: .venv/.synced ## regenerate docs/asyncapi.json from the event catalogue
	$(RUN) python -m pmo_common.asyncapi > docs/asyncapi.json

clean:
	rm -rf var .venv .tools
