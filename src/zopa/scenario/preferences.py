"""Each actor's preferences on each issue as numbers: the one reader of weights, ideals and
utilities, shared by the outcome space and the forecasting inputs.

For an actor with preferences and an issue it weighs (weight not 0):

- ``weight``: its weight (a weight order: its centroid or draw) divided by the sum of its
  weights (0 when that sum is not positive), the factor of the issue in the actor's
  package utility;
- ``salience``: its weight as written (the forecasting models' salience; a weight order's
  weights sum to 1);
- ``utility``: each option's utility, in file order: as written under ``utilities`` (an
  order: its centroid or draw, :mod:`zopa.scenario.judgements`), or else from the ideal
  point, ``1 - |at - ideal| / 100`` (a linear loss on the 0..100 scale);
- ``ideal``: its ideal point when one is written, else None;
- ``given`` and ``conditional``: for utilities that depend on another issue's option
  (``utilities: {issue: {given: other, values: ...}}``), that issue's id and the table
  ``conditional[g, o]``, the utility of option o when ``given`` takes option g (the
  outcome space reads it, :mod:`zopa.scenario.compound`); ``utility`` is then its mean
  over the given issue's options (what the forecasting models, which keep the file's
  issues, read). Else None.

Every number is resolved through a :class:`~zopa.scenario.values.Values` (base values by
default), so a Monte Carlo draw or a leverage swing reads the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from zopa.scenario.schema import ConditionalUtility, Order, Scenario, UtilityMap
from zopa.scenario.values import Values


@dataclass(frozen=True)
class IssuePreference:
    """One actor's preference on one issue it weighs (see the module docstring; in a
    Monte Carlo block, arrays of draws)."""

    weight: Any
    salience: Any
    utility: np.ndarray
    ideal: Any
    given: str | None = None
    conditional: np.ndarray | None = None  # (given options, options), draws leading


def option_places(sc: Scenario, values: Values | None = None) -> tuple[np.ndarray, ...]:
    """Per issue, the 0..100 places (``at``) of its options, in file order."""
    num = (values if values is not None else Values(sc)).scalar
    return tuple(np.array([num(o.at) for o in i.options]) for i in sc.issues)


def read_preferences(
    sc: Scenario, values: Values | None = None, draws: int | None = None
) -> dict[str, dict[str, IssuePreference]]:
    """Actor id -> issue id -> :class:`IssuePreference`, for the actors with preferences
    (in file order) and the issues each weighs (weight not 0, in file order).

    With ``draws`` (a Monte Carlo block), ``values`` may hold arrays of that many draws (of
    numbers and of judgements): ``weight`` and ``salience`` are then (draws,) arrays and
    ``utility`` (draws, options); an issue is left out when its weight is 0 in every draw.
    """
    val = values if values is not None else Values(sc)
    if draws is None:
        return _read(sc, val, val.scalar, option_places(sc, val), None)
    at = tuple(np.array(np.broadcast_arrays(*[val(o.at) for o in i.options])) for i in sc.issues)
    return _read(sc, val, val, tuple(a.T if a.ndim > 1 else a for a in at), draws)


def _read(
    sc: Scenario, val: Values, num: Any, at: tuple[np.ndarray, ...], draws: int | None
) -> dict[str, dict[str, IssuePreference]]:
    """:func:`read_preferences`, with ``num`` resolving a number (a float, or with
    ``draws`` a float or an array of draws)."""

    def options(xs: list[Any]) -> np.ndarray:
        if draws is None:
            return np.array(xs)
        return np.stack([np.broadcast_to(x, (draws,)) for x in xs], axis=-1)

    out: dict[str, dict[str, IssuePreference]] = {}
    for actor in sc.actors:
        if actor.id not in sc.preferences:
            continue
        p = sc.preferences[actor.id]
        weights = (
            val.order(p.weights)
            if isinstance(p.weights, Order)
            else {k: num(v) for k, v in p.weights.numbers().items()}
        )
        total = sum(weights.values())
        ideal = {k: num(v) for k, v in (p.ideal.numbers() if p.ideal else {}).items()}
        row: dict[str, IssuePreference] = {}
        for k, issue in enumerate(sc.issues):
            raw = weights.get(issue.id, 0.0)
            if np.all(np.asarray(raw) == 0.0):
                continue
            given = p.utilities.get(issue.id)
            cond: np.ndarray | None = None
            if isinstance(given, ConditionalUtility):
                other = next(i for i in sc.issues if i.id == given.given)
                cond = np.stack(
                    [_utility(given.values[g.id], issue, val, options, num) for g in other.options],
                    axis=-2,
                )
                u = cond.mean(axis=-2)
            elif given is not None:
                u = _utility(given, issue, val, options, num)
            else:
                u = 1.0 - np.abs(at[k] - np.asarray(ideal[issue.id])[..., None]) / 100.0
                u = u if draws is None else np.broadcast_to(u, (draws, len(issue.options)))
            if draws is None:
                weight: Any = raw / total if total > 0 else 0.0
            else:
                pos = np.asarray(total) > 0
                weight = np.broadcast_to(
                    np.where(pos, np.asarray(raw) / np.where(pos, total, 1.0), 0.0), (draws,)
                )
                raw = np.broadcast_to(raw, (draws,))
            row[issue.id] = IssuePreference(
                weight=weight,
                salience=raw,
                utility=u,
                ideal=ideal.get(issue.id),
                given=given.given if isinstance(given, ConditionalUtility) else None,
                conditional=cond,
            )
        out[actor.id] = row
    return out


def _utility(given: Order | UtilityMap, issue: Any, val: Values, options: Any, num: Any) -> Any:
    """Each option's utility as ``given`` writes them (an order: its values as ``val``
    resolves them), stacked by ``options``."""
    if isinstance(given, Order):
        by_option = val.order(given)
        return options([by_option[o.id] for o in issue.options])
    numbers = given.numbers()
    return options([num(numbers[o.id]) for o in issue.options])
