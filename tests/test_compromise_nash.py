"""Tests of the closed-form forecasting models: compromise and Nash over positions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zopa.forecasting.base import ForecastInput
from zopa.forecasting.compromise import CompromiseModel, compromise
from zopa.forecasting.nash import NashModel, nash_solve


def toy() -> ForecastInput:
    """The toy scenario (tests/data/toy.yaml): A (capability 0.6) and B (0.4) on price and
    delivery."""
    return ForecastInput(
        actors=("A", "B"),
        issues=("price", "delivery"),
        position=np.array([[100.0, 0.0], [0.0, 100.0]]),
        salience=np.array([[0.7, 0.3], [0.5, 0.5]]),
        capability=np.array([0.6, 0.4]),
        options=(("low", "mid", "high"), ("fast", "slow")),
        option_at=(np.array([0.0, 50.0, 100.0]), np.array([0.0, 100.0])),
        scenario="toy",
    )


def single(position, salience, capability) -> ForecastInput:
    position = np.asarray(position, dtype=float).reshape(len(capability), -1)
    salience = np.asarray(salience, dtype=float).reshape(position.shape)
    return ForecastInput(
        actors=tuple(f"a{i}" for i in range(position.shape[0])),
        issues=tuple(f"k{j}" for j in range(position.shape[1])),
        position=position,
        salience=salience,
        capability=np.asarray(capability, dtype=float),
    )


# --- compromise ----------------------------------------------------------------------------


def test_compromise_toy_figures_and_json_contract():
    forecast = CompromiseModel().predict(toy())
    assert forecast.model == "compromise"
    assert forecast.to_json() == {
        "issues": {
            "price": {"position": 67.7419, "option": "mid"},
            "delivery": {"position": 52.6316, "option": "slow"},
        },
        "rounds": 0,
    }
    assert forecast.position[0] == pytest.approx((0.6 * 0.7 * 100) / (0.42 + 0.2))


def test_compromise_ignores_absent_actors_and_falls_back():
    position = np.array([[10.0, np.nan, 20.0, np.nan], [90.0, 40.0, 60.0, np.nan]])
    salience = np.array([[1.0, 0.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]])
    out = compromise(position, salience, np.array([1.0, 3.0]))
    assert out[0] == pytest.approx(70.0)  # (10 + 3 * 90) / 4
    assert out[1] == pytest.approx(40.0)  # only actor 2 is present
    assert out[2] == pytest.approx(40.0)  # all weights 0: plain mean of present positions
    assert np.isnan(out[3])  # nobody present


def test_compromise_powers():
    inp = single([[0.0], [100.0]], [[10.0], [40.0]], [4.0, 1.0])
    assert CompromiseModel().predict(inp).position[0] == pytest.approx(50.0)
    salience_only = CompromiseModel(capability_power=0.0).predict(inp).position[0]
    assert salience_only == pytest.approx(80.0)
    capability_only = CompromiseModel(salience_power=0.0).predict(inp).position[0]
    assert capability_only == pytest.approx(20.0)


def test_compromise_vectorised_matches_issue_by_issue():
    rng = np.random.default_rng(3)
    pos = rng.uniform(0, 100, (6, 5))
    pos[rng.random((6, 5)) < 0.3] = np.nan
    sal = np.where(np.isnan(pos), 0.0, rng.uniform(0, 100, (6, 5)))
    cap = rng.uniform(0.1, 5, 6)
    whole = compromise(pos, sal, cap)
    for k in range(5):
        assert compromise(pos[:, [k]], sal[:, [k]], cap)[0] == pytest.approx(whole[k], nan_ok=True)


@st.composite
def issue_inputs(draw, min_actors: int = 1):
    n = draw(st.integers(min_value=min_actors, max_value=7))
    k = draw(st.integers(min_value=1, max_value=4))
    value = st.floats(min_value=0, max_value=100, allow_nan=False)
    pos = np.array(draw(st.lists(value, min_size=n * k, max_size=n * k))).reshape(n, k)
    sal = np.array(
        draw(st.lists(st.floats(min_value=0.01, max_value=100), min_size=n * k, max_size=n * k))
    ).reshape(n, k)
    cap = np.array(draw(st.lists(st.floats(min_value=0.01, max_value=10), min_size=n, max_size=n)))
    return single(pos, sal, cap)


@settings(max_examples=60, deadline=None)
@given(issue_inputs())
def test_compromise_lies_within_positions(inp):
    out = CompromiseModel().predict(inp).position
    assert np.all(out >= inp.position.min(axis=0) - 1e-9)
    assert np.all(out <= inp.position.max(axis=0) + 1e-9)


@settings(max_examples=60, deadline=None)
@given(issue_inputs(), st.floats(min_value=0.01, max_value=1000), st.floats(0.01, 1000))
def test_compromise_scale_invariance(inp, salience_scale, capability_scale):
    base = CompromiseModel().predict(inp).position
    scaled = single(inp.position, inp.salience * salience_scale, inp.capability * capability_scale)
    np.testing.assert_allclose(CompromiseModel().predict(scaled).position, base, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(issue_inputs(), st.randoms(use_true_random=False))
def test_compromise_and_nash_permutation_invariance(inp, rnd):
    order = list(range(len(inp.actors)))
    rnd.shuffle(order)
    perm = single(inp.position[order], inp.salience[order], inp.capability[order])
    for model in (CompromiseModel(), NashModel(), NashModel(p=1.0)):
        np.testing.assert_allclose(
            model.predict(perm).position, model.predict(inp).position, atol=1e-7
        )


# --- Nash ----------------------------------------------------------------------------------


def brute_force_nash(x, s, c, p, d, weights="capability", grid_step=5e-4):
    """Literal objective sum_i w_i log(U_i(x) - U_i(d_i)), U_i = -s_i |x - x_i|^p, on a grid.

    ``d`` is each actor's disagreement point. Returns the grid argmax (None if no grid point
    gives every actor a positive gain) and the objective function.
    """
    w = c * s if weights == "capability_salience" else c
    grid = np.arange(0.0, 100.0 + grid_step / 2, grid_step)

    def objective(points):
        points = np.atleast_1d(points)
        gain = (
            -s[:, None] * np.abs(points - x[:, None]) ** p
            + s[:, None] * np.abs(d - x)[:, None] ** p
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            val = (w[:, None] * np.log(gain)).sum(axis=0)
        return np.where((gain > 0).all(axis=0), val, -np.inf)

    values = objective(grid)
    if not np.isfinite(values).any():
        return None, objective
    return grid[np.argmax(values)], objective


@pytest.mark.parametrize("p", [1.0, 1.5, 2.0, 3.0])
@pytest.mark.parametrize("weights", ["capability", "capability_salience"])
def test_nash_matches_brute_force_grid_worst_point(p, weights):
    rng = np.random.default_rng(int(p * 10) + len(weights))
    for _ in range(6):
        n = int(rng.integers(2, 8))
        x = (
            rng.choice([0.0, 25.0, 50.0, 100.0], n)
            if rng.random() < 0.3
            else rng.uniform(0, 100, n)
        )
        s = rng.uniform(0.05, 1.0, n)
        c = rng.uniform(0.05, 5.0, n)
        worst = np.where(x >= 50.0, 0.0, 100.0)
        expected, objective = brute_force_nash(x, s, c, p, worst, weights)
        got = NashModel(p=p, bargaining_power=weights).predict(single(x[:, None], s, c))
        solved = got.position[0]
        assert abs(solved - expected) < 0.01
        assert objective(solved)[0] >= objective(expected)[0] - 1e-9


@pytest.mark.parametrize("p", [1.0, 2.0])
def test_nash_matches_brute_force_grid_status_quo(p):
    rng = np.random.default_rng(11)
    seen_feasible = seen_infeasible = 0
    for _ in range(30):
        n = int(rng.integers(2, 5))
        sq = float(rng.uniform(0, 100))
        side = rng.random() < 0.5
        x = rng.uniform(sq, 100, n) if side else rng.uniform(0, 100, n)
        s = rng.uniform(0.05, 1.0, n)
        c = rng.uniform(0.05, 5.0, n)
        inp = single(x[:, None], s, c)
        got = NashModel(p=p, disagreement="status_quo", status_quo=np.array([sq])).predict(inp)
        expected, objective = brute_force_nash(x, s, c, p, np.full(n, sq))
        if expected is None:
            seen_infeasible += 1
            assert got.position[0] == pytest.approx(sq)
            assert got.details["no_agreement"] == ["k0"]
        else:
            seen_feasible += 1
            assert abs(got.position[0] - expected) < 0.01
            assert objective(got.position[0])[0] >= objective(expected)[0] - 1e-9
    assert seen_feasible and seen_infeasible


def test_nash_simple_cases():
    # Two equal actors at the ends: the midpoint. One actor: its position.
    assert NashModel().predict(single([[0.0], [100.0]], [1, 1], [1, 1])).position[0] == (
        pytest.approx(50.0)
    )
    assert NashModel().predict(single([[30.0]], [1], [2])).position[0] == pytest.approx(30.0)
    # Everyone at the same point.
    inp = single([[70.0], [70.0], [70.0]], [1, 2, 3], [1, 2, 3])
    assert NashModel().predict(inp).position[0] == pytest.approx(70.0)


def test_nash_toy_and_options():
    forecast = NashModel().predict(toy())
    assert forecast.model == "nash"
    assert forecast.rounds == 0
    # Symmetric problem: the two issues mirror each other with A's weight 0.6.
    assert forecast.position[0] + forecast.position[1] == pytest.approx(100.0)
    assert 50.0 < forecast.position[0] < 67.7419
    assert forecast.option[0] == "mid"


def test_nash_salience_cancels_with_capability_weights():
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 100, (5, 3))
    s = rng.uniform(0.1, 1, (5, 3))
    c = rng.uniform(0.1, 3, 5)
    a = NashModel().predict(single(x, s, c)).position
    b = NashModel().predict(single(x, s * rng.uniform(0.1, 10, (5, 3)), c)).position
    np.testing.assert_allclose(a, b, atol=1e-9)
    d = NashModel(bargaining_power="capability_salience").predict(single(x, s, c)).position
    assert not np.allclose(a, d)


def test_nash_status_quo_from_inputs_attribute_and_missing_status_quo():
    from zopa.io.deu import DeuInput

    inp = DeuInput(
        actors=("a", "b"),
        issues=("k0", "k1"),
        position=np.array([[60.0, 10.0], [80.0, 90.0]]),
        salience=np.ones((2, 2)),
        capability=np.ones(2),
        status_quo=np.array([20.0, np.nan]),
    )
    got = NashModel(disagreement="status_quo").predict(inp)
    worst = NashModel().predict(inp)
    assert got.position[1] == pytest.approx(worst.position[1])  # no status quo: worst point
    expected, _ = brute_force_nash(np.array([60.0, 80.0]), np.ones(2), np.ones(2), 2.0, 20.0)
    assert abs(got.position[0] - expected) < 0.01


def test_nash_absent_and_zero_salience_actors():
    position = np.array([[10.0, np.nan, 50.0], [90.0, 40.0, 20.0], [np.nan, np.nan, 80.0]])
    salience = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    out = NashModel().predict(single(position, salience, [1.0, 1.0, 1.0])).position
    assert out[0] == pytest.approx(50.0)
    assert out[1] == pytest.approx(40.0)
    assert out[2] == pytest.approx(50.0)  # no positive weight: plain mean of present


@settings(max_examples=60, deadline=None)
@given(issue_inputs(), st.sampled_from([1.0, 2.0, 3.0]))
def test_nash_lies_within_positions(inp, p):
    out = NashModel(p=p).predict(inp).position
    assert np.all(out >= inp.position.min(axis=0) - 1e-6)
    assert np.all(out <= inp.position.max(axis=0) + 1e-6)


def test_nash_solve_vectorised_matches_issue_by_issue():
    rng = np.random.default_rng(9)
    x = rng.uniform(0, 100, (5, 8))
    w = rng.uniform(0, 2, (5, 8))
    reach = np.maximum(x, 100 - x)
    whole, feasible = nash_solve(x, w, reach)
    assert feasible.all()
    for k in range(8):
        one, _ = nash_solve(x[:, [k]], w[:, [k]], reach[:, [k]])
        assert one[0] == pytest.approx(whole[k], abs=1e-9)


def test_nash_rejects_bad_parameters():
    with pytest.raises(ValueError):
        NashModel(p=0.5)
    with pytest.raises(ValueError):
        NashModel(disagreement="bogus")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        NashModel(bargaining_power="bogus")  # type: ignore[arg-type]
