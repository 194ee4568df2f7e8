"""Judgements (orders, weight orders, uncertain red lines): language, centroids, draws.

What each test compares with:

- centroids: the formulas of SCENARIO.md ("Judgements") computed here in exact fractions;
  an ordinal scenario analysed equals the same scenario with those numbers written out;
- draws: the means of sorted uniforms and of sorted Dirichlet(1, ..., 1) weights, which are
  the centroids (the expected k-th largest spacing is (1/n) sum_{j>=k} 1/j);
- Monte Carlo over judgements: draw by draw, the brute-force oracle (tests/oracle.py) on the
  scenario with the drawn numbers written in; and statistically, an independent sampler of
  the SCENARIO.md draw rules written here with Python's ``random`` (another generator);
- the per-draw engine (``zopa.analysis.drawn``): the chunked engine (``scan``) and the
  oracle on hypothesis-generated scenarios; its meet-in-the-middle sum: plain enumeration.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import random
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import brute
from test_engine import model_scenarios, scenarios

from zopa.analysis.analyze import analyze
from zopa.analysis.drawn import product_sum, zone_draws
from zopa.analysis.scan import scan
from zopa.errors import InputError
from zopa.scenario import judgements as jd
from zopa.scenario.load import load_scenario, validate
from zopa.scenario.numbers import draw_table, judgements
from zopa.scenario.schema import UtilityOrder, WeightOrder
from zopa.scenario.yamlfile import Lines, parse_yaml
from zopa.space.space import compile_space
from zopa.studies.montecarlo import montecarlo

DATA = Path(__file__).parent / "data"
ORDINAL = DATA / "ordinal.yaml"


def roc(n: int) -> list[Fraction]:
    return [
        sum((Fraction(1, j) for j in range(k, n + 1)), Fraction(0)) / n for k in range(1, n + 1)
    ]


def weight_centroid(groups: list[list[str]]) -> dict[str, float]:
    w = roc(sum(len(g) for g in groups))
    out, at = {}, 0
    for g in groups:
        mean = sum(w[at : at + len(g)], Fraction(0)) / len(g)
        out.update({x: float(mean) for x in g})
        at += len(g)
    return out


def utility_centroid(groups: list[list[str]]) -> dict[str, float]:
    n = len(groups)
    return {x: float(1 - Fraction(g, n - 1)) for g, grp in enumerate(groups) for x in grp}


def groups_of(order: list[Any]) -> list[list[str]]:
    return [[g] if isinstance(g, str) else list(g) for g in order]


def written_out(data: dict[str, Any]) -> dict[str, Any]:
    """The scenario with every order replaced by its centroid numbers and every uncertain
    red line kept (p >= 0.5, or not marked ``drop``) or dropped: computed here, not by
    zopa."""
    out = copy.deepcopy(data)
    for p in out["preferences"].values():
        if "order" in p["weights"]:
            p["weights"] = weight_centroid(groups_of(p["weights"]["order"]))
        for issue, u in list(p.get("utilities", {}).items()):
            if "order" in u:
                p["utilities"][issue] = utility_centroid(groups_of(u["order"]))
        lines = []
        for line in p.get("red_lines", []):
            drop = line.pop("drop", None)  # set by a draw (_drawn_dict)
            prob = line.pop("probability", None)
            if (not drop) if drop is not None else (prob is None or prob >= 0.5):
                lines.append(line)
        if "red_lines" in p:
            p["red_lines"] = lines
    return out


def load_dict(data: dict[str, Any]) -> Any:
    return validate(data, Lines(), "<test>")


# --- centroids -------------------------------------------------------------------------


def test_centroids_follow_the_formulas() -> None:
    u = UtilityOrder.model_validate({"order": ["a", ["b", "c"], "d", "e"]})
    assert jd.centroid(u).tolist() == pytest.approx([1, 2 / 3, 2 / 3, 1 / 3, 0], abs=1e-15)
    w = WeightOrder.model_validate({"order": ["x", ["y", "z"], "t"]})
    want = weight_centroid([["x"], ["y", "z"], ["t"]])
    assert jd.centroid(w).tolist() == pytest.approx([want[k] for k in "xyzt"], abs=1e-15)
    assert float(jd.centroid(w).sum()) == pytest.approx(1.0, abs=1e-15)
    assert want["x"] == pytest.approx((1 + 1 / 2 + 1 / 3 + 1 / 4) / 4)


def test_ordinal_scenario_equals_its_centroid_numbers_written_out() -> None:
    data = yaml.safe_load(ORDINAL.read_text())
    a = analyze(compile_space(load_scenario(ORDINAL)), top=5, closest=3).to_json()
    b = analyze(compile_space(load_dict(written_out(data))), top=5, closest=3).to_json()
    for key in ("title", "scenario"):
        a.pop(key, None)  # type: ignore[misc]
        b.pop(key, None)  # type: ignore[misc]
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


# --- draw rules ------------------------------------------------------------------------


def test_draws_average_to_the_centroids() -> None:
    rng = np.random.default_rng(5)
    n = 40_000
    u = UtilityOrder.model_validate({"order": ["a", "b", ["c", "d"], "e", "f"]})
    x = jd.draw(u, rng.random((n, jd.columns(u))))
    assert np.all(np.diff(x[:, [0, 1, 2, 4, 5]], axis=1) <= 0)  # the order holds
    assert np.all(x[:, 2] == x[:, 3]) and np.all(x[:, 0] == 1) and np.all(x[:, 5] == 0)
    se = x.std(0) / math.sqrt(n) + 1e-12
    assert np.all(np.abs(x.mean(0) - jd.centroid(u)) < 4.5 * se)
    w = WeightOrder.model_validate({"order": ["a", ["b", "c"], "d", "e"]})
    x = jd.draw(w, rng.random((n, jd.columns(w))))
    assert np.allclose(x.sum(1), 1.0)
    assert np.all(x[:, 0] >= x[:, 1]) and np.all(x[:, 1] == x[:, 2])
    se = x.std(0) / math.sqrt(n) + 1e-12
    assert np.all(np.abs(x.mean(0) - jd.centroid(w)) < 4.5 * se)


def test_red_line_draws_hold_with_their_probability() -> None:
    from zopa.scenario.schema import RedLine

    line = RedLine.model_validate({"issue": "i", "not": ["o"], "probability": 0.3})
    held = jd.draw(line, np.random.default_rng(2).random((20_000, 1)))
    assert abs(held.mean() - 0.3) < 4.5 * math.sqrt(0.3 * 0.7 / 20_000)
    assert jd.included(line) is False
    assert jd.uncertain(line)


# --- located errors --------------------------------------------------------------------


def _problems(text: str) -> list[str]:
    data, lines = parse_yaml(text, "bad.yaml")
    with pytest.raises(InputError) as e:
        validate(data, lines, "bad.yaml")
    return [str(p) for p in e.value.problems]


def _swap(old: str, new: str) -> str:
    text = ORDINAL.read_text()
    assert old in text
    return text.replace(old, new, 1)


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("price: {order: [high, mid, low]}", "price: {order: [high, mid]}",
         "preferences.A.utilities.price.order", "misses option(s) low"),
        ("price: {order: [high, mid, low]}", "price: {order: [high, mid, low, mid]}",
         "preferences.A.utilities.price.order", "'mid' appears more than once"),
        ("price: {order: [high, mid, low]}", "price: {order: [high, medium, low]}",
         "preferences.A.utilities.price.order[1]", "unknown option of issue 'price' 'medium'"),
        ("order: [delivery, price, terms]", "order: [delivery, price, termz]",
         "preferences.B.weights.order[2]", "unknown issue 'termz'"),
        ("probability: 0.8", "probability: 0", "preferences.A.red_lines[0].probability",
         "greater than 0"),
        ("probability: 0.8", "probability: 1.5", "preferences.A.red_lines[0].probability",
         "less than or equal to 1"),
        ("delivery: {order: [fast, slow]}", "delivery: {order: [[fast, slow]]}",
         "preferences.A.utilities.delivery.order", "an order of one group"),
    ],
)  # fmt: skip
def test_bad_judgements_are_located(old: str, new: str, field: str, words: str) -> None:
    text = _swap(old, new)
    found = _problems(text)
    line = _line_of(text, new.split(":")[0] + ":" if "probability" in new else new[:20])
    hit = [p for p in found if f"bad.yaml:{line}: {field}:" in p]
    assert hit, found
    assert words in hit[0], hit


# --- Monte Carlo over judgements -------------------------------------------------------


def _drawn_dict(sc: Any, data: dict[str, Any], t: Any, d: int) -> dict[str, Any]:
    """``data`` with draw ``d`` of every judgement written in as plain numbers."""
    out = copy.deepcopy(data)
    paths = {id(j): p for p, j in judgements(sc)}
    for j, x in zip(t.judged, t.jx, strict=True):
        path = paths[id(j)]
        parts = [
            int(p) if p.isdigit() else p for p in path.replace("[", ".").replace("]", "").split(".")
        ]
        cur: Any = out
        for p in parts[:-1]:
            cur = cur[p]
        if "red_lines" in parts:
            cur[parts[-1]]["drop"] = not bool(x[d])
        else:
            cur[parts[-1]] = dict(zip(j.items(), map(float, x[d]), strict=True))
    return written_out(out)  # the orders not drawn at their centroid


def test_montecarlo_over_judgements_equals_the_oracle_draw_by_draw() -> None:
    data = yaml.safe_load(ORDINAL.read_text())
    sc = load_scenario(ORDINAL)
    draws, seed = 60, 4
    mc = montecarlo(sc, draws=draws, seed=seed)
    t = draw_table(sc, draws, seed)
    always = None
    for d in range(draws):
        want = brute(_drawn_dict(sc, data, t, d))
        zone = {r["index"] for r in want["rows"] if r["zone"]}
        always = zone if always is None else always & zone
        assert int(mc.size[d]) == want["zone"], d
        assert int(mc.deal[d]) == (-1 if want["likely"] is None else want["likely"]), d
        for name, sol in want["solutions"].items():
            assert int(mc.picks[name][d]) == (-1 if sol is None else sol[0]), (name, d)
    assert mc.always is not None and set(mc.always.tolist()) == always


def _sample_independently(data: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """One draw of SCENARIO.md's rules, with Python's generator, written as numbers."""
    out = copy.deepcopy(data)
    for p in out["preferences"].values():
        if "order" in p["weights"]:
            groups = groups_of(p["weights"]["order"])
            n = sum(len(g) for g in groups)
            e = [rng.expovariate(1.0) for _ in range(n)]
            w = sorted((x / sum(e) for x in e), reverse=True)
            at, weights = 0, {}
            for g in groups:
                mean = sum(w[at : at + len(g)]) / len(g)
                weights.update({x: mean for x in g})
                at += len(g)
            p["weights"] = weights
        for issue, u in list(p.get("utilities", {}).items()):
            if "order" in u:
                groups = groups_of(u["order"])
                inner = sorted((rng.random() for _ in range(len(groups) - 2)), reverse=True)
                levels = [1.0, *inner, 0.0]
                p["utilities"][issue] = {x: levels[g] for g, grp in enumerate(groups) for x in grp}
        lines = []
        for line in p.get("red_lines", []):
            prob = line.pop("probability", None)
            if prob is None or rng.random() < prob:
                lines.append(line)
        if "red_lines" in p:
            p["red_lines"] = lines
    return out


def test_montecarlo_agrees_with_an_independent_sampler() -> None:
    """P(zone), the mean zone size and the Nash solution's option shares: zopa's Monte
    Carlo (seed 11) against 1,500 draws of an independent sampler, within 4.5 standard
    errors of the difference."""
    data = yaml.safe_load(ORDINAL.read_text())
    sc = load_scenario(ORDINAL)
    n = 1500
    mc = montecarlo(sc, draws=n, seed=11)
    rng = random.Random(20261202)
    zone, size, deal = [], [], []
    for _ in range(n):
        want = brute(_sample_independently(data, rng))
        zone.append(want["zone"] > 0)
        size.append(want["zone"])
        deal.append(want["likely"] if want["likely"] is not None else -1)

    def close(a: np.ndarray, b: np.ndarray) -> None:
        se = math.sqrt(a.var() / len(a) + b.var() / len(b)) + 1e-9
        assert abs(a.mean() - b.mean()) < 4.5 * se, (a.mean(), b.mean())

    close(mc.zone.astype(float), np.array(zone, dtype=float))
    close(mc.size.astype(float), np.array(size, dtype=float))
    shape = tuple(len(i.options) for i in sc.issues)
    ours = np.array(np.unravel_index(mc.deal[mc.deal >= 0], shape)).T
    theirs = np.array(np.unravel_index([d for d in deal if d >= 0], shape)).T
    for k, issue in enumerate(sc.issues):
        for o in range(len(issue.options)):
            close((ours[:, k] == o).astype(float), (theirs[:, k] == o).astype(float))


def test_judgement_draws_same_bytes_any_workers() -> None:
    text = ORDINAL.read_text()
    sc = load_scenario(ORDINAL)
    one = montecarlo(sc, draws=700, seed=3, workers=1).to_json()
    two = montecarlo(sc, draws=700, seed=3, workers=2, text=text, name="o").to_json()
    assert json.dumps(one) == json.dumps(two)
    assert one["uncertain_judgements"] == [
        "preferences.A.weights", "preferences.A.utilities.price",
        "preferences.A.red_lines[0]", "preferences.B.weights", "preferences.B.utilities.terms",
        "preferences.B.red_lines[0]",
    ]  # fmt: skip


def test_draw_table_block_by_block_equals_one_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """The draws table is written block by block of rows (so that Ctrl-C lands at once):
    blocks of 7 rows give the same draws, bit for bit, as one block of every draw (the
    (draws, width) table of uniforms in one call), with and without a fixed number."""
    import zopa
    import zopa.scenario.numbers as numbers

    for sc in (load_scenario(ORDINAL), zopa.reference()):
        fixed = {numbers.numbers(sc)[0][0]: 0.5} if numbers.numbers(sc) else {}
        for draws, seed, fix in [(0, 1, None), (1, 2, None), (50, 3, None), (50, 4, fixed)]:
            monkeypatch.setattr(numbers, "TABLE_ROWS", 10**9)
            one = draw_table(sc, draws, seed, fix)
            monkeypatch.setattr(numbers, "TABLE_ROWS", 7)
            blocks = draw_table(sc, draws, seed, fix)
            assert one.x.shape == blocks.x.shape and np.array_equal(one.x, blocks.x)
            assert [id(n) for n in one.nums] == [id(n) for n in blocks.nums]
            assert len(one.jx) == len(blocks.jx) == len(one.judged)
            for a, b in zip(one.jx, blocks.jx, strict=True):
                assert a.dtype == b.dtype and np.array_equal(a, b)
        assert one.judged  # the scenario has uncertain judgements


# --- the per-draw engine against the chunked engine and brute force ---------------------


def _engine_vs_scan(data: dict[str, Any]) -> None:
    sc = validate(data, Lines(), "<random>")
    space = compile_space(sc)
    assert space.scalars is not None
    got = zone_draws(space, space.scalars)
    assert got is not None
    res = scan(space, top=1, closest=0, threads=1)
    want = brute(data)
    assert int(got.size[0]) == res.zone == want["zone"]
    for name, hit in res.solutions.items():
        if name == "nash" and hit is None and res.zone:  # a quota zone without unanimity:
            assert int(got.picks["nash"][0]) == want["likely"]  # its best Nash product
            continue
        assert int(got.picks[name][0]) == (-1 if hit is None else hit[0]), name
    assert got.always.tolist() == [r["index"] for r in want["rows"] if r["zone"]]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_zone_draws_equals_scan_and_brute_force(data: dict[str, Any]) -> None:
    _engine_vs_scan(data)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model_scenarios())
def test_zone_draws_with_deal_values_equals_scan(data: dict[str, Any]) -> None:
    _engine_vs_scan(data)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=6), st.integers(0, 2**31 - 1))
def test_meet_in_the_middle_sum_equals_enumeration(sizes: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    tables = tuple(rng.random((3, s)) for s in sizes)
    opts = [np.sort(rng.choice(s, size=rng.integers(1, s + 1), replace=False)) for s in sizes]
    got = product_sum(tables, opts)
    want = [
        [sum(tables[k][r, o] for k, o in enumerate(combo)) for combo in itertools.product(*opts)]
        for r in range(3)
    ]
    assert np.allclose(got, np.array(want), rtol=0, atol=1e-12)


@st.composite
def ordinal_scenarios(draw: Any) -> dict[str, Any]:
    """Random scenarios of the no-deal model with some weights and utilities turned into
    orders (random groups) and some red lines made uncertain."""
    data = draw(model_scenarios())
    for p in data["preferences"].values():
        if draw(st.booleans()):
            issues = [i for i, w in p["weights"].items() if w > 0]
            if len(issues) >= 2:
                order = draw(st.permutations(issues))
                p["weights"] = {"order": list(order)}
                for i in list(p.get("ideal", {})):
                    if i not in order:
                        p["ideal"].pop(i)
                for i in list(p.get("utilities", {})):
                    if i not in order:
                        p["utilities"].pop(i)
        for issue, u in list(p.get("utilities", {}).items()):
            opts = list(u)
            if len(opts) >= 2 and draw(st.booleans()):
                perm = list(draw(st.permutations(opts)))
                cut = draw(st.integers(1, len(perm) - 1))
                groups = [perm[:cut], *([[x] for x in perm[cut:]])]
                p["utilities"][issue] = {"order": [g[0] if len(g) == 1 else g for g in groups]}
        for line in p.get("red_lines", []):
            if draw(st.booleans()):
                line["probability"] = draw(st.sampled_from([0.2, 0.5, 0.9]))
    return data


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ordinal_scenarios())
def test_block_tables_equal_compiling_each_draw_and_the_oracle(data: dict[str, Any]) -> None:
    """Judgements drawn: the block tables (space.block) give the same bytes as compiling
    every draw's space, and every draw agrees with the oracle."""
    import zopa.studies.montecarlo as mc_module

    sc = validate(data, Lines(), "<random>")
    draws, seed = 8, 5
    fast = montecarlo(sc, draws=draws, seed=seed)
    original = mc_module.applies
    mc_module.applies = lambda paths: False  # type: ignore[assignment]
    try:
        slow = montecarlo(sc, draws=draws, seed=seed)
    finally:
        mc_module.applies = original
    assert json.dumps(fast.to_json()) == json.dumps(slow.to_json())
    t = draw_table(sc, draws, seed)
    for d in range(draws):
        want = brute(_drawn_dict(sc, data, t, d))
        out = want["outlook"](want["likely"])
        assert int(fast.size[d]) == want["zone"], d
        assert int(fast.deal[d]) == (-1 if want["likely"] is None else want["likely"]), d
        assert fast.p_deal_draw[d] == pytest.approx(out["p_deal"], abs=1e-9)
        assert fast.p_war_draw[d] == pytest.approx(out["p_war"], abs=1e-9)
