"""The no-deal model through the engine: closed forms and hand-computed cases.

- Fearon: the bargaining range and the ultimatum with a uniformly distributed cost on a
  one-issue scenario discretised into 1,001 options, against the closed forms
  (x* = p + (c_max - c_A)/2, P(war) = (c_max - c_A) / (2 c_max)).
- Powell: the engine's preventive-war verdict against brute-force backward induction
  (zopa.analysis.powell.backward_induction) of the same two-period game.
- Credibility, spoilers, influence, derived reservations, constraints: figures computed by
  hand in each docstring (tests/data/toy_nodeal.yaml and small variants).
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from zopa.analysis import powell
from zopa.analysis.analyze import analyze
from zopa.analysis.conflict import conflict_report
from zopa.scenario.load import load_scenario, validate
from zopa.scenario.yamlfile import Lines, read_yaml
from zopa.space.space import compile_space

DATA = Path(__file__).parent / "data"


def pie(p: float, c_a: float, c_b: float, c_max: float | None = None, n: int = 1001) -> dict:
    """One issue 0..100 in n options: A's utility at/100, B's 1 - at/100."""
    data: dict[str, Any] = {
        "zopa": 1,
        "id": "pie",
        "title": "pie",
        "actors": [{"id": "A", "name": "a", "role": "party"},
                   {"id": "B", "name": "b", "role": "party"}],
        "issues": [{"id": "x", "name": "x",
                    "options": [{"id": f"o{j}", "at": 100 * j / (n - 1)} for j in range(n)]}],
        "preferences": {
            "A": {"weights": {"x": 1}, "ideal": {"x": 100}},
            "B": {"weights": {"x": 1}, "ideal": {"x": 0}},
        },
        "conflict": {"between": ["A", "B"], "prevails": p, "cost": {"A": c_a, "B": c_b}},
    }  # fmt: skip
    if c_max is not None:
        data["conflict"]["cost_belief"] = {"B": {"uniform": [0, c_max]}}
    return data


def report(data: dict) -> Any:
    sc = validate(data, Lines(), "<pie>")
    space = compile_space(sc)
    return conflict_report(sc, space, None), space


def test_fearon_bargaining_range_on_a_fine_pie() -> None:
    """[p - c_A, p + c_B] = [0.45, 0.8] holds 351 of the 1,001 grid points."""
    rep, _ = report(pie(0.6, 0.15, 0.2))
    assert rep.war_value == pytest.approx({"A": 0.45, "B": 0.2})
    assert rep.range_size == 351


def test_fearon_ultimatum_closed_form() -> None:
    """A proposes, c_B ~ U[0, 0.4], c_A = 0.1, p = 0.5: x* = 0.65, P(war) = 0.375."""
    rep, space = report(pie(0.5, 0.1, 0.2, c_max=0.4))
    a = next(x for x in rep.proposals if x.proposer == "A")
    x_star = float(space.option_at[0][a.index]) / 100
    assert x_star == pytest.approx(0.5 + (0.4 - 0.1) / 2, abs=1e-3)
    assert a.p_war == pytest.approx((0.4 - 0.1) / (2 * 0.4), abs=2e-3)


def test_powell_verdict_equals_backward_induction() -> None:
    """A two-period power shift: the engine's verdict equals brute-force induction
    (the cases include war at period 0, either side rising, and peace)."""
    verdicts = []
    for p0, drift, cost in [(0.3, 0.12, 0.05), (0.5, 0.01, 0.2), (0.7, -0.3, 0.02)]:
        data = pie(p0, cost, cost)
        data["dynamics"] = {"periods": 1, "discount": 0.9, "drift": {"prevails": drift}}
        rep, _ = report(data)
        path = np.clip(p0 + drift * np.arange(2), 0, 1)
        brute = powell.backward_induction(path, 0.9, cost, cost)
        assert bool(rep.preventive_war) == brute.war
        verdicts.append(brute.war)
        if brute.war:
            assert rep.preventive_war[0] == brute.period
    assert verdicts == [True, False, True]


def toy() -> tuple[dict, Lines]:
    return read_yaml(DATA / "toy_nodeal.yaml")


def space_of(data: dict) -> Any:
    return compile_space(validate(data, Lines(), "<toy>"))


def test_reservations_are_expected_no_deal_values() -> None:
    """US: 0.7 * 0.45 + 0.3 * 0.3 = 0.405; IR: 0.7 * 0.3 + 0.3 * 0.1 = 0.24."""
    space = compile_space(load_scenario(DATA / "toy_nodeal.yaml"))
    assert space.reservation[:2] == pytest.approx([0.405, 0.24])


def test_custody_with_return_beats_downgrade_for_the_side_that_doubts() -> None:
    """No spoiler, trust IR->US = 0.5 (the uniform's mean). Iran, sanctions kept:
    custody 0.5 * (0.4 * 0.6) + 0.5 * (0.4 * 1.0) = 0.32 > downgrade 0.4 * 0.5 = 0.2,
    though custody's utility as written (0.24) is barely above the downgrade's (0.2)."""
    data, _ = toy()
    data = copy.deepcopy(data)
    data.pop("spoilers")
    space = space_of(data)
    custody = space.package_index({"stockpile": "custody", "sanctions": "kept"})
    down = space.package_index({"stockpile": "downgrade", "sanctions": "kept"})
    v = space.values(np.array([custody, down]))
    assert v[1] == pytest.approx([0.32, 0.2])
    u = space.utilities(np.array([custody, down]))
    assert u[1] == pytest.approx([0.24, 0.2])


def test_spoiler_strike_probability_and_deal_value() -> None:
    """Israel's utility of downgrade is 0.8, threshold 0.55 (mean), scale 0.1:
    P = 0.5 / (1 + e^2.5) = 0.03793. US deal value of downgrade/lifted:
    kept 0.8 * 0.6 + 0.2 * (0.6 * 0.8 + 0.4 * 1) = 0.656;
    V = (1 - P) 0.656 + P * 0.3 (the strike outcome's value)."""
    space = compile_space(load_scenario(DATA / "toy_nodeal.yaml"))
    idx = space.package_index({"stockpile": "downgrade", "sanctions": "lifted"})
    p = 0.5 / (1 + math.exp(2.5))
    assert space.deal is not None
    assert space.deal.strike(space.criteria(idx))[0][0] == pytest.approx(p)
    assert space.values(idx)[0, 0] == pytest.approx((1 - p) * 0.656 + p * 0.3)


def test_influence_mixes_utilities() -> None:
    """With influence {IL: 0.25} the US's effective utility is 0.75 U_US + 0.25 U_IL:
    keep/kept 0.75 * 0.4 + 0.25 * 0 = 0.3; downgrade/kept 0.75 * 0.88 + 0.25 * 0.8 = 0.86."""
    data, _ = toy()
    data = copy.deepcopy(data)
    data["influence"] = {"US": {"IL": 0.25}}
    space = space_of(data)
    idx = space.package_index({"stockpile": "keep", "sanctions": "kept"})
    assert space.utilities(idx)[0, 0] == pytest.approx(0.75 * 0.4 + 0.25 * 0.0)
    idx = space.package_index({"stockpile": "downgrade", "sanctions": "kept"})
    assert space.utilities(idx)[0, 0] == pytest.approx(0.75 * 0.88 + 0.25 * 0.8)


def test_reference_package_constraint() -> None:
    """The US must beat custody/kept (its utility 0.6 * 0.7 + 0.4 = 0.82) by 0.05: of the
    packages only downgrade/kept (0.88) has utility >= 0.87; Iran values it at
    0.2 < 0.24: the zone is empty, and the closest package falls short for Iran only."""
    data, _ = toy()
    data = copy.deepcopy(data)
    data["reference_packages"] = [
        {"id": "ref", "name": "ref", "package": {"stockpile": "custody", "sanctions": "kept"}}
    ]
    data["constraints"] = [{"actor": "US", "beats": "ref", "margin": 0.05}]
    a = analyze(space_of(data))
    assert a.zone == 0
    best = a.closest[0]
    assert best.package == {"stockpile": "downgrade", "sanctions": "kept"}
    assert best.shortfall["US"] == pytest.approx(0.0)
    assert best.shortfall["IR"] > 0


def test_drifting_parameters_period_by_period() -> None:
    """Iran's trust in the US as a parameter eroding by 0.2 a period: each period's figures
    equal a fresh analysis of the file with the parameter written in by hand."""
    from zopa.analysis.conflict import deal_over_time
    from zopa.analysis.outlook import evaluate

    data, _ = toy()
    data = copy.deepcopy(data)
    data["parameters"] = {"us_trust": 0.7}
    data["credibility"]["trust"]["IR"]["US"] = {"expr": "us_trust"}
    data["dynamics"] = {"periods": 3, "discount": 0.9, "drift": {"us_trust": -0.2}}
    rows = deal_over_time(validate(data, Lines(), "<toy>"))
    assert [r["parameters"]["us_trust"] for r in rows] == pytest.approx([0.7, 0.5, 0.3, 0.1])
    for row in rows:
        fixed = copy.deepcopy(data)
        fixed["parameters"]["us_trust"] = row["parameters"]["us_trust"]
        del fixed["dynamics"]  # drifted again from 0.1, the trust would go below 0
        want = evaluate(space_of(fixed), "US")
        assert row["zone"] == want.zone and row["p_deal"] == pytest.approx(want.p_deal)
    assert rows[0]["p_deal"] > rows[-1]["p_deal"]


def test_ultimatum_war_values_ignore_red_lines_and_nothing_to_propose() -> None:
    """War values come from every package (a winner imposes what it likes), so red lines
    do not change them; when red lines rule out every package, war is certain."""
    data = pie(0.5, 0.1, 0.2, c_max=0.4, n=11)
    plain, _ = report(data)
    data["preferences"]["A"]["red_lines"] = [{"issue": "x", "not": ["o0", "o1"]}]
    lined, _ = report(data)
    assert lined.war_value == pytest.approx(plain.war_value)
    data["preferences"]["A"]["red_lines"] = [{"issue": "x", "not": [f"o{j}" for j in range(11)]}]
    none, _ = report(data)
    assert [p.p_war for p in none.proposals] == [1.0]
    assert none.range_size == 0


def test_expression_weights_and_utilities() -> None:
    """Weights and utilities written as expressions of parameters resolve at base values."""
    data, _ = toy()
    data = copy.deepcopy(data)
    data["parameters"] = {"w": 0.6, "k": 0.5}
    data["preferences"]["US"]["weights"]["stockpile"] = {"expr": "w"}
    data["preferences"]["US"]["utilities"]["stockpile"]["custody"] = {"expr": "k + 0.2"}
    space = space_of(data)
    idx = space.package_index({"stockpile": "custody", "sanctions": "kept"})
    assert space.utilities(idx)[0, 0] == pytest.approx(0.6 * 0.7 + 0.4 * 1.0)


def test_kept_by_all_mixes_pairs_with_and_without_trust_changes() -> None:
    """Three deciders, trust changed by an option for one pair only: P(every decider keeps
    the deal) per package equals the definition computed by hand (it used to fail on the
    mix of per-package and constant trust)."""
    from zopa.scenario.load import validate
    from zopa.scenario.yamlfile import Lines
    from zopa.space.space import compile_space

    data = {
        "zopa": 1, "id": "three", "title": "three",
        "actors": [{"id": x, "name": x, "role": "party"} for x in "ABC"],
        "issues": [{"id": "i", "name": "i", "options": [
            {"id": "a", "at": 0}, {"id": "b", "at": 100, "trust": {"B": {"C": 0.1}}}]}],
        "preferences": {x: {"weights": {"i": 1}, "ideal": {"i": 50}} for x in "ABC"},
        "credibility": {"trust": {"A": {"B": 0.8}}},
    }  # fmt: skip
    space = compile_space(validate(data, Lines(), "<test>"))
    assert space.deal is not None
    got = space.deal.kept_by_all(space.criteria(np.arange(2)))
    trust = {("A", "B"): 0.8}
    for pkg, kept in enumerate(np.broadcast_to(got, (2,))):
        total = 1.0
        for j in "ABC":
            others = [i for i in "ABC" if i != j]
            ts = [min(1.0, trust.get((i, j), 1.0) + (0.1 if (i, j, pkg) == ("B", "C", 1) else 0))
                  for i in others]  # fmt: skip
            total *= sum(ts) / len(ts)
        assert kept == pytest.approx(total, abs=1e-12)
