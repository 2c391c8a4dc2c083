# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
HOST   ?= 127.0.0.1
PYTEST_ARGS ?=

.PHONY: run test system-deps migrate bench bench-deps clean

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	@PYTHON=$(PYTHON) bash scripts/system-deps.sh base
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

## make run: install, start the embedded PostgreSQL (unless DATABASE_URL is set), migrate, serve,
## and the webhook worker beside the server (stopped with it)
run: $(VENV)/.installed
	@$(PY) -m service worker --exit-with-parent & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT; \
	HOST=$(HOST) PORT=$(PORT) $(PY) -m service serve

node_modules/.installed: package.json package-lock.json | system-deps
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

## make test: the same set-up plus dev requirements, system packages and axe-core, then the whole suite
test: $(VENV)/.dev-installed system-deps node_modules/.installed
	$(PY) -m pytest $(PYTEST_ARGS)

system-deps:
	@PYTHON=$(PYTHON) bash scripts/system-deps.sh test

## make bench: the benchmarks (not part of the tests); wrk drives the cast benchmark
bench-deps: $(VENV)/.installed
	@command -v wrk >/dev/null || { [ "$$(id -u)" -eq 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } \
	  || { echo "install wrk: sudo apt-get install wrk"; exit 1; }

bench: bench-deps
	$(PY) bench/issuance.py
	$(PY) bench/cast.py
	$(PY) bench/tally.py
	$(PY) bench/mix.py
	$(PY) bench/omr.py

migrate: $(VENV)/.installed
	$(PY) -m service migrate

clean:
	rm -rf $(VENV) test-output .pytest_cache
