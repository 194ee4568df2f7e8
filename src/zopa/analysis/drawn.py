"""The agreement zone, its size and every bargaining solution of a space, draw by draw.

Monte Carlo needs, in every draw, the same things ``zopa analyze`` finds once: whether an
agreement zone exists, how many packages it holds, and each bargaining solution (the
objectives and the tie rule of :mod:`zopa.analysis.solutions`, over the unanimous set), plus
which packages are in the zone in every draw. :func:`zone_draws` finds them exactly for a
:class:`~zopa.space.space.Space` whose per-option tables are fixed and whose scalars
(reservations, trust, spoilers' parameters, no-deal values) carry a draws axis.

Only the packages that can pass are evaluated: under unanimity, the product of the options
every decider allows (red lines remove whole options, so the zone lies in that product:
often a small share of the space); under a quota, every package. Their criteria (the
deciders' utilities, or the deal model's criteria rows) are summed once, as a broadcast sum
over the issues; deal values, acceptance and the zone are computed for blocks of draws at
once, bounded in memory; the solutions' objectives are evaluated on each draw's unanimous
set only. A space whose candidate packages would not fit (more than :data:`MAX_CELLS`
criteria values) gets None: the caller scans it draw by draw with the chunked engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zopa.analysis.solutions import SOLUTIONS, best_index, objectives
from zopa.space.scalars import Scalars
from zopa.space.space import Space, constraint_floor
from zopa.space.tolerances import ACCEPT_TOL

MAX_CELLS = 30_000_000
"""The most criteria values (rows x candidate packages) :func:`zone_draws` holds."""
BLOCK_CELLS = 4_000_000
"""The most deal values (deciders x draws x packages) computed at once."""


@dataclass
class ZoneDraws:
    """Per draw: whether the agreement zone exists, its size and each solution's package
    index (-1: none); ``always``: the package indices in the zone in every draw."""

    zone: np.ndarray  # (D,) bool
    size: np.ndarray  # (D,) int64
    picks: dict[str, np.ndarray]  # solution -> (D,) package index, -1 without one
    always: np.ndarray  # ascending package indices
    evaluated: int = 0  # candidate packages evaluated in each draw


def candidates(space: Space) -> tuple[np.ndarray, list[np.ndarray]] | None:
    """The package indices that can pass (ascending) and, per issue, the options they use
    (None when none can: the deciders' red lines together forbid every option of an issue)."""
    who = space.deciders
    if space.unanimity:
        opts = [np.flatnonzero(np.all(a[who], axis=0)) for a in space.allowed]
    else:
        opts = [np.arange(len(o)) for o in space.options]
    if any(len(o) == 0 for o in opts):
        return None
    strides = np.cumprod((1, *space.shape[:0:-1]))[::-1]
    places = tuple((o * s)[None, :] for o, s in zip(opts, strides, strict=True))
    return product_sum(places, opts, taken=True)[0], opts  # C order: ascending


def product_sum(
    tables: tuple[np.ndarray, ...], opts: list[np.ndarray], taken: bool = False
) -> np.ndarray:
    """(rows, packages): the sum over issues of ``tables[k][:, option]`` for every package
    of the product of ``opts`` (in index order; ``taken``: the tables hold the columns of
    ``opts`` already). Meet in the middle: each half of the issues is summed by
    broadcasting, then every package is one sum of its two halves."""
    cols = [t if taken else t[:, o] for t, o in zip(tables, opts, strict=True)]
    sizes = np.array([c.shape[1] for c in cols], dtype=float)
    half = int(np.searchsorted(np.cumsum(np.log(sizes)), np.log(sizes).sum() / 2)) + 1
    half = min(max(half, 1), len(cols))
    return _outer(_outer_all(cols[:half], cols[0]), _outer_all(cols[half:], cols[0]))


def _outer(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(rows, m * n): every column of ``a`` plus every column of ``b`` (``b`` fastest)."""
    return (a[:, :, None] + b[:, None, :]).reshape(a.shape[0], -1)


def _outer_all(cols: list[np.ndarray], like: np.ndarray) -> np.ndarray:
    """The sums of one column of each table, for every combination (the last fastest)."""
    if not cols:
        return np.zeros((like.shape[0], 1), dtype=like.dtype)
    out = cols[0]
    for c in cols[1:]:
        out = _outer(out, c)
    return out


def zone_draws(space: Space, sc_: Scalars) -> ZoneDraws | None:
    """Exact zone, zone size, solutions and always-in-zone packages for every draw of
    ``sc_`` (see the module docstring); None when the candidates would not fit."""
    who = space.deciders
    n_draws = sc_.reservation.shape[1]
    empty = {s: np.full(n_draws, -1, dtype=np.int64) for s in SOLUTIONS}
    found = candidates(space)
    if found is None:
        return ZoneDraws(np.zeros(n_draws, bool), np.zeros(n_draws, np.int64), empty,
                         np.zeros(0, np.int64))  # fmt: skip
    idx, opts = found
    deal = space.deal
    rows = deal.rows if deal is not None else len(who)
    if rows * len(idx) > MAX_CELLS:
        return None
    floor = constraint_floor(sc_, space.tables, space.references, space.shape)[who]
    plain = None  # the deciders' effective utilities, for reference-package floors
    if np.isfinite(floor).any() or deal is None:
        plain = product_sum(tuple(t[who] for t in space.tables), opts)
    crit = product_sum(deal.tables, opts) if deal is not None else plain
    assert crit is not None
    red = None
    if not space.unanimity:
        red = np.ones((len(who), len(idx)), dtype=bool)
        digits = np.unravel_index(idx, space.shape)
        for k, allowed in enumerate(space.allowed):
            red &= allowed[who][:, digits[k]]
    r = sc_.reservation[who]  # (n, D)
    cap = space.capability[who]
    veto = space.veto[who]
    zone = np.zeros(n_draws, dtype=bool)
    size = np.zeros(n_draws, dtype=np.int64)
    picks = {s: np.full(n_draws, -1, dtype=np.int64) for s in SOLUTIONS}
    always = np.ones(len(idx), dtype=bool)
    step = max(1, BLOCK_CELLS // max(1, len(who) * len(idx)))
    inputs = sc_.deal_inputs() if deal is not None else {}
    for a in range(0, n_draws, step):
        b = min(n_draws, a + step)
        if deal is not None:
            part = {k: v[..., a:b, :] for k, v in inputs.items()}
            v = deal.values(crit, part)  # (n, Dc, N)
        else:
            v = np.broadcast_to(crit[:, None, :], (len(who), b - a, len(idx)))
        acc = v >= r[:, a:b, None] - ACCEPT_TOL
        if plain is not None:
            acc &= plain[:, None, :] >= floor[:, a:b, None] - ACCEPT_TOL
        if red is not None:
            acc &= red[:, None, :]
            una = acc.all(axis=0)
            passed = (acc.sum(axis=0) >= space.quota) & acc[veto].all(axis=0)
        else:
            una = passed = acc.all(axis=0)
        size[a:b] = passed.sum(axis=1)
        zone[a:b] = size[a:b] > 0
        always &= passed.all(axis=0)
        _solve(v, una, passed, r[:, a:b], cap, idx, picks, slice(a, b))
    return ZoneDraws(zone, size, picks, idx[always], len(idx))


def _solve(
    v: np.ndarray,
    una: np.ndarray,
    passed: np.ndarray,
    r: np.ndarray,
    cap: np.ndarray,
    idx: np.ndarray,
    picks: dict[str, np.ndarray],
    at: slice,
) -> None:
    """A block of draws' solutions over each draw's unanimous set (a quota zone without
    one: the zone's best Nash product, as the chunked engine's top package)."""
    has = np.asarray(una.any(axis=1), dtype=bool)
    best_u = np.where(una[None], v, -np.inf).max(axis=2)
    obj = objectives(v, r, cap, np.where(has[None], best_u, r))
    for name, value in obj.items():
        pick = best_index(np.where(una, value, -np.inf), axis=1)
        picks[name][at] = np.where(has, idx[pick], -1)
    quota = np.asarray(~has & passed.any(axis=1), dtype=bool)
    if quota.any():
        nash = np.where(passed[quota], obj["nash"][quota], -np.inf)
        sub = picks["nash"][at]
        sub[quota] = idx[np.argmax(nash, axis=1)]  # the exact best, as the engine's top
