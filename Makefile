# ErrorHub — the two commands: `make run` (embedded default) and `make test` (whole suite).
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install install-dev services clients test-fast bench clean faults

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(STAMP)

install: $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt

install-dev: $(STAMP)

## run: ErrorHub on its embedded default (SQLite, SQL event store, filesystem broker): web + worker + beat
run: install
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py bootstrap
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho -f Procfile start

## services: install (when missing) and start PostgreSQL, Redis, an OpenSearch node, PgBouncer and a Redis replica on loopback
services:
	bash scripts/services.sh up

## clients: build the real SDK clients (Node, Go, Java, Rust) the live tests drive
clients:
	bash scripts/build_clients.sh

## test: everything the tests need, then the whole suite (PostgreSQL run, then the SQLite path)
test: install-dev services clients
	bash scripts/install_compose.sh
	bash scripts/install_helm_tools.sh
	bash scripts/install_browser.sh
	bash scripts/install_netns_tools.sh
	bash scripts/run_tests.sh

## faults: the fault suite (kill/restart services mid-stream; ~15 min, private service instances)
faults: install-dev services
	bash scripts/run_faults.sh

bench: install-dev services
	$(BIN)/python bench/run_all.py

clean:
	rm -rf data staticfiles .pytest_cache
