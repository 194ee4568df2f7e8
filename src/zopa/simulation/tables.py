"""One decider's values of every package, laid out for time-based strategies.

A time-based negotiator (NegMAS's ``TimeBasedConcedingNegotiator``) needs, at its current
aspiration, the package it offers and whether it accepts an offer. NegMAS's presorting
inverter (``PresortingInverseUtilityFunction`` with ``rational_only=True``) sorts the
*rational* packages (value at least the reservation) by value with ``numpy.argsort`` of
their values in package order, and offers the worst package at or above the aspiration
level, or one up to 1e-6 below it when that is strictly nearer. :class:`Table` keeps that
order, so :meth:`Table.worst_in` picks the very package NegMAS picks, for a whole batch of
runs at once (``numpy.searchsorted``).

Packages that cross one of the decider's red lines are never offered nor accepted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPS = 1e-6  # NegMAS's inverter tolerance (negmas.preferences.inv_ufun._common.EPS)
SLACK = 1e-4  # NegMAS's UtilBasedNegotiator eps: widens the aspiration range


@dataclass(frozen=True)
class Table:
    """A decider's value of every package, and its rational packages sorted by value."""

    value: np.ndarray  # (P,) value of every package
    ok: np.ndarray  # (P,) whether the package keeps the decider's red lines
    reservation: float
    order: np.ndarray  # rational packages, ascending value (NegMAS's argsort order)
    sorted: np.ndarray  # their values
    irr_max: float  # the largest value below the reservation (-inf: none)
    irr_pkg: int  # the first package with that value
    umin: float  # the least value of the range (at least the reservation)
    umax: float  # the best value
    best: int  # the package of the best value

    @property
    def span(self) -> float:
        return self.umax - self.umin

    def bounds(self, aspiration: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The value range [lo, hi] a negotiator at ``aspiration`` (relative, 0..1) offers
        and accepts in: NegMAS's ``scale_utilities`` (widened by :data:`SLACK`, clipped)."""
        lo = (self.umax - self.umin) * np.asarray(aspiration, dtype=float) + self.umin
        lo = np.maximum(self.umin, np.minimum(self.umax, lo - SLACK))
        hi = (self.umax - self.umin) * 1.0 + self.umin + SLACK
        return lo, np.full_like(lo, max(self.umin, min(self.umax, hi)))

    def accepts(self, offer: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Whether offers (package indices) fall in [lo, hi] and keep the red lines."""
        u = self.value[offer]
        return np.asarray((u >= lo) & (u <= hi) & self.ok[offer])

    def acceptable(self, offer: np.ndarray) -> np.ndarray:
        """Whether offers are worth at least the reservation and keep the red lines."""
        return np.asarray((self.value[offer] >= self.reservation) & self.ok[offer])

    def worst_in(self, lo: np.ndarray) -> np.ndarray:
        """The package offered at aspiration level ``lo`` (a value), per run: the first
        rational package (in sorted order) worth at least ``lo``, unless one within
        :data:`EPS` below ``lo`` is strictly nearer (the first of its ties; rational before
        irrational); the best package when nothing is rational."""
        n = len(self.sorted)
        if n == 0:
            return np.full(lo.shape, self.best, dtype=np.int64)
        i = np.clip(np.searchsorted(self.sorted, lo, side="left"), 0, n - 1)
        d_i = np.abs(self.sorted[i] - lo)
        below = np.searchsorted(self.sorted, lo, side="left") - 1
        has_below = below >= 0
        vb = self.sorted[np.maximum(below, 0)]
        first_tie = np.searchsorted(self.sorted, vb, side="left")
        d_r = np.where(has_below & (vb >= lo - EPS), lo - vb, np.inf)
        d_x = np.where(self.irr_max >= lo - EPS, lo - self.irr_max, np.inf)
        use_r = d_r <= d_x
        d_j = np.where(use_r, d_r, d_x)
        nearer = d_j < d_i
        pick = np.where(nearer & use_r, first_tie, i)
        out = self.order[pick]
        return np.where(nearer & ~use_r, self.irr_pkg, out).astype(np.int64)


def make_table(
    value: np.ndarray, ok: np.ndarray, reservation: float, extremes: tuple[int, int] | None
) -> Table:
    """Lay out a decider's ``value`` of every package (``ok``: its red lines hold).
    ``extremes``: the (worst, best) packages when known (a linear-additive value: the
    per-issue extremes, as NegMAS finds them); else the extremes of the allowed packages."""
    value = np.asarray(value, dtype=float)
    r = float(reservation)
    rational = np.flatnonzero((value >= r) & ok)
    idx = np.argsort(value[rational])  # the default kind, as NegMAS
    order = rational[idx]
    irr = np.flatnonzero((value < r) & ok)
    if len(irr):
        irr_max = float(value[irr].max())
        irr_pkg = int(irr[np.argmax(value[irr])])
    else:
        irr_max, irr_pkg = -np.inf, -1
    if extremes is not None:
        worst, best = extremes
    else:
        allowed = np.flatnonzero(ok)
        pool = allowed if len(allowed) else np.arange(len(value))
        worst = int(pool[np.argmin(value[pool])])
        best = int(pool[np.argmax(value[pool])])
    umin, umax = float(value[worst]), float(value[best])
    umin = max(umin, r)
    return Table(value, ok, r, order, value[order], irr_max, irr_pkg, umin, umax, best)
