"""Sweeps: Monte Carlo on every cell of a grid of lever settings, on a pool or a Dask cluster.

``--grid LEVER=lo:hi:n`` (one or more) names a number by its path (``conflict.cost.IRN``,
``parameters.commission``, see :func:`zopa.studies.montecarlo.numbers`; a parameter's bare
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
from typing import Any

import numpy as np

from zopa.errors import InputError
from zopa.scenario.numbers import numbers
from zopa.scenario.schema import Scenario
from zopa.studies.montecarlo import montecarlo


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


def run_cell(text: str, name: str, fixed: dict[str, float], draws: int, seed: int) -> dict:
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


def sweep(
    text: str,
    name: str,
    grid: list[dict[str, float]],
    draws: int,
    seed: int,
    workers: int = 2,
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[dict[str, Any]]:
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
