"""The values every number of a scenario can take, checked once at ``validate``.

A number is used at more values than its base one: Monte Carlo draws it anywhere in its
distribution's support, leverage and sweeps set it anywhere in its ``range:``, dynamics
drift a parameter by up to ``periods`` steps. An expression is then evaluated at the
parameters' values. :func:`check_supports` makes sure, for every expression of the file,
that over the whole box of those values it is finite and inside its field's bounds (a
utility in [0, 1], a place in [0, 100], a salience >= 0, a capability > 0...), and that
the sums the language constrains hold: plain and expression no-deal probabilities sum to
1, an actor's weights are not all zero, influence weights sum to at most 1. Each problem
is ``(path, message)``, like the other whole-file checks of :mod:`zopa.scenario.check`,
so that ``validate`` reports it with its line and field, and a file ``validate`` accepts
never fails later on one of its numbers.
"""

from __future__ import annotations

import numpy as np

from zopa.errors import InputError
from zopa.scenario.expr import Expr, compile_expr, dependency_order
from zopa.scenario.intervals import (
    Bounds,
    Interval,
    extent,
    inline,
    problem_over,
    total,
    values_at,
)
from zopa.scenario.numbers import walk
from zopa.scenario.schema import Number, Order, Scenario

Found = tuple[tuple[str | int, ...], str]

SUM_TOLERANCE = 1e-6
"""How far from 1 no-deal probabilities may sum (as for plain numbers)."""


def _hull(a: Interval, b: Interval) -> Interval:
    return min(a[0], b[0]), max(a[1], b[1])


def _own(n: Number) -> Interval | None:
    """The values a number without an expression takes: its value or support, and range."""
    if n.kind == "expr":
        return None
    if n.distribution is not None:
        iv = tuple(float(x) for x in n.distribution.support)
        out: Interval = (iv[0], iv[1])
    else:
        out = (float(n), float(n))
    if n.range is not None:
        out = _hull(out, (float(n.range[0]), float(n.range[1])))
    return out


class _Parameters:
    """The parameters as the checks see them: free ones with their box of values, and
    the ones defined by expressions (inlined, unless a range or a drift frees them)."""

    def __init__(self, sc: Scenario) -> None:
        names = set(sc.parameters)
        self.exprs: dict[str, Expr] = {}
        for name, n in sc.parameters.items():
            if n.kind == "expr" and n.expr is not None:
                self.exprs[name] = compile_expr(n.expr, names)
        order = dependency_order(self.exprs)  # cycles were reported by the cross-checks
        steps = _drift_steps(sc)
        self.box: dict[str, Interval] = {}
        self.defs: dict[str, Expr] = {}
        base: dict[str, float] = {}
        for name, n in sc.parameters.items():
            own = _own(n)
            if own is not None:
                self.box[name] = own
                base[name] = float(n)
        for name in order:
            e = inline(self.exprs[name], self.defs)
            n = sc.parameters[name]
            if n.range is None and name not in steps:
                self.defs[name] = self.exprs[name]
                continue
            lo, hi = extent(e, self.box)
            if n.range is not None:
                lo, hi = _hull((lo, hi), (float(n.range[0]), float(n.range[1])))
            self.box[name] = (lo, hi)
            try:
                base[name] = float(e.evaluate(base))
            except InputError:  # fails at the base values: its own check reports it
                base[name] = lo
        for name, step in steps.items():
            if name in self.box and name in base:
                b = base[name]
                self.box[name] = _hull(self.box[name], (b + step[0], b + step[1]))

    def expression(self, n: Number) -> Expr:
        """The number's expression with the defined parameters inlined."""
        assert n.expr is not None
        return inline(compile_expr(n.expr, set(self.exprs) | set(self.box)), self.defs)


def _drift_steps(sc: Scenario) -> dict[str, Interval]:
    """Each drifting parameter's total move over the periods, as ``(min, max)``."""
    if sc.dynamics is None:
        return {}
    out = {}
    for name, step in sc.dynamics.drift.numbers().items():
        if name == "prevails" or step.kind == "expr":
            continue
        total_move = sc.dynamics.periods * float(step)
        out[name] = (min(0.0, total_move), max(0.0, total_move))
    return out


def check_supports(sc: Scenario) -> list[Found]:
    """Every problem of the scenario's expressions and constrained sums over the values
    their parameters can take (see the module's docstring)."""
    try:
        params = _Parameters(sc)
    except InputError:
        return []  # an expression that does not compile, or a cycle: reported already
    out: list[Found] = []
    for path, n in walk(sc, lambda _, x: not isinstance(x, Number)):
        if not isinstance(n, Number) or n.kind != "expr":
            continue
        try:
            e = params.expression(n)
        except InputError:
            continue
        lo, hi, lo_open = n.bounds
        problem = problem_over(e, params.box, Bounds(lo, hi, lo_open))
        if problem is not None:
            out.append(((*path, "expr"), f"{n.expr!r} {problem}"))
    out += _sums(sc, params)
    return out


def _term(n: Number, params: _Parameters) -> Expr | float:
    return params.expression(n) if n.kind == "expr" else float(n)


def _sums(sc: Scenario, params: _Parameters) -> list[Found]:
    """The sums of numbers the language constrains, where an expression takes part."""
    out: list[Found] = []
    try:
        probs = [o.probability for o in sc.no_deal]
        if any(p.kind == "expr" for p in probs):
            s = total([_term(p, params) for p in probs], "the no-deal probabilities' sum")
            bad = _off_one(s, params)
            if bad is not None:
                out.append((("no_deal",), bad))
        for actor, pref in sc.preferences.items():
            if isinstance(pref.weights, Order):
                continue  # an order's weights are positive and sum to 1
            w = list(pref.weights.numbers().values())
            if any(x.kind == "expr" for x in w):
                s = total([_term(x, params) for x in w], "the weights' sum")
                problem = problem_over(s, params.box, Bounds(0.0, None, lo_open=True))
                if problem is not None:
                    msg = f"the weights may all be zero: their sum {problem}"
                    out.append((("preferences", actor, "weights"), msg))
        for actor, row in sc.influence.items():
            w = list(row.numbers().values())
            if any(x.kind == "expr" for x in w):
                s = total([_term(x, params) for x in w], "the influence weights' sum")
                problem = problem_over(s, params.box, Bounds(None, 1.0))
                if problem is not None:
                    out.append((("influence", actor), f"influence weights' sum {problem}"))
    except InputError:
        pass  # an expression that does not compile: reported already
    return out


def _off_one(s: Expr, params: _Parameters) -> str | None:
    """Where the sum ``s`` is not 1 (within :data:`SUM_TOLERANCE`) over the box's sample
    points: the base values, corners, centre and random points."""
    pts, v = values_at(s, params.box)
    off = np.flatnonzero(~(np.abs(v - 1.0) <= SUM_TOLERANCE))
    if off.size == 0:
        return None
    i = int(off[0])
    at = ", ".join(f"{k}={float(a[i]):.6g}" for k, a in sorted(pts.items()))
    return f"probabilities sum to {float(v[i]):.6g}, not 1" + (f", at {at}" if at else "")
