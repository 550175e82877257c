# offer-room — `make run` starts the product, `make test` runs every test layer.
# Each install step is idempotent: it runs only when its inputs changed or its output is missing.

SHELL := /bin/bash
HOST ?= 127.0.0.1
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .stamps
WEB_SRC := $(shell find web/src -type f 2>/dev/null) web/index.html web/app.css web/build.mjs
APT := DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600

.PHONY: help install install-test run example demo test test-unit test-integration test-e2e lint bench \
	bench-smoke bench-risk fuzz attacks wire-types clean

help: ## list the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

install: $(STAMPS)/python $(STAMPS)/web ## install Python and web dependencies, build the web app

$(STAMPS)/python: pyproject.toml setup.py server/crdt/updates.py server/crdt/updates.pxd
	@mkdir -p $(STAMPS)
	@test -x $(PY) || python3 -m venv $(VENV)
	@test -x $(VENV)/bin/uv || $(VENV)/bin/pip install -q uv
	$(VENV)/bin/uv pip install -q --python $(PY) --reinstall-package offer-room -e '.[dev]'
	@touch $@

$(STAMPS)/node-modules: web/package.json web/package-lock.json
	@mkdir -p $(STAMPS)
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(STAMPS)/web: $(STAMPS)/node-modules $(WEB_SRC)
	cd web && node build.mjs
	@touch $@

# Tests start their own redis-server and, when no PostgreSQL answers, a private cluster.
$(STAMPS)/system:
	@mkdir -p $(STAMPS)
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then $(APT) update -qq && $(APT) install -y -qq $$missing; fi
	@touch $@

$(STAMPS)/bench-node: bench/package.json bench/package-lock.json
	@mkdir -p $(STAMPS)
	cd bench && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The Python peer (pycrdt-websocket) and py-spy live in a venv of their own, never the product's.
$(STAMPS)/bench: $(STAMPS)/bench-node bench/requirements-peers.txt
	@test -x bench/.venv-peers/bin/python || python3 -m venv bench/.venv-peers
	bench/.venv-peers/bin/pip install -q -r bench/requirements-peers.txt
	@touch $@

install-test: install $(STAMPS)/system ## install + Chromium, redis-server, PostgreSQL (tests)

run: install ## start the server on SQLite in ./data; print a client and a freelancer link, and the outcome report
	$(VENV)/bin/offer-room serve --host $(HOST) --port $(PORT) --data-dir ./data --demo

example: install ## the sample marketplace (examples/marketplace/) embedding offer-room, with webhooks
	$(PY) examples/marketplace/run.py

demo: install ## create the demo offer (if needed) and print its links
	$(VENV)/bin/offer-room demo --data-dir ./data --base-url http://$(HOST):$(PORT)

lint: install ## ruff + mypy (strict)
	$(VENV)/bin/ruff check server tests e2e bench examples
	$(VENV)/bin/mypy
	cd bench && ../$(VENV)/bin/mypy --config-file ../pyproject.toml -p hostile -p harness
	cd bench && ../$(VENV)/bin/mypy --config-file ../pyproject.toml run.py
	$(VENV)/bin/mypy bench/edit_path.py bench/gen/relay.py bench/store_rows.py

test-unit: install-test ## unit tests and property tests with a small budget (Python and web)
	$(VENV)/bin/pytest -q tests/unit tests/fuzz
	cd web && npm test --silent

test-integration: install ## integration tests against a real server (Python and Node clients)
	$(VENV)/bin/pytest -q tests/integration

test-e2e: install-test ## Playwright e2e in two Chromium contexts
	$(VENV)/bin/pytest -q -p no:asyncio -c e2e/pytest.ini e2e

test: install-test lint ## everything: lint, unit, integration, e2e, benchmark smoke
	cd web && npm test --silent
	$(VENV)/bin/pytest -q tests
	$(VENV)/bin/pytest -q -p no:asyncio -c e2e/pytest.ini e2e
	$(MAKE) --no-print-directory bench-smoke

bench: install-test $(STAMPS)/bench bench-risk ## full benchmark vs the peers, 1 vs 2 workers, two nodes vs one, the Python floor, risk flags, advice latency (~34 min)
	$(PY) bench/run.py
	$(PY) bench/run.py --scenario b,e --peers offer-room,offer-room-2w --out bench/results/workers
	$(PY) bench/run.py --scenario e --peers relay --out bench/results/generator
	$(PY) bench/run.py --scenario b,c --peers offer-room,node-ref,relay-py --rounds 1 --out bench/results/floor
	$(PY) bench/cluster_bench.py
	$(PY) bench/advice_latency.py

bench-risk: $(STAMPS)/python ## precision and recall of the risk flags on the labelled corpus
	$(PY) bench/risk_corpus.py

wire-types: install ## regenerate web/src/wire.gen.ts from server/wire.py (make test checks it)
	$(PY) web/tools/wire_types.py

fuzz: install ## property tests of every decoder with a long budget (HYPOTHESIS_PROFILE=fuzz)
	HYPOTHESIS_PROFILE=fuzz $(VENV)/bin/pytest -q tests/fuzz

# The tree before the hardening work: `make attacks BEFORE=<commit>` compares another.
BEFORE ?= 8cf8cf4
attacks: install ## hostile-participant attacks on BEFORE and on this tree, one table (~6 min; bench/results/ATTACKS.md)
	$(PY) bench/attacks.py --commit $(BEFORE) --out $(STAMPS)/attacks-before.md
	$(PY) bench/attacks.py --out $(STAMPS)/attacks-after.md
	$(PY) bench/attacks.py --compare $(STAMPS)/attacks-before.json $(STAMPS)/attacks-after.json

bench-smoke: install-test $(STAMPS)/bench-node ## tiny benchmark configurations, so the harness cannot rot
	$(PY) bench/run.py --smoke --out $(STAMPS)/bench-smoke
	$(PY) bench/run.py --smoke --scenario b --peers relay-py --out $(STAMPS)/bench-smoke-floor
	$(PY) bench/cluster_bench.py --smoke
	$(PY) bench/edit_path.py --edits 300 --rounds 2

clean: ## remove installs and build output (keeps ./data)
	rm -rf $(VENV) $(STAMPS) web/node_modules web/dist bench/node_modules bench/.venv-peers \
		build server/crdt/updates.c server/crdt/updates.*.so
