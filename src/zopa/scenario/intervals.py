"""What an expression can be over whole boxes of parameter values: proofs and witnesses.

A scenario's expressions are evaluated at many parameter values: the base values, every
Monte Carlo draw (anywhere in the parameters' supports), every lever setting (anywhere in
their ``range:``), every period of a drift. :func:`problem_over` checks, once, at
``validate``, that an expression stays finite and inside its field's bounds over the
whole box of those values, so that no later run fails on it:

1. **Witnesses.** The expression is evaluated (vectorised) at the box's corners, its
   centre and seeded random points; a point where it is not finite or out of bounds is
   reported with its parameter values.
2. **Proof.** Interval arithmetic bounds the expression over the box (every operation
   of :mod:`zopa.scenario.expr`: ``+ - * /``, powers, ``abs exp log sqrt min max
   clip``), refusing a box where an operation may fail (a divisor interval holding 0, a
   logarithm of an interval reaching 0...). Interval arithmetic over-estimates when a
   parameter appears twice (``p * (1 - p)``), so a box that cannot be proven is split
   in two along its widest side, up to :data:`BUDGET` boxes (branch and bound, with the
   centre of every box tried as a witness).

An expression that is neither refuted by a witness nor proven is reported too, saying
that it cannot be shown to stay in bounds (write ``clip(...)`` or narrow the supports).
:func:`inline` substitutes parameters defined by expressions, so that a parameter used
twice through two others is one variable, not two.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from zopa.errors import InputError
from zopa.scenario.expr import (
    MAX_EXPONENT,
    Expr,
    _Bin,
    _Call,
    _Const,
    _eval,
    _Neg,
    _Node,
    _Param,
    _Pow,
)

Interval = tuple[float, float]
Box = Mapping[str, Interval]

BUDGET = 400
"""The most boxes one proof may split into."""
SAMPLES = 256
"""Random points tried as witnesses (besides corners and the centre)."""
TOLERANCE = 1e-9
"""Slack on a field's bounds (the tolerance of the engine's comparisons)."""
HUGE = 1e300


class _MayFail(Exception):
    """An operation may fail somewhere in the box (the reason is the message)."""


@dataclass(frozen=True)
class Bounds:
    """A field's bounds: ``lo <= x`` (``lo < x`` when ``lo_open``) and ``x <= hi``."""

    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False

    def inside(self, a: float, b: float) -> bool:
        """Whether the whole interval ``[a, b]`` satisfies the bounds."""
        if self.lo is not None and (a <= self.lo if self.lo_open else a < self.lo - TOLERANCE):
            return False
        return self.hi is None or b <= self.hi + TOLERANCE

    def why_not(self, v: float) -> str | None:
        """What is wrong with the value ``v`` (None: nothing)."""
        if self.lo is not None and (v <= self.lo if self.lo_open else v < self.lo - TOLERANCE):
            return f"must be {'greater than' if self.lo_open else 'at least'} {self.lo:g}"
        if self.hi is not None and v > self.hi + TOLERANCE:
            return f"must be at most {self.hi:g}"
        return None

    def __str__(self) -> str:
        lo = "" if self.lo is None else f"{'>' if self.lo_open else '>='} {self.lo:g}"
        hi = "" if self.hi is None else f"<= {self.hi:g}"
        return " and ".join(x for x in (lo, hi) if x) or "finite"


# --- interval arithmetic ------------------------------------------------------------------


def _mul(a: Interval, b: Interval) -> Interval:
    with np.errstate(invalid="ignore"):
        products = [x * y for x in a for y in b]
    products = [0.0 if math.isnan(p) else p for p in products]  # 0 * inf
    return min(products), max(products)


def _checked(iv: Interval, what: str) -> Interval:
    if not (abs(iv[0]) <= HUGE and abs(iv[1]) <= HUGE):
        raise _MayFail(f"{what} may overflow")
    return iv


def _pow(node: _Pow, box: Box) -> Interval:
    bl, bh = _interval(node.base, box)
    el, eh = _interval(node.exponent, box)
    if not node.checked and (el < -MAX_EXPONENT or eh > MAX_EXPONENT):
        raise _MayFail(f"the exponent {node.text} may leave [-{MAX_EXPONENT:g}, {MAX_EXPONENT:g}]")
    if el == eh and float(el).is_integer():
        n = int(el)
        if n < 0 and bl <= 0 <= bh:
            raise _MayFail("a negative power of a number that can be 0")
        ends = [bl**n, bh**n]
        if n > 0 and n % 2 == 0 and bl < 0 < bh:
            ends.append(0.0)
        return _checked((min(ends), max(ends)), "a power")
    if el == eh:  # a fractional constant exponent: x >= 0 (x > 0 when negative)
        if bl < 0 or (el < 0 and bl <= 0):
            raise _MayFail("a fractional power of a number that can be negative or 0")
        ends = [bl**el, bh**el]
        return _checked((min(ends), max(ends)), "a power")
    if bl < 0 or (bl == 0 and el <= 0):
        raise _MayFail("a power with a varying exponent of a number that can be 0 or less")
    logs = (math.log(bl) if bl > 0 else -math.inf, math.log(bh) if bh > 0 else -math.inf)
    lo, hi = _mul((el, eh), logs)
    if hi > 690:
        raise _MayFail("a power may overflow")
    return math.exp(lo), math.exp(hi)


def _call(node: _Call, box: Box) -> Interval:
    args = [_interval(a, box) for a in node.args]
    (lo, hi), f = args[0], node.func
    if f == "abs":
        if lo >= 0:
            return lo, hi
        return (-hi, -lo) if hi <= 0 else (0.0, max(-lo, hi))
    if f == "exp":
        if hi > 690:
            raise _MayFail("exp(...) may overflow")
        return math.exp(lo), math.exp(hi)
    if f == "log":
        if lo <= 0:
            raise _MayFail("log(...) of a number that can be 0 or less")
        return math.log(lo), math.log(hi)
    if f == "sqrt":
        if lo < 0:
            raise _MayFail("sqrt(...) of a number that can be negative")
        return math.sqrt(lo), math.sqrt(hi)
    (lo2, hi2) = args[1]
    if f == "min":
        return min(lo, lo2), min(hi, hi2)
    if f == "max":
        return max(lo, lo2), max(hi, hi2)
    (lo3, hi3) = args[2]  # clip(x, lo, hi) = min(max(x, lo), hi), with lo <= hi
    if hi2 > lo3:
        raise _MayFail("clip(x, lo, hi) with lo that can exceed hi")
    return min(max(lo, lo2), lo3), min(max(hi, hi2), hi3)


def _interval(node: _Node, box: Box) -> Interval:
    """Bounds of ``node`` over ``box``; :class:`_MayFail` when an operation may fail."""
    if isinstance(node, _Const):
        return node.value, node.value
    if isinstance(node, _Param):
        return box[node.name]
    if isinstance(node, _Neg):
        lo, hi = _interval(node.operand, box)
        return -hi, -lo
    if isinstance(node, _Bin):
        a, b = _interval(node.left, box), _interval(node.right, box)
        if node.op == "+":
            return _checked((a[0] + b[0], a[1] + b[1]), "a sum")
        if node.op == "-":
            return _checked((a[0] - b[1], a[1] - b[0]), "a difference")
        if node.op == "*":
            return _checked(_mul(a, b), "a product")
        if b[0] <= 0 <= b[1]:
            raise _MayFail("a division by a number that can be 0")
        return _checked(_mul(a, (1.0 / b[1], 1.0 / b[0])), "a quotient")
    if isinstance(node, _Pow):
        return _pow(node, box)
    return _call(node, box)


# --- building expressions -----------------------------------------------------------------


def _substitute(node: _Node, defs: Mapping[str, _Node]) -> _Node:
    if isinstance(node, _Param):
        return _substitute(defs[node.name], defs) if node.name in defs else node
    if isinstance(node, _Neg):
        return _Neg(_substitute(node.operand, defs))
    if isinstance(node, _Bin):
        return _Bin(node.op, _substitute(node.left, defs), _substitute(node.right, defs))
    if isinstance(node, _Pow):
        return _Pow(
            _substitute(node.base, defs),
            _substitute(node.exponent, defs),
            node.checked,
            node.text,
        )
    if isinstance(node, _Call):
        return _Call(node.func, tuple(_substitute(a, defs) for a in node.args))
    return node


def _names(node: _Node) -> frozenset[str]:
    if isinstance(node, _Param):
        return frozenset({node.name})
    if isinstance(node, _Neg):
        return _names(node.operand)
    if isinstance(node, _Bin):
        return _names(node.left) | _names(node.right)
    if isinstance(node, _Pow):
        return _names(node.base) | _names(node.exponent)
    if isinstance(node, _Call):
        return frozenset().union(*(_names(a) for a in node.args))
    return frozenset()


def inline(e: Expr, defs: Mapping[str, Expr]) -> Expr:
    """``e`` with every parameter of ``defs`` replaced by its defining expression (which
    must be free of cycles: :func:`~zopa.scenario.expr.dependency_order` checks that)."""
    nodes = {k: d._node for k, d in defs.items()}
    node = _substitute(e._node, nodes)
    return Expr(e.text, _names(node), node, file=e.file, line=e.line, field=e.field)


def total(terms: list[Expr | float], text: str) -> Expr:
    """The sum of expressions and plain numbers, as one expression named ``text``."""
    node: _Node = _Const(0.0)
    for t in terms:
        node = _Bin("+", node, t._node if isinstance(t, Expr) else _Const(float(t)))
    return Expr(text, _names(node), node)


# --- checking over a box ------------------------------------------------------------------


def _points(box: Box, seed: int = 0) -> dict[str, np.ndarray]:
    """Corners (up to 2**8 of them), the centre and seeded random points of ``box``."""
    names = sorted(box)
    k = len(names)
    rng = np.random.default_rng(seed)
    u = rng.random((SAMPLES, k))
    if k <= 8:
        corners = (np.arange(2**k)[:, None] >> np.arange(k)[None, :]) & 1
        u = np.vstack([corners.astype(float), u])
    u = np.vstack([np.full((1, k), 0.5), u])
    return {n: box[n][0] + u[:, j] * (box[n][1] - box[n][0]) for j, n in enumerate(names)}


def _shown_at(point: Mapping[str, float]) -> str:
    return ", ".join(f"{n}={v:.6g}" for n, v in sorted(point.items()))


def values_at(e: Expr, box: Box) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """``e`` at sample points of ``box`` (corners, centre, seeded random points): the
    points (one array per parameter ``e`` uses) and the values, nan where it fails."""
    pts = _points({k: box[k] for k in e.names}) if e.names else {}
    n = len(next(iter(pts.values()))) if pts else 1
    with np.errstate(all="ignore"):
        v = np.asarray(_eval(e._node, pts, strict=False), dtype=float)
    return pts, np.array(np.broadcast_to(v, (n,)))


def extent(e: Expr, box: Box) -> Interval:
    """Bounds of every value ``e`` takes over ``box``: its interval bound (which holds
    everywhere), or, where an operation may fail, the range of its finite values at the
    sample points (the expression's own check reports the failure)."""
    try:
        return _interval(e._node, {k: box[k] for k in e.names})
    except _MayFail:
        v = values_at(e, box)[1]
        v = v[np.isfinite(v)]
        return (float(v.min()), float(v.max())) if v.size else (0.0, 0.0)


def _witness(e: Expr, box: Box, bounds: Bounds) -> str | None:
    """A point of ``box`` where ``e`` is not finite or out of bounds, as a message."""
    pts, v = values_at(e, box)
    n = len(v)
    bad = np.flatnonzero(~np.isfinite(v))
    if bad.size:
        point = {k: float(a[bad[0]]) for k, a in pts.items()}
        try:
            e.evaluate(point)
        except InputError as err:  # EvaluationError: "expression 'x' is not finite (why)"
            message = err.problems[0].message
            return "is not finite" + message.split(" is not finite", 1)[-1]
        return f"is not finite at {_shown_at(point)}"
    for i in range(n):
        why = bounds.why_not(float(v[i]))
        if why is not None:
            point = {k: float(a[i]) for k, a in pts.items()}
            at = f" at {_shown_at(point)}" if point else ""
            return f"is {float(v[i]):.6g}{at}: it {why}"
    return None


def _prove(e: Expr, box: Box, bounds: Bounds) -> str | None:
    """None when interval arithmetic proves ``e`` finite and in bounds over ``box``;
    otherwise the reason it could not."""
    todo = [dict(box)]
    reason = "its bounds"
    spent = 0
    while todo:
        b = todo.pop()
        spent += 1
        try:
            lo, hi = _interval(e._node, b)
            if bounds.inside(lo, hi):
                continue
            reason = f"it may reach [{lo:.6g}, {hi:.6g}]"
        except _MayFail as why:
            reason = str(why)
        wide = [(hi - lo, k) for k, (lo, hi) in b.items() if hi > lo]
        if spent + len(todo) >= BUDGET or not wide:
            return reason
        width, k = max(wide)
        if width <= 1e-12 * max(1.0, abs(b[k][0]), abs(b[k][1])):
            return reason
        mid = 0.5 * (b[k][0] + b[k][1])
        todo.append({**b, k: (b[k][0], mid)})
        todo.append({**b, k: (mid, b[k][1])})
        centre = {n: 0.5 * (x + y) for n, (x, y) in b.items()}
        found = _witness(e, {n: (c, c) for n, c in centre.items()}, bounds)
        if found is not None:
            return found
    return None


def problem_over(e: Expr, box: Box, bounds: Bounds) -> str | None:
    """What is wrong with ``e`` somewhere in ``box`` given the field's ``bounds``, or
    None when it is proven finite and in bounds everywhere.

    Parameters
    ----------
    e
        The expression (parameters defined by expressions already :func:`inline`-d).
    box
        The interval of values of each parameter ``e`` uses.
    bounds
        The bounds of the field the expression stands in.

    Returns
    -------
    str or None
        A witness ("is 1.6 at p=0.8: it must be at most 1"), or the reason it could
        not be proven ("may be outside ..."), or None.
    """
    found = _witness(e, box, bounds)
    if found is not None:
        return found
    unproven = _prove(e, {k: box[k] for k in e.names}, bounds)
    if unproven is None:
        return None
    ranges = ", ".join(f"{k} in [{box[k][0]:.6g}, {box[k][1]:.6g}]" for k in sorted(e.names))
    return (
        f"cannot be shown to stay {bounds} for every parameter value ({ranges}): "
        f"{unproven}; bound it with clip() or narrow the parameters' supports"
    )
