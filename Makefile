# Two entry points (see README): `make demo` and `make test`.
# `make demo` installs the runtime only (`pip install .`, no extras) into .venv-run;
# `make test` installs zopa editable with the dev and peer extras into .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SUM    := $(shell cat pyproject.toml | cksum | cut -d' ' -f1)
STAMP  := $(VENV)/.installed-$(SUM)
RUN    := .venv-run

.PHONY: demo test lint bench clean fuzz

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev,peers]"
	# decide-exchange-model pins numpy 1.23 and PyQt5: install it without its pins
	$(BIN)/python -m pip install -q --no-deps decide-exchange-model==2022.1.28
	$(BIN)/python -m pip install -q "typesystem==0.2.5" peewee blinker
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

demo:
	test -x $(RUN)/bin/python || $(PYTHON) -m venv $(RUN)
	$(RUN)/bin/python -m pip install -qq --upgrade pip
	$(RUN)/bin/python -m pip install -qq .
	$(RUN)/bin/zopa analyze

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/bench_analyze.py
	$(BIN)/python bench/bench_forecast.py
	$(BIN)/python bench/bench_exchange.py
	$(BIN)/python bench/bench_smp.py
	$(BIN)/python bench/bench_montecarlo.py
	$(BIN)/python bench/bench_leverage.py
	$(BIN)/python bench/bench_simulate.py
	$(BIN)/python bench/bench_startup.py

# FUZZ_CASES=N (default 100000), FUZZ_SEED=S: cases spread over the cores; non-zero on failure
fuzz: $(STAMP)
	$(BIN)/python tests/fuzzing.py

clean:
	rm -rf $(VENV) $(RUN) .pytest_cache .mypy_cache .ruff_cache .hypothesis
