"""The per-option tables of a block of Monte Carlo draws, when judgements change them.

:func:`~zopa.space.space.compile_space` builds one space from one set of values. A block
of draws whose utilities, weights or red lines are drawn (orders, uncertain red lines,
distributions on weights or utilities) needs them for every draw; compiling a space per
draw would redo everything that does not move. The block's preferences are read once
(:func:`~zopa.space.space.preference_tables` with a draws axis: the definition
compile_space uses), every table with a leading draws axis. :func:`drawn_tables` derives
what the zone engine reads (:class:`Drawn`): the deal model's criteria tables (the
deciders' utilities and their reverted forms, the spoilers' utilities: gathers of the new
tables; trust changes: unchanged), the deciders' utilities and red lines, and the
reference-package floors. The tests compare the result with compiling each draw's space.

It applies when nothing drawn sits inside an issue's options (``at``, trust changes):
:func:`applies`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zopa.scenario.schema import Scenario
from zopa.space.scalars import Scalars
from zopa.space.space import Space, revert_map


@dataclass(frozen=True)
class Drawn:
    """Per-option tables that change from draw to draw, per issue with a leading draws
    axis: ``crit`` (draws, rows, options) the deal model's criteria (a linear space: the
    deciders' utilities), ``plain`` (draws, deciders, options) the deciders' effective
    utilities, ``allowed`` (draws, deciders, options) the red lines that hold; ``floor``
    (deciders, draws) each decider's reference-package floor."""

    crit: tuple[np.ndarray, ...]
    plain: tuple[np.ndarray, ...]
    allowed: tuple[np.ndarray, ...]
    floor: np.ndarray


def applies(paths: list[str]) -> bool:
    """Whether the block tables apply when the numbers at ``paths`` are drawn (none of them
    inside an issue: an option's place or trust changes)."""
    return not any(p.startswith("issues") for p in paths)


@dataclass(frozen=True)
class Plan:
    """Where each criteria row of the deal model comes from: ``source[r]`` is the actor
    whose table row r gathers (-1: kept, trust changes), through ``gather[k][r]``, the
    option each option of issue k becomes (its reversions)."""

    source: np.ndarray  # (rows,)
    gather: tuple[np.ndarray, ...]  # per issue (rows, options)


def plan(sc: Scenario, space: Space) -> Plan | None:
    """The deal model's criteria layout over the space's actors (None: a linear space)."""
    deal = space.deal
    if deal is None:
        return None
    dec = [space.actors[int(i)] for i in space.deciders]
    revert = [revert_map(sc, j) for j in dec]
    shape = space.shape
    source = np.full(deal.rows, -1, dtype=np.int64)
    gather = [np.tile(np.arange(m), (deal.rows, 1)) for m in shape]
    for (i, renegers), row in deal.u_rows.items():
        source[row] = int(space.deciders[i])
        for k in range(len(shape)):
            m = np.arange(shape[k])
            for j in renegers:
                m = revert[j][k][m]
            gather[k][row] = m
    for s, row in enumerate(deal.s_rows):
        source[row] = space.actors.index(sc.spoilers[s].actor)
    return Plan(source, tuple(gather))


def drawn_tables(
    space: Space,
    layout: Plan | None,
    tables: list[np.ndarray],
    allowed: list[np.ndarray],
    scal: Scalars,
) -> Drawn:
    """The block's tables as :func:`zopa.analysis.drawn.zone_draws` takes them: the deal
    model's criteria (gathers of the new tables; trust changes kept), the deciders'
    utilities and red lines, and the reference-package floors of every draw."""
    who = space.deciders
    plain = tuple(t[:, who] for t in tables)
    crit = plain
    deal = space.deal
    if deal is not None and layout is not None:
        rows = layout.source >= 0
        src = layout.source[rows]
        out = []
        for k, t in enumerate(tables):
            c = np.broadcast_to(deal.tables[k], (t.shape[0], *deal.tables[k].shape)).copy()
            c[:, rows] = t[:, src[:, None], layout.gather[k][rows]]
            out.append(c)
        crit = tuple(out)
    return Drawn(
        crit, plain, tuple(a[:, who] for a in allowed), block_floor(space, tables, scal)[who]
    )


def block_floor(space: Space, tables: list[np.ndarray], scal: Scalars) -> np.ndarray:
    """(actors, draws): the least effective utility each actor accepts in each draw (its
    reference packages' utilities plus margins; -inf: unconstrained)."""
    draws = tables[0].shape[0]
    floor = np.full((tables[0].shape[1], draws), -np.inf)
    for a, ref, margin in scal.constraints:
        digits = np.unravel_index(space.references[ref], space.shape)
        u = sum(tables[k][:, a, int(d)] for k, d in enumerate(digits))
        floor[a] = np.maximum(floor[a], u + margin)
    return floor


def at_packages(
    tables: tuple[np.ndarray, ...] | list[np.ndarray],
    draws: np.ndarray,
    packages: np.ndarray,
    shape: tuple[int, ...],
) -> np.ndarray:
    """(rows, m): the sums over issues of ``tables[k][draws[i], :, option]`` for package
    ``packages[i]`` in draw ``draws[i]``."""
    digits = np.unravel_index(packages, shape)
    total = np.zeros((len(packages), tables[0].shape[1]))
    for k, t in enumerate(tables):
        total += t[draws, :, digits[k]]
    return total.T
