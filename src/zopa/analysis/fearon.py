"""Costs of conflict: Fearon's bargaining range and the risk-return trade-off.

Reference: Fearon, J. D. (1995). Rationalist explanations for war. *International
Organization* 49(3): 379-414 (the bargaining range, pp. 386-390; private information and
the risk-return trade-off, pp. 390-401; mutual optimism, p. 393).

**The unit pie.** x in [0, 1] is A's share; A prevails in a war with probability p; the
costs of fighting are c_A, c_B >= 0. Risk-neutral war values are p - c_A for A and
1 - p - c_B for B, so A prefers x to war iff x >= p - c_A and B iff 1 - x >= 1 - p - c_B,
i.e. x <= p + c_B. The bargaining range is

    [max(0, p - c_A), min(1, p + c_B)],

never empty (p - c_A <= p <= p + c_B), and of positive width when c_A + c_B > 0 except
at the corners (p = 0 with c_B = 0, or p = 1 with c_A = 0) (:func:`bargaining_range`).

**A package space.** The deciders A and B have utilities u_A(i), u_B(i) over packages i
(arrays, e.g. ``space.utilities(np.arange(space.size), actors)``). War is a lottery over
the packages the winner would impose: if A prevails it imposes its best package i_A,
otherwise B imposes its best package i_B. "Best" is defined exactly:
i_A = the packages within ``tol`` of max u_A; among them the best for B (the winner is
indifferent, so it imposes the loser's favourite: a weakly efficient imposition that does
not depend on the order of the options), then the lowest index (:func:`imposed_package`).
The war values are

    w_A = p u_A(i_A) + (1 - p) u_A(i_B) - c_A,    w_B = p u_B(i_A) + (1 - p) u_B(i_B) - c_B

(:func:`war_values`; with ``loser="worst"`` the loser gets its worst package instead:
u_A(i_B) is replaced by min u_A and u_B(i_A) by min u_B). On the unit pie (u_A = x,
u_B = 1 - x) both readings give p - c_A and 1 - p - c_B. Under mutual optimism B may
believe A's chance is p_B != p (``p_b``): w_B then uses p_B. The bargaining range as a set
is every package that both weakly prefer to war, u_A >= w_A - tol and u_B >= w_B - tol
(:func:`bargaining_set`).

**Mutual optimism.** A believes its chance is p_A, B believes it is p_B. A needs
x >= p_A - c_A, B needs x <= p_B + c_B: no share satisfies both iff
p_A - c_A > p_B + c_B, i.e. war iff p_A - p_B > c_A + c_B (:func:`mutual_optimism_war`).

**Ultimatum with a privately known cost (the risk-return trade-off).** A proposes a
package d; B accepts iff u_B(d) >= w_B(c_B) = g_B - c_B, where g_B = w_B + c_B is B's
war lottery before its cost; A does not know c_B, only its distribution. So

    P(accept | d) = P(c_B >= g_B - u_B(d)),
    EU_A(d) = P(accept | d) u_A(d) + (1 - P(accept | d)) w_A,

and A proposes the package of greatest EU_A (ties: the lowest index whose value ties with
the best, the tie rule of :mod:`zopa.analysis.solutions`); P(war) = 1 - P(accept).
The same with the roles swapped gives B's proposal (:func:`ultimatum`,
:func:`ultimatum_each`). A cost belief is a number (known cost), a CDF (any callable, or
an object with a ``.cdf`` method such as a frozen ``scipy.stats`` distribution; then
P(c >= g) = 1 - F(g), exact for continuous distributions) or a 1-D sample (then P is the
fraction of the sample >= g). Acceptance is weak up to ``tol``: c >= g - tol.

*Textbook case, derived.* Unit pie, c_B ~ U[0, c_max], c_max > 0. B accepts x iff
c_B >= x - p, so P(accept | x) = 1 for x <= p, 1 - (x - p)/c_max on [p, p + c_max] and 0
beyond. Offers x < p are accepted surely and beaten by x = p; offers beyond p + c_max are
refused surely and give p - c_A < p. With y = x - p in [0, c_max]:

    EU_A = (1 - y/c_max)(p + y) + (y/c_max)(p - c_A) = p + y - (y^2 + c_A y)/c_max,

concave, with dEU/dy = 1 - (2y + c_A)/c_max = 0 at y* = (c_max - c_A)/2. Hence

    x* = min(1, p + max(0, c_max - c_A)/2),    P(war) = (x* - p)/c_max,

i.e. P(war) = (c_max - c_A)/(2 c_max) when 0 <= c_A < c_max and p + (c_max - c_A)/2 <= 1,
P(war) = 0 when c_A >= c_max, and P(war) = (1 - p)/c_max when the cap x <= 1 binds
(:func:`textbook_ultimatum`). A clip of x* at p + c_max never binds (y* <= c_max/2), and
the shortcut P(war) = max(0, (c_max - c_A)/(2 c_max)) is right only while the cap at 1
does not bind. With B proposing (B's share 1 - x, c_A ~ U[0, c_max]) the mirror image
is x* = max(0, p - max(0, c_max - c_B)/2), P(war) = (p - x*)/c_max.

**Scanning large spaces.** Every function takes arrays of package utilities. The war
values need each side's best package over the whole space (:func:`imposed_package`, or a
:class:`WarValues` built from streamed maxima); :func:`in_range` and
:func:`expected_payoff` then work chunk by chunk (e.g. on the chunks of
:func:`zopa.analysis.scan.chunks`, keeping the best with :class:`zopa.analysis.solutions.Best`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

from zopa.analysis.solutions import best_index
from zopa.space.tolerances import ACCEPT_TOL

Array: TypeAlias = NDArray[np.float64]
Side: TypeAlias = Literal["a", "b"]
Loser: TypeAlias = Literal["imposed", "worst"]


class HasCdf(Protocol):
    """An object with a vectorised CDF (a frozen ``scipy.stats`` distribution)."""

    def cdf(self, x: Array) -> ArrayLike: ...


CostBelief: TypeAlias = float | Array | Callable[[Array], ArrayLike] | HasCdf
"""A known cost (number), a CDF (callable or ``.cdf``) or a 1-D sample of costs."""


# --- the unit pie ---------------------------------------------------------------------


def _check_prob(name: str, p: float) -> float:
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1], got {p}")
    return p


def _check_cost(name: str, c: float) -> float:
    c = float(c)
    if not (math.isfinite(c) and c >= 0.0):
        raise ValueError(f"{name} must be a finite cost >= 0, got {c}")
    return c


def bargaining_range(p: float, c_a: float, c_b: float) -> tuple[float, float]:
    """Fearon's bargaining range on the unit pie: [max(0, p - c_A), min(1, p + c_B)].

    The shares x of A that both prefer (weakly) to war; never empty for costs >= 0.
    """
    p = _check_prob("p", p)
    c_a, c_b = _check_cost("c_a", c_a), _check_cost("c_b", c_b)
    return max(0.0, p - c_a), min(1.0, p + c_b)


def mutual_optimism_war(p_a: float, p_b: float, c_a: float, c_b: float) -> bool:
    """Whether optimism closes the range: A's and B's beliefs about A's chance satisfy
    p_A - p_B > c_A + c_B (no share both prefer to war)."""
    p_a, p_b = _check_prob("p_a", p_a), _check_prob("p_b", p_b)
    return p_a - p_b > _check_cost("c_a", c_a) + _check_cost("c_b", c_b)


def textbook_ultimatum(
    p: float, c_proposer: float, c_max: float, proposer: Side = "a"
) -> tuple[float, float]:
    """Closed form of the ultimatum on the unit pie with the responder's cost ~ U[0, c_max].

    Returns (x*, P(war)), x* being A's share. A proposing: x* = min(1, p + max(0, c_max -
    c_A)/2), P(war) = (x* - p)/c_max. B proposing: x* = max(0, p - max(0, c_max - c_B)/2),
    P(war) = (p - x*)/c_max. See the module docstring for the derivation.
    """
    p = _check_prob("p", p)
    c = _check_cost("c_proposer", c_proposer)
    if not (math.isfinite(c_max) and c_max > 0):
        raise ValueError(f"c_max must be > 0, got {c_max}")
    y = max(0.0, c_max - c) / 2.0
    if proposer == "a":
        x = min(1.0, p + y)
        return x, (x - p) / c_max
    x = max(0.0, p - y)
    return x, (p - x) / c_max


# --- war over a package space ---------------------------------------------------------


def _utilities(u_a: ArrayLike, u_b: ArrayLike) -> tuple[Array, Array]:
    a = np.asarray(u_a, dtype=np.float64)
    b = np.asarray(u_b, dtype=np.float64)
    if a.ndim != 1 or a.shape != b.shape or a.size == 0:
        raise ValueError("u_a and u_b must be 1-D arrays of the same non-zero length")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("utilities must be finite")
    return a, b


def imposed_package(u_win: ArrayLike, u_lose: ArrayLike, tol: float = ACCEPT_TOL) -> int:
    """The package a winner imposes: its best (within ``tol``), then the loser's best
    among those (within ``tol``), then the lowest index."""
    w, v = _utilities(u_win, u_lose)
    mine = w >= w.max() - tol
    theirs = np.where(mine, v, -np.inf)
    return int(np.argmax(theirs >= theirs.max() - tol))


@dataclass(frozen=True)
class WarValues:
    """Both deciders' values of war: the lottery before costs (``gross``) and after."""

    p: float  # A's chance of prevailing, as A sees it
    p_b: float  # A's chance of prevailing, as B sees it
    c_a: float
    c_b: float
    gross_a: float  # A's expected utility of the war lottery, before its cost
    gross_b: float
    imposed_a: int  # the package A imposes if it prevails
    imposed_b: int  # the package B imposes if it prevails

    @property
    def w_a(self) -> float:
        return self.gross_a - self.c_a

    @property
    def w_b(self) -> float:
        return self.gross_b - self.c_b


def war_values(
    u_a: ArrayLike,
    u_b: ArrayLike,
    p: float,
    c_a: float,
    c_b: float,
    *,
    p_b: float | None = None,
    loser: Loser = "imposed",
    tol: float = ACCEPT_TOL,
) -> WarValues:
    """War as a lottery over the winners' imposed packages, minus each side's cost.

    w_A = p u_A(i_A) + (1 - p) u_A(i_B) - c_A and w_B = p_B u_B(i_A) + (1 - p_B) u_B(i_B)
    - c_B, where i_X is the package X imposes (:func:`imposed_package`) and p_B defaults
    to p. ``loser="worst"``: the loser gets its worst package instead of the winner's.
    """
    a, b = _utilities(u_a, u_b)
    p = _check_prob("p", p)
    q = p if p_b is None else _check_prob("p_b", p_b)
    c_a, c_b = _check_cost("c_a", c_a), _check_cost("c_b", c_b)
    i_a, i_b = imposed_package(a, b, tol), imposed_package(b, a, tol)
    if loser == "imposed":
        a_loses, b_loses = float(a[i_b]), float(b[i_a])
    elif loser == "worst":
        a_loses, b_loses = float(a.min()), float(b.min())
    else:
        raise ValueError(f"loser must be 'imposed' or 'worst', got {loser!r}")
    gross_a = p * float(a[i_a]) + (1.0 - p) * a_loses
    gross_b = q * b_loses + (1.0 - q) * float(b[i_b])
    return WarValues(p, q, c_a, c_b, gross_a, gross_b, i_a, i_b)


def in_range(
    u_a: ArrayLike, u_b: ArrayLike, war: WarValues, tol: float = ACCEPT_TOL
) -> NDArray[np.bool_]:
    """Packages both deciders weakly prefer to war (works on any chunk of packages)."""
    a, b = np.asarray(u_a, dtype=np.float64), np.asarray(u_b, dtype=np.float64)
    return (a >= war.w_a - tol) & (b >= war.w_b - tol)


@dataclass(frozen=True)
class BargainingSet:
    """The bargaining range over a package space: the packages both prefer to war."""

    war: WarValues
    mask: NDArray[np.bool_]

    @property
    def size(self) -> int:
        return int(self.mask.sum())

    @property
    def empty(self) -> bool:
        return not bool(self.mask.any())

    @property
    def indices(self) -> NDArray[np.int64]:
        return np.flatnonzero(self.mask).astype(np.int64)


def bargaining_set(
    u_a: ArrayLike,
    u_b: ArrayLike,
    p: float,
    c_a: float,
    c_b: float,
    *,
    p_b: float | None = None,
    loser: Loser = "imposed",
    tol: float = ACCEPT_TOL,
) -> BargainingSet:
    """The packages both deciders weakly prefer to war, with the war values behind them."""
    war = war_values(u_a, u_b, p, c_a, c_b, p_b=p_b, loser=loser, tol=tol)
    return BargainingSet(war, in_range(u_a, u_b, war, tol))


# --- the ultimatum game with a privately known cost -----------------------------------


def uniform_cost(c_max: float, c_min: float = 0.0) -> Callable[[Array], Array]:
    """The CDF of a cost uniform on [c_min, c_max] (the textbook belief)."""
    lo, hi = _check_cost("c_min", c_min), float(c_max)
    if not (math.isfinite(hi) and hi > lo):
        raise ValueError(f"need c_max > c_min, got [{lo}, {hi}]")

    def cdf(x: Array) -> Array:
        return np.clip((np.asarray(x, dtype=np.float64) - lo) / (hi - lo), 0.0, 1.0)

    return cdf


def acceptance(gap: ArrayLike, belief: CostBelief, tol: float = ACCEPT_TOL) -> Array:
    """P(c >= gap - tol) for a responder whose cost c follows ``belief``.

    ``gap`` is the responder's war lottery minus its utility for the offer: it accepts
    iff its cost is at least the gap. A number is a known cost; a callable or an object
    with ``.cdf`` is a CDF F, giving 1 - F(gap - tol); an array is a sample.
    """
    g = np.asarray(gap, dtype=np.float64) - tol
    if callable(belief):
        return np.clip(1.0 - np.asarray(belief(g), dtype=np.float64), 0.0, 1.0)
    if hasattr(belief, "cdf"):
        return np.clip(1.0 - np.asarray(belief.cdf(g), dtype=np.float64), 0.0, 1.0)
    b = np.asarray(belief, dtype=np.float64)
    if b.ndim == 0:
        return (float(b) >= g).astype(np.float64)
    if b.ndim != 1 or b.size == 0 or not np.isfinite(b).all():
        raise ValueError("a cost sample must be a non-empty 1-D array of finite numbers")
    s = np.sort(b)
    below = np.searchsorted(s, g, side="left")
    return 1.0 - below / s.size


def expected_payoff(
    u_prop: ArrayLike,
    u_resp: ArrayLike,
    w_prop: float,
    gross_resp: float,
    belief: CostBelief,
    tol: float = ACCEPT_TOL,
) -> tuple[Array, Array]:
    """The proposer's expected payoff and the acceptance probability of every package.

    EU(d) = P(accept | d) u_prop(d) + (1 - P(accept | d)) w_prop, with P(accept | d) =
    P(c_resp >= gross_resp - u_resp(d)). Works on any chunk of packages.
    """
    up = np.asarray(u_prop, dtype=np.float64)
    ur = np.asarray(u_resp, dtype=np.float64)
    acc = acceptance(gross_resp - ur, belief, tol)
    return acc * up + (1.0 - acc) * w_prop, acc


@dataclass(frozen=True)
class Ultimatum:
    """One side's optimal take-it-or-leave-it proposal and the risk of war it runs."""

    proposer: Side
    index: int  # the optimal package
    value: float  # the proposer's expected payoff
    p_accept: float  # by the proposer's belief about the responder's cost
    war_value: float  # the proposer's value of war
    accepted: bool  # whether the responder, with its true cost, accepts
    war: WarValues

    @property
    def p_war(self) -> float:
        return 1.0 - self.p_accept


def ultimatum(
    u_a: ArrayLike,
    u_b: ArrayLike,
    p: float,
    c_a: float,
    c_b: float,
    *,
    proposer: Side = "a",
    belief: CostBelief | None = None,
    loser: Loser = "imposed",
    tol: float = ACCEPT_TOL,
    allowed: ArrayLike | None = None,
) -> Ultimatum | None:
    """The proposer's optimal package over all packages when the responder's cost is private.

    ``c_a`` and ``c_b`` are the true costs; ``belief`` is the proposer's belief about the
    responder's cost (default: the true cost, known). The proposer maximises
    P(accept) u + (1 - P(accept)) w over every package; ties go to the lowest index.
    ``allowed`` (a mask) limits what may be proposed (packages a red line rules out are
    never accepted); war values still come from every package (a winner imposes what it
    likes). None when nothing is allowed: the only outcome is war.
    """
    a, b = _utilities(u_a, u_b)
    war = war_values(a, b, p, c_a, c_b, loser=loser, tol=tol)
    mask = None if allowed is None else np.asarray(allowed, dtype=bool)
    if mask is not None and not mask.any():
        return None
    if proposer == "a":
        u_p, u_r, w_p, g_r, c_r = a, b, war.w_a, war.gross_b, war.c_b
    elif proposer == "b":
        u_p, u_r, w_p, g_r, c_r = b, a, war.w_b, war.gross_a, war.c_a
    else:
        raise ValueError(f"proposer must be 'a' or 'b', got {proposer!r}")
    eu, acc = expected_payoff(u_p, u_r, w_p, g_r, c_r if belief is None else belief, tol)
    if mask is not None:
        eu = np.where(mask, eu, -np.inf)
    i = int(best_index(eu))
    return Ultimatum(
        proposer=proposer,
        index=i,
        value=float(eu[i]),
        p_accept=float(acc[i]),
        war_value=w_p,
        accepted=bool(u_r[i] >= g_r - c_r - tol),
        war=war,
    )


def ultimatum_each(
    u_a: ArrayLike,
    u_b: ArrayLike,
    p: float,
    c_a: float,
    c_b: float,
    *,
    belief_a: CostBelief | None = None,
    belief_b: CostBelief | None = None,
    loser: Loser = "imposed",
    tol: float = ACCEPT_TOL,
) -> tuple[Ultimatum, Ultimatum]:
    """The ultimatum with A proposing (B's cost believed ``belief_b``) and with B proposing
    (A's cost believed ``belief_a``)."""
    by_a = ultimatum(u_a, u_b, p, c_a, c_b, proposer="a", belief=belief_b, loser=loser, tol=tol)
    by_b = ultimatum(u_a, u_b, p, c_a, c_b, proposer="b", belief=belief_a, loser=loser, tol=tol)
    assert by_a is not None and by_b is not None  # every package may be proposed
    return by_a, by_b
