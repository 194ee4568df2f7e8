"""The registry of forecasting models, and a scenario's forecasting inputs.

:data:`MODELS` lists every model the command line, the forecast Monte Carlo and the
backtest offer, by name; a model's capabilities are attributes of its class (see
:class:`~zopa.forecasting.base.ForecastModel`), read through :func:`model_class` without
building the model. Modules are imported on first use.

:func:`from_scenario` reads a scenario's preferences (:mod:`zopa.scenario.preferences`)
into :class:`~zopa.forecasting.base.ForecastInput`: an actor's position on an issue is its
ideal, or else the place (``at``) of its best option there (the first best in file
order); its salience is its weight as written; an actor that does not weigh an issue
(no weight, or weight 0) takes no part in it. ``issues`` restricts the inputs to some
issues: ``zopa forecast`` leaves out those no actor can weigh
(:func:`weighable_issues`: say, the form of a deal that only the credibility model
values), which no model can forecast.
"""

from __future__ import annotations

from collections.abc import Collection
from importlib import import_module
from typing import Any

import numpy as np

from zopa.forecasting.base import ForecastInput, ForecastModel
from zopa.scenario.preferences import option_places, read_preferences
from zopa.scenario.schema import Order, Scenario
from zopa.scenario.values import Values

MODELS: dict[str, str] = {
    "compromise": "zopa.forecasting.compromise:CompromiseModel",
    "nash": "zopa.forecasting.nash:NashModel",
    "eum": "zopa.forecasting.eum:ExpectedUtility",
    "smp": "zopa.forecasting.smp:SpatialModel",
    "exchange": "zopa.forecasting.exchange:ExchangeModel",
}
"""Model name -> ``module:class`` of every registered forecasting model."""


def model_class(name: str) -> type[ForecastModel]:
    """The class of the registered model ``name`` (KeyError when there is none)."""
    module, cls = MODELS[name].split(":")
    found: type[ForecastModel] = getattr(import_module(module), cls)
    return found


def make_model(name: str, *, lean: bool = False, **params: Any) -> ForecastModel:
    """The registered model ``name`` with ``params`` (the others at their defaults).

    ``lean``: also pass the class's ``lean_params`` (skip work that the forecast positions
    do not need, e.g. EUM's move logs), as the Monte Carlo and the backtest do.
    """
    cls = model_class(name)
    kw = {**(cls.lean_params if lean else {}), **params}
    return cls(**kw)


def from_scenario(
    sc: Scenario, values: Values | None = None, issues: Collection[str] | None = None
) -> ForecastInput:
    """The forecasting inputs of a validated scenario (numbers at their base values, or as
    ``values`` resolves them), on every issue or on ``issues`` only; see the module
    docstring."""
    val = values if values is not None else Values(sc)
    prefs = read_preferences(sc, val)
    actors = [a for a in sc.actors if a.id in prefs]
    kept = [k for k, i in enumerate(sc.issues) if issues is None or i.id in issues]
    chosen = [sc.issues[k] for k in kept]
    n, k = len(actors), len(chosen)
    position = np.full((n, k), np.nan)
    salience = np.zeros((n, k))
    places = option_places(sc, val)
    at = [places[j] for j in kept]
    for a, actor in enumerate(actors):
        for j, issue in enumerate(chosen):
            pref = prefs[actor.id].get(issue.id)
            if pref is None or pref.salience <= 0:
                continue
            salience[a, j] = pref.salience
            if pref.ideal is not None:
                position[a, j] = pref.ideal
            else:
                position[a, j] = at[j][int(np.argmax(pref.utility))]
    return ForecastInput(
        actors=tuple(a.id for a in actors),
        issues=tuple(i.id for i in chosen),
        position=position,
        salience=salience,
        capability=np.array([val.scalar(a.capability) for a in actors]),
        options=tuple(tuple(o.id for o in i.options) for i in chosen),
        option_at=tuple(at),
        scenario=sc.id,
    )


def from_scenario_draws(
    sc: Scenario, values: Values, draws: int, issues: Collection[str] | None = None
) -> list[ForecastInput]:
    """:func:`from_scenario` for every draw of ``values`` at once (numbers and judgements
    set to arrays of ``draws`` draws, as a Monte Carlo block sets them): one reading of the
    preferences (:func:`~zopa.scenario.preferences.read_preferences` with ``draws``), the
    same inputs as reading each draw alone.

    Parameters
    ----------
    sc
        A validated scenario.
    values
        Its numbers, some of them arrays of ``draws`` draws.
    draws
        How many draws.
    issues
        As for :func:`from_scenario`.

    Returns
    -------
    list
        One :class:`~zopa.forecasting.base.ForecastInput` per draw.
    """
    prefs = read_preferences(sc, values, draws)
    actors = [a for a in sc.actors if a.id in prefs]
    kept = [k for k, i in enumerate(sc.issues) if issues is None or i.id in issues]
    chosen = [sc.issues[k] for k in kept]
    n, k = len(actors), len(chosen)
    position = np.full((draws, n, k), np.nan)
    salience = np.zeros((draws, n, k))
    at = [np.broadcast_to(np.array(np.broadcast_arrays(*[values(o.at) for o in i.options])).T,
                          (draws, len(i.options))) for i in chosen]  # fmt: skip
    every = np.arange(draws)
    for a, actor in enumerate(actors):
        for j, issue in enumerate(chosen):
            pref = prefs[actor.id].get(issue.id)
            if pref is None:
                continue
            sal = np.broadcast_to(np.asarray(pref.salience, dtype=float), (draws,))
            part = sal > 0
            salience[part, a, j] = sal[part]
            if pref.ideal is not None:
                x = np.broadcast_to(np.asarray(pref.ideal, dtype=float), (draws,))
            else:
                x = at[j][every, np.argmax(pref.utility, axis=-1)]
            position[part, a, j] = x[part]
    capability = np.stack(
        [np.broadcast_to(np.asarray(values(a.capability), dtype=float), (draws,)) for a in actors]
    )
    return [
        ForecastInput(
            actors=tuple(a.id for a in actors),
            issues=tuple(i.id for i in chosen),
            position=position[d],
            salience=salience[d],
            capability=capability[:, d].copy(),
            options=tuple(tuple(o.id for o in i.options) for i in chosen),
            option_at=tuple(np.array(t[d]) for t in at),
            scenario=sc.id,
        )
        for d in range(draws)
    ]


def weighable_issues(sc: Scenario) -> set[str]:
    """The issues some actor may weigh: named in a weight order, or given a weight that is
    not a plain 0 (an expression or a distribution may be positive in some draw)."""
    out: set[str] = set()
    for p in sc.preferences.values():
        if isinstance(p.weights, Order):
            out.update(p.weights.items())
            continue
        for issue, w in p.weights.numbers().items():
            if w.kind != "value" or float(w) != 0.0:
                out.add(issue)
    return out
