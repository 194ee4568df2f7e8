"""The SMP's Monte Carlo draws in lockstep (zopa.forecasting.smp_draws) against the SMP run
draw by draw (``SpatialModel.predict``, KTAB's turn loop in :func:`run_smp`, one draw at a
time): bit-identical forecast positions, on the reference scenario, KTAB's own samples
(tests/data/ktab, see the README there) and seeded random inputs over KTAB's model
parameters that the lockstep covers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zopa.forecasting import smp_draws
from zopa.forecasting.base import ForecastInput
from zopa.forecasting.registry import from_scenario
from zopa.forecasting.smp import (
    BIG_R_ADJUSTS,
    BIG_R_RANGES,
    INTER_VEC_BARGAINS,
    THIRD_PARTY_COMMITS,
    VICTORY_PROB_MODELS,
    VOTING_RULES,
    SmpParams,
    SpatialModel,
)
from zopa.io.ktab import read, to_forecast_input
from zopa.scenario.load import load_scenario
from zopa.studies.forecast_spread import forecast_spread

DATA = Path(__file__).parent / "data" / "ktab"


def _one_by_one(
    model: SpatialModel, pos: np.ndarray, sal: np.ndarray, cap: np.ndarray
) -> np.ndarray:
    """(draws, issues): ``model.predict`` of each draw alone (the reference path)."""
    n, k = pos.shape[1:]
    actors, issues = tuple(f"a{i}" for i in range(n)), tuple(f"k{i}" for i in range(k))
    return np.array(
        [
            model.predict(ForecastInput(actors, issues, pos[d], sal[d], cap[d])).position
            for d in range(len(pos))
        ]
    ).reshape(len(pos), k)


def test_reference_scenario_draws_equal_draw_by_draw() -> None:
    """``forecast_spread`` of the SMP on the reference scenario (60 jittered draws): the
    lockstep against ``by_draw=True``, the same positions and option shares, bit for bit."""
    inputs = from_scenario(load_scenario())
    model = SpatialModel()
    assert model.predict_draws is not None
    fast = forecast_spread(model, inputs, draws=60, seed=3)
    slow = forecast_spread(model, inputs, draws=60, seed=3, by_draw=True)
    assert np.array_equal(fast.positions, slow.positions, equal_nan=True)
    assert fast.option_share == slow.option_share


@pytest.mark.parametrize("name", ["SOE-Pol-Comp.csv", "dummyData_3Dim.csv"])
def test_ktab_samples_draws_equal_predict(name: str) -> None:
    """KTAB's samples (13 actors x 2 dims, and 3 dims), as one draw and jittered into 12
    draws with capabilities varying by draw: the lockstep equals ``predict`` of each."""
    inputs = to_forecast_input(read(DATA / name))
    model = SpatialModel()
    rng = np.random.default_rng(7)
    pos = np.clip(inputs.position + rng.normal(0, 4, (12, *inputs.position.shape)), 0, 100)
    pos[0] = inputs.position
    sal = inputs.salience * rng.lognormal(0, 0.1, (12, *inputs.salience.shape))
    sal[0] = inputs.salience
    cap = np.repeat(np.asarray(inputs.capability, dtype=float)[None], 12, axis=0)
    cap[6:] *= rng.integers(1, 3, cap[6:].shape)  # two groups of capability vectors
    got = model.predict_draws(pos, sal, cap)
    assert np.array_equal(got, _one_by_one(model, pos, sal, cap), equal_nan=True)
    assert np.array_equal(got[0], model.predict(inputs).position, equal_nan=True)


@st.composite
def cases(draw: st.DrawFn) -> tuple[SmpParams, np.ndarray, np.ndarray, np.ndarray]:
    """Random parameters the lockstep covers, and 2-6 actors x 1-4 dims x 1-8 draws (some
    positions absent, exact ties in positions and saliences, capabilities by draw)."""
    params = SmpParams(
        victory_prob=draw(st.sampled_from(VICTORY_PROB_MODELS)),
        voting_rule=draw(st.sampled_from([r for r in VOTING_RULES if r != "ASymProsp"])),
        big_r_adjust=draw(st.sampled_from(BIG_R_ADJUSTS)),
        big_r_range=draw(st.sampled_from(BIG_R_RANGES)),
        third_party_commit=draw(st.sampled_from(THIRD_PARTY_COMMITS)),
        inter_vec_bargain=draw(st.sampled_from(INTER_VEC_BARGAINS)),
    )
    n, k, d = draw(st.integers(2, 6)), draw(st.integers(1, 4)), draw(st.integers(1, 8))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    pos = (
        rng.integers(0, 5, (d, n, k)) * 25.0 if draw(st.booleans()) else rng.random((d, n, k)) * 100
    )
    pos[rng.random(pos.shape) < 0.1] = np.nan
    sal = np.round(rng.random((d, n, k)), 1)
    cap = rng.integers(1, 4, (d, n)).astype(float)
    if draw(st.booleans()):
        cap[:] = cap[0]
    return params, pos, sal, cap


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_random_draws_equal_predict(
    case: tuple[SmpParams, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """Seeded random inputs and parameters: the lockstep equals ``predict`` draw by draw."""
    params, pos, sal, cap = case
    model = SpatialModel(params, max_turns=30)
    got = model.predict_draws(pos, sal, cap)
    assert np.array_equal(got, _one_by_one(model, pos, sal, cap), equal_nan=True)


def test_blocks_of_draws_change_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reference scenario's draws in blocks of 3 (a small ``DRAW_ELEMENTS``) against
    one block: the same positions."""
    inputs = from_scenario(load_scenario())
    model = SpatialModel()
    whole = forecast_spread(model, inputs, draws=20, seed=5).positions
    n = len(inputs.actors)
    monkeypatch.setattr(smp_draws, "DRAW_ELEMENTS", 3 * n**3)
    assert np.array_equal(whole, forecast_spread(model, inputs, draws=20, seed=5).positions)


@pytest.mark.parametrize(
    "model",
    [
        SpatialModel(SmpParams(voting_rule="ASymProsp")),
        SpatialModel(SmpParams(state_transitions="Stochastic")),
        SpatialModel(SmpParams(pce="MarkovIncentive")),
        SpatialModel(accommodation=np.full((7, 7), 0.1)),
    ],
)
def test_models_the_lockstep_does_not_cover_run_draw_by_draw(model: SpatialModel) -> None:
    """Models outside the lockstep (see ``covers``) offer no ``predict_draws``: the spread
    runs them draw by draw, as with ``by_draw=True``."""
    assert model.predict_draws is None
    inputs = from_scenario(load_scenario())
    got = forecast_spread(model, inputs, draws=3, seed=2).positions
    want = forecast_spread(model, inputs, draws=3, seed=2, by_draw=True).positions
    assert np.array_equal(got, want, equal_nan=True)


def test_identity_accommodation_is_covered_and_one_actor_runs_alone() -> None:
    """An explicit identity accommodation is the default's; one actor (no SMP to run) and
    no issue go through ``predict``, with the same positions."""
    assert SpatialModel(accommodation=np.eye(4)).predict_draws is not None
    model = SpatialModel()
    pos, sal, cap = np.array([[[30.0, 70.0]]]), np.array([[[0.5, 0.5]]]), np.array([[2.0]])
    assert np.array_equal(model.predict_draws(pos, sal, cap), _one_by_one(model, pos, sal, cap))
    empty = model.predict_draws(np.zeros((2, 3, 0)), np.zeros((2, 3, 0)), np.ones((2, 3)))
    assert empty.shape == (2, 0)


def test_bad_inputs_are_refused_as_predict_refuses_them() -> None:
    """A position off the 0..100 scale or a negative capability: the same ValueError as
    ``predict`` raises."""
    model = SpatialModel()
    pos, sal, cap = np.full((2, 3, 2), 50.0), np.full((2, 3, 2), 0.3), np.ones((2, 3))
    bad = pos.copy()
    bad[1, 0, 0] = 120.0
    with pytest.raises(ValueError, match=r"0\.\.100"):
        model.predict_draws(bad, sal, cap)
    neg = cap.copy()
    neg[0, 1] = -1.0
    with pytest.raises(ValueError, match="capabilities"):
        model.predict_draws(pos, sal, neg)
