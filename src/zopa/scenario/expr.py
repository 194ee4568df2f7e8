"""A small safe arithmetic language for parameters and option values computed from them.

An expression such as ``price * (1 - commission) - cost`` is parsed with Python's
:mod:`ast` module in ``"eval"`` mode and then *walked by this module*: nothing is ever
passed to ``eval``, ``exec`` or ``compile``. Only these forms are accepted:

- number literals (``int`` or ``float``; not ``True``/``False``, not complex), at most
  ``1e12`` in absolute value;
- names of known parameters (never names starting with ``__``);
- unary ``+`` and ``-``; binary ``+``, ``-``, ``*``, ``/`` and ``**``; parentheses;
- calls to ``min(a, b)``, ``max(a, b)``, ``abs(x)``, ``exp(x)``, ``log(x)`` (natural),
  ``sqrt(x)`` and ``clip(x, lo, hi)``, with exactly these numbers of positional arguments.

An exponent must lie in [-10, 10]: an exponent made of literals only (``2``, ``-1``,
``1/2``) is computed and checked when the expression is compiled; any other exponent
(usually a parameter name) is checked on every evaluation.

Everything else is refused with an :class:`~zopa.errors.InputError` that names the file,
line and field given to :func:`compile_expr` and says what is wrong: attribute access,
subscripts, lambdas, comprehensions, strings, comparisons, keyword or starred arguments,
calls to other functions (``open``, ``__import__``), unknown or ``__dunder__`` names,
exponents outside [-10, 10], literals beyond 1e12, text longer than 500 characters and
nesting deeper than 32 (parentheses, or levels of the syntax tree: in ``a + b + c`` each
``+`` is one level).

:meth:`Expr.evaluate` is vectorised: any parameter may be a numpy array (say, Monte Carlo
draws) and the result broadcasts over them. An expression must be finite wherever it is
evaluated: division by zero, ``log`` of a non-positive number, ``sqrt`` of a negative one
or an overflow raise :class:`EvaluationError` (an ``InputError`` and a ``ValueError``)
rather than returning ``nan`` or ``inf``. :func:`dependency_order` orders parameters
defined by expressions of other parameters and reports any cycle.
"""

from __future__ import annotations

import ast
import math
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import NoReturn, TypeAlias

import numpy as np
from numpy.typing import NDArray

from zopa.errors import InputError, Problem

MAX_LENGTH = 500
MAX_DEPTH = 32
MAX_LITERAL = 1e12
MAX_EXPONENT = 10.0

#: Functions an expression may call, with their number of arguments.
FUNCTIONS: dict[str, int] = {
    "abs": 1,
    "clip": 3,
    "exp": 1,
    "log": 1,
    "max": 2,
    "min": 2,
    "sqrt": 1,
}

Array: TypeAlias = NDArray[np.float64]
Value: TypeAlias = float | NDArray[np.float64]


class EvaluationError(InputError, ValueError):
    """An expression has no finite value for some parameter values (or lacks a value)."""


# --- the compiled tree -------------------------------------------------------------------


@dataclass(frozen=True)
class _Const:
    value: float


@dataclass(frozen=True)
class _Param:
    name: str


@dataclass(frozen=True)
class _Neg:
    operand: _Node


@dataclass(frozen=True)
class _Bin:
    op: str  # one of + - * /
    left: _Node
    right: _Node


@dataclass(frozen=True)
class _Pow:
    base: _Node
    exponent: _Node
    checked: bool  # True: the exponent is a constant already checked to lie in range
    text: str  # the exponent's source text, for error messages


@dataclass(frozen=True)
class _Call:
    func: str
    args: tuple[_Node, ...]


_Node: TypeAlias = _Const | _Param | _Neg | _Bin | _Pow | _Call

_BINARY: dict[str, Callable[[Array, Array], Array]] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.divide,
}
_UNARY: dict[str, Callable[[Array], Array]] = {
    "abs": np.abs,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
}


class _Failure(Exception):
    """A value check failed during evaluation (exponent out of range, clip bounds)."""


def _eval(node: _Node, env: Mapping[str, Array], strict: bool) -> Array:
    """Evaluate ``node``; with ``strict=False`` failed checks give nan instead of raising."""
    if isinstance(node, _Const):
        return np.asarray(node.value)
    if isinstance(node, _Param):
        return env[node.name]
    if isinstance(node, _Neg):
        return np.negative(_eval(node.operand, env, strict))
    if isinstance(node, _Bin):
        return _BINARY[node.op](_eval(node.left, env, strict), _eval(node.right, env, strict))
    if isinstance(node, _Pow):
        base = _eval(node.base, env, strict)
        exponent = _eval(node.exponent, env, strict)
        if not node.checked:
            ok = np.abs(exponent) <= MAX_EXPONENT
            if not np.all(ok):
                if strict:
                    bad = float(np.asarray(exponent)[~ok].flat[0])
                    raise _Failure(
                        f"the exponent {node.text} is {bad:g} for some parameter values;"
                        f" it must lie in [-{MAX_EXPONENT:g}, {MAX_EXPONENT:g}]"
                    )
                exponent = np.where(ok, exponent, np.nan)
        return np.power(base, exponent)
    func, args = node.func, [_eval(a, env, strict) for a in node.args]
    if func in _UNARY:
        return _UNARY[func](args[0])
    if func == "min":
        return np.minimum(args[0], args[1])
    if func == "max":
        return np.maximum(args[0], args[1])
    # clip(x, lo, hi)
    x, lo, hi = args
    ordered = lo <= hi
    if not np.all(ordered):
        if strict:
            raise _Failure("clip(x, lo, hi) needs lo <= hi for all parameter values")
        lo = np.where(ordered, lo, np.nan)
    return np.minimum(np.maximum(x, lo), hi)


def _uses_parameters(node: _Node) -> bool:
    if isinstance(node, _Param):
        return True
    if isinstance(node, _Neg):
        return _uses_parameters(node.operand)
    if isinstance(node, _Bin):
        return _uses_parameters(node.left) or _uses_parameters(node.right)
    if isinstance(node, _Pow):
        return _uses_parameters(node.base) or _uses_parameters(node.exponent)
    if isinstance(node, _Call):
        return any(_uses_parameters(arg) for arg in node.args)
    return False


def _shown(text: str) -> str:
    """The expression text for a message: quoted, shortened if long."""
    short = text if len(text) <= 60 else text[:57] + "..."
    return repr(short)


# --- the public expression ----------------------------------------------------------------


class Expr:
    """A compiled expression: its text, the parameters it uses, and its evaluation."""

    __slots__ = ("_node", "field", "file", "line", "names", "text")

    def __init__(
        self,
        text: str,
        names: frozenset[str],
        node: _Node,
        *,
        file: str = "<expr>",
        line: int | None = None,
        field: str = "",
    ) -> None:
        self.text = text
        self.names = names
        self._node = node
        self.file = file
        self.line = line
        self.field = field

    def __repr__(self) -> str:
        return f"Expr({self.text!r})"

    @property
    def is_constant(self) -> bool:
        """True when the expression uses no parameter."""
        return not self.names

    def _error(self, message: str) -> EvaluationError:
        return EvaluationError(Problem(self.file, self.line, self.field, message))

    def evaluate(self, values: Mapping[str, float | np.ndarray]) -> Value:
        """Evaluate with numpy; parameters may be arrays (the result broadcasts over them).

        Returns a ``float`` when every parameter used is a scalar, else a float64 array of
        the broadcast shape (parameters in ``values`` that the expression does not use do
        not affect the shape). Raises :class:`EvaluationError` when a parameter is missing
        or not finite, when an exponent leaves [-10, 10], or when the value is not finite
        (division by zero, log of a non-positive number, overflow...) for any element.
        """
        env: dict[str, Array] = {}
        for name in sorted(self.names):
            if name not in values:
                raise self._error(f"expression {_shown(self.text)} needs a value for {name!r}")
            value = np.asarray(values[name], dtype=np.float64)
            if not np.all(np.isfinite(value)):
                raise self._error(
                    f"parameter {name!r} of expression {_shown(self.text)} is not finite"
                )
            env[name] = value
        try:
            with np.errstate(divide="raise", over="raise", invalid="raise", under="ignore"):
                result = np.asarray(_eval(self._node, env, strict=True), dtype=np.float64)
        except (FloatingPointError, _Failure) as exc:
            raise self._error(self._not_finite(env, str(exc))) from None
        except ValueError as exc:  # shapes that do not broadcast
            raise self._error(
                f"expression {_shown(self.text)}: parameter arrays do not fit together ({exc})"
            ) from None
        if not np.all(np.isfinite(result)):
            raise self._error(self._not_finite(env, "the result is not finite"))
        if result.ndim == 0:
            return float(result)
        return result

    def _not_finite(self, env: Mapping[str, Array], reason: str) -> str:
        """The message for a failed evaluation, with the first failing parameter values."""
        message = (
            f"expression {_shown(self.text)} is not finite for some parameter values ({reason})"
        )
        if not env:
            return message
        with np.errstate(all="ignore"):
            loose = np.asarray(_eval(self._node, env, strict=False), dtype=np.float64)
        bad = np.flatnonzero(~np.isfinite(loose))
        if bad.size == 0:
            return message
        shape = np.broadcast_shapes(loose.shape, *(v.shape for v in env.values()))
        index = np.unravel_index(int(bad[0]), shape) if shape else ()
        at = ", ".join(
            f"{name}={float(np.broadcast_to(v, shape)[index]):g}" for name, v in env.items()
        )
        return f"{message}, e.g. at {at}"


# --- compiling ----------------------------------------------------------------------------

_REFUSED: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access is not allowed",
    ast.Subscript: "subscripts (indexing) are not allowed",
    ast.Slice: "subscripts (indexing) are not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.Compare: "comparisons are not allowed",
    ast.BoolOp: "'and' and 'or' are not allowed",
    ast.IfExp: "conditional expressions (if/else) are not allowed",
    ast.List: "lists, tuples, sets and dicts are not allowed",
    ast.Tuple: "lists, tuples, sets and dicts are not allowed",
    ast.Set: "lists, tuples, sets and dicts are not allowed",
    ast.Dict: "lists, tuples, sets and dicts are not allowed",
    ast.NamedExpr: "assignment (:=) is not allowed",
    ast.JoinedStr: "strings are not allowed",
    ast.FormattedValue: "strings are not allowed",
    ast.Starred: "starred arguments are not allowed",
    ast.Await: "'await' is not allowed",
    ast.Yield: "'yield' is not allowed",
    ast.YieldFrom: "'yield' is not allowed",
}

_BINARY_OPS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
}
_REFUSED_OPS: dict[type[ast.AST], str] = {
    ast.Mod: "%",
    ast.FloorDiv: "//",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.Not: "not",
    ast.Invert: "~",
}


def _children(node: ast.AST) -> Iterator[ast.expr]:
    return (child for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr))


def _tree_depth(root: ast.AST) -> int:
    """The depth of the expression nodes under ``root`` (iterative: no recursion limit)."""
    deepest, stack = 0, [(child, 1) for child in _children(root)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in _children(node))
    return deepest


def _bracket_depth(text: str) -> int:
    depth = deepest = 0
    for char in text:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth = max(depth - 1, 0)
    return deepest


class _Compiler:
    """Walks a parsed expression into the tree :func:`_eval` understands."""

    def __init__(self, text: str, names: set[str], file: str, line: int | None, field: str):
        self.text, self.names = text, names
        self.file, self.line, self.field = file, line, field
        self.used: set[str] = set()

    def fail(self, message: str, node: ast.AST | None = None) -> NoReturn:
        where = f"expression {_shown(self.text)}"
        if isinstance(node, ast.expr):
            where += f", column {node.col_offset + 1}"
        raise InputError.at(self.file, self.line, self.field, f"{message} ({where})")

    def source(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.text, node) or ast.unparse(node)

    def convert(self, node: ast.AST) -> _Node:
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.UAdd):
                return self.convert(node.operand)
            if isinstance(node.op, ast.USub):
                return _Neg(self.convert(node.operand))
            self.fail(f"operator {_REFUSED_OPS.get(type(node.op), '?')!r} is not allowed", node)
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        self.fail(_REFUSED.get(type(node), f"{type(node).__name__} is not allowed"), node)

    def constant(self, node: ast.Constant) -> _Const:
        value = node.value
        if isinstance(value, bool):
            self.fail("booleans (True/False) are not allowed; write 1 or 0", node)
        if isinstance(value, str | bytes):
            self.fail("strings are not allowed", node)
        if isinstance(value, complex):
            self.fail("complex numbers are not allowed", node)
        if not isinstance(value, int | float):
            self.fail(f"{value!r} is not allowed", node)
        if abs(value) > MAX_LITERAL:
            shown = self.source(node)
            shown = shown if len(shown) <= 24 else shown[:21] + "..."
            self.fail(f"number {shown} is too large (at most 1e12 in absolute value)", node)
        return _Const(float(value))

    def name(self, node: ast.Name) -> _Param:
        name = node.id
        if name.startswith("__"):
            self.fail(f"names starting with '__' are not allowed ({name!r})", node)
        if name not in self.names:
            if self.names:
                known = sorted(self.names)
                listed = ", ".join(known[:20]) + (", ..." if len(known) > 20 else "")
                message = f"unknown name {name!r} (known: {listed})"
            else:
                message = f"unknown name {name!r} (no parameters are defined)"
            if name in FUNCTIONS:
                message += f"; {name!r} is a function: call it as {name}(...)"
            self.fail(message, node)
        self.used.add(name)
        return _Param(name)

    def binary(self, node: ast.BinOp) -> _Node:
        op = type(node.op)
        if op in _BINARY_OPS:
            return _Bin(_BINARY_OPS[op], self.convert(node.left), self.convert(node.right))
        if op is not ast.Pow:
            symbol = _REFUSED_OPS.get(op, "?")
            hint = " (use ** for powers)" if symbol == "^" else ""
            self.fail(f"operator {symbol!r} is not allowed{hint}", node)
        base = self.convert(node.left)
        exponent = self.convert(node.right)
        text = self.source(node.right)
        if _uses_parameters(exponent):
            return _Pow(base, exponent, checked=False, text=text)
        try:
            with np.errstate(divide="raise", over="raise", invalid="raise", under="ignore"):
                value = float(_eval(exponent, {}, strict=True))
        except (FloatingPointError, _Failure):
            self.fail(f"the exponent {text} is not a finite number", node.right)
        if not math.isfinite(value) or abs(value) > MAX_EXPONENT:
            shown = text if isinstance(node.right, ast.Constant) else f"{text} = {value:g}"
            self.fail(
                f"exponent too large: {shown} (it must lie in [-10, 10])",
                node.right,
            )
        return _Pow(base, _Const(value), checked=True, text=text)

    def call(self, node: ast.Call) -> _Call:
        allowed = ", ".join(sorted(FUNCTIONS))
        if isinstance(node.func, ast.Attribute):
            self.fail("attribute access is not allowed", node.func)
        if not isinstance(node.func, ast.Name):
            self.fail(f"only these functions may be called: {allowed}", node)
        func = node.func.id
        if func not in FUNCTIONS:
            self.fail(f"function {func!r} is not allowed (allowed: {allowed})", node)
        if node.keywords:
            self.fail("keyword arguments are not allowed", node)
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                self.fail("starred arguments are not allowed", arg)
        arity = FUNCTIONS[func]
        if len(node.args) != arity:
            plural = "argument" if arity == 1 else "arguments"
            self.fail(f"{func}() takes {arity} {plural}, got {len(node.args)}", node)
        return _Call(func, tuple(self.convert(arg) for arg in node.args))


def compile_expr(
    text: str,
    names: set[str] | frozenset[str],
    *,
    file: str = "<expr>",
    line: int | None = None,
    field: str = "",
) -> Expr:
    """Parse and check ``text`` as an expression over the parameters ``names``.

    ``file``, ``line`` (1-based) and ``field`` say where the text comes from; every
    refusal is an :class:`~zopa.errors.InputError` naming them and what is wrong.
    Newlines and tabs in ``text`` count as spaces (YAML folded or block scalars).
    """
    compiler = _Compiler(str(text), set(names), file, line, field)
    if not isinstance(text, str):
        compiler.fail("an expression must be text")
    if len(text) > MAX_LENGTH:
        raise InputError.at(
            file,
            line,
            field,
            f"expression too long: {len(text)} characters (at most {MAX_LENGTH})",
        )
    source = text.replace("\r", " ").replace("\n", " ").replace("\t", " ").strip()
    compiler.text = source
    if not source:
        compiler.fail("empty expression")
    if _bracket_depth(source) > MAX_DEPTH:
        compiler.fail(f"nesting deeper than {MAX_DEPTH} (parentheses)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        column = f" at column {exc.offset}" if exc.offset else ""
        detail = "" if exc.msg == "invalid syntax" else f": {exc.msg}"
        compiler.fail(f"invalid syntax{column}{detail}")
    except (ValueError, RecursionError, MemoryError) as exc:
        compiler.fail(f"invalid syntax: {exc}")
    if _tree_depth(tree) > MAX_DEPTH:
        compiler.fail(f"nesting deeper than {MAX_DEPTH}")
    node = compiler.convert(tree.body)
    return Expr(source, frozenset(compiler.used), node, file=file, line=line, field=field)


def dependency_order(exprs: Mapping[str, Expr]) -> list[str]:
    """Order parameters defined by expressions so each comes after those it uses.

    Names an expression uses that are not keys of ``exprs`` are given values (plain
    numbers or distributions) and impose no order. The order is deterministic: keys in
    their given order, each preceded by its not yet placed dependencies (alphabetically).
    A cycle raises :class:`~zopa.errors.InputError` naming it, e.g. ``a -> b -> a``.
    """
    order: list[str] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: placed
    for root in exprs:
        if root in state:
            continue
        state[root] = 1
        path = [root]
        stack = [iter(sorted(exprs[root].names))]
        while stack:
            for dep in stack[-1]:
                if dep not in exprs or state.get(dep) == 2:
                    continue
                if state.get(dep) == 1:
                    cycle = [*path[path.index(dep) :], dep]
                    first = exprs[cycle[0]]
                    raise InputError.at(
                        first.file,
                        first.line,
                        first.field or cycle[0],
                        "parameters depend on each other in a cycle: " + " -> ".join(cycle),
                    )
                state[dep] = 1
                path.append(dep)
                stack.append(iter(sorted(exprs[dep].names)))
                break
            else:
                stack.pop()
                done = path.pop()
                state[done] = 2
                order.append(done)
    return order
