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

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_engine import model_scenarios, scenarios
from test_montecarlo import uncertain_scenarios

import zopa
from zopa.scenario.load import load_scenario, validate
from zopa.scenario.yamlfile import Lines
from zopa.space.scalars import scalars
from zopa.space.space import compile_space
from zopa.studies.leverage import lever_values, leverage, levers, scalar_reads, table_numbers
from zopa.studies.montecarlo import tables_key

DATA = Path(__file__).parent / "data"


def _both(sc: Any, actor: str) -> tuple[str, str]:
    a = leverage(sc, actor, workers=1).to_json()
    b = leverage(sc, actor, workers=1, method="scan").to_json()
    return json.dumps(a, sort_keys=True), json.dumps(b, sort_keys=True)


def _actors(sc: Any) -> list[str]:
    return list(compile_space(sc).actors)


@pytest.mark.parametrize("name", ["toy.yaml", "toy_nodeal.yaml", "ordinal.yaml", "sim_quota.yaml"])
def test_fixtures_by_draws_equal_the_full_scan(name: str) -> None:
    sc = load_scenario(DATA / name)
    for actor in _actors(sc):
        a, b = _both(sc, actor)
        assert a == b, (name, actor)


@pytest.mark.parametrize("name", ["toy_nodeal.yaml", "ordinal.yaml"])
def test_two_workers_give_the_same_bytes(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ends compiled in worker processes (started whatever the cost: POOL_SECONDS 0)
    land at their own levers: the same JSON as one process."""
    import zopa.studies.leverage as lev

    sc = load_scenario(DATA / name)
    actor = _actors(sc)[0]
    one = leverage(sc, actor, workers=1).to_json()
    monkeypatch.setattr(lev, "POOL_SECONDS", 0.0)
    two = leverage(sc, actor, workers=2).to_json()
    assert json.dumps(one) == json.dumps(two)


def test_reference_leverage_in_workers_equals_one_process() -> None:
    """The reference scenario (its 46 table levers and 35 options cost more than
    POOL_SECONDS): two processes give the same JSON as one."""
    sc = zopa.reference()
    one = leverage(sc, "IRN", workers=1).to_json()
    two = leverage(sc, "IRN", workers=2).to_json()
    assert json.dumps(one) == json.dumps(two)


def _structure(space: Any) -> list[np.ndarray]:
    """Everything of a space but its scalars (which a draws axis carries)."""
    parts = [*tables_key(space), space.capability, space.veto, space.deciders,
             np.array([space.quota]), np.array(sorted(space.references.values()))]  # fmt: skip
    if space.deal is not None:
        parts += [space.deal.a_base, np.array([space.deal.credible])]
    return parts


def _alike(a: Any, b: Any) -> bool:
    x, y = _structure(a), _structure(b)
    return len(x) == len(y) and all(
        p.shape == q.shape and np.array_equal(p, q) for p, q in zip(x, y, strict=True)
    )


def _check_batched_numbers(sc: Any) -> int:
    """Every number lever leverage batches (not read by the compilation beyond the
    scalars: ``table_numbers``) compiles, at both ends, to the base space's tables, red
    lines, places, capabilities and deal model: the brute-force check of the shortcut.
    Returns how many ends were batched."""
    base = compile_space(sc)
    read = table_numbers(sc, base)
    batched = 0
    for lv in levers(sc):
        if lv.number is None or id(lv.number) in read:
            continue
        for e in (0, 1):
            assert _alike(compile_space(sc, lever_values(sc, lv, e)), base), (lv.name, e)
            batched += 1
    return batched


@pytest.mark.parametrize("name", ["reference", "toy_nodeal.yaml", "toy.yaml"])
def test_batched_numbers_move_scalars_only(name: str) -> None:
    sc = zopa.reference() if name == "reference" else load_scenario(DATA / name)
    batched = _check_batched_numbers(sc)
    if name != "toy.yaml":
        assert batched > 0  # the batch is exercised


def _check_kept_scalars(sc: Any) -> int:
    """Every number or judgement lever that ``scalar_reads`` leaves out (its ends compile
    with the base scalars) gives, at both ends, the very scalars evaluated afresh: the
    brute-force check of that shortcut. Returns how many ends kept the base scalars."""
    base = compile_space(sc)
    read = scalar_reads(sc, base)
    ids, dec = list(base.actors), [int(i) for i in base.deciders]
    kept = 0
    for lv in levers(sc):
        what = lv.number if lv.number is not None else lv.judgement
        if what is None or id(what) in read:
            continue
        for e in (0, 1):
            fresh = scalars(sc, lever_values(sc, lv, e), ids, dec)
            for f in dataclasses.fields(fresh):
                x, y = getattr(fresh, f.name), getattr(base.scalars, f.name)
                assert _same(x, y), (lv.name, e, f.name)
            kept += 1
    return kept


def _same(x: Any, y: Any) -> bool:
    """Equal values: arrays bit for bit (NaN equal to NaN), tuples item by item."""
    if isinstance(x, tuple) and isinstance(y, tuple):
        return len(x) == len(y) and all(_same(a, b) for a, b in zip(x, y, strict=True))
    if isinstance(x, np.ndarray) and isinstance(y, np.ndarray):
        nan = x.dtype.kind == "f" and y.dtype.kind == "f"
        return x.shape == y.shape and bool(np.array_equal(x, y, equal_nan=nan))
    return bool(x == y)


@pytest.mark.parametrize(
    ("name", "exercised"), [("reference", True), ("ordinal.yaml", True), ("toy_nodeal.yaml", False)]
)
def test_ends_off_the_scalars_keep_the_base_scalars(name: str, exercised: bool) -> None:
    sc = zopa.reference() if name == "reference" else load_scenario(DATA / name)
    assert (_check_kept_scalars(sc) > 0) == exercised


def test_a_parameter_read_by_a_utility_is_not_batched() -> None:
    """The reference's parameters feed utilities through expressions: they are read."""
    sc = zopa.reference()
    read = table_numbers(sc, compile_space(sc))
    params = [n for k, n in sc.parameters.items() if k in ("oil_discount", "us_margin")]
    assert params and all(id(n) in read for n in params)


def _load(data: dict[str, Any]) -> Any:
    return validate(data, Lines(), "random.yaml")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(scenarios(max_issues=3, max_options=4), model_scenarios(),
                 uncertain_scenarios(), uncertain_scenarios(tables=True)))  # fmt: skip
def test_random_scenarios_by_draws_equal_the_full_scan(data: dict[str, Any]) -> None:
    sc = _load(data)
    _check_batched_numbers(sc)
    _check_kept_scalars(sc)
    for actor in _actors(sc)[:2]:
        a, b = _both(sc, actor)
        assert a == b, actor
