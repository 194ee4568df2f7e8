"""Shifting power: preventive war as a commitment problem.

Reference: Powell, R. (2006). War as a commitment problem. *International Organization*
60(1): 169-203 (the model of shifting power, pp. 180-185).

**The flow model and its timing.** Periods t = 0, 1, 2, ... Each period two states, A and
B, divide a flow worth 1; both discount by d in (0, 1). A's chance of prevailing in a war
started at t is p_t, given as p_0, ..., p_T and constant (p_T) from T on. In period t:

1. the *proposer* (A unless said otherwise; the rising side in the standard story) either
   attacks or offers the responder a share x_t in [0, 1] of period t's flow;
2. the responder accepts (the flow is split, play moves to t + 1) or attacks.

War at t is absorbing: the winner, drawn with A's chance p_t, takes the whole flow from t
on (period t included), and each side pays a lump-sum cost c_A, c_B >= 0 at t (in units
of one period's flow: a cost c_F in units of the whole discounted pie is c_F / (1 - d)):

    V_A(t) = p_t / (1 - d) - c_A,    V_B(t) = (1 - p_t) / (1 - d) - c_B.

A responder indifferent between accepting and fighting accepts; a proposer indifferent
between its best accepted offer and war offers.

**Solution in closed form** (:func:`preventive_war_periods`). Write P for the proposer
and R for the responder and W_X(t) for X's value of the subgame starting at t. In the
constant tail the proposer holds R to its war value (or to nothing): W_R(T) =
max(V_R(T), 0), W_P(T) = 1/(1 - d) - W_R(T), and nobody fights. Backwards from T:

    x_t = max(0, V_R(t) - d W_R(t+1))                  (the cheapest accepted offer),
    R fights at t  iff  x_t > 1,  i.e.  V_R(t) - d W_R(t+1) > 1,
    P fights at t  iff  x_t <= 1 and V_P(t) > 1 - x_t + d W_P(t+1),

else x_t is accepted, W_R(t) = x_t + d W_R(t+1) = max(V_R(t), d W_R(t+1)) and W_P(t) =
1 - x_t + d W_P(t+1); after war W(t) = V(t). The proposer fights only when x_t = 0 (if
x_t > 0 its peace payoff is V_P(t) + (1 - d^k)(c_A + c_B), k >= 1 the delay to the next
war, if any) and then needs V_P(t) > 1 + d W_P(t+1) >= 1 + d V_P(t+1); for A that
requires p_t - d p_{t+1} > (1 - d)(1 + (1 - d) c_A), a collapse of its own power. War
occurs on the equilibrium path at the first period where either condition holds.
Differences within ``tol`` (ACCEPT_TOL, 1e-9) count as indifference.

**The explicit condition with A rising and proposing.** When p is nondecreasing, A never
fights (V_A(t) - d V_A(t+1) <= p_t <= 1), so W_B(t+1) = max over s > t of
d^(s-t-1) max(V_B(s), 0); unrolled, B fights at t iff for every s in t+1 ..
max(T, t + 1), with k = s - t and p^_s = min(p_s, 1 - (1 - d) c_B) (the power at which
B's war value falls to 0):

    d^k p^_s - p_t > (1 - d)(1 - d^k) c_B - (d - d^k)           (:func:`declining_margins`)

For k = 1 (and V_B(t+1) >= 0) this is d p_{t+1} - p_t > (1 - d)^2 c_B. Constant p never
satisfies it (k = 1 gives -(1 - d) p_t on the left).

**Powell's bound is not the rising proposer's condition.** The condition often quoted,
B fights at t iff d p_{t+1} - p_t > (1 - d)(c_B + d c_A), is the algebra of
V_B(t) > 1 + d (1/(1 - d) - V_A(t+1)): B's war value exceeds the most A can credibly
promise (the whole flow now and everything above A's own war value from t + 1 on, since A
can always fight). That is Powell's bound, a *sufficient* condition for war in every
equilibrium of every bargaining protocol (:func:`powell_bound`); it is exact in the
two-period game (T = 1, p_1 >= p_0) when the declining side B makes the offers. It is not
the condition of the game in which the rising side makes the offers: there A keeps the
surplus c_A + c_B of future peace, B's future is worth only its discounted war values,
c_A drops out, and B fights already when d p_{t+1} - p_t > (1 - d)^2 c_B (plus the
k >= 2 terms above), a smaller shift by d (1 - d)(c_A + c_B). Both are checked against
:func:`backward_induction`, a brute force over a grid of offers on a long finite horizon.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

from zopa.space.tolerances import ACCEPT_TOL

Array: TypeAlias = NDArray[np.float64]
Side: TypeAlias = Literal["a", "b"]


def _path(p: ArrayLike, d: float, c_a: float, c_b: float) -> Array:
    path = np.asarray(p, dtype=np.float64)
    if path.ndim != 1 or path.size == 0:
        raise ValueError("the power path must be a non-empty 1-D array")
    if not (np.isfinite(path).all() and (path >= 0).all() and (path <= 1).all()):
        raise ValueError("every p_t must lie in [0, 1]")
    if not 0.0 < d < 1.0:
        raise ValueError(f"the discount factor must lie in (0, 1), got {d}")
    for name, c in (("c_a", c_a), ("c_b", c_b)):
        if not (math.isfinite(c) and c >= 0):
            raise ValueError(f"{name} must be a finite cost >= 0, got {c}")
    return path


def war_payoffs(p: ArrayLike, d: float, c_a: float, c_b: float) -> tuple[Array, Array]:
    """V_A(t) = p_t/(1 - d) - c_A and V_B(t) = (1 - p_t)/(1 - d) - c_B for t = 0 .. T."""
    path = _path(p, d, c_a, c_b)
    return path / (1.0 - d) - c_a, (1.0 - path) / (1.0 - d) - c_b


@dataclass(frozen=True)
class PreventiveWar:
    """Where war breaks out, if play reaches each period in peace.

    ``margin[t] > 0`` iff someone fights at t: the responder's shortfall
    V_R(t) - d W_R(t+1) - 1, or the proposer's gain from war over its best accepted
    offer, whichever is larger. ``attacker[t]`` is "a", "b" or "" (peace).
    """

    periods: NDArray[np.int64]
    attacker: tuple[str, ...]
    margin: Array
    offer: Array  # x_t, the responder's share offered at t (nan where war)
    value_a: float  # A's equilibrium value at t = 0
    value_b: float

    @property
    def first(self) -> int | None:
        return int(self.periods[0]) if len(self.periods) else None

    @property
    def war(self) -> bool:
        return len(self.periods) > 0


def preventive_war_periods(
    p: ArrayLike, d: float, c_a: float, c_b: float, *, proposer: Side = "a", tol: float = ACCEPT_TOL
) -> PreventiveWar:
    """The periods at which war breaks out if reached, by the closed-form solution.

    ``p`` is A's chance p_0 .. p_T (constant after T); ``proposer`` makes every offer
    (A by default: with A rising, the attacker is B, the declining side). ``first`` is the
    period war breaks out on the equilibrium path, or None. Differences within ``tol``
    count as indifference (no war), so that zero costs do not start wars on rounding.
    """
    v_a, v_b = war_payoffs(p, d, c_a, c_b)
    if proposer == "a":
        v_p, v_r, names = v_a, v_b, ("a", "b")
    elif proposer == "b":
        v_p, v_r, names = v_b, v_a, ("b", "a")
    else:
        raise ValueError(f"proposer must be 'a' or 'b', got {proposer!r}")
    n = len(v_p)
    w_r = max(v_r[-1], 0.0)  # the stationary tail
    w_p = 1.0 / (1.0 - d) - w_r
    margin = np.zeros(n)
    offer = np.full(n, np.nan)
    who = [""] * n
    for t in range(n - 1, -1, -1):
        need = v_r[t] - d * w_r
        if need > 1.0 + tol:
            margin[t], who[t] = need - 1.0, names[1]
            w_p, w_r = v_p[t], v_r[t]
            continue
        x = min(1.0, max(0.0, need))
        gain = v_p[t] - (1.0 - x + d * w_p)
        margin[t] = max(need - 1.0, gain)
        if gain > tol:
            who[t] = names[0]
            w_p, w_r = v_p[t], v_r[t]
        else:
            offer[t] = x
            w_p, w_r = 1.0 - x + d * w_p, x + d * w_r
    w_a, w_b = (w_p, w_r) if proposer == "a" else (w_r, w_p)
    periods = np.array([t for t in range(n) if who[t]], dtype=np.int64)
    return PreventiveWar(periods, tuple(who), margin, offer, w_a, w_b)


def declining_margins(p: ArrayLike, d: float, c_b: float) -> Array:
    """The explicit condition for B, the declining side, when A rises and proposes.

    margin[t] = min over s in t+1 .. max(T, t+1) of d^k p^_s - p_t - (1 - d)(1 - d^k) c_B
    + (d - d^k), k = s - t, p^_s = min(p_s, 1 - (1 - d) c_B); B fights at t iff
    margin[t] > 0. Exact when p is nondecreasing (A then never fights). The margin is in
    per-period units: (1 - d) times B's shortfall V_B(t) - d W_B(t+1) - 1.
    """
    path = _path(p, d, 0.0, c_b)
    last = len(path) - 1
    cap = np.minimum(path, 1.0 - (1.0 - d) * c_b)
    t = np.arange(last + 1)[:, None]
    s = np.arange(1, last + 2)[None, :]  # s = 1 .. T + 1, p_{T+1} = p_T
    valid = (s > t) & ((s <= last) | (s == t + 1))
    dk = d ** (s - t).astype(np.float64)
    term = dk * cap[np.minimum(s, last)] - path[:, None] - (1.0 - d) * (1.0 - dk) * c_b
    term = term + (d - dk)
    return np.asarray(np.where(valid, term, np.inf).min(axis=1), dtype=np.float64)


def powell_bound(p: ArrayLike, d: float, c_a: float, c_b: float) -> PreventiveWar:
    """Powell's bound: B fights at t if d p_{t+1} - p_t > (1 - d)(c_B + d c_A).

    B's war value at t exceeds the most A can credibly promise, 1 + d(1/(1-d) - V_A(t+1)):
    war in every equilibrium of every protocol (if t is reached). Only ``periods``,
    ``attacker`` and ``margin`` are meaningful (offers are nan, values nan).
    """
    path = _path(p, d, c_a, c_b)
    nxt = np.append(path[1:], path[-1])
    margin = d * nxt - path - (1.0 - d) * (c_b + d * c_a)
    periods = np.flatnonzero(margin > 0).astype(np.int64)
    who = tuple("b" if m > 0 else "" for m in margin)
    return PreventiveWar(periods, who, margin, np.full(len(path), np.nan), math.nan, math.nan)


@dataclass(frozen=True)
class BruteForce:
    """The equilibrium path of the grid game: whether and when war occurs, and who starts it."""

    war: bool
    period: int | None
    attacker: str | None
    offer: Array  # the responder's share offered at t = 0 .. T (nan where war)
    value_a: float
    value_b: float


def backward_induction(
    p: ArrayLike,
    d: float,
    c_a: float,
    c_b: float,
    *,
    proposer: Side = "a",
    grid: int = 4001,
    horizon: int | None = None,
    tol: float = ACCEPT_TOL,
) -> BruteForce:
    """Brute force: the finite game solved backwards over a grid of offers.

    The game lasts ``horizon`` periods (default: T plus enough periods for d^k to fall
    below 1e-10); war at t gives the winner the flow of periods t .. horizon - 1, so
    V_A(t) = p_t (1 - d^(H - t))/(1 - d) - c_A. From the last period back, the proposer
    tries every offer x in {0, 1/(grid-1), ..., 1} (the responder's share), the responder
    accepts iff x + d W_R(t+1) >= V_R(t) - tol, and the proposer takes the best of its
    accepted offers (the lowest on ties) unless war pays more than ``tol`` more.
    """
    path = _path(p, d, c_a, c_b)
    if proposer not in ("a", "b"):
        raise ValueError(f"proposer must be 'a' or 'b', got {proposer!r}")
    n = len(path)
    h = horizon if horizon is not None else n + math.ceil(math.log(1e-10) / math.log(d))
    offers = np.linspace(0.0, 1.0, grid)
    w_p = w_r = 0.0
    war_at = np.zeros(h, dtype=bool)
    who = [""] * h
    offered = np.full(h, np.nan)
    for t in range(h - 1, -1, -1):
        pt = path[min(t, n - 1)]
        stream = (1.0 - d ** (h - t)) / (1.0 - d)
        v_a, v_b = pt * stream - c_a, (1.0 - pt) * stream - c_b
        v_p, v_r = (v_a, v_b) if proposer == "a" else (v_b, v_a)
        accept = offers + d * w_r >= v_r - tol
        if not accept.any():
            war_at[t], who[t] = True, ("b" if proposer == "a" else "a")
            w_p, w_r = v_p, v_r
            continue
        payoff = np.where(accept, 1.0 - offers + d * w_p, -np.inf)
        i = int(np.argmax(payoff))
        if v_p > payoff[i] + tol:
            war_at[t], who[t] = True, proposer
            w_p, w_r = v_p, v_r
        else:
            offered[t] = offers[i]
            w_p, w_r = float(payoff[i]), float(offers[i] + d * w_r)
    wars = np.flatnonzero(war_at)
    first = int(wars[0]) if len(wars) else None
    w_a, w_b = (w_p, w_r) if proposer == "a" else (w_r, w_p)
    return BruteForce(
        war=first is not None,
        period=first,
        attacker=who[first] if first is not None else None,
        offer=offered[:n],
        value_a=w_a,
        value_b=w_b,
    )
