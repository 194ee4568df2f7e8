"""The public Python API: plain functions over scenarios, returning result objects.

Every function here is what one ``zopa`` command runs; the command prints the result's
``to_json()`` (with ``--json``) or a table made from it. Modelled on NetworkX: one data
structure (the :class:`~zopa.scenario.schema.Scenario`, compiled once into a
:class:`~zopa.space.space.Space`) and algorithms as plain functions over it.
"""

from __future__ import annotations

import os
from pathlib import Path

from zopa.errors import InputError
from zopa.forecast.backtest import BacktestResult


def backtest(
    dataset: str = "deu", path: str | Path | None = None, *, seed: int = 0, n_boot: int = 2000
) -> BacktestResult:
    """Backtest every forecasting model on real decisions (DEU III)."""
    from zopa.forecast.backtest import backtest as run
    from zopa.forecast.backtest import default_models, default_tuning
    from zopa.forecast.eum import ExpectedUtility
    from zopa.forecast.exchange import ExchangeModel
    from zopa.forecast.smp import SpatialModel
    from zopa.io.deu import read_deu3

    if dataset != "deu":
        raise InputError.at(
            "dataset", None, "", f"unknown data set {dataset!r}; the only one is 'deu'"
        )
    found = Path(path) if path is not None else _deu_path()
    data = read_deu3(found)
    models = [*default_models(), ExpectedUtility(keep_moves=False), SpatialModel(), ExchangeModel()]
    return run(models, data.proposals, tune=default_tuning(), seed=seed, n_boot=n_boot)


def _deu_path() -> Path:
    env = os.environ.get("ZOPA_DEU3")
    here = Path(env) if env else Path("tests/data/deu3/deu3.csv")
    if not here.is_file():
        raise InputError.at(
            "deu3.csv", None, "", "not found: pass the path of deu3.csv (or set ZOPA_DEU3)"
        )
    return here
