# Two entry points: `make run` (set up, then build the warehouse and its analyses end to end) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home
# Unset: the sample's 2025-10...2026-04, or with SESSIONLAB_SOURCE_DIR every month to the current one (partitions.py).
MONTHS ?=
# Progress and warnings on the terminal; Dagster's per-event DEBUG lines stay in the run's log in the UI.
RUN_CONFIG = '{"loggers": {"console": {"config": {"log_level": "INFO"}}}}'
# Dagster 1.13 marks its own `dagster` commands as superseded by `dg` (a FutureWarning on every call).
DAGSTER = PYTHONWARNINGS=ignore::FutureWarning $(BIN)/dagster
DAGSTER_RUN = $(DAGSTER) asset materialize -m sessionlab_assets.definitions

.PHONY: setup run test lint validate dev clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

$(DAGSTER_HOME)/dagster.yaml: instance/dagster.yaml $(BIN)/.installed
	mkdir -p $(DAGSTER_HOME)
	cp instance/dagster.yaml $@
	$(BIN)/dagster instance migrate >/dev/null  # create the run storage now, not in two runs at once

setup: $(BIN)/.installed $(DAGSTER_HOME)/dagster.yaml

run: setup
	@# One month (MONTHS=2026-02) means that month; a malformed or reversed range stops here, saying so.
	$(eval PARTITIONS := $(shell $(BIN)/python -m sessionlab_assets.partitions $(MONTHS) 2>/dev/null || echo INVALID))
	@test "$(PARTITIONS)" != INVALID || ($(BIN)/python -m sessionlab_assets.partitions $(MONTHS); exit 2)
	@# Nothing changed since the last complete run (sessionlab_assets/up_to_date.py): say so and stop.
	@# Otherwise free what a run killed hard still holds (runs.py), run, summarise, and record the run.
	@$(BIN)/python -m sessionlab_assets.up_to_date check $(PARTITIONS); status=$$?; \
	if [ $$status -ne 1 ]; then exit $$status; fi; set -ex; \
	$(BIN)/python -m sessionlab_assets.runs; \
	$(DAGSTER_RUN) --select 'group:ingest or group:classify' --partition-range $(PARTITIONS) --config-json $(RUN_CONFIG); \
	$(DAGSTER_RUN) --select 'group:analyses or group:report' --config-json $(RUN_CONFIG); \
	$(BIN)/python -m sessionlab_assets.summary; \
	$(BIN)/python -m sessionlab_assets.up_to_date record $(PARTITIONS)

validate: setup
	$(DAGSTER) definitions validate -w workspace.yaml

dev: setup
	$(BIN)/dagster dev -w workspace.yaml

lint: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

test: setup
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) data
