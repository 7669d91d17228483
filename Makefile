# Two commands for a fresh machine: `make run` (the pipeline on the bundled listings)
# and `make test` (the test suite). Both create .venv and install the pinned versions.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CORES  ?= 4
STAMP  := $(VENV)/.installed

.PHONY: run test lint report clean-results install lock

install: $(STAMP)

# torch first and pinned: a plain `torch` would pull a multi-GB CUDA build.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/snakemake --cores $(CORES)

test: $(STAMP)
	$(BIN)/ruff check src tests workflow/scripts tools benchmarks
	$(BIN)/ruff format --check src tests workflow/scripts tools benchmarks
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/snakemake --lint

report: $(STAMP)
	$(BIN)/snakemake --report results/snakemake_report.html

# A cold start: every output, the embedding cache and the history (results/README.md stays).
clean-results:
	rm -rf results/interim results/tables results/figures results/benchmarks results/cache results/history results/report.html results/snakemake_report.html logs

# Re-pin requirements.lock and environment.yml from the current .venv.
lock: $(STAMP)
	$(BIN)/python tools/write_lock.py
