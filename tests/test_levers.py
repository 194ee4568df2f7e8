"""What a reader can move (zopa levers, analyze --set) and why a package is accepted.

Settings are checked against the leverage analysis's own swings (a different path: a
lever at one of its ends there is ``lever_values`` / ``without_option`` and a full
re-analysis), and package verdicts against the scenario's red lines and constraint read
by hand.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import zopa
from zopa.analysis.outlook import evaluate
from zopa.errors import InputError
from zopa.scenario.numbers import in_simulation, numbers
from zopa.scenario.words import SECTIONS, describe
from zopa.space.space import compile_space
from zopa.studies.leverage import lever_values, levers, without_option
from zopa.studies.levers import settled_space

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def toy() -> zopa.Scenario:  # type: ignore[name-defined]
    return zopa.load(DATA / "toy_nodeal.yaml")


@pytest.fixture(scope="module")
def ref() -> zopa.Scenario:  # type: ignore[name-defined]
    return zopa.reference()


def test_list_holds_every_lever_and_every_number(ref: object) -> None:
    listed = {m.name: m for m in zopa.levers(ref).levers}
    for lv in levers(ref):
        assert listed[lv.name].leverage and listed[lv.name].kind == lv.kind
    for path, _ in numbers(ref):
        if not in_simulation(path):
            assert listed[path].sweep, path
    assert not any(in_simulation(n) for n in listed)
    order = [SECTIONS.index(m.section) for m in zopa.levers(ref).levers]
    assert order == sorted(order)  # grouped by section, in reading order


def test_every_reference_number_is_in_words(ref: object) -> None:
    """No reference number falls back to its bare path."""
    for m in zopa.levers(ref).levers:
        assert m.section != "Other", m.name
        assert m.label and m.label != m.name, m.name


def test_words_of_known_paths(ref: object) -> None:
    assert describe(ref, "issues[10].options[0].trust.IRN.USA") == (
        "Trust",
        "IRN's trust in USA, if form is ratified",
    )
    assert describe(ref, "preferences.IRN.utilities.oil_channel.values.broad.iran_sells") == (
        "Utilities",
        "IRN's utility of oil_channel = iran_sells, if sanctions = broad",
    )
    assert describe(ref, "no_such.path") == ("Other", "no_such.path")


def test_a_lever_set_at_its_end_is_the_leverage_swing(toy: object) -> None:
    """Oracle: the leverage analysis's own evaluation of each end (lever_values)."""
    for lv in levers(toy):
        if lv.kind == "option":
            k, j = lv.option
            want = evaluate(without_option(compile_space(toy), k, j, toy), "US", sc=toy)
            got = evaluate(settled_space(toy, {lv.name: 0.0}), "US", sc=toy)
        else:
            want = evaluate(compile_space(toy, lever_values(toy, lv, 1)), "US", sc=toy)
            got = evaluate(settled_space(toy, {lv.name: lv.hi}), "US", sc=toy)
        assert (got.zone, got.deal) == (want.zone, want.deal), lv.name
        assert got.value == pytest.approx(want.value, abs=1e-12), lv.name


def test_orders_and_red_lines_on_the_reference(ref: object) -> None:
    """Judgement levers at an end give the leverage swing's zone; at base, the base."""
    base = zopa.analyze(ref).analysis.zone
    for lv in levers(ref):
        if lv.kind not in ("order", "weight order", "red line"):
            continue
        want = evaluate(compile_space(ref, lever_values(ref, lv, 0)), "USA", sc=ref).zone
        assert evaluate(settled_space(ref, {lv.name: lv.lo}), "USA", sc=ref).zone == want
        if lv.kind != "red line":
            assert zopa.analyze(ref, set={lv.name: lv.base}).analysis.zone == base
        break  # one of each kind keeps the test fast: the toy covers the rest


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"israel_max": 0.1}, "zopa levers"),
        ({"credibility.trust.US.IR": 1.5}, "credibility"),
        ({"stockpile=keep removed": 0.5}, "not 0 or 1"),
        ({"credibility.trust.US.IR": float("nan")}, "finite"),
    ],
)
def test_bad_settings_are_bad_input(toy: object, setting: dict, message: str) -> None:
    with pytest.raises(InputError) as e:
        zopa.analyze(toy, set=setting)
    text = str(e.value.problems[0])
    assert text.startswith("--set") and message in text


def test_package_says_why(ref: object) -> None:
    """The 2015 deal: the USA rejects it for its red lines and for falling short of the
    floor its own constraint sets (beating the 2015 deal by a margin); Iran accepts."""
    s = zopa.score(ref, reference="jcpoa_2015").to_json()["deciders"]
    usa = s["USA"]
    assert not usa["accepts"] and usa["floor_from"] == ["jcpoa_2015"]
    assert usa["floor"] > usa["utility"]
    assert usa["shortfall"] == pytest.approx(usa["floor"] - usa["utility"], abs=1e-9)
    by_hand = [
        f"{r.issue} not {', '.join(r.not_)}"
        for r in ref.preferences["USA"].red_lines
        if (r.probability or 1.0) >= 0.5
        and ref.reference_packages[
            [p.id for p in ref.reference_packages].index("jcpoa_2015")
        ].package[r.issue]
        in r.not_
    ]
    assert usa["red_lines"] == by_hand and by_hand
    assert s["IRN"]["accepts"] and s["IRN"]["red_lines"] == [] and s["IRN"]["floor"] is None


def _zopa(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "120"}  # pytest sets 80
    return subprocess.run([sys.executable, "-m", "zopa.cli.main", *args], capture_output=True,
                          text=True, timeout=300, env=env)  # fmt: skip


def test_cli_levers_set_and_csv(tmp_path: Path) -> None:
    toy = str(DATA / "toy_nodeal.yaml")
    r = _zopa("levers", toy, "--json")
    assert r.returncode == 0, r.stderr
    names = [m["name"] for m in json.loads(r.stdout)["levers"]]
    assert "credibility.trust.US.IR" in names
    r = _zopa("analyze", toy, "--set", "stockpile=downgrade removed=0", "--json",
              "--csv", str(tmp_path / "out"))  # fmt: skip
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    assert all(s is None or s["package"]["stockpile"] != "downgrade"
               for s in j["solutions"].values())  # fmt: skip
    import pandas as pd

    frames = zopa.analyze(zopa.load(toy), set={"stockpile=downgrade removed": 0}).to_frames()
    assert sorted(p.stem for p in (tmp_path / "out").glob("*.csv")) == sorted(frames)
    pareto = pd.read_csv(tmp_path / "out" / "frontier.csv")
    assert len(pareto) == len(frames["frontier"])
    r = _zopa("analyze", toy, "--set", "nonsense")
    assert r.returncode == 2 and "LEVER=NUMBER" in r.stderr and "Traceback" not in r.stderr


def test_cli_leverage_defaults_and_errors() -> None:
    toy = str(DATA / "toy_nodeal.yaml")
    r = _zopa("leverage", toy, "--json")
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    assert j["actor"] == "US"  # the first decider
    assert all(lv["label"] and "deal_shift" in lv for lv in j["levers"])
    r = _zopa("leverage", toy, "--for", "XX")
    assert r.returncode == 2 and "one of US, IR, IL" in r.stderr


def test_cli_warns_when_a_flag_has_nothing_to_act_on() -> None:
    toy = str(DATA / "toy.yaml")
    r = _zopa("montecarlo", toy, "--draws", "5")
    assert r.returncode == 0 and "nothing in this scenario is uncertain" in r.stderr
    r = _zopa("analyze", toy, "--over-time")
    assert r.returncode == 0 and "--over-time has nothing to act on" in r.stderr
    r = _zopa("montecarlo", str(DATA / "toy_nodeal.yaml"), "--draws", "5")
    assert r.returncode == 0 and "warning" not in r.stderr


def test_cli_tables_read(tmp_path: Path) -> None:
    """The solutions matrix labels what each solution maximises and marks differences
    from Nash; package names why each decider accepts or rejects."""
    r = _zopa("analyze", "--frontier")
    assert r.returncode == 0, r.stderr
    out = " ".join(r.stdout.split())  # wrapped cells read as one line
    assert "maximises" in out and "product of gains" in out
    assert "* differs from the Nash solution" in out and "Pareto frontier" in out
    r = _zopa("package", "--reference", "jcpoa_2015")
    assert r.returncode == 0, r.stderr
    out = " ".join(r.stdout.split())
    assert "USA rejects: crosses its red line missiles not unrestricted" in out
    assert "floor of beating jcpoa_2015" in out and "IRN accepts" in out
