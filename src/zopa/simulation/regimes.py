"""The numbers talks run on, as shocks change them: one compiled space per *regime*.

A regime is the scenario once some shocks have happened (preference changes, trust
changes: :mod:`zopa.scenario.shocks`) and the ``dynamics:`` drifts have run for some
periods. Each regime compiles once (:func:`zopa.space.space.compile_space`) into every
decider's value of every package (its deal value: credibility and spoilers count) and the
:class:`~zopa.simulation.tables.Table` its strategy reads. Runs move between regimes by
index; a batch of runs shares them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zopa.analysis.conflict import drifted
from zopa.scenario.schema import Number, Scenario, Shock, UtilityMap
from zopa.scenario.shocks import shocked
from zopa.scenario.values import Values
from zopa.simulation.tables import Table, make_table
from zopa.space.space import Space, compile_space

CHUNK = 1 << 17  # packages valued at once
MAX_PACKAGES = 20_000_000
"""The largest outcome space a simulation values package by package (each decider's value
of every package is kept: 8 bytes a package a decider, twice)."""


@dataclass(frozen=True)
class Regime:
    """One regime: its space, and per decider its value table."""

    applied: tuple[int, ...]  # indices of the shocks that have happened
    period: int  # periods of drift
    space: Space
    tables: tuple[Table, ...]

    def values(self, packages: np.ndarray) -> np.ndarray:
        """(deciders, n): every decider's value of ``packages``."""
        return np.stack([t.value[packages] for t in self.tables])

    def acceptable(self, packages: np.ndarray) -> np.ndarray:
        """(deciders, n): whether each decider accepts ``packages`` at all."""
        return np.stack([t.acceptable(packages) for t in self.tables])


def _valued(space: Space) -> tuple[np.ndarray, np.ndarray]:
    """(deciders, P) deal values and whether the red lines (and reference-package floors)
    hold, chunk by chunk."""
    n = len(space.deciders)
    size = space.size
    value = np.empty((n, size))
    ok = np.empty((n, size), dtype=bool)
    floor = space.floor[space.deciders] if space.floor is not None else None
    for a in range(0, size, CHUNK):
        idx = np.arange(a, min(size, a + CHUNK))
        value[:, a : a + len(idx)] = space.values(idx)
        good = space.red_line_ok(idx)
        if floor is not None and not space.linear and np.isfinite(floor).any():
            plain = space.utilities(idx)
            good &= plain >= floor[:, None] - 1e-9
        ok[:, a : a + len(idx)] = good
    return value, ok


def _extremes(space: Space, i: int) -> tuple[int, int] | None:
    """Decider i's (worst, best) packages issue by issue (NegMAS's ``extreme_outcomes`` of
    a linear-additive function), when its value is linear additive and has no red lines."""
    a = int(space.deciders[i])
    if not space.linear or not all(bool(x[a].all()) for x in space.allowed):
        return None
    # NegMAS keeps the first least and the last greatest value of each issue
    lo = [int(np.argmin(t[a])) for t in space.tables]
    hi = [len(t[a]) - 1 - int(np.argmax(t[a][::-1])) for t in space.tables]
    return int(np.ravel_multi_index(lo, space.shape)), int(np.ravel_multi_index(hi, space.shape))


def tables_of(space: Space) -> tuple[Table, ...]:
    """Every decider's :class:`Table` in ``space``."""
    value, ok = _valued(space)
    res = space.accept_at if space.linear else space.reservation
    return tuple(
        make_table(value[i], ok[i], float(res[d]), _extremes(space, i))
        for i, d in enumerate(space.deciders)
    )


def _with_trust(sc: Scenario, shocks: list[Shock]) -> Scenario:
    """``sc`` with the trust changes of ``shocks`` added to ``credibility.trust`` (clipped
    to [0, 1]; a pair without trust starts from 1)."""
    if sc.credibility is None or not shocks:
        return sc
    val = Values(sc)
    trust = {i: dict(row.numbers()) for i, row in sc.credibility.trust.items()}
    for sh in shocks:
        for i, row in sh.trust.items():
            for j, delta in row.numbers().items():
                old = trust.setdefault(i, {}).get(j)
                base = val.scalar(old, 1.0) if old is not None else 1.0
                new = min(1.0, max(0.0, base + val.scalar(delta)))
                trust[i][j] = Number(value=new)
    rows = {i: UtilityMap.model_validate(row) for i, row in trust.items()}
    cred = sc.credibility.model_copy(update={"trust": rows})
    out = sc.model_copy(update={"credibility": cred})
    out._source = sc._source
    return out


class Regimes:
    """The regimes of one scenario, compiled on first use and numbered."""

    def __init__(self, sc: Scenario, shocks: list[Shock], periods: int | None = None) -> None:
        self.sc = sc
        self.shocks = shocks
        self.periods = periods  # how many periods dynamics drift (None: no drift)
        self.items: list[Regime] = []
        self._index: dict[tuple[tuple[int, ...], int], int] = {}

    def get(self, applied: tuple[int, ...], period: int = 0) -> int:
        """The number of the regime once ``applied`` shocks have happened, ``period``
        periods into the drift."""
        period = min(period, self.periods) if self.periods is not None else 0
        key = (tuple(sorted(set(applied))), period)
        hit = self._index.get(key)
        if hit is not None:
            return hit
        happened = [self.shocks[k] for k in key[0]]
        sc = _with_trust(shocked(self.sc, happened), [s for s in happened if s.kind == "trust"])
        values = drifted(sc, period) if period and sc.dynamics is not None else Values(sc)
        space = compile_space(sc, values)
        self.items.append(Regime(key[0], period, space, tables_of(space)))
        self._index[key] = len(self.items) - 1
        return len(self.items) - 1

    def __getitem__(self, k: int) -> Regime:
        return self.items[k]
