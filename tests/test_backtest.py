"""Tests of the DEU III reader and the backtest of forecasting models."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from zopa.errors import InputError
from zopa.forecasting.backtest import (
    ActorModel,
    ConstantModel,
    MedianModel,
    backtest,
    default_models,
    fit_convex_l1,
)
from zopa.forecasting.compromise import CompromiseModel
from zopa.forecasting.eum import ExpectedUtility
from zopa.forecasting.nash import NashModel
from zopa.io.deu import CAPABILITIES, DeuInput, read_deu3

DEU3 = Path(__file__).parent / "data" / "deu3" / "deu3.csv"


@pytest.fixture(scope="module")
def data():
    return read_deu3(DEU3)


@pytest.fixture(scope="module")
def baselines(data):
    models = {
        "compromise": CompromiseModel(),
        "salience": CompromiseModel(capability_power=0.0),
        "median": MedianModel(),
        "commission": ActorModel("com"),
    }
    return backtest(models, data.proposals, ensemble=False, n_boot=300)


# --- reader --------------------------------------------------------------------------------


def test_reader_counts_and_identifiers(data):
    assert len(data.proposals) == 141
    assert data.n_issues == 364
    assert data.n_outcomes == 353
    assert len(data.actors) == 30
    assert data.actors[:3] == ("com", "ep", "at")
    assert set(data.capabilities) == set(CAPABILITIES)
    gdp = dict(zip(data.actors, data.capabilities["gdp"], strict=True))
    assert gdp["de"] == pytest.approx(4.1)
    assert gdp["com"] == pytest.approx(4.1)
    assert gdp["mt"] == pytest.approx(0.02)
    first = data.proposals[0]
    assert first.prnrnmc == 1
    assert first.prnr == "d00032"
    assert first.isnrnmc == (1, 2, 3, 4)
    assert first.isnr == ("d00032i1", "d00032i2", "d00032i3", "d00032i4")
    assert first.lines == (3, 4, 5, 6)
    assert first.meta["counvte"] == "QMV"
    assert isinstance(first.inputs, DeuInput)
    np.testing.assert_array_equal(first.outcome, [100.0, 0.0, 100.0, 50.0])
    assert np.isnan(first.status_quo[1])
    assert first.inputs.status_quo is first.status_quo


def test_reader_missing_values_are_absent(data):
    first = data.proposals[0]
    inp = first.inputs
    # Only actors with a position somewhere in the proposal are kept (EU-15 in 2000).
    assert "pl" not in inp.actors and "de" in inp.actors
    assert inp.position[inp.actors.index("dk"), 0] == 100.0
    assert inp.position[inp.actors.index("de"), 0] == 0.0
    # Proposal 2: Ireland has no position on its first issue, one on the second.
    buses = data.proposals[1].inputs
    assert np.isnan(buses.position[buses.actors.index("ie"), 0])
    assert buses.salience[buses.actors.index("ie"), 0] == 0.0
    assert buses.position[buses.actors.index("ie"), 1] == 0.0
    assert int(sum(p.salience_missing.sum() for p in data.proposals)) == 54
    for p in data.proposals:
        assert np.all(p.inputs.salience[np.isnan(p.inputs.position)] == 0.0)
        assert np.all(p.inputs.capability > 0)
    all_actors = read_deu3(DEU3, keep_absent_actors=True, capability="equal")
    assert all(len(p.inputs.actors) == 30 for p in all_actors.proposals)
    assert np.all(all_actors.proposals[0].inputs.capability == 1.0)


HEADER = ["prnrnmc", "isnrnmc", "prnr", "isnr", "pcom", "pde", "scom", "sde", "rp", "out"]


def write(tmp_path: Path, rows: list[list[str]], name: str = "deu.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join("\t".join(f'"{c}"' if c else "" for c in r) for r in rows) + "\n")
    return path


def good_rows() -> list[list[str]]:
    return [
        list(HEADER),
        ["", "", "", "", "4.1", "4.1", "", "", "", ""],
        ["1", "1", "d1", "d1i1", "100", "0", "50", "80", "0", "40"],
        ["1", "2", "d1", "d1i2", "20", "", "90", "", "", ""],
        ["2", "3", "d2", "d2i1", "0", "100", "10", "10", "50", "60"],
    ]


def test_reader_small_valid_file(tmp_path):
    d = read_deu3(write(tmp_path, good_rows()))
    assert d.actors == ("com", "de")
    assert [p.prnrnmc for p in d.proposals] == [1, 2]
    p1 = d.proposals[0]
    assert p1.inputs.issues == ("d1i1", "d1i2")
    np.testing.assert_array_equal(p1.outcome, [40.0, np.nan])
    assert CompromiseModel().predict(p1.inputs).position[0] == pytest.approx(
        (50 * 100 + 80 * 0) / 130
    )


@pytest.mark.parametrize(
    ("edit", "line", "field", "text"),
    [
        (lambda r: r[2].__setitem__(4, "high"), 3, "pcom", "expected a number"),
        (lambda r: r[3].__setitem__(6, "120"), 4, "scom", "outside 0..100"),
        (lambda r: r[4].__setitem__(9, "-5"), 5, "out", "outside 0..100"),
        (lambda r: r[4].__setitem__(0, "two"), 5, "prnrnmc", "proposal number"),
        (lambda r: r[4].__setitem__(1, "1"), 5, "isnrnmc", "already on line 3"),
        (lambda r: r[3].__setitem__(2, "d9"), 4, "prnr", "differs"),
        (lambda r: r[1].__setitem__(5, ""), 2, "pde", "missing capability"),
        (lambda r: r[1].__setitem__(5, "0"), 2, "pde", "must be > 0"),
        (lambda r: r[1].__setitem__(0, "7"), 2, "prnrnmc", "GDP capability line"),
        (lambda r: r[3].pop(), 4, "", "expected 10 fields, found 9"),
        (lambda r: r[0].__setitem__(9, "outcome"), 1, "out", "missing column"),
        (lambda r: r[0].__setitem__(8, "pcom"), 1, "pcom", "duplicate column"),
    ],
)
def test_reader_errors_name_file_line_and_field(tmp_path, edit, line, field, text):
    rows = good_rows()
    edit(rows)
    path = write(tmp_path, rows)
    with pytest.raises(InputError) as info:
        read_deu3(path)
    problems = info.value.problems
    assert any(
        p.file == str(path) and p.line == line and p.field == field and text in p.message
        for p in problems
    ), [str(p) for p in problems]
    assert f"{path}:{line}:" in str(info.value)


def test_reader_reports_every_problem(tmp_path):
    rows = good_rows()
    rows[2][4] = "x"
    rows[4][7] = "y"
    with pytest.raises(InputError) as info:
        read_deu3(write(tmp_path, rows))
    assert [(p.line, p.field) for p in info.value.problems] == [(3, "pcom"), (5, "sde")]


def test_reader_file_level_errors(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_deu3(tmp_path / "absent.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputError, match="empty file"):
        read_deu3(empty)
    binary = tmp_path / "latin.csv"
    binary.write_bytes(b'"prnrnmc"\n\xff\xfe\n')
    with pytest.raises(InputError, match=r"latin\.csv:2: not UTF-8"):
        read_deu3(binary)
    no_actors = write(tmp_path, [["prnrnmc", "isnrnmc", "out"], ["", "", ""]], "noact.csv")
    with pytest.raises(InputError, match="no actor columns"):
        read_deu3(no_actors)
    header_only = write(tmp_path, good_rows()[:2], "header.csv")
    with pytest.raises(InputError, match="no issues"):
        read_deu3(header_only)
    with pytest.raises(ValueError):
        read_deu3(DEU3, capability="votes")


# --- backtest ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "published", "n"),
    [("compromise", 23.2, 353), ("salience", 23.7, 353), ("median", 29.0, 353)],
)
def test_published_mae_on_all_issues(baselines, name, published, n):
    row = baselines.row(name)
    assert row.all.n == n
    assert row.all.mae == pytest.approx(published, abs=0.2)
    assert row.all.low < row.all.mae < row.all.high


def test_published_mae_commission(baselines):
    row = baselines.row("commission")
    assert row.all.mae == pytest.approx(37.7, abs=0.2)
    assert row.all.n == 348  # the Commission has no position on 5 issues


def test_split_sizes(baselines):
    assert baselines.n_issues == {"all": 353, "calibration": 180, "test": 173}
    assert baselines.n_proposals == {"all": 137, "calibration": 68, "test": 69}
    row = baselines.row("compromise")
    assert (row.calibration.n, row.test.n) == (180, 173)


def test_paired_difference_and_reference(baselines):
    assert baselines.row("compromise").diff_test is None
    diff = baselines.row("median").diff_test
    assert diff is not None
    assert diff.mae == pytest.approx(
        baselines.row("median").test.mae - baselines.row("compromise").test.mae
    )
    assert diff.low > 0  # the median is clearly worse than compromise on the even half
    assert "median" not in baselines.beats_reference()


def test_identical_model_has_zero_difference(data):
    models = {"compromise": CompromiseModel(), "copy": CompromiseModel()}
    res = backtest(models, data.proposals, ensemble=False, n_boot=100)
    d = res.row("copy").diff_test
    assert (d.mae, d.low, d.high) == (0.0, 0.0, 0.0)
    assert res.beats_reference() == []


def test_bootstrap_is_seeded(data):
    models = [CompromiseModel(), MedianModel()]
    a = backtest(models, data.proposals, ensemble=False, n_boot=200, seed=7)
    b = backtest(models, data.proposals, ensemble=False, n_boot=200, seed=7)
    c = backtest(models, data.proposals, ensemble=False, n_boot=200, seed=8)
    assert a.rows == b.rows
    assert a.row("median").all.low != c.row("median").all.low
    issues = backtest(models, data.proposals, ensemble=False, n_boot=200, cluster=False)
    assert issues.row("median").all.mae == a.row("median").all.mae


def test_calibration_uses_only_the_odd_half(data):
    tune = {
        "compromise_tuned": [
            CompromiseModel(capability_power=a, salience_power=b)
            for a in (0.0, 0.5, 1.0)
            for b in (0.5, 1.0)
        ]
    }
    models = {"compromise": CompromiseModel(), "median": MedianModel(), "midpoint": ConstantModel()}
    res = backtest(models, data.proposals, tune=tune, n_boot=50)
    # Scramble the outcomes of the even (test) half: nothing calibrated may change.
    rng = np.random.default_rng(0)
    scrambled = [
        p if p.prnrnmc % 2 else replace(p, outcome=rng.uniform(0, 100, len(p.outcome)))
        for p in data.proposals
    ]
    res2 = backtest(models, scrambled, tune=tune, n_boot=50)
    assert res.row("compromise_tuned").params == res2.row("compromise_tuned").params
    assert res.ensemble_weights == res2.ensemble_weights
    assert res.row("ensemble").calibration == res2.row("ensemble").calibration
    assert res.row("ensemble").test != res2.row("ensemble").test
    weights = np.array(list(res.ensemble_weights.values()))
    assert np.all(weights >= 0) and weights.sum() == pytest.approx(1.0)
    # The ensemble's in-sample (odd half) MAE is no worse than any member's.
    for name in ("compromise", "median", "midpoint"):
        assert res.row("ensemble").calibration.mae <= res.row(name).calibration.mae + 1e-9


def test_fit_convex_l1_recovers_a_mixture():
    rng = np.random.default_rng(1)
    f = rng.uniform(0, 100, (200, 3))
    y = f @ np.array([0.2, 0.0, 0.8])
    w = fit_convex_l1(f, y)
    np.testing.assert_allclose(w, [0.2, 0.0, 0.8], atol=1e-6)


def test_default_models_and_json(data):
    models = default_models()
    assert list(models)[:4] == ["compromise", "salience", "median", "commission"]
    assert any(isinstance(m, NashModel) for m in models.values())
    assert not any(type(m).has_trajectory for m in models.values())
    every = default_models(every=True)
    assert list(every) == [*models, "eum", "smp", "exchange"]
    assert every["eum"].get_params()["keep_moves"] is False  # its lean_params
    res = backtest(models, data.proposals[:40], n_boot=50)
    out = res.to_json()
    assert out["reference"] == "compromise"
    assert {r["name"] for r in out["rows"]} >= {"compromise", "nash", "ensemble"}
    assert "issues" in res.summary()


def test_params_are_the_models_get_params(data):
    tune = {"compromise_tuned": [CompromiseModel(0.5, 0.25), CompromiseModel(0.0, 1.0)]}
    models = {"compromise": CompromiseModel(), "eum": ExpectedUtility(rounds=3, keep_moves=False)}
    res = backtest(models, data.proposals[:20], tune=tune, ensemble=False, n_boot=20)
    assert res.row("compromise").params == "CompromiseModel(capability_power=1, salience_power=1)"
    assert res.row("eum").params == (
        "ExpectedUtility(rounds=3, centre='median', q=1, t=1, variant='scholz-2011', "
        "position_range=None, salience_scale=None, keep_moves=False)"
    )
    assert res.row("compromise_tuned").params.startswith("CompromiseModel(capability_power=")
    assert " object at " not in str(res.to_json())


def test_frames(data):
    res = backtest(
        {"compromise": CompromiseModel(), "median": MedianModel()},
        data.proposals[:30],
        n_boot=20,
    )
    frames = res.to_frames()
    rows = frames["rows"]
    assert list(rows.name) == ["compromise", "median", "ensemble"]
    assert list(rows.columns[:5]) == ["name", "kind", "params", "all.mae", "all.low"]
    assert rows.loc[1, "test.mae"] == res.row("median").test.mae
    assert rows.loc[1, "diff_all.n"] == res.row("median").diff_all.n
    assert np.isnan(rows.loc[0, "diff_test.mae"])  # the reference has no difference
    preds = frames["predictions"]
    assert list(preds.columns) == ["issue", "outcome", "calibration", "compromise", "median",
                                   "ensemble"]  # fmt: skip
    assert len(preds) == len(res.issues)
    np.testing.assert_array_equal(preds["median"].to_numpy(), res.predictions["median"])


def test_backtest_rejects_bad_arguments(data):
    with pytest.raises(ValueError, match="unique"):
        backtest([CompromiseModel(), CompromiseModel()], data.proposals)
    with pytest.raises(ValueError, match="no cases"):
        backtest([CompromiseModel()], [])


def test_the_table_shows_every_model_and_both_halves(data, capsys):
    from zopa.cli.render import show_backtest

    show_backtest(backtest(default_models(), data.proposals, n_boot=50))
    out = capsys.readouterr().out
    for word in ("compromise", "nash", "ensemble", "180 issues", "173 issues"):
        assert word in out


def test_cli_bad_file(tmp_path):
    import subprocess
    import sys

    bad = tmp_path / "bad.csv"
    bad.write_text('"prnrnmc"\n')
    r = subprocess.run([sys.executable, "-m", "zopa.cli.main", "backtest", "deu", str(bad)],
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert r.returncode == 2 and "bad.csv" in r.stderr and "Traceback" not in r.stderr
