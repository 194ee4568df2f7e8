"""Every number of a scenario by its field path, and the seeded draws of the uncertain ones.

One walker (:func:`walk`) visits a scenario's tree, node by node with its path: the
validated :class:`~zopa.scenario.schema.Scenario` or the raw data read from the file.
:func:`numbers` lists the scenario's numbers with their paths (``conflict.cost.IRN``,
``parameters.discount``); Monte Carlo, leverage, sweeps and forecast spreads all take their
numbers from it. The raw data, whose paths carry line numbers, is walked by the source
listing (:mod:`zopa.scenario.sources`) and the cross-checks (:mod:`zopa.scenario.check`).
:func:`draw_table` is the draws axis: one seeded table of uniforms, turned into draws by
each distribution's inverse CDF.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from pydantic import BaseModel

from zopa.scenario.schema import Number, Scenario
from zopa.scenario.yamlfile import Path_, dotted


def walk(
    tree: Any, descend: Callable[[Path_, Any], bool] | None = None
) -> Iterator[tuple[Path_, Any]]:
    """Every node of ``tree`` with its path (keys and list indices), parents first.

    A model's children are its fields in declaration order, then its extra keys; a
    mapping's and a list's are in their order (file order for data read from a file).
    ``descend(path, node)`` says whether to visit the node's children (default: always).
    """

    def go(x: Any, path: Path_) -> Iterator[tuple[Path_, Any]]:
        yield path, x
        if descend is not None and not descend(path, x):
            return
        if isinstance(x, BaseModel):
            for name in type(x).model_fields:
                yield from go(getattr(x, name), (*path, name))
            for name, v in (x.__pydantic_extra__ or {}).items():
                yield from go(v, (*path, name))
        elif isinstance(x, dict):
            for k, v in x.items():
                yield from go(v, (*path, k))
        elif isinstance(x, list):
            for i, v in enumerate(x):
                yield from go(v, (*path, i))

    return go(tree, ())


def numbers(sc: Scenario) -> list[tuple[str, Number]]:
    """Every number of ``sc`` with its field path (file order), e.g. ``conflict.cost.IRN``.

    Numbers the file leaves out are listed too, at their default (an actor's capability,
    a constraint's margin)."""
    found = walk(sc, lambda _, x: not isinstance(x, Number))
    return [(dotted(path), x) for path, x in found if isinstance(x, Number)]


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
