"""Sweeps: Monte Carlo on every cell of a grid of lever settings, on a pool or a Dask cluster.

``--grid LEVER=lo:hi:n`` (one or more) names a number by its path (``conflict.cost.IRN``,
``parameters.commission``, see :func:`zopa.scenario.numbers.numbers`; a parameter's bare
name works too) and the values to give it. Every cell runs the same Monte Carlo (same
draws, same seed: common random numbers) with those numbers fixed. Cells run on local
processes by default, or on a Dask distributed scheduler (``--scheduler ADDRESS``); each
cell is a pure function of (file text, setting, draws, seed), so results are identical
whatever runs them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from typing_extensions import TypedDict

from zopa.errors import InputError
from zopa.results import frame
from zopa.scenario.numbers import numbers
from zopa.scenario.schema import Scenario
from zopa.studies.montecarlo import ErrorsJson, montecarlo

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Axis:
    """One lever of the grid and its values."""

    path: str
    values: tuple[float, ...]


def parse_grid(specs: Sequence[str], sc: Scenario) -> list[Axis]:
    """``LEVER=lo:hi:n`` strings -> axes (``n`` evenly spaced values from lo to hi)."""
    known = {p for p, _ in numbers(sc)}
    out = []
    for spec in specs:
        name, _, rng = spec.partition("=")
        path = name.strip()
        if path not in known and f"parameters.{path}" in known:
            path = f"parameters.{path}"
        if path not in known:
            close = sorted(p for p in known if path.split(".")[-1] in p)[:5]
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise InputError.at("--grid", None, name, f"no number at this path{hint}")
        try:
            lo, hi, n = rng.split(":")
            values = np.linspace(float(lo), float(hi), int(n))
        except ValueError:
            raise InputError.at("--grid", None, name, f"'{rng}' is not lo:hi:n") from None
        if not 1 <= len(values) <= 1000:
            raise InputError.at("--grid", None, name, "n must be between 1 and 1000")
        out.append(Axis(path, tuple(float(v) for v in values)))
    return out


def cells(axes: Sequence[Axis]) -> list[dict[str, float]]:
    """Every combination of the axes' values (the last axis varying fastest)."""
    return [
        dict(zip([a.path for a in axes], combo, strict=True))
        for combo in itertools.product(*[a.values for a in axes])
    ]


class CellJson(TypedDict):
    """One grid cell: the setting and what Monte Carlo gives with it."""

    setting: dict[str, float]
    p_zone: float | None
    p_deal: float | None
    p_war: float | None
    stderr: ErrorsJson
    value: dict[str, float | None]


class SweepJson(TypedDict):
    """``zopa sweep --json``: every cell of the grid, in grid order (last axis fastest)."""

    scenario: str
    draws: int
    seed: int
    grid: dict[str, list[float]]
    cells: list[CellJson]


@dataclass
class Sweep:
    """Monte Carlo on every cell of a grid of lever settings."""

    scenario: str
    draws: int
    seed: int
    axes: list[Axis]
    cells: list[CellJson]

    def to_json(self) -> SweepJson:
        """Exactly what ``zopa sweep --json`` prints."""
        return {
            "scenario": self.scenario,
            "draws": self.draws,
            "seed": self.seed,
            "grid": {a.path: list(a.values) for a in self.axes},
            "cells": self.cells,
        }

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """``cells``: one row per cell: the setting (one column per lever), P(zone), P(deal),
        P(war) with standard errors, and each actor's mean value."""
        rows = []
        for c in self.cells:
            row: dict[str, Any] = dict(c["setting"])
            for k in ("p_zone", "p_deal", "p_war"):
                row[k] = c[k]
                row[f"stderr.{k}"] = c["stderr"][k]
            row.update({f"value.{a}": v for a, v in c["value"].items()})
            rows.append(row)
        return {"cells": frame(rows)}


def sweep(
    sc: Scenario,
    axes: Sequence[Axis],
    draws: int,
    seed: int,
    workers: int = 2,
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Sweep:
    """Monte Carlo on every cell of the grid ``axes`` (see the module docstring); ``sc``
    must have been read from text (:func:`zopa.scenario.load.load_text` keeps it), since
    every cell re-reads it in its own process."""
    if sc.source_text is None:
        raise ValueError("sweep needs a scenario read from text (zopa.load or zopa.loads)")
    text, name = sc.source_text
    rows = run_cells(text, name, cells(axes), draws, seed, workers, scheduler, progress)
    return Sweep(sc.id, draws, seed, list(axes), rows)


def run_cell(text: str, name: str, fixed: dict[str, float], draws: int, seed: int) -> CellJson:
    """One cell: Monte Carlo with ``fixed`` numbers (a pure function of its arguments)."""
    from zopa.scenario.load import validate
    from zopa.scenario.yamlfile import parse_yaml

    data, lines = parse_yaml(text, name)
    sc = validate(data, lines, name)
    res = montecarlo(sc, draws, seed, fixed=fixed).to_json()
    return {
        "setting": fixed,
        "p_zone": res["p_zone"],
        "p_deal": res["p_deal"],
        "p_war": res["p_war"],
        "stderr": res["stderr"],
        "value": {k: v["mean"] for k, v in res["value"].items()},
    }


def run_cells(
    text: str,
    name: str,
    grid: list[dict[str, float]],
    draws: int,
    seed: int,
    workers: int = 2,
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[CellJson]:
    """Run every cell (in grid order) on local processes or a Dask scheduler."""
    if scheduler is not None:
        from distributed import Client, as_completed

        with Client(scheduler) as client:
            futures = [
                client.submit(run_cell, text, name, cell, draws, seed, pure=True, key=f"cell-{i}")
                for i, cell in enumerate(grid)
            ]
            for _ in as_completed(futures):
                if progress:
                    progress(1)
            return list(client.gather(futures))
    if workers <= 1:
        out = []
        for cell in grid:
            out.append(run_cell(text, name, cell, draws, seed))
            if progress:
                progress(1)
        return out
    with ProcessPoolExecutor(workers) as pool:
        futures = [pool.submit(run_cell, text, name, cell, draws, seed) for cell in grid]
        results = []
        for f in futures:
            results.append(f.result())
            if progress:
                progress(1)
        return results
