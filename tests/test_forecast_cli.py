"""`zopa forecast`, `zopa import ...` and `zopa backtest` as a user runs them.

The toy forecast figures are SCENARIO.md's published ones (67.7419 / mid and
52.6316 / slow); Monte Carlo output must be byte-identical for the same seed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from zopa.forecast.compromise import CompromiseModel
from zopa.forecast.registry import from_scenario
from zopa.scenario.load import load_scenario
from zopa.studies.forecast_spread import montecarlo

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
        assert len(m["issues"]) == 11
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


def test_montecarlo_stacked_equals_draw_by_draw() -> None:
    """The stacked fast path (issue-wise models) equals running draw by draw."""
    inputs = from_scenario(load_scenario(DATA / "toy.yaml"))
    fast = montecarlo(CompromiseModel(), inputs, draws=20, seed=1)

    class Slow(CompromiseModel):
        name = "slow"

    slow = montecarlo(Slow(), inputs, draws=20, seed=1)
    np.testing.assert_allclose(fast.positions, slow.positions, rtol=1e-12)


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
