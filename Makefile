# Two entry points: `make run` (set up, then build the warehouse and its analyses end to end) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home
MONTHS ?= 2025-10...2026-04

.PHONY: setup run test lint validate dev clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml $(BIN)/.installed
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@
	$(BIN)/dagster instance migrate >/dev/null  # create the run storage now, not in two runs at once

setup: $(BIN)/.installed $(DAGSTER_HOME)/dagster.yaml

run: setup
	$(BIN)/dagster asset materialize -m sessionlab_assets.definitions --select 'group:ingest or group:classify' --partition-range $(MONTHS)
	$(BIN)/dagster asset materialize -m sessionlab_assets.definitions --select 'group:analyses or group:report'

validate: setup
	$(BIN)/dagster definitions validate -w workspace.yaml

dev: setup
	$(BIN)/dagster dev -w workspace.yaml

lint: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

test: setup
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) data
