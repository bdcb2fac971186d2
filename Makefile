# One-command set-up: every target creates .venv and installs what it needs, idempotently
# (stamp files make a second run skip the installs). See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check
JOBS   ?= 2
# The PyTorch oracle for tests only. The exact pin takes the CPU wheel; a bare `torch` pulls GBs of CUDA.
TORCH  := torch==2.13.0
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Front-end assets vendored from npm at build time so the book renders with no network (DESIGN.md).
MATHJAX_PKG  := mathjax@3.2.2
REQUIREJS_PKG := requirejs@2.3.7
WIDGETS_PKG  := @jupyter-widgets/html-manager@1.0.13

.PHONY: help install install-test system-deps web book book-instructor release test test-fast \
        grade bench lint clean

help:
	@echo "make book             build the HTML book into _build/html (executes every chapter)"
	@echo "make test             install everything, build the book, run the whole test suite"
	@echo "make test-fast        unit and oracle tests only (no notebooks, no book, no browser)"
	@echo "make release          regenerate exercises/ from solutions/"
	@echo "make grade SUBMISSIONS=dir [OUT=grades]   grade a folder of submitted notebooks"
	@echo "make bench            run the benchmarks (prints ratios vs PyTorch and NumPy)"
	@echo "make lint             ruff: lint nnlib, tests and benchmarks; check the formatting"

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.deps: requirements.txt pyproject.toml | $(PY)
	$(PIP) install -q -r requirements.txt
	$(PIP) install -q -e . --no-deps
	@touch $@

$(VENV)/.test-deps: $(VENV)/.deps
	$(PIP) install -q $(TORCH)
	@touch $@

install: $(VENV)/.deps
install-test: $(VENV)/.test-deps

# Debian packages: chromium for the browser tests, bubblewrap for the grader's sandbox.
system-deps:
	@command -v chromium >/dev/null && command -v bwrap >/dev/null || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium bubblewrap; }

_web/.stamp: Makefile
	@command -v npm >/dev/null || { echo "npm is needed to vendor MathJax and the widget manager"; exit 1; }
	rm -rf _web && mkdir -p _web/tmp
	cd _web/tmp && npm pack --silent $(MATHJAX_PKG) $(REQUIREJS_PKG) $(WIDGETS_PKG) >/dev/null
	mkdir -p _web/mathjax _web/requirejs _web/html-manager
	tar -xzf _web/tmp/mathjax-*.tgz -C _web/mathjax --strip-components=1 package/es5 package/LICENSE
	tar -xzf _web/tmp/requirejs-*.tgz -C _web/requirejs --strip-components=1 package/require.js
	tar -xzf _web/tmp/jupyter-widgets-html-manager-*.tgz -C _web/html-manager --strip-components=1 package/dist package/LICENSE
	@# The book uses embed-amd.js (and its fonts) only: drop the other 16 MB of bundles and maps.
	rm -f _web/html-manager/dist/embed.js _web/html-manager/dist/embed.js.map _web/html-manager/dist/libembed-amd.js
	rm -rf _web/tmp
	@touch $@

web: _web/.stamp

book: install web
	@# Build matplotlib's font cache now, or its notice lands in the first chapter's output.
	$(PY) -c "import matplotlib.font_manager"
	@# --all: every build re-reads and re-executes every page, so -W sees every warning.
	@# One BLAS thread: the chapters train tiny nets, where BLAS threads only add contention.
	mkdir -p _build && set -o pipefail && \
	  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(VENV)/bin/jupyter-book build --all . -W -n --keep-going 2>&1 | tee _build/book.log

book-instructor: install web
	$(PY) -m nnlib.grading book --instructor

release: install
	$(PY) -m nnlib.grading release

test: install-test system-deps web
	$(MAKE) --no-print-directory book
	@# One pytest run: unit/oracle/grader/browser tests, nnlib's docstring examples, and every
	@# notebook under nbval. One BLAS thread per xdist worker: two workers on two cores.
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(VENV)/bin/pytest -n $(JOBS) --dist loadfile \
	  --nbval-lax --doctest-modules tests nnlib book solutions exercises

test-fast: install-test
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(VENV)/bin/pytest -n $(JOBS) -m "not slow and not browser" \
	  --doctest-modules tests nnlib

grade: install
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=dir [OUT=grades]"; exit 2; }
	$(PY) -m nnlib.grading grade $(SUBMISSIONS) --out $(or $(OUT),grades) --jobs $(JOBS)

# ruff, pinned like torch: a linter upgrade must not turn a green tree red by itself.
RUFF := ruff==0.17.5
# Files kept in ruff's format so far (the rest follows as their owners format them).
RUFF_FORMATTED := nnlib/*.py nnlib/functional benchmarks/bench_training.py tests/test_validate.py \
                  tests/test_fast_path.py tests/test_teaching.py tests/test_layering.py

$(VENV)/.lint-deps: | $(PY)
	$(PIP) install -q $(RUFF)
	@touch $@

lint: $(VENV)/.lint-deps
	$(VENV)/bin/ruff check nnlib tests benchmarks
	$(VENV)/bin/ruff format --check $(RUFF_FORMATTED)

bench: install-test
	$(PY) benchmarks/bench_training.py

clean:
	rm -rf _build _web .jupyter_cache .pytest_cache
