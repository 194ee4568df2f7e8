"""How a decider concedes and when it accepts: aspiration curves and acceptance rules.

Every strategy is an *aspiration* a(t) in [0, 1] at relative time t (NegMAS's
``state.relative_time``: (step + 1) / (rounds + 1)), mapped to a value level
``lo = umin + a (umax - umin)`` less a slack of 1e-4 (:meth:`~zopa.simulation.tables.Table.bounds`);
the decider offers the worst package worth at least ``lo`` and accepts offers worth
``lo`` or more. The curves:

- ``boulware``, ``linear``, ``conceder``: NegMAS's ``BoulwareTBNegotiator``,
  ``LinearTBNegotiator``, ``ConcederTBNegotiator``: ``a(t) = 1 - t ** e`` with e = 4, 1
  and 0.25 (NegMAS's ``PolyAspiration``);
- ``aspiration``: the same curve with the scenario's (sourced) ``exponent``;
- ``hardliner``: a(t) = 1: it offers its best package and accepts only as good;
- ``tit_for_tat``: starts at 1 and concedes, in its own normalised value, as much as the
  others' last offer (or the mediator's text) improved for it since the one before
  (relative tit-for-tat, Faratin, Sierra and Jennings 1998); it never rises above 1 nor
  below 0.

Acceptance (``accept``): ``aspiration`` (offers worth at least its level, NegMAS's rule),
``next`` (AC_next: offers worth at least what it would offer next; with these curves it
differs from ``aspiration`` only where NegMAS offers a package up to 1e-6 below the level)
or ``rational`` (any offer worth at least its reservation); with ``accept_after: T``, any
offer worth its reservation from relative time T on (AC_time). Offers that cross a
decider's red lines are never accepted.

References: Faratin, P., Sierra, C. and Jennings, N. R. (1998). Negotiation decision
functions for autonomous agents. Robotics and Autonomous Systems 24(3-4), 159-182.
Baarslag, T., Hindriks, K. and Jonker, C. (2014). Effective acceptance conditions in
real-time automated negotiation. Decision Support Systems 60, 68-77.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EXPONENTS = {"boulware": 4.0, "linear": 1.0, "conceder": 0.25}
"""NegMAS's ``POLY_ASPIRATION_EXPONENTS`` for the named curves."""


@dataclass(frozen=True)
class Plan:
    """One decider's strategy, its numbers resolved."""

    kind: str
    exponent: float | None = None  # aspiration curve exponent (boulware 4, ...)
    accept: str = "aspiration"
    accept_after: float | None = None
    patience: int | None = None

    @property
    def curve(self) -> float | None:
        """The exponent of a time-based curve (None: hardliner, tit-for-tat)."""
        return EXPONENTS.get(self.kind, self.exponent if self.kind == "aspiration" else None)


def aspiration(plan: Plan, t: np.ndarray, exponent: np.ndarray | None = None) -> np.ndarray:
    """The time-based aspiration ``1 - t ** e`` (per run; ``exponent`` overrides the plan's
    per run), or 1 for a hardliner. Tit-for-tat keeps its own state (:func:`mirror`)."""
    e = exponent if exponent is not None else plan.curve
    if e is None:
        return np.ones_like(t)
    return 1.0 * (1.0 - np.power(t, e))


def mirror(level: np.ndarray, before: np.ndarray, now: np.ndarray, span: float) -> np.ndarray:
    """Tit-for-tat's next aspiration: it concedes what the others conceded to it (``now``
    less ``before``, its values of their last two offers), relative to its range."""
    gain = np.where(np.isfinite(before), now - before, 0.0)
    step = gain / span if span > 0 else np.zeros_like(gain)
    return np.clip(level - np.maximum(step, 0.0), 0.0, 1.0)
