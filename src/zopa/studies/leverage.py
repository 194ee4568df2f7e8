"""Leverage: swing every lever across its stated range and rank what moves an actor most.

A *lever* is any number with a ``range: [lo, hi]`` (or a distribution: its 5% and 95%
quantiles, :meth:`~zopa.scenario.distributions._Distribution.probe`), such as a cost
of war, an outcome's probability or value, trust, an influence weight, a spoiler's
threshold, a reservation, a parameter; and the existence of every option (taken off the
table: no package may contain it). For each lever, zopa sets it to each end of its range,
all else at base values, and re-analyses the whole space exactly:

- ``value``: the actor's value of the likely deal (the Nash solution over deal values), or
  its no-deal value when there is no zone;
- ``zone``: the size of the agreement zone;
- ``p_deal``: 1[zone] * P(no spoiler strikes the likely deal) * P(every decider keeps it).

Levers are ranked by the spread of the chosen metric (a tornado): where leverage still
exists, however asymmetric.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from typing_extensions import TypedDict

from zopa.analysis.outlook import Outlook, evaluate
from zopa.results import frame, rounded
from zopa.scenario.numbers import numbers
from zopa.scenario.schema import Number, Scenario
from zopa.scenario.values import Values
from zopa.space.space import Space, compile_space

if TYPE_CHECKING:
    import pandas as pd

METRICS = ("value", "zone", "p_deal")


@dataclass(frozen=True)
class Lever:
    """Something that can be swung: a number (by path) or an option (taken away)."""

    name: str
    kind: str  # "number" or "option"
    lo: float = 0.0
    hi: float = 0.0
    base: float = 0.0
    number: Number | None = None
    option: tuple[int, int] | None = None  # (issue, option) for "option"


class OutlookJson(TypedDict):
    value: float
    zone: int
    p_deal: float
    deal: dict[str, str] | None


class SwingJson(TypedDict):
    lever: str
    kind: str
    range: list[float] | None
    base: float | None
    low: OutlookJson
    high: OutlookJson
    spread: float


class LeverageJson(TypedDict):
    """``zopa leverage --json``: the metrics at base and at each end of every lever, ranked
    by the spread of the chosen metric (a tornado)."""

    actor: str
    metric: str
    base: OutlookJson
    levers: list[SwingJson]


@dataclass
class Swing:
    """One lever's effect: the metrics at each end of its range."""

    lever: Lever
    lo: Outlook
    hi: Outlook

    def spread(self, metric: str) -> float:
        return rounded(abs(self.hi.metric(metric) - self.lo.metric(metric)), 12)


@dataclass
class Leverage:
    """The tornado for one actor."""

    actor: str
    metric: str
    base: Outlook
    swings: list[Swing]

    def to_json(self) -> LeverageJson:
        """Exactly what ``zopa leverage --json`` prints."""
        return {
            "actor": self.actor,
            "metric": self.metric,
            "base": _outlook(self.base),
            "levers": [
                {
                    "lever": s.lever.name,
                    "kind": s.lever.kind,
                    "range": None if s.lever.kind == "option" else [s.lever.lo, s.lever.hi],
                    "base": None if s.lever.kind == "option" else s.lever.base,
                    "low": _outlook(s.lo),
                    "high": _outlook(s.hi),
                    "spread": rounded(s.spread(self.metric)),
                }
                for s in self.swings
            ],
        }

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """``swings``: one row per lever, ranked (lever, kind, range, each metric at each
        end, spread of the ranking metric)."""
        rows = []
        for s in self.swings:
            row: dict[str, Any] = {"lever": s.lever.name, "kind": s.lever.kind}
            number = s.lever.kind == "number"
            row.update({"low": s.lever.lo if number else None,
                        "high": s.lever.hi if number else None,
                        "base": s.lever.base if number else None})  # fmt: skip
            for end, o in (("low", s.lo), ("high", s.hi)):
                row.update({f"{m}.{end}": o.metric(m) for m in METRICS})
            row["spread"] = s.spread(self.metric)
            rows.append(row)
        return {"swings": frame(rows)}


def _outlook(o: Outlook) -> OutlookJson:
    return {"value": rounded(o.value), "zone": o.zone, "p_deal": rounded(o.p_deal),
            "deal": o.deal}  # fmt: skip


def levers(sc: Scenario) -> list[Lever]:
    """Every number with a stated range or a distribution, and every option."""
    out = []
    val = Values(sc)
    for path, n in numbers(sc):
        if n.range is not None:
            lo, hi = float(n.range[0]), float(n.range[1])
        elif n.uncertain:
            lo, hi = n.distribution.probe()
        else:
            continue
        out.append(Lever(path, "number", lo, hi, val.scalar(n), number=n))
    for k, issue in enumerate(sc.issues):
        if len(issue.options) < 2:
            continue
        for j, opt in enumerate(issue.options):
            out.append(Lever(f"{issue.id}={opt.id} removed", "option", option=(k, j)))
    return out


def without_option(space: Space, k: int, j: int) -> Space:
    """The space with option j of issue k taken off the table (no decider accepts it)."""
    allowed = list(space.allowed)
    a = allowed[k].copy()
    a[space.deciders, j] = False
    allowed[k] = a
    return dataclasses.replace(space, allowed=tuple(allowed))


def leverage(
    sc: Scenario,
    actor: str,
    metric: str = "value",
    threads: int = 2,
    progress: Callable[[int], None] | None = None,
) -> Leverage:
    """Swing every lever (see the module docstring) and rank them by ``metric``."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}")
    base_space = compile_space(sc)
    if actor not in base_space.actors:
        raise KeyError(actor)
    base = evaluate(base_space, actor)
    all_levers = levers(sc)

    def setting(lever: Lever, end: float) -> Outlook:
        if lever.kind == "option":
            assert lever.option is not None
            return evaluate(without_option(base_space, *lever.option), actor)
        assert lever.number is not None
        return evaluate(compile_space(sc, Values(sc, {id(lever.number): end})), actor)

    def swing(lever: Lever) -> Swing:
        if lever.kind == "option":
            gone = setting(lever, 0.0)
            out = Swing(lever, gone, base)
        else:
            out = Swing(lever, setting(lever, lever.lo), setting(lever, lever.hi))
        if progress:
            progress(1)
        return out

    with ThreadPoolExecutor(max(1, threads)) as pool:
        swings = list(pool.map(swing, all_levers))
    swings.sort(key=lambda s: (-s.spread(metric), s.lever.name))
    return Leverage(actor, metric, base, swings)
