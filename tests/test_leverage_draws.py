"""Leverage by draws equals leverage by full re-analysis (issue 12).

``zopa.studies.leverage.leverage`` evaluates each lever end as Monte Carlo evaluates a
draw: only the packages every decider's red lines allow, and the ends that move scalars
only (reservations, no-deal values, trust, spoilers' parameters, margins) as one block of
draws on the base space. The reference it is compared with here is ``method="scan"``:
the whole space compiled and re-analysed at every end by the chunked engine (the path
leverage had before). Every figure at every end, the ranking and what the headline
figures rest on must be the same JSON.

Scenarios: hypothesis-generated ones (tests/test_engine.py: unanimity and quota rules with
vetoes, the no-deal model with spoilers and credibility; tests/test_montecarlo.py: numbers
written as distributions, some in the utility tables) and the bundled fixtures.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_engine import model_scenarios, scenarios
from test_montecarlo import uncertain_scenarios

from zopa.scenario.load import load_scenario, validate
from zopa.scenario.yamlfile import Lines
from zopa.space.space import compile_space
from zopa.studies.leverage import _alike, lever_values, leverage, levers

DATA = Path(__file__).parent / "data"


def _both(sc: Any, actor: str) -> tuple[str, str]:
    a = leverage(sc, actor, threads=1).to_json()
    b = leverage(sc, actor, threads=1, method="scan").to_json()
    return json.dumps(a, sort_keys=True), json.dumps(b, sort_keys=True)


def _actors(sc: Any) -> list[str]:
    return list(compile_space(sc).actors)


@pytest.mark.parametrize("name", ["toy.yaml", "toy_nodeal.yaml", "ordinal.yaml", "sim_quota.yaml"])
def test_fixtures_by_draws_equal_the_full_scan(name: str) -> None:
    sc = load_scenario(DATA / name)
    for actor in _actors(sc):
        a, b = _both(sc, actor)
        assert a == b, (name, actor)


def test_two_threads_give_the_same_bytes() -> None:
    """The ends batched from both threads land at their own levers."""
    sc = load_scenario(DATA / "toy_nodeal.yaml")
    one = leverage(sc, "US", threads=1).to_json()
    two = leverage(sc, "US", threads=2).to_json()
    assert json.dumps(one) == json.dumps(two)


def test_scalar_ends_are_batched_and_table_ends_are_not() -> None:
    """toy_nodeal: a reservation's range moves a scalar only (batched on the base space);
    the test compares the classification with the compiled tables themselves."""
    sc = load_scenario(DATA / "toy_nodeal.yaml")
    base = compile_space(sc)
    kinds = {True: 0, False: 0}
    for lv in levers(sc):
        if lv.number is None:
            continue
        for e in (0, 1):
            kinds[_alike(compile_space(sc, lever_values(sc, lv, e)), base)] += 1
    assert kinds[True] > 0  # the batch is exercised


def _load(data: dict[str, Any]) -> Any:
    return validate(data, Lines(), "random.yaml")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(scenarios(max_issues=3, max_options=4), model_scenarios(),
                 uncertain_scenarios(), uncertain_scenarios(tables=True)))  # fmt: skip
def test_random_scenarios_by_draws_equal_the_full_scan(data: dict[str, Any]) -> None:
    sc = _load(data)
    for actor in _actors(sc)[:2]:
        a, b = _both(sc, actor)
        assert a == b, actor
