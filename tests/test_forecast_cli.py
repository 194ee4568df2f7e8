"""`zopa forecast`, `zopa import ...` and `zopa backtest` as a user runs them, and the
registry of forecasting models behind them.

The toy forecast figures are the compromise model's closed form (Achen 2006) on the toy
scenario (67.7419 / mid and 52.6316 / slow); Monte Carlo output must be byte-identical for
the same seed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from zopa.forecasting.base import ForecastInput, describe
from zopa.forecasting.compromise import CompromiseModel
from zopa.forecasting.registry import MODELS, from_scenario, make_model, model_class
from zopa.scenario.load import load_scenario
from zopa.studies.forecast_spread import forecast_spread

DATA = Path(__file__).parent / "data"


def zopa(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zopa.cli.main", *args], capture_output=True, text=True, timeout=300
    )


def test_forecast_toy_contract() -> None:
    r = zopa("forecast", str(DATA / "toy.yaml"), "--model", "compromise", "--json")
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    assert j["scenario"] == "toy"
    issues = j["models"]["compromise"]["issues"]
    assert issues["price"] == {"position": 67.7419, "option": "mid"}
    assert issues["delivery"] == {"position": 52.6316, "option": "slow"}
    assert j["models"]["compromise"]["rounds"] == 0
    assert j["agreement_nash"] == {"price": "high", "delivery": "slow"}


def test_forecast_all_models_on_reference() -> None:
    r = zopa("forecast", "--json")
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    assert set(j["models"]) == {"compromise", "nash", "eum", "smp", "exchange"}
    for m in j["models"].values():
        # every issue but the form of the deal, which no actor weighs (only the
        # credibility model values it): no model can forecast it
        assert len(m["issues"]) == 10 and "form" not in m["issues"]
        for v in m["issues"].values():
            assert 0 <= v["position"] <= 100 and v["option"]


def test_forecast_montecarlo_same_seed_same_bytes() -> None:
    args = ("forecast", str(DATA / "toy.yaml"), "-m", "eum", "--draws", "50", "--seed", "3")
    a, b = zopa(*args, "--json"), zopa(*args, "--json")
    assert a.returncode == 0, a.stderr
    assert a.stdout == b.stdout
    mc = json.loads(a.stdout)["models"]["eum"]["montecarlo"]
    assert mc["draws"] == 50 and set(mc["issues"]) == {"price", "delivery"}
    c = zopa(
        "forecast", str(DATA / "toy.yaml"), "-m", "eum", "--draws", "50", "--seed", "4", "--json"
    )
    assert c.stdout != a.stdout


def test_registry_names_and_capabilities() -> None:
    """Every registered class carries its registry name and declares its capabilities."""
    for name in MODELS:
        cls = model_class(name)
        assert cls.name == name
        assert isinstance(cls.stacks_issues, bool) and isinstance(cls.has_trajectory, bool)
        model = make_model(name)
        params = model.get_params()
        assert "name" not in params
        assert describe(type(model)(**params)) == describe(model) == repr(model)
    stacking = {n for n in MODELS if model_class(n).stacks_issues}
    iterative = {n for n in MODELS if model_class(n).has_trajectory}
    assert stacking == {"compromise", "nash", "eum"}
    assert iterative == {"eum", "smp", "exchange"}
    assert make_model("eum").get_params()["keep_moves"] is True
    assert make_model("eum", lean=True).get_params()["keep_moves"] is False
    assert make_model("compromise", capability_power=0.5).get_params() == {
        "capability_power": 0.5,
        "salience_power": 1.0,
    }
    with pytest.raises(KeyError):
        model_class("oracle")


def test_one_reader_of_preferences() -> None:
    """The outcome space and the forecasting inputs read the same preferences."""
    from zopa.scenario.preferences import read_preferences
    from zopa.space.space import compile_space

    sc = load_scenario(DATA / "toy.yaml")
    prefs = read_preferences(sc)
    assert list(prefs) == ["A", "B"] and list(prefs["B"]) == ["price", "delivery"]
    a, b = prefs["A"]["price"], prefs["B"]["price"]
    assert (a.weight, a.salience, a.ideal) == (0.7, 0.7, None)
    assert a.utility.tolist() == [0.0, 0.6, 1.0]
    assert (b.weight, b.salience, b.ideal) == (0.5, 0.5, 0.0)
    assert b.utility.tolist() == [1.0, 0.5, 0.0]  # 1 - |at - ideal| / 100
    space, inputs = compile_space(sc), from_scenario(sc)
    for k, issue in enumerate(space.issues):
        for i, actor in enumerate(space.actors):
            p = prefs[actor][issue]
            np.testing.assert_array_equal(space.tables[k][i], p.weight * p.utility)
            assert inputs.salience[i, k] == p.salience
    assert inputs.position[:, 0].tolist() == [100.0, 0.0]  # A's best option, B's ideal


def test_trajectory_exactly_when_declared() -> None:
    inputs = from_scenario(load_scenario(DATA / "toy.yaml"))
    for name in MODELS:
        f = make_model(name).predict(inputs)
        assert f.model == name
        assert (f.trajectory is not None) == model_class(name).has_trajectory, name
        if f.trajectory is not None:
            assert f.trajectory.shape == (f.rounds + 1, len(inputs.actors), len(inputs.issues))


class _Counting:
    """Counts ``predict`` calls (mixed into a model class below)."""

    calls = 0

    def predict(self, inputs: ForecastInput):  # type: ignore[no-untyped-def]
        type(self).calls += 1
        return super().predict(inputs)  # type: ignore[misc]


@pytest.mark.parametrize("name", [n for n in MODELS if model_class(n).stacks_issues])
def test_stacked_path_equals_draw_by_draw(name: str) -> None:
    """The stacked path (one ``predict`` over all draws) gives the draw-by-draw positions.

    The slow copy of the model declares ``stacks_issues = False``, so it really runs one
    ``predict`` per draw; the scenario's own distribution (B's ideal price) moves the inputs
    of every draw on top of the jitter."""
    from zopa.scenario.load import validate
    from zopa.scenario.numbers import draw_table
    from zopa.scenario.values import Values
    from zopa.scenario.yamlfile import read_yaml

    data, lines = read_yaml(DATA / "toy.yaml")
    data["preferences"]["B"]["ideal"]["price"] = {"uniform": [0, 40]}
    sc = validate(data, lines, "toy")
    inputs = from_scenario(sc)
    draws = 25
    t = draw_table(sc, draws, 1)
    nums, x = t.nums, t.x
    (j,) = [j for j, n in enumerate(nums) if n.uncertain]
    variants = [from_scenario(sc, Values(sc, {id(nums[j]): float(x[d, j])})) for d in range(draws)]
    cls = model_class(name)
    fast_cls = type("Fast", (_Counting, cls), {"calls": 0})
    slow_cls = type("Slow", (_Counting, cls), {"calls": 0, "stacks_issues": False})
    for variant in (None, variants):
        fast_cls.calls = slow_cls.calls = 0
        fast = forecast_spread(fast_cls(), inputs, draws=draws, seed=1, variants=variant)
        slow = forecast_spread(slow_cls(), inputs, draws=draws, seed=1, variants=variant)
        assert (fast_cls.calls, slow_cls.calls) == (1, draws)
        assert np.isfinite(fast.positions).all()
        assert np.unique(fast.positions[:, 0]).size > draws // 2  # the draws differ
        np.testing.assert_allclose(fast.positions, slow.positions, rtol=1e-12, atol=1e-9)
        assert fast.option_share == slow.option_share


def test_compromise_subclass_keeps_its_capabilities() -> None:
    class Slow(CompromiseModel):
        stacks_issues = False

    assert Slow().stacks_issues is False and CompromiseModel().stacks_issues is True
    assert Slow.name == "compromise" and Slow().get_params() == CompromiseModel().get_params()


def test_forecast_report_frames() -> None:
    from zopa.studies.forecasts import run_forecasts

    sc = load_scenario(DATA / "toy.yaml")
    rep = run_forecasts(sc, ["compromise", "eum"])
    frames = rep.to_frames()
    pos = frames["positions"]
    assert list(pos.columns) == ["model", "issue", "position", "option"]
    assert len(pos) == 2 * 2
    row = pos[(pos.model == "compromise") & (pos.issue == "price")].iloc[0]
    assert row.position == pytest.approx(67.7419, abs=1e-4) and row.option == "mid"
    traj = frames["trajectories"]
    assert list(traj.columns) == ["model", "round", "issue", "position.A", "position.B"]
    assert set(traj.model) == {"eum"}
    assert len(traj) == (rep.forecasts["eum"].rounds + 1) * 2
    closed = run_forecasts(sc, ["compromise"], draws=20, seed=3).to_frames()
    assert closed["trajectories"].empty
    assert list(closed["trajectories"].columns) == list(traj.columns)
    spread = closed["positions"]
    assert list(spread.columns) == [
        "model", "issue", "position", "option", "mean", "sd", "p05", "p50", "p95",
    ]  # fmt: skip
    assert spread.p05.le(spread.p95).all()


def test_forecast_unknown_model_is_a_usage_error() -> None:
    r = zopa("forecast", "--model", "oracle")
    assert r.returncode == 2 and "unknown model" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize(
    ("kind", "src", "zone"),
    [
        ("deliberation", DATA / "llm_deliberation" / "base", 55),
        ("genius", DATA / "anac" / "Laptop", 27),
    ],
)
def test_import_then_analyze(tmp_path: Path, kind: str, src: Path, zone: int) -> None:
    out = tmp_path / "s.yaml"
    r = zopa("import", kind, str(src), "-o", str(out))
    assert r.returncode == 0, r.stderr
    r = zopa("analyze", str(out), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["agreement_zone"]["size"] == zone


def test_import_ktab_then_forecast(tmp_path: Path) -> None:
    out = tmp_path / "k.yaml"
    r = zopa("import", "ktab", str(DATA / "ktab" / "dummyData_3Dim.csv"), "-o", str(out))
    assert r.returncode == 0, r.stderr
    r = zopa("forecast", str(out), "-m", "compromise", "--json")
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)["models"]["compromise"]["issues"]) == 3


def test_import_errors_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("name,desc,2,1\nActor,Desc,Cap,Pos,Sal\nA,a,10,50,40\nB,b,x,20,40\n")
    r = zopa("import", "ktab", str(bad), "-o", str(tmp_path / "o.yaml"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"{bad}:4:")
    assert not (tmp_path / "o.yaml").exists()
    r = zopa("import", "genius", str(tmp_path / "missing"), "-o", str(tmp_path / "o.yaml"))
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_backtest_deu_cli() -> None:
    r = zopa("backtest", "deu", str(DATA / "deu3" / "deu3.csv"), "--boot", "200", "--json")
    assert r.returncode == 0, r.stderr
    text = r.stdout
    for model in ("compromise", "eum", "smp", "exchange", "ensemble"):
        assert f'"{model}"' in text, model


def test_forecast_montecarlo_draws_the_scenarios_distributions() -> None:
    """B's ideal price ~ U[0, 40], no jitter: the compromise forecast is linear in it, so its
    mean is the closed form at the mean ideal 20: (0.42 * 100 + 0.2 * 20) / 0.62 = 74.19."""
    from zopa.scenario.load import validate
    from zopa.scenario.yamlfile import read_yaml
    from zopa.studies.forecasts import run_forecasts

    data, lines = read_yaml(DATA / "toy.yaml")
    data["preferences"]["B"]["ideal"]["price"] = {"uniform": [0, 40]}
    sc = validate(data, lines, "toy")
    rep = run_forecasts(sc, ["compromise"], draws=4000, seed=2, position_sd=0, salience_sd=0)
    price = rep.spreads["compromise"].positions[:, 0]
    assert price.mean() == pytest.approx((42 + 4) / 0.62, abs=0.2)
    assert price.min() >= 42 / 0.62 - 1e-9 and price.max() <= (42 + 8) / 0.62 + 1e-9
