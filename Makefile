# Two commands matter on a fresh machine: `make run` and `make test`.
# Both create the virtual environment and install what they need first.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
STORE  ?= build/store

.PHONY: run test test-fast lint build validate stats conformance bench bench-sizes browser nginx virtuoso haproxy clean install

$(BIN)/kg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/kg

build: $(BIN)/kg
	$(BIN)/kg build --store $(STORE)

run: build
	$(BIN)/kg serve --store $(STORE) --host $(HOST) --port $(PORT)

validate: $(BIN)/kg
	$(BIN)/kg validate

stats: build
	$(BIN)/kg stats --store $(STORE)

# The end-to-end browser test needs Debian's Chromium; install it when it is
# missing and we may (root with apt-get), as CI is.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) ; \
	  else echo "chromium is missing and cannot be installed here (not root)"; fi; }

# The production test (tests/test_proxy.py) runs Debian's nginx in front of
# `kg serve`; it is installed the same way.
nginx:
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null) ; \
	  else echo "nginx is missing and cannot be installed here (not root)"; fi; }

# The Virtuoso and balancer tests (tests/test_virtuoso.py, tests/test_balancer.py)
# run Debian's Virtuoso (its -bin package alone: no debconf question) and
# HAProxy; installed the same way. Without root the tests say why they skip.
virtuoso:
	@command -v virtuoso-t >/dev/null 2>&1 || [ -n "$$VIRTUOSO_HOME" ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource-7-bin >/dev/null) ; \
	  else echo "virtuoso-t is missing and cannot be installed here (not root)"; fi; }

haproxy:
	@command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null) ; \
	  else echo "haproxy is missing and cannot be installed here (not root)"; fi; }

# `make test`: lint, type check (model, storage, views), then every test.
# `make test-fast`: the same without the tests that start a process (marked live) or a browser.
lint: $(BIN)/kg
	$(BIN)/python -m ruff check
	$(BIN)/python -m mypy

test: $(BIN)/kg browser nginx virtuoso haproxy lint
	$(BIN)/python -m pytest

# Two pytest processes (pytest-xdist), each taking whole test files, so a
# module's built store is made once; the collection is done in both. Bytecode
# is written even where PYTHONDONTWRITEBYTECODE is set: pytest then keeps its
# rewritten test modules in __pycache__ instead of rewriting them every run.
test-fast: $(BIN)/kg lint
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -m "not live and not browser" -n 2 --dist loadfile

conformance: $(BIN)/kg
	$(BIN)/python -m conformance.run --engine both

bench: $(BIN)/kg
	$(BIN)/python -m pip install --quiet -e '.[test,deploy]'
	$(BIN)/python -m bench.run

# How the costs grow (docs/performance.md): 100,000 articles need ~30 GB of disk and hours on 2 cores.
SIZES ?= 1000,10000,100000
bench-sizes: $(BIN)/kg
	$(BIN)/python -m pip install --quiet -e '.[test,deploy]'
	$(BIN)/python -m bench.run --sizes $(SIZES)

clean:
	rm -rf build .pytest_cache test-artifacts
