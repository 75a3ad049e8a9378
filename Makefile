# SeqNetQuake workbench — `make run` serves the dashboard, `make test` runs every test (lint first).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8050
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test test-fast check-install install install-test chromium redis-server prepare lint bench clean worker

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.installed-test: requirements-test.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## Debian's Chromium serves Playwright's browser tests and kaleido's exports (no browser download).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

## Debian's Redis serves the Celery test (tests/dashboard/test_browser_celery.py) and `bench_load --celery`:
## each starts its own redis-server on a free loopback port, keeping no data.
redis-server:
	@command -v redis-server >/dev/null 2>&1 || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq redis-server; }

## What the app shows: the built-in catalog summary, then the demo archives, datasets, experiments report
## and models (generated on the first run into data/generated/ and reports/demo/, reused afterwards).
## Chromium is what exports PNG/SVG/PDF figures (kaleido), so `make run` installs it too.
prepare: install chromium
	$(BIN)/python -m core catalog
	$(BIN)/python -m core prepare

run: prepare
	$(BIN)/python -m dashboard --host $(HOST) --port $(PORT)

## With REDIS_URL set, the dashboard (make run, gunicorn) queues its background jobs on that Redis and this
## Celery worker runs them, here or on any host with the same code and data (docs/architecture.md,
## "Background jobs"): REDIS_URL=redis://127.0.0.1:6379/0 make worker. More: WORKER_ARGS="-c 4".
WORKER_ARGS ?=
worker: install
	@test -n "$(REDIS_URL)" || { echo "make worker: set REDIS_URL, e.g. REDIS_URL=redis://127.0.0.1:6379/0" >&2; exit 2; }
	$(BIN)/celery -A dashboard.worker worker --loglevel INFO $(WORKER_ARGS)

## Everything: ruff and mypy, then the whole pytest suite (browser and Celery + Redis tests included).
test: lint chromium redis-server
	$(BIN)/python -m pytest

## ruff, mypy and pytest without the browser tests (no Chromium needed).
test-fast: lint
	$(BIN)/python -m pytest -m "not browser"

## ruff over the code, tests and benches; mypy over core and dashboard ([tool.mypy] in pyproject.toml).
lint: install-test
	$(BIN)/ruff check core dashboard tests bench
	$(BIN)/mypy

## `pip install .` into a clean temporary venv (requirements.txt as constraints), then import core and
## dashboard and run `seqnetquake --help` (.ci/check_install).
check-install:
	.ci/check_install

## Every bench script, then one table of their headline figures (bench/suite.py). Smaller runs:
## make bench BENCH_ARGS=--quick; a subset: make bench BENCH_ARGS="--only map,load".
BENCH_ARGS ?=
bench: install-test chromium
	$(BIN)/python -m bench.suite $(BENCH_ARGS)

clean:
	rm -rf $(VENV) data/generated .pytest_cache .ruff_cache .mypy_cache

## The protocol-scale synthetic testbed (resumable: rerun to continue), its index and every suite dataset,
## into data/generated/testbed/. Smaller runs: make testbed TESTBED_ARGS="--satellite CSES-01 --start 2021-07-01 --end 2021-08-01"
.PHONY: testbed
TESTBED_ARGS ?=
testbed: install
	$(BIN)/python -m core testbed $(TESTBED_ARGS)

## The paper suite on the protocol testbed → reports/protocol/, its models with their cards →
## reports/protocol/registry/ (what the dashboard scores with) (3 training seeds, fixed quick
## hyper-parameters; resumable: rerun to continue). docs/protocol.md says what it does; add --search to
## PROTOCOL_ARGS for the optuna search (its space is sized for a GPU: hours per model on 2 cores).
.PHONY: protocol
PROTOCOL_ARGS ?=
protocol: testbed
	$(BIN)/python -m core experiments --testbed data/generated/testbed --quick --n-boot 1000 \
	  --seeds 0,1,2 --out reports/protocol --registry reports/protocol/registry \
	  --registry-title "protocol-scale run" $(PROTOCOL_ARGS)

## The HTML API reference of core and dashboard (pdoc), with the pages of docs/ and the tutorial rendered
## beside it, into docs/_build/api/ (open index.html). Offline; a pdoc warning fails it (tools/build_docs.py).
.PHONY: docs
docs: install-test
	$(BIN)/python tools/build_docs.py --out docs/_build/api
