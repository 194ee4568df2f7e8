"""What each actor can expect from a space: the likely deal, its value, the zone, P(deal).

The likely deal is the Nash solution over deal values (lowest package index on ties). An
actor's value is its deal value of that package (deciders; others: utility), or without a
zone its expected no-deal value. P(deal) = P(no spoiler strikes it) * P(every decider
keeps it). Leverage swings and the period-by-period re-analysis of dynamics read this.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zopa.analysis.scan import scan
from zopa.space.space import Space


@dataclass
class Outlook:
    """What an actor can expect from a space: its value of the likely deal, the zone, P(deal)."""

    value: float
    zone: int
    p_deal: float
    deal: dict[str, str] | None

    def metric(self, name: str) -> float:
        return float(getattr(self, name))


def evaluate(space: Space, actor: str, threads: int = 1) -> Outlook:
    """The metrics of ``space`` for ``actor`` (exact: a full pass over the space)."""
    return evaluate_all(space, threads)[actor]


def evaluate_all(space: Space, threads: int = 1) -> dict[str, Outlook]:
    """The metrics of ``space`` for every actor with preferences, from one pass."""
    res = scan(space, top=0, closest=0, threads=threads)
    nash = res.solutions.get("nash")
    scal = space.scalars
    assert scal is not None
    every = np.arange(len(space.actors))
    no_deal = scal.no_deal_value()[:, 0]
    if nash is None:
        return {
            a: Outlook(float(no_deal[i]), res.zone, 0.0, None) for i, a in enumerate(space.actors)
        }
    idx = nash[0]
    p_deal = 1.0
    value = space.utilities(idx, every)[:, 0]
    if space.deal is not None:
        crit = space.criteria(idx)
        both = space.deal.no_strike(crit) * space.deal.kept_by_all(crit)
        p_deal = float(np.asarray(both).reshape(-1)[0])
    value[space.deciders] = space.values(idx)[:, 0]
    deal = space.package(idx)
    return {a: Outlook(float(value[i]), res.zone, p_deal, deal)
            for i, a in enumerate(space.actors)}  # fmt: skip
