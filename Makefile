# seqcase: `make run` sets up and runs the pipeline, `make test` sets up and runs the tests,
# `make ui` opens the MLflow UI on the runs. Setup is done once and redone only when the lock or
# pyproject.toml changes.

PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.seqcase-installed
TF_EXTRA ?= cpu

export PATH := $(abspath $(BIN)):$(PATH)
export DVC_NO_ANALYTICS := 1
export MLFLOW_DISABLE_TELEMETRY := true
export MLFLOW_TRACKING_URI ?= sqlite:///mlflow.db
export TF_CPP_MIN_LOG_LEVEL ?= 2
# Bytecode makes `import tensorflow` 3x faster at every stage start; the environment may turn it off.
export PYTHONDONTWRITEBYTECODE :=

PLOTS_TEMPLATE := $(VENV)/share/seqcase/dvc-plots-offline.html

.PHONY: setup run test test-fast ui plots clean-venv

setup: $(STAMP)

# pip installs without compiling; compileall then compiles the environment on every core at once
# (pip compiles on one, package by package: 88 s against 59 here).
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24" setuptools wheel
	$(BIN)/python -m pip install --quiet --no-compile -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@if [ "$(TF_EXTRA)" = "gpu" ]; then $(BIN)/python -m pip uninstall -y tensorflow-cpu && $(BIN)/python -m pip install --quiet --no-compile "tensorflow[and-cuda]==2.21.0"; fi
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib > /dev/null || true
	@test -d .git || git init -q
	touch $@

run: setup
	$(BIN)/python -m seqcase validate
	$(BIN)/python -m seqcase run

# Two processes, a test file each at a time: each starts on one of the two end-to-end modules (conftest
# puts them first), then takes unit-test files.
test: setup
	$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder

test-fast: setup
	$(BIN)/python -m pytest -m "not slow"

ui: setup
	@echo "MLflow UI on the runs: http://127.0.0.1:$${PORT:-5000}/#/experiments?workflowType=machine_learning"
	MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false $(BIN)/mlflow ui --backend-store-uri $(MLFLOW_TRACKING_URI) \
		--host 127.0.0.1 --port $${PORT:-5000} --workers 1

# `dvc plots show` with vega inlined (fetched once with npm), so the plots render offline.
plots: setup
	test -f $(PLOTS_TEMPLATE) || $(BIN)/python -m seqcase plots-template --output $(PLOTS_TEMPLATE)
	$(BIN)/dvc plots show --html-template $(PLOTS_TEMPLATE) --out reports/plots

clean-venv:
	rm -rf $(VENV)
