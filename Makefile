# labkit: `make lab` opens the codelab, `make test` runs every check CI runs.
# Everything installs into .venv/ from the package registries; nothing else is downloaded.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed
export PATH := $(BIN):$(PATH)
# Root may install system packages with apt-get; everyone else gets the PyPI fallbacks.
IS_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo yes)
APT := $(shell command -v apt-get 2>/dev/null)

.PHONY: lab run test setup graphviz test-deps java lint clean

## lab: set up, then open JupyterLab on notebooks/ (exercises in notebooks/exercises/)
lab: setup
	jupyter lab --notebook-dir=notebooks $(if $(IS_ROOT),--allow-root)

## run: set up, then execute every chapter headless and report which failed
run: setup
	python -m labkit.run_notebooks

## test: set up, then ruff, the unit tests and every notebook under strict nbval
test: setup test-deps lint
	python -m pytest --nbval --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg

lint:
	ruff check labkit tests benchmarks
	ruff format --check labkit tests benchmarks

setup: $(STAMP) graphviz java

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), sys.version' 2>/dev/null \
	  || { echo "labkit needs Python 3.11+ as '$(PYTHON)' (make PYTHON=python3.11 ...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
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

java: $(STAMP)
	@$(BIN)/python -c 'from labkit.session import check_java; check_java()' \
	  || { echo "Fix Java as said above, then run make again."; exit 1; }

# The browser test drives Debian's Chromium; without root it skips and says why.
test-deps: $(STAMP)
	@if ! command -v chromium > /dev/null && [ -n "$(IS_ROOT)" ] && [ -n "$(APT)" ]; then \
	  echo "Installing Debian's chromium and chromium-driver for the browser test"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver > /dev/null) \
	  || echo "Could not install chromium: the browser test will be skipped."; \
	fi

clean:
	rm -rf $(VENV) artifacts .pytest_cache .ruff_cache
