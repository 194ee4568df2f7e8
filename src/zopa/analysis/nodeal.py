"""What the no-deal model adds to ``zopa analyze``: derivations and breakdowns.

- the no-deal outcomes and how each decider's reservation is derived from them;
- for the likely deal (the Nash solution), each decider's deal value taken apart: its
  effective utility of the package, its trust that each counterpart keeps it, its kept
  value, each spoiler's strike probability, and the resulting deal value;
- Fearon's and Powell's analyses (:mod:`zopa.analysis.conflict`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from zopa.analysis.analyze import Analysis
from zopa.analysis.conflict import ConflictReport, conflict_report, deal_over_time
from zopa.scenario.schema import Scenario
from zopa.scenario.values import Values
from zopa.space.space import Space


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
    periods: list[dict[str, Any]] = field(default_factory=list)  # dynamics: period by period

    def to_json(self) -> dict[str, Any]:
        return {
            "no_deal": {
                "outcomes": [
                    {"id": o, "name": n, "probability": round(p, 10), "war": w}
                    for o, n, p, w in self.outcomes
                ],
                "reservations": {
                    d.decider: {
                        "value": round(d.reservation, 10),
                        "derived": d.derived,
                        "outcome_values": {k: round(v, 10) for k, v in d.values.items()},
                    }
                    for d in self.derivations
                },
            },
            "constraint_floors": {k: round(v, 10) for k, v in self.floors.items()},
            "likely_deal": None
            if self.deal is None
            else {
                "package": self.deal,
                "strike_probability": {k: round(v, 10) for k, v in self.strike.items()},
                "deciders": {
                    b.decider: {
                        "utility": round(b.utility, 10),
                        "trust": {k: round(v, 10) for k, v in b.trust.items()},
                        "kept_value": round(b.kept, 10),
                        "deal_value": round(b.deal_value, 10),
                    }
                    for b in self.breakdown
                },
            },
            "conflict": None if self.conflict is None else self.conflict.to_json(),
            "over_time": self.periods or None,
        }


def model_report(
    sc: Scenario, space: Space, analysis: Analysis, over_time: bool = False
) -> ModelReport:
    """Derivations, the likely deal's breakdown and the conflict analyses; with
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


def score_package(sc: Scenario, space: Space, package: dict[str, str]) -> dict[str, Any]:
    """One package taken apart: each decider's utility, trust, kept value and deal value,
    the spoilers' strike probabilities, and whether each decider accepts it."""
    idx = space.package_index(package)
    rows, strike = _breakdown(sc, space, idx)
    value = space.values(idx)
    crit = space.criteria(idx) if space.deal is not None else None
    short = space.shortfall(value, crit)[:, 0]
    red = space.red_line_ok(idx)[:, 0]
    return {
        "package": package,
        "index": idx,
        "strike_probability": {k: round(v, 10) for k, v in strike.items()},
        "deciders": {
            b.decider: {
                "utility": round(b.utility, 10),
                "trust": {k: round(v, 10) for k, v in b.trust.items()},
                "kept_value": round(b.kept, 10),
                "deal_value": round(b.deal_value, 10),
                "reservation": round(float(space.reservation[space.deciders[p]]), 10),
                "accepts": bool(red[p] and short[p] <= 0),
                "red_line_crossed": not bool(red[p]),
                "shortfall": round(float(short[p]), 10),
            }
            for p, b in enumerate(rows)
        },
    }
