"""Every number of a scenario by its field path, and the seeded draws of the uncertain ones.

One walker (:func:`walk`) visits a scenario's tree, node by node with its path: the
validated :class:`~zopa.scenario.schema.Scenario` or the raw data read from the file.
:func:`numbers` lists the scenario's numbers with their paths (``conflict.cost.IRN``,
``parameters.discount``); Monte Carlo, leverage, sweeps and forecast spreads all take their
numbers from it. The raw data, whose paths carry line numbers, is walked by the source
listing (:mod:`zopa.scenario.sources`) and the cross-checks (:mod:`zopa.scenario.check`).
:func:`judgements` lists the judgements (orders, uncertain red lines,
:mod:`zopa.scenario.judgements`) the same way. :func:`draw_table` is the draws axis: one
seeded table of uniforms, turned into draws by each distribution's inverse CDF and each
judgement's draw rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel

from zopa.scenario import judgements as jd
from zopa.scenario.judgements import Judgement
from zopa.scenario.schema import Number, Order, RedLine, Scenario
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


def in_simulation(path: str) -> bool:
    """Whether the field ``path`` lies in the ``simulation:`` block: numbers and judgements
    there shape simulated rounds only, so the static analyses, Monte Carlo and leverage
    leave them out."""
    return path == "simulation" or path.startswith(("simulation.", "simulation["))


def random_numbers(sc: Scenario) -> list[tuple[str, Number]]:
    """Every number of ``sc`` written as a distribution, with its field path (file order)."""
    return [(p, n) for p, n in numbers(sc) if n.uncertain]


def has_uncertainty(sc: Scenario) -> bool:
    """Whether a Monte Carlo run of ``sc`` draws anything: a number written as a
    distribution, an order or a red line with a probability below 1 (outside
    ``simulation:``, which Monte Carlo does not play)."""
    if any(not in_simulation(p) for p, _ in random_numbers(sc)):
        return True
    return any(
        not in_simulation(p) and (isinstance(j, Order) or j.uncertain) for p, j in judgements(sc)
    )


def judgements(sc: Scenario) -> list[tuple[str, Judgement]]:
    """Every judgement of ``sc`` with its field path (file order): each order (weights or
    an issue's utilities) and each red line with a ``probability``."""
    found = walk(sc, lambda _, x: not isinstance(x, Number | Order))
    return [
        (dotted(path), x)
        for path, x in found
        if isinstance(x, Order) or (isinstance(x, RedLine) and x.probability is not None)
    ]


@dataclass
class DrawTable:
    """The draws of a run: ``x`` (draws x numbers) for the uncertain ``nums``; for each
    uncertain judgement of ``judged``, its draws in ``jx`` (:func:`~zopa.scenario.
    judgements.draw`: draws x items for an order, booleans for a red line)."""

    nums: list[Number]
    x: np.ndarray
    judged: list[Judgement]
    jx: list[np.ndarray]

    def rows(self, a: int, b: int) -> DrawTable:
        """The draws ``a`` to ``b`` (exclusive)."""
        return DrawTable(self.nums, self.x[a:b], self.judged, [j[a:b] for j in self.jx])

    def setting(self, d: int) -> dict[int, Any]:
        """Draw ``d`` of every judgement, by ``id`` (for :class:`~zopa.scenario.values.Values`)."""
        return {id(j): v[d] for j, v in zip(self.judged, self.jx, strict=True)}


TABLE_ROWS = 1 << 15  # draws a block of the table (see draw_table)


def draw_table(
    sc: Scenario, draws: int, seed: int, fixed: dict[str, float] | None = None
) -> DrawTable:
    """The uncertain numbers and judgements and their draws, from one seeded table.

    Each uncertain thing (a number with a distribution, an order, an uncertain red line),
    in file order, takes its columns of one table of uniforms (a number one, a judgement
    :func:`~zopa.scenario.judgements.columns`). Numbers ``fixed`` by path are left out
    (their column of uniforms is still drawn, so the other numbers get the same draws
    whatever is fixed: common random numbers).
    """
    things = walk(sc, lambda _, x: not isinstance(x, Number | Order))
    found: list[tuple[str, Number | Order | RedLine]] = []
    for path, x in things:
        if in_simulation(dotted(path)):
            continue
        if (isinstance(x, Number) and x.uncertain) or (
            isinstance(x, Order | RedLine) and jd.uncertain(x)
        ):
            found.append((dotted(path), x))
    widths = [1 if isinstance(x, Number) else jd.columns(x) for _, x in found]
    start = np.concatenate([[0], np.cumsum(widths)]).astype(int)
    fixed = fixed or {}
    nums = [x for where, x in found if isinstance(x, Number) and where not in fixed]
    judged = [x for _, x in found if not isinstance(x, Number)]
    rng = np.random.default_rng(seed)
    xs = np.empty((draws, len(nums)))
    jx: list[np.ndarray] = []
    # Block by block of rows: the same stream of uniforms as one (draws, width) table, but
    # every numpy call stays short, so that Ctrl-C is acted on at once (a signal handler
    # runs between calls: one call over 2 million draws took a second), and the uniforms
    # never take more than a block's memory.
    for a in range(0, max(draws, 1), TABLE_ROWS):  # one empty block when draws is 0
        b = min(draws, a + TABLE_ROWS)
        u = rng.random((b - a, int(start[-1])))
        u[u == 0.0] = 2.0**-54
        c = j = 0
        for k, (where, x) in enumerate(found):
            part = u[:, start[k] : start[k + 1]]
            if isinstance(x, Number):
                if where not in fixed:
                    xs[a:b, c] = x.distribution.ppf(part[:, 0])
                    c += 1
                continue
            v = jd.draw(x, part)
            if a == 0:
                jx.append(np.empty((draws, *v.shape[1:]), dtype=v.dtype))
            jx[j][a:b] = v
            j += 1
    return DrawTable(nums, xs, judged, jx)


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
