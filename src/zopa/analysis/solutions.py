"""The bargaining solutions' objectives and the tie rule of every optimum.

Over the deciders' deal values ``u`` (deciders first: shape (deciders, ...)) and their
reservations ``r`` (broadcast against ``u``), with gains g = max(u - r, 0):

- ``nash``: the product of the gains;
- ``nash_weighted``: the product of g_i ** c_i, c_i the decider's share of capability;
- ``kalai_smorodinsky``: the smallest share g_i / span_i of the best possible gain, span_i
  the decider's best deal value over the unanimous set minus its reservation (a decider
  with no room, span_i <= NO_ROOM, never binds);
- ``utilitarian``: the sum of the deal values;
- ``egalitarian``: the smallest gain.

**The tie rule.** A solution is the lowest-index package whose objective is within TIE
(relative: TIE * max(1, |best|), see :mod:`zopa.space.tolerances`) of the best value;
:func:`best_index` applies it to one array, :class:`Best` to values streamed in chunks
in index order. Fearon's proposer, the assumed deal of Monte Carlo and the solutions of
``zopa analyze`` all pick by it.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from zopa.space.tolerances import NO_ROOM, tie_floor

SOLUTIONS = ("nash", "nash_weighted", "kalai_smorodinsky", "utilitarian", "egalitarian")
OBJECTIVES = {
    "nash": "product of gains",
    "nash_weighted": "product of gains, each to its capability share",
    "kalai_smorodinsky": "smallest share of the best possible gain",
    "utilitarian": "sum of deal values",
    "egalitarian": "smallest gain",
}
"""What each solution maximises, in words (its ``value`` is that quantity)."""
NAMES = {
    "nash": "Nash",
    "nash_weighted": "weighted Nash",
    "kalai_smorodinsky": "Kalai-Smorodinsky",
    "utilitarian": "utilitarian",
    "egalitarian": "egalitarian",
}
"""Each solution's name as readers know it (tables and figures)."""


def gains(u: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Each decider's gain over its reservation, clipped at 0: max(u - r, 0)."""
    g = np.subtract(u, r)
    return np.maximum(g, 0.0, out=g)


def nash(g: np.ndarray) -> np.ndarray:
    """The Nash product of gains ``g`` (deciders first)."""
    return g.prod(0)


def near_power_best(p: np.ndarray, power: float) -> np.ndarray:
    """Where ``p ** power`` (``p`` >= 0, ``power`` > 0: the same order as ``p``) can tie
    with the best of them: a mask keeping every value the tie rule could pick, so that
    the power need only be taken there (weighted Nash with equal shares)."""
    top = float(np.max(p)) ** power
    floor = tie_floor(top)
    if not floor > 0.0:  # everything may tie (or a NaN is about): keep it all
        return np.ones(p.shape, dtype=bool)
    return p >= floor ** (1.0 / power) * (1.0 - 1e-9)  # margin >> the power's rounding


def equal_shares(share: np.ndarray) -> bool:
    """Whether every decider has the same capability share (weighted Nash is then a
    power of the plain product)."""
    return bool(np.all(share == share[0]))


def nash_weighted(g: np.ndarray, share: np.ndarray) -> np.ndarray:
    """The product of g_i ** share_i (``share``: each decider's capability share)."""
    if equal_shares(share):  # a power of the plain product
        return nash(g) ** share[0]
    with np.errstate(divide="ignore"):
        return np.exp((share.reshape((-1,) + (1,) * (g.ndim - 1)) * np.log(g)).sum(0))


def kalai_smorodinsky(g: np.ndarray, span: np.ndarray) -> np.ndarray:
    """The smallest share of the best possible gain; a decider with no room never binds.
    ``span`` has ``g``'s shape without its last (packages) axis."""
    flat = span <= NO_ROOM
    if not flat.any():
        return (g / span[..., None]).min(0)
    ratio = g / np.where(flat, 1.0, span)[..., None]
    np.copyto(ratio, 1.0, where=flat[..., None])
    return ratio.min(0)


def objectives(
    u: np.ndarray,
    r: np.ndarray,
    capability: np.ndarray,
    best_u: np.ndarray | None = None,
    weighted: bool = True,
) -> dict[str, np.ndarray]:
    """Every solution's objective for packages with deal values ``u`` (deciders x n, or
    deciders x draws x n: then ``r`` and ``best_u`` are deciders x draws).

    ``r`` and ``capability`` are the deciders' reservations and capabilities. The
    Kalai-Smorodinsky objective needs each decider's best deal value over the unanimous
    set (``best_u``); it is left out when that is not known, and weighted Nash when
    ``weighted`` is False.
    """
    g = gains(u, r[..., None])
    out = {"nash": nash(g)}
    if weighted:
        out["nash_weighted"] = nash_weighted(g, capability / capability.sum())
    out["utilitarian"] = u.sum(0)
    out["egalitarian"] = g.min(0)
    if best_u is not None:
        out["kalai_smorodinsky"] = kalai_smorodinsky(g, best_u - r)
    return out


def best_index(value: ArrayLike, axis: int = -1) -> np.ndarray:
    """The tie rule along ``axis``: the lowest index whose value ties with the maximum."""
    v = np.asarray(value, dtype=np.float64)
    top = v.max(axis=axis, keepdims=True)
    return np.argmax(v >= tie_floor(top), axis=axis)


class Best:
    """The tie rule over values streamed in chunks in index order.

    Keeps the records (values above every earlier one) that still tie with the running
    maximum; :meth:`result` is the lowest index that ties with the maximum, and its value.
    """

    def __init__(self) -> None:
        self.top = -math.inf
        self.idx = np.zeros(0, dtype=np.int64)
        self.val = np.zeros(0)

    def update(self, val: np.ndarray, idx: np.ndarray) -> None:
        if len(val) == 0:
            return
        self.top = max(self.top, float(val.max()))
        floor = tie_floor(self.top)
        keep = val >= floor
        val, idx = val[keep], idx[keep]
        prior = self.val.max() if len(self.val) else -math.inf
        running = np.maximum.accumulate(np.concatenate(([prior], val)))[:-1]
        record = val > running  # only records can be the lowest index above any floor
        self.val = np.concatenate((self.val, val[record]))
        self.idx = np.concatenate((self.idx, idx[record]))
        alive = self.val >= floor
        self.val, self.idx = self.val[alive], self.idx[alive]

    def result(self) -> tuple[int, float] | None:
        if not len(self.idx):
            return None
        return int(self.idx[0]), float(self.val[0])
