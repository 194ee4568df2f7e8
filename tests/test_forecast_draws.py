"""The vectorised Monte Carlo path of the exchange model against the draw-by-draw path."""

from __future__ import annotations

import numpy as np
import pytest

from zopa.forecasting import exchange
from zopa.forecasting.base import ForecastInput
from zopa.forecasting.exchange import ExchangeModel
from zopa.forecasting.registry import from_scenario
from zopa.scenario.load import load_scenario
from zopa.studies.forecast_spread import forecast_spread


def test_exchange_draws_match_draw_by_draw_on_reference() -> None:
    """``forecast_spread`` of the exchange model on the reference scenario (60 draws):
    ``predict_draws`` (all draws in lockstep) against ``by_draw=True`` (one ``predict`` per
    draw): bit-identical positions and option shares."""
    inputs = from_scenario(load_scenario())
    model = ExchangeModel()
    fast = forecast_spread(model, inputs, draws=60, seed=3)
    slow = forecast_spread(model, inputs, draws=60, seed=3, by_draw=True)
    assert np.array_equal(fast.positions, slow.positions, equal_nan=True)
    assert fast.option_share == slow.option_share
    # the shares by their definition: each finite draw's nearest option, counted
    for i, k in enumerate(inputs.issues):
        names = [inputs.nearest_option(i, float(x)) for x in fast.positions[:, i] if x == x]
        want = {o: round(names.count(o) / len(names), 4) for o in inputs.options[i] if o in names}
        assert fast.option_share[k] == want, k


def test_exchange_draws_match_predict_on_random_inputs() -> None:
    """Seeded random inputs (5 actors, 4 issues, some absent, capabilities varying per
    draw, some ties in saliences): ``ExchangeModel.predict_draws`` against
    ``ExchangeModel.predict`` draw by draw, bit-identical."""
    rng = np.random.default_rng(12345)
    n_draw, n_act, n_iss = 40, 5, 4
    pos = rng.integers(0, 5, (n_draw, n_act, n_iss)) * 25.0  # exact ties on purpose
    pos[rng.random(pos.shape) < 0.15] = np.nan
    sal = np.round(rng.random((n_draw, n_act, n_iss)), 1)
    cap = rng.integers(1, 4, (n_draw, n_act)).astype(float)
    model = ExchangeModel()
    got = model.predict_draws(pos, sal, cap)
    actors = tuple(f"a{i}" for i in range(n_act))
    issues = tuple(f"k{i}" for i in range(n_iss))
    for d in range(n_draw):
        one = ForecastInput(actors, issues, pos[d], sal[d], cap[d])
        want = model.predict(one).position
        assert np.array_equal(got[d], want, equal_nan=True), d


def test_exchange_draws_in_chunks_match(monkeypatch: pytest.MonkeyPatch) -> None:
    """``predict_draws`` in chunks of 7 draws (a small ``_BATCH_ELEMENTS``) against one
    chunk: bit-identical on the reference scenario's jittered draws (30)."""
    inputs = from_scenario(load_scenario())
    model = ExchangeModel()
    whole = forecast_spread(model, inputs, draws=30, seed=5).positions
    n, k = inputs.position.shape
    monkeypatch.setattr(exchange, "_BATCH_ELEMENTS", 7 * n * n * k * k)
    chunked = forecast_spread(model, inputs, draws=30, seed=5).positions
    assert np.array_equal(whole, chunked, equal_nan=True)
