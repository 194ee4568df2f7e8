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
    *European Community Decision Making: Models, Applications, and Comparisons*, 105-127.
    Yale University Press.
    Stokman, F. N., Van Assen, M. A. L. M., Van der Knoop, J. and Van Oosten, R. C. H.
    (2000). Strategic decision making. *Advances in Group Processes* 17, 131-153 (the
    Decide methodology of Stokman and Van der Knoop: exchanges plus the partial
    adjustment of positions between rounds).
    Dijkstra, J., Van Assen, M., Stokman, F. and Draaijer, J. (2018). Random variation of
    exchange rates in the equal utility exchange model. Technical report (first draft).
    decide-exchange-model 2022.1.28 (Jelmer Draaijer; PyPI, module ``decide``; GPL-3.0;
    github.com/foarsitter/decide-exchange-model): the reference implementation, in Python
    with 28-digit Decimal arithmetic, ``decide.model.equalgain.EqualGainModel`` driven by
    ``decide.model.utils.ModelLoop``. This module is an independent numpy implementation
    of the same rules, checked against it exchange by exchange (tests/test_exchange.py).

Differences from decide:
    * decide computes in Decimal with 28 significant digits; this module
      implements the rules in exact arithmetic, with float64 and tolerances (``tolerance``
      for positions and outcomes, ``tie_tolerance`` for gains). The two differ only where
      the exact result is a tie and decide's last-digit rounding decides: two candidate
      gains exactly equal (here: the stable order, i.e. the earlier-sorted one; decide: the
      one whose rounding came out larger), or an outcome exactly at the demander's position
      (here: no cut, decide's rule for an exact 0; decide: a cut to no move at all when its
      rounding lands just short of the position). On decide's own data (10 rounds each)
      this happens 10 times for tie gains and 47 times for outcomes at the position, out
      of 71,192 candidate computations compared; the first makes later exchanges differ.
    * decide picks at random between exchanges of equal gain unless
      ``EqualGainModel.ALLOW_RANDOM`` is False; this module is deterministic (as decide
      with ``ALLOW_RANDOM = False``).
    * An actor with salience 0 or power 0 on an issue takes no part in exchanges over it
      (decide divides by zero); it still counts, with weight 0, in the issue's outcome.
    * An issue whose weights sum to 0 has the plain mean of the present positions as its
      outcome (decide reports 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from zopa.forecasting.base import Forecast, ForecastInput, ModelBase, finish

__all__ = ["ExchangeModel", "ExchangeResult", "ExchangeRound", "exchange_model", "outcome"]

MIN_MOVE = 1e-10  # decide: a move of at most 1e-10 is no move
MIN_GAIN = 1e-10  # decide: an exchange gaining less than 1e-10 is not made
_EDGE = 1e-9  # float slack on the 0..100 scale bounds and the 100-point move budget
_BATCH_ELEMENTS = 1 << 25  # draws x actors^2 x issues^2 of one ExchangeModel.predict_draws step


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
    n_iss = x.shape[1]
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
    z = np.clip(z, 0.0, 100.0)  # (NaN stays NaN)

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


def _key_index(
    keys: np.ndarray, n: int, n_keys: int, shift: bool
) -> tuple[list[int], np.ndarray, np.ndarray]:
    """Group the flat (2, n) slots by key (actor * issues + issue).

    Returns ``bounds``, ``slot`` and ``ex``: key k's slots are ``slot[bounds[k]:bounds[k +
    1]]`` (with ``shift``: the slots of the *other* side of the same exchanges) and
    ``ex[...]`` their exchange numbers.
    """
    flat = keys.reshape(-1)
    small = flat.astype(np.int16) if n_keys <= np.iinfo(np.int16).max else flat
    order = np.argsort(small, kind="stable")  # a radix sort for 16-bit keys
    bounds = np.concatenate(([0], np.cumsum(np.bincount(flat, minlength=n_keys)))).tolist()
    slot = (order + n) % (2 * n) if shift else order
    return bounds, slot, order % n


def _walk_ties(r: Any, top: np.ndarray, tol: float) -> int:
    """The exchange among the tied ``top`` that :meth:`_Round._tie_break` picks, going
    back over the steps recorded in ``r`` (a round, or a lockstep batch of rounds)."""
    g = r.gain[top].copy()
    at = r.changed[top].copy()
    while top.size > 1:
        t = int(at.max())
        if t < 0:
            break
        idx = r.hist_idx[t]
        for k in np.flatnonzero(at == t):
            pos = int(np.flatnonzero(idx == top[k])[0])
            g[k] = r.hist_old[t][pos]
            at[k] = r.hist_prev[t][pos]
        keep = g >= g.max() - tol
        top, g, at = top[keep], g[keep], at[keep]
    return int(top[0])


class _Round:
    """The state of one round: every candidate exchange, side 0 = ``i``, side 1 = ``j``.

    Per exchange and side (shape (2, n); a "slot" is side * n + exchange): the actor and
    its supply issue, ``a`` (its shift of the supply issue's outcome per unit move), the
    partner's round-start position on that issue (the target), and the state: the current
    position, the tentative move, and ``frozen`` (the sum of the moves decide keeps in the
    exchange's move history: all of one sign, as only valid exchanges keep one). The
    exchange's view of the supply issue's outcome is the round-start outcome shifted by
    the updates of its group (see ``upd``). :meth:`best` and :meth:`execute` make one
    step; :meth:`result` closes the round.
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
        # i is the one with the larger s_p / s_q; equal ratios (to rounding) keep the order
        swap = sal[ai, p] * sal[aj, q] < sal[aj, p] * sal[ai, q] * (1.0 - 1e-12)
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
                x0s,  # 12, 13
            )
        )
        self.x0s, self.a = x0s, a
        self.ai, self.aj = act[0].tolist(), act[1].tolist()
        self.qi, self.pj = sup[0].tolist(), sup[1].tolist()
        self.x0s_l = (x0s[0].tolist(), x0s[1].tolist())
        self.a_l = (a[0].tolist(), a[1].tolist())
        self.state = np.zeros((4, n))  # 0, 1: xs; 2, 3: frozen
        self.state[0:2] = x0s
        self.xs_f = self.state[0:2].reshape(-1)  # flat views: slot = side * n + exchange
        self.frozen_f = self.state[2:4].reshape(-1)
        self.move = np.zeros((2, n))
        self.move_f = self.move.reshape(-1)
        # decide keeps per exchange an ``updates`` dict: the positions, this round, of other
        # actors on a supply issue of the exchange, learnt from exchanges made that served
        # the partner's demand there. The writes depend only on (partner, issue), so every
        # live exchange with the same partner demanding the same issue holds the same
        # updates: they are kept once per group g = partner * issues + issue, as upd[g, a]
        # (NaN: none) and their total outcome shift u_all[g].
        n_keys = n_act * n_iss
        self.n_act = n_act
        self.grp = act[::-1] * n_iss + sup  # the group of each side's supply issue
        self.cell_own = self.grp * n_act + act  # upd cell of the side's own actor
        self.upd = np.full(n_keys * n_act, np.nan)
        self.u_all = np.zeros(n_keys)
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
        self.sup_bounds, self.sup_slot, self.sup_ex = _key_index(keys + sup, n, n_keys, False)
        self.dem_bounds, _, self.dem_ex = _key_index(keys + sup[::-1], n, n_keys, True)

    def calculate(self, r: np.ndarray) -> None:
        """Recompute exchanges ``r`` (decide's ``EqualGainExchange.calculate``)."""
        c = self.const.take(r, axis=1)
        st = self.state.take(r, axis=1)
        xs_r, a_r, fz = st[0:2], c[2:4], st[2:4]
        diff = c[0:2] - xs_r
        dist = np.abs(diff)
        full = dist * a_r
        d_p = np.minimum(full[1], full[0] / c[8])  # shift of issue p (j's supply issue)
        sign = np.copysign(1.0, diff)  # towards the partner; decide: -1 iff x > target
        size = np.minimum(d_p * c[4:6], dist)  # |move|: one of the two moves all the way
        m = sign * size
        v = (size > MIN_MOVE) & (fz * m >= 0.0) & (fz + m <= 100.0 + _EDGE)
        gain = c[9] * d_p
        ok = v[0] & v[1] & (gain >= MIN_GAIN)  # (r holds live exchanges only)
        if np.count_nonzero(ok):
            tol = self.tol
            # signed distance from the exchange's view of the supply issue's outcome to the
            # demander's position (positive: the move heads towards it), before and after
            own = self.upd.take(self.cell_own.take(r, axis=1))  # (NaN: none)
            mine = own == own
            u_ex = self.u_all.take(self.grp.take(r, axis=1))
            if np.count_nonzero(mine):  # the own actor's update is not a shift by others
                u_ex = u_ex - np.where(mine, (own - c[12:14]) * a_r, 0.0)
            lo = sign * (c[6:8] - u_ex - xs_r * a_r)
            hi = lo - size * a_r
            # the outcome would pass the demander's position: cut the shift to it (i, then j)
            cross = (lo > tol) & (hi < -tol) & ok
            if self.track or np.count_nonzero(cross):
                degenerate = np.zeros(r.size, dtype=bool)
                cut = False
                for side in (0, 1):
                    other = 1 - side
                    hit = cross[side]
                    if cut:  # i's cut changed j's move
                        hi[1] = lo[1] - size[1] * a_r[1]
                        hit = (lo[1] > tol) & (hi[1] < -tol) & ok
                    # decide's Decimal rounding decides these (tests follow it)
                    degenerate |= ok & (np.abs(lo[side]) <= tol) & (np.abs(hi[side]) > tol)
                    if not np.count_nonzero(hit):
                        continue
                    cut = True
                    d_a = lo[side]
                    if np.count_nonzero(mine[side]):  # adjusted_nbs_by_position: own update wins
                        gap = (xs_r[side] - np.where(mine[side], own[side], xs_r[side])) * a_r[side]
                        d_a = np.abs(lo[side] + sign[side] * gap)
                    d_b = d_a * c[10 + side]
                    size[side] = np.where(hit, d_a / a_r[side], size[side])
                    size[other] = np.where(hit, d_b / a_r[other], size[other])
                    d_p = np.where(hit, d_b if side == 0 else d_a, d_p)
                if self.track:
                    self.degenerate[r] = degenerate
                if cut:
                    m = sign * size
                    v = (
                        (size > MIN_MOVE)
                        & (fz * m >= 0.0)
                        & (fz + m <= 100.0 + _EDGE)
                        & (np.abs(xs_r + m - 50.0) <= 50.0 + _EDGE)
                    )
                    ok &= v[0] & v[1]
                    gain = c[9] * d_p
        self.move[:, r] = m
        self.gain[r] = np.where(ok, gain, -np.inf)
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
        return _walk_ties(self, top, tol)

    def execute(self, e: int) -> None:
        """Make exchange ``e`` and recompute the live exchanges it touches."""
        n, n_iss = self.n, self.n_iss
        gain, xs_f, move_f = self.gain, self.xs_f, self.move_f
        self.alive[e] = False
        self.made.append(e)
        self.made_gain.append(gain.item(e))
        gain[e] = -np.inf
        fi, fj = xs_f.item(e), xs_f.item(n + e)
        mi, mj = move_f.item(e), move_f.item(n + e)
        self.made_from.append((fi, fj))
        self.made_move.append((mi, mj))
        yi, yj = fi + mi, fj + mj
        ai, aj, qi, pj = self.ai[e], self.aj[e], self.qi[e], self.pj[e]

        # the actors moved on their supply issues (decide: invalidate_exchange_by_supply):
        # the exchanges where they supply the same issue start from there, and the
        # tentative move of that side joins the move history
        bounds, slot, ex = self.sup_bounds, self.sup_slot, self.sup_ex
        k = ai * n_iss + qi
        s_i, x_i = slot[bounds[k] : bounds[k + 1]], ex[bounds[k] : bounds[k + 1]]
        k = aj * n_iss + pj
        s_j, x_j = slot[bounds[k] : bounds[k + 1]], ex[bounds[k] : bounds[k + 1]]
        xs_f[s_i] = yi
        xs_f[s_j] = yj
        both = np.concatenate((s_i, s_j))
        self.frozen_f[both] += move_f[both]

        # the exchanges where j's actor demands i's supply issue learn i's new position,
        # and the other way round (decide: the updates in AbstractExchange.recalculate)
        upd, u_all, n_act = self.upd, self.u_all, self.n_act
        for g, who, y, start, fac in (
            (aj * n_iss + qi, ai, yi, self.x0s_l[0][e], self.a_l[0][e]),
            (ai * n_iss + pj, aj, yj, self.x0s_l[1][e], self.a_l[1][e]),
        ):
            cell = g * n_act + who
            old = upd.item(cell)
            if old != old:  # the first update is y
                new, base = y, start
            else:  # update_updates: a later one keeps the value nearer the start
                new, base = (min(old, y) if start <= old else max(old, y)), old
            upd[cell] = new
            u_all[g] += (new - base) * fac
        bounds, ex = self.dem_bounds, self.dem_ex
        k = aj * n_iss + qi
        u_i = ex[bounds[k] : bounds[k + 1]]
        k = ai * n_iss + pj
        u_j = ex[bounds[k] : bounds[k + 1]]
        r = np.concatenate((x_i, x_j, u_i, u_j))
        r = r[self.alive[r]]
        self.hist_prev.append(self.changed[r])
        self.changed[r] = len(self.hist_idx)
        self.hist_idx.append(r)
        self.hist_old.append(gain[r])
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


class ExchangeModel(ModelBase):
    """Stokman's equal-gain exchange model (logrolling) as a forecasting model.

    ``predict`` runs :func:`exchange_model` on the inputs' 0..100 positions (an actor absent
    from an issue takes no part in it) with each actor's capability as its power on every
    issue, and predicts per issue the weighted mean of the voting positions after the final
    round (decide's ``model.nbs`` after its last round). Saliences are divided by
    ``salience_scale``; by default 1 when they all lie in 0..1, else 100 when they lie in
    0..100, else their maximum (the exchanges do not depend on the scale; the position
    update's ``1 - s`` does). Exchanges link the issues (no ``stacks_issues``); the
    forecast carries every round's positions (``has_trajectory``).
    """

    name: ClassVar[str] = "exchange"
    has_trajectory: ClassVar[bool] = True

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

    def _scale(self, salience: np.ndarray) -> float:
        if self.salience_scale is not None:
            return float(self.salience_scale)
        top = float(np.nanmax(salience)) if salience.size else 0.0
        if top <= 1.0:
            return 1.0
        return 100.0 if top <= 100.0 else top

    def predict_draws(
        self, position: np.ndarray, salience: np.ndarray, capability: np.ndarray
    ) -> np.ndarray:
        """The forecast positions of many draws at once, as :meth:`predict` gives them.

        ``position`` and ``salience`` are (draws, actors, issues), ``capability`` (draws,
        actors); returns (draws, issues). Each draw's saliences are scaled on their own.
        """
        present = ~np.isnan(position)
        sal = np.where(present, np.nan_to_num(np.asarray(salience, dtype=float)), 0.0)
        scale = np.array([self._scale(one) for one in sal])
        sal = sal / scale[:, None, None]
        power = np.broadcast_to(np.asarray(capability, dtype=float)[:, :, None], sal.shape)
        n_draw, n_act, n_iss = sal.shape
        # draws per call: the candidate masks (2 x issue pairs x actor pairs a draw) near
        # 32 Mi elements; the draws are independent, so chunks change nothing
        step = max(1, _BATCH_ELEMENTS // max(1, n_act * n_act * n_iss * n_iss))
        out = np.empty((n_draw, n_iss))
        for lo in range(0, n_draw, step):
            out[lo : lo + step] = exchange_outcomes(
                position[lo : lo + step],
                sal[lo : lo + step],
                power[lo : lo + step],
                self.rounds,
                salience_weight=self.salience_weight,
                fixed_weight=self.fixed_weight,
            )
        return out

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


def _ranges(bounds: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Concatenated positions ``bounds[k]:bounds[k + 1]`` for every key in ``keys``."""
    lo, hi = bounds[keys], bounds[keys + 1]
    size = hi - lo
    total = int(size.sum())
    if not total:
        return np.empty(0, dtype=np.intp)
    start = np.repeat(lo - np.cumsum(size) + size, size)
    return start + np.arange(total)


class _BatchRound(_Round):
    """One round of many independent draws at once, each draw's exchanges made in lockstep.

    The candidates of all draws are laid end to end (draw by draw, each in the order of
    :class:`_Round`); keys and update groups carry the draw, so that draws never touch each
    other's state. Every step makes, in every draw that has one left, the exchange
    :class:`_Round` would make next: the same exchanges, in the same order, with the same
    arithmetic per draw.
    """

    def __init__(
        self,
        x0: np.ndarray,
        sal: np.ndarray,
        weight: np.ndarray,
        eligible: np.ndarray,
        tol: float,
        tie_tol: float,
    ) -> None:
        n_draw, n_act, n_iss = x0.shape
        self.x0, self.sal, self.weight = x0, sal, weight
        self.tol, self.tie_tol, self.track = tol, tie_tol, False
        self.n_iss, self.n_act, self.n_draw = n_iss, n_act, n_draw
        present = ~np.isnan(x0)
        xz = np.where(present, x0, 0.0)
        den = weight.sum(axis=1)
        num = (xz * weight).sum(axis=1)
        safe = np.where(den > 0, den, 1.0)
        left = xz <= (np.where(den > 0, num / safe, 0.0) + tol)[:, None, :]
        ip, iq = np.triu_indices(n_iss, 1)
        both = eligible[:, :, ip] & eligible[:, :, iq]
        side = left[:, :, ip].astype(np.int8) + 2 * left[:, :, iq].astype(np.int8)
        group = np.where(both, side, -1).transpose(0, 2, 1)
        ad = (group[:, :, :, None] == 0) & (group[:, :, None, :] == 3)
        bc = (group[:, :, :, None] == 1) & (group[:, :, None, :] == 2)
        d, pair, _, ai, aj = np.nonzero(np.stack((ad, bc), axis=2))
        p, q = ip[pair], iq[pair]
        swap = sal[d, ai, p] * sal[d, aj, q] < sal[d, aj, p] * sal[d, ai, q] * (1.0 - 1e-12)
        act = np.stack((np.where(swap, aj, ai), np.where(swap, ai, aj)))
        n = act.shape[1]
        sup = np.stack((q, p))
        self.n, self.act, self.sup, self.draw = n, act, sup, d
        a = weight[d, act, sup] / safe[d, sup]
        tgt = x0[d, act[::-1], sup]
        x0s = x0[d, act, sup]
        c0 = num[d, sup] / safe[d, sup] - x0s * a
        s_i, s_j = act[0], act[1]
        kq = (sal[d, s_j, p] + sal[d, s_i, p]) / (sal[d, s_j, q] + sal[d, s_i, q])
        self.const = np.vstack(
            (
                tgt,
                a,
                np.stack((kq, np.ones(n))) / a,
                tgt - c0,
                kq,
                np.abs(kq * sal[d, s_i, q] - sal[d, s_i, p]),
                1.0 / kq,
                kq,
                x0s,
            )
        )
        self.x0s, self.a = x0s, a
        self.state = np.zeros((4, n))
        self.state[0:2] = x0s
        self.xs_f = self.state[0:2].reshape(-1)
        self.frozen_f = self.state[2:4].reshape(-1)
        self.move = np.zeros((2, n))
        self.move_f = self.move.reshape(-1)
        n_keys = n_act * n_iss
        base = d * n_keys
        self.grp = base + act[::-1] * n_iss + sup
        self.cell_own = self.grp * n_act + act
        self.upd = np.full(n_draw * n_keys * n_act, np.nan)
        self.u_all = np.zeros(n_draw * n_keys)
        self.gain = np.full(n, -np.inf)
        self.alive = np.ones(n, dtype=bool)
        self.degenerate = np.zeros(n, dtype=bool)
        self.changed = np.full(n, -1, dtype=np.intp)
        self.hist_idx = []
        self.hist_old = []
        self.hist_prev = []
        self.steps: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.calculate(np.arange(n))
        keys = base + act * n_iss
        total = n_draw * n_keys
        self.sup_bounds_a, self.sup_slot, self.sup_ex = _key_arrays(keys + sup, n, total, False)
        self.dem_bounds_a, _, self.dem_ex = _key_arrays(keys + sup[::-1], n, total, True)
        self.start = np.searchsorted(d, np.arange(n_draw))
        self.count = np.bincount(d, minlength=n_draw)
        self.keys_n = n_keys

    def best_many(self) -> np.ndarray:
        """Per draw with candidates, the exchange it makes next (-1: none left)."""
        out = np.full(self.n_draw, -1, dtype=np.intp)
        has = np.flatnonzero(self.count)
        if not has.size:
            return out
        gain, start, count = self.gain, self.start[has], self.count[has]
        top = np.maximum.reduceat(gain, start)
        top_rep = np.repeat(top, count)
        first = np.minimum.reduceat(np.where(gain == top_rep, np.arange(self.n), self.n), start)
        ties = np.add.reduceat(gain >= top_rep - self.tie_tol, start)
        live = top != -np.inf
        for k in np.flatnonzero(live & (ties > 1)):
            first[k] = self._tie_break_in(int(start[k]), int(start[k] + count[k]))
        out[has[live]] = first[live]
        return out

    def _tie_break_in(self, lo: int, hi: int) -> int:
        """:meth:`_Round._tie_break` among the exchanges ``lo:hi`` (one draw)."""
        tol = self.tie_tol
        seg = self.gain[lo:hi]
        top = lo + np.flatnonzero(seg >= seg.max() - tol)
        return _walk_ties(self, top, tol)

    def execute_many(self, e: np.ndarray) -> None:
        """Make exchanges ``e`` (at most one per draw) and recompute what they touch."""
        n, n_iss, n_act = self.n, self.n_iss, self.n_act
        gain, xs_f, move_f = self.gain, self.xs_f, self.move_f
        self.alive[e] = False
        gain[e] = -np.inf
        fi, fj = xs_f[e], xs_f[n + e]
        mi, mj = move_f[e], move_f[n + e]
        yi, yj = fi + mi, fj + mj
        self.steps.append((e, np.stack((fi, fj)), np.stack((yi, yj))))
        base = self.draw[e] * self.keys_n
        ai, aj, qi, pj = self.act[0, e], self.act[1, e], self.sup[0, e], self.sup[1, e]
        bounds, slot, ex = self.sup_bounds_a, self.sup_slot, self.sup_ex
        ki, kj = base + ai * n_iss + qi, base + aj * n_iss + pj
        ri, rj = _ranges(bounds, ki), _ranges(bounds, kj)
        s_i, x_i, s_j, x_j = slot[ri], ex[ri], slot[rj], ex[rj]
        xs_f[s_i] = np.repeat(yi, bounds[ki + 1] - bounds[ki])
        xs_f[s_j] = np.repeat(yj, bounds[kj + 1] - bounds[kj])
        both = np.concatenate((s_i, s_j))
        self.frozen_f[both] += move_f[both]
        upd, u_all = self.upd, self.u_all
        for g, who, y, start, fac in (
            (base + aj * n_iss + qi, ai, yi, self.x0s[0, e], self.a[0, e]),
            (base + ai * n_iss + pj, aj, yj, self.x0s[1, e], self.a[1, e]),
        ):
            cell = g * n_act + who
            old = upd[cell]
            first = old != old
            new = np.where(first, y, np.where(start <= old, np.minimum(old, y), np.maximum(old, y)))
            upd[cell] = new
            u_all[g] += (new - np.where(first, start, old)) * fac
        bounds, ex = self.dem_bounds_a, self.dem_ex
        u_i = ex[_ranges(bounds, base + aj * n_iss + qi)]
        u_j = ex[_ranges(bounds, base + ai * n_iss + pj)]
        r = np.concatenate((x_i, x_j, u_i, u_j))
        r = r[self.alive[r]]
        self.hist_prev.append(self.changed[r])
        self.changed[r] = len(self.hist_idx)
        self.hist_idx.append(r)
        self.hist_old.append(gain[r])
        self.calculate(r)

    def votes(self, salience_weight: float, fixed_weight: float) -> tuple[np.ndarray, np.ndarray]:
        """Close the round of every draw: (voting positions, next start positions)."""
        x0, n_iss, n_act = self.x0, self.n_iss, self.n_act
        vote, end = x0.copy(), x0.copy()
        if not self.steps:
            return vote, end
        e = np.concatenate([s[0] for s in self.steps])
        y = np.concatenate([s[2] for s in self.steps], axis=1).T.reshape(-1)
        who = self.act[:, e].T.reshape(-1)
        iss = self.sup[:, e].T.reshape(-1)
        d = np.repeat(self.draw[e], 2)
        flat = (d * n_act + who) * n_iss + iss
        _, first = np.unique(flat[::-1], return_index=True)
        last = flat.size - 1 - first
        cell = flat[last]
        vote.reshape(-1)[cell] = y[last]
        s_last = self.sal.reshape(-1)[cell]
        x_last = x0.reshape(-1)[cell]
        move_w = (1.0 - s_last) * salience_weight + fixed_weight
        end.reshape(-1)[cell] = move_w * y[last] + (1.0 - move_w) * x_last
        return vote, end


def _key_arrays(
    keys: np.ndarray, n: int, n_keys: int, shift: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_key_index` with the bounds as an array."""
    flat = keys.reshape(-1)
    order = np.argsort(flat, kind="stable")
    bounds = np.concatenate(([0], np.cumsum(np.bincount(flat, minlength=n_keys))))
    slot = (order + n) % (2 * n) if shift else order
    return bounds, slot, order % n


def _outcome_draws(position: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """:func:`outcome` of every draw: (draws, actors, issues) -> (draws, issues)."""
    n_draw, n_act, n_iss = position.shape
    flat = outcome(
        position.transpose(1, 0, 2).reshape(n_act, -1),
        weight.transpose(1, 0, 2).reshape(n_act, -1),
    )
    return flat.reshape(n_draw, n_iss)


def exchange_outcomes(
    position: np.ndarray,
    salience: np.ndarray,
    power: np.ndarray,
    rounds: int = 10,
    *,
    salience_weight: float = 0.4,
    fixed_weight: float = 0.1,
    tolerance: float = 1e-9,
    tie_tolerance: float = 1e-12,
) -> np.ndarray:
    """The final outcomes of :func:`exchange_model` for many draws at once.

    ``position``, ``salience`` and ``power`` are (draws, actors, issues) on the 0..100 scale
    (NaN: absent); returns (draws, issues), the same numbers as ``exchange_model(...)
    .outcome`` draw by draw (the exchanges of every draw are made in lockstep).
    """
    x = np.array(position, dtype=float)
    present = ~np.isnan(x)
    s = np.where(present, np.asarray(salience, dtype=float), 0.0)
    c = np.where(present, np.broadcast_to(np.asarray(power, dtype=float), x.shape), 0.0)
    if np.any(np.isnan(s) | np.isnan(c)) or np.any(s < 0) or np.any(c < 0):
        raise ValueError("salience and power must be numbers >= 0 where an actor takes part")
    z = x * (100.0 / 100.0)  # exchange_model's normalisation of the 0..100 scale
    if np.any(z[present] < -_EDGE) or np.any(z[present] > 100.0 + _EDGE):
        raise ValueError("a position lies outside its issue's [lower, upper]")
    z = np.clip(z, 0.0, 100.0)
    weight = s * c
    eligible = present & (s > 0) & (c > 0)
    out = _outcome_draws(z, weight)
    active = np.arange(x.shape[0])
    for _ in range(rounds):
        if not active.size:
            break
        state = _BatchRound(
            z[active], s[active], weight[active], eligible[active], tolerance, tie_tolerance
        )
        while (e := state.best_many())[e >= 0].size:
            state.execute_many(e[e >= 0])
        vote, end = state.votes(salience_weight, fixed_weight)
        out[active] = _outcome_draws(vote, weight[active])
        z[active] = end
        made = np.bincount(state.draw[np.concatenate([st[0] for st in state.steps])]
                           if state.steps else np.empty(0, dtype=np.intp),
                           minlength=active.size)  # fmt: skip
        active = active[made > 0]
    return out
