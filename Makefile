# ogi-warehouse: `make run` builds the warehouse from the bundled samples, `make test` runs the
# tests, `make ui` opens the Dagster UI on the same asset graph. The env comes from uv.lock.
SHELL := /bin/bash
.DEFAULT_GOAL := run
UV ?= $(shell command -v uv 2>/dev/null || echo python3 -m uv)
VENV := .venv
DAGSTER_HOME ?= $(CURDIR)/data/dagster_home
WAREHOUSE ?= data/warehouse
SAMPLES ?= data/raw/samples
APT_PACKAGES := antiword chromium fonts-noto-cjk

.PHONY: run test test-slow ui setup env uv system-deps clean

# the Python env, exactly as locked (uv is installed with pip when missing)
env: uv
	@$(UV) sync --frozen --quiet --compile-bytecode

uv:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv

# everything a fresh machine needs: Debian packages (when possible) and the Python env
setup: system-deps env

# Debian packages the readers use (antiword for .doc); installed only when missing and running
# as root with apt-get, skipped quietly otherwise
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing:$$missing"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
			|| echo "system-deps: could not install$$missing (continuing)"; \
	fi

run: setup
	@DAGSTER_HOME=$(DAGSTER_HOME) $(VENV)/bin/ogi ingest $(SAMPLES) --warehouse $(WAREHOUSE)
	@echo "query it: $(VENV)/bin/ogi query \"SELECT * FROM reports\" --warehouse $(WAREHOUSE)"

test: setup
	@$(VENV)/bin/python -m pytest

# the slow tests (minutes each: `ogi ingest` killed and rerun, the multiprocess executor)
test-slow: setup
	@$(VENV)/bin/python -m pytest -p no:cacheprovider --run-slow -m slow

ui: setup
	@DAGSTER_HOME=$(DAGSTER_HOME) $(VENV)/bin/python -c "from pipeline.cli import ensure_dagster_home; ensure_dagster_home()"
	DAGSTER_HOME=$(DAGSTER_HOME) $(VENV)/bin/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

clean:
	rm -rf $(WAREHOUSE) $(DAGSTER_HOME)

# throughput, memory and query latency on synthetic corpora (docs/benchmarks.md); heavy, not part
# of `make test`. BENCH_SIZES=10000,100000 adds the 100k run; BENCH_CODE=DIR ingests with another tree.
.PHONY: bench
bench: setup
	$(VENV)/bin/python bench/run.py
	OGI_BENCH_GUARD=1 $(VENV)/bin/python -m pytest -p no:cacheprovider tests/test_throughput_guard.py
