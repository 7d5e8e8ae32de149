# CaseHub developer targets. `make` (or `make help`) lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Re-install only when pyproject.toml (the hub's or the dev kit's) changes.
VENV_STAMP := $(VENV)/.casehub-installed
JARS_STAMP := deploy/kafka/lib/.stamp
PYTEST_ARGS ?=

.PHONY: help deps venv jars broker-up broker-down broker-status pg-up pg-down lint fmt test demo bench clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

deps: ## install the Debian packages the tests need, when missing (as root; `make test` runs it)
	deploy/deps.sh

venv: $(VENV_STAMP) ## create .venv: the hub with its dev tools, and the dev kit (devkit/) beside it

$(VENV_STAMP): pyproject.toml devkit/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]' -e ./devkit
	touch $@

jars: $(JARS_STAMP) ## fetch the Kafka broker jars with Maven into deploy/kafka/lib

$(JARS_STAMP): deploy/kafka/pom.xml
	rm -rf deploy/kafka/lib
	mvn -B -q -f deploy/kafka/pom.xml dependency:copy-dependencies -DoutputDirectory=lib
	touch $@

broker-up: venv jars ## start the local single-node Kafka broker (127.0.0.1:19092)
	$(BIN)/casehub broker up

broker-down: ## stop the local Kafka broker
	@if [ -x $(BIN)/casehub ]; then $(BIN)/casehub broker down; fi

broker-status: venv ## say whether the local Kafka broker runs
	$(BIN)/casehub broker status

pg-up: ## start the project's PostgreSQL (127.0.0.1:55432, db/user/password casehub)
	deploy/postgres/pg.sh up

pg-down: ## stop the project's PostgreSQL
	deploy/postgres/pg.sh down

lint: venv ## ruff check, ruff format --check, mypy (strict), import contracts (.importlinter)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

fmt: venv ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# deps first: on a machine that lacks a package, the run stops before anything else is set up.
test: deps venv jars pg-up lint ## lint, then every test tier (the broker is started by the tests)
	$(BIN)/pytest $(PYTEST_ARGS)

demo: venv jars ## tell the demo story end to end through Kafka (starts the broker, leaves it running)
	$(BIN)/casehub demo

bench: venv jars pg-up ## figures vs baselines (starts/stops its broker like the tests; BENCH_ARGS=--quick)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean: broker-down pg-down ## stop services and delete local state (.casehub) and fetched jars
	rm -rf .casehub deploy/kafka/lib
