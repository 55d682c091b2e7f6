# bplab: `make lab` to learn, `make test` to check everything.
# Both create .venv on first use and (re)install when pyproject.toml changes.

PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
PORT   ?= 8888
# Notebook outputs are compared by nbval; pin BLAS to one thread so sums come out the same
# on every run (and small matrix products are faster single-threaded anyway).
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1
# Kernels (nbval, make notebooks) must draw with the inline backend, exactly as in JupyterLab:
# never export MPLBACKEND=Agg here, or figures silently vanish from notebook outputs.
unexport MPLBACKEND
export PYDEVD_DISABLE_FILE_VALIDATION = 1

# A cell that runs 5 minutes is a hung kernel, not a slow one: fail it instead of waiting 33.
NBVAL_FLAGS = --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=300

.PHONY: help lab test test-fast test-notebooks test-perturbed test-lowest test-browser test-package site test-site bench notebooks student clean

help:
	@echo "make lab            open the course in JupyterLab (127.0.0.1:$(PORT), with a token)"
	@echo "make test           run the whole test suite: unit tests + every notebook (nbval)"
	@echo "make test-fast      unit tests only"
	@echo "make test-lowest    the whole suite again with the lowest versions pyproject.toml allows"
	@echo "make test-perturbed every notebook again with 1e-12 noise on weights and data (nbval)"
	@echo "make test-browser   drive JupyterLab in headless Chromium (installs chromium + playwright)"
	@echo "make test-package   build the wheel, install it in a fresh venv, bplab copy + nbval there"
	@echo "make site           build the course website into site/_build/html"
	@echo "make test-site      open every page of the website in headless Chromium"
	@echo "make student        write the notebooks without their solutions into student/"
	@echo "make bench          speed comparisons (benchmarks/)"
	@echo "make notebooks      run each notebook's text source (.md) into its .ipynb and save the outputs"
	@echo "                    (NB=notebooks/02_backprop_network.md for one notebook)"

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-lab: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# Loopback only, token kept (JupyterLab's default). Containers often run as root, where
# JupyterLab refuses to start unless told; that does not open it to anyone else.
ALLOW_ROOT = $(if $(filter 0,$(shell id -u)),--ServerApp.allow_root=True,)

lab: $(VENV)/.installed-lab
	$(VENV)/bin/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.port=$(PORT) \
	    --ServerApp.root_dir=notebooks $(ALLOW_ROOT)

test: $(VENV)/.installed-test
	$(PY) -m pytest tests notebooks $(NBVAL_FLAGS) -p no:cacheprovider

test-fast: $(VENV)/.installed-test
	$(PY) -m pytest tests -p no:cacheprovider

# NBS=notebooks/02_backprop_network.ipynb checks one notebook (here and in test-perturbed)
NBS ?= notebooks
test-notebooks: $(VENV)/.installed-test
	$(PY) -m pytest $(NBS) $(NBVAL_FLAGS) -p no:cacheprovider

# The notebooks again, with other floating-point noise on purpose (tools/perturbed/00-perturb.py:
# every initial weight, data set and descent start times 1 + 1e-12 z). What nbval compares must
# survive it, as it must survive another CPU, BLAS or thread count on a learner's machine.
PERTURBED_IPYTHONDIR = $(CURDIR)/.ipython-perturbed
test-perturbed: $(VENV)/.installed-test
	rm -rf $(PERTURBED_IPYTHONDIR) && mkdir -p $(PERTURBED_IPYTHONDIR)/profile_default/startup
	cp tools/perturbed/00-perturb.py $(PERTURBED_IPYTHONDIR)/profile_default/startup/
	IPYTHONDIR=$(PERTURBED_IPYTHONDIR) $(VENV)/bin/ipython -c \
	    "import bplab.init as i; assert hasattr(i.init_weights, '__wrapped__'), 'perturbation not loaded'"
	IPYTHONDIR=$(PERTURBED_IPYTHONDIR) $(PY) -m pytest $(NBS) $(NBVAL_FLAGS) -p no:cacheprovider

# The whole suite again, in .venv-lowest with the lowest versions that pyproject.toml allows
# (.ci/constraints-lowest.txt pins each direct dependency to its lower bound): the range it
# declares is tested, not claimed. The venv is rebuilt from scratch whenever pyproject.toml or the
# constraints change, so no newer version is left over from an earlier install.
LOWEST_VENV        = .venv-lowest
LOWEST_CONSTRAINTS = .ci/constraints-lowest.txt
$(LOWEST_VENV)/.installed-test: pyproject.toml $(LOWEST_CONSTRAINTS)
	rm -rf $(LOWEST_VENV)
	$(PYTHON) -m venv $(LOWEST_VENV)
	$(LOWEST_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LOWEST_VENV)/bin/python -m pip install --quiet -c $(LOWEST_CONSTRAINTS) -e '.[test]'
	touch $@

test-lowest: $(LOWEST_VENV)/.installed-test
	$(LOWEST_VENV)/bin/python -m pytest tests notebooks $(NBVAL_FLAGS) -p no:cacheprovider

# A learner's session in headless Chromium: every notebook run with "Restart Kernel and Run All",
# then every widget control moved (tests/browser/test_browser.py). Installs chromium (apt) and playwright
# (pip, the [browser] extra) when missing; never `playwright install`. Screenshots and a report
# land in screenshots/ (git-ignored).
test-browser: $(VENV)/.installed-test
	bash tools/install_browser.sh $(PY)
	$(PY) -m pytest -m browser tests/browser/test_browser.py -p no:cacheprovider

# The course as a user who installs the package meets it (tests/packaging/test_wheel.py): the wheel
# (`pip wheel .`) and the sdist must carry data/ and the notebooks (setup.py copies them in at build
# time); the wheel goes into a fresh venv (not editable), which loads both data sets, runs
# `bplab copy`, nbval over the copied notebooks and `bplab lab` (127.0.0.1, token). Needs PyPI.
$(VENV)/.installed-package: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[test,package]'
	touch $@

test-package: $(VENV)/.installed-package
	$(PY) -m pytest -m package tests/packaging/test_wheel.py -p no:cacheprovider -s

# The course website (site/conf.py): Sphinx + myst-nb over the notebooks' stored outputs (nothing is
# executed), maths typeset by MathJax 3 from npm (tools/install_mathjax.sh: site/package.json into
# site/node_modules, git-ignored), copied into the site: no page loads anything from a CDN.
# Output in site/_build/html; any Sphinx warning fails the build. test-site opens every page in
# headless Chromium (tests/site/test_site.py); screenshots in screenshots/site/.
SITE_HTML = site/_build/html
$(VENV)/.installed-site: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[test,site]'
	touch $@

site/node_modules/mathjax/es5/tex-chtml.js: site/package.json site/package-lock.json
	bash tools/install_mathjax.sh
	touch $@

site: $(VENV)/.installed-site site/node_modules/mathjax/es5/tex-chtml.js
	$(PY) -m sphinx -W --keep-going -q -b html -d site/_build/doctrees site $(SITE_HTML)
	@echo "make site: $(SITE_HTML)/index.html"

test-site: site
	bash tools/install_browser.sh $(PY)
	$(PY) -m pytest -m site tests/site/test_site.py -p no:cacheprovider

# Each notebook is authored as notebooks/NN_name.md (MyST markdown, paired by notebooks/jupytext.toml):
# this takes its cells into NN_name.ipynb (unchanged cells keep their ids), runs it in a fresh kernel
# and saves it with its outputs. NB=notebooks/02_backprop_network.md (or the .ipynb) does one.
NB ?=
# The student edition: every notebook without its worked solutions, in student/ (git-ignored).
student: $(VENV)/.installed-test
	$(PY) tools/student_edition.py student

notebooks: $(VENV)/.installed-test
	$(PY) tools/run_notebooks.py $(NB)

# The benchmark's optional peers, never runtime dependencies: scikit-learn (the [bench] extra)
# and PyTorch. torch is pinned to 2.13.0 because that version installs a local CPU-only build;
# any other torch spec downloads gigabytes. Without torch the benchmark skips PyTorch's row.
# `make bench BENCH_ARGS="--quick"` for a smoke run, `BENCH_ARGS="--only training --reps 9"`...
BENCH_ARGS ?=
$(VENV)/.installed-bench: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[test,bench]'
	$(PY) -c 'import torch' 2>/dev/null || $(PY) -m pip install --quiet 'torch==2.13.0' \
	    || echo "make bench: torch==2.13.0 did not install; the PyTorch row will be skipped"
	touch $@

bench: $(VENV)/.installed-bench
	$(PY) benchmarks/crosscheck_torch.py
	$(PY) benchmarks/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(LOWEST_VENV) .pytest_cache build *.egg-info screenshots .ipython-perturbed student \
	    dist site/_build site/chapters site/node_modules
