"""Interactions between issues, compiled into compound issues (the one place that does it).

An actor may value the options of an issue B *given* the option chosen on another issue
A (``utilities: {B: {given: A, values: {a: {...}, ...}}}``). Such a utility is not
additive over the file's issues, so the outcome space (:mod:`zopa.space.space`) joins the
two into ONE compound issue and stays additive:

- the pair is adjacent in the file (checked), so with the last issue varying fastest the
  compound option ``(a, b)`` of the pair (first, second) in file order has index
  ``a * n_second + b`` and every package keeps its flat number;
- the compound's id is ``first+second``, its option ids ``optFirst+optSecond``;
- per option things compose exactly: weighted utilities and trust changes add
  (:func:`compose_sum`), red lines forbid every compound option holding a forbidden
  component (:func:`compose_all`), reversions map ``(a, b)`` to ``(rev(a), rev(b))``
  (:func:`compose_index`), delivery lotteries apply along each component's axis
  (:func:`compose_delivered`: the two deliveries are independent, four outcomes) and a
  compound option's place is the mean of its components' places.

The pairs are read from every actor's preferences and every shock of ``simulation:`` (so
each regime of a simulation has the same compound issues). A scenario without ``given``
has no compound issue: every function here then returns its input unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from zopa.scenario.schema import ConditionalUtility, Scenario

SEPARATOR = "+"
"""Joins the ids of a compound issue and of its options: ``sanctions+oil``, ``lifted+joint``."""


@dataclass(frozen=True)
class Group:
    """One issue of the outcome space: a file issue, or a compound of two adjacent ones.

    ``members``: the file indices of its issues in file order (one or two); ``id`` and
    ``options``: its id and option ids; ``sizes``: each member's option count."""

    members: tuple[int, ...]
    id: str
    options: tuple[str, ...]
    sizes: tuple[int, ...]

    @property
    def compound(self) -> bool:
        return len(self.members) > 1


def conditional_utilities(
    sc: Scenario,
) -> Iterator[tuple[tuple[str | int, ...], str, ConditionalUtility]]:
    """Every utility ``given`` another issue, in any actor's preferences then any shock of
    ``simulation:``: (its path in the file, its issue, the utility)."""
    for actor, pref in sc.preferences.items():
        for issue, u in pref.utilities.items():
            if isinstance(u, ConditionalUtility):
                yield ("preferences", actor, "utilities", issue), issue, u
    for k, sh in enumerate(sc.simulation.shocks if sc.simulation is not None else []):
        for issue, u in sh.utilities.items():
            if isinstance(u, ConditionalUtility):
                yield ("simulation", "shocks", k, "utilities", issue), issue, u


def conditions(sc: Scenario) -> dict[str, str]:
    """Issue id -> the id of the issue its utilities are ``given`` (the first one found
    by :func:`conditional_utilities` when they disagree, which
    :mod:`zopa.scenario.check` rejects)."""
    out: dict[str, str] = {}
    for _, issue, u in conditional_utilities(sc):
        out.setdefault(issue, u.given)
    return out


def groups(sc: Scenario) -> tuple[Group, ...]:
    """The issues of the outcome space, in file order (see the module docstring); a
    validated scenario's pairs are adjacent and do not chain."""
    ids = [i.id for i in sc.issues]
    pair_of: dict[int, int] = {}
    for cond_id, given in conditions(sc).items():
        if cond_id in ids and given in ids:
            a, b = sorted((ids.index(cond_id), ids.index(given)))
            if b == a + 1 and a not in pair_of and b not in pair_of:
                pair_of[a], pair_of[b] = b, a
    out: list[Group] = []
    k = 0
    while k < len(sc.issues):
        if pair_of.get(k) == k + 1:
            first, second = sc.issues[k], sc.issues[k + 1]
            out.append(
                Group(
                    (k, k + 1),
                    f"{first.id}{SEPARATOR}{second.id}",
                    tuple(
                        f"{a.id}{SEPARATOR}{b.id}" for a in first.options for b in second.options
                    ),
                    (len(first.options), len(second.options)),
                )
            )
            k += 2
        else:
            issue = sc.issues[k]
            out.append(Group((k,), issue.id, tuple(o.id for o in issue.options),
                             (len(issue.options),)))  # fmt: skip
            k += 1
    return tuple(out)


def _compose(
    parts: Sequence[np.ndarray], gs: Sequence[Group], op: Callable[[Group, Any, Any], Any]
) -> list[np.ndarray]:
    """Per group, ``parts`` of its one member, or ``op(g, x[..., :, None], y[..., None, :])``
    of its two members' arrays flattened over the compound's options."""
    if all(not g.compound for g in gs):
        return list(parts)
    out = []
    for g in gs:
        if not g.compound:
            out.append(parts[g.members[0]])
            continue
        x, y = (np.asarray(parts[m]) for m in g.members)
        joined = op(g, x[..., :, None], y[..., None, :])
        out.append(np.ascontiguousarray(joined).reshape(*joined.shape[:-2], -1))
    return out


def compose_sum(parts: Sequence[np.ndarray], gs: Sequence[Group]) -> list[np.ndarray]:
    """Per group, arrays over its options from per file issue arrays ``parts`` (last axis:
    options; leading axes broadcast): a compound's entry ``(a, b)`` is ``x[a] + y[b]``."""
    return _compose(parts, gs, lambda g, x, y: x + y)


def compose_all(parts: Sequence[np.ndarray], gs: Sequence[Group]) -> list[np.ndarray]:
    """Like :func:`compose_sum` for booleans: ``(a, b)`` holds when both components do."""
    return _compose(parts, gs, lambda g, x, y: np.logical_and(x, y))


def compose_index(maps: Sequence[np.ndarray], gs: Sequence[Group]) -> list[np.ndarray]:
    """Per group, the option each option becomes from per file issue maps (option ->
    option): a compound's ``(a, b)`` becomes ``(m_a[a], m_b[b])``."""
    return _compose(maps, gs, lambda g, x, y: x * g.sizes[1] + y)


def compose_delivered(
    v: np.ndarray,
    g: Group,
    lotteries: Sequence[tuple[np.ndarray, np.ndarray] | None],
    delivered: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
) -> np.ndarray:
    """``v`` (..., group options) in expectation over the delivery lotteries of the
    group's members (``lotteries[k]``: file issue k's (fallback, hold) or None), applied
    one component axis at a time by ``delivered`` (a lottery over the last axis): for a
    compound whose two components both have lotteries, the four outcomes of two
    independent deliveries."""
    if not g.compound:
        lot = lotteries[g.members[0]]
        return v if lot is None else delivered(v, *lot)
    w = v.reshape(*v.shape[:-1], *g.sizes)
    for axis, m in ((-2, g.members[0]), (-1, g.members[1])):
        lot = lotteries[m]
        if lot is None:
            continue
        other, hold = lot
        done = delivered(np.moveaxis(w, axis, -1), other, hold)
        w = np.moveaxis(done, -1, axis)
    return np.ascontiguousarray(w).reshape(v.shape)


def option_columns(gs: Sequence[Group], k: int, j: int) -> tuple[int, np.ndarray]:
    """Where option j of file issue k sits in the outcome space: its group's index and
    the group's options that hold it."""
    for g_index, g in enumerate(gs):
        if k in g.members:
            if not g.compound:
                return g_index, np.array([j])
            grid = np.zeros(g.sizes, dtype=bool)
            if g.members.index(k) == 0:
                grid[j, :] = True
            else:
                grid[:, j] = True
            return g_index, np.flatnonzero(grid)
    raise IndexError(k)


def orient(table: np.ndarray, given_first: bool) -> np.ndarray:
    """A conditional table ``(..., given options, issue options)`` as a compound's
    options (first component varying slowest): flattened, transposed first when the
    given issue comes second in the file."""
    t = table if given_first else np.swapaxes(table, -1, -2)
    return np.ascontiguousarray(t).reshape(*t.shape[:-2], -1)


def split_package(sc: Scenario, package: dict[str, str]) -> dict[str, str]:
    """A package keyed by the outcome space's issues as {file issue id: option id}."""
    out: dict[str, str] = {}
    for g in groups(sc):
        chosen = package[g.id]
        if not g.compound:
            out[g.id] = chosen
            continue
        j = g.options.index(chosen)
        a, b = divmod(j, g.sizes[1])
        first, second = (sc.issues[m] for m in g.members)
        out[first.id] = first.options[a].id
        out[second.id] = second.options[b].id
    return out
