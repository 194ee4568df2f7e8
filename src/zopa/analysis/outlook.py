"""What each actor can expect from a space: the assumed deal, its value, the zone, P(deal), P(war).

The assumed deal d* is the Nash solution over deal values (lowest package index on ties);
with a quota zone but no unanimous package, the zone's best (clipped) Nash product, as
the chunked engine's top package. These are the definitions of Monte Carlo's draws
(:mod:`zopa.studies.montecarlo`), so a Monte Carlo run with nothing uncertain reports
the same figures in every draw:

- ``value``: a decider's deal value of d*; another actor's utility of d* with the spoiler
  lottery (``P(no strike) U + sum_s P(s strikes first) v(o_s)``); without an assumed deal,
  its expected no-deal value (else its reservation);
- ``p_deal`` = 1[d*] * prod_s (1 - P_s(d*)) * P(every decider keeps d*);
- ``p_war`` = (1 - 1[d*]) * the war outcomes' probability (normalised like every no-deal
  probability) + 1[d*] * sum_s P(spoiler s strikes first) * 1[its outcome is war].

Leverage swings and the period-by-period re-analysis of dynamics read this.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from zopa.analysis.scan import scan
from zopa.scenario.schema import Scenario
from zopa.space.space import Space


@dataclass
class Outlook:
    """What an actor can expect from a space: its value of the assumed deal, the zone's size,
    P(deal), P(war) and the assumed deal itself (None without one)."""

    value: float
    zone: int
    p_deal: float
    p_war: float
    deal: dict[str, str] | None

    def metric(self, name: str) -> float:
        """The figure ``name`` (``value``, ``zone``, ``p_deal`` or ``p_war``) as a float."""
        return float(getattr(self, name))


def evaluate(space: Space, actor: str, threads: int = 1, sc: Scenario | None = None) -> Outlook:
    """The metrics of ``space`` for ``actor`` (exact: a full pass over the space).

    Parameters
    ----------
    space
        A compiled space.
    actor
        An actor with preferences.
    threads
        Threads of the scan.
    sc
        The scenario ``space`` was compiled from: it names each spoiler's outcome, which
        P(war) and the non-deciders' values under a spoiler need (without it they are NaN
        when spoilers are modelled).

    Returns
    -------
    Outlook
        See the module docstring.
    """
    return evaluate_all(space, threads, sc)[actor]


def likely_deal(space: Space, threads: int = 1) -> tuple[int | None, int]:
    """The assumed deal's package index (None without one) and the zone's size.

    Parameters
    ----------
    space
        A compiled space.
    threads
        Threads of the scan.

    Returns
    -------
    tuple
        ``(index, zone)``: the Nash solution over the unanimous set, else (a quota zone
        without a unanimous package) the zone's best clipped Nash product, else None.
    """
    res = scan(space, top=1, closest=0, threads=threads, ks=False)  # one pass
    nash = res.solutions.get("nash")
    if nash is not None:
        return int(nash[0]), res.zone
    if res.zone == 0:
        return None, 0
    return int(res.top[0]), res.zone


def evaluate_all(space: Space, threads: int = 1, sc: Scenario | None = None) -> dict[str, Outlook]:
    """The metrics of ``space`` for every actor with preferences, from one pass.

    Parameters
    ----------
    space, threads, sc
        As for :func:`evaluate`.

    Returns
    -------
    dict
        Actor id -> :class:`Outlook`, in the space's actor order.
    """
    idx, zone = likely_deal(space, threads)
    scal = space.scalars
    assert scal is not None
    every = np.arange(len(space.actors))
    war = scal.war.astype(float)
    if idx is None:
        no_deal = scal.no_deal_value()[:, 0]
        p_war = float((scal.probability[:, 0] * war).sum()) if len(war) else 0.0
        return {
            a: Outlook(float(no_deal[i]), zone, 0.0, p_war, None)
            for i, a in enumerate(space.actors)
        }
    value = space.utilities(idx, every)[:, 0]
    p_deal, p_war = 1.0, 0.0
    if space.deal is not None:
        crit = space.criteria(idx)
        # the scalars as arrays (as Monte Carlo passes them): trust as given and trust
        # changed by options then have the same shape
        inputs = {k: a[..., 0] for k, a in scal.deal_inputs().items()}
        strikes = [float(np.asarray(p).reshape(-1)[0]) for p in space.deal.strike(crit, inputs)]
        outcomes = _strike_outcomes(sc, scal.outcomes)
        survive, loss = 1.0, np.zeros(len(space.actors))
        for s, p in enumerate(strikes):
            o = None if outcomes is None else outcomes[s]
            if o is None:
                p_war = math.nan
                loss = loss + math.nan
            else:
                p_war += survive * p * float(war[o])
                loss = loss + survive * p * np.nan_to_num(scal.value[:, o, 0], nan=0.0)
            survive *= 1.0 - p
        kept = np.asarray(space.deal.kept_by_all(crit, inputs), dtype=float).reshape(-1)[0]
        p_deal = survive * float(kept)
        value = survive * value + loss
    value[space.deciders] = space.values(idx)[:, 0]
    deal = space.package(idx)
    return {a: Outlook(float(value[i]), zone, p_deal, p_war, deal)
            for i, a in enumerate(space.actors)}  # fmt: skip


def _strike_outcomes(sc: Scenario | None, outcomes: tuple[str, ...]) -> list[int] | None:
    """The index of each spoiler's no-deal outcome (None when ``sc`` is not given)."""
    if sc is None:
        return None
    return [outcomes.index(sp.outcome) for sp in sc.spoilers]
