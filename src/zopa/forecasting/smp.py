"""KTAB's Spatial Model of Politics (SMP): turn-by-turn challenges, bargains and votes.

A re-implementation in numpy of the Spatial Model of Politics of KTAB, the KAPSARC Toolkit
for Behavioral Analysis (King Abdullah Petroleum Studies and Research Center, C++, MIT
licence; https://github.com/KAPSARC/KTAB, read in the fork lsyaseen/KTAB:
``examples/smp/libsrc/smp.cpp``, ``smpbcn.cpp``, ``smpread.cpp`` and
``KTAB/kmodel/libsrc/kmodel.cpp``, ``kstate.cpp``, ``KTAB/kutils/libsrc/prng.cpp``). It
reproduces KTAB's reference runs of 30 May 2017 (``20170530_ref-*.txt``): same number of
turns and every actor's final position within 0.05 on the 0..100 scale (see the tests).

Notation (KTAB's internal scale): actor i has capability c_i, position x_i and ideal y_i
in [0, 1]^D (positions / 100), saliences s_ik in [0, 1] with sum_k s_ik <= 1 (saliences /
100) and total salience S_i = sum_k s_ik.

Utility of a position
    d_ij = sqrt( sum_k (s_ik (y_ik - x_jk))^2 / sum_k s_ik^2 )   (i's ideal to j's position)
    u(d, R) = (1 - d)(1 + d R)  (for d > 1, which round-off can cause: (1 - d)(1 + R))

Votes (VotingRule, default Proportional): actor k with weight w votes on a:b with
    v = w * f(u_ka - u_kb),  f(du) = du (Proportional), 0.5 du + 0.5 du^3 (PropCbc),
    du^3 (Cubic), clip(du / 1e-8, -1, 1) (Binary), 0.8 du + 0.2 Binary (PropBin),
    du if du < 0 else 2 du / 3 (ASymProsp).
Coalitions: C_ab = 1e-8 + sum_k max(0, v_k(a:b)).
Victory probability (VictoryProbModel, default Linear):
    P(a > b) = x_ab / (x_ab + x_ba) with x = C (Linear), C^2, C^4, C^8, or KTAB's Binary
    rule (a 10 % advantage decides); P(a > a) = 1/2.
Probabilistic Condorcet election (PCEModel, default Conditional):
    p_a proportional to prod_b P(a > b)  (Conditional); or the limit of KTAB's Markov
    process with challenge probabilities proportional to coalition * victory probability
    (MarkovIncentive) or uniform (MarkovUniform).

A state's risk attitudes and utilities (SMPState::setAllAUtil)
    1. risk-neutral utilities u0_ij = 1 - d_ij; the PCE over all actors' positions with
       weights c_k gives p_i;
    2. R_i from p (BigRRange, default Mid): R_i = (3 p_i - (p_max + 2 p_min)) /
       (2 (p_max - p_min)), so R is in [-1/2, 1] (Min: [0, 1]; Max: [-1, 1]);
    3. h's estimate of i's risk attitude (BigRAdjust, default OneThird):
       r_hi = (2 R_h + R_i) / 3 (Full: R_i; TwoThirds: (R_h + 2 R_i)/3; Half; No: R_h);
    4. h's estimate of the utility to i of j's position: U^h_ij = u(d_ij, r_hi).

Challenge i -> j as seen by h (SMPState::probEduChlg), with U = U^h:
    the principals vote with weights S_i c_i and S_j c_j: a_i = v(U_ii - U_ij),
    a_j = v(U_ji - U_jj); C_ij = 1e-10 + a_i+ + a_j+, C_ji = 1e-10 + a_i- + a_j-;
    each third party n (weight S_n c_n) first estimates, in the little contest with the
    principals only, p_n = (C_ij + v_n+) / (C_ij + C_ji + |v_n|) with v_n = v(U_ni - U_nj),
    then votes (ThirdPartyCommit, default SemiCommit) v(E_n(in:j) - E_n(i:jn)) with
    E_n(in:j) = p_n (2 U_ni + U_nn) + (1 - p_n) 3 U_nj and
    E_n(i:jn) = p_n 3 U_ni + (1 - p_n)(2 U_nj + U_nn)
    (FullCommit: all three utilities of the winner; NoCommit: U_nn kept on both sides);
    P_ij = C_ij / (C_ij + C_ji) over the principals and all third parties;
    for actor k: EU_SQ = U_ki + U_kj, EU_vict = 2 U_ki,
    EU_contest = P_ij 2 U_ki + (1 - P_ij) 2 U_kj,
    EU_chlg = (1 - S_j) EU_vict + S_j EU_contest, gain = EU_chlg - EU_SQ.

A turn (SMPState::doBCN)
    1. every actor i, by its own estimates (h = k = i), targets the j with the largest gain
       if it exceeds 1e-5 (the first such j on ties), with its estimate P = P_ij;
    2. the bargain (InterVecBrgn, default S2P2) gives, per dimension k,
       b = ((w_i + e) x_ik + w_j x_jk) / (w_i + e + w_j) to i and
       (w_i x_ik + (e + w_j) x_jk) / (w_i + e + w_j) to j, with w_i = (s_ik P)^2,
       w_j = (s_jk (1 - P))^2, e = 1e-6, rounded to 4 decimals (S1P1: w = s P;
       S2PMax: KTAB's asymmetric shift); BargnModel InitOnlyInterp (the default): the
       initiator's interpolation goes to the queues of both i and j;
    3. every actor k's queue holds its status quo (first) and the bargains it is party to;
       each actor a scores a bargain by the mean utility of all positions after it,
       (u_a(b_i) + u_a(b_j) + sum_{n != i, j} U^a_an) / N, where u_a(b) = u(d, R_a) with d
       measured from a's ideal (as in KTAB's 2017 reference runs; later versions of
       SMPActor::posUtil measure from the current position), and the status quo by
       sum_n U^a_an / N; a PCE over the queue with weights c_a (same voting rule, victory
       and PCE models) gives the bargains' probabilities; StateTransitions Deterministic
       (the default) takes the most probable (the first on ties), Stochastic draws one with
       KTAB's PRNG (mt19937_64 seeded with the scenario seed, then KTAB's qTrans);
    4. k adopts its side of the chosen bargain (the status quo keeps its position);
    5. ideals: y_i <- sum_j A_ij x_j + (1 - sum_j A_ij) y_i (accommodation matrix A, the
       identity by default, so that ideals track positions).

Stopping rule (smpStopFn, minIter 2, maxIter 100): with
dist(t) = sum_i ||x_i(t) - x_i(t-1)|| (Euclidean, 0..1 scale), stop after turn t when
t >= 100, or when t >= 2 and dist(t) / (dist(1) + 1e-4) < 0.02.

Forecast (:class:`SpatialModel`): KTAB reports, at every state, the probability that each
actor's position wins (SMPState::pDist(-1): a PCE over the distinct positions, each actor
judging them by its own utilities U^i_ij, weights c_i, the model's voting rule as in the
2017 reference runs; positions closer than 1e-3 count as one). The predicted position on
an issue is the final position there of the actor whose position is the most probable at
the final state (the first on ties; among the actors present on that issue).
``details["expected"]`` holds the probability-weighted mean of the distinct final
positions, ``details["probability"]`` every actor's final winning probability.

Inputs (:class:`SpatialModel`): all issues are dimensions of one space. Positions are
divided by 100. Saliences are divided by 100 like KTAB when they look like KTAB's scale
(all in 0..100, every actor's sum at most 100, some above 1); otherwise (another scale,
such as weights summing to 1) each actor's saliences are rescaled to sum to 1
(``salience_scale`` overrides the choice). An actor absent on an issue (NaN position) gets
salience 0 there and, as its position there, the capability-weighted mean of the present
actors' positions (50 if nobody is present): it does not care about that dimension, and
the others see it at the weighted centre.

Departures from the C++: the Conditional PCE multiplies probabilities in log space (no
underflow with many actors); an actor whose saliences are all 0 has distance 0 to every
position (KTAB asserts); when all PCE probabilities are equal up to rounding (a spread
below 1e-9 of the largest), every R is 0 (KTAB divides by zero or amplifies the noise);
the Markov PCEs stop after 10 000 iterations at most. KTAB runs the challenge phase and
the resolution of the queues in threads, so in its logs the order of the bargains in a
queue, and the order in which the queues draw random numbers, follow the threads; only
stochastic transitions depend on them, and ``thread_order`` replays them (the default is
the sequential order, by actor index).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from zopa.forecasting import smp_draws
from zopa.forecasting.base import Forecast, ForecastInput, ModelBase, finish
from zopa.forecasting.smp_parts import (
    _MIN_SIG_GAIN,
    BARGAIN_MODELS,
    BIG_R_ADJUSTS,
    BIG_R_RANGES,
    INTER_VEC_BARGAINS,
    PCE_MODELS,
    STATE_TRANSITIONS,
    THIRD_PARTY_COMMITS,
    VICTORY_PROB_MODELS,
    VOTING_RULES,
    SmpParams,
    _assess,
    _challenges,
    _distances,
    _interpolate,
    _queue_pces,
    _unique_positions,
    _utility,
    position_probabilities,
    scalar_pce,
)

__all__ = [
    "BARGAIN_MODELS",
    "BIG_R_ADJUSTS",
    "BIG_R_RANGES",
    "INTER_VEC_BARGAINS",
    "PCE_MODELS",
    "STATE_TRANSITIONS",
    "THIRD_PARTY_COMMITS",
    "VICTORY_PROB_MODELS",
    "VOTING_RULES",
    "KtabPrng",
    "SmpParams",
    "SmpResult",
    "SmpTurn",
    "SpatialModel",
    "ThreadOrder",
    "ktab_saliences",
    "position_probabilities",
    "run_smp",
    "scalar_pce",
]


class KtabPrng:
    """KTAB's PRNG (KBase::PRNG): std::mt19937_64, each 64-bit output passed through qTrans.

    ``uniform()`` is KTAB's ``uniform(0, 1)``: qTrans(n) / (2**64 - 1), with
    qTrans(n) = (n + 0xE08C1D668B756F83) (2 n + 3) mod 2**64.
    """

    _MASK = (1 << 64) - 1
    _Q64C = 0xE08C1D668B756F83

    def __init__(self, seed: int) -> None:
        mask = self._MASK
        mt = [0] * 312
        mt[0] = int(seed) & mask
        for i in range(1, 312):
            mt[i] = (6364136223846793005 * (mt[i - 1] ^ (mt[i - 1] >> 62)) + i) & mask
        self._mt = mt
        self._index = 312

    def _twist(self) -> None:
        mt = self._mt
        for i in range(312):
            x = (mt[i] & 0xFFFFFFFF80000000) | (mt[(i + 1) % 312] & 0x7FFFFFFF)
            xa = x >> 1
            if x & 1:
                xa ^= 0xB5026F5AA96619E9
            mt[i] = mt[(i + 156) % 312] ^ xa
        self._index = 0

    def next_u64(self) -> int:
        """The next raw mt19937_64 output."""
        if self._index >= 312:
            self._twist()
        y = self._mt[self._index]
        self._index += 1
        y ^= (y >> 29) & 0x5555555555555555
        y ^= (y << 17) & 0x71D67FFFEDA60000
        y ^= (y << 37) & 0xFFF7EEE000000000
        y ^= y >> 43
        return y & self._MASK

    def uniform(self) -> float:
        """KTAB's ``PRNG::uniform(0.0, 1.0)``."""
        n = self.next_u64()
        q = ((n + self._Q64C) * (2 * n + 3)) & self._MASK
        return float(q) / float(self._MASK)

    def prob_sel(self, p: np.ndarray) -> int:
        """KTAB's ``PRNG::probSel``: the first index whose cumulative probability >= u."""
        u = self.uniform()
        total = 0.0
        for i, pi in enumerate(np.asarray(p, dtype=float)):
            total = total + float(pi)
            if u <= total:
                return i
        return len(p) - 1


# ---------------------------------------------------------------------------------------
# the run


@dataclass(frozen=True)
class ThreadOrder:
    """The thread interleaving of one turn of a multi-threaded KTAB run (KTAB 2017).

    ``initiators``: the order in which the initiators' bargains joined the queues (each
    queue holds its status quo first, then its bargains in this order); ``resolution``:
    the order in which the queues were resolved, hence drew from the PRNG. Both are
    permutations of the actors, readable from a KTAB log ("Bargains involving actor k" and
    "Doing scalarPCE for the ... bargains of actor k"). Only stochastic transitions
    depend on them.
    """

    initiators: tuple[int, ...]
    resolution: tuple[int, ...]


@dataclass
class SmpTurn:
    """Diagnostics of one turn (arrays over actors)."""

    turn: int
    target: np.ndarray  # the actor each actor challenges (-1: none)
    win_prob: np.ndarray  # its estimate of the probability the challenge succeeds
    gain: np.ndarray  # its expected gain (NaN: none)
    queue: list[list[int]]  # per actor, the initiators of the bargains in its queue (-1: SQ)
    chosen: np.ndarray  # per actor, the index of the chosen bargain in its queue (0: SQ)
    bargain_prob: list[np.ndarray]  # per actor, the PCE probabilities of its queue
    fractional_change: float  # dist(t) / (dist(1) + 1e-4), KTAB's stopping statistic


@dataclass
class SmpResult:
    """A run of the SMP: positions on KTAB's 0..1 scale."""

    positions: np.ndarray  # (turns + 1, actors, dims)
    ideals: np.ndarray  # (turns + 1, actors, dims)
    turns: int
    risk: np.ndarray  # (turns + 1, actors): R_i at each state
    probabilities: np.ndarray  # (turns + 1, actors): probability each actor's position wins
    history: list[SmpTurn] = field(default_factory=list)

    @property
    def final(self) -> np.ndarray:
        """The final positions (actors, dims)."""
        return self.positions[-1]


def _check_inputs(
    position: np.ndarray, salience: np.ndarray, capability: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The inputs of :func:`run_smp` as float arrays, or a ValueError saying what is wrong
    (over leading axes too: (..., actors, dims) and (..., actors))."""
    x = np.array(position, dtype=float)
    s = np.array(salience, dtype=float)
    c = np.array(capability, dtype=float)
    if x.ndim < 2 or x.shape[-2] < 2 or x.shape[-1] < 1:
        raise ValueError("position must be (actors >= 2, dims >= 1)")
    if s.shape != x.shape or c.shape != x.shape[:-1]:
        raise ValueError("salience must match position; capability must be (actors,)")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(s)) and np.all(np.isfinite(c))):
        raise ValueError("positions, saliences and capabilities must be finite")
    if np.any(x < 0.0) or np.any(x > 1.0):
        raise ValueError("positions must be on 0..1 (divide KTAB's 0..100 by 100)")
    if np.any(s < 0.0) or np.any(s.sum(axis=-1) > 1.0 + 1e-9):
        raise ValueError("saliences must be >= 0 with every actor's sum <= 1")
    if np.any(c < 0.0):
        raise ValueError("capabilities must be >= 0")
    return x, s, c


def run_smp(
    position: np.ndarray,
    salience: np.ndarray,
    capability: np.ndarray,
    *,
    params: SmpParams | None = None,
    accommodation: np.ndarray | None = None,
    seed: int = 0,
    max_turns: int = 100,
    min_turns: int = 2,
    min_delta_ratio: float = 0.02,
    min_sig_delta: float = 1e-4,
    thread_order: Sequence[ThreadOrder] | None = None,
) -> SmpResult:
    """Run KTAB's SMP from the initial state until its stopping rule holds.

    ``position`` (actors, dims) and ``salience`` (actors, dims) are on KTAB's internal
    0..1 scale (every actor's saliences summing to at most 1), ``capability`` (actors,).
    ``accommodation`` is KTAB's ideal-accommodation matrix (identity by default), ``seed``
    seeds KTAB's PRNG for stochastic transitions. ``thread_order[t]`` (optional) replays
    the thread interleaving of turn t + 1 of a multi-threaded KTAB run (see
    :class:`ThreadOrder`); by default everything runs in ascending actor order.
    """
    params = params or SmpParams()
    x, s, cap = _check_inputs(position, salience, capability)
    n = x.shape[0]
    if accommodation is None:
        acc = np.eye(n)
    else:
        acc = np.array(accommodation, dtype=float)
        if acc.shape != (n, n) or np.any(acc < 0) or np.any(acc.sum(axis=1) > 1.0 + 1e-10):
            raise ValueError("accommodation must be (actors, actors), >= 0, rows summing <= 1")
    identity = bool(np.array_equal(acc, np.eye(n)))
    total_sal = s.sum(axis=1)
    weight = total_sal * cap
    prng = KtabPrng(seed) if params.state_transitions == "Stochastic" else None
    idx = np.arange(n)

    positions = [x.copy()]
    ideals = [x.copy()]
    state = _assess(x, x, s, cap, params)
    risks = [state.risk]
    probs = [position_probabilities(x, state.util, cap, params)]
    history: list[SmpTurn] = []
    first_dist = 0.0
    turn = 0
    while True:
        cur_x, cur_y = positions[-1], ideals[-1]
        p_ij, gain = _challenges(state.util, weight, total_sal, params)
        masked = np.where(np.isnan(gain) | (gain <= _MIN_SIG_GAIN), -np.inf, gain)
        target = np.argmax(masked, axis=1)
        has = np.isfinite(masked[idx, target])
        target = np.where(has, target, -1)

        order = resolution = list(range(n))
        if thread_order is not None and turn < len(thread_order):
            order = [int(i) for i in thread_order[turn].initiators]
            resolution = [int(i) for i in thread_order[turn].resolution]
            if sorted(order) != list(range(n)) or sorted(resolution) != list(range(n)):
                raise ValueError(f"thread_order[{turn}] must hold permutations of the actors")
        # bargains by initiator: (receiver, position for initiator, position for receiver)
        inits = np.flatnonzero(has)
        rcvs = target[inits]
        b_init, b_rcvr = _interpolate(
            cur_x[inits],
            s[inits],
            cur_x[rcvs],
            s[rcvs],
            p_ij[inits, rcvs][:, None],
            params.inter_vec_bargain,
        )
        bargains = {
            int(i): (int(j), b_init[col], b_rcvr[col])
            for col, (i, j) in enumerate(zip(inits, rcvs, strict=True))
        }
        queues: list[list[int]] = [[-1] for _ in range(n)]
        for i in order:
            if i in bargains:
                j = bargains[i][0]
                queues[i].append(i)
                queues[j].append(i)

        # utility to each actor a of the state after each bargain b (by initiator)
        own = state.util[idx, idx, :]  # (a, n): U^a_an
        sq_util = own.sum(axis=1) / n
        column = {int(i): col for col, i in enumerate(inits)}
        b_util = np.empty((n, 0))
        if inits.size:
            r = state.risk[:, None]
            u_init = _utility(_distances(cur_y, b_init, s), r)
            u_rcvr = _utility(_distances(cur_y, b_rcvr, s), r)
            rest = own.sum(axis=1)[:, None] - own[:, inits] - own[:, rcvs]
            b_util = (u_init + u_rcvr + rest) / n

        new_x = cur_x.copy()
        chosen = np.zeros(n, dtype=int)
        cols = [[column[i] for i in q[1:]] for q in queues]
        queue_probs = _queue_pces(sq_util, b_util, cols, cap, params)
        for k in resolution:
            q = queues[k]
            pq = queue_probs[k]
            m = int(np.argmax(np.abs(pq))) if prng is None else prng.prob_sel(pq)
            chosen[k] = m
            queue_probs[k] = pq
            if m > 0:
                init = q[m]
                _, bi, bj = bargains[init]
                new_x[k] = bi if k == init else bj
        if identity:
            new_y = new_x.copy()
        else:
            lag = 1.0 - np.minimum(acc.sum(axis=1), 1.0)
            new_y = acc @ new_x + lag[:, None] * cur_y

        turn += 1
        positions.append(new_x)
        ideals.append(new_y)
        state = _assess(new_x, new_y, s, cap, params)
        risks.append(state.risk)
        probs.append(position_probabilities(new_x, state.util, cap, params))
        dist = float(np.sqrt(((new_x - cur_x) ** 2).sum(axis=1)).sum())
        if turn == 1:
            first_dist = dist
        ratio = dist / (first_dist + min_sig_delta)
        history.append(
            SmpTurn(
                turn=turn,
                target=target,
                win_prob=np.where(has, p_ij[idx, np.maximum(target, 0)], np.nan),
                gain=np.where(has, masked[idx, np.maximum(target, 0)], np.nan),
                queue=queues,
                chosen=chosen,
                bargain_prob=queue_probs,
                fractional_change=ratio,
            )
        )
        if turn >= max_turns or (turn >= min_turns and ratio < min_delta_ratio):
            break

    return SmpResult(
        positions=np.array(positions),
        ideals=np.array(ideals),
        turns=turn,
        risk=np.array(risks),
        probabilities=np.array(probs),
        history=history,
    )


# ---------------------------------------------------------------------------------------
# the forecasting model


def ktab_saliences(salience: np.ndarray, scale: str = "auto") -> tuple[np.ndarray, str]:
    """Saliences on KTAB's internal scale (every actor's sum <= 1), and the scale used.

    ``scale``: ``"percent"`` divides by 100 (KTAB's files); ``"normalise"`` rescales each
    actor's saliences to sum to 1 (an actor whose saliences are all 0 keeps 0);
    ``"auto"`` takes ``"percent"`` when every salience is in 0..100, every actor's sum is
    at most 100 and some salience exceeds 1, ``"normalise"`` otherwise.
    """
    out, percent = _ktab_scaled(np.asarray(salience, dtype=float), scale)
    return out, "percent" if bool(percent) else "normalise"


def _ktab_scaled(s: np.ndarray, scale: str) -> tuple[np.ndarray, np.ndarray]:
    """:func:`ktab_saliences` of (..., actors, issues) saliences, leading axes (draws) each
    their own: the scaled saliences and, per leading index, whether the percent scale was
    taken."""
    if scale not in ("auto", "percent", "normalise"):
        raise ValueError(f"salience_scale must be 'auto', 'percent' or 'normalise', not {scale!r}")
    if np.any(s < 0) or not np.all(np.isfinite(s)):
        raise ValueError("saliences must be finite and >= 0")
    sums = s.sum(axis=-1, keepdims=True)
    if scale == "auto":
        percent = (
            np.all(s <= 100.0, axis=(-2, -1))
            & np.all(sums <= 100.0 + 1e-9, axis=(-2, -1))
            & np.any(s > 1.0, axis=(-2, -1))
        )
    else:
        percent = np.full(s.shape[:-2], scale == "percent")
    if scale == "percent" and np.any(sums > 100.0 + 1e-9):
        raise ValueError("with salience_scale='percent' every actor's sum must be <= 100")
    by_100 = s / 100.0
    sums_100 = by_100.sum(axis=-1, keepdims=True)
    as_percent = np.where(sums_100 > 1.0, by_100 / np.maximum(sums_100, 1.0), by_100)
    normalised = np.where(sums > 0, s / np.where(sums > 0, sums, 1.0), 0.0)
    return np.where(percent[..., None, None], as_percent, normalised), percent


def _forecast_positions(final: np.ndarray, prob: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Per issue, the final position (``final``, (..., actors, issues)) of the actor whose
    position is the most probable (``prob``, (..., actors)) among those present on it
    (``present``; every actor where nobody is), the first on ties; leading axes (draws)
    each their own."""
    nobody = ~present.any(axis=-2, keepdims=True)
    best = np.argmax(np.where(present | nobody, prob[..., :, None], -np.inf), axis=-2)
    return np.take_along_axis(final, best[..., None, :], axis=-2)[..., 0, :]


class SpatialModel(ModelBase):
    """KTAB's Spatial Model of Politics, all issues jointly as the dimensions of one space.

    ``params`` are KTAB's model parameters (KTAB's defaults); ``salience_scale`` is
    ``"auto"``, ``"percent"`` or ``"normalise"`` (see :func:`ktab_saliences`);
    ``accommodation``, ``seed`` and the stopping rule's ``max_turns``, ``min_turns`` and
    ``min_delta_ratio`` are passed to :func:`run_smp`. The issues interact (no
    ``stacks_issues``); the forecast carries every turn's positions (``has_trajectory``).
    A Monte Carlo runs its draws in lockstep (:attr:`predict_draws`) where it can.
    """

    name: ClassVar[str] = "smp"
    has_trajectory: ClassVar[bool] = True

    def __init__(
        self,
        params: SmpParams | None = None,
        salience_scale: str = "auto",
        accommodation: np.ndarray | None = None,
        seed: int = 0,
        max_turns: int = 100,
        min_turns: int = 2,
        min_delta_ratio: float = 0.02,
    ) -> None:
        self.params = params or SmpParams()
        self.salience_scale = salience_scale
        self.accommodation = accommodation
        self.seed = int(seed)
        self.max_turns = int(max_turns)
        self.min_turns = int(min_turns)
        self.min_delta_ratio = float(min_delta_ratio)

    def _prepared(
        self, position: np.ndarray, salience: np.ndarray, capability: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Inputs as the SMP takes them, over (..., actors, issues) with leading axes
        (draws) each their own: positions on 0..100 with the absent ones filled in,
        saliences on KTAB's scale, which positions are present, and (per leading index)
        whether the percent scale was taken."""
        position = np.array(position, dtype=float)
        present = ~np.isnan(position)
        if np.any(capability < 0) or not np.all(np.isfinite(capability)):
            raise ValueError("capabilities must be finite and >= 0")
        if np.any(present & ((position < 0) | (position > 100))):
            raise ValueError("positions must be on 0..100")
        raw = np.where(present, np.nan_to_num(np.asarray(salience, dtype=float)), 0.0)
        sal, percent = _ktab_scaled(raw, self.salience_scale)
        weights = np.where(present, capability[..., :, None], 0.0)
        total = weights.sum(axis=-2)
        counts = present.sum(axis=-2)
        with np.errstate(invalid="ignore", divide="ignore"):
            centre = np.where(
                total > 0,
                (weights * np.nan_to_num(position)).sum(axis=-2) / total,
                np.where(counts > 0, np.nansum(position, axis=-2) / np.maximum(counts, 1), 50.0),
            )
        return np.where(present, position, centre[..., None, :]), sal, present, percent

    @property
    def predict_draws(self) -> Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None:
        """The forecast positions of many draws at once, as :meth:`predict` gives them:
        ``position`` and ``salience`` (draws, actors, issues), ``capability`` (draws,
        actors) give (draws, issues), the draws' turns in lockstep
        (:mod:`zopa.forecasting.smp_draws`). None when this model's parameters are not
        ones that path covers (:func:`~zopa.forecasting.smp_draws.covers`): those run
        draw by draw."""
        if not smp_draws.covers(self.params, self.accommodation):
            return None
        return self._predict_draws

    def _predict_draws(
        self, position: np.ndarray, salience: np.ndarray, capability: np.ndarray
    ) -> np.ndarray:
        n_draws, n, k = np.shape(position)
        cap = np.asarray(capability, dtype=float)
        if not smp_draws.takes(n) or k == 0 or n_draws == 0:  # draw by draw
            actors, issues = tuple(f"a{i}" for i in range(n)), tuple(f"k{i}" for i in range(k))
            return np.array(
                [
                    self.predict(
                        ForecastInput(actors, issues, position[d], salience[d], cap[d])
                    ).position
                    for d in range(n_draws)
                ]
            ).reshape(n_draws, k)
        filled, sal, present, _ = self._prepared(position, salience, cap)
        _check_inputs(filled / 100.0, sal, cap)
        final, prob = smp_draws.run_draws(
            filled / 100.0,
            sal,
            cap,
            self.params,
            max_turns=self.max_turns,
            min_turns=self.min_turns,
            min_delta_ratio=self.min_delta_ratio,
        )
        return _forecast_positions(final * 100.0, prob, present)

    def predict(self, inputs: ForecastInput) -> Forecast:
        """Run the SMP to its stopping rule and forecast every issue (see the module doc)."""
        capability = np.asarray(inputs.capability, dtype=float)
        filled, salience, present, percent = self._prepared(
            inputs.position, inputs.salience, capability
        )
        n, k = filled.shape
        scale = "percent" if bool(percent) else "normalise"
        details: dict[str, Any] = {"salience_scale": scale, "imputed": ~present}
        if n < 2 or k == 0:
            trajectory = filled[None, :, :]
            return finish(
                self.name, inputs, filled[0], rounds=0, trajectory=trajectory, details=details
            )
        result = run_smp(
            filled / 100.0,
            salience,
            capability,
            params=self.params,
            accommodation=self.accommodation,
            seed=self.seed,
            max_turns=self.max_turns,
            min_turns=self.min_turns,
            min_delta_ratio=self.min_delta_ratio,
        )
        final = result.final * 100.0
        prob = result.probabilities[-1]
        predicted = _forecast_positions(final, prob, present)
        uidx, _ = _unique_positions(result.final)
        pu = prob[uidx]
        expected = (pu[:, None] * final[uidx]).sum(axis=0) / pu.sum()
        details.update(
            {
                "probability": dict(zip(inputs.actors, prob.tolist(), strict=True)),
                "most_probable": inputs.actors[int(np.argmax(prob))],
                "expected": expected,
                "risk_attitude": dict(zip(inputs.actors, result.risk[-1].tolist(), strict=True)),
                "fractional_change": [t.fractional_change for t in result.history],
                "result": result,
            }
        )
        return finish(
            self.name,
            inputs,
            predicted,
            rounds=result.turns,
            trajectory=result.positions * 100.0,
            details=details,
        )
