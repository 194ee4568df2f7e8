"""Scenario -> forecasting inputs, and the registry of forecasting models.

SCENARIO.md: an actor's position on an issue is its ``ideal``, or else the ``at`` of its
best option there (the first best in file order); its salience is its weight as written;
actors without preferences on an issue (no weight, or weight 0) take no part in it.
"""

from __future__ import annotations

from importlib import import_module

import numpy as np

from zopa.forecast.base import ForecastInput, ForecastModel
from zopa.scenario.schema import Scenario
from zopa.scenario.values import Values

MODELS = {
    "compromise": "zopa.forecast.compromise:CompromiseModel",
    "nash": "zopa.forecast.nash:NashModel",
    "eum": "zopa.forecast.eum:ExpectedUtility",
    "smp": "zopa.forecast.smp:SpatialModel",
    "exchange": "zopa.forecast.exchange:ExchangeModel",
}


def make_model(name: str) -> ForecastModel:
    """A forecasting model with its default parameters, by name (see :data:`MODELS`)."""
    module, cls = MODELS[name].split(":")
    model: ForecastModel = getattr(import_module(module), cls)()
    return model


def from_scenario(sc: Scenario, values: Values | None = None) -> ForecastInput:
    """The forecasting inputs of a validated scenario (numbers at their base values, or as
    ``values`` resolves them)."""
    num = (values if values is not None else Values(sc)).scalar
    actors = [a for a in sc.actors if a.id in sc.preferences]
    n, k = len(actors), len(sc.issues)
    position = np.full((n, k), np.nan)
    salience = np.zeros((n, k))
    at = [np.array([num(o.at) for o in i.options]) for i in sc.issues]
    for a, actor in enumerate(actors):
        p = sc.preferences[actor.id]
        weights = {i: num(w) for i, w in p.weights.numbers().items()}
        ideal = {i: num(v) for i, v in (p.ideal.numbers() if p.ideal else {}).items()}
        for j, issue in enumerate(sc.issues):
            w = weights.get(issue.id, 0.0)
            if w <= 0:
                continue
            salience[a, j] = w
            if issue.id in ideal:
                position[a, j] = ideal[issue.id]
            else:
                given = p.utilities[issue.id].numbers()
                u = np.array([num(given[o.id]) for o in issue.options])
                position[a, j] = at[j][int(np.argmax(u))]
    return ForecastInput(
        actors=tuple(a.id for a in actors),
        issues=tuple(i.id for i in sc.issues),
        position=position,
        salience=salience,
        capability=np.array([num(a.capability) for a in actors]),
        options=tuple(tuple(o.id for o in i.options) for i in sc.issues),
        option_at=tuple(at),
        scenario=sc.id,
    )
