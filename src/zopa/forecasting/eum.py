"""Bueno de Mesquita's expected-utility model (EUM), as specified by Scholz, Calbert and Smith.

References
----------
- J. B. Scholz, G. J. Calbert and G. A. Smith (2011), "Unravelling Bueno De Mesquita's
  group decision model", Journal of Theoretical Politics 23(4):510-531.
- B. Bueno de Mesquita (1985), "The War Trap Revisited", APSR 79(1):156-177; (1994)
  "Political forecasting: an expected utility method", in Bueno de Mesquita and Stokman
  (eds.), European Community Decision Making; (1997) "A decision making model: its
  structure and form", International Interactions 23(3-4):235-266.

The model, one issue at a time
------------------------------
(The equations as Scholz, Calbert and Smith 2011 state them.)
Actors i = 1..n hold positions x_i on one issue, with capability c_i >= 0 and salience
s_i in [0, 1] (s_j is also read as the probability that j resists a challenge). D is the
position range (by default max - min of the starting positions), m the forecast centre at
the start of the round (the weighted median, i.e. the Condorcet winner, or the weighted
mean; it enters only through U_b and U_w, i.e. when Q < 1), r_i the risk exponent of
actor i. Each round:

1. Votes of actor k on i against j, and i's probability of prevailing over j::

       v_k(i vs j) = c_k s_k (|x_k - x_j| - |x_k - x_i|) / D
       P_i(j) = sum_k max(0, v_k(i vs j)) / sum_k |v_k(i vs j)|     (P_i(j) + P_j(i) = 1)

2. Utilities, seen by actor p with risk exponent r = r_p, of i challenging j::

       U_s = 2 - 4 (1/2 - 1/2 |x_i - x_j| / D)^r          success
       U_f = 2 - 4 (1/2 + 1/2 |x_i - x_j| / D)^r          failure
       U_b = 2 - 4 (1/2 - 1/4 (|x_i - m| + |x_i - x_j|) / D)^r   status quo gets better
       U_w = 2 - 4 (1/2 + 1/4 (|x_i - m| + |x_i - x_j|) / D)^r   status quo gets worse
       U_sq = 2 - 4 (1/2)^r

3. Expected utility of i challenging j (Q = T = 1 by default)::

       EU(i -> j) = s_j [P_i(j) U_s + (1 - P_i(j)) U_f] + (1 - s_j) U_s
                    - Q U_sq - (1 - Q) [T U_b + (1 - T) U_w]

4. Risk. With every r = 1, actor i's "danger" is d_i = sum_{j != i} EU(j -> i) (seen by i);
   over the actors on the issue::

       R_i = (2 d_i - max_k d_k - min_k d_k) / (max_k d_k - min_k d_k)   in [-1, 1]
       r_i = (1 - R_i / 3) / (1 + R_i / 3)                               in [0.5, 2]

   (R_i = 0, r_i = 1 for everyone when all dangers are equal.) Step 5 then uses r_i.

5. Offers. Receiver i looks at every j at another position, with EU_ij = EU(i -> j) and
   EU_ji = EU(j -> i), both computed from i's point of view (r = r_i):

   - EU_ij > 0, EU_ji > 0 and EU_ji > EU_ij: conflict; i loses and moves to x_j;
   - EU_ij < 0 < EU_ji and EU_ji > |EU_ij|: compromise; i moves the fraction |EU_ij / EU_ji|
     of the way: x_i + (x_j - x_i) |EU_ij / EU_ji|;
   - EU_ij < 0 < EU_ji and EU_ji < |EU_ij|: capitulation; i moves to x_j;
   - otherwise (e.g. both negative): no offer, status quo.

   Each actor takes, among the offers it received, the one that moves it least (ties: the
   proposer listed first). All actors move at once; then the next round starts.

All positions stay within the starting range (every move goes towards another actor). The
forecast of an issue is its forecast centre after the last round: by default the weighted
median (the median voter, Bueno de Mesquita's forecast), weights c_i s_i; ``centre="mean"``
gives the weighted mean sum c_i s_i x_i / sum c_i s_i instead.

Implementation: every round is array algebra on (n x n) matrices of pairs (and one
(n x n x n) tensor of votes, voter x challenger x challenged) with a leading batch axis, so
:class:`ExpectedUtility` runs all issues of a :class:`~zopa.forecasting.base.ForecastInput` at
once (no Python loop over pairs or issues). :func:`simulate_issue` runs one issue.

Variants: the paper and the public Python code
----------------------------------------------
``variant="scholz-2011"`` (the default) follows the equations above, i.e. the paper as
written. ``variant="scholz-python-2011"`` reproduces the public Python implementation
(jmckib/bdm-scholz-expected-utility-model, fork dmasad/bdm-scholz-expected-utility-model,
commit d7c7bbab) and so its published log ``Example.log`` on ``ExampleActors.csv``, move for
move and mean for mean. Each difference is one field of :class:`Rules` (listed in
:data:`DIFFERENCES`); the public code:

- ``vote_risk``: computes the votes from risk-weighted distances,
  v_k(i vs j) = c_k s_k ((|x_k - x_j| / D)^r_k - (|x_k - x_i| / D)^r_k) with the voter's own
  r_k (r_k = 1 while the dangers are computed). The paper's votes are linear in distance.
- ``probability``: divides by the sum of |v_k(a vs b)| over every voter k and every ordered
  pair of actors (a, b), not over the voters on the pair (i, j) only. The probabilities are
  then tiny and P_i(j) + P_j(i) != 1; the paper's denominator gives P_i(j) + P_j(i) = 1.
- ``capitulation``: tests ``eu_ji < abs(eu_ji)`` where ``eu_ji < abs(eu_ij)`` is meant, a
  test that is never true, so nobody ever capitulates. The paper's capitulation applies.
- ``choice``: chooses by kind first (any conflict, the one moving the actor least; else
  any compromise, the one with the lowest value of (|EU_ij| x_i + |EU_ji| x_j) /
  (|EU_ij| + |EU_ji|), a position rather than a distance; capitulations last). This is
  why Belgium compromises towards the Netherlands in rounds 4 and 9 of the log. The paper
  (and that code's own comment) says each actor takes the offer that moves it least.
- ``better_worse``: subtracts only Q U_sq, without the (1 - Q)[T U_b + (1 - T) U_w] term.
  The two agree when Q = 1 (the default and the log's setting).

On ``ExampleActors.csv`` the public code moves only Belgium, Luxembourg and Ireland (Belgium,
the median voter, swings between 4.1 and 10; mean 7.242 after round 10). Switching
``vote_risk``, ``probability`` or ``choice`` alone to the paper's rule changes that log;
``capitulation`` and ``better_worse`` alone do not (no capitulation case arises there, and
Q = 1). The default moves nine actors in round 1 (e.g. Belgium loses a conflict to the
Netherlands, France and Italy to Greece); the median stays at 7.0 in every round and the
mean drifts to 6.904 after round 10.

Further differences, the same in both variants (they do not affect the log):

- Median: the public code runs a sequential pairwise tournament over the distinct positions
  in Python ``set`` order; here the weighted median (the Condorcet winner in one dimension)
  is taken, the midpoint of the two middle positions when the weights split exactly in
  half. Both give 7.0 at the start of the log and agree whenever the winner is unique.
- The public code prints the *mean* on the lines labelled "Median position" after every
  round (its start-of-run median line is a true median). :class:`EUMRun` always carries
  both the true median and the mean; :func:`format_log` reproduces the mislabelled lines
  only for ``variant="scholz-python-2011"``, so that its output matches ``Example.log``.
- Equal dangers (e.g. an actor alone on an issue) make the public code divide by zero;
  here R_i = 0 (r_i = 1). Dangers count as equal when their spread is below 1e-12 times
  their magnitude.
- P_i(j) when no vote separates i and j (same position, or zero weights): the public code
  returns 0; the paper is silent. Here 0 in the compatibility variant and 1/2 in the
  default (keeping P_i(j) + P_j(i) = 1). Either way it does not change any EU at Q = 1,
  since U_s = U_f = U_sq when x_i = x_j.
- Floating point: sums over actors are taken left to right (as Python's ``sum``), and the
  compatibility variant raises to powers with the C library's ``pow`` (as Python's ``**``),
  not numpy's vectorised pow (which may differ in the last bit): with these,
  :func:`format_log` writes ``Example.log`` byte for byte (on glibc x86-64). The default
  uses numpy's pow.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Literal, NamedTuple

import numpy as np

from zopa.forecasting.base import Forecast, ForecastInput, ModelBase, finish

NO_MOVE, CONFLICT, COMPROMISE, CAPITULATION = 0, 1, 2, 3
KINDS = ("none", "conflict", "compromise", "capitulation")

Centre = Literal["median", "mean"]


@dataclass(frozen=True)
class Rules:
    """The points on which the public Python code departs from the paper (see module doc)."""

    vote_risk: bool = False
    probability: Literal["pair", "all-pairs"] = "pair"
    capitulation: bool = True
    choice: Literal["least-move", "by-kind"] = "least-move"
    better_worse: bool = True


VARIANTS: dict[str, Rules] = {
    "scholz-2011": Rules(),
    "scholz-python-2011": Rules(
        vote_risk=True,
        probability="all-pairs",
        capitulation=False,
        choice="by-kind",
        better_worse=False,
    ),
}

DIFFERENCES: dict[str, str] = {
    "vote_risk": "votes use the voter's risk exponent on distances (paper: linear votes)",
    "probability": "P divided by the votes over all actor pairs (paper: over the pair)",
    "capitulation": "capitulation test never true (paper: capitulate if EU_ji < |EU_ij|)",
    "choice": "offers chosen by kind, compromises by lowest position (paper: least move)",
    "better_worse": "no (1 - Q)[T U_b + (1 - T) U_w] term (same as paper when Q = 1)",
}
"""Each :class:`Rules` field on which ``scholz-python-2011`` differs from ``scholz-2011``."""


class Move(NamedTuple):
    """One actor's move in one round: ``actor`` accepts ``partner``'s offer of ``kind``."""

    round: int
    actor: int
    partner: int
    kind: str
    from_position: float
    to_position: float
    eu_own: float
    eu_other: float


@dataclass(frozen=True)
class EUMRun:
    """The result of :func:`simulate_issue` for one issue over ``rounds`` rounds.

    ``positions[t]`` are the actors' positions after round t (row 0: the start);
    ``mean[t]`` and ``median[t]`` the weighted mean and median after round t. For round
    t = 1..rounds (row t - 1 of the per-round arrays), ``kind`` holds the move of each actor
    (0 none, 1 conflict, 2 compromise, 3 capitulation, see :data:`KINDS`), ``partner`` the
    proposer whose offer it took (-1 if none), ``eu_own``/``eu_other`` the pair
    (EU_ij, EU_ji) of that offer (NaN if none) and ``risk`` the actors' risk exponents r_i.
    """

    variant: str
    centre: str
    position_range: float
    positions: np.ndarray
    mean: np.ndarray
    median: np.ndarray
    kind: np.ndarray
    partner: np.ndarray
    eu_own: np.ndarray
    eu_other: np.ndarray
    risk: np.ndarray

    @property
    def rounds(self) -> int:
        """Number of rounds run."""
        return int(self.kind.shape[0])

    @property
    def forecast(self) -> float:
        """The forecast centre (median or mean, as chosen) after the last round."""
        series = self.median if self.centre == "median" else self.mean
        return float(series[-1])

    def moves(self, round: int) -> list[Move]:
        """The moves of round ``round`` (1-based), in actor order."""
        if not 1 <= round <= self.rounds:
            raise IndexError(f"round must be in 1..{self.rounds}")
        t = round - 1
        out = []
        for a in np.flatnonzero(self.kind[t]):
            out.append(
                Move(
                    round=round,
                    actor=int(a),
                    partner=int(self.partner[t, a]),
                    kind=KINDS[int(self.kind[t, a])],
                    from_position=float(self.positions[t, a]),
                    to_position=float(self.positions[t + 1, a]),
                    eu_own=float(self.eu_own[t, a]),
                    eu_other=float(self.eu_other[t, a]),
                )
            )
        return out


# --------------------------------------------------------------------------------------
# The batched core: arrays (B, n), B independent issues (or runs) of n actor slots each.
# --------------------------------------------------------------------------------------


@dataclass
class _Batch:
    positions: np.ndarray  # (rounds + 1, B, n)
    mean: np.ndarray  # (rounds + 1, B)
    median: np.ndarray  # (rounds + 1, B)
    kind: np.ndarray  # (rounds, B, n) int8
    partner: np.ndarray  # (rounds, B, n) int
    eu_own: np.ndarray  # (rounds, B, n)
    eu_other: np.ndarray  # (rounds, B, n)
    risk: np.ndarray  # (rounds, B, n)


def _rules(variant: str) -> Rules:
    try:
        return VARIANTS[variant]
    except KeyError:
        raise ValueError(f"unknown variant {variant!r}; choose one of {sorted(VARIANTS)}") from None


# Variants evaluated with the C library's pow, so that they match their reference bit for bit.
_EXACT_POW = frozenset({"scholz-python-2011"})
_libm_pow = np.frompyfunc(math.pow, 2, 1)


def _power(base: np.ndarray | float, exp: np.ndarray | float, exact: bool) -> np.ndarray:
    """base ** exp; ``exact``: through the C library's pow (as Python's ``**``), element by
    element, instead of numpy's vectorised pow, which may differ in the last bit."""
    if exact:
        base, exp = np.broadcast_arrays(np.asarray(base, dtype=float), exp)
        return _libm_pow(base, exp).astype(float)
    return np.power(base, exp)


def _sum_last(a: np.ndarray) -> np.ndarray:
    """Sum over the last axis strictly left to right (as Python's ``sum``), not pairwise."""
    return np.cumsum(a, axis=-1)[..., -1]


def _weighted_mean(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    total = _sum_last(w)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, _sum_last(w * x) / np.where(total > 0, total, 1.0), np.nan)


def _weighted_median(x: np.ndarray, w: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Weighted median per row over the present slots (midpoint on an exact half split)."""
    key = np.where(present, x, np.inf)
    order = np.argsort(key, axis=-1, kind="stable")
    xs = np.take_along_axis(key, order, -1)
    ws = np.take_along_axis(np.where(present, w, 0.0), order, -1)
    cum = np.cumsum(ws, -1)
    total = cum[..., -1:]
    half = total / 2
    tol = 1e-12 * total
    idx = np.argmax(cum >= half - tol, axis=-1)[..., None]
    exact = np.take_along_axis(cum, idx, -1) <= half + tol
    count = present.sum(-1, keepdims=True)
    nxt = np.minimum(idx + 1, np.maximum(count - 1, 0))
    lo = np.take_along_axis(xs, idx, -1)
    hi = np.take_along_axis(xs, nxt, -1)
    med = np.where(exact, (lo + hi) / 2, lo)[..., 0]
    return np.where((count[..., 0] > 0) & (total[..., 0] > 0), med, np.nan)


def _probability(
    dist: np.ndarray,
    w: np.ndarray,
    pair: np.ndarray,
    risk: np.ndarray | None,
    rules: Rules,
    exact: bool,
) -> np.ndarray:
    """P[b, i, j]: probability that i prevails over j, from the votes of every actor k."""
    d = dist if risk is None else _power(dist, risk[:, :, None], exact)
    # v[b, k, i, j] = w_k (d[k, j] - d[k, i]): voter k's vote for i against j
    v = w[:, :, None, None] * (d[:, :, None, :] - d[:, :, :, None])
    num = np.maximum(v, 0.0).sum(1)  # a reduction over an outer axis: left to right in k
    if rules.probability == "pair":
        den, fallback = np.abs(v).sum(1), 0.5
    else:
        # in the order voter k, then challenger i, then challenged j (as the public code)
        flat = np.where(pair[:, None], np.abs(v), 0.0).reshape(v.shape[0], -1)
        den = _sum_last(flat)[:, None, None]
        den, fallback = np.broadcast_to(den, num.shape), 0.0
    out = np.full_like(num, fallback)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _expected_utilities(
    dist: np.ndarray,
    prob: np.ndarray,
    sal: np.ndarray,
    risk: np.ndarray | None,
    to_centre: np.ndarray | None,
    q: float,
    t: float,
    exact: bool,
    both: bool = True,
) -> tuple[np.ndarray | None, np.ndarray]:
    """(EU_ij, EU_ji)[b, i, j], both seen by i (risk exponent r_i; None: every r = 1).

    EU_ij: i challenges j; EU_ji: j challenges i. ``to_centre`` is |x - m| / D per actor,
    given when the (1 - Q)[T U_b + (1 - T) U_w] term applies. ``both=False``: EU_ji only.
    """
    if risk is None:  # x ** 1 == x exactly, so skipping the pow changes no bit
        us = 2.0 - 4.0 * np.maximum(0.5 - 0.5 * dist, 0.0)
        uf = 2.0 - 4.0 * (0.5 + 0.5 * dist)
        usq: np.ndarray | float = 0.0
        rr: np.ndarray | float = 1.0
    else:
        rr = risk[:, :, None]
        us = 2.0 - 4.0 * _power(np.maximum(0.5 - 0.5 * dist, 0.0), rr, exact)
        uf = 2.0 - 4.0 * _power(0.5 + 0.5 * dist, rr, exact)
        usq = 2.0 - 4.0 * _power(0.5, rr, exact)
    s_i = sal[:, :, None]
    prob_t = np.swapaxes(prob, 1, 2)
    eu_ji = s_i * (prob_t * us + (1.0 - prob_t) * uf) + (1.0 - s_i) * us - q * usq
    eu_ij = None
    if both:
        s_j = sal[:, None, :]
        eu_ij = s_j * (prob * us + (1.0 - prob) * uf) + (1.0 - s_j) * us - q * usq
    if to_centre is not None:
        for eu, own in ((eu_ij, to_centre[:, :, None]), (eu_ji, to_centre[:, None, :])):
            if eu is None:
                continue
            spread = 0.25 * (own + dist)
            ub = 2.0 - 4.0 * _power(np.maximum(0.5 - spread, 0.0), rr, exact)
            uw = 2.0 - 4.0 * _power(0.5 + spread, rr, exact)
            eu -= (1.0 - q) * (t * ub + (1.0 - t) * uw)
    return eu_ij, eu_ji


def _risk(danger: np.ndarray, present: np.ndarray, everyone: bool) -> np.ndarray:
    """r_i from the dangers d_i of the actors present (R_i = 0 when all are equal)."""
    dmax = (danger if everyone else np.where(present, danger, -np.inf)).max(-1, keepdims=True)
    dmin = (danger if everyone else np.where(present, danger, np.inf)).min(-1, keepdims=True)
    span = dmax - dmin
    flat = ~(span > 1e-12 * np.maximum(np.abs(dmax), np.abs(dmin)))
    big_r = np.where(flat, 0.0, (2.0 * danger - dmax - dmin) / np.where(flat, 1.0, span))
    r = (1.0 - big_r / 3.0) / (1.0 + big_r / 3.0)
    return r if everyone else np.where(present, r, 1.0)


def _centres(x: np.ndarray, w: np.ndarray, present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted (mean, median) over the last axis of x (any leading axes)."""
    w = np.broadcast_to(w, x.shape)
    present = np.broadcast_to(present, x.shape)
    return _weighted_mean(x, w), _weighted_median(x, w, present)


def _simulate(
    x0: np.ndarray,
    cap: np.ndarray,
    sal: np.ndarray,
    present: np.ndarray,
    prange: np.ndarray,
    rounds: int,
    centre: Centre,
    q: float,
    t: float,
    rules: Rules,
    exact: bool = False,
) -> _Batch:
    """Run ``rounds`` rounds on B issues at once. All inputs (B, n) except prange (B,)."""
    nb, n = x0.shape
    w = np.where(present, cap * sal, 0.0)
    s = np.where(present, sal, 0.0)
    pair = present[:, :, None] & present[:, None, :]
    others = pair & ~np.eye(n, dtype=bool)
    dscale = prange[:, None, None]
    row_start = np.arange(nb * n).reshape(nb, n) * n  # flat index of element [b, i, 0]
    with_centre = rules.better_worse and q != 1.0
    everyone = bool(present.all())

    positions = np.empty((rounds + 1, nb, n))
    kind = np.empty((rounds, nb, n), dtype=np.int8)
    partner = np.empty((rounds, nb, n), dtype=np.int64)
    eu_own = np.empty((rounds, nb, n))
    eu_other = np.empty((rounds, nb, n))
    risk_log = np.empty((rounds, nb, n))

    x = x0.astype(float, copy=True)
    positions[0] = x
    with np.errstate(divide="ignore", invalid="ignore"):
        for rnd in range(rounds):
            to_centre = None
            if with_centre:
                mean, median = _centres(x, w, present)
                m = median if centre == "median" else mean
                to_centre = np.abs(x - m[:, None]) / prange[:, None]
            diff = x[:, None, :] - x[:, :, None]  # [b, i, j] = x_j - x_i
            dist = np.abs(diff) / dscale

            # Dangers d_i = sum_j EU(j -> i) and risk exponents, with every r = 1.
            prob1 = _probability(dist, w, pair, None, rules, exact)
            _, eu_ji1 = _expected_utilities(dist, prob1, s, None, to_centre, q, t, exact, False)
            risk = _risk(_sum_last(np.where(others, eu_ji1, 0.0)), present, everyone)

            # Offers, seen by each receiver i with its own r_i.
            prob = _probability(dist, w, pair, risk, rules, exact) if rules.vote_risk else prob1
            eu_ij, eu_ji = _expected_utilities(dist, prob, s, risk, to_centre, q, t, exact)
            assert eu_ij is not None
            valid = others & (diff != 0.0)
            losing = valid & (eu_ij < 0.0) & (eu_ji > 0.0)
            code = (valid & (eu_ij > 0.0) & (eu_ji > eu_ij)).astype(np.int8)  # conflict: 1
            code += COMPROMISE * (losing & (eu_ji > -eu_ij))
            if rules.capitulation:
                code += CAPITULATION * (losing & (eu_ji < -eu_ij))
            xi = x[:, :, None]
            xj = x[:, None, :]
            target = np.where(code == COMPROMISE, xi + diff * np.abs(eu_ij / eu_ji), xj)
            move = np.abs(target - xi)
            if rules.choice == "least-move":
                best = np.argmin(np.where(code > 0, move, np.inf), -1)
            else:
                a_ij, a_ji = np.abs(eu_ij), np.abs(eu_ji)
                key = (a_ij * xi + a_ji * xj) / (a_ij + a_ji)
                conflict, compromise = code == CONFLICT, code == COMPROMISE
                best = np.where(
                    conflict.any(-1),
                    np.argmin(np.where(conflict, move, np.inf), -1),
                    np.where(
                        compromise.any(-1),
                        np.argmin(np.where(compromise, key, np.inf), -1),
                        np.argmin(np.where(code == CAPITULATION, move, np.inf), -1),
                    ),
                )
            pick = row_start + best
            chosen = np.take(code, pick)
            x = np.where(chosen > 0, np.take(target, pick), x)

            kind[rnd] = chosen
            partner[rnd] = best
            eu_own[rnd] = np.take(eu_ij, pick)
            eu_other[rnd] = np.take(eu_ji, pick)
            risk_log[rnd] = risk
            positions[rnd + 1] = x

    idle = kind == NO_MOVE
    partner[idle] = -1
    eu_own[idle] = np.nan
    eu_other[idle] = np.nan
    mean, median = _centres(positions, w, present)
    return _Batch(positions, mean, median, kind, partner, eu_own, eu_other, risk_log)


def _check_common(rounds: int, centre: str, q: float, t: float) -> None:
    if not isinstance(rounds, (int, np.integer)) or rounds < 0:
        raise ValueError("rounds must be an integer >= 0")
    if centre not in ("median", "mean"):
        raise ValueError("centre must be 'median' or 'mean'")
    if not (0.0 <= q <= 1.0 and 0.0 <= t <= 1.0):
        raise ValueError("q and t must be in [0, 1]")


def _one_issue(
    position: np.ndarray | list[float],
    capability: np.ndarray | list[float],
    salience: np.ndarray | list[float],
    position_range: float | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    x = np.asarray(position, dtype=float)
    c = np.asarray(capability, dtype=float)
    s = np.asarray(salience, dtype=float)
    if x.ndim != 1 or x.size == 0 or c.shape != x.shape or s.shape != x.shape:
        raise ValueError("position, capability and salience must be 1-D, non-empty, equal length")
    if not (np.isfinite(x).all() and np.isfinite(c).all() and np.isfinite(s).all()):
        raise ValueError("position, capability and salience must be finite")
    if (c < 0).any():
        raise ValueError("capability must be >= 0")
    if ((s < 0) | (s > 1)).any():
        raise ValueError("salience must be in [0, 1]")
    spread = float(x.max() - x.min())
    if position_range is None:
        return x, c, s, (spread if spread > 0 else 1.0)
    prange = float(position_range)
    if not (prange > 0 and prange >= spread * (1 - 1e-12)):
        raise ValueError(f"position_range must be > 0 and cover the positions ({spread})")
    return x, c, s, prange


def simulate_issue(
    position: np.ndarray | list[float],
    capability: np.ndarray | list[float],
    salience: np.ndarray | list[float],
    *,
    rounds: int = 10,
    position_range: float | None = None,
    centre: Centre = "median",
    q: float = 1.0,
    t: float = 1.0,
    variant: str = "scholz-2011",
) -> EUMRun:
    """Run the EUM on ONE issue.

    ``position``, ``capability`` (>= 0) and ``salience`` (in [0, 1]) are per actor, in the
    data's own units. ``position_range`` is D (default: max - min of the positions; it must
    cover them). ``centre`` is the forecast centre (``"median"`` or ``"mean"``), also used as
    m in U_b and U_w when q < 1. ``variant`` is ``"scholz-2011"`` (the paper, default) or
    ``"scholz-python-2011"`` (the public Python code and its ``Example.log``).
    """
    rules = _rules(variant)
    _check_common(rounds, centre, q, t)
    x, c, s, prange = _one_issue(position, capability, salience, position_range)
    present = np.ones((1, x.size), dtype=bool)
    args = (rounds, centre, q, t, rules, variant in _EXACT_POW)
    batch = _simulate(x[None, :], c[None, :], s[None, :], present, np.array([prange]), *args)
    return EUMRun(
        variant=variant,
        centre=centre,
        position_range=prange,
        positions=batch.positions[:, 0],
        mean=batch.mean[:, 0],
        median=batch.median[:, 0],
        kind=batch.kind[:, 0],
        partner=batch.partner[:, 0],
        eu_own=batch.eu_own[:, 0],
        eu_other=batch.eu_other[:, 0],
        risk=batch.risk[:, 0],
    )


def win_probabilities(
    position: np.ndarray | list[float],
    capability: np.ndarray | list[float],
    salience: np.ndarray | list[float],
    *,
    position_range: float | None = None,
    risk: np.ndarray | list[float] | None = None,
    variant: str = "scholz-2011",
) -> np.ndarray:
    """The (n x n) matrix P[i, j] = P_i(j), the probability that i prevails over j.

    ``risk`` gives the voters' exponents r_k, used only where the variant's votes are
    risk-weighted (``scholz-python-2011``); by default every r_k = 1.
    """
    rules = _rules(variant)
    x, c, s, prange = _one_issue(position, capability, salience, position_range)
    dist = np.abs(x[None, None, :] - x[None, :, None]) / prange
    w = (c * s)[None, :]
    pair = np.ones((1, x.size, x.size), dtype=bool)
    r = None
    if rules.vote_risk and risk is not None:
        r = np.asarray(risk, dtype=float).reshape(1, x.size)
    return _probability(dist, w, pair, r, rules, variant in _EXACT_POW)[0]


def format_log(run: EUMRun, names: tuple[str, ...] | list[str]) -> str:
    """The run as a log in the public Python code's format (that of ``Example.log``).

    For ``variant="scholz-python-2011"`` the lines labelled "Median position" after each
    round print the mean, as that code does; otherwise they print the median.
    """
    buggy = run.variant == "scholz-python-2011"
    verb = {
        "conflict": "{} loses confrontation to {}",
        "compromise": "{} compromises with {}",
        "capitulation": "{} capitulates to {}",
    }
    lines = [
        f"Median position: {float(run.median[0])!r}",
        f"Mean position: {float(run.mean[0])!r}",
    ]
    for rnd in range(1, run.rounds + 1):
        lines += ["", f"ROUND {rnd}"]
        for mv in run.moves(rnd):
            lines.append(verb[mv.kind].format(names[mv.actor], names[mv.partner]))
            lines.append(f"\t{mv.eu_own!r} vs {mv.eu_other!r}")
            lines.append(f"\tnew_pos = {mv.to_position!r}")
        shown = run.mean[rnd] if buggy else run.median[rnd]
        lines += [
            "",
            f"Median position: {float(shown)!r}",
            f"Mean position: {float(run.mean[rnd])!r}",
        ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------
# The model class (shared interface of zopa.forecasting.base)
# --------------------------------------------------------------------------------------

_MAX_BATCH_CELLS = 500_000  # B * n^3 cells of the vote tensor per batch (cache-friendly)
_SALIENCE_AUTO_LIMIT = 5.0  # largest salience still read on a 0..1 scale


class ExpectedUtility(ModelBase):
    """Bueno de Mesquita's expected-utility model over every issue of a ForecastInput.

    Each issue runs independently with the actors present on it (position not NaN and
    salience > 0). The predicted position of an issue is its forecast centre after the last
    round: the weighted median (``centre="median"``, default) or the weighted mean
    (``centre="mean"``). ``position_range`` is D for every issue; None (default) takes each
    issue's own range (max - min of its starting positions), so results do not depend on
    the scale the positions are written on. ``salience_scale`` divides the saliences to put
    them in [0, 1], where s_j is the probability that j resists; values above 1 after the
    division count as 1 (e.g. jittered saliences in a Monte Carlo draw). None (default):
    1 when every salience is <= 5 (saliences written 0..1, possibly jittered above 1), else
    100 (written 0..100, the DEU and KTAB convention). ``variant``,
    ``q`` and ``t``: see :func:`simulate_issue`. ``keep_moves`` puts the per-issue move logs
    into ``details["moves"]`` (a list per round of dicts); the Monte Carlo and the backtest
    turn it off (``lean_params``). Issues are simulated independently, in one batch
    (``stacks_issues``); the forecast carries every round's positions (``has_trajectory``).
    """

    name: ClassVar[str] = "eum"
    stacks_issues: ClassVar[bool] = True
    has_trajectory: ClassVar[bool] = True
    lean_params: ClassVar[Mapping[str, Any]] = {"keep_moves": False}

    def __init__(
        self,
        rounds: int = 10,
        *,
        centre: Centre = "median",
        q: float = 1.0,
        t: float = 1.0,
        variant: str = "scholz-2011",
        position_range: float | None = None,
        salience_scale: float | None = None,
        keep_moves: bool = True,
    ) -> None:
        self.rules = _rules(variant)
        _check_common(rounds, centre, q, t)
        if position_range is not None and not position_range > 0:
            raise ValueError("position_range must be > 0")
        if salience_scale is not None and not salience_scale > 0:
            raise ValueError("salience_scale must be > 0")
        self.rounds = int(rounds)
        self.centre: Centre = centre
        self.q = float(q)
        self.t = float(t)
        self.variant = variant
        self.position_range = position_range
        self.salience_scale = salience_scale
        self.keep_moves = keep_moves

    def predict(self, inputs: ForecastInput) -> Forecast:
        """Forecast every issue; see the class docstring."""
        pos = np.asarray(inputs.position, dtype=float).T  # (issues, actors)
        sal_raw = np.nan_to_num(np.asarray(inputs.salience, dtype=float).T, nan=0.0)
        cap = np.asarray(inputs.capability, dtype=float)
        if not np.isfinite(cap).all() or (cap < 0).any():
            raise ValueError("capability must be finite and >= 0")
        present = ~np.isnan(pos) & (sal_raw > 0)
        if not np.isfinite(pos[present]).all():
            raise ValueError("positions must be finite where present")
        n_issues, n = pos.shape
        sal = np.minimum(sal_raw / self._salience_scale(sal_raw[present]), 1.0)

        any_present = present.any(-1)
        hi = np.where(present, pos, -np.inf).max(-1)
        lo = np.where(present, pos, np.inf).min(-1)
        spread = np.where(any_present, hi - lo, 0.0)
        if self.position_range is None:
            prange = np.where(spread > 0, spread, 1.0)
        else:
            if (spread > self.position_range * (1 + 1e-12)).any():
                raise ValueError("position_range does not cover the positions of every issue")
            prange = np.full(n_issues, float(self.position_range))
        x0 = np.where(present, pos, np.where(any_present, lo, 0.0)[:, None])
        capb = np.broadcast_to(cap, (n_issues, n))

        batch = self._run(x0, capb, sal, present, prange)
        final = batch.median[-1] if self.centre == "median" else batch.mean[-1]
        final = np.where(any_present, final, np.nan)
        traj = np.where(present[None], batch.positions, np.nan).transpose(0, 2, 1)

        details: dict[str, Any] = {
            "variant": self.variant,
            "centre": self.centre,
            "q": self.q,
            "t": self.t,
            "position_range": {k: float(d) for k, d in zip(inputs.issues, prange, strict=True)},
            "mean": {k: batch.mean[:, i].tolist() for i, k in enumerate(inputs.issues)},
            "median": {k: batch.median[:, i].tolist() for i, k in enumerate(inputs.issues)},
        }
        if self.keep_moves:
            details["moves"] = self._move_logs(batch, inputs.issues, inputs.actors)
        return finish(
            self.name, inputs, final, rounds=self.rounds, trajectory=traj, details=details
        )

    def _salience_scale(self, values: np.ndarray) -> float:
        if self.salience_scale is not None:
            return float(self.salience_scale)
        top = float(values.max()) if values.size else 0.0
        return 1.0 if top <= _SALIENCE_AUTO_LIMIT else 100.0

    def _run(
        self,
        x0: np.ndarray,
        cap: np.ndarray,
        sal: np.ndarray,
        present: np.ndarray,
        prange: np.ndarray,
    ) -> _Batch:
        nb, n = x0.shape
        step = max(1, _MAX_BATCH_CELLS // max(1, n**3))
        exact = self.variant in _EXACT_POW

        def run(part: slice) -> _Batch:
            return _simulate(
                x0[part],
                cap[part],
                sal[part],
                present[part],
                prange[part],
                self.rounds,
                self.centre,
                self.q,
                self.t,
                self.rules,
                exact,
            )

        if nb <= step:
            return run(slice(None))
        parts = [run(slice(a, a + step)) for a in range(0, nb, step)]
        joined = {
            f.name: np.concatenate([getattr(p, f.name) for p in parts], 1) for f in fields(_Batch)
        }
        return _Batch(**joined)

    @staticmethod
    def _move_logs(
        batch: _Batch, issues: tuple[str, ...], actors: tuple[str, ...]
    ) -> dict[str, Any]:
        """Per issue, per round (element t - 1: round t), the moves as dicts."""
        rounds = batch.kind.shape[0]
        logs: dict[str, list[list[dict[str, Any]]]] = {
            k: [[] for _ in range(rounds)] for k in issues
        }
        rnd, issue, actor = np.nonzero(batch.kind)
        columns = zip(
            rnd.tolist(),
            issue.tolist(),
            actor.tolist(),
            batch.kind[rnd, issue, actor].tolist(),
            batch.partner[rnd, issue, actor].tolist(),
            batch.positions[rnd, issue, actor].tolist(),
            batch.positions[rnd + 1, issue, actor].tolist(),
            batch.eu_own[rnd, issue, actor].tolist(),
            batch.eu_other[rnd, issue, actor].tolist(),
            strict=True,
        )
        for t, k, a, code, b, start, end, own, other in columns:
            logs[issues[k]][t].append(
                {
                    "actor": actors[a],
                    "kind": KINDS[code],
                    "partner": actors[b],
                    "from": start,
                    "to": end,
                    "eu_own": own,
                    "eu_other": other,
                }
            )
        return logs
