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


def test_the_smp_draws_over_two_workers_give_the_same_bytes() -> None:
    """``workers`` spreads the SMP's draw-by-draw runs over processes; the reference is one
    process (the jitter is drawn before, in draw order)."""
    sc = load_scenario(DATA / "toy_nodeal.yaml")
    one = zopa.forecast(sc, "smp", draws=24, seed=3).to_json()
    two = zopa.forecast(sc, "smp", draws=24, seed=3, workers=2).to_json()
    assert json.dumps(one, sort_keys=True) == json.dumps(two, sort_keys=True)
    assert one["models"]["smp"]["montecarlo"]["draws"] == 24
