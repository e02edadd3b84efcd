# labkit: `make lab` opens the codelab, `make test` runs every check CI runs.
# Everything installs into .venv/ from the package registries; nothing else is downloaded.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed
# JupyterLab settings the codelab ships (no "get notified about Jupyter news?" prompt).
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.d/labkit.json
# pytest worker processes for `make test` (each runs its own Spark; 2 fits a 2-core laptop).
JOBS ?= 2
export PATH := $(BIN):$(PATH)
# Root may install system packages with apt-get; everyone else gets the PyPI fallbacks.
IS_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo yes)
APT := $(shell command -v apt-get 2>/dev/null)

.PHONY: lab run test check setup graphviz test-deps java jupyter-settings trust lint clean

## lab: set up, then open JupyterLab on notebooks/ (exercises in notebooks/exercises/)
lab: setup
	jupyter lab --notebook-dir=notebooks $(if $(IS_ROOT),--allow-root)

## run: set up, then execute every chapter headless and report which failed
run: setup
	python -m labkit.run_notebooks

## test: set up, then ruff, the unit tests, the learner copies and every notebook under strict nbval
test: test-deps setup lint
	python -m pytest -n $(JOBS) --dist loadfile --no-loadscope-reorder --durations=30 \
	  --nbval --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg

## check: ruff and the tests that need no Spark, Java or kernel (the quick edit-test loop)
check: $(STAMP) lint
	python -m pytest -q -n $(JOBS) -m "not spark" tests

lint:
	ruff check labkit tests benchmarks
	ruff format --check labkit tests benchmarks

setup: $(STAMP) graphviz java jupyter-settings trust

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), sys.version' 2>/dev/null \
	  || { echo "labkit needs Python 3.11+ as '$(PYTHON)' (make PYTHON=python3.11 ...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,connect,mlflow]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (labkit)" > /dev/null
	touch $@

# A `dot` for Graphviz: the system's, else Debian's graphviz (as root), else PyPI's graphviz-pure.
graphviz: $(STAMP)
	@command -v dot > /dev/null && exit 0; \
	if [ -n "$(IS_ROOT)" ] && [ -n "$(APT)" ]; then \
	  echo "Installing Debian's graphviz"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz > /dev/null) || true; \
	fi; \
	command -v dot > /dev/null && exit 0; \
	echo "Installing graphviz-pure from PyPI as .venv/bin/dot"; \
	$(BIN)/python -m pip install --quiet 'graphviz-pure>=0.2' && ln -sf graphviz-pure $(BIN)/dot; \
	command -v dot > /dev/null || { echo "No Graphviz: install it (conda install graphviz, \
	apt-get install graphviz, brew install graphviz) and run make again."; exit 1; }

# With a Spark Connect server (LABKIT_SPARK_REMOTE), Spark runs there: this machine needs no Java.
java: $(STAMP)
	@if [ -n "$$LABKIT_SPARK_REMOTE" ]; then \
	  echo "Spark runs on the Spark Connect server at $$LABKIT_SPARK_REMOTE: no Java needed here."; \
	else \
	  $(BIN)/python -c 'from labkit.session import check_java; check_java()' \
	  || { echo "Fix Java as said above, then run make again."; exit 1; }; \
	fi

# JupyterLab reads overrides.d/*.json in its settings folder as the defaults of every user.
jupyter-settings: $(STAMP)
	@mkdir -p $(dir $(LAB_OVERRIDES)) && cp labkit/conf/jupyterlab-overrides.json $(LAB_OVERRIDES)

# Trusted notebooks show their committed drawings (SVG) when opened; trust is per content,
# kept in $JUPYTER_DATA_DIR (default ~/.local/share/jupyter), so it is renewed on every run.
trust:
	@jupyter trust notebooks/[0-9][0-9]_*.ipynb > /dev/null && echo "Trusted the chapters in notebooks/"

# What `make test` needs from Debian when run as root: one `apt-get update`, then the missing
# packages (Graphviz, and Chromium for the browser test). Without root the browser test skips
# and says why, and `graphviz` above falls back to PyPI.
test-deps:
	@missing=""; \
	command -v dot > /dev/null || missing="$$missing graphviz"; \
	command -v chromium > /dev/null || missing="$$missing chromium chromium-driver"; \
	if [ -n "$$missing" ] && [ -n "$(IS_ROOT)" ] && [ -n "$(APT)" ]; then \
	  echo "Installing Debian's$$missing"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing > /dev/null) \
	  || echo "Could not install$$missing with apt-get: see above."; \
	fi

clean:
	rm -rf $(VENV) artifacts .pytest_cache .ruff_cache
