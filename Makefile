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

# The one setting for publishing (README, "Publishing"): the book's repository, e.g.
# `make book BOOK_REPOSITORY=https://github.com/OWNER/REPO`, or exported in the environment.
# Set, it gives the book its repository, issues and launch (Binder, Colab) buttons, and `make
# notebooks` writes it into every notebook's install cell. Unset, the book has none of them.
BOOK_REPOSITORY ?=
BOOK_BRANCH     ?= main

# Front-end assets vendored from npm at build time so the book renders with no network (DESIGN.md).
MATHJAX_PKG  := mathjax@3.2.2
REQUIREJS_PKG := requirejs@2.3.7
WIDGETS_PKG  := @jupyter-widgets/html-manager@1.0.13

.PHONY: help install install-test system-deps web lab notebooks book book-full pdf book-instructor release test test-fast \
        grade bench lint clean

# tests/test_everywhere.py checks that every target defined here is listed by `make help`.
help:
	@echo "Students:"
	@echo "  make lab              install, then open JupyterLab on exercises/ (the worksheets)"
	@echo "Authors and readers:"
	@echo "  make book             build the HTML book into _build/html (re-executes changed notebooks only)"
	@echo "  make book-full        the same from scratch: every chapter executed, every warning seen (CI)"
	@echo "  make pdf              the book as one PDF, printed by headless Chromium -> _build/pdf/book.pdf"
	@echo "  make book-instructor  the book with the solutions in place of the exercises"
	@echo "  make notebooks        hide the assertion cells in JupyterLab, put the install cell first"
	@echo "                        (book/, solutions/; BOOK_REPOSITORY=url names where it installs from)"
	@echo "  make release          regenerate exercises/ from solutions/"
	@echo "  make bench            run the benchmarks (prints ratios vs PyTorch and NumPy)"
	@echo "Instructors:"
	@echo "  make grade SUBMISSIONS=dir [OUT=grades] [ROSTER=export.csv]   grade a folder of submitted notebooks"
	@echo "Tests:"
	@echo "  make lint             ruff: lint nnlib, tests and benchmarks; check the formatting"
	@echo "  make test             install everything, build the book, run the whole test suite"
	@echo "  make test-fast        unit and oracle tests only (no notebooks, no book, no browser)"
	@echo "Set-up (the targets above run these themselves):"
	@echo "  make install          create .venv and install nnlib with the book's requirements"
	@echo "  make install-test     install also the test-only oracle (PyTorch, CPU)"
	@echo "  make system-deps      apt-get install chromium and bubblewrap (browser tests, grader sandbox)"
	@echo "  make web              vendor MathJax, require.js and the widget manager from npm into _web/"
	@echo "  make clean            remove the build, the vendored assets and the caches"
	@echo "  make help             this list"

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

# The book, built with _build/_config.yml: _config.yml plus the repository buttons when
# BOOK_REPOSITORY is set (nnlib/grading/authoring/book_config.py).
#   make book       incremental: Sphinx re-reads only the pages that changed, and jupyter-cache
#                   re-executes only the notebooks whose code changed (a prose edit executes nothing).
#   make book-full  empties the execution cache and re-reads every page, so every chapter runs and
#                   -W sees every warning: what CI (`make test`) builds. Run it after changing nnlib:
#                   the cache is keyed by a notebook's code, not by the library it imports.
# One BLAS thread: the chapters train tiny nets, where BLAS threads only add contention.
# Figures sharp on HiDPI screens: the book's kernels get IPython's "retina" format (PNG at twice
# the resolution, shown at the same size) from a profile in _build/ipython, not from the student's.
# The profile also applies the book's figure style (opaque white background for dark mode, larger
# text for phones) when each kernel starts. The execution cache does not know about the style, so a
# new profile empties it: every chapter runs again with the new figures.
KERNEL_PROFILE := _build/ipython/profile_default/ipython_kernel_config.py
BOOK_MPLSTYLE := book/_mpl/nn-book.mplstyle
# NNLIB_STATIC_EXPLORERS: the executed chapters show each explorer as precomputed states (rendered
# into this cache, reused by a rebuild while the explorer's code and parameters stay the same) that
# respond without a kernel (nnlib/widgets/static.py); `make clean` removes the cache with _build.
# NNLIB_PHONE_FIGURES: the kernels also keep a phone edition of each figure whose text a 390 px
# phone would shrink below 9 px (nnlib/viz/phone_store.py); the book serves it to narrow screens
# (nnlib/grading/authoring/sphinx_phone.py). Like the explorers' cache, it outlives a cached rebuild.
BOOK_ENV := IPYTHONDIR=$(CURDIR)/_build/ipython OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
  NNLIB_STATIC_EXPLORERS=$(CURDIR)/_build/explorers NNLIB_PHONE_FIGURES=$(CURDIR)/_build/phone

$(KERNEL_PROFILE): Makefile $(BOOK_MPLSTYLE) nnlib/viz/phone.py nnlib/viz/phone_store.py
	mkdir -p $(@D)
	echo 'c.InlineBackend.figure_formats = {"retina"}' > $@
	echo "c.IPKernelApp.exec_lines = ['__import__(\"matplotlib.style\").style.use(r\"$(CURDIR)/$(BOOK_MPLSTYLE)\")', \
	  '__import__(\"nnlib.viz.phone_store\").viz.phone_store.install()']" >> $@
	rm -rf _build/.jupyter_cache

define build_book
	@# Build matplotlib's font cache now, or its notice lands in the first chapter's output.
	$(PY) -c "import matplotlib.font_manager"
	$(PY) -m nnlib.grading.authoring.book_config --repository "$(BOOK_REPOSITORY)" --branch "$(BOOK_BRANCH)"
	@# The chapters executed into the execution cache two at a time (nnlib/grading/authoring/
	@# execute.py): Jupyter Book alone runs them one after the other and leaves a core idle.
	set -o pipefail && $(BOOK_ENV) $(PY) -m nnlib.grading.authoring.execute _build/.jupyter_cache \
	  book/*.ipynb 2>&1 | tee _build/execute.log
	set -o pipefail && $(BOOK_ENV) $(VENV)/bin/jupyter-book build $(1) . --config _build/_config.yml \
	  -W -n --keep-going 2>&1 | tee _build/book.log
endef

book: install web $(KERNEL_PROFILE)
	$(call build_book,)

book-full: install web $(KERNEL_PROFILE)
	rm -rf _build/.jupyter_cache
	$(call build_book,--all)

# The PDF edition, without TeX: Sphinx's singlehtml builder puts the whole book in one page (it
# reuses the HTML build's environment and executed notebooks, so after `make book` it only writes),
# then headless Chromium prints it (nnlib/grading/authoring/pdf.py). Needs chromium (make system-deps).
pdf: install web $(KERNEL_PROFILE)
	$(PY) -m nnlib.grading.authoring.book_config --repository "$(BOOK_REPOSITORY)" --branch "$(BOOK_BRANCH)"
	set -o pipefail && $(BOOK_ENV) $(VENV)/bin/jupyter-book build . --builder singlehtml \
	  --config _build/_config.yml -n --keep-going 2>&1 | tee _build/pdf.log
	$(PY) -m nnlib.grading.authoring.pdf _build/singlehtml/index.html _build/pdf/book.pdf

# The student path: JupyterLab (with jupyterlab-myst, so the MyST markup renders) at exercises/,
# with the whole repository (book/, solutions/ if you have them) reachable in its file browser.
lab: install
	$(VENV)/bin/jupyter lab --ServerApp.default_url=/lab/tree/exercises

# Idempotent: after editing a chapter or a solution, run it, then `make release` (tests check both).
notebooks: install
	$(PY) -m nnlib.grading.authoring.notebooks --repository "$(BOOK_REPOSITORY)" --branch "$(BOOK_BRANCH)" book solutions

book-instructor: install web
	$(PY) -m nnlib.grading book --instructor

release: install
	$(PY) -m nnlib.grading release

test: install-test system-deps web lint
	$(MAKE) --no-print-directory book-full pdf
	@# One pytest run: unit/oracle/grader/browser tests, nnlib's docstring examples, and every
	@# notebook under nbval. One BLAS thread per xdist worker: two workers on two cores.
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(VENV)/bin/pytest -n $(JOBS) --dist loadfile \
	  --nbval-lax --doctest-modules tests nnlib book solutions exercises

test-fast: install-test lint
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(VENV)/bin/pytest -n $(JOBS) -m "not slow and not browser" \
	  --doctest-modules tests nnlib

# The seed of the hidden cases is each assignment's own (nnlib/grading/autograder/course.py), as in the
# README's command and the Gradescope export; ROSTER=export.csv writes canvas.csv or moodle.csv too.
grade: install
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=dir [OUT=grades] [ROSTER=export.csv]"; exit 2; }
	$(PY) -m nnlib.grading grade $(SUBMISSIONS) --out $(or $(OUT),grades) --jobs $(JOBS) $(if $(ROSTER),--roster $(ROSTER))

# ruff, pinned like torch: a linter upgrade must not turn a green tree red by itself.
RUFF := ruff==0.17.5

$(VENV)/.lint-deps: | $(PY)
	$(PIP) install -q $(RUFF)
	@touch $@

lint: $(VENV)/.lint-deps
	$(VENV)/bin/ruff check nnlib tests benchmarks
	$(VENV)/bin/ruff format --check nnlib tests benchmarks

bench: install-test
	$(PY) benchmarks/bench_training.py

clean:
	rm -rf _build _web .jupyter_cache .pytest_cache
