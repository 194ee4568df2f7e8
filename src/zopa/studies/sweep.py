"""Sweeps: Monte Carlo on every cell of a grid of lever settings, on a pool or a Dask cluster.

``--grid LEVER=lo:hi:n`` (one or more) names a number by its path (``conflict.cost.IRN``,
``parameters.commission``, see :func:`zopa.scenario.numbers.numbers`; a parameter's bare
name works too) and the values to give it. Every cell runs the same Monte Carlo (same
draws, same seed: common random numbers) with those numbers fixed. Cells run on local
processes by default, or on a Dask distributed scheduler (``--scheduler ADDRESS``); each
cell is a pure function of (file text, setting, draws, seed), so results are identical
whatever runs them.

Bounds: at most :data:`MAX_POINTS` values a lever and :data:`MAX_CELLS` cells; every value
finite, within the number's ``range:`` when it states one, and always within what its field
accepts (a probability 0..1, a place 0..100, a weight >= 0...). A scheduler's address is
checked up front and must answer within :data:`CONNECT_TIMEOUT` seconds.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from typing_extensions import TypedDict

from zopa.errors import InputError
from zopa.results import frame
from zopa.scenario.numbers import numbers
from zopa.scenario.schema import Number, Scenario, value_problem
from zopa.studies.montecarlo import ErrorsJson, montecarlo, worker_pool

MAX_POINTS = 1000  # values of one lever
MAX_CELLS = 10_000  # cells of a grid: each is a Monte Carlo run and about 1 KB of JSON
CONNECT_TIMEOUT = 5.0  # seconds a Dask scheduler (and its first worker) may take to answer

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Axis:
    """One lever of the grid and its values."""

    path: str
    values: tuple[float, ...]


def parse_grid(specs: Sequence[str], sc: Scenario) -> list[Axis]:
    """``LEVER=lo:hi:n`` strings -> axes (``n`` evenly spaced values from lo to hi).

    Refuses (naming ``--grid`` and the lever) an unknown lever, a lever given twice, ``n``
    outside 1..:data:`MAX_POINTS`, more than :data:`MAX_CELLS` cells in all, and values that
    are not finite, outside the number's ``range:`` or outside what its field accepts.
    """
    found = dict(numbers(sc))
    out: list[Axis] = []
    for spec in specs:
        name, _, rng = spec.partition("=")
        path = lever_path(name.strip(), found)
        if any(a.path == path for a in out):
            raise InputError.at("--grid", None, name, f"{path} is given twice")
        lo, hi, n = _lo_hi_n(name, rng)
        number = found[path]
        for v in (lo, hi):  # every value lies between the two ends
            check_value(name, number, v)
        out.append(Axis(path, tuple(float(v) for v in np.linspace(lo, hi, n))))
    total = math.prod(len(a.values) for a in out)
    if total > MAX_CELLS:
        sizes = " x ".join(str(len(a.values)) for a in out)
        raise InputError.at(
            "--grid", None, "", f"{sizes} = {total:,} cells; at most {MAX_CELLS:,} "
            "(each cell is a Monte Carlo run): use fewer values a lever"
        )  # fmt: skip
    return out


def lever_path(path: str, found: dict[str, Any], option: str = "--grid") -> str:
    """A number's full path (a parameter's bare name works too), or bad input naming
    ``option`` (with the closest paths, and where to find them all)."""
    if path not in found and f"parameters.{path}" in found:
        path = f"parameters.{path}"
    if path not in found:
        close = sorted(p for p in found if path.split(".")[-1] in p)[:5]
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise InputError.at(
            option, None, path, f"no number at this path ({hint}`zopa levers` lists them all)"
        )
    return path


def _lo_hi_n(name: str, rng: str) -> tuple[float, float, int]:
    """``lo:hi:n`` parsed: finite ends and 1..MAX_POINTS values (checked before any array)."""
    try:
        lo_s, hi_s, n_s = rng.split(":")
        lo, hi, n = float(lo_s), float(hi_s), int(n_s)
    except ValueError:
        raise InputError.at("--grid", None, name, f"'{rng}' is not lo:hi:n") from None
    if not 1 <= n <= MAX_POINTS:
        raise InputError.at("--grid", None, name, f"n must be between 1 and {MAX_POINTS:,}")
    for v in (lo, hi):
        if not math.isfinite(v):
            raise InputError.at("--grid", None, name, f"{v} is not a finite number")
    return lo, hi, n


def check_value(name: str, number: Number, v: float, option: str = "--grid") -> None:
    """Bad input (naming ``option``) unless ``v`` lies within the number's ``range:`` and
    its field's bounds."""
    if number.range is not None and not number.range[0] <= v <= number.range[1]:
        lo, hi = number.range
        raise InputError.at(
            option, None, name, f"{v:g} is outside the number's range [{lo:g}, {hi:g}]"
        )
    msg = value_problem(v, *number.bounds)
    if msg is not None:
        raise InputError.at(option, None, name, msg)


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
    """Run every cell (in grid order) on local processes or a Dask scheduler. On any
    exception (Ctrl-C included) queued cells are cancelled and local workers stopped."""
    if scheduler is not None:
        return _on_dask(text, name, grid, draws, seed, scheduler, progress)
    if workers <= 1:
        out = []
        for cell in grid:
            out.append(run_cell(text, name, cell, draws, seed))
            if progress:
                progress(1)
        return out
    with worker_pool(workers) as pool:
        futures = [pool.submit(run_cell, text, name, cell, draws, seed) for cell in grid]
        results = []
        for f in futures:
            results.append(f.result())
            if progress:
                progress(1)
        return results


_ADDRESS = re.compile(
    r"(?:(?P<scheme>tcp|tls|ws|wss|ucx)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)"
    r":(?P<port>[0-9]{1,5})"
)


def check_address(address: str) -> str:
    """A Dask scheduler's address as ``[tcp|tls|ws|wss|ucx://]HOST:PORT`` (or an
    ``inproc://`` one, of this process), or bad input naming ``--scheduler``."""
    if address.startswith("inproc://") and len(address) > len("inproc://"):
        return address
    m = _ADDRESS.fullmatch(address.strip())
    if m is None or not 1 <= int(m["port"]) <= 65535:
        raise InputError.at(
            "--scheduler", None, "", f"{address!r} is not a scheduler address: give "
            "tcp://HOST:PORT (as the scheduler prints it; also tls://, ws://, wss://, ucx://)"
        )  # fmt: skip
    return address.strip()


def connect(address: str) -> Any:
    """A Dask client of the scheduler at ``address`` with at least one worker, within
    :data:`CONNECT_TIMEOUT` seconds each, or bad input naming ``--scheduler``."""
    from distributed import Client

    try:
        client = Client(check_address(address), timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as e:
        raise InputError.at(
            "--scheduler", None, "", f"no Dask scheduler answers at {address} within "
            f"{CONNECT_TIMEOUT:g} s ({type(e).__name__}: {str(e)[:200]})"
        ) from None  # fmt: skip
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as e:
        client.close()
        raise InputError.at(
            "--scheduler", None, "", f"the Dask scheduler at {address} has no worker "
            f"(none joined within {CONNECT_TIMEOUT:g} s: {type(e).__name__})"
        ) from None  # fmt: skip
    return client


def _on_dask(
    text: str,
    name: str,
    grid: list[dict[str, float]],
    draws: int,
    seed: int,
    scheduler: str,
    progress: Callable[[int], None] | None,
) -> list[CellJson]:
    """Every cell on a Dask scheduler (:func:`on_dask`)."""
    tasks = [(text, name, cell, draws, seed) for cell in grid]
    return on_dask(scheduler, run_cell, tasks, "cell", [1] * len(tasks), progress)


def on_dask(
    scheduler: str,
    fn: Callable[..., Any],
    tasks: list[tuple[Any, ...]],
    prefix: str,
    sizes: list[int],
    progress: Callable[[int], None] | None,
) -> list[Any]:
    """``fn(*task)`` for every task on the Dask scheduler at ``scheduler``, results in task
    order; keys name each task's inputs (runs never share one); ``progress`` gets each
    finished task's size. On any exception (Ctrl-C included) the tasks are cancelled."""
    from dask.base import tokenize
    from distributed import as_completed

    with connect(scheduler) as client:
        futures = [
            client.submit(fn, *task, pure=True, key=f"{prefix}-{i}-{tokenize(*task)}")
            for i, task in enumerate(tasks)
        ]
        index = {f.key: i for i, f in enumerate(futures)}
        try:
            for f in as_completed(futures):
                if progress:
                    progress(sizes[index[f.key]])
            return list(client.gather(futures))
        except BaseException:
            client.cancel(futures)
            raise
