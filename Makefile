# Two entry points (see README): `make demo` and `make test`. Each creates .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev,peers]"
	# decide-exchange-model pins numpy 1.23 and PyQt5: install it without its pins (MODELS.md)
	$(BIN)/python -m pip install -q --no-deps decide-exchange-model==2022.1.28
	$(BIN)/python -m pip install -q "typesystem==0.2.5" peewee blinker
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/zopa analyze

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
	$(BIN)/python bench/bench_startup.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
