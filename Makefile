# PyTorch from the Ground Up: the two commands of the README, and a few for maintainers.
#   make lab    set up (first time only) and open JupyterLab on notebook 00
#   make test   set up (first time only) and run every test: unit, nbval, papermill
# Each sets up a project-local virtual environment in .venv when it is missing or when
# requirements.txt / pyproject.toml changed; otherwise it reuses it and starts in seconds.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
KERNEL := pytorch-ground-up
PORT   ?= 8888
# Extra options for `jupyter lab`, e.g. LAB_FLAGS=--no-browser on a remote machine.
LAB_FLAGS ?=
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: setup lab test notebooks slides site slide-metadata clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 11) else f"The course needs Python 3.11 or newer; $(PYTHON) is {v.major}.{v.minor}. Run: make PYTHON=python3.11 ...")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)
	@echo "Environment ready in $(VENV)."

lab: setup
	@# A named kernel, so Jupyter front ends outside this venv (VS Code, a system JupyterLab) can use it too.
	@$(BIN)/python -m ipykernel install --user --name $(KERNEL) --display-name "Python 3 (PyTorch from the Ground Up)" >/dev/null
	@# Localhost only, always with a token: Jupyter makes a fresh one (or takes JUPYTER_TOKEN from the
	@# environment) and prints the whole URL with it, so a browser that did not open by itself gets in.
	$(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks/00_setup_check.ipynb \
		--ServerApp.ip=127.0.0.1 --ServerApp.port=$(PORT) $(ROOT_FLAG) $(LAB_FLAGS)

test: setup
	$(BIN)/python -m pytest

# Maintainers: re-execute every numbered notebook top to bottom on a clean kernel (writes outputs).
notebooks: setup
	$(BIN)/python tools/execute_notebooks.py

# Instructors and readers: offline slide decks and the course website, from the committed outputs
# (nothing re-executed). The first run fetches pinned reveal.js, MathJax, require.js and the widget
# renderer with npm (tools/web_assets.py); after that, building and viewing need no network.
slides: setup
	$(BIN)/python tools/build_slides.py

site: setup
	$(BIN)/python tools/build_site.py

# Maintainers: give new cells their slide roles (keeps roles set by hand; outputs untouched).
slide-metadata: setup
	$(BIN)/python tools/slide_metadata.py

clean:
	rm -rf $(VENV) build checkpoints data/MNIST/raw/*-ubyte
