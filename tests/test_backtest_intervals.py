"""The backtest's honest uncertainty on DEU III: the cross-fit, the forecast intervals and
their coverage, the imputed saliences, and the declared candidate (snapping to a position).

Every figure is computed here from the DEU III fixture (tests/data/deu3), seeded."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from scipy.stats import binomtest

from zopa.forecasting.backtest import (
    CANDIDATE,
    COVERAGES,
    SNAP_GRID,
    ConstantModel,
    InputVariant,
    MedianModel,
    SnapModel,
    backtest,
    default_tuning,
)
from zopa.forecasting.base import Forecast, ForecastInput, ModelBase, finish
from zopa.forecasting.compromise import CompromiseModel, compromise
from zopa.forecasting.intervals import (
    Predictive,
    conformal_spread,
    scores,
    split_coverage,
    spread_inputs,
    wilson,
)
from zopa.io.deu import issue_mean_salience, read_deu3
from zopa.io.schemas import output_schema

DEU3 = Path(__file__).parent / "data" / "deu3" / "deu3.csv"
N_BOOT = 300


def models() -> dict[str, ModelBase]:
    return {
        "compromise": CompromiseModel(),
        "salience": CompromiseModel(capability_power=0.0),
        "median": MedianModel(),
        "midpoint": ConstantModel(),
    }


def tuning() -> dict[str, list]:
    grid = (0.5, 1.0, 1.5)
    return {
        "compromise_tuned": [
            CompromiseModel(capability_power=a, salience_power=b) for a in grid for b in grid
        ],
        CANDIDATE: default_tuning()[CANDIDATE],
    }


@pytest.fixture(scope="module")
def data():
    return read_deu3(DEU3)


@pytest.fixture(scope="module")
def zero():
    return read_deu3(DEU3, missing_salience="zero")


@pytest.fixture(scope="module")
def result(data, zero):
    variants = {"salience_zero": InputVariant("saliences read as 0", zero.proposals)}
    return backtest(models(), data.proposals, tune=tuning(), candidate=CANDIDATE,
                    variants=variants, n_boot=N_BOOT, seed=0)  # fmt: skip


# --- the forecast intervals ------------------------------------------------------------


@pytest.mark.xfail(
    strict=True,
    reason="measured: the spread tuned on the odd half covers 121/173 = 69.9% of the even "
    "half, outside 80 +- 5 (the even half is harder; see zopa.forecasting.intervals)",
)
def test_even_half_coverage_within_80_plus_minus_5(result):
    test = result.intervals.coverage["test"]
    assert (test.tuned_on, test.scored_on, test.n) == ("odd", "even", 173)
    assert abs(test.rate - 0.8) <= 0.05, str(test)


def test_even_half_coverage_is_the_measured_figure(result):
    """The figure the xfail above records, computed, with both of its intervals."""
    test = result.intervals.coverage["test"]
    assert test.n == 173 and test.rate == test.covered / test.n
    assert 0.6 < test.rate < 0.75
    assert test.low < test.rate < test.high
    assert test.wilson_low < test.rate < test.wilson_high


def test_crossfit_coverage_within_80_plus_minus_5(result):
    cov = result.intervals.coverage
    cross = cov["crossfit"]
    assert cross.n == 353
    assert abs(cross.rate - 0.8) <= 0.05, str(cross)
    # the pool of the two held-out folds, weighted by their counts
    assert cross.covered == cov["test"].covered + cov["reverse"].covered
    assert cross.n == cov["test"].n + cov["reverse"].n


def test_spread_gives_80_percent_in_sample(result):
    """Conformal tuning: the ceil(0.8 (n + 1))-th smallest score, so 145 of 180."""
    cal = result.intervals.coverage["calibration"]
    assert cal.n == 180
    assert cal.covered == math.ceil(0.8 * 181) == 145


def test_spread_is_tuned_on_the_odd_half_only(data):
    """Scramble the even half's outcomes: the odd-half spread and its in-sample coverage
    stay; the even-half coverage moves."""
    a = backtest({"compromise": CompromiseModel()}, data.proposals, ensemble=False, n_boot=50)
    rng = np.random.default_rng(0)
    scrambled = [
        p if p.prnrnmc % 2 else replace(p, outcome=rng.uniform(0, 100, len(p.outcome)))
        for p in data.proposals
    ]
    b = backtest({"compromise": CompromiseModel()}, scrambled, ensemble=False, n_boot=50)
    assert a.intervals.spread["odd"] == b.intervals.spread["odd"]
    assert a.intervals.coverage["calibration"] == b.intervals.coverage["calibration"]
    assert a.intervals.coverage["test"] != b.intervals.coverage["test"]


def test_per_issue_quantiles_match_the_coverage(result, data):
    iv = result.intervals
    y, calib = result.outcome, result.calibration
    ok = ~np.isnan(y)
    assert len(iv.q10) == len(result.issues) == 364
    assert np.all(iv.q10[ok] <= iv.centre[ok] + 1e-9) and np.all(iv.centre[ok] <= iv.q90[ok] + 1e-9)
    inside = (y >= iv.q10 - 1e-9) & (y <= iv.q90 + 1e-9)
    np.testing.assert_array_equal(iv.covered[ok] == 1.0, inside[ok])
    assert np.all(np.isnan(iv.covered[~ok]))
    assert int(inside[ok & ~calib].sum()) == iv.coverage["test"].covered
    assert int(inside[ok].sum()) == iv.coverage["crossfit"].covered
    # odd issues use the spread tuned on the even half, even issues the odd half's
    sigma, low, high = spread_inputs([p.inputs for p in data.proposals], iv.centre)
    spread = np.where(calib, iv.spread["even"], iv.spread["odd"])
    q10 = np.clip(iv.centre - 1.2815515655446004 * spread * sigma, low, high)
    np.testing.assert_allclose(iv.q10[ok], q10[ok], atol=1e-9)


def test_interval_design_by_hand():
    """sigma, the range, the score and the quantiles of one small issue, by hand."""
    inp = ForecastInput(
        actors=("a", "b", "c"),
        issues=("k",),
        position=np.array([[0.0], [60.0], [np.nan]]),
        salience=np.array([[1.0], [3.0], [0.0]]),
        capability=np.array([1.0, 1.0, 1.0]),
    )
    x = compromise(inp.position, inp.salience, inp.capability)  # 45
    assert x[0] == pytest.approx(45.0)
    sigma, low, high = spread_inputs([inp], x)
    assert sigma[0] == pytest.approx(math.sqrt((1 * 45**2 + 3 * 15**2) / 4))
    assert (low[0], high[0]) == (0.0, 60.0)
    z = 1.2815515655446004
    r = scores(np.array([30.0]), x, sigma, low, high)
    assert r[0] == pytest.approx(15 / (sigma[0] * z))
    assert np.isinf(scores(np.array([70.0]), x, sigma, low, high)[0])  # outside the range
    dist = Predictive(x, sigma, low, high, spread=np.array([r[0]]))
    q10, q90 = dist.interval(0.8)
    assert q10[0] == pytest.approx(30.0) and q90[0] == pytest.approx(60.0)  # clipped at U
    anchored, _, _ = spread_inputs([inp], x, anchors=("a",))
    assert anchored[0] == pytest.approx(math.sqrt(sigma[0] ** 2 + 45**2))


def test_predictive_draws_match_the_quantiles():
    rng = np.random.default_rng(3)
    centre = rng.uniform(20, 80, 5)
    dist = Predictive(centre, rng.uniform(5, 30, 5), centre - 40, centre + 25, np.full(5, 0.7))
    draws = dist.draws(40_000, seed=1)
    np.testing.assert_array_equal(draws, dist.draws(40_000, seed=1))
    assert draws.min() >= (centre - 40).min() and np.all(draws <= centre + 25)
    for tau in (0.1, 0.9):
        np.testing.assert_allclose(np.quantile(draws, tau, axis=0), dist.quantile(tau), atol=0.5)


def test_conformal_spread_rank():
    r = np.arange(1.0, 11.0)  # n = 10: ceil(0.8 * 11) = 9
    assert conformal_spread(r, 0.8) == 9.0
    assert conformal_spread(np.array([np.nan, 2.0, 1.0]), 0.8) == 2.0  # rank capped at n
    assert math.isnan(conformal_spread(np.array([np.nan]), 0.8))


def test_wilson_matches_scipy():
    for k, n in ((121, 173), (145, 180), (0, 10), (10, 10)):
        ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
        assert wilson(k, n, 0.95) == pytest.approx((ci.low, ci.high), abs=1e-9)


def test_random_splits(result):
    sc = result.intervals.split_check
    assert sc is not None and sc.splits == N_BOOT
    assert sc.mean == pytest.approx(0.8, abs=0.02)
    assert 0 < sc.sd < 0.1 and 0 <= sc.below_test < 0.1
    score = np.array([0.1, 0.5, 0.2, 0.9, 0.3, 0.4, 0.8, 0.6])
    unit = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    a = split_coverage(score, unit, n_splits=5, seed=4)
    np.testing.assert_array_equal(a, split_coverage(score, unit, n_splits=5, seed=4))
    assert a.shape == (5,) and np.all((a >= 0) & (a <= 1))


# --- the cross-fit ---------------------------------------------------------------------


def test_crossfit_is_the_count_weighted_mean_of_the_folds(result):
    for r in result.rows:
        n = r.test.n + r.reverse.n
        assert r.crossfit.n == n
        pooled = (r.test.n * r.test.mae + r.reverse.n * r.reverse.mae) / n
        assert r.crossfit.mae == pytest.approx(pooled, rel=1e-12), r.name
        assert r.crossfit.low < r.crossfit.mae < r.crossfit.high


def test_untuned_rows_crossfit_is_all_issues(result):
    for name in models():
        r = result.row(name)
        assert r.crossfit == r.all
        assert r.reverse == r.calibration
        assert r.params_reverse == r.params


def test_tuned_rows_use_the_other_halfs_choice(result, data):
    """Brute force: the family member best on the even half, scored on the odd half."""
    y = np.concatenate([p.outcome for p in data.proposals])
    odd = np.concatenate([np.full(len(p.outcome), p.prnrnmc % 2 == 1) for p in data.proposals])
    ok = ~np.isnan(y)
    cands = tuning()["compromise_tuned"]
    preds = [np.concatenate([m.predict(p.inputs).position for p in data.proposals]) for m in cands]
    mae = [np.mean(np.abs(p - y)[ok & ~odd]) for p in preds]
    best = int(np.argmin(mae))
    row = result.row("compromise_tuned")
    assert row.params_reverse == repr(cands[best])
    assert row.reverse.mae == pytest.approx(np.mean(np.abs(preds[best] - y)[ok & odd]))


def test_paired_crossfit_difference(result):
    ref = result.row("compromise")
    for r in result.rows:
        if r.name == "compromise":
            assert r.diff_crossfit is None
            continue
        assert r.diff_crossfit.mae == pytest.approx(r.crossfit.mae - ref.crossfit.mae)
    assert result.n_compared == len(result.rows) - 1
    assert set(result.beats_reference()) <= {r.name for r in result.rows}
    assert "median" not in result.beats_reference()
    text = result.summary()
    assert f"{result.n_compared} models were compared" in text and "Bonferroni" in text
    assert "cross-fit" in text


# --- missing saliences -----------------------------------------------------------------


def write(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "deu.csv"
    path.write_text("\n".join("\t".join(f'"{c}"' if c else "" for c in r) for r in rows) + "\n")
    return path


def test_missing_salience_is_the_issues_mean(tmp_path):
    header = ["prnrnmc", "isnrnmc", "prnr", "isnr", "pcom", "pde", "pfr", "pit",
              "scom", "sde", "sfr", "sit", "rp", "out"]  # fmt: skip
    rows = [
        header,
        ["", "", "", "", "4.1", "4.1", "2.8", "2.1", "", "", "", "", "", ""],
        # fr has a position but no salience; it has no position: its salience 90 is ignored
        ["1", "1", "d1", "d1i1", "100", "0", "50", "", "40", "80", "", "90", "0", "40"],
        # nobody's salience is given but fr's is missing: 0
        ["1", "2", "d1", "d1i2", "20", "", "30", "", "", "", "", "", "", "20"],
    ]
    path = write(tmp_path, rows)
    mean = read_deu3(path)
    p = mean.proposals[0]
    fr = p.inputs.actors.index("fr")
    assert p.inputs.salience[fr, 0] == pytest.approx((40 + 80) / 2)
    assert p.inputs.salience[fr, 1] == 0.0
    assert p.inputs.salience[p.inputs.actors.index("com"), 1] == 0.0  # given as missing too
    np.testing.assert_array_equal(p.salience_missing[fr], [True, True])
    zero = read_deu3(path, missing_salience="zero").proposals[0]
    assert zero.inputs.salience[fr, 0] == 0.0
    np.testing.assert_array_equal(zero.salience_missing, p.salience_missing)
    untouched = ~p.salience_missing
    np.testing.assert_array_equal(p.inputs.salience[untouched], zero.inputs.salience[untouched])
    with pytest.raises(ValueError, match="missing_salience"):
        read_deu3(path, missing_salience="median")


def test_issue_mean_salience():
    sal = np.array([[10.0, 5.0], [30.0, 0.0], [99.0, 7.0]])
    given = np.array([[True, False], [True, False], [False, False]])
    np.testing.assert_allclose(issue_mean_salience(sal, given), [20.0, 0.0])


def test_imputation_on_deu3_and_its_measured_effect(result, data, zero):
    n_missing = sum(int(p.salience_missing.sum()) for p in data.proposals)
    assert n_missing == 54
    changed = sum(
        int((a.inputs.salience != b.inputs.salience).sum())
        for a, b in zip(data.proposals, zero.proposals, strict=True)
    )
    assert 0 < changed <= n_missing
    v = result.variants["salience_zero"]
    y, odd = result.outcome, result.calibration
    ok = ~np.isnan(y)
    m = CompromiseModel()
    as_read = np.concatenate([m.predict(p.inputs).position for p in data.proposals])
    zeroed = np.concatenate([m.predict(p.inputs).position for p in zero.proposals])
    even = ok & ~odd
    effect = np.mean(np.abs(as_read - y)[even]) - np.mean(np.abs(zeroed - y)[even])
    assert v.diff_test.mae == pytest.approx(effect)
    assert v.diff_test.n == 173 and v.test.mae == pytest.approx(np.mean(np.abs(zeroed - y)[even]))
    assert -0.3 < v.diff_test.mae < 0  # measured: -0.17
    assert "saliences read as 0" in result.summary()


# --- the declared candidate ------------------------------------------------------------


def snap_brute_force(inputs: ForecastInput, distance: float) -> np.ndarray:
    x = compromise(inputs.position, inputs.salience, inputs.capability)
    out = x.copy()
    for k in range(len(inputs.issues)):
        positions = sorted(float(p) for p in inputs.position[:, k] if not np.isnan(p))
        if not positions:
            continue
        nearest = min(positions, key=lambda p: (abs(p - x[k]), p))  # the lower on ties
        if abs(nearest - x[k]) <= distance:
            out[k] = nearest
    return out


def test_snap_matches_brute_force():
    rng = np.random.default_rng(5)
    n, k = 7, 40
    pos = rng.choice([0.0, 10.0, 25.0, 40.0, 50.0, 75.0, 100.0], size=(n, k))
    pos[rng.random((n, k)) < 0.3] = np.nan
    pos[:, 0] = np.nan  # nobody present
    pos[:, 1] = [np.nan, 20.0, 40.0, np.nan, np.nan, np.nan, np.nan]  # a tie at 30
    sal = rng.uniform(0, 100, (n, k))
    sal[:, 1] = [0, 50, 50, 0, 0, 0, 0]
    sal = np.where(np.isnan(pos), 0.0, sal)
    cap = rng.uniform(0.1, 4, n)
    cap[2] = cap[1]  # issue 1: b and c weigh the same, the forecast is 30
    inp = ForecastInput(tuple("abcdefg"), tuple(f"i{j}" for j in range(k)), pos, sal, cap)
    for d in SNAP_GRID:
        got = SnapModel(d).predict(inp).position
        np.testing.assert_array_equal(got, snap_brute_force(inp, d))
    assert SnapModel(10).predict(inp).position[1] == 20.0  # the lower of 20 and 40
    assert SnapModel(9.9).predict(inp).position[1] == pytest.approx(30.0)
    assert np.isnan(SnapModel(100).predict(inp).position[0])
    np.testing.assert_array_equal(SnapModel(0).predict(inp).position, compromise(pos, sal, cap))


def test_candidate_is_reported_and_not_promoted(result):
    c = result.candidate
    assert c is not None and c.name == CANDIDATE
    row = result.row(CANDIDATE)
    assert c.diff_test == row.diff_test and c.diff_crossfit == row.diff_crossfit
    assert c.params.startswith("SnapModel(distance=")
    assert c.promoted == (c.diff_crossfit.high < 0)
    assert not c.promoted  # measured: -0.74 [-1.75, 0.30] cross-fit
    assert result.primary == "compromise"
    assert result.intervals.model == "compromise"
    assert f"declared candidate {CANDIDATE}" in result.summary()
    assert result.tuning_candidates[CANDIDATE] == len(SNAP_GRID)


class Oracle(ModelBase):
    """A model that knows the outcomes (to test promotion)."""

    name = "oracle"
    stacks_issues = True

    def __init__(self, table: dict[str, float] | None = None) -> None:
        self.table = table or {}

    def predict(self, inputs: ForecastInput) -> Forecast:
        out = np.array([self.table.get(f"{inputs.scenario}:{k}", 50.0) for k in inputs.issues])
        return finish(self.name, inputs, out)


def test_a_candidate_better_on_the_crossfit_is_promoted(data):
    table = {
        f"{p.inputs.scenario}:{k}": float(y)
        for p in data.proposals
        for k, y in zip(p.inputs.issues, p.outcome, strict=True)
        if not np.isnan(y)
    }
    cases = data.proposals[:60]
    res = backtest({"compromise": CompromiseModel()}, cases,
                   tune={"oracle": [Oracle(table), Oracle()]}, candidate="oracle",
                   ensemble=False, n_boot=50)  # fmt: skip
    assert res.candidate.promoted and res.primary == "oracle"
    assert res.intervals.model == "oracle"
    assert res.intervals.split_check is None  # a tuned primary: no random halvings
    assert res.to_json()["primary"] == "oracle"
    with pytest.raises(ValueError, match="candidate"):
        backtest({"compromise": CompromiseModel()}, cases, candidate="absent", n_boot=20)


# --- output ----------------------------------------------------------------------------


def test_json_is_strict_and_matches_the_schema(result):
    out = result.to_json()
    text = json.dumps(out, allow_nan=False)
    jsonschema.Draft202012Validator(output_schema("backtest")).validate(json.loads(text))
    assert out["primary"] == "compromise" and out["n_compared"] == len(out["rows"]) - 1
    assert set(out["intervals"]["coverage"]) == set(COVERAGES)
    assert len(out["forecasts"]) == 364
    first = out["forecasts"][0]
    assert set(first) == {"issue", "prnrnmc", "calibration", "outcome", "forecast", "q10",
                          "q90", "covered"}  # fmt: skip
    assert first["q10"] <= first["forecast"] <= first["q90"]
    no_outcome = [f for f in out["forecasts"] if f["outcome"] is None]
    assert len(no_outcome) == 11 and all(f["covered"] is None for f in no_outcome)
    assert (
        sum(bool(f["covered"]) for f in out["forecasts"])
        == out["intervals"]["coverage"]["crossfit"]["covered"]
    )
    for r in out["rows"]:
        assert {"crossfit", "reverse", "diff_crossfit", "params_reverse"} <= set(r)


def test_frames(result):
    frames = result.to_frames()
    f = frames["forecasts"]
    assert len(f) == 364 and list(f.columns[:3]) == ["issue", "prnrnmc", "calibration"]
    np.testing.assert_allclose(f["q90"].to_numpy(dtype=float), result.intervals.q90, atol=1e-4)
    cov = frames["coverage"]
    assert list(cov.figure) == list(COVERAGES)
    assert (
        cov.set_index("figure").loc["test", "covered"] == result.intervals.coverage["test"].covered
    )
    rows = frames["rows"]
    assert rows.loc[0, "crossfit.mae"] == result.rows[0].crossfit.mae
    assert "params_reverse" in rows.columns


def test_the_text_output(result, capsys):
    from zopa.cli.render import show_backtest

    show_backtest(result)
    out = capsys.readouterr().out
    for word in ("cross-fit", "forecast intervals of compromise", "121/173", "Wilson",
                 "Bonferroni", CANDIDATE, "saliences read as 0", "outside 80% +- 5"):  # fmt: skip
        assert word in out, word


def test_forecast_spread_runs_on_inputs_without_options(data):
    """The jitter Monte Carlo (the design the intervals replace) on a DEU proposal, whose
    inputs name no options: positions per draw, no option shares."""
    from zopa.studies.forecast_spread import forecast_spread

    spread = forecast_spread(CompromiseModel(), data.proposals[0].inputs, draws=50, seed=1)
    assert spread.positions.shape == (50, 4)
    assert spread.option_share == {k: {} for k in data.proposals[0].inputs.issues}
