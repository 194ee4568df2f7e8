"""Pareto frontiers: a vectorised dominance filter and the issue-by-issue construction.

Deal values are compared on the dominance grid of :mod:`zopa.space.tolerances`: each
decider's value of a package rounded to a multiple of QUANTUM (1e-9). *q dominates p* when
q >= p for every decider and q > p for one, on the grid: an exact, transitive order in
which values equal up to float rounding tie. Packages with identical grid values are all
kept.

With linear-additive utilities the frontier of a product space is built issue by issue,
without enumerating the space: ``F_k = prune(F_{k-1} (+) prune(issue k))``, where
``prune`` drops a partial package only when another one *clearly* dominates it: at least
as good for every decider (as floats) and better by more than CLEAR (two grid steps) for
one. Float addition is monotone, so every completion of a dropped partial package is then
dominated on the grid by the same completion of the other, whatever the rounding: the
whole packages that survive hold the frontier, and the grid comparison of their sums (in
issue order, as :meth:`~zopa.space.space.Space.utilities` sums them) picks it exactly.
Rounding each issue's utility to the grid before summing would not do: two sums equal
as real numbers but made of different parts (3/11 * 0.65 and 3/11 * 0.2 + 3/11 * 0.45)
can end a grid step apart.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

import numpy as np

from zopa.space.space import Space
from zopa.space.tolerances import ACCEPT_TOL, CLEAR, quantize

_BLOCK_BYTES = 32 * 2**20  # memory for one block of pairwise comparisons


class OverBudget(Exception):
    """A dominance filter passed its deadline; ``done`` is the share of rows it settled."""

    def __init__(self, done: float) -> None:
        super().__init__(f"dominance filter over budget ({done:.0%} settled)")
        self.done = done


def _check(deadline: float | None, done: float) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise OverBudget(done)


def pareto_mask(q: np.ndarray, margin: float = 0.0, deadline: float | None = None) -> np.ndarray:
    """Boolean mask of the rows of ``q`` (n x d) that no other row dominates by ``margin``.

    Row y dominates row x by ``margin`` when y >= x in every column and y > x + margin in
    one (a transitive order for any margin >= 0). With integer grid values and no margin
    this is Pareto dominance on the grid; ``margin=CLEAR`` on float sums is the clear
    dominance of the issue-by-issue construction. ``deadline`` (a ``time.monotonic()``
    instant): raise :class:`OverBudget` if the filter is still running then.
    """
    q = np.asarray(q)
    n = q.shape[0]
    if n == 0:
        return np.zeros(0, dtype=bool)
    d = q.shape[1]
    if d == 1:
        return ~(q[:, 0].max() > q[:, 0] + margin)
    if d == 2:
        return _pareto_2d(q, margin)
    return _pareto_sorted(q, margin, deadline)


def _pareto_2d(q: np.ndarray, margin: float) -> np.ndarray:
    """d = 2: y dominates x iff (y0 > x0 + margin and y1 >= x1) or (y0 >= x0 and y1 > x1 +
    margin); the rows with y0 above a bound are a prefix of the rows by decreasing y0, so
    both tests are prefix maxima of y1."""
    x0, x1 = q[:, 0], q[:, 1]
    order = np.argsort(-x0, kind="stable")
    best1 = np.maximum.accumulate(x1[order])  # best y1 among the i + 1 largest y0
    ascending = x0[order][::-1]
    n = len(x0)

    def best_above(bound: np.ndarray, strict: bool) -> np.ndarray:
        """Largest y1 over rows with y0 > bound (strict) or y0 >= bound; -inf if none."""
        count = n - np.searchsorted(ascending, bound, side="right" if strict else "left")
        return np.where(count > 0, best1[np.maximum(count - 1, 0)], -np.inf)

    dominated = best_above(x0 + margin, True) >= x1
    dominated |= best_above(x0, False) > x1 + margin
    return ~dominated


def _pareto_sorted(q: np.ndarray, margin: float, deadline: float | None = None) -> np.ndarray:
    """d >= 3: scan in order of decreasing sum; a dominator always has a larger sum."""
    n = q.shape[0]
    order = np.argsort(-q.sum(axis=1), kind="stable")
    rest = q[order]
    rest_idx = order
    keep: list[np.ndarray] = []
    batch = 64
    while len(rest):
        b = rest[:batch]
        ok = ~np.any(_dominates(b, b, b + margin if margin else b), axis=0)
        front = b[ok]
        keep.append(rest_idx[:batch][ok])
        rest, rest_idx = rest[batch:], rest_idx[batch:]
        if len(rest):
            _check(deadline, 1 - len(rest) / n)
            alive = _not_dominated_by(rest, front, margin, deadline, 1 - len(rest) / n)
            rest, rest_idx = rest[alive], rest_idx[alive]
        batch = min(1024, batch * 2)
    out = np.zeros(n, dtype=bool)
    out[np.concatenate(keep)] = True
    return out


def _dominates(f: np.ndarray, points: np.ndarray, raised: np.ndarray) -> np.ndarray:
    """(len(f), len(points)): whether row i of ``f`` is >= point j everywhere and above
    ``raised[j]`` (the point plus the margin) somewhere. Built one column at a time on
    2-D masks (a 3-D comparison costs 10 times more in memory traffic)."""
    ft, pt = np.ascontiguousarray(f.T), np.ascontiguousarray(points.T)
    rt = pt if raised is points else np.ascontiguousarray(raised.T)
    ge = ft[0][:, None] >= pt[0][None, :]
    gt = ft[0][:, None] > rt[0][None, :]
    for j in range(1, f.shape[1]):
        ge &= ft[j][:, None] >= pt[j][None, :]
        gt |= ft[j][:, None] > rt[j][None, :]
    return ge & gt


def _not_dominated_by(
    points: np.ndarray,
    front: np.ndarray,
    margin: float,
    deadline: float | None = None,
    done: float = 0.0,
) -> np.ndarray:
    """Mask of ``points`` that no row of ``front`` dominates by ``margin`` (points found
    dominated drop out of the later blocks)."""
    n = points.shape[0]
    alive = np.ones(n, dtype=bool)
    live = np.arange(n)
    pts = points
    raised = points + margin if margin else points
    s = 0
    while s < len(front) and len(live):
        if s:
            _check(deadline, done)
        step = max(1, _BLOCK_BYTES // max(1, len(live) * 2))
        hit = np.any(_dominates(front[s : s + step], pts, raised), axis=0)
        if hit.any():
            alive[live[hit]] = False
            keep = ~hit
            live, pts, raised = live[keep], pts[keep], raised[keep]
        s += step
    return alive


def product_frontier(
    space: Space,
    who: np.ndarray,
    ok: list[np.ndarray],
    accept: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Frontier of the product of the allowed options ``ok[k]`` (bool per option of issue
    k), over the utilities of actors ``who`` (:func:`tables_frontier`)."""
    return tables_frontier([t[who].T for t in space.tables], ok, accept=accept)


def tables_frontier(
    t: list[np.ndarray],
    ok: list[np.ndarray],
    grid: Callable[[np.ndarray], np.ndarray] = quantize,
    accept: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Frontier of the product of allowed options, for linear-additive criteria, built
    issue by issue (see the module docstring).

    ``t[k]`` is (options, criteria) for issue k (higher is better in every criterion).
    Partial packages are pruned by clear dominance; the whole packages that ``accept``
    keeps (a mask of their criteria sums; default all), compared on ``grid`` of their
    sums, give the frontier. Returns package indices (ascending) and their criteria sums
    (in issue order).
    """
    c = t[0].shape[1]
    idx = np.zeros(1, dtype=np.int64)
    acc = np.zeros((1, c))
    for k, t_all in enumerate(t):
        n_k = t_all.shape[0]
        opts = np.flatnonzero(ok[k])
        if len(opts) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros((0, c))
        here = t_all[opts]
        m = pareto_mask(here, CLEAR)
        opts, here = opts[m], here[m]
        acc = (acc[:, None, :] + here[None, :, :]).reshape(-1, c)
        idx = (idx[:, None] * n_k + opts[None, :]).reshape(-1)
        if k < len(t) - 1:
            m = pareto_mask(acc, CLEAR)
            acc, idx = acc[m], idx[m]
    if accept is not None:
        m = accept(acc)
        acc, idx = acc[m], idx[m]
    m = pareto_mask(grid(acc))
    acc, idx = acc[m], idx[m]
    order = np.argsort(idx)
    return idx[order], acc[order]


def zone_frontier(space: Space, max_coalitions: int = 256) -> np.ndarray | None:
    """Package indices of the agreement zone's Pareto frontier, built issue by issue.

    The zone under a quota rule is the union, over minimal winning coalitions S, of the
    packages acceptable to every member of S (the S-zone); its frontier lies in the union
    of the S-zones' frontiers (:func:`coalition_frontier`), which one more dominance
    filter reduces to it. Returns None when there are more than ``max_coalitions``
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
    return cand[pareto_mask(quantize(space.utilities(cand).T))]


def coalition_frontier(space: Space, members: np.ndarray) -> np.ndarray:
    """Frontier (over all deciders) of the packages every actor in ``members`` accepts.

    The red-line product is built issue by issue (:func:`product_frontier`) and cut by
    the members' reservations before the grid comparison: a package clearly dominated by
    another is accepted by whoever accepts it (the other is at least as good, as floats,
    for everyone), so the cut loses no package of the frontier.
    """
    ok = [np.all(a[members], axis=0) for a in space.allowed]
    cols = np.searchsorted(space.deciders, members)  # members are deciders
    least = space.accept_at[members] - ACCEPT_TOL

    def accepted(u: np.ndarray) -> np.ndarray:
        return np.all(u[:, cols] >= least, axis=1)

    idx, _ = product_frontier(space, space.deciders, ok, accepted)
    return idx


class RunningFront:
    """A frontier kept while chunks stream in (package indices and their grid utilities)."""

    def __init__(self, d: int) -> None:
        self.idx = np.zeros(0, dtype=np.int64)
        self.q = np.zeros((0, d), dtype=np.int64)

    def add(self, idx: np.ndarray, q: np.ndarray, deadline: float | None = None) -> None:
        """Merge a chunk's frontier: each side's rows are already undominated among
        themselves, so only the two sides are compared with each other."""
        if len(self.idx) == 0:
            self.idx, self.q = idx, q
            return
        new = _not_dominated_by(q, self.q, 0.0, deadline)
        old = _not_dominated_by(self.q, q[new], 0.0, deadline)
        self.idx = np.concatenate((self.idx[old], idx[new]))
        self.q = np.concatenate((self.q[old], q[new]))

    def result(self) -> np.ndarray:
        return np.sort(self.idx)
