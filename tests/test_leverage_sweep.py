"""Leverage and sweeps.

Leverage is checked against re-analysing hand-edited copies of the scenario (the lever set
by editing the file itself: an independent path through the loader); sweeps against
single Monte Carlo runs with the number fixed, and on a Dask LocalCluster on loopback
against local processes (identical results).
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from zopa.analysis.analyze import analyze
from zopa.analysis.outlook import evaluate
from zopa.errors import InputError
from zopa.scenario.load import load_scenario, validate
from zopa.scenario.yamlfile import Lines, read_yaml
from zopa.space.space import compile_space
from zopa.studies.leverage import leverage, levers
from zopa.studies.montecarlo import montecarlo
from zopa.studies.sweep import cells, parse_grid, run_cells

DATA = Path(__file__).parent / "data"
TOY = DATA / "toy_nodeal.yaml"


def test_levers_are_ranged_numbers_and_options() -> None:
    sc = load_scenario(TOY)
    names = {lv.name: lv for lv in levers(sc)}
    trust = names["credibility.trust.IR.US"]
    assert (trust.lo, trust.hi) == pytest.approx((0.32, 0.68))  # uniform[0.3,0.7] 5%..95%
    assert "stockpile=custody removed" in names
    assert len([n for n in names if n.endswith("removed")]) == 5


def test_leverage_equals_reanalysing_edited_files() -> None:
    """Each end of the trust lever equals analysing the file with the number written in."""
    sc = load_scenario(TOY)
    res = leverage(sc, "IR", "p_deal", workers=1)
    swing = next(s for s in res.swings if s.lever.name == "credibility.trust.IR.US")
    data, _ = read_yaml(TOY)
    for end, got in ((0.32, swing.lo), (0.68, swing.hi)):
        edited = copy.deepcopy(data)
        edited["credibility"]["trust"]["IR"]["US"] = end
        space = compile_space(validate(edited, Lines(), "edited"))
        want = evaluate(space, "IR")
        assert got.p_deal == pytest.approx(want.p_deal)
        assert got.zone == want.zone == analyze(space).zone
    # removing an option equals deleting it from the file (and every reference to it)
    gone = next(s for s in res.swings if s.lever.name == "sanctions=lifted removed")
    edited = copy.deepcopy(data)
    edited["issues"][1]["options"] = [
        o for o in edited["issues"][1]["options"] if o["id"] != "lifted"
    ]
    for who in ("US", "IR"):
        edited["preferences"][who]["utilities"]["sanctions"].pop("lifted")
    space = compile_space(validate(edited, Lines(), "edited"))
    assert gone.lo.zone == analyze(space).zone
    assert gone.lo.value == pytest.approx(evaluate(space, "IR").value)
    # ranked by spread, largest first
    spreads = [s.spread("p_deal") for s in res.swings]
    assert spreads == sorted(spreads, reverse=True)


def test_grid_parsing_and_errors() -> None:
    sc = load_scenario(TOY)
    axes = parse_grid(["credibility.trust.IR.US=0.2:0.8:4"], sc)
    assert axes[0].values == pytest.approx((0.2, 0.4, 0.6, 0.8))
    assert len(cells(axes * 2)) == 16
    with pytest.raises(InputError, match="no number at this path"):
        parse_grid(["nope=0:1:2"], sc)
    with pytest.raises(InputError, match="is not lo:hi:n"):
        parse_grid(["credibility.trust.IR.US=0:1"], sc)


def test_sweep_cell_equals_montecarlo_with_the_number_fixed() -> None:
    text = TOY.read_text()
    sc = load_scenario(TOY)
    grid = cells(parse_grid(["credibility.trust.IR.US=0.2:0.8:2"], sc))
    rows = run_cells(text, str(TOY), grid, draws=300, seed=5, workers=1)
    for cell, row in zip(grid, rows, strict=True):
        mc = montecarlo(sc, 300, 5, fixed=cell).to_json()
        assert row["p_deal"] == mc["p_deal"] and row["p_war"] == mc["p_war"]
    assert rows[0]["p_deal"] < rows[1]["p_deal"]  # more trust, more deals kept


def test_sweep_on_dask_local_cluster_equals_local_processes() -> None:
    distributed = pytest.importorskip("distributed")
    text = TOY.read_text()
    sc = load_scenario(TOY)
    grid = cells(parse_grid(["spoilers[0].threshold=0.3:0.8:3"], sc))
    local = run_cells(text, str(TOY), grid, draws=200, seed=1, workers=2)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", processes=True,
        dashboard_address=None,
    ) as cluster:  # fmt: skip
        address = cluster.scheduler_address
        remote = run_cells(text, str(TOY), grid, draws=200, seed=1, scheduler=address)
    assert json.dumps(local) == json.dumps(remote)


def test_cli_leverage_and_sweep() -> None:
    def zopa(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "zopa.cli.main", *args],
                              capture_output=True, text=True, timeout=300)  # fmt: skip

    r = zopa("leverage", str(TOY), "--for", "IR", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["levers"][0]["lever"] == "sanctions=lifted removed"
    r = zopa("leverage", str(TOY), "--for", "XX")
    assert r.returncode == 2 and "not an actor" in r.stderr
    r = zopa("sweep", str(TOY), "--grid", "credibility.trust.IR.US=0.2:0.8:2", "--draws", "100",
             "--json", "--workers", "1")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)["cells"]) == 2
    r = zopa("sweep", str(TOY), "--grid", "bogus=0:1:2")
    assert r.returncode == 2 and "no number at this path" in r.stderr


def test_cli_package_scores_one_package() -> None:
    """`zopa package` equals the engine's deal values of the same package (the custody
    example of tests/test_nodeal.py, computed by hand there)."""
    r = subprocess.run(
        [sys.executable, "-m", "zopa.cli.main", "package", str(TOY), "--set",
         "stockpile=custody", "--set", "sanctions=kept", "--json"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    space = compile_space(load_scenario(TOY))
    idx = space.package_index({"stockpile": "custody", "sanctions": "kept"})
    assert j["index"] == idx
    assert j["deciders"]["IR"]["deal_value"] == pytest.approx(space.values(idx)[1, 0])
    assert j["deciders"]["IR"]["kept_value"] == pytest.approx(0.32)
    bad = subprocess.run(
        [sys.executable, "-m", "zopa.cli.main", "package", str(TOY), "--set", "stockpile=gold"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert bad.returncode == 2 and "unknown option 'gold'" in bad.stderr
