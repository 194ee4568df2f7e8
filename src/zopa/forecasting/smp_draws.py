"""KTAB's Spatial Model of Politics over many draws at once (the Monte Carlo of ``zopa
forecast --draws``): every draw's turns in lockstep, draws as a leading array axis.

Each turn is :func:`zopa.forecasting.smp.run_smp`'s, with the running draws stacked in
front: the assessment of the state (distances, the risk-neutral PCE, risk attitudes, the
utilities U^h_ij), the challenges and their third parties, the bargains, the utilities of
the states after them, and the queues of every actor of every draw, resolved together,
grouped by length as :func:`~zopa.forecasting.smp_parts._queue_pces` groups one draw's. A draw
leaves the lockstep after the turn its stopping rule holds; the final state's winning
probabilities (KTAB's pDist, a few actors' greedy unique positions) are taken draw by
draw. The same elementwise operations, and the same reductions over the same axes, so the
same bits as one draw alone (tests/test_smp_draws.py compares the forecasts with
:meth:`~zopa.forecasting.smp.SpatialModel.predict` draw by draw).

:func:`covers` and :func:`takes` say which models this path runs: KTAB's deterministic
transitions, the conditional PCE, any voting rule but ASymProsp, ideals that track
positions (the identity accommodation), 2 to :data:`MAX_ACTORS` actors; the others run
draw by draw.
"""

from __future__ import annotations

import numpy as np

from zopa.forecasting.smp_parts import (
    _BLOCK,
    _MIN_SIG_GAIN,
    SmpParams,
    _big_r,
    _challenges,
    _cond_pce,
    _distances,
    _equivalent,
    _estimated_r,
    _interpolate,
    _stacked_coalitions,
    _unique_positions,
    _utility,
    _victory_prob,
    scalar_pce,
)

MAX_ACTORS = 64
"""The most actors this path takes: up to it, one block holds each draw's arrays of
actor triples (``_BLOCK``), as in :func:`~zopa.forecasting.smp.run_smp`."""

DRAW_ELEMENTS = 1 << 19
"""Actor triples x draws in one lockstep: its largest arrays, some fifteen of them at the
third parties, of 4 MiB. Measured: ``zopa forecast --model smp --draws 20000`` on the
reference (7 actors) peaks at 330 MiB, against 230 MiB with the compromise model."""


def covers(params: SmpParams, accommodation: np.ndarray | None) -> bool:
    """Whether :func:`run_draws` runs models of these parameters and accommodation (with
    :func:`takes` of their actors): see the module docstring."""
    identity = accommodation is None or (
        np.ndim(accommodation) == 2
        and bool(np.array_equal(accommodation, np.eye(len(accommodation))))
    )
    return (
        params.state_transitions == "Deterministic"
        and params.pce == "Conditional"
        and params.voting_rule != "ASymProsp"
        and identity
    )


def takes(n_actors: int) -> bool:
    """Whether :func:`run_draws` takes this many actors (2 to :data:`MAX_ACTORS`)."""
    return 2 <= n_actors <= MAX_ACTORS and n_actors**3 <= _BLOCK


def _cap_groups(cap: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The draws (rows of ``cap``) sharing each capability vector, with that vector: a
    PCE's weights go through one matrix product per group, as one draw's do."""
    if (cap == cap[:1]).all():
        return [(np.arange(len(cap)), cap[0])]
    _, first, which = np.unique(cap, axis=0, return_index=True, return_inverse=True)
    which = which.reshape(-1)
    return [(np.flatnonzero(which == g), cap[f]) for g, f in enumerate(first)]


def _coalitions(u: np.ndarray, cap: np.ndarray, rule: str) -> np.ndarray:
    """Model::coalitions of each draw's (actors, options) utilities ``u`` (draws first),
    each draw's votes weighted by its capabilities ``cap`` (draws, actors)."""
    out = np.empty((u.shape[0], u.shape[2], u.shape[2]))
    for rows, weight in _cap_groups(cap):
        out[rows] = _stacked_coalitions(u[rows], weight, rule)
    return out


def _pces(u: np.ndarray, cap: np.ndarray, params: SmpParams) -> np.ndarray:
    """The conditional PCE over the options of each (actors, options) matrix of ``u``
    (stacked first), each weighted by its row of ``cap``: one draw's
    :func:`~zopa.forecasting.smp_parts.scalar_pce`, for a stack."""
    return _cond_pce(_victory_prob(_coalitions(u, cap, params.voting_rule), params.victory_prob))


def _assess(
    x: np.ndarray, s: np.ndarray, cap: np.ndarray, params: SmpParams
) -> tuple[np.ndarray, np.ndarray]:
    """SMPState::setAllAUtil of each draw's state, ideals at the positions ``x``: the
    utilities U^h_ij (draws, h, i, j) and the risk attitudes R_i (draws, i)."""
    d = _distances(x, x, s)
    r = _big_r(_pces(1.0 - d, cap, params), params.big_r_range)
    rhi = _estimated_r(r, params.big_r_adjust)
    return _utility(d[:, None, :, :], rhi[:, :, :, None]), r


def _resolve(
    sq_util: np.ndarray,
    b_util: np.ndarray,
    member: np.ndarray,
    cap: np.ndarray,
    params: SmpParams,
) -> np.ndarray:
    """The chosen bargain of every actor's queue in every draw: the initiator of the most
    probable (the first on ties), -1 for the status quo.

    ``sq_util`` (draws, a): the status quo's utility to a; ``b_util`` (draws, a, i): the
    state after i's bargain; ``member`` (draws, k, i): i's bargain is in k's queue, which
    holds the status quo first, then its bargains by initiator.
    """
    n_draws, n = sq_util.shape
    chosen = np.full((n_draws, n), -1)
    length = 1 + member.sum(axis=2)
    for q in np.unique(length).tolist():
        ds, ks = np.nonzero(length == q)
        cols = np.argsort(~member[ds, ks], axis=1, kind="stable")[:, : q - 1]  # by initiator
        u = np.empty((ds.size, n, q))  # (queues, actors, options)
        u[:, :, 0] = sq_util[ds]
        u[:, :, 1:] = b_util[ds[:, None, None], np.arange(n)[None, :, None], cols[:, None, :]]
        if n * q * q > _BLOCK:  # as _queue_pces: such queues one by one
            pce = np.stack([scalar_pce(u[g], cap[d], params) for g, d in enumerate(ds.tolist())])
        else:
            pce = _pces(u, cap[ds], params)
        pick = np.argmax(np.abs(pce), axis=1)
        bargain = pick > 0
        chosen[ds[bargain], ks[bargain]] = cols[bargain, pick[bargain] - 1]
    return chosen


def _probabilities(
    x: np.ndarray, util: np.ndarray, cap: np.ndarray, params: SmpParams
) -> np.ndarray:
    """:func:`~zopa.forecasting.smp_parts.position_probabilities` of each draw's state
    (draws first): each draw's unique positions (KTAB's greedy pass over a few actors),
    then the PCEs over them, grouped by their number and the capabilities."""
    n_draws, n, _ = x.shape
    idx = np.arange(n)
    own = util[:, idx, idx, :]  # (draws, i, j): U^i_ij
    equiv = _equivalent(x)
    found = [_unique_positions(x[d], equiv[d]) for d in range(n_draws)]
    sizes = np.array([len(u) for u, _ in found])
    out = np.empty((n_draws, n))
    for m in np.unique(sizes).tolist():
        ds = np.flatnonzero(sizes == m)
        u = np.take_along_axis(own[ds], np.stack([found[d][0] for d in ds])[:, None, :], axis=2)
        for pce, d in zip(_pces(u, cap[ds], params), ds.tolist(), strict=True):
            out[d] = pce[found[d][1]]
    return out


def run_draws(
    position: np.ndarray,
    salience: np.ndarray,
    capability: np.ndarray,
    params: SmpParams,
    *,
    max_turns: int = 100,
    min_turns: int = 2,
    min_delta_ratio: float = 0.02,
    min_sig_delta: float = 1e-4,
) -> tuple[np.ndarray, np.ndarray]:
    """Run the SMP of every draw to its stopping rule, as :func:`~zopa.forecasting.smp.
    run_smp` runs one (the models :func:`covers`; inputs checked as it checks them).

    Parameters
    ----------
    position, salience
        (draws, actors, dims) on KTAB's 0..1 scale (every actor's saliences summing to
        at most 1).
    capability
        (draws, actors).
    params, max_turns, min_turns, min_delta_ratio, min_sig_delta
        As :func:`~zopa.forecasting.smp.run_smp` takes them.

    Returns
    -------
    final : numpy.ndarray
        (draws, actors, dims): every draw's final positions.
    probability : numpy.ndarray
        (draws, actors): the probability that each actor's final position wins
        (:func:`~zopa.forecasting.smp_parts.position_probabilities`).
    """
    x0 = np.asarray(position, dtype=float)
    n_draws, n, _ = x0.shape
    step = max(1, DRAW_ELEMENTS // n**3)
    final = np.empty_like(x0)
    prob = np.empty((n_draws, n))
    for lo in range(0, n_draws, step):
        hi = min(n_draws, lo + step)
        final[lo:hi], prob[lo:hi] = _lockstep(
            x0[lo:hi], np.asarray(salience[lo:hi], dtype=float),
            np.asarray(capability[lo:hi], dtype=float), params, max_turns, min_turns,
            min_delta_ratio, min_sig_delta,
        )  # fmt: skip
    return final, prob


def _lockstep(
    x: np.ndarray,
    s: np.ndarray,
    cap: np.ndarray,
    params: SmpParams,
    max_turns: int,
    min_turns: int,
    min_delta_ratio: float,
    min_sig_delta: float,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`run_draws` of one block of draws."""
    n_draws, n, _ = x.shape
    idx = np.arange(n)
    final = np.empty_like(x)
    prob = np.empty((n_draws, n))
    live = np.arange(n_draws)  # the draws still running, and their state below
    total_sal = s.sum(axis=2)
    weight = total_sal * cap
    util, risk = _assess(x, s, cap, params)
    first_dist = np.zeros(n_draws)
    turn = 0
    while live.size:
        d_idx = np.arange(live.size)[:, None]
        p_ij, gain = _challenges(util, weight, total_sal, params)
        masked = np.where(np.isnan(gain) | (gain <= _MIN_SIG_GAIN), -np.inf, gain)
        target = np.argmax(masked, axis=2)
        has = np.isfinite(masked[d_idx, idx, target])
        # every actor's bargain as its initiator (those without a target left out below)
        b_init, b_rcvr = _interpolate(
            x, s, x[d_idx, target], s[d_idx, target],
            p_ij[d_idx, idx, target][:, :, None], params.inter_vec_bargain,
        )  # fmt: skip
        own = util[:, idx, idx, :]  # (draws, a, n): U^a_an
        total_own = own.sum(axis=2)
        rest = (
            total_own[:, :, None] - own - own[d_idx[:, :, None], idx[:, None], target[:, None, :]]
        )
        r = risk[:, :, None]
        u_init = _utility(_distances(x, b_init, s), r)
        u_rcvr = _utility(_distances(x, b_rcvr, s), r)
        b_util = (u_init + u_rcvr + rest) / n
        member = has[:, None, :] & (
            (idx[:, None] == idx[None, :]) | (target[:, None, :] == idx[:, None])
        )
        chosen = _resolve(total_own / n, b_util, member, cap, params)

        new_x = x.copy()
        ds, ks = np.nonzero(chosen >= 0)
        init = chosen[ds, ks]
        new_x[ds, ks] = np.where((ks == init)[:, None], b_init[ds, init], b_rcvr[ds, init])
        turn += 1
        util, risk = _assess(new_x, s, cap, params)
        dist = np.sqrt(((new_x - x) ** 2).sum(axis=2)).sum(axis=1)
        if turn == 1:
            first_dist = dist
        ratio = dist / (first_dist + min_sig_delta)
        x = new_x
        done = np.full(live.size, turn >= max_turns)
        if turn >= min_turns:
            done |= ratio < min_delta_ratio
        if done.any():
            final[live[done]] = x[done]
            prob[live[done]] = _probabilities(x[done], util[done], cap[done], params)
        keep = ~done
        live, x, s, cap = live[keep], x[keep], s[keep], cap[keep]
        total_sal, weight, util, risk = total_sal[keep], weight[keep], util[keep], risk[keep]
        first_dist = first_dist[keep]
    return final, prob
