"""Pareto frontiers: a vectorised dominance filter and the issue-by-issue construction.

Utilities are compared as integers on the grid of :data:`zopa.space.space.QUANTUM`
(each issue's weighted utility rounded to 1e-9, then summed exactly). That makes
dominance an exact, transitive order (SCENARIO.md's 1e-9 tolerance), so the algorithms
below are exact: *q dominates p* when q >= p for every decider and q > p for one;
packages with identical utility vectors are all kept.

With linear-additive utilities the frontier of a product space is built issue by issue:
if a + b is undominated in A (+) B then a is undominated in A and b in B, so
``F_k = pareto(F_{k-1} (+) pareto(issue k))``. That never enumerates the space.
"""

from __future__ import annotations

import itertools

import numpy as np

from zopa.space.space import ACCEPT_TOL, Space, quantize

_BLOCK_BYTES = 32 * 2**20  # memory for one block of pairwise comparisons


def pareto_mask(q: np.ndarray) -> np.ndarray:
    """Boolean mask of the rows of ``q`` (n x d integers) that no other row dominates."""
    q = np.asarray(q)
    n = q.shape[0]
    if n == 0:
        return np.zeros(0, dtype=bool)
    d = q.shape[1]
    if d == 1:
        return q[:, 0] == q[:, 0].max()
    if d == 2:
        return _pareto_2d(q)
    return _pareto_sorted(q)


def _pareto_2d(q: np.ndarray) -> np.ndarray:
    order = np.lexsort((-q[:, 1], -q[:, 0]))  # by first desc, then second desc
    a, b = q[order, 0], q[order, 1]
    n = len(a)
    start = np.ones(n, dtype=bool)
    start[1:] = a[1:] != a[:-1]
    gstart = np.maximum.accumulate(np.where(start, np.arange(n), 0))
    cummax = np.maximum.accumulate(b)
    prev = np.where(gstart > 0, cummax[np.maximum(gstart - 1, 0)], np.iinfo(np.int64).min)
    dominated = (prev >= b) | (b < b[gstart])
    out = np.empty(n, dtype=bool)
    out[order] = ~dominated
    return out


def _pareto_sorted(q: np.ndarray) -> np.ndarray:
    """d >= 3: scan in order of decreasing sum; a dominator always has a larger sum."""
    n = q.shape[0]
    order = np.argsort(-q.sum(axis=1), kind="stable")
    rest = q[order]
    rest_idx = order
    keep: list[np.ndarray] = []
    batch = 64
    while len(rest):
        b = rest[:batch]
        ge = np.all(b[None, :, :] >= b[:, None, :], axis=-1)
        gt = np.any(b[None, :, :] > b[:, None, :], axis=-1)
        ok = ~np.any(ge & gt, axis=1)
        front = b[ok]
        keep.append(rest_idx[:batch][ok])
        rest, rest_idx = rest[batch:], rest_idx[batch:]
        if len(rest):
            alive = _not_dominated_by(rest, front)
            rest, rest_idx = rest[alive], rest_idx[alive]
        batch = min(1024, batch * 2)
    out = np.zeros(n, dtype=bool)
    out[np.concatenate(keep)] = True
    return out


def _not_dominated_by(points: np.ndarray, front: np.ndarray) -> np.ndarray:
    """Mask of ``points`` that no row of ``front`` dominates."""
    n, d = points.shape
    alive = np.ones(n, dtype=bool)
    step = max(1, _BLOCK_BYTES // max(1, n * d * 2))
    for s in range(0, len(front), step):
        f = front[s : s + step]
        ge = np.all(f[:, None, :] >= points[None, :, :], axis=-1)
        gt = np.any(f[:, None, :] > points[None, :, :], axis=-1)
        alive &= ~np.any(ge & gt, axis=0)
    return alive


def qtables(space: Space, who: np.ndarray) -> list[np.ndarray]:
    """Per issue, (options, deciders) integer utilities on the dominance grid."""
    return [quantize(t[who]).T.copy() for t in space.tables]


def product_frontier(
    space: Space, who: np.ndarray, ok: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Frontier of the product of the allowed options ``ok[k]`` (bool per option of issue k).

    Dominance is over the utilities of actors ``who``. Returns the package indices
    (ascending) and their integer utilities (n x len(who)).
    """
    return tables_frontier(qtables(space, who), ok)


def tables_frontier(q: list[np.ndarray], ok: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Frontier of the product of allowed options for linear-additive criteria.

    ``q[k]`` is (options, criteria) integers for issue k (higher is better in every
    criterion); returns package indices (ascending) and their criteria sums.
    """
    c = q[0].shape[1]
    idx = np.zeros(1, dtype=np.int64)
    acc = np.zeros((1, c), dtype=np.int64)
    for k, t_all in enumerate(q):
        n_k = t_all.shape[0]
        opts = np.flatnonzero(ok[k])
        if len(opts) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros((0, c), dtype=np.int64)
        t = t_all[opts]
        m = pareto_mask(t)
        opts, t = opts[m], t[m]
        cand = (acc[:, None, :] + t[None, :, :]).reshape(-1, c)
        cidx = (idx[:, None] * n_k + opts[None, :]).reshape(-1)
        m = pareto_mask(cand)
        acc, idx = cand[m], cidx[m]
    order = np.argsort(idx)
    return idx[order], acc[order]


def zone_frontier(space: Space, max_coalitions: int = 256) -> np.ndarray | None:
    """Package indices of the agreement zone's Pareto frontier, built issue by issue.

    The zone under a quota rule is the union, over minimal winning coalitions S, of the
    packages acceptable to every member of S; its frontier lies in the union of each
    S-zone's frontier, and an S-zone's frontier is the S-red-line product frontier cut
    by S's reservations. Returns None when there are more than ``max_coalitions``
    coalitions (the caller then scans the space).
    """
    dec = space.deciders
    vetoes = [i for i in dec if space.veto[i]]
    others = [i for i in dec if not space.veto[i]]
    need = space.quota - len(vetoes)
    if need < 0:
        need = 0
    coalitions = [
        np.array(sorted([*vetoes, *c]), dtype=np.int64)
        for c in itertools.combinations(others, min(need, len(others)))
    ]
    if len(coalitions) > max_coalitions:
        return None
    found = [coalition_frontier(space, s) for s in coalitions]
    cand = np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
    if len(coalitions) == 1:
        return cand
    return cand[pareto_mask(quantize_sum(space, cand, dec))]


def coalition_frontier(space: Space, members: np.ndarray) -> np.ndarray:
    """Frontier (over all deciders) of the packages every actor in ``members`` accepts."""
    ok = [np.all(a[members], axis=0) for a in space.allowed]
    idx, _ = product_frontier(space, space.deciders, ok)
    if len(idx) == 0:
        return idx
    u = space.utilities(idx, members)
    return idx[np.all(u >= space.accept_at[members][:, None] - ACCEPT_TOL, axis=0)]


def quantize_sum(space: Space, idx: np.ndarray, who: np.ndarray) -> np.ndarray:
    """Integer (grid) utilities of packages ``idx`` for actors ``who``: (n, len(who))."""
    q = qtables(space, who)
    d = space.digits(idx)
    out = np.zeros((len(idx), len(who)), dtype=np.int64)
    for k, t in enumerate(q):
        out += t[d[:, k]]
    return out


class RunningFront:
    """A frontier kept while chunks stream in (package indices and their grid utilities)."""

    def __init__(self, d: int) -> None:
        self.idx = np.zeros(0, dtype=np.int64)
        self.q = np.zeros((0, d), dtype=np.int64)

    def add(self, idx: np.ndarray, q: np.ndarray) -> None:
        cand = np.concatenate((self.idx, idx))
        cq = np.concatenate((self.q, q))
        m = pareto_mask(cq)
        self.idx, self.q = cand[m], cq[m]

    def result(self) -> np.ndarray:
        return np.sort(self.idx)
