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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from zopa.forecasting.base import Forecast, ForecastInput, ModelBase, finish

VICTORY_PROB_MODELS = ("Linear", "Square", "Quartic", "Octic", "Binary")
PCE_MODELS = ("Conditional", "MarkovIncentive", "MarkovUniform")
STATE_TRANSITIONS = ("Deterministic", "Stochastic")
VOTING_RULES = ("Binary", "PropBin", "Proportional", "PropCbc", "Cubic", "ASymProsp")
BIG_R_ADJUSTS = ("Full", "TwoThirds", "Half", "OneThird", "No")
BIG_R_RANGES = ("Min", "Mid", "Max")
THIRD_PARTY_COMMITS = ("NoCommit", "SemiCommit", "FullCommit")
INTER_VEC_BARGAINS = ("S1P1", "S2P2", "S2PMax")
BARGAIN_MODELS = ("InitOnlyInterp",)

_MIN_COALITION = 1e-8  # Model::coalitions
_MIN_CHALLENGE_COALITION = 1e-10  # SMPState::probEduChlg
_MIN_SIG_GAIN = 1e-5  # SMPState::bestChallenge
_MIN_BARGAIN_WEIGHT = 1e-6  # SMPActor::interpBrgnSnPm
_POSITION_TOL = 1e-3  # SMPModel::posTol (0..1 scale)
_MARKOV_MAX_ITER = 10_000
_BLOCK = 1 << 18  # elements per block of (initiator, third party, target) arrays


@dataclass(frozen=True)
class SmpParams:
    """KTAB's SMP model parameters (the names of its XML ``ModelParameters``).

    The defaults are KTAB's: Linear, Conditional, Deterministic, Proportional, OneThird,
    Mid, SemiCommit, S2P2, InitOnlyInterp. ``"Prop"`` is accepted for ``"Proportional"``.
    """

    victory_prob: str = "Linear"
    pce: str = "Conditional"
    state_transitions: str = "Deterministic"
    voting_rule: str = "Proportional"
    big_r_adjust: str = "OneThird"
    big_r_range: str = "Mid"
    third_party_commit: str = "SemiCommit"
    inter_vec_bargain: str = "S2P2"
    bargain_model: str = "InitOnlyInterp"

    def __post_init__(self) -> None:
        if self.voting_rule == "Prop":
            object.__setattr__(self, "voting_rule", "Proportional")
        checks = (
            ("victory_prob", VICTORY_PROB_MODELS),
            ("pce", PCE_MODELS),
            ("state_transitions", STATE_TRANSITIONS),
            ("voting_rule", VOTING_RULES),
            ("big_r_adjust", BIG_R_ADJUSTS),
            ("big_r_range", BIG_R_RANGES),
            ("third_party_commit", THIRD_PARTY_COMMITS),
            ("inter_vec_bargain", INTER_VEC_BARGAINS),
            ("bargain_model", BARGAIN_MODELS),
        )
        for name, allowed in checks:
            value = getattr(self, name)
            if value not in allowed:
                raise ValueError(f"SmpParams.{name} must be one of {allowed}, not {value!r}")

    @classmethod
    def from_ktab(cls, parameters: Mapping[str, str]) -> SmpParams:
        """Parameters from KTAB's XML element names (``VictoryProbModel``, ``PCEModel``...)."""
        names = {
            "VictoryProbModel": "victory_prob",
            "PCEModel": "pce",
            "StateTransitions": "state_transitions",
            "VotingRule": "voting_rule",
            "BigRAdjust": "big_r_adjust",
            "BigRRange": "big_r_range",
            "ThirdPartyCommit": "third_party_commit",
            "InterVecBrgn": "inter_vec_bargain",
            "BargnModel": "bargain_model",
        }
        kw = {names[k]: v for k, v in parameters.items() if k in names}
        return cls(**kw)


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
# KBase::Model building blocks


def _vote(rule: str, weight: np.ndarray | float, du: np.ndarray) -> np.ndarray:
    """Model::vote: the vote of weight ``weight`` on a:b given du = u_a - u_b."""
    if rule == "Proportional":
        response = du
    elif rule == "PropCbc":
        response = 0.5 * du + 0.5 * (du * du * du)
    elif rule == "Cubic":
        response = du * du * du
    elif rule == "Binary":
        response = np.clip(du / 1e-8, -1.0, 1.0)
    elif rule == "PropBin":
        response = 0.8 * du + 0.2 * np.clip(du / 1e-8, -1.0, 1.0)
    elif rule == "ASymProsp":
        return np.where(du < 0.0, weight * du, np.where(du > 0.0, (2.0 * weight * du) / 3.0, 0.0))
    else:  # pragma: no cover - SmpParams validates
        raise ValueError(f"unknown voting rule {rule!r}")
    return weight * response


def _coalitions(u: np.ndarray, weight: np.ndarray, rule: str) -> np.ndarray:
    """Model::coalitions over options: C[a, b] = 1e-8 + sum_k max(0, v_k(a:b)).

    ``u`` is (actors, options). KTAB computes only the votes on a:b with a > b, their
    positive parts going to C[a, b] and negative parts to C[b, a]; every voting rule but
    ASymProsp is odd (v(b:a) = -v(a:b), exactly in floating point), so the full matrix of
    positive parts is the same thing.
    """
    n, m = u.shape
    if rule == "ASymProsp":
        v = _vote(rule, weight[:, None, None], u[:, :, None] - u[:, None, :])
        pos = np.maximum(v, 0.0).sum(axis=0)
        neg = np.maximum(-v, 0.0).sum(axis=0)
        lower = np.tri(m, m, -1, dtype=bool)
        c = _MIN_COALITION + np.where(lower, pos, neg.T)
    else:
        c = np.empty((m, m))
        step = max(1, _BLOCK // max(1, n * m))
        for lo in range(0, m, step):
            du = u[:, lo : lo + step, None] - u[:, None, :]
            if rule == "Proportional":
                np.maximum(du, 0.0, out=du)  # max(w du, 0) = w max(du, 0) for w >= 0
                c[lo : lo + step] = _MIN_COALITION + (weight @ du.reshape(n, -1)).reshape(
                    du.shape[1:]
                )  # np.tensordot's own product, without its Python overhead
            else:
                v = _vote(rule, weight[:, None, None], du)
                c[lo : lo + step] = _MIN_COALITION + np.maximum(v, 0.0, out=v).sum(axis=0)
    np.fill_diagonal(c, _MIN_COALITION)
    return c


def _victory_prob(c: np.ndarray, model: str) -> np.ndarray:
    """Model::vProb: P[a, b] = probability that option a beats option b (P[a, a] = 1/2),
    over the last two axes of ``c`` (a stack of coalition matrices: each its own)."""
    ct = c.swapaxes(-1, -2)
    if model == "Binary":
        thresh = 1.10
        with np.errstate(divide="ignore", invalid="ignore"):
            r = c / (c + ct)
            mid = (r * (thresh + 1.0) - 1.0) / (thresh - 1.0)
        x1 = np.where(c >= thresh * ct, 1.0, np.where(ct >= thresh * c, 1e-6, mid))
        x2 = np.where(c >= thresh * ct, 1e-6, np.where(ct >= thresh * c, 1.0, 1.0 - mid))
        p = x1 / (x1 + x2)
    else:
        power = {"Linear": 1, "Square": 2, "Quartic": 4, "Octic": 8}[model]
        x = c if power == 1 else c**power
        p = x / (x + x.swapaxes(-1, -2))
    m = c.shape[-1]
    p[..., np.arange(m), np.arange(m)] = 0.5
    return p


def _cond_pce(vp: np.ndarray) -> np.ndarray:
    """Model::condPCE: p_a proportional to prod_b P[a, b] (computed in log space), over the
    last two axes of ``vp`` (a stack of matrices: each its own; uniform where no option
    has a finite log-probability)."""
    with np.errstate(divide="ignore"):
        logp = np.log(vp).sum(axis=-1)
    top = np.max(logp, axis=-1)
    ok = np.isfinite(top)
    with np.errstate(invalid="ignore", divide="ignore"):  # the rows not ok are set below
        p = np.exp(logp - np.where(ok, top, 0.0)[..., None])
        p /= p.sum(axis=-1, keepdims=True)
    p[~ok] = 1.0 / vp.shape[-1]
    return p


def _markov_incentive_pce(c: np.ndarray, vp: np.ndarray) -> np.ndarray:
    """Model::markovIncentivePCE: the Markov limit with challenges weighted by C * P."""
    m = c.shape[0]
    incentive = c * vp
    incentive[np.diag_indices(m)] += 1e-10
    challenge = incentive / incentive.sum(axis=0, keepdims=True)  # [i, j]: i challenges j
    p = np.full(m, 1.0 / m)
    change = 1.0
    for _ in range(_MARKOV_MAX_ITER):
        if change <= 1e-8:
            break
        ct = p[:, None] * challenge.T
        q = (vp * (ct + ct.T)).sum(axis=1)
        change = float(np.max(np.abs(q - p)))
        p = (p + q) / 2.0
    return p


def _markov_uniform_pce(vp: np.ndarray) -> np.ndarray:
    """Model::markovUniformPCE: the Markov limit with uniform challenges."""
    m = vp.shape[0]
    p = np.full(m, 1.0 / m)
    change = 1.0
    for _ in range(_MARKOV_MAX_ITER):
        if change <= 1e-6:
            break
        q = (vp * (p[:, None] + p[None, :])).sum(axis=1) / m
        change = float(np.max(np.abs(q - p)))
        p = (p + q) / 2.0
    return p


def _pce_from_coalitions(c: np.ndarray, params: SmpParams) -> np.ndarray:
    """Model::probCE2: the probability of each option under the chosen PCE model."""
    vp = _victory_prob(c, params.victory_prob)
    if params.pce == "Conditional":
        return _cond_pce(vp)
    if params.pce == "MarkovIncentive":
        return _markov_incentive_pce(c, vp)
    return _markov_uniform_pce(vp)


def scalar_pce(
    u: np.ndarray, weight: np.ndarray, params: SmpParams, rule: str | None = None
) -> np.ndarray:
    """Model::scalarPCE: the probability of each option (column of ``u``) winning.

    ``u`` is (actors, options) of utilities, ``weight`` (actors,) the voting weights;
    ``rule`` overrides ``params.voting_rule``.
    """
    c = _coalitions(
        np.asarray(u, dtype=float), np.asarray(weight, dtype=float), rule or params.voting_rule
    )
    return _pce_from_coalitions(c, params)


def _queue_pces(
    sq_util: np.ndarray,
    b_util: np.ndarray,
    cols: list[list[int]],
    cap: np.ndarray,
    params: SmpParams,
) -> list[np.ndarray]:
    """Every actor's queue PCE of a turn (:func:`scalar_pce` over the status quo's
    utilities ``sq_util`` and those of its bargains, columns ``cols[k]`` of ``b_util``).

    Queues of the same length go through one call per step (a leading queue axis): the
    same products, by the same BLAS calls (matmul runs one gemv per queue), and the same
    reductions, so the same bits as queue by queue; KTAB's asymmetric voting rule and the
    Markov PCEs run queue by queue.
    """
    out: list[np.ndarray] = [np.empty(0)] * len(cols)
    by_len: dict[int, list[int]] = {}
    for k, c in enumerate(cols):
        by_len.setdefault(len(c), []).append(k)
    batched = params.pce == "Conditional" and params.voting_rule != "ASymProsp"
    for ks in by_len.values():
        u = np.empty((len(ks), len(sq_util), 1 + len(cols[ks[0]])))  # (queues, actors, m)
        u[:, :, 0] = sq_util
        if u.shape[2] > 1:
            u[:, :, 1:] = b_util[:, np.array([cols[k] for k in ks])].transpose(1, 0, 2)
        if not batched or u.shape[1] * u.shape[2] ** 2 > _BLOCK:
            for g, k in enumerate(ks):
                out[k] = scalar_pce(u[g], cap, params)
            continue
        coal = _stacked_coalitions(u, cap, params.voting_rule)
        for k, p in zip(ks, _cond_pce(_victory_prob(coal, params.victory_prob)), strict=True):
            out[k] = p
    return out


def _stacked_coalitions(u: np.ndarray, weight: np.ndarray, rule: str) -> np.ndarray:
    """:func:`_coalitions` of each (actors, options) matrix of ``u`` (queues first), for
    the odd voting rules (not ASymProsp), each small enough for one block."""
    g, n, m = u.shape
    du = u[:, :, :, None] - u[:, :, None, :]  # (g, n, m, m)
    if rule == "Proportional":
        np.maximum(du, 0.0, out=du)
        c = _MIN_COALITION + (weight @ du.reshape(g, n, m * m)).reshape(g, m, m)
    else:
        v = _vote(rule, weight[:, None, None], du)
        c = _MIN_COALITION + np.maximum(v, 0.0, out=v).sum(axis=1)
    c[:, np.arange(m), np.arange(m)] = _MIN_COALITION
    return c


def _utility(d: np.ndarray, r: np.ndarray | float) -> np.ndarray:
    """SMPModel::bsUtil: (1 - d)(1 + d R), or (1 - d)(1 + R) past d = 1 (broadcasting)."""
    u = np.multiply(d, r)
    u += 1.0
    u *= 1.0 - d
    over = d > 1.0
    if np.any(over):
        u = np.where(over, (1.0 - d) * (1.0 + r), u)
    return u


def _distances(ideal: np.ndarray, position: np.ndarray, salience: np.ndarray) -> np.ndarray:
    """SMPModel::bvDiff for all pairs: d[i, j] from i's ideal to j's position (over the
    last two axes: leading axes, such as draws, are each their own)."""
    ds = salience[..., :, None, :] * (ideal[..., :, None, :] - position[..., None, :, :])
    num = (ds * ds).sum(axis=-1)
    den = (salience * salience).sum(axis=-1)
    safe = np.where(den > 0.0, den, 1.0)
    return np.where(den[..., :, None] > 0.0, np.sqrt(num / safe[..., :, None]), 0.0)


def _big_r(p: np.ndarray, rng: str) -> np.ndarray:
    """Model::bigRfromProb: risk attitudes from the PCE probabilities of the positions
    (over the last axis: leading axes, such as draws, are each their own)."""
    p_min = np.min(p, axis=-1, keepdims=True)
    p_max = np.max(p, axis=-1, keepdims=True)
    span = p_max - p_min
    flat = span <= 1e-9 * p_max  # equal up to rounding: KTAB's formula would amplify noise
    with np.errstate(divide="ignore", invalid="ignore"):  # the flat rows are set to 0
        if rng == "Min":
            r = (p - p_min) / span
        elif rng == "Mid":
            r = (3 * p - (p_max + 2 * p_min)) / (2 * span)
        else:
            r = (2 * p - (p_max + p_min)) / span
    return np.where(flat, 0.0, r)


def _estimated_r(r: np.ndarray, adjust: str) -> np.ndarray:
    """Model::estNRA for all pairs: rhi[h, i] = h's estimate of i's risk attitude (over
    the last axis: leading axes, such as draws, are each their own)."""
    rh = r[..., :, None]
    ri = r[..., None, :]
    both = (*r.shape, r.shape[-1])
    if adjust == "Full":
        return np.broadcast_to(ri, both).copy()
    if adjust == "TwoThirds":
        return (rh + (2.0 * ri)) / 3.0
    if adjust == "Half":
        return (rh + ri) / 2
    if adjust == "OneThird":
        return ((2.0 * rh) + ri) / 3.0
    return np.broadcast_to(rh, both).copy()


@dataclass
class _Assessment:
    """What KTAB's setAllAUtil computes for one state."""

    distance: np.ndarray  # (n, n): ideal i to position j
    risk: np.ndarray  # (n,): R_i
    util: np.ndarray  # (n, n, n): util[h, i, j] = U^h_ij
    neutral_prob: np.ndarray  # (n,): PCE of the positions with risk-neutral utilities


def _assess(
    position: np.ndarray,
    ideal: np.ndarray,
    salience: np.ndarray,
    capability: np.ndarray,
    params: SmpParams,
) -> _Assessment:
    d = _distances(ideal, position, salience)
    neutral = 1.0 - d
    c = _coalitions(neutral, capability, params.voting_rule)
    p = _pce_from_coalitions(c, params)
    r = _big_r(p, params.big_r_range)
    rhi = _estimated_r(r, params.big_r_adjust)
    util = _utility(d[None, :, :], rhi[:, :, None])
    return _Assessment(distance=d, risk=r, util=util, neutral_prob=p)


def _third_party_votes(
    g: np.ndarray,
    rows: np.ndarray,
    c_ij: np.ndarray,
    c_ji: np.ndarray,
    weight: np.ndarray,
    rule: str,
    commit: str,
) -> tuple[np.ndarray, np.ndarray]:
    """The third parties' votes in the challenges i -> j, for the initiators ``rows``.

    ``g[..., r, n, j]`` = U^i_nj for i = rows[r]; ``c_ij``, ``c_ji`` (..., rows, j) the
    principals' coalitions; ``weight`` (..., n). Leading axes (draws) are each their own.
    Returns the sums over n != i, j of the positive and negative votes.
    """
    r = np.arange(rows.size)
    unj = g  # (i, n, j)
    at_i = np.broadcast_to(rows[:, None, None], (*g.shape[:-1], 1))
    uni = np.take_along_axis(g, at_i, axis=-1)  # (i, n, 1): U^i_ni
    unn = np.diagonal(g, axis1=-2, axis2=-1)[..., None]  # (i, n, 1): U^i_nn
    wn = weight[..., None, :, None]
    # the little contest: p_n = (C_ij + v+) / ((C_ij + v+) + (C_ji + v-)), in place
    vn = _vote(rule, wn, uni - unj)
    cnj = np.minimum(vn, 0.0)
    np.subtract(c_ji[..., :, None, :], cnj, out=cnj)  # C_ji - min(v, 0) = C_ji + max(-v, 0)
    cni = np.maximum(vn, 0.0, out=vn)
    cni += c_ij[..., :, None, :]
    pin = cnj
    pin += cni
    np.divide(cni, pin, out=pin)
    pjn = np.subtract(1.0, pin, out=cni)
    two_unj = unj + unj
    if commit == "SemiCommit":
        u_ik_def_j, u_i_def_jk = uni + uni + unn, uni + uni + uni
        u_j_def_ik, u_jk_def_i = two_unj + unj, two_unj + unn
    elif commit == "FullCommit":
        u_ik_def_j, u_i_def_jk = uni + uni + uni, uni + uni + uni
        u_j_def_ik = u_jk_def_i = two_unj + unj
    else:
        u_ik_def_j, u_i_def_jk = uni + uni + unn, uni + uni + unn
        u_j_def_ik = u_jk_def_i = two_unj + unn
    # E(in:j) - E(i:jn) = (p A + (1-p) B) - (p C + (1-p) D), A and C per (i, n) only
    u_ik_j = pin * u_ik_def_j
    u_ik_j += pjn * u_j_def_ik
    u_i_jk = pin * u_i_def_jk
    u_i_jk += pjn * u_jk_def_i
    vt = _vote(rule, wn, np.subtract(u_ik_j, u_i_jk, out=u_ik_j))
    vt[..., r, rows, :] = 0.0  # n == i
    n = g.shape[-2]
    vt[..., :, np.arange(n), np.arange(n)] = 0.0  # n == j
    plus = np.maximum(vt, 0.0).sum(axis=-2)
    minus = -np.minimum(vt, 0.0, out=vt).sum(axis=-2)
    return plus, minus


def _challenges(
    util: np.ndarray,
    weight: np.ndarray,
    total_salience: np.ndarray,
    params: SmpParams,
) -> tuple[np.ndarray, np.ndarray]:
    """SMPState::probEduChlg(i, i, i, j) for all i != j: (P_ij, gain to i), both (n, n).

    ``util`` is (..., n, n, n), ``weight`` and ``total_salience`` (..., n): leading axes
    (draws) are each their own, computed as one alone would be.
    """
    n = weight.shape[-1]
    idx = np.arange(n)
    rule = params.voting_rule
    g = util  # g[h, a, b]; here h = i
    uii = g[..., idx, idx, idx][..., None]  # (i, 1)
    uij = g[..., idx, idx, :]  # (i, j): U^i_ij
    uji = np.diagonal(g, axis1=-3, axis2=-1).swapaxes(-1, -2)  # (i, j): U^i_ji
    ujj = np.diagonal(g, axis1=-2, axis2=-1)  # (i, j): U^i_jj
    a_i = _vote(rule, weight[..., :, None], uii - uij)
    a_j = _vote(rule, weight[..., None, :], uji - ujj)
    c_ij = _MIN_CHALLENGE_COALITION + np.maximum(a_i, 0.0) + np.maximum(a_j, 0.0)
    c_ji = _MIN_CHALLENGE_COALITION + np.maximum(-a_i, 0.0) + np.maximum(-a_j, 0.0)

    # third parties n, by blocks of initiators i: arrays (i, n, j)
    step = max(1, _BLOCK // (n * n))
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        rows = idx[lo:hi]
        plus, minus = _third_party_votes(
            g[..., lo:hi, :, :],
            rows,
            c_ij[..., lo:hi, :],
            c_ji[..., lo:hi, :],
            weight,
            rule,
            params.third_party_commit,
        )
        c_ij[..., lo:hi, :] += plus
        c_ji[..., lo:hi, :] += minus
    p_ij = c_ij / (c_ij + c_ji)
    p_ji = c_ji / (c_ij + c_ji)

    s_j = total_salience[..., None, :]
    eu_sq = uii + uij
    eu_vict = uii + uii
    eu_loss = uij + uij
    eu_contest = p_ij * eu_vict + p_ji * eu_loss
    eu_chlg = (1 - s_j) * eu_vict + s_j * eu_contest
    gain = eu_chlg - eu_sq
    gain[..., idx, idx] = np.nan
    return p_ij, gain


def _interpolate(
    xi: np.ndarray,
    si: np.ndarray,
    xj: np.ndarray,
    sj: np.ndarray,
    p: np.ndarray,
    rule: str,
) -> tuple[np.ndarray, np.ndarray]:
    """SMPActor::interpolateBrgn for a batch of bargains: rows of ``xi``/``si`` (initiators),
    ``xj``/``sj`` (receivers), ``p`` (bargains, 1) the initiators' P(i > j). Returns the
    positions for the initiators and for the receivers."""
    p_i, p_j = p, 1 - p
    if rule == "S2PMax":
        di = np.where(p_j > p_i, p_j - p_i, 0.0)
        dj = np.where(p_i > p_j, p_i - p_j, 0.0)
        si2 = si * si
        sj2 = sj * sj
        dik = (di * sj2) / ((di * sj2) + _MIN_BARGAIN_WEIGHT + ((1 - di) * si2))
        djk = (dj * si2) / ((dj * si2) + _MIN_BARGAIN_WEIGHT + ((1 - dj) * sj2))
        return xi + dik * (xj - xi), xj + djk * (xi - xj)
    if rule == "S2P2":
        wi = (si * si) * (p_i * p_i)
        wj = (sj * sj) * (p_j * p_j)
    else:
        wi = si * p_i
        wj = sj * p_j
    e = _MIN_BARGAIN_WEIGHT
    total = wi + e + wj
    bi = ((wi + e) * xi + wj * xj) / total
    bj = (wi * xi + (e + wj) * xj) / total
    return np.trunc(0.5 + bi * 10000.0) / 10000.0, np.trunc(0.5 + bj * 10000.0) / 10000.0


def _unique_positions(position: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """KTAB's unique positions (distance < 1e-3): the unique indices, and for every actor
    the index (into them) of the last unique position equivalent to its own (posProb)."""
    n = position.shape[0]
    diff = position[:, None, :] - position[None, :, :]
    equiv = np.sqrt((diff * diff).sum(axis=2)) < _POSITION_TOL
    rows = equiv.tolist()
    kept: list[int] = []
    for i in range(n):  # greedy, in actor order, as KTAB's ueIndices (a few actors)
        if not any(rows[i][j] for j in kept):
            kept.append(i)
    uidx = np.array(kept, dtype=np.int64)
    match = equiv[:, uidx]
    last = match.shape[1] - 1 - np.argmax(match[:, ::-1], axis=1)
    return uidx, last


def position_probabilities(
    position: np.ndarray, util: np.ndarray, capability: np.ndarray, params: SmpParams
) -> np.ndarray:
    """SMPState::pDist(-1) and posProb: the probability that each actor's position wins.

    Actors at the same position (within 1e-3) share it, so the values may sum to more
    than 1. Each actor judges by its own utilities U^i_ij, with the model's voting rule.
    """
    n = position.shape[0]
    idx = np.arange(n)
    own = util[idx, idx, :]  # (i, j): U^i_ij
    uidx, which = _unique_positions(position)
    p = scalar_pce(own[:, uidx], capability, params)
    return p[which]


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
    x = np.array(position, dtype=float)
    s = np.array(salience, dtype=float)
    c = np.array(capability, dtype=float)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 1:
        raise ValueError("position must be (actors >= 2, dims >= 1)")
    if s.shape != x.shape or c.shape != (x.shape[0],):
        raise ValueError("salience must match position; capability must be (actors,)")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(s)) and np.all(np.isfinite(c))):
        raise ValueError("positions, saliences and capabilities must be finite")
    if np.any(x < 0.0) or np.any(x > 1.0):
        raise ValueError("positions must be on 0..1 (divide KTAB's 0..100 by 100)")
    if np.any(s < 0.0) or np.any(s.sum(axis=1) > 1.0 + 1e-9):
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
    s = np.asarray(salience, dtype=float)
    if np.any(s < 0) or not np.all(np.isfinite(s)):
        raise ValueError("saliences must be finite and >= 0")
    if scale == "auto":
        sums = s.sum(axis=1)
        percent = bool(np.all(s <= 100.0) and np.all(sums <= 100.0 + 1e-9) and np.any(s > 1.0))
        scale = "percent" if percent else "normalise"
    if scale == "percent":
        if np.any(s.sum(axis=1) > 100.0 + 1e-9):
            raise ValueError("with salience_scale='percent' every actor's sum must be <= 100")
        out = s / 100.0
        sums = out.sum(axis=1, keepdims=True)
        return np.where(sums > 1.0, out / np.maximum(sums, 1.0), out), scale
    if scale == "normalise":
        sums = s.sum(axis=1, keepdims=True)
        return np.where(sums > 0, s / np.where(sums > 0, sums, 1.0), 0.0), scale
    raise ValueError(f"salience_scale must be 'auto', 'percent' or 'normalise', not {scale!r}")


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
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
        """One draw's inputs as the SMP takes them: positions on 0..100 with the absent
        ones filled in, saliences on KTAB's scale, which positions are present, the scale."""
        position = np.array(position, dtype=float)
        present = ~np.isnan(position)
        if np.any(capability < 0) or not np.all(np.isfinite(capability)):
            raise ValueError("capabilities must be finite and >= 0")
        if np.any(present & ((position < 0) | (position > 100))):
            raise ValueError("positions must be on 0..100")
        raw = np.where(present, np.nan_to_num(np.asarray(salience, dtype=float)), 0.0)
        sal, scale = ktab_saliences(raw, self.salience_scale)
        weights = np.where(present, capability[:, None], 0.0)
        total = weights.sum(axis=0)
        counts = present.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            centre = np.where(
                total > 0,
                (weights * np.nan_to_num(position)).sum(axis=0) / total,
                np.where(counts > 0, np.nansum(position, axis=0) / np.maximum(counts, 1), 50.0),
            )
        return np.where(present, position, centre[None, :]), sal, present, scale

    @property
    def predict_draws(self) -> Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None:
        """The forecast positions of many draws at once, as :meth:`predict` gives them:
        ``position`` and ``salience`` (draws, actors, issues), ``capability`` (draws,
        actors) give (draws, issues), the draws' turns in lockstep
        (:mod:`zopa.forecasting.smp_draws`). None when this model's parameters are not
        ones that path covers (:func:`~zopa.forecasting.smp_draws.covers`): those run
        draw by draw."""
        from zopa.forecasting import smp_draws

        if not smp_draws.covers(self.params, self.accommodation):
            return None
        return self._predict_draws

    def _predict_draws(
        self, position: np.ndarray, salience: np.ndarray, capability: np.ndarray
    ) -> np.ndarray:
        from zopa.forecasting import smp_draws

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
        prepared = [self._prepared(position[d], salience[d], cap[d]) for d in range(n_draws)]
        filled = np.stack([p[0] for p in prepared])
        for d, (_, sal, _, _) in enumerate(prepared):
            _check_inputs(filled[d] / 100.0, sal, cap[d])
        final, prob = smp_draws.run_draws(
            filled / 100.0,
            np.stack([p[1] for p in prepared]),
            cap,
            self.params,
            max_turns=self.max_turns,
            min_turns=self.min_turns,
            min_delta_ratio=self.min_delta_ratio,
        )
        present = np.stack([p[2] for p in prepared])  # (draws, actors, issues)
        nobody = ~present.any(axis=1, keepdims=True)
        candidate = present | nobody  # an issue nobody is present on: every actor
        best = np.argmax(np.where(candidate, prob[:, :, None], -np.inf), axis=1)
        return np.take_along_axis(final * 100.0, best[:, None, :], axis=1)[:, 0, :]

    def predict(self, inputs: ForecastInput) -> Forecast:
        """Run the SMP to its stopping rule and forecast every issue (see the module doc)."""
        capability = np.asarray(inputs.capability, dtype=float)
        filled, salience, present, scale = self._prepared(
            inputs.position, inputs.salience, capability
        )
        n, k = filled.shape
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
        predicted = np.empty(k)
        for issue in range(k):
            candidates = np.flatnonzero(present[:, issue])
            if candidates.size == 0:
                candidates = np.arange(n)
            best = candidates[int(np.argmax(prob[candidates]))]
            predicted[issue] = final[best, issue]
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
