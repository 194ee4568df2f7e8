"""Stokman's exchange model: vote trading between issues (logrolling), equal-gain variant.

Actors trade support across pairs of issues: each moves its (voting) position on the issue
it cares relatively less about towards the other's position, in return for the other
moving on the issue it cares relatively more about. Positions live on a 0..100 scale per
issue (positions on an issue's own scale [lower, upper] are normalised first,
``z = (x - lower) * 100 / (upper - lower)``); actor i has salience ``s_ik`` and power
(capability) ``c_ik`` on issue k; an absent actor takes no part in the issue.

**Outcome.** The outcome of issue k is the weighted mean (Stokman's "expected outcome",
decide's "NBS" / mean-of-distribution solution)::

    O_k = sum_i c_ik s_ik x_ik / D_k,    D_k = sum_i c_ik s_ik.

An actor moving by ``m`` on issue k shifts it by ``a_ik m`` with ``a_ik = c_ik s_ik / D_k``.

**Candidate exchanges (one round).** For every pair of issues (p, q), p before q, the actors
present on both are split by side of the outcome (``left`` means ``x_ik <= O_k``): group A
right of O on both issues, D left on both, B left on p and right on q, C the reverse.
Every pair (A, D) and every pair (B, C) is a candidate. Of the two actors, side ``i`` is
the one with the larger relative salience ``s_p / s_q`` (``i`` demands p and supplies q;
``j`` demands q and supplies p; on a tie the earlier actor of the pair is ``i``).

**Equal gain.** If j moves all the way to i's position on p the outcome of p shifts by
``F_p = a_jp |x_ip - x_jp|``; if i moves all the way to j's position on q, q shifts by
``F_q = a_iq |x_jq - x_iq|``. The shifts are tied by the equal-gain condition
``dP (s_ip + s_jp) = dQ (s_iq + s_jq)`` (i gains ``s_ip dP - s_iq dQ``, j gains
``s_jq dQ - s_jp dP``; both gains are equal)::

    k = (s_ip + s_jp) / (s_iq + s_jq),   dP = min(F_p, F_q / k),   dQ = k dP,
    move_i = +-dQ / a_iq  (towards x_jq),   move_j = +-dP / a_jp  (towards x_ip),
    gain = |s_ip dP - s_iq dQ| = dP |k s_iq - s_ip|.

So one of the two moves all the way, the other part of the way. The outcome may not pass
the demanding actor's position: if the outcome of the supplier's issue (as the exchange
sees it: round-start positions, updated with the earlier moves of this round it is told
about) would cross the demander's position ``x``, the supplier's shift is cut to
``|x - O|`` and the partner's shift is scaled by the equal-gain ratio (this check is made
for i, then for j). An exchange is valid when both moves are larger than 1e-10, no
larger than 100, keep the actor inside 0..100, point the same way as the actor's earlier
moves on that issue this round (and their sum stays <= 100), and the gain is >= 1e-10.

**Choosing exchanges.** All valid candidates are sorted by gain; the best one is made; every
candidate that shares an actor's supply issue with it (the actor's position moved) or whose
actor's demand issue it served (the outcome it sees moved) is recomputed, and the ones that
became invalid are dropped. This repeats until no candidate is left. Ties in the gain keep
the order of the (stable) sort of the previous step, back to the order of creation.

**Position update.** After the round each actor that moved on issue k votes at ``y`` (its
position after its last exchange there) and the round's outcome is ``O_k`` over the voting
positions. Its next start position is (Stokman & Van der Knoop's partial adjustment,
salience weight 0.4 and fixed weight 0.1 in decide)::

    x' = ((1 - s) 0.4 + 0.1) y + (1 - (1 - s) 0.4 - 0.1) x.

The model runs a fixed number of rounds (decide's default: 10); here it stops early after
a round without any exchange, since every later round would be the same.

**Predicted position.** :class:`ExchangeModel` predicts, per issue, the outcome over the
voting positions of the final round, which is what decide holds in ``model.nbs`` after its
last ``ModelLoop.loop()`` (its issue-development output reports it per round).

References:
    Stokman, F. N. and Van Oosten, R. (1994). The exchange of voting positions: an
    object-oriented model of policy networks. In Bueno de Mesquita and Stokman (eds.),
    *European Community Decision Making*, 105-127. Yale University Press.
    Stokman, F. N. and Van der Knoop, J. (1997). Beleidsnetwerken en besluitvorming /
    Stokman, F. N., Van der Knoop, J. and Van Oosten, R. (2013). Modeling collective
    decision-making. In Wittek, Snijders and Nee (eds.), *Handbook of Rational Choice Social
    Research*. Stanford University Press.
    decide-exchange-model (PyPI, module ``decide``; GPL-3.0; github.com/foarsitter/
    decide-exchange-model), the Decide/Stokman reference implementation in Python with
    Decimal arithmetic: ``decide.model.equalgain.EqualGainModel`` driven by
    ``decide.model.utils.ModelLoop``. This module is an independent numpy implementation
    checked against version 2022.1.28 exchange by exchange (tests/test_exchange.py).

Differences from decide (all deliberate, none reached on decide's own data):
    * Float64 instead of 28-digit Decimal: moves agree to about 1e-12. Equal gains are
      ties when they differ by at most ``tie_tolerance``; outcome sides and the outcome
      crossing test use ``tolerance`` so that values decide computes as exactly equal are
      treated as equal here too.
    * decide picks at random between two exchanges of exactly equal gain unless
      ``EqualGainModel.ALLOW_RANDOM`` is False; this module always does what decide does with
      ``ALLOW_RANDOM = False`` (the stable order).
    * An actor with salience 0 or power 0 on an issue takes no part in exchanges over it
      (decide divides by zero); it still counts (with weight 0) on the issue.
    * An issue whose weights sum to 0 has the plain mean of the present positions as its
      outcome (decide reports 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from zopa.forecast.base import Forecast, ForecastInput, finish

__all__ = ["ExchangeModel", "ExchangeResult", "ExchangeRound", "exchange_model", "outcome"]

MIN_MOVE = 1e-10  # decide: a move of at most 1e-10 is no move
MIN_GAIN = 1e-10  # decide: an exchange gaining less than 1e-10 is not made
_EDGE = 1e-9  # float slack on the 0..100 scale bounds and the 100-point move budget


@dataclass(frozen=True)
class ExchangeRound:
    """One round: the exchanges made, in order, and the positions before and after.

    Exchange arrays have one entry per exchange made, in execution order. Side ``i``
    supplies issue ``i_supply`` (decide's q) and demands ``j_supply`` (decide's p); side
    ``j`` the reverse. ``*_from`` is the actor's position on its supply issue just before
    the exchange, ``*_move`` its signed move, ``*_vote = *_from + *_move``. All positions
    and moves are on the normalised 0..100 scale (decide's internal scale).
    """

    i: np.ndarray
    j: np.ndarray
    i_supply: np.ndarray
    j_supply: np.ndarray
    i_from: np.ndarray
    j_from: np.ndarray
    i_move: np.ndarray
    j_move: np.ndarray
    i_vote: np.ndarray
    j_vote: np.ndarray
    gain: np.ndarray
    candidates: int
    start: np.ndarray
    vote: np.ndarray
    end: np.ndarray
    outcome_start: np.ndarray
    outcome: np.ndarray

    @property
    def size(self) -> int:
        """The number of exchanges made in the round."""
        return int(self.i.size)


@dataclass(frozen=True)
class ExchangeResult:
    """The model run: the rounds, and final positions and outcomes on the issues' scales.

    ``position`` holds the start positions for a next round (after the partial adjustment),
    ``vote`` the voting positions of the last round, ``outcome`` the weighted mean of
    ``vote`` per issue (decide's ``model.nbs`` after the last round). ``trajectory`` has
    shape (rounds + 1, actors, issues): row 0 the inputs, row t the start positions after
    round t. ``converged`` is True when the last round made no exchange (the fixed point).
    """

    rounds: tuple[ExchangeRound, ...]
    position: np.ndarray
    vote: np.ndarray
    outcome: np.ndarray
    trajectory: np.ndarray
    converged: bool
    lower: np.ndarray
    upper: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)

    def denormalise(self, value: np.ndarray) -> np.ndarray:
        """Map values on the 0..100 scale (the last axis = issues) to the issues' scales."""
        return np.asarray(value, dtype=float) * (self.upper - self.lower) / 100.0 + self.lower


def outcome(position: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """The weighted mean per issue of ``position`` (actors, issues; NaN = absent).

    ``weight`` is c * s (0 where absent). An issue whose weights sum to 0 gets the plain
    mean of its present positions, an issue without actors NaN.
    """
    present = ~np.isnan(position)
    x = np.where(present, position, 0.0)
    w = np.where(present, weight, 0.0)
    total = w.sum(axis=0)
    count = present.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        weighted = (w * x).sum(axis=0) / total
        plain = x.sum(axis=0) / count
    return np.where(total > 0, weighted, np.where(count > 0, plain, np.nan))


def exchange_model(
    position: np.ndarray,
    salience: np.ndarray,
    power: np.ndarray,
    lower: np.ndarray | float = 0.0,
    upper: np.ndarray | float = 100.0,
    rounds: int = 10,
    *,
    salience_weight: float = 0.4,
    fixed_weight: float = 0.1,
    tolerance: float = 1e-9,
    tie_tolerance: float = 1e-12,
) -> ExchangeResult:
    """Run the equal-gain exchange model for up to ``rounds`` rounds.

    ``position`` (actors, issues) is on each issue's scale ``[lower[k], upper[k]]``, NaN
    where the actor takes no part; ``salience`` (actors, issues) is on 0..1 (the position
    update weights ``1 - s``); ``power`` is (actors, issues) or (actors,). Stops early after
    a round without exchanges. See the module docstring for the rules.
    """
    x = np.array(position, dtype=float)
    if x.ndim != 2:
        raise ValueError("position must be a 2-d array (actors, issues)")
    n_act, n_iss = x.shape
    s = np.asarray(salience, dtype=float)
    c = np.asarray(power, dtype=float)
    if c.ndim == 1:
        c = np.broadcast_to(c[:, None], x.shape)
    if s.shape != x.shape or c.shape != x.shape:
        raise ValueError(f"salience and power must have shape {x.shape}")
    lo = np.broadcast_to(np.asarray(lower, dtype=float), (n_iss,)).copy()
    hi = np.broadcast_to(np.asarray(upper, dtype=float), (n_iss,)).copy()
    if not np.all(hi > lo):
        raise ValueError("every issue needs lower < upper")
    if rounds < 0:
        raise ValueError("rounds must be >= 0")
    present = ~np.isnan(x)
    s = np.where(present, s, 0.0)
    c = np.where(present, c, 0.0)
    if np.any(np.isnan(s) | np.isnan(c)) or np.any(s < 0) or np.any(c < 0):
        raise ValueError("salience and power must be numbers >= 0 where an actor takes part")
    z = (x - lo) * (100.0 / (hi - lo))
    if np.any(z[present] < -_EDGE) or np.any(z[present] > 100.0 + _EDGE):
        raise ValueError("a position lies outside its issue's [lower, upper]")

    weight = s * c
    eligible = present & (s > 0) & (c > 0)
    done: list[ExchangeRound] = []
    trajectory = [z]
    converged = False
    for _ in range(rounds):
        state = _Round(z, s, weight, eligible, tolerance, tie_tolerance)
        while (e := state.best()) >= 0:
            state.execute(e)
        rnd = state.result(salience_weight, fixed_weight)
        done.append(rnd)
        z = rnd.end
        trajectory.append(z)
        if rnd.size == 0:
            converged = True
            break
    vote = done[-1].vote if done else z
    out = done[-1].outcome if done else outcome(z, weight)
    scale = (hi - lo) / 100.0
    return ExchangeResult(
        rounds=tuple(done),
        position=z * scale + lo,
        vote=vote * scale + lo,
        outcome=out * scale + lo,
        trajectory=np.stack(trajectory) * scale + lo,
        converged=converged,
        lower=lo,
        upper=hi,
    )


class _KeyIndex:
    """The flat (2, n) slots whose key (actor * issues + issue) is k, for every key k.

    ``slots(k)`` returns the slots (with ``shift``: the slots of the *other* side of the
    same exchanges) and the exchange numbers.
    """

    def __init__(self, keys: np.ndarray, n: int, n_keys: int, shift: bool) -> None:
        flat = keys.reshape(-1)
        order = np.argsort(flat, kind="stable")
        self.bounds = np.concatenate(([0], np.cumsum(np.bincount(flat, minlength=n_keys)))).tolist()
        self.slot = (order + n) % (2 * n) if shift else order
        self.ex = order % n

    def get(self, key: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self.bounds[key], self.bounds[key + 1]
        return self.slot[lo:hi], self.ex[lo:hi]


class _Round:
    """The state of one round: every candidate exchange, side 0 = ``i``, side 1 = ``j``.

    Per exchange and side (shape (2, n)): the actor and its supply issue, ``a`` (its shift
    of the supply issue's outcome per unit move), ``tgt`` (the partner's round-start
    position on that issue), and the state: ``xs`` (current position), the tentative move,
    ``frozen`` (the sum of the moves decide keeps in the exchange's move history) and the
    exchange's own view of the supply issue's outcome (``u_ex``: shift from other actors'
    updated positions; ``own``: an update of the actor's own position, NaN if none).
    :meth:`best` and :meth:`execute` make one step; :meth:`result` closes the round.
    """

    def __init__(
        self,
        x0: np.ndarray,
        sal: np.ndarray,
        weight: np.ndarray,
        eligible: np.ndarray,
        tol: float,
        tie_tol: float,
        track: bool = False,
    ) -> None:
        n_act, n_iss = x0.shape
        self.x0, self.sal, self.weight = x0, sal, weight
        self.tol, self.tie_tol, self.track = tol, tie_tol, track
        self.n_iss = n_iss
        present = ~np.isnan(x0)
        xz = np.where(present, x0, 0.0)
        den = weight.sum(axis=0)
        num = (xz * weight).sum(axis=0)
        safe = np.where(den > 0, den, 1.0)
        left = xz <= np.where(den > 0, num / safe, 0.0) + tol

        # candidates in decide's order: issue pairs (p < q), then A x D, then B x C pairs
        ip, iq = np.triu_indices(n_iss, 1)
        both = eligible[:, ip] & eligible[:, iq]
        side = left[:, ip].astype(np.int8) + 2 * left[:, iq].astype(np.int8)
        group = np.where(both, side, -1).T
        ad = (group[:, :, None] == 0) & (group[:, None, :] == 3)
        bc = (group[:, :, None] == 1) & (group[:, None, :] == 2)
        pair, _, ai, aj = np.nonzero(np.stack((ad, bc), axis=1))
        p, q = ip[pair], iq[pair]
        swap = sal[ai, p] / sal[ai, q] < sal[aj, p] / sal[aj, q]
        act = np.stack((np.where(swap, aj, ai), np.where(swap, ai, aj)))  # side i supplies q
        n = act.shape[1]
        sup = np.stack((q, p))
        self.n, self.act, self.sup = n, act, sup
        self.act_flat = act.reshape(-1)

        a = weight[act, sup] / safe[sup]
        tgt = x0[act[::-1], sup]
        x0s = x0[act, sup]
        c0 = num[sup] / safe[sup] - x0s * a  # outcome as the exchange sees it: c0 + u_ex + a x
        s_i, s_j = act[0], act[1]
        kq = (sal[s_j, p] + sal[s_i, p]) / (sal[s_j, q] + sal[s_i, q])  # dQ = kq dP
        self.const = np.vstack(
            (
                tgt,  # 0, 1
                a,  # 2, 3
                np.stack((kq, np.ones(n))) / a,  # 4, 5: |move| per unit shift of issue p
                tgt - c0,  # 6, 7
                kq,  # 8
                np.abs(kq * sal[s_i, q] - sal[s_i, p]),  # 9: gain = gfac * dP
                1.0 / kq,  # 10, 11: partner's shift per unit of own shift
                kq,
            )
        )
        self.x0s, self.a = x0s, a
        # per exchange and side: actor, position after the move, start position, a
        self.par = np.stack((act.astype(float), np.zeros((2, n)), x0s, a))
        self.state = np.zeros((6, n))  # 0, 1: xs; 2, 3: frozen; 4, 5: u_ex
        self.state[0:2] = x0s
        self.move = np.zeros((2, n))
        self.own = np.full((2, n), np.nan)
        self.any_own = False
        self.upd = np.full((n_act, 2 * n), np.nan)  # decide's updates[actor, slot]
        self.gain = np.full(n, -np.inf)
        self.alive = np.ones(n, dtype=bool)
        self.degenerate = np.zeros(n, dtype=bool)
        self.changed = np.full(n, -1, dtype=np.intp)  # step of the last recalculation
        self.hist_idx: list[np.ndarray] = []  # per step: the exchanges recalculated,
        self.hist_old: list[np.ndarray] = []  # their gains before, and
        self.hist_prev: list[np.ndarray] = []  # the step of their recalculation before
        self.made: list[int] = []
        self.made_from: list[tuple[float, float]] = []
        self.made_move: list[tuple[float, float]] = []
        self.made_gain: list[float] = []

        self.calculate(np.arange(n))
        self.candidates = int(self.alive.sum())
        keys = act * n_iss
        self.sup_index = _KeyIndex(keys + sup, n, n_act * n_iss, shift=False)
        self.dem_index = _KeyIndex(keys + sup[::-1], n, n_act * n_iss, shift=True)

    def calculate(self, r: np.ndarray) -> None:
        """Recompute exchanges ``r`` (decide's ``EqualGainExchange.calculate``)."""
        c = self.const[:, r]
        st = self.state[:, r]
        xs_r, a_r, fz = st[0:2], c[2:4], st[2:4]
        diff = c[0:2] - xs_r
        dist = np.abs(diff)
        full = dist * a_r
        d_p = np.minimum(full[1], full[0] / c[8])  # shift of issue p (j's supply issue)
        sign = np.copysign(1.0, diff)  # towards the partner; decide: -1 iff x > target
        size = np.minimum(d_p * c[4:6], dist)  # |move|: one of the two moves all the way
        m = sign * size
        v = (size > MIN_MOVE) & (fz * m >= 0.0) & (fz + m <= 100.0 + _EDGE)
        g_r = c[9]
        ok = v[0] & v[1] & (g_r * d_p >= MIN_GAIN) & self.alive[r]
        if np.count_nonzero(ok):
            tol = self.tol
            # signed distance from the exchange's view of the supply issue's outcome to the
            # demander's position, positive when the move heads towards it
            lo = sign * (c[6:8] - st[4:6] - xs_r * a_r)
            own_r = self.own[:, r] if self.any_own else None
            degenerate = np.zeros(r.size, dtype=bool) if self.track else None
            cut = False
            for side in (0, 1):
                other = 1 - side
                hi = lo[side] - size[side] * a_r[side]
                # the outcome would pass the demander's position: cut the shift to it
                cross = ok & (lo[side] > tol) & (hi < -tol)
                if degenerate is not None:  # decide's Decimal rounding decides these
                    degenerate |= ok & (np.abs(lo[side]) <= tol) & (np.abs(hi) > tol)
                if not np.count_nonzero(cross):
                    continue
                cut = True
                d_a = lo[side]
                if own_r is not None:  # decide's adjusted_nbs_by_position: own update wins
                    mine = ~np.isnan(own_r[side])
                    if np.count_nonzero(mine):
                        gap = (xs_r[side] - np.where(mine, own_r[side], xs_r[side])) * a_r[side]
                        d_a = np.abs(lo[side] + sign[side] * gap)
                d_b = d_a * c[10 + side]
                size[side] = np.where(cross, d_a / a_r[side], size[side])
                size[other] = np.where(cross, d_b / a_r[other], size[other])
                d_p = np.where(cross, d_b if side == 0 else d_a, d_p)
            if cut:
                m = sign * size
                v = (
                    (size > MIN_MOVE)
                    & (fz * m >= 0.0)
                    & (fz + m <= 100.0 + _EDGE)
                    & (np.abs(xs_r + m - 50.0) <= 50.0 + _EDGE)
                )
                ok &= v[0] & v[1]
            if degenerate is not None:
                self.degenerate[r] = degenerate
        self.move[:, r] = m
        self.gain[r] = np.where(ok, g_r * d_p, -np.inf)
        self.alive[r] = ok

    def best(self) -> int:
        """The exchange decide makes next (-1 when none is left)."""
        if not self.n:
            return -1
        gain = self.gain
        e = int(np.argmax(gain))
        top = gain[e]
        if top == -np.inf:
            return -1
        if np.count_nonzero(gain >= top - self.tie_tol) > 1:
            e = self._tie_break()
        return e

    def _tie_break(self) -> int:
        """Among near-equal best gains, the one decide's repeated stable sort puts first.

        Going back over the steps that changed a tied exchange (a linked list per exchange:
        ``changed`` is the step of its last recalculation, ``hist_prev`` the one before),
        keep the ones with the best gain at that step's sort; when no step separates them,
        the earliest created wins.
        """
        tol = self.tie_tol
        top = np.flatnonzero(self.gain >= self.gain.max() - tol)
        g = self.gain[top].copy()
        at = self.changed[top].copy()
        while top.size > 1:
            t = int(at.max())
            if t < 0:
                break
            idx = self.hist_idx[t]
            for k in np.flatnonzero(at == t):
                pos = int(np.flatnonzero(idx == top[k])[0])
                g[k] = self.hist_old[t][pos]
                at[k] = self.hist_prev[t][pos]
            keep = g >= g.max() - tol
            top, g, at = top[keep], g[keep], at[keep]
        return int(top[0])

    def execute(self, e: int) -> None:
        """Make exchange ``e`` and recompute the exchanges it touches.

        Dropped and made exchanges are recomputed along (cheaper than filtering them out)
        but stay dropped.
        """
        self.alive[e] = False
        self.made.append(e)
        self.made_gain.append(float(self.gain[e]))
        self.gain[e] = -np.inf
        state, move, n_iss = self.state, self.move, self.n_iss
        fi, fj = float(state[0, e]), float(state[1, e])
        mi, mj = float(move[0, e]), float(move[1, e])
        self.made_from.append((fi, fj))
        self.made_move.append((mi, mj))
        yi, yj = fi + mi, fj + mj
        self.par[1, :, e] = (yi, yj)
        ai, aj = int(self.act[0, e]), int(self.act[1, e])
        qi, pj = int(self.sup[0, e]), int(self.sup[1, e])

        # the actors moved on their supply issues (decide: invalidate_exchange_by_supply):
        # the exchanges where they supply the same issue start from there, and the
        # tentative move of that side joins the move history
        xs_f, frozen_f, move_f = state[0:2].reshape(-1), state[2:4].reshape(-1), move.reshape(-1)
        slots_i, ex_i = self.sup_index.get(ai * n_iss + qi)
        slots_j, ex_j = self.sup_index.get(aj * n_iss + pj)
        xs_f[slots_i] = yi
        xs_f[slots_j] = yj
        slots = np.concatenate((slots_i, slots_j))
        frozen_f[slots] += move_f[slots]
        parts = [ex_i, ex_j]

        # the exchanges where j's actor demands i's supply issue learn i's new position,
        # and the other way round (decide: the updates in AbstractExchange.recalculate)
        slots_i, ex_i = self.dem_index.get(aj * n_iss + qi)
        slots_j, ex_j = self.dem_index.get(ai * n_iss + pj)
        if slots_i.size or slots_j.size:
            slots = np.concatenate((slots_i, slots_j))
            par = np.repeat(self.par[:, :, e], (slots_i.size, slots_j.size), axis=1)
            who, y, start = par[0].astype(np.intp), par[1], par[2]
            upd = self.upd
            old = upd[who, slots]
            # update_updates: a first update is y, a later one the value nearer the start
            # (NaN = none yet: start <= NaN is False and fmax(NaN, y) = y)
            new = np.where(start <= old, np.fmin(old, y), np.fmax(old, y))
            upd[who, slots] = new
            shift = (new - np.where(np.isnan(old), start, old)) * par[3]
            mine = self.act_flat[slots] == who
            if np.count_nonzero(mine):
                self.any_own = True
                self.own.reshape(-1)[slots[mine]] = new[mine]
                shift[mine] = 0.0
            state[4:6].reshape(-1)[slots] += shift
            parts += (ex_i, ex_j)

        r = np.concatenate(parts)
        self.hist_prev.append(self.changed[r])
        self.changed[r] = len(self.hist_idx)
        self.hist_idx.append(r)
        self.hist_old.append(self.gain[r])
        self.calculate(r)

    def find(self, i: int, i_supply: int, j: int, j_supply: int) -> int:
        """The number of the candidate exchange with these actors and supply issues (or -1)."""
        hit = np.flatnonzero(
            (self.act[0] == i)
            & (self.sup[0] == i_supply)
            & (self.act[1] == j)
            & (self.sup[1] == j_supply)
        )
        return int(hit[0]) if hit.size else -1

    def override(self, e: int, valid: bool, move_i: float, move_j: float, gain: float) -> None:
        """Set exchange ``e``'s state (to follow a reference implementation step by step)."""
        self.alive[e] = valid
        self.move[:, e] = (move_i, move_j)
        self.gain[e] = gain if valid else -np.inf

    def result(self, salience_weight: float, fixed_weight: float) -> ExchangeRound:
        """Close the round: voting positions, outcomes and the next start positions."""
        x0, n_iss = self.x0, self.n_iss
        idx = np.asarray(self.made, dtype=np.intp)
        frm = np.asarray(self.made_from, dtype=float).reshape(-1, 2)
        mov = np.asarray(self.made_move, dtype=float).reshape(-1, 2)
        vote_val = frm + mov
        who = self.act[:, idx].T.reshape(-1)  # i, j, i, j, ...: decide's order of updates
        iss = self.sup[:, idx].T.reshape(-1)
        y = vote_val.reshape(-1)
        flat = who * n_iss + iss
        _, first = np.unique(flat[::-1], return_index=True)
        last = flat.size - 1 - first  # the last exchange on each (actor, issue) counts
        cell = flat[last]
        vote = x0.copy()
        vote.reshape(-1)[cell] = y[last]
        s_last = self.sal.reshape(-1)[cell]
        x_last = x0.reshape(-1)[cell]
        y_last = y[last]
        move_w = (1.0 - s_last) * salience_weight + fixed_weight
        end = x0.copy()
        end.reshape(-1)[cell] = move_w * y_last + (1.0 - move_w) * x_last
        return ExchangeRound(
            i=self.act[0, idx],
            j=self.act[1, idx],
            i_supply=self.sup[0, idx],
            j_supply=self.sup[1, idx],
            i_from=frm[:, 0],
            j_from=frm[:, 1],
            i_move=mov[:, 0],
            j_move=mov[:, 1],
            i_vote=vote_val[:, 0],
            j_vote=vote_val[:, 1],
            gain=np.asarray(self.made_gain, dtype=float),
            candidates=self.candidates,
            start=x0,
            vote=vote,
            end=end,
            outcome_start=outcome(x0, self.weight),
            outcome=outcome(vote, self.weight),
        )


class ExchangeModel:
    """Stokman's equal-gain exchange model (logrolling) as a forecasting model.

    ``predict`` runs :func:`exchange_model` on the inputs' 0..100 positions (an actor absent
    from an issue takes no part in it) with each actor's capability as its power on every
    issue, and predicts per issue the weighted mean of the voting positions after the final
    round (decide's ``model.nbs`` after its last round). Saliences are divided by
    ``salience_scale``; by default 1 when they all lie in 0..1, else 100 when they lie in
    0..100, else their maximum (the exchanges do not depend on the scale; the position
    update's ``1 - s`` does).
    """

    name = "exchange"

    def __init__(
        self,
        rounds: int = 10,
        salience_weight: float = 0.4,
        fixed_weight: float = 0.1,
        salience_scale: float | None = None,
    ) -> None:
        self.rounds = int(rounds)
        self.salience_weight = float(salience_weight)
        self.fixed_weight = float(fixed_weight)
        self.salience_scale = salience_scale

    def __repr__(self) -> str:
        return (
            f"ExchangeModel(rounds={self.rounds}, salience_weight={self.salience_weight:g}, "
            f"fixed_weight={self.fixed_weight:g}, salience_scale={self.salience_scale!r})"
        )

    def _scale(self, salience: np.ndarray) -> float:
        if self.salience_scale is not None:
            return float(self.salience_scale)
        top = float(np.nanmax(salience)) if salience.size else 0.0
        if top <= 1.0:
            return 1.0
        return 100.0 if top <= 100.0 else top

    def predict(self, inputs: ForecastInput) -> Forecast:
        """Forecast every issue: the outcome over the final round's voting positions."""
        present = inputs.present
        sal = np.where(present, np.nan_to_num(np.asarray(inputs.salience, dtype=float)), 0.0)
        sal = sal / self._scale(sal)
        power = np.broadcast_to(np.asarray(inputs.capability, dtype=float)[:, None], sal.shape)
        result = exchange_model(
            inputs.position,
            sal,
            power,
            0.0,
            100.0,
            self.rounds,
            salience_weight=self.salience_weight,
            fixed_weight=self.fixed_weight,
        )
        return finish(
            self.name,
            inputs,
            result.outcome,
            rounds=len(result.rounds),
            trajectory=result.trajectory,
            details={
                "exchanges": [rnd.size for rnd in result.rounds],
                "converged": result.converged,
                "vote": result.vote,
                "result": result,
            },
        )
