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
from zopa.space.block import Drawn
from zopa.space.scalars import Scalars
from zopa.space.space import Space, constraint_floor, outer
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


def _groups(
    space: Space, allowed: list[np.ndarray]
) -> list[tuple[np.ndarray, np.ndarray, list[np.ndarray]]]:
    """The draws that share candidate packages: (draws, package indices, options per
    issue), from ``allowed`` per issue (draws, deciders, options). Under unanimity the
    candidates are the product of the options every decider allows; under a quota, every
    package. Draws whose red lines leave an issue no option have none (left out)."""
    n_draws = allowed[0].shape[0]
    if not space.unanimity:
        opts = [np.arange(len(o)) for o in space.options]
        return [(np.arange(n_draws), _index(space, opts), opts)]
    ok = np.concatenate([a.all(axis=1) for a in allowed], axis=1)  # (D, all options)
    patterns, which = np.unique(ok, axis=0, return_inverse=True)
    cuts = np.cumsum([0, *(len(o) for o in space.options)])
    out = []
    for g, pattern in enumerate(patterns):
        opts = [np.flatnonzero(pattern[cuts[k] : cuts[k + 1]]) for k in range(len(cuts) - 1)]
        if all(len(o) for o in opts):
            out.append((np.flatnonzero(which.reshape(-1) == g), _index(space, opts), opts))
    return out


def _index(space: Space, opts: list[np.ndarray]) -> np.ndarray:
    """The package indices of the product of ``opts`` (ascending: the last issue fastest)."""
    strides = np.cumprod((1, *space.shape[:0:-1]))[::-1]
    places = tuple((o * s)[None, :] for o, s in zip(opts, strides, strict=True))
    return product_sum(places, opts, taken=True)[0]


def product_sum(
    tables: tuple[np.ndarray, ...], opts: list[np.ndarray], taken: bool = False
) -> np.ndarray:
    """(..., rows, packages): the sum over issues of ``tables[k][..., option]`` for every
    package of the product of ``opts`` (in index order; ``taken``: the tables hold the
    columns of ``opts`` already). Meet in the middle: each half of the issues is summed by
    broadcasting, then every package is one sum of its two halves."""
    cols = [t if taken else t[..., o] for t, o in zip(tables, opts, strict=True)]
    sizes = np.array([c.shape[-1] for c in cols], dtype=float)
    half = int(np.searchsorted(np.cumsum(np.log(sizes)), np.log(sizes).sum() / 2)) + 1
    half = min(max(half, 1), len(cols))
    return outer([_outer_all(cols[:half], cols[0]), _outer_all(cols[half:], cols[0])], np.add)


def _outer_all(cols: list[np.ndarray], like: np.ndarray) -> np.ndarray:
    """The sums of one column of each table, for every combination (the last fastest)."""
    if not cols:
        return np.zeros((*like.shape[:-1], 1), dtype=like.dtype)
    return outer(cols, np.add)


def zone_draws(space: Space, sc_: Scalars, drawn: Drawn | None = None) -> ZoneDraws | None:
    """Exact zone, zone size, solutions and always-in-zone packages for every draw of
    ``sc_`` (see the module docstring), on the space's tables or, with ``drawn``, on each
    draw's own; None when the candidates would not fit."""
    who = space.deciders
    n = len(who)
    n_draws = sc_.reservation.shape[1]
    deal = space.deal
    if drawn is None:
        allowed = [a[who][None] for a in space.allowed]
        floor = constraint_floor(sc_, space.tables, space.references, space.shape)[who]
    else:
        allowed, floor = list(drawn.allowed), drawn.floor
    groups = _groups(space, allowed)
    rows = deal.rows if deal is not None else n
    if any(rows * len(idx) > MAX_CELLS for _, idx, _ in groups):
        return None
    if drawn is None and groups:  # the space's candidates serve every draw
        groups = [(np.arange(n_draws), groups[0][1], groups[0][2])]
    with_floor = bool(np.isfinite(floor).any()) or deal is None
    r = sc_.reservation[who]  # (n, D)
    inputs = sc_.deal_inputs() if deal is not None else {}
    out = ZoneDraws(np.zeros(n_draws, bool), np.zeros(n_draws, np.int64),
                    {s: np.full(n_draws, -1, dtype=np.int64) for s in SOLUTIONS},
                    np.zeros(0, np.int64), 0)  # fmt: skip
    every = bool(groups) and sum(len(g[0]) for g in groups) == n_draws
    always: np.ndarray | None = None if every else np.zeros(0, np.int64)  # None: not yet
    for draws_, idx, opts in groups:
        out.evaluated = max(out.evaluated, len(idx))
        fixed = None
        if drawn is None:
            tables = tuple(t[who] for t in space.tables)
            plain0 = product_sum(tables, opts) if with_floor else None
            crit0 = product_sum(deal.tables, opts) if deal is not None else plain0
            fixed = (crit0, plain0)
        red0 = None
        if not space.unanimity and drawn is None:
            red0 = np.ones((n, len(idx)), dtype=bool)
            digits = np.unravel_index(idx, space.shape)
            for k, a in enumerate(space.allowed):
                red0 &= a[who][:, digits[k]]
        keep = np.ones(len(idx), dtype=bool)
        step = max(1, BLOCK_CELLS // max(1, rows * len(idx)))
        for c in range(0, len(draws_), step):
            sel = draws_[c : c + step]
            if fixed is not None:
                assert fixed[0] is not None
                crit = fixed[0][:, None, :]
                plain = fixed[1][:, None, :] if fixed[1] is not None else None
                red = red0[:, None, :] if red0 is not None else None
            else:
                assert drawn is not None
                crit = np.moveaxis(product_sum(tuple(t[sel] for t in drawn.crit), opts), 1, 0)
                plain = (np.moveaxis(product_sum(tuple(t[sel] for t in drawn.plain), opts), 1, 0)
                         if with_floor else None)  # fmt: skip
                red = None
                if not space.unanimity:
                    bad = tuple((~a[sel]).astype(np.float64) for a in drawn.allowed)
                    red = np.moveaxis(product_sum(bad, opts), 1, 0) == 0
            if deal is not None:
                part = {k: v[..., sel, :] for k, v in inputs.items()}
                v = deal.values(crit, part)  # (n, Dc, N)
            else:
                v = np.broadcast_to(crit, (n, len(sel), len(idx)))
            acc = v >= r[:, sel, None] - ACCEPT_TOL
            if plain is not None:
                acc &= plain >= floor[:, sel, None] - ACCEPT_TOL
            if red is not None:
                acc &= red
                una = acc.all(axis=0)
                passed = (acc.sum(axis=0) >= space.quota) & acc[space.veto[who]].all(axis=0)
            else:
                una = passed = acc.all(axis=0)
            out.size[sel] = passed.sum(axis=1)
            out.zone[sel] = out.size[sel] > 0
            keep &= passed.all(axis=0)
            _solve(v, una, passed, r[:, sel], space.capability[who], idx, out.picks, sel)
        here = idx[keep]
        always = here if always is None else np.intersect1d(always, here, assume_unique=True)
    out.always = always if always is not None else np.zeros(0, np.int64)
    return out


def _solve(
    v: np.ndarray,
    una: np.ndarray,
    passed: np.ndarray,
    r: np.ndarray,
    cap: np.ndarray,
    idx: np.ndarray,
    picks: dict[str, np.ndarray],
    at: np.ndarray,
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
        picks["nash"][at[quota]] = idx[np.argmax(nash, axis=1)]  # exact, as the engine's top
