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
        rnd = _round(z, s, weight, eligible, salience_weight, fixed_weight, tolerance, tie_tolerance)
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


def _key_index(keys: np.ndarray, n: int, shift: bool) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Map each key of the flat (2, n) key array to (flat slots, exchange numbers).

    With ``shift`` the flat slot is that of the *other* side of the exchange.
    """
    flat = keys.ravel()
    order = np.argsort(flat, kind="stable")
    sorted_keys = flat[order]
    uniq, first = np.unique(sorted_keys, return_index=True)
    bounds = np.append(first, flat.size)
    slots = (order + n) % (2 * n) if shift else order
    ex = order % n
    return {
        int(k): (slots[bounds[t] : bounds[t + 1]], ex[bounds[t] : bounds[t + 1]])
        for t, k in enumerate(uniq)
    }


def _round(
    x0: np.ndarray,
    sal: np.ndarray,
    weight: np.ndarray,
    eligible: np.ndarray,
    salience_weight: float,
    fixed_weight: float,
    tol: float,
    tie_tol: float,
) -> ExchangeRound:
    """One round of the equal-gain model on normalised positions ``x0``."""
    n_act, n_iss = x0.shape
    present = ~np.isnan(x0)
    xz = np.where(present, x0, 0.0)
    den = weight.sum(axis=0)
    num = (xz * weight).sum(axis=0)
    safe = np.where(den > 0, den, 1.0)
    nbs = np.where(den > 0, num / safe, 0.0)
    left = xz <= nbs + tol

    # -- candidates, in decide's order: issue pairs (p < q), then A x D, then B x C pairs.
    ip, iq = np.triu_indices(n_iss, 1)
    both = eligible[:, ip] & eligible[:, iq]
    group = np.where(both, left[:, ip].astype(np.int8) + 2 * left[:, iq].astype(np.int8), -1).T
    ad = (group[:, :, None] == 0) & (group[:, None, :] == 3)
    bc = (group[:, :, None] == 1) & (group[:, None, :] == 2)
    pair, _, ai, aj = np.nonzero(np.stack((ad, bc), axis=1))
    p, q = ip[pair], iq[pair]
    swap = sal[ai, p] / sal[ai, q] < sal[aj, p] / sal[aj, q]
    act = np.stack((np.where(swap, aj, ai), np.where(swap, ai, aj)))  # side i supplies q
    n = act.shape[1]
    sup = np.stack((q, p))
    dem = np.stack((p, q))

    a = weight[act, sup] / safe[sup]  # outcome shift per unit move on the supply issue
    tgt = x0[act[::-1], sup]  # the partner's position on my supply issue
    x0s = x0[act, sup]
    c0 = num[sup] / safe[sup] - x0s * a
    s_i, s_j = act[0], act[1]
    kq = (sal[s_j, p] + sal[s_i, p]) / (sal[s_j, q] + sal[s_i, q])  # dQ = kq dP
    ratio = np.stack((1.0 / kq, kq))  # partner's shift per unit of own shift
    gfac = np.abs(kq * sal[s_i, q] - sal[s_i, p])  # gain = gfac * dP

    xs = x0s.copy()
    move = np.zeros((2, n))
    frozen = np.zeros((2, n))  # sum of this round's earlier moves (all of one sign)
    u_ex = np.zeros((2, n))  # outcome shift from updates of other actors' positions
    own = np.full((2, n), np.nan)  # an update of the side's own position, if any
    upd = np.full((2 * n, n_act), np.nan)  # updates[slot, actor]
    gain = np.full(n, -np.inf)
    alive = np.zeros(n, dtype=bool)
    xs_f, move_f, frozen_f = xs.reshape(-1), move.reshape(-1), frozen.reshape(-1)
    u_ex_f, own_f, act_f = u_ex.reshape(-1), own.reshape(-1), act.reshape(-1)

    def valid(xs_r: np.ndarray, m: np.ndarray, fz: np.ndarray) -> np.ndarray:
        am = np.abs(m)
        y = xs_r + m
        v = (
            (am > MIN_MOVE)
            & (am <= 100.0 + _EDGE)
            & (y >= -_EDGE)
            & (y <= 100.0 + _EDGE)
            & (fz + m <= 100.0 + _EDGE)
            & (fz * m >= 0.0)
        )
        return v[0] & v[1]

    def calculate(r: np.ndarray) -> None:
        xs_r, tg, a_r, k_r = xs[:, r], tgt[:, r], a[:, r], kq[r]
        diff = tg - xs_r
        dist = np.abs(diff)
        full = dist * a_r
        d_p = np.minimum(full[1], full[0] / k_r)
        sign = np.where(diff < 0.0, -1.0, 1.0)
        m = sign * np.minimum(np.stack((k_r * d_p, d_p)) / a_r, dist)
        fz = frozen[:, r]
        g_r = gfac[r]
        ok = valid(xs_r, m, fz) & (g_r * d_p >= MIN_GAIN)
        if ok.any():
            base = c0[:, r] + u_ex[:, r]
            own_r = own[:, r]
            for side in (0, 1):
                other = 1 - side
                nb0 = base[side] + xs_r[side] * a_r[side]
                lo = tg[side] - nb0
                hi = lo - m[side] * a_r[side]
                cross = ok & (np.abs(hi) > tol) & ((np.abs(lo) <= tol) | ((lo > 0) != (hi > 0)))
                if cross.any():
                    nb0p = np.where(np.isnan(own_r[side]), nb0, base[side] + own_r[side] * a_r[side])
                    d_a = np.abs(tg[side] - nb0p)
                    d_b = d_a * ratio[side, r]
                    m[side] = np.where(cross, sign[side] * d_a / a_r[side], m[side])
                    m[other] = np.where(cross, sign[other] * d_b / a_r[other], m[other])
                    d_p = np.where(cross, d_b if side == 0 else d_a, d_p)
            ok &= valid(xs_r, m, fz)
        move[:, r] = m
        gain[r] = np.where(ok, g_r * d_p, -np.inf)
        alive[r] = ok

    calculate(np.arange(n))
    candidates = int(alive.sum())
    sup_index = _key_index(act * n_iss + sup, n, shift=False)
    dem_index = _key_index(act * n_iss + dem, n, shift=True)
    history: list[tuple[np.ndarray, np.ndarray]] = []
    made: list[int] = []
    made_from: list[tuple[float, float]] = []
    made_move: list[tuple[float, float]] = []
    made_gain: list[float] = []

    while True:
        e = int(np.argmax(gain)) if n else 0
        if not n or gain[e] == -np.inf:
            break
        if np.count_nonzero(gain >= gain[e] - tie_tol) > 1:
            e = _tie_break(gain, history, tie_tol)
        alive[e] = False
        made.append(e)
        made_gain.append(float(gain[e]))
        gain[e] = -np.inf
        fi, fj = float(xs[0, e]), float(xs[1, e])
        mi, mj = float(move[0, e]), float(move[1, e])
        made_from.append((fi, fj))
        made_move.append((mi, mj))
        yi, yj = fi + mi, fj + mj
        parts: list[np.ndarray] = []
        # the actors' positions on their supply issues moved
        for key, y in ((int(act[0, e] * n_iss + sup[0, e]), yi), (int(act[1, e] * n_iss + sup[1, e]), yj)):
            slots, ex = sup_index[key]
            keep = alive[ex]
            if keep.any():
                slots = slots[keep]
                xs_f[slots] = y
                frozen_f[slots] += move_f[slots]
                parts.append(ex[keep])
        # the outcome of an issue another exchange's actor demands moved
        for key, who, y, start, fac in (
            (int(act[1, e] * n_iss + dem[1, e]), int(act[0, e]), yi, x0s[0, e], a[0, e]),
            (int(act[0, e] * n_iss + dem[0, e]), int(act[1, e]), yj, x0s[1, e], a[1, e]),
        ):
            hit = dem_index.get(key)
            if hit is None:
                continue
            slots, ex = hit
            keep = alive[ex]
            if not keep.any():
                continue
            slots = slots[keep]
            old = upd[slots, who]
            had = ~np.isnan(old)
            new = np.where(had, np.where(start <= old, np.minimum(old, y), np.maximum(old, y)), y)
            upd[slots, who] = new
            mine = act_f[slots] == who
            shift = (new - np.where(had, old, start)) * fac
            if mine.any():
                own_f[slots[mine]] = new[mine]
                shift = np.where(mine, 0.0, shift)
            u_ex_f[slots] += shift
            parts.append(ex[keep])
        if parts:
            r = np.concatenate(parts) if len(parts) > 1 else parts[0]
            history.append((r, gain[r]))
            calculate(r)

    idx = np.asarray(made, dtype=np.intp)
    frm = np.asarray(made_from, dtype=float).reshape(-1, 2)
    mov = np.asarray(made_move, dtype=float).reshape(-1, 2)
    vote_val = frm + mov
    who = act[:, idx].T.reshape(-1)  # interleaved i, j, i, j, ... as decide applies them
    iss = sup[:, idx].T.reshape(-1)
    y = vote_val.reshape(-1)
    flat = who * n_iss + iss
    _, first = np.unique(flat[::-1], return_index=True)
    last = flat.size - 1 - first  # the last exchange on each (actor, issue) wins
    vote = x0.copy()
    vote.reshape(-1)[flat[last]] = y[last]
    s_last = sal.reshape(-1)[flat[last]]
    x_last = x0.reshape(-1)[flat[last]]
    y_last = y[last]
    keep_w = 1.0 - (1.0 - s_last) * salience_weight - fixed_weight
    end = x0.copy()
    end.reshape(-1)[flat[last]] = (
        (1.0 - s_last) * salience_weight * y_last + fixed_weight * y_last + keep_w * x_last
    )
    return ExchangeRound(
        i=act[0, idx],
        j=act[1, idx],
        i_supply=sup[0, idx],
        j_supply=sup[1, idx],
        i_from=frm[:, 0],
        j_from=frm[:, 1],
        i_move=mov[:, 0],
        j_move=mov[:, 1],
        i_vote=vote_val[:, 0],
        j_vote=vote_val[:, 1],
        gain=np.asarray(made_gain, dtype=float),
        candidates=candidates,
        start=x0,
        vote=vote,
        end=end,
        outcome_start=outcome(x0, weight),
        outcome=outcome(vote, weight),
    )


def _tie_break(gain: np.ndarray, history: list[tuple[np.ndarray, np.ndarray]], tol: float) -> int:
    """The exchange decide's repeated stable sort puts first among near-equal gains.

    Going back step by step, keep the candidates with the best gain at that step's sort;
    when no step separates them, the earliest created wins.
    """
    top = np.flatnonzero(gain >= gain.max() - tol)
    g = gain[top].copy()
    for r, old in reversed(history):
        hit = np.isin(r, top)
        if hit.any():
            g[np.searchsorted(top, r[hit])] = old[hit]
        keep = g >= g.max() - tol
        top, g = top[keep], g[keep]
        if top.size == 1:
            break
    return int(top[0])


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
