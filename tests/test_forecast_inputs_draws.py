"""The forecasting inputs of many draws read at once equal each draw read alone (issue 12).

``zopa forecast --draws`` reads each draw's positions, saliences and capabilities from
the scenario with its drawn numbers and judgements.
:func:`zopa.forecasting.registry.from_scenario_draws` reads them for a whole block at once
(arrays of draws); the reference it is compared with is
:func:`~zopa.forecasting.registry.from_scenario` called draw by draw (the path before),
exactly, NaNs included.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import zopa
from zopa.forecasting.registry import from_scenario, from_scenario_draws, weighable_issues
from zopa.scenario.load import load_scenario
from zopa.scenario.numbers import draw_table
from zopa.scenario.values import Values

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("name", ["reference", "ordinal.yaml", "toy_nodeal.yaml", "toy.yaml"])
def test_inputs_of_a_block_equal_each_draw_alone(name: str) -> None:
    sc = zopa.reference() if name == "reference" else load_scenario(DATA / name)
    issues = from_scenario(sc, issues=weighable_issues(sc)).issues
    draws = 40
    t = draw_table(sc, draws, 7)
    setting = {id(n): t.x[:, j] for j, n in enumerate(t.nums)}
    judged = {id(j): v for j, v in zip(t.judged, t.jx, strict=True)}
    many = from_scenario_draws(sc, Values(sc, setting, set_judgements=judged), draws, issues)
    assert len(many) == draws
    for d in range(draws):
        alone = Values(sc, {id(n): float(t.x[d, j]) for j, n in enumerate(t.nums)},
                       set_judgements=t.setting(d))  # fmt: skip
        one = from_scenario(sc, alone, issues)
        got = many[d]
        assert got.actors == one.actors and got.issues == one.issues
        assert got.options == one.options
        pairs = [(got.position, one.position), (got.salience, one.salience),
                 (got.capability, one.capability)]  # fmt: skip
        pairs += list(zip(got.option_at, one.option_at, strict=True))
        for a, b in pairs:
            assert a.shape == b.shape and np.array_equal(a, b, equal_nan=True), d


def test_the_reference_draws_move_its_inputs() -> None:
    """The comparison above is not vacuous: the reference's draws differ between draws."""
    sc = zopa.reference()
    t = draw_table(sc, 5, 7)
    judged = {id(j): v for j, v in zip(t.judged, t.jx, strict=True)}
    setting = {id(n): t.x[:, j] for j, n in enumerate(t.nums)}
    many = from_scenario_draws(sc, Values(sc, setting, set_judgements=judged), 5)
    assert not np.array_equal(many[0].salience, many[1].salience)


@pytest.mark.parametrize("name", ["toy_nodeal.yaml", "reference"])
def test_every_model_s_draws_over_workers_give_the_same_bytes(name: str) -> None:
    """``workers`` spreads every model's draws over processes in contiguous shares (the
    vectorised paths, the SMP's lockstep and the stacked issues alike); the reference is
    one process (the jitter is drawn before, in draw order). 3 workers: uneven shares."""
    sc = zopa.reference() if name == "reference" else load_scenario(DATA / name)
    one = zopa.forecast(sc, "all", draws=25, seed=3).to_json()
    three = zopa.forecast(sc, "all", draws=25, seed=3, workers=3).to_json()
    assert json.dumps(one, sort_keys=True) == json.dumps(three, sort_keys=True)
    assert {m["montecarlo"]["draws"] for m in one["models"].values()} == {25}


@pytest.mark.parametrize("model", ["compromise", "nash", "eum", "smp", "exchange"])
def test_each_model_s_positions_over_workers_are_one_process_s(model: str) -> None:
    """Each model's draws (the reference scenario, 25 draws) over 3 processes: the
    positions of one process, draw by draw in draw order (the summary above would not see
    draws swapped)."""
    from zopa.forecasting.registry import make_model
    from zopa.studies.forecast_spread import forecast_spread

    inputs = from_scenario(zopa.reference())
    m = make_model(model, lean=True)
    one = forecast_spread(m, inputs, draws=25, seed=2).positions
    three = forecast_spread(m, inputs, draws=25, seed=2, workers=3).positions
    assert np.array_equal(one, three, equal_nan=True)
    assert not np.array_equal(one[0], one[1], equal_nan=True)  # the draws differ


def test_draw_by_draw_models_over_workers_give_the_same_positions() -> None:
    """A model run draw by draw (the SMP with KTAB's stochastic transitions, which the
    lockstep does not cover) over 2 processes: the positions of one process."""
    from zopa.forecasting.smp import SmpParams, SpatialModel
    from zopa.studies.forecast_spread import forecast_spread

    model = SpatialModel(SmpParams(state_transitions="Stochastic"), seed=4)
    assert model.predict_draws is None
    inputs = from_scenario(load_scenario(DATA / "toy_nodeal.yaml"))
    one = forecast_spread(model, inputs, draws=12, seed=1).positions
    two = forecast_spread(model, inputs, draws=12, seed=1, workers=2).positions
    assert np.array_equal(one, two, equal_nan=True)
