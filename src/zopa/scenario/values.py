"""The value of every number of a scenario: plain, a distribution's mean or draw, or an expression.

:class:`Values` resolves a :class:`~zopa.scenario.schema.Number` to a float (or, for Monte
Carlo, to an array of draws). Named ``parameters:`` are resolved first, in dependency
order; an expression is evaluated at the parameters' values; a distribution gives its
mean unless a draw is set for it; a number can be *set* (leverage swings, sweeps, drifts)
by object or a parameter by name. Judgements (:mod:`zopa.scenario.judgements`) resolve
the same way: an order to its items' values (the centroid unless a draw or a swing is set
for it), an uncertain red line to whether it holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from zopa.scenario import judgements as jd
from zopa.scenario.expr import Expr, compile_expr, dependency_order
from zopa.scenario.schema import Number, Order, RedLine, Scenario

Value = float | np.ndarray
_COMPILED: dict[tuple[str, frozenset[str]], Expr] = {}


def _compiled(text: str, names: frozenset[str]) -> Expr:
    """The compiled expression (compiled once per text and parameter names: a Monte Carlo
    run resolves the same expressions in every draw)."""
    hit = _COMPILED.get((text, names))
    if hit is None:
        if len(_COMPILED) > 10_000:
            _COMPILED.clear()
        hit = _COMPILED[(text, names)] = compile_expr(text, names)
    return hit


class Values:
    """Resolve numbers of ``sc``: ``set_numbers`` by object id, ``set_params`` by name;
    ``set_judgements`` by object id: an order's items' values (in
    :meth:`~zopa.scenario.schema.Order.items` order), a red line's inclusion."""

    def __init__(
        self,
        sc: Scenario,
        set_numbers: Mapping[int, Value] | None = None,
        set_params: Mapping[str, Value] | None = None,
        set_judgements: Mapping[int, Any] | None = None,
    ) -> None:
        self.sc = sc
        self.fixed: dict[int, Value] = dict(set_numbers or {})
        self.judged: dict[int, Any] = dict(set_judgements or {})
        self._exprs: dict[int, Expr] = {}
        names = set(sc.parameters)
        given = dict(set_params or {})
        for name in given:
            if name not in names:
                raise KeyError(f"unknown parameter {name!r}")
        self.params: dict[str, Value] = {}
        exprs = {
            n: self._compile(num, names) for n, num in sc.parameters.items() if num.kind == "expr"
        }
        for name, num in sc.parameters.items():
            if num.kind != "expr":
                self.params[name] = given.get(name, self.fixed.get(id(num), float(num)))
        for name in dependency_order(exprs):
            num = sc.parameters[name]
            if name in given:
                self.params[name] = given[name]
            elif id(num) in self.fixed:
                self.params[name] = self.fixed[id(num)]
            else:
                self.params[name] = exprs[name].evaluate(self.params)

    def _compile(self, n: Number, names: set[str]) -> Expr:
        e = self._exprs.get(id(n))
        if e is None:
            assert n.expr is not None
            e = self._exprs[id(n)] = _compiled(n.expr, frozenset(names))
        return e

    def __call__(self, n: Number | None, default: float = 0.0) -> Any:
        """The value of ``n`` (``default`` when it is None)."""
        if n is None:
            return default
        hit = self.fixed.get(id(n))
        if hit is not None:
            return hit
        if n.kind == "expr":
            return self._compile(n, set(self.sc.parameters)).evaluate(self.params)
        return float(n)

    def scalar(self, n: Number | None, default: float = 0.0) -> float:
        """Like calling, but insists on one number (not an array of draws)."""
        v = self(n, default)
        if isinstance(v, np.ndarray):
            if v.size != 1:
                raise ValueError("expected one value, got an array of draws")
            return float(v.reshape(-1)[0])
        return float(v)

    def order(self, o: Order) -> dict[str, float]:
        """Each item of the order ``o`` and its value: as set, else the centroid."""
        hit = self.judged.get(id(o))
        v = np.asarray(hit, dtype=float) if hit is not None else jd.centroid(o)
        if v.ndim == 2:  # draws x items (a Monte Carlo block)
            return {x: v[:, i] for i, x in enumerate(o.items())}  # type: ignore[misc]
        return {x: float(a) for x, a in zip(o.items(), v, strict=True)}

    def holds(self, line: RedLine) -> bool:
        """Whether the red line counts: as set, else :func:`~zopa.scenario.judgements.included`."""
        hit = self.judged.get(id(line))
        if isinstance(hit, np.ndarray) and hit.ndim:  # draws (a Monte Carlo block)
            return hit  # type: ignore[return-value]
        return bool(hit) if hit is not None else jd.included(line)
