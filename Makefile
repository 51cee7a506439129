# Marketing-analysis reports. `make help` lists every target.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_SYSTEM ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
MONTH ?= 2026-10
WEEK ?= 2026-W43
JOBS ?= 2
SEED ?= 7
SCALE ?= 1
DEMO := data/demo
PARAMS ?= params/data_health.yaml
STAMP := $(VENV)/.installed

.PHONY: help setup system-deps data reports report weekly check examples lab test test-engines browser-test gallery lint typecheck hooks format bench lock diff-results clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

setup: $(STAMP) ## create .venv with the locked dependencies and the project kernel

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON_SYSTEM) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip uv
	$(UV) pip install --quiet --compile-bytecode --python $(PY) -r requirements.lock
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name marketing-analysis \
		--display-name "Marketing analysis (.venv)" >/dev/null
	touch $(STAMP)

system-deps: ## optional: install Chromium for the browser test (Debian package; root or sudo)
	@bash .ci/system-deps

$(DEMO)/truth.json: $(wildcard src/analysis/demo/*.py) | $(STAMP)
	$(PY) -m analysis demo --out $(DEMO) --seed $(SEED) --scale $(SCALE)

data: $(STAMP) ## build the demo warehouse into data/demo (SEED=7 SCALE=1)
	$(PY) -m analysis demo --out $(DEMO) --seed $(SEED) --scale $(SCALE)

# LANG is also the locale every shell exports: only a LANG given on make's command line
# (make reports LANG=zh) sets the reports' language; the batch file's `lang` applies otherwise.
ifeq ($(origin LANG),command line)
REPORT_LANG := --set lang=$(LANG)
endif

reports: $(STAMP) $(DEMO)/truth.json ## run the month's batch → reports/<MONTH>/index.html (MONTH=2026-10 JOBS=2 LANG=en|zh)
	LANG=C.UTF-8 $(PY) -m analysis batch params/monthly/$(MONTH).yaml --jobs $(JOBS) $(REPORT_LANG)

report: $(STAMP) $(DEMO)/truth.json ## run one report: make report PARAMS=params/data_health.yaml
	$(PY) -m analysis run $(PARAMS)

weekly: $(STAMP) $(DEMO)/truth.json ## run the weekly data report: make weekly WEEK=2026-W43 (LANG=en|zh) → reports/<month>/weekly-<week>.html
	LANG=C.UTF-8 $(PY) -m analysis run params/weekly/demo.yaml --set week=$(WEEK) $(REPORT_LANG)

check: $(STAMP) ## check a params file against its data before running: make check PARAMS=params/examples/crm.yaml
	$(PY) -m analysis check $(PARAMS)

examples: $(STAMP) ## rewrite the sample exports of params/examples/ into data/examples/
	$(PY) -m analysis examples --out data/examples

lab: $(STAMP) $(DEMO)/truth.json ## open JupyterLab on notebooks/ (defaults read the demo warehouse)
	cd notebooks && ../$(VENV)/bin/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root)

test: $(STAMP) ## run the test suite (DuckDB and PySpark)
	@bash .ci/system-deps --check-only || true
	$(PY) -m pytest -q

test-engines: $(STAMP) ## the whole demo batch on PySpark (local and a standalone cluster) = DuckDB
	$(PY) -m pytest -q -m engines tests/test_engine_parity.py tests/test_spark_cluster.py

browser-test: $(STAMP) ## open every report of a demo batch in headless Chromium (offline, inert, CJK)
	@bash .ci/system-deps --check-only || true
	$(PY) -m pytest -q -m browser tests/test_browser.py

gallery: $(STAMP) ## refresh the README's screenshots in docs/gallery/ (runs the browser test)
	GALLERY_DIR=docs/gallery $(PY) -m pytest -q -m browser tests/test_browser.py

lint: $(STAMP) ## ruff check and format check
	$(VENV)/bin/ruff check src tests benchmarks scripts notebooks
	$(VENV)/bin/ruff format --check src tests benchmarks scripts

typecheck: $(STAMP) ## mypy on src/ (settings in pyproject.toml)
	$(VENV)/bin/mypy

hooks: $(STAMP) ## install the pre-commit hooks: ruff, ruff-format, nbstripout, mypy
	$(VENV)/bin/pre-commit install

format: $(STAMP) ## ruff format and fix
	$(VENV)/bin/ruff format src tests benchmarks scripts
	$(VENV)/bin/ruff check --fix src tests benchmarks scripts

bench: $(STAMP) ## benchmarks: report batch and demo generation, time and peak memory
	$(PY) benchmarks/run.py

lock: $(STAMP) ## refresh requirements.lock from pyproject.toml
	$(UV) pip compile pyproject.toml --extra dev --extra lab --python-version 3.11 -o requirements.lock --quiet

BEFORE ?= reports/before-$(MONTH)
AFTER ?= reports/$(MONTH)
diff-results: $(STAMP) ## numbers of two batches equal? cp -r reports/2026-10 reports/before-2026-10, change code, make reports, make diff-results
	$(PY) scripts/diff_results.py $(BEFORE) $(AFTER)

clean: ## remove generated reports, the demo warehouse and caches (keeps .venv)
	rm -rf data/demo reports/20*/ reports/zh/ .pytest_cache .ruff_cache .mypy_cache benchmarks/out
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
