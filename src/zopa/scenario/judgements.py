"""Judgements: what the evidence says when it gives no number, their centroids and draws.

A source often gives an order ("Iran prefers keeping its stockpile to shipping it out"),
an importance ranking, or a "most likely" rather than a magnitude. The language records
them as they are (SCENARIO.md, "Judgements"):

- **utility order** (``utilities: {issue: {order: [best, [tied, tied], worst]}}``) over G
  groups: the first group is worth 1, the last 0. Centroid: group g (0-based) is worth
  ``1 - g / (G - 1)``. Draw: G - 2 independent uniforms on [0, 1], sorted descending,
  give the groups in between.
- **weight order** (``weights: {order: [...]}``) over n issues, most important first:
  centroid, the rank-order centroid ``w_k = (1/n) sum_{j=k..n} 1/j`` (Barron and Barrett
  1996); draw, a Dirichlet(1, ..., 1) vector of n weights (normalised exponentials),
  sorted descending and assigned by rank. Issues tied in one group each get the mean of
  their group's ranks. Issues the order does not name weigh 0.
- **uncertain red line** (``probability: p``, 0 < p <= 1): a draw includes it with
  probability p; deterministic analyses include it when p >= 0.5.

Every draw is a function of uniforms from the run's one seeded table
(:func:`zopa.scenario.numbers.draw_table`): :func:`columns` says how many a judgement
takes and :func:`draw` turns them into values, so the same seed gives the same draws
whatever the number of workers.
"""

from __future__ import annotations

import numpy as np

from zopa.scenario.schema import Order, RedLine, WeightOrder

Judgement = Order | RedLine


def _ranks(order: Order) -> np.ndarray:
    """(items,) the 0-based group of each item, in :meth:`~Order.items` order."""
    return np.array([g for g, grp in enumerate(order.groups()) for _ in grp], dtype=np.int64)


def _rank_positions(order: Order) -> list[np.ndarray]:
    """The 0-based ranks each group occupies (a group of t tied items takes t ranks)."""
    out, at = [], 0
    for grp in order.groups():
        out.append(np.arange(at, at + len(grp)))
        at += len(grp)
    return out


def centroid(j: Order) -> np.ndarray:
    """(items,) the value of each item of the order (in :meth:`~Order.items` order) that
    deterministic analyses use (see the module docstring)."""
    if isinstance(j, WeightOrder):
        n = len(j.items())
        roc = np.cumsum((1.0 / np.arange(1, n + 1))[::-1])[::-1] / n  # w_k, k = 1..n
        return _by_group(j, roc[None, :])[0]
    g = len(j.groups())
    return (1.0 - np.arange(g) / (g - 1))[_ranks(j)]


def columns(j: Judgement) -> int:
    """How many uniforms a draw of ``j`` takes."""
    if isinstance(j, RedLine):
        return 1
    if isinstance(j, WeightOrder):
        return len(j.items())
    return max(0, len(j.groups()) - 2)


def uncertain(j: Judgement) -> bool:
    """Whether draws of ``j`` vary (a two-group utility order and a sure red line do not)."""
    if isinstance(j, RedLine):
        return j.uncertain
    return columns(j) > 0


def draw(j: Judgement, u: np.ndarray) -> np.ndarray:
    """Draws of ``j`` from uniforms ``u`` (draws x :func:`columns`): (draws, items) values
    for an order (in :meth:`~Order.items` order), (draws,) booleans for a red line."""
    u = np.asarray(u, dtype=float)
    if isinstance(j, RedLine):
        p = 1.0 if j.probability is None else float(j.probability)
        return u[:, 0] < p
    if isinstance(j, WeightOrder):
        e = -np.log(u)
        w = e / e.sum(axis=1, keepdims=True)
        return _by_group(j, -np.sort(-w, axis=1))
    inner = -np.sort(-u, axis=1)  # descending
    levels = np.concatenate([np.ones((len(u), 1)), inner, np.zeros((len(u), 1))], axis=1)
    return levels[:, _ranks(j)]


def _by_group(j: Order, by_rank: np.ndarray) -> np.ndarray:
    """(draws, items): each item gets the mean of its group's ranks' values."""
    out = np.empty_like(by_rank)
    at = 0
    for pos in _rank_positions(j):
        out[:, at : at + len(pos)] = by_rank[:, pos].mean(axis=1, keepdims=True)
        at += len(pos)
    return out


def included(line: RedLine) -> bool:
    """Whether deterministic analyses keep the red line (sure, or p >= 0.5)."""
    return line.probability is None or line.probability >= 0.5
