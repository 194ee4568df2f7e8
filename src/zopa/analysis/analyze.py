"""Agreement analysis of a compiled space: the result object and its JSON form.

:func:`analyze` is a pure function of a :class:`~zopa.space.space.Space`: the agreement
zone (under the decision rule) and the unanimous set, which deciders bind, the Pareto
frontier of the zone, the bargaining solutions (over the unanimous set; ties go to the
lowest package index), the top packages of the zone and, when the zone is empty, the
closest packages with each decider's shortfall. Presentation reads the :class:`Analysis`
and computes nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from typing_extensions import TypedDict

from zopa.analysis.pareto import coalition_frontier, zone_frontier
from zopa.analysis.scan import CHUNK, SOLUTIONS, scan
from zopa.analysis.solutions import OBJECTIVES
from zopa.results import frame, package_rows, rounded, rounded_map
from zopa.space.space import Space

if TYPE_CHECKING:
    import pandas as pd


class PackageJson(TypedDict):
    """A package: its index, the option on every issue, each decider's utility and gain."""

    index: int
    package: dict[str, str]
    utilities: dict[str, float]
    gains: dict[str, float]


class SolutionJson(PackageJson):
    """A bargaining solution: the package, what the solution maximises (in words) and
    that quantity's value."""

    objective: str
    value: float


class ClosestJson(PackageJson):
    """A package near an empty zone: how far each decider falls short, whose red lines."""

    largest_shortfall: float
    shortfall: dict[str, float]
    red_lines_crossed: list[str]


class DecisionJson(TypedDict):
    rule: str
    at_least: int


class ZoneJson(TypedDict):
    size: int
    unanimous: int
    share: float


class BindingJson(TypedDict):
    reservation: float
    red_lines_remove: int
    reservation_removes: int
    sole_objector: int


class ParetoJson(TypedDict):
    """The frontier: its size and first packages, or (``computed`` false) None and the
    estimated seconds it would have taken past the budget."""

    size: int | None
    computed: bool
    estimated_seconds: float | None
    packages: list[PackageJson]


class AnalysisJson(TypedDict):
    """The agreement analysis of ``zopa analyze --json`` (without its ``model`` part)."""

    scenario: str
    title: str
    outcomes: int
    deciders: list[str]
    measure: str
    decision: DecisionJson
    agreement_zone: ZoneJson
    binding: dict[str, BindingJson]
    pareto: ParetoJson
    solutions: dict[str, SolutionJson | None]
    top: list[PackageJson]
    closest: list[ClosestJson]


@dataclass
class PackageView:
    """A package with what each decider gets from it."""

    index: int
    package: dict[str, str]
    utilities: dict[str, float]
    gains: dict[str, float]

    def to_json(self) -> PackageJson:
        return {
            "index": self.index,
            "package": self.package,
            "utilities": rounded_map(self.utilities),
            "gains": rounded_map(self.gains),
        }


@dataclass
class Solution(PackageView):
    value: float = 0.0
    objective: str = ""  # what it maximises (zopa.analysis.solutions.OBJECTIVES)

    def to_json(self) -> SolutionJson:
        return {**super().to_json(), "objective": self.objective, "value": rounded(self.value)}


@dataclass
class Closest(PackageView):
    shortfall: dict[str, float] = field(default_factory=dict)
    red_lines_crossed: list[str] = field(default_factory=list)  # whose red lines it crosses

    def to_json(self) -> ClosestJson:
        return {
            **super().to_json(),
            "largest_shortfall": rounded(max(self.shortfall.values(), default=0.0)),
            "shortfall": rounded_map(self.shortfall),
            "red_lines_crossed": self.red_lines_crossed,
        }


@dataclass
class Binding:
    """How a decider's constraints shape the zone (counts of packages over the space)."""

    decider: str
    reservation: float
    red_lines_remove: int
    reservation_removes: int
    sole_objector: int  # packages every other decider accepts but this one rejects


@dataclass
class Analysis:
    """Everything ``zopa analyze`` reports."""

    scenario: str
    title: str
    outcomes: int
    deciders: list[str]
    rule: str
    quota: int
    zone: int
    unanimous: int
    binding: list[Binding]
    pareto_size: int | None  # None: not computed, over the frontier budget
    pareto: list[PackageView]  # the first ``pareto_limit`` frontier packages, by index
    solutions: dict[str, Solution | None]
    top: list[PackageView]
    closest: list[Closest]
    measure: str = "utility"  # what ``utilities`` hold: "utility" or "deal value"
    pareto_estimate: float | None = None  # seconds the frontier would take, if not computed

    @property
    def share(self) -> float:
        return self.zone / self.outcomes if self.outcomes else 0.0

    def to_json(self) -> AnalysisJson:
        """The agreement analysis as ``zopa analyze --json`` prints it (without ``model``)."""
        return {
            "scenario": self.scenario,
            "title": self.title,
            "outcomes": self.outcomes,
            "deciders": self.deciders,
            "measure": self.measure,
            "decision": {"rule": self.rule, "at_least": self.quota},
            "agreement_zone": {
                "size": self.zone,
                "unanimous": self.unanimous,
                "share": self.share,
            },
            "binding": {
                b.decider: {
                    "reservation": b.reservation,
                    "red_lines_remove": b.red_lines_remove,
                    "reservation_removes": b.reservation_removes,
                    "sole_objector": b.sole_objector,
                }
                for b in self.binding
            },
            "pareto": {
                "size": self.pareto_size,
                "computed": self.pareto_size is not None,
                "estimated_seconds": (
                    None if self.pareto_estimate is None else round(self.pareto_estimate, 1)
                ),
                "packages": [p.to_json() for p in self.pareto],
            },
            "solutions": {k: (s.to_json() if s else None) for k, s in self.solutions.items()},
            "top": [p.to_json() for p in self.top],
            "closest": [c.to_json() for c in self.closest] if self.zone == 0 else [],
        }

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """``solutions``, ``frontier`` (one row per frontier package shown), ``binds``,
        ``top`` and ``closest``: one row per package or decider."""
        solutions = [
            row
            for name, s in self.solutions.items()
            if s is not None
            for row in package_rows(
                [s], {"solution": name, "objective": s.objective, "value": s.value}
            )
        ]
        binds = [
            {"decider": b.decider, "reservation": b.reservation,
             "red_lines_remove": b.red_lines_remove,
             "reservation_removes": b.reservation_removes, "sole_objector": b.sole_objector}
            for b in self.binding
        ]  # fmt: skip
        near = self.closest if self.zone == 0 else []
        closest = package_rows(near)
        for row, c in zip(closest, near, strict=True):
            row.update({f"shortfall.{d}": v for d, v in c.shortfall.items()})
            row["red_lines_crossed"] = ", ".join(c.red_lines_crossed)
        return {
            "solutions": frame(solutions),
            "frontier": frame(package_rows(self.pareto)),
            "binds": frame(binds),
            "top": frame(package_rows(self.top)),
            "closest": frame(closest),
        }


def _view(space: Space, idx: int, cls: type[PackageView] = PackageView, **kw: Any) -> Any:
    return _views(space, np.array([idx]), cls, **kw)[0]


def _views(
    space: Space, idx: np.ndarray, cls: type[PackageView] = PackageView, **kw: Any
) -> list[Any]:
    """Views of the packages ``idx``: their values computed at once, one array pass."""
    idx = np.asarray(idx, dtype=np.int64)
    if idx.size == 0:
        return []
    u = space.values(idx)  # (deciders, n)
    g = u - space.reservation[space.deciders][:, None]
    digits = space.digits(idx)
    ids = space.decider_ids
    names = space.options
    return [
        cls(
            index=int(i),
            package={k: names[j][int(d[j])] for j, k in enumerate(space.issues)},
            utilities=dict(zip(ids, u[:, n].tolist(), strict=True)),
            gains=dict(zip(ids, g[:, n].tolist(), strict=True)),
            **kw,
        )
        for n, (i, d) in enumerate(zip(idx, digits, strict=True))
    ]


CONSTRUCT_DECIDERS = 3
"""The issue-by-issue construction is used with at most this many deciders (and linear
deal values): with more, almost every partial package is undominated and scanning the
zone and filtering it costs less (bench/bench_analyze.py, the many-decider cases)."""

FRONTIER_BUDGET = 3.0
"""Seconds of dominance filtering :func:`analyze` spends on a streamed frontier by default
(``zopa analyze --frontier-budget``); past it the frontier is reported as not computed."""


def constructs(space: Space) -> bool:
    """Whether the zone's frontier is built issue by issue (else streamed from the scan)."""
    return space.linear and len(space.deciders) <= CONSTRUCT_DECIDERS


def frontier(
    space: Space,
    threads: int = 2,
    chunk: int = CHUNK,
    max_coalitions: int = 256,
    budget: float | None = None,
) -> np.ndarray | None:
    """Package indices (ascending) of the agreement zone's Pareto frontier (deal values),
    built issue by issue (:func:`constructs`) or streamed chunk by chunk; None if the
    streamed filter passes ``budget`` seconds."""
    if constructs(space):
        built = zone_frontier(space, max_coalitions)
        if built is not None:
            return built
    res = scan(space, top=0, closest=0, threads=threads, chunk=chunk, front=True, ks=False,
               front_budget=budget)  # fmt: skip
    return res.front


def analyze(
    space: Space,
    top: int = 10,
    closest: int = 5,
    threads: int = 2,
    pareto_limit: int = 1000,
    chunk: int = CHUNK,
    frontier_budget: float | None = FRONTIER_BUDGET,
) -> Analysis:
    """Analyse the agreement zone of ``space`` (see the module docstring).

    The frontier is built issue by issue when that pays (:func:`constructs`), else
    streamed in the same pass with at most ``frontier_budget`` seconds of filtering (None:
    whatever it takes); past it ``pareto_size`` is None and ``pareto_estimate`` says how
    long it would take. The zone, binding and solutions never wait for it.
    """
    una_front = np.zeros(0, dtype=np.int64)
    best_u = None
    built = constructs(space)
    if built:  # the unanimous set's frontier gives each decider's best (for KS)
        una_front = coalition_frontier(space, space.deciders)
        best_u = space.utilities(una_front).max(1) if len(una_front) else None
    streamed = not built  # no issue-by-issue construction: stream it in the pass
    res = scan(space, top=top, closest=closest, threads=threads, chunk=chunk, best_u=best_u,
               front=streamed, front_budget=frontier_budget)  # fmt: skip
    front: np.ndarray | None
    if not res.zone:
        front = np.zeros(0, dtype=np.int64)
    elif streamed:
        front = res.front
    elif space.unanimity:
        front = una_front
    else:
        front = frontier(space, threads, chunk)
    who = space.deciders
    ids = space.decider_ids
    solutions: dict[str, Solution | None] = {}
    for name in SOLUTIONS:
        found = res.solutions.get(name)
        solutions[name] = (
            _view(space, found[0], Solution, value=found[1], objective=OBJECTIVES[name])
            if found
            else None
        )
    closest_views = []
    for i in res.closest:
        u = space.values(int(i))
        crit = space.criteria(int(i)) if space.deal is not None else None
        ok = space.red_line_ok(int(i))[:, 0]
        short = space.shortfall(u, crit)[:, 0]
        closest_views.append(
            _view(
                space,
                int(i),
                Closest,
                shortfall=dict(zip(ids, map(float, short), strict=True)),
                red_lines_crossed=[d for d, o in zip(ids, ok, strict=True) if not o],
            )
        )
    binding = [
        Binding(
            decider=d,
            reservation=float(space.reservation[who][j]),
            red_lines_remove=int(res.red_removed[j]),
            reservation_removes=int(res.res_removed[j]),
            sole_objector=int(res.only_objector[j]),
        )
        for j, d in enumerate(ids)
    ]
    return Analysis(
        scenario=space.scenario,
        title=space.title,
        outcomes=space.size,
        deciders=list(ids),
        rule="unanimity" if space.unanimity else "quota",
        quota=space.quota,
        zone=res.zone,
        unanimous=res.unanimous,
        binding=binding,
        pareto_size=None if front is None else len(front),
        pareto=[] if front is None else _views(space, front[:pareto_limit]),
        solutions=solutions,
        top=_views(space, np.asarray(res.top, dtype=np.int64)),
        closest=closest_views,
        measure="utility" if space.linear else "deal value",
        pareto_estimate=res.front_estimate,
    )


SECONDS_START = 0.5
"""Seconds of a run that do not grow with the space (start-up, reading the file, the
solutions, the output): 0.4 to 0.6 s end to end on a small scenario."""
SECONDS_LINEAR = 9e-9
"""Seconds :func:`analyze` (``zopa analyze``, 2 threads) takes per package and decider when
deal values are linear. Measured on 2 cores (``bench/bench_refusal.py``, end to end, after
issue 12's allocator setting in the CLI): 60.5 million packages, 3 deciders, random
utilities: 2.0 to 2.3 s with reservations 0.45 (a small zone), 1.9 to 3.1 s with
reservations 0 (the whole space in the zone); the estimate is 2.1 s. Before it: 2.7 to 3.8
s and 4.1 to 5.8 s; before issue 12's scan in C-ordered columns: 6.7 to 9.7 s and 16.8 to
27.6 s."""
SECONDS_DEAL = 3.3e-8
"""The same with a deal model (credibility or spoilers), reservations 0.45: 43 million
packages, 3 deciders: 4.2 to 5.4 s (estimate 4.8 s); 4.8 million: 1.3 s (estimate
1.0 s). Before issue 12: 74 s and 5.3 s."""


def estimate_seconds(n_packages: int, n_deciders: int, linear: bool = True) -> float:
    """Rough wall time of :func:`analyze` on this machine class (for refusals up front):
    :data:`SECONDS_START` plus ``n_packages * n_deciders`` times :data:`SECONDS_LINEAR` or,
    with a deal model (``linear`` False), :data:`SECONDS_DEAL`; ``math.inf`` past what a
    float holds.

    Red lines that remove most packages make a run faster; a large Pareto frontier (four
    deciders or more with unrelated utilities) makes it slower, up to the frontier's time
    budget (``--frontier-budget``): 5 deciders, 4.8 million packages with a deal model
    (a zone of 400,000, a frontier of 6,300) took 4.5 s, 3 times this estimate.
    """
    rate = SECONDS_LINEAR if linear else SECONDS_DEAL
    try:
        return SECONDS_START + float(n_packages) * max(1, n_deciders) * rate
    except OverflowError:  # more packages than a float holds (10^308)
        return math.inf
