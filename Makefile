# carekit — the README's commands. Each one sets up everything it needs on a fresh machine
# with only Python 3.11+ and make: a virtual environment in .venv, installed once per
# (pyproject.toml, extras) pair — a second run with nothing changed installs nothing.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
EXTRAS ?= dev
# torch must be pinned before sentence-transformers resolves it (an unpinned torch is a CUDA build of several GB)
TORCH_SPEC ?= torch==2.13.0
STAMP  := $(VENV)/.installed-$(shell (cat pyproject.toml; echo "$(EXTRAS)") | sha256sum | cut -c1-16)
export PATH := $(CURDIR)/$(BIN):$(PATH)
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: demo test test-fast test-scale lab kernel notebooks demo-data datadict lint screenshots bench-nps bench-scale bench-themes clean help

help:
	@echo "make demo   - set up .venv, run the demo on data/demo (one line per step) and print the report's path"
	@echo "make test   - set up .venv, lint, unit tests, doctests and nbval over notebooks/"
	@echo "make test-fast - the same without notebook and playbook runs (about a minute)"
	@echo "make lab    - JupyterLab on notebooks/ with the project's environment and its kernel, carekit (.venv)"
	@echo "make notebooks - re-execute every notebook in place on the demo workspace"
	@echo "make demo-data - regenerate data/demo and data/README.md"
	@echo "make screenshots - refresh docs/screens/ (the four playbook reports at 1280 px and 390 px)"

# uv (MIT/Apache-2.0, from PyPI) installs the same packages as pip in a fraction of the time; where it cannot be
# had, pip does the work. A local wheel folder (FIND_LINKS, e.g. the machine's CPU build of torch) is used when present.
FIND_LINKS ?= /opt/wheels
UV_LINKS := $(if $(wildcard $(FIND_LINKS)/*.whl),--find-links $(FIND_LINKS))
INSTALL = if [ -x $(BIN)/uv ]; then $(BIN)/uv pip install --quiet --python $(BIN)/python $(UV_LINKS) $(1); \
	else $(BIN)/pip install --quiet $(1); fi

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "carekit needs Python 3.11+, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	-$(BIN)/python -m pip install --quiet "uv>=0.4"

$(STAMP): $(BIN)/python
	@case ",$(EXTRAS)," in *,embeddings,*) $(call INSTALL,"$(TORCH_SPEC)");; esac
	$(call INSTALL,-e ".[$(EXTRAS)]")
	@rm -f $(VENV)/.installed-*
	@touch $@

# one line per step (started, cached, done in N s), then the report's path; a failed run fails make
demo: $(STAMP)
	@$(BIN)/carelib playbook run weekly-care-review --data data/demo

# pytest-xdist already runs one worker per core: OpenMP threads on top of that (scikit-learn, BLAS) spin against
# each other (nbval's segmentation cell took 45 s instead of 4 s), so each test process and kernel gets one thread
test test-fast: export OMP_NUM_THREADS := 1
# Python caches each module's bytecode (__pycache__, git-ignored) unless PYTHONDONTWRITEBYTECODE is set, as it is on
# some CI images: then every kernel, worker and CLI process of the suite compiles ~1,500 modules from source again
# (2.9 s instead of 0.9 s to import a practice). The tests let Python keep its cache.
test test-fast test-scale: export PYTHONDONTWRITEBYTECODE :=

# every test on both cores (a file's tests stay on one worker, so its module fixtures run once),
# the doctests of carelib and nbval over the committed notebooks
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -p no:cacheprovider -n auto --dist loadfile tests carelib notebooks \
		--doctest-modules --nbval --nbval-sanitize-with $(CURDIR)/tests/nbval_sanitize.cfg \
		--nbval-current-env -q -m "not scale" --durations=20

# the Spark runs make test leaves out (tests/test_engines_spark.py, marked scale): the metric review through the
# tally store cold and warm, and the voice of the customer, on Spark local[2] against DuckDB; CI runs it after make test
test-scale: export OMP_NUM_THREADS := 1
test-scale: $(STAMP)
	SPARK_LOCAL_IP=$${SPARK_LOCAL_IP:-127.0.0.1} $(BIN)/python -m pytest -p no:cacheprovider -m scale tests/test_engines_spark.py -q

# the same without the notebook and playbook end-to-end runs (@pytest.mark.notebook), the runs over whole
# data sets (@pytest.mark.slow) and nbval
test-fast: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -p no:cacheprovider -n auto --dist loadfile tests carelib --doctest-modules \
		-m "not notebook and not slow and not scale" -q

# the project's kernel "carekit (.venv)", registered inside .venv (--sys-prefix, nothing in ~/.local): JupyterLab
# lists it beside python3. The notebooks keep the kernelspec python3, which inside .venv is this same interpreter,
# so papermill and nbval run them on any machine without a registered kernel (docs/architecture.md).
# KERNEL_WHERE=--prefix=DIR registers it elsewhere (tests/test_lab.py); `make lab` installs first, then runs this.
KERNEL_NAME := carekit
KERNEL_WHERE ?= --sys-prefix
kernel:
	$(BIN)/python -m ipykernel install $(KERNEL_WHERE) --name $(KERNEL_NAME) --display-name "$(KERNEL_NAME) (.venv)"

lab: EXTRAS := dev,lab
lab: $(STAMP)
	@$(MAKE) --no-print-directory kernel
	$(BIN)/jupyter lab notebooks/

notebooks: $(STAMP)
	$(BIN)/carelib refresh notebooks/*.ipynb

# the four playbook reports at 1280 px and 390 px (needs Chromium: apt-get install chromium)
screenshots: $(STAMP)
	$(BIN)/python docs/screenshots.py

demo-data: $(STAMP)
	$(BIN)/carelib demo-data data/demo
	$(BIN)/carelib datadict > data/README.md

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench-nps: $(STAMP)
	$(BIN)/python benchmarks/nps_scale.py --write-docs

# Hearthly at scale: 10 scale units (~18 M rows) written week by week; rows/s and peak RSS (docs/at-scale.md)
bench-scale: $(STAMP)
	$(BIN)/python benchmarks/gen_scale.py --scale 10

# themes on banking77 against k-means and BERTopic (BERTopic is installed here for the benchmark only)
bench-themes: EXTRAS := dev,embeddings
bench-themes: $(STAMP)
	$(BIN)/pip install --quiet "bertopic==0.17.*"
	$(BIN)/python benchmarks/themes.py --repeat 3 --write-docs

clean:
	rm -rf runs out .pytest_cache
