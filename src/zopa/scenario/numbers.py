"""Every number of a scenario by its field path, and the seeded draws of the uncertain ones.

One walker (:func:`numbers`) lists a scenario's numbers in file order with their paths
(``conflict.cost.IRN``, ``parameters.discount``); Monte Carlo, leverage, sweeps and
forecast spreads all take their numbers from it. :func:`draw_table` is the draws axis:
one seeded table of uniforms, turned into draws by each distribution's inverse CDF.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel

from zopa.scenario.schema import Number, Scenario


def numbers(sc: Scenario) -> list[tuple[str, Number]]:
    """Every number of ``sc`` with its field path (file order), e.g. ``conflict.cost.IRN``."""
    out: list[tuple[str, Number]] = []

    def walk(x: Any, path: str) -> None:
        if isinstance(x, Number):
            out.append((path, x))
            return
        if isinstance(x, BaseModel):
            for name in type(x).model_fields:
                walk(getattr(x, name), f"{path}.{name}" if path else name)
            for name, v in (x.__pydantic_extra__ or {}).items():
                walk(v, f"{path}.{name}")
        elif isinstance(x, list):
            for i, v in enumerate(x):
                walk(v, f"{path}[{i}]")
        elif isinstance(x, dict):
            for k, v in x.items():
                walk(v, f"{path}.{k}")

    walk(sc, "")
    return out


def random_numbers(sc: Scenario) -> list[tuple[str, Number]]:
    """Every number of ``sc`` written as a distribution, with its field path (file order)."""
    return [(p, n) for p, n in numbers(sc) if n.uncertain]


def draw_table(
    sc: Scenario, draws: int, seed: int, fixed: dict[str, float] | None = None
) -> tuple[list[Number], np.ndarray]:
    """The uncertain numbers and their draws (draws x numbers), from one seeded table.

    Numbers ``fixed`` by path are left out (their column of uniforms is still drawn, so
    the other numbers get the same draws whatever is fixed: common random numbers).
    """
    found = random_numbers(sc)
    u = np.random.default_rng(seed).random((draws, len(found)))
    u[u == 0.0] = 2.0**-54
    keep = [j for j, (p, _) in enumerate(found) if p not in (fixed or {})]
    nums = [found[j][1] for j in keep]
    x = np.empty((draws, len(keep)))
    for col, j in enumerate(keep):
        x[:, col] = found[j][1].distribution.ppf(u[:, j])
    return nums, x


def fixed_numbers(sc: Scenario, fixed: dict[str, float] | None) -> dict[int, float]:
    """Numbers set by path (``parameters.NAME`` or a field path) -> {id(number): value}."""
    if not fixed:
        return {}
    by_path = dict(numbers(sc))
    out = {}
    for path, v in fixed.items():
        if path not in by_path:
            raise KeyError(path)
        out[id(by_path[path])] = float(v)
    return out
