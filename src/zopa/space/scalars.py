"""The scalar numbers of the no-deal model, with a draws axis (for Monte Carlo).

Everything in a scenario that is not a per-option table is a scalar here: the no-deal
outcomes' probabilities (normalised to sum 1) and values, the reservations (given, or the
expected no-deal value), the margins of reference-package constraints, base trust, and the
spoilers' parameters. :func:`scalars` evaluates them for ``D`` draws at once (``Values``
may hold arrays of draws), so :func:`zopa.space.space.compile_space` (``D = 1``) and the
Monte Carlo engine share one definition.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zopa.scenario.schema import Number, Scenario
from zopa.scenario.values import Values

FIXED = 1e3
"""The threshold of a spoiler with a fixed probability: far above any utility (0..1), so
the logistic equals its ceiling (exp((U - 1e3) / 1) underflows to 0)."""


@dataclass(frozen=True)
class Scalars:
    """Scalar numbers; the last axis of every array is the draw."""

    outcomes: tuple[str, ...]
    names: tuple[str, ...]
    probability: np.ndarray  # (outcomes, D), sums to 1 over outcomes
    war: np.ndarray  # (outcomes,) bool
    value: np.ndarray  # (actors, outcomes, D), NaN where an actor has no value
    expected: np.ndarray  # (actors, D): expected no-deal value (NaN if a value is missing)
    reservation: np.ndarray  # (actors, D)
    constraints: tuple[tuple[int, str, np.ndarray], ...]  # (actor, reference id, margin (D,))
    trust: np.ndarray | None  # (deciders, deciders, D); None: credibility not modelled
    pmax: np.ndarray  # (spoilers, D)
    threshold: np.ndarray  # (spoilers, D)
    scale: np.ndarray  # (spoilers, D)
    strike_value: np.ndarray  # (deciders, spoilers, D): value of each spoiler's outcome

    def no_deal_value(self) -> np.ndarray:
        """(actors, D): the expected no-deal value where it is known, else the reservation."""
        return np.where(np.isfinite(self.expected), self.expected, self.reservation)

    def deal_inputs(self) -> dict[str, np.ndarray]:
        """Scalars as :meth:`zopa.space.deal.DealModel.values` takes them (draws, 1)."""
        out = {
            "pmax": self.pmax[..., None],
            "threshold": self.threshold[..., None],
            "scale": self.scale[..., None],
            "strike_value": self.strike_value[..., None],
        }
        if self.trust is not None:
            out["trust"] = self.trust[..., None]
        return out


def scalars(
    sc: Scenario, val: Values, ids: list[str], deciders: list[int], draws: int = 1
) -> Scalars:
    """Evaluate the scalar numbers of ``sc`` for ``draws`` draws (see the module docstring)."""

    def arr(n: Number | None, default: float = 0.0) -> np.ndarray:
        return np.broadcast_to(np.asarray(val(n, default), dtype=float), (draws,)).copy()

    n_o = len(sc.no_deal)
    p = np.stack([arr(o.probability) for o in sc.no_deal]) if n_o else np.zeros((0, draws))
    if n_o:
        total = p.sum(0)
        p = p / np.where(total > 0, total, 1.0)
    value = np.full((len(ids), n_o, draws), np.nan)
    for k, o in enumerate(sc.no_deal):
        for who, x in o.values.numbers().items():
            if who in ids:
                value[ids.index(who), k] = arr(x)
    expected = np.einsum("aod,od->ad", value, p) if n_o else np.full((len(ids), draws), np.nan)
    reservation = np.zeros((len(ids), draws))
    for a, actor in enumerate(ids):
        stated = sc.preferences[actor].reservation
        if stated is not None:
            reservation[a] = arr(stated)
        elif n_o:
            reservation[a] = np.nan_to_num(expected[a], nan=0.0)
    dec = [ids[i] for i in deciders]
    trust = None
    if sc.credibility is not None:
        trust = np.ones((len(dec), len(dec), draws))
        for i, row in sc.credibility.trust.items():
            for j, x in row.numbers().items():
                trust[dec.index(i), dec.index(j)] = arr(x)
    spoilers = sc.spoilers
    outcomes = [o.id for o in sc.no_deal]
    strike = np.zeros((len(dec), len(spoilers), draws))
    for si, sp in enumerate(spoilers):
        oi = outcomes.index(sp.outcome)
        for pos, d in enumerate(deciders):
            strike[pos, si] = np.nan_to_num(value[d, oi], nan=0.0)

    def col(attr: str) -> np.ndarray:
        """A spoiler parameter; a fixed ``probability`` is the logistic's ceiling with a
        threshold no utility reaches and scale 1 (P = probability for every package)."""
        if not spoilers:
            return np.zeros((0, draws))
        rows = []
        for sp in spoilers:
            if sp.probability is None:
                rows.append(arr(getattr(sp, attr)))
            elif attr == "max_probability":
                rows.append(arr(sp.probability))
            else:
                rows.append(np.full(draws, FIXED if attr == "threshold" else 1.0))
        return np.stack(rows)

    return Scalars(
        outcomes=tuple(outcomes),
        names=tuple(o.name for o in sc.no_deal),
        probability=p,
        war=np.array([o.war for o in sc.no_deal], dtype=bool),
        value=value,
        expected=expected,
        reservation=reservation,
        constraints=tuple((ids.index(c.actor), c.beats, arr(c.margin)) for c in sc.constraints),
        trust=trust,
        pmax=col("max_probability"),
        threshold=col("threshold"),
        scale=col("scale"),
        strike_value=strike,
    )
