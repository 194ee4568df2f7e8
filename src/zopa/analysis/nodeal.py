"""What the no-deal model adds to ``zopa analyze``, and ``zopa package``'s breakdown.

- the no-deal outcomes and how each decider's reservation is derived from them;
- for the assumed deal (the Nash solution), each decider's deal value taken apart: its
  effective utility of the package, its trust that each counterpart keeps it, its kept
  value, each spoiler's strike probability, and the resulting deal value;
- Fearon's and Powell's analyses (:mod:`zopa.analysis.conflict`);
- :func:`score_package`: the same breakdown for any package (by default the Nash deal
  with some options changed), with whether each decider accepts it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from typing_extensions import TypedDict

from zopa.analysis.analyze import Analysis
from zopa.analysis.conflict import (
    ConflictJson,
    ConflictReport,
    PeriodJson,
    conflict_report,
    deal_over_time,
)
from zopa.analysis.scan import scan
from zopa.errors import InputError, Problem
from zopa.results import frame, rounded, rounded_map
from zopa.scenario import judgements as jd
from zopa.scenario.compound import split_package
from zopa.scenario.schema import Scenario
from zopa.scenario.values import Values
from zopa.space.space import Space

if TYPE_CHECKING:
    import pandas as pd


class OutcomeJson(TypedDict):
    id: str
    name: str
    probability: float
    war: bool


class ReservationJson(TypedDict):
    value: float
    derived: bool
    outcome_values: dict[str, float]


class NoDealJson(TypedDict):
    outcomes: list[OutcomeJson]
    reservations: dict[str, ReservationJson]


class DeciderValueJson(TypedDict):
    utility: float
    trust: dict[str, float]
    kept_value: float
    deal_value: float


class LikelyDealJson(TypedDict):
    package: dict[str, str]
    strike_probability: dict[str, float]
    deciders: dict[str, DeciderValueJson]


class ModelJson(TypedDict):
    """The no-deal model's part of ``zopa analyze --json`` (its ``model`` key)."""

    no_deal: NoDealJson
    constraint_floors: dict[str, float]
    likely_deal: LikelyDealJson | None
    conflict: ConflictJson | None
    over_time: list[PeriodJson] | None


class ScoredDeciderJson(DeciderValueJson):
    reservation: float
    accepts: bool
    red_line_crossed: bool
    red_lines: list[str]
    floor: float | None
    floor_from: list[str]
    shortfall: float


class PackageScoreJson(TypedDict):
    """``zopa package --json``: one package taken apart."""

    package: dict[str, str]
    index: int
    strike_probability: dict[str, float]
    deciders: dict[str, ScoredDeciderJson]


@dataclass
class Derivation:
    """One decider's reservation: given, or the expected value over the no-deal outcomes."""

    decider: str
    reservation: float
    derived: bool
    values: dict[str, float]  # outcome -> value


@dataclass
class Breakdown:
    """A decider's deal value of one package, taken apart."""

    decider: str
    utility: float  # effective utility of the package as written
    trust: dict[str, float]  # counterpart -> probability it keeps the deal
    kept: float  # expected utility over the counterparts' reneging
    deal_value: float

    def row(self) -> dict[str, object]:
        """One table row: decider, utility, kept value, deal value, trust in each other."""
        trust = {f"trust.{k}": v for k, v in self.trust.items()}
        return {"decider": self.decider, "utility": self.utility, "kept_value": self.kept,
                "deal_value": self.deal_value, **trust}  # fmt: skip

    def to_json(self) -> DeciderValueJson:
        return {
            "utility": rounded(self.utility),
            "trust": rounded_map(self.trust),
            "kept_value": rounded(self.kept),
            "deal_value": rounded(self.deal_value),
        }


@dataclass
class ModelReport:
    """The no-deal model's part of ``zopa analyze`` (empty parts when not modelled)."""

    outcomes: list[tuple[str, str, float, bool]]  # id, name, probability, war
    derivations: list[Derivation]
    deal: dict[str, str] | None = None
    breakdown: list[Breakdown] = field(default_factory=list)
    strike: dict[str, float] = field(default_factory=dict)  # spoiler -> P(strike) at the deal
    floors: dict[str, float] = field(default_factory=dict)  # decider -> constraint floor
    conflict: ConflictReport | None = None
    periods: list[PeriodJson] = field(default_factory=list)  # dynamics: period by period

    def to_json(self) -> ModelJson:
        return {
            "no_deal": {
                "outcomes": [
                    {"id": o, "name": n, "probability": rounded(p), "war": w}
                    for o, n, p, w in self.outcomes
                ],
                "reservations": {
                    d.decider: {
                        "value": rounded(d.reservation),
                        "derived": d.derived,
                        "outcome_values": rounded_map(d.values),
                    }
                    for d in self.derivations
                },
            },
            "constraint_floors": rounded_map(self.floors),
            "likely_deal": None
            if self.deal is None
            else {
                "package": self.deal,
                "strike_probability": rounded_map(self.strike),
                "deciders": {b.decider: b.to_json() for b in self.breakdown},
            },
            "conflict": None if self.conflict is None else self.conflict.to_json(),
            "over_time": self.periods or None,
        }

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """``no_deal`` (one row per outcome: probability, war, each decider's value) and
        ``likely_deal`` (one row per decider: utility, kept value, deal value)."""
        rows = []
        for o, n, prob, war in self.outcomes:
            row: dict[str, object] = {"outcome": o, "name": n, "probability": prob, "war": war}
            row.update({f"value.{d.decider}": d.values.get(o) for d in self.derivations})
            rows.append(row)
        return {"no_deal": frame(rows), "likely_deal": frame([b.row() for b in self.breakdown])}


def model_report(
    sc: Scenario, space: Space, analysis: Analysis, over_time: bool = False
) -> ModelReport:
    """Derivations, the assumed deal's breakdown and the conflict analyses; with
    ``over_time``, the deal period by period as ``dynamics:`` drifts the parameters (one
    full analysis per period)."""
    scal = space.scalars
    assert scal is not None
    who = [int(d) for d in space.deciders]
    outcomes = [
        (o, n, float(scal.probability[k, 0]), bool(scal.war[k]))
        for k, (o, n) in enumerate(zip(scal.outcomes, scal.names, strict=True))
    ]
    derivations = [
        Derivation(
            decider=space.actors[d],
            reservation=float(space.reservation[d]),
            derived=sc.preferences[space.actors[d]].reservation is None and bool(outcomes),
            values={
                o: float(scal.value[d, k, 0])
                for k, o in enumerate(scal.outcomes)
                if np.isfinite(scal.value[d, k, 0])
            },
        )
        for d in who
    ]
    report = ModelReport(outcomes, derivations)
    if space.floor is not None:
        report.floors = {
            space.actors[d]: float(space.floor[d]) for d in who if np.isfinite(space.floor[d])
        }
    nash = analysis.solutions.get("nash")
    if nash is not None:
        report.deal = nash.package
        report.breakdown, report.strike = _breakdown(sc, space, nash.index)
    report.conflict = conflict_report(sc, space, nash.index if nash else None, Values(sc))
    if over_time and sc.dynamics is not None:
        report.periods = deal_over_time(sc)
    return report


def _breakdown(sc: Scenario, space: Space, index: int) -> tuple[list[Breakdown], dict[str, float]]:
    ids = space.decider_ids
    plain = space.utilities(index)[:, 0]
    value = space.values(index)[:, 0]
    deal = space.deal
    if deal is None:
        rows = [Breakdown(d, float(plain[p]), {}, float(plain[p]), float(value[p]))
                for p, d in enumerate(ids)]  # fmt: skip
        return rows, {}
    crit = space.criteria(index)
    strikes = deal.strike(crit)
    out = []
    for p, d in enumerate(ids):
        trust = {
            ids[j]: float(np.asarray(deal.keep_probability(crit, p, j)).reshape(-1)[0])
            for j in range(deal.n)
            if j != p and deal.credible
        }
        kept = float(np.asarray(deal.kept_value(crit, p)).reshape(-1)[0])
        out.append(Breakdown(d, float(plain[p]), trust, kept, float(value[p])))
    strike = {sp.actor: float(s[0]) for sp, s in zip(sc.spoilers, strikes, strict=True)}
    return out, strike


@dataclass
class PackageScore:
    """One package taken apart (``zopa package``): each decider's breakdown, reservation,
    shortfall and whether it accepts; the spoilers' strike probabilities."""

    package: dict[str, str]
    index: int
    breakdown: list[Breakdown]
    strike: dict[str, float]
    reservation: dict[str, float]
    accepts: dict[str, bool]
    red_line_crossed: dict[str, bool]
    shortfall: dict[str, float]
    red_lines: dict[str, list[str]] = field(default_factory=dict)  # the red lines it crosses
    floor: dict[str, float | None] = field(default_factory=dict)  # least utility constraints set
    floor_from: dict[str, list[str]] = field(default_factory=dict)  # the packages it must beat

    def to_json(self) -> PackageScoreJson:
        return {
            "package": self.package,
            "index": self.index,
            "strike_probability": rounded_map(self.strike),
            "deciders": {
                b.decider: {
                    **b.to_json(),
                    "reservation": rounded(self.reservation[b.decider]),
                    "accepts": self.accepts[b.decider],
                    "red_line_crossed": self.red_line_crossed[b.decider],
                    "red_lines": self.red_lines.get(b.decider, []),
                    "floor": _maybe(self.floor.get(b.decider)),
                    "floor_from": self.floor_from.get(b.decider, []),
                    "shortfall": rounded(self.shortfall[b.decider]),
                }
                for b in self.breakdown
            },
        }

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """``deciders``: one row per decider (its breakdown, reservation, shortfall, whether
        it accepts); ``spoilers``: one row per spoiler."""
        rows = [
            {**b.row(), "reservation": self.reservation[b.decider],
             "accepts": self.accepts[b.decider],
             "red_line_crossed": self.red_line_crossed[b.decider],
             "red_lines": "; ".join(self.red_lines.get(b.decider, [])),
             "floor": self.floor.get(b.decider), "shortfall": self.shortfall[b.decider]}
            for b in self.breakdown
        ]  # fmt: skip
        strike = [{"spoiler": k, "strike_probability": v} for k, v in self.strike.items()]
        return {"deciders": frame(rows), "spoilers": frame(strike)}


def _maybe(x: float | None) -> float | None:
    return None if x is None else rounded(x)


def crossed_red_lines(sc: Scenario, actor: str, package: dict[str, str]) -> list[str]:
    """The red lines of ``actor`` that ``package`` (keyed by the outcome space's issues)
    crosses, as ``issue not option, ...``; the uncertain ones as the deterministic analyses
    take them (kept when their probability is at least 0.5)."""
    chosen = split_package(sc, package)
    prefs = sc.preferences.get(actor)
    out = []
    for r in prefs.red_lines if prefs is not None else []:
        if jd.included(r) and chosen.get(r.issue) in r.not_:
            out.append(f"{r.issue} not {', '.join(r.not_)}")
    return out


def _floors(sc: Scenario, space: Space) -> tuple[dict[str, float | None], dict[str, list[str]]]:
    """Each decider's constraint floor (None: no constraint) and the packages it must beat."""
    ids = space.decider_ids
    floor: dict[str, float | None] = {}
    for p, d in enumerate(ids):
        f = None if space.floor is None else float(space.floor[space.deciders[p]])
        floor[d] = f if f is not None and np.isfinite(f) else None
    beats = {d: [c.beats for c in sc.constraints if c.actor == d] for d in ids}
    return floor, beats


def package_from(
    space: Space, changes: dict[str, str] | None = None, reference: str | None = None
) -> dict[str, str]:
    """The Nash deal (or, with an empty zone, every issue's first option), or the named
    reference package ``reference``, with the options in ``changes`` (issue -> option) put
    in; unknown issues, options or reference packages are bad input."""
    if reference is not None:
        if reference not in space.references:
            known = ", ".join(space.references) or "none in this scenario"
            raise InputError(
                Problem("--reference", None, "", f"unknown reference package {reference!r} "
                        f"(known: {known})")
            )  # fmt: skip
        chosen = space.package(space.references[reference])
    else:
        nash = scan(space, top=0, closest=0, ks=False).solutions.get("nash")
        chosen = (
            space.package(nash[0])
            if nash is not None
            else {i: o[0] for i, o in zip(space.issues, space.options, strict=True)}
        )
    for issue, option in (changes or {}).items():
        if issue not in space.issues:
            known = ", ".join(space.issues)
            raise InputError(Problem("--set", None, issue, f"unknown issue (known: {known})"))
        options = space.options[space.issues.index(issue)]
        if option not in options:
            known = ", ".join(options)
            raise InputError(
                Problem("--set", None, issue, f"unknown option '{option}' (known: {known})")
            )
        chosen[issue] = option
    return chosen


def score_package(sc: Scenario, space: Space, package: dict[str, str]) -> PackageScore:
    """One package taken apart: each decider's utility, trust, kept value and deal value,
    the spoilers' strike probabilities, and whether each decider accepts it."""
    idx = space.package_index(package)
    rows, strike = _breakdown(sc, space, idx)
    value = space.values(idx)
    crit = space.criteria(idx) if space.deal is not None else None
    short = space.shortfall(value, crit)[:, 0]
    red = space.red_line_ok(idx)[:, 0]
    ids = space.decider_ids
    floor, beats = _floors(sc, space)
    return PackageScore(
        package=package,
        index=idx,
        breakdown=rows,
        strike=strike,
        reservation={d: float(space.reservation[space.deciders[p]]) for p, d in enumerate(ids)},
        accepts={d: bool(red[p] and short[p] <= 0) for p, d in enumerate(ids)},
        red_line_crossed={d: not bool(red[p]) for p, d in enumerate(ids)},
        shortfall={d: float(short[p]) for p, d in enumerate(ids)},
        red_lines={d: crossed_red_lines(sc, d, package) for d in ids},
        floor=floor,
        floor_from=beats,
    )
