"""Costs of conflict (Fearon) and shifting power (Powell) on a scenario's package space.

:func:`conflict_report` reads the ``conflict:`` and ``dynamics:`` blocks and computes, over
every package (the two deciders' effective utilities; packages crossing either side's red
lines are never accepted):

- each side's war value: the lottery between the winner's imposed package and the loser's,
  minus its cost (:func:`zopa.analysis.fearon.war_values`);
- the bargaining range: the packages both sides prefer to war;
- with ``cost_belief``, the ultimatum with private costs: the proposer's optimal package,
  its acceptance probability and P(war), with each side as proposer;
- with ``dynamics``, the path of the first side's chance of prevailing and the periods at
  which a preventive-war incentive appears (:func:`zopa.analysis.powell.preventive_war_periods`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from typing_extensions import TypedDict

from zopa.analysis import fearon, powell
from zopa.results import rounded, rounded_map
from zopa.scenario.schema import Scenario
from zopa.scenario.values import Values
from zopa.space.space import Space

MAX_PACKAGES = 20_000_000  # every package's utilities are held in memory


class RangeJson(TypedDict):
    size: int
    share: float
    nash_deal_inside: bool | None


class UltimatumJson(TypedDict):
    proposer: str
    package: dict[str, str]
    p_accept: float
    p_war: float
    utilities: dict[str, float]


class DynamicsJson(TypedDict):
    prevails_by_period: list[float]
    preventive_war_periods: list[int]
    first: int | None
    attacker: dict[str, str]


class ConflictJson(TypedDict):
    """Fearon's bargaining range and ultimatum, Powell's preventive-war verdict."""

    between: list[str]
    prevails: float
    cost: dict[str, float]
    war_value: dict[str, float]
    imposed_if_wins: dict[str, dict[str, str]]
    bargaining_range: RangeJson
    ultimatum: list[UltimatumJson]
    dynamics: DynamicsJson | None
    skipped: str | None


class PeriodJson(TypedDict):
    """One period of the re-analysis as ``dynamics:`` drifts the parameters."""

    period: int
    parameters: dict[str, float]
    zone: int
    deal: dict[str, str] | None
    p_deal: float
    value: dict[str, float]


@dataclass
class Proposal:
    """The ultimatum with one side proposing."""

    proposer: str
    package: dict[str, str]
    index: int
    p_accept: float
    p_war: float
    utilities: dict[str, float]


@dataclass
class ConflictReport:
    """What the conflict and dynamics blocks imply (see the module docstring)."""

    between: tuple[str, str]
    prevails: float
    cost: dict[str, float]
    war_value: dict[str, float]
    imposed: dict[str, dict[str, str]]  # the package each side imposes if it wins
    range_size: int
    outcomes: int
    nash_in_range: bool | None
    proposals: list[Proposal]
    power_path: list[float]
    preventive_war: list[int]
    attacker: dict[int, str]
    skipped: str = ""

    def to_json(self) -> ConflictJson:
        return {
            "between": list(self.between),
            "prevails": self.prevails,
            "cost": self.cost,
            "war_value": rounded_map(self.war_value),
            "imposed_if_wins": self.imposed,
            "bargaining_range": {
                "size": self.range_size,
                "share": self.range_size / self.outcomes if self.outcomes else 0.0,
                "nash_deal_inside": self.nash_in_range,
            },
            "ultimatum": [
                {
                    "proposer": p.proposer,
                    "package": p.package,
                    "p_accept": rounded(p.p_accept),
                    "p_war": rounded(p.p_war),
                    "utilities": rounded_map(p.utilities),
                }
                for p in self.proposals
            ],
            "dynamics": {
                "prevails_by_period": [rounded(x) for x in self.power_path],
                "preventive_war_periods": self.preventive_war,
                "first": self.preventive_war[0] if self.preventive_war else None,
                "attacker": {str(k): v for k, v in self.attacker.items()},
            }
            if self.power_path
            else None,
            "skipped": self.skipped or None,
        }


def drifted(sc: Scenario, t: int) -> Values:
    """The scenario's values at period ``t``: each drifting parameter moved by t steps."""
    assert sc.dynamics is not None
    base = Values(sc)
    steps = {k: base.scalar(v) for k, v in sc.dynamics.drift.numbers().items() if k != "prevails"}
    return Values(sc, set_params={k: float(base.params[k]) + t * d for k, d in steps.items()})


def deal_over_time(sc: Scenario) -> list[PeriodJson]:
    """Period by period, with the parameters drifted: the zone, the Nash deal, P(deal)."""
    from zopa.analysis.outlook import evaluate_all
    from zopa.space.space import compile_space

    assert sc.dynamics is not None
    if all(k == "prevails" for k in sc.dynamics.drift.numbers()):
        return []
    deciders = [a.id for a in sc.deciders]
    out: list[PeriodJson] = []
    for t in range(sc.dynamics.periods + 1):
        val = drifted(sc, t)
        space = compile_space(sc, val)
        every = evaluate_all(space)
        first = every[deciders[0]]
        values = {d: rounded(every[d].value) for d in deciders}
        out.append({
            "period": t,
            "parameters": {k: rounded(float(val.params[k])) for k in sc.dynamics.drift.numbers()
                           if k != "prevails"},
            "zone": first.zone,
            "deal": first.deal,
            "p_deal": rounded(first.p_deal),
            "value": values,
        })  # fmt: skip
    return out


def conflict_report(
    sc: Scenario, space: Space, nash_index: int | None, values: Values | None = None
) -> ConflictReport | None:
    """Fearon and Powell on ``space`` (None without a ``conflict:`` block)."""
    c = sc.conflict
    if c is None:
        return None
    val = values if values is not None else Values(sc)
    a, b = c.between
    p = val.scalar(c.prevails)
    costs = {x: val.scalar(c.cost.numbers()[x]) for x in (a, b)}
    base = ConflictReport((a, b), p, costs, {}, {}, 0, space.size, None, [], [], [], {})
    if sc.dynamics is not None:
        dyn = sc.dynamics
        step = val.scalar(dyn.drift.numbers().get("prevails"), 0.0)
        path = np.clip(p + step * np.arange(dyn.periods + 1), 0.0, 1.0)
        shift = powell.preventive_war_periods(path, val.scalar(dyn.discount), costs[a], costs[b])
        base.power_path = [float(x) for x in path]
        base.preventive_war = [int(t) for t in shift.periods]
        base.attacker = {int(t): (a if shift.attacker[t] == "a" else b) for t in shift.periods}

    if space.size > MAX_PACKAGES:
        base.skipped = f"the space has more than {MAX_PACKAGES:,} packages"
        return base
    ia, ib = space.actors.index(a), space.actors.index(b)
    u = space.utilities_all(np.array([ia, ib]))
    ok = space.red_line_ok_all(np.array([ia, ib])).all(0)
    war = fearon.war_values(u[0], u[1], p, costs[a], costs[b])
    inside = fearon.in_range(u[0], u[1], war) & ok
    base.war_value = {a: float(war.w_a), b: float(war.w_b)}
    base.imposed = {a: space.package(war.imposed_a), b: space.package(war.imposed_b)}
    base.range_size = int(inside.sum())
    base.nash_in_range = None if nash_index is None else bool(inside[nash_index])
    beliefs = {x: n.distribution for x, n in c.cost_belief.items()}
    if beliefs:
        for proposer, responder in ((a, b), (b, a)):
            if responder not in beliefs:
                continue
            res = fearon.ultimatum(
                u[0], u[1], p, costs[a], costs[b],
                proposer="a" if proposer == a else "b", belief=beliefs[responder], allowed=ok,
            )  # fmt: skip
            if res is None:  # every package crosses a red line: nothing can be proposed
                base.proposals.append(
                    Proposal(proposer, {}, -1, 0.0, 1.0, {a: math.nan, b: math.nan})
                )
                continue
            base.proposals.append(
                Proposal(
                    proposer=proposer,
                    package=space.package(res.index),
                    index=int(res.index),
                    p_accept=float(res.p_accept),
                    p_war=float(res.p_war),
                    utilities={a: float(u[0, res.index]), b: float(u[1, res.index])},
                )
            )
    return base
