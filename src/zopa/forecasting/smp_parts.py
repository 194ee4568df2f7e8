"""KTAB's Spatial Model of Politics, its building blocks: the model parameters, votes,
coalitions, victory probabilities and probabilistic Condorcet elections, the assessment of
a state (distances, risk attitudes, utilities), challenges with their third parties,
bargains and the winning probabilities of positions.

The equations, and KTAB's sources they follow, are in :mod:`zopa.forecasting.smp`, whose
turn loop (:func:`~zopa.forecasting.smp.run_smp`) and whose lockstep over Monte Carlo
draws (:mod:`zopa.forecasting.smp_draws`) both use them. Functions that take "leading
axes" compute a stack of states (draws) each as one alone would be.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

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


def _equivalent(position: np.ndarray) -> np.ndarray:
    """(..., n, n): whether actors i and j stand at the same position (KTAB's distance
    below 1e-3), over the last two axes of ``position`` (leading axes each their own)."""
    diff = position[..., :, None, :] - position[..., None, :, :]
    return np.sqrt((diff * diff).sum(axis=-1)) < _POSITION_TOL


def _unique_positions(
    position: np.ndarray, equiv: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """KTAB's unique positions (distance < 1e-3): the unique indices, and for every actor
    the index (into them) of the last unique position equivalent to its own (posProb).
    ``equiv``: :func:`_equivalent` of ``position``, when already known."""
    equiv = _equivalent(position) if equiv is None else equiv
    rows = equiv.tolist()
    kept: list[int] = []
    for i in range(len(rows)):  # greedy, in actor order, as KTAB's ueIndices (a few actors)
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
