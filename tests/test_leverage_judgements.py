"""Leverage over judgements, the evidence of every lever, and what the headlines rest on.

What each test compares with:

- the judgement levers' ends: the rules of zopa.studies.leverage's docstring computed here
  in exact fractions;
- each end of each lever: the scenario with that lever's values written into a copy of
  the file as plain numbers (orders as mappings, a red line kept without its probability
  or deleted), loaded and analysed afresh: the whole ``analyze`` output and every actor's
  outlook are identical;
- on random ordinal scenarios (hypothesis): the brute-force oracle (tests/oracle.py) on the
  scenario with the swung values, computed here in fractions, written in;
- the outlook's P(deal), P(war), values and likely deal: Monte Carlo draw by draw;
- every lever's evidence: ``zopa sources``'s listing of the raw file (another walker);
- ``rests_on``: recomputed here from the levers' figures.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import brute
from test_engine import model_scenarios, scenarios
from test_montecarlo import uncertain_scenarios

from zopa.analysis.analyze import analyze
from zopa.analysis.outlook import evaluate_all
from zopa.io.schemas import output_schema
from zopa.scenario import judgements as jd
from zopa.scenario.load import load_scenario, reference_path, validate
from zopa.scenario.numbers import draw_table, judgements
from zopa.scenario.schema import Order
from zopa.scenario.sources import evidence as listed_evidence
from zopa.scenario.yamlfile import Lines, parse_yaml, read_yaml
from zopa.space.space import compile_space
from zopa.studies.leverage import TOP, Leverage, lever_values, leverage, levers
from zopa.studies.montecarlo import montecarlo

DATA = Path(__file__).parent / "data"

SCENARIO = """\
zopa: 1
id: judged
title: Judgement levers (test)
sources:
  - {id: wire, title: A wire report, kind: news}
  - {id: memo, title: A memo, kind: analysis}
  - {id: blog, title: A blog}
actors:
  - {id: A, name: Alpha, role: party}
  - {id: B, name: Beta, role: party}
  - {id: S, name: Spoiler, role: spoiler}
issues:
  - id: price
    name: Price
    options: [{id: low, at: 0}, {id: mid, at: 50}, {id: high, at: 100}]
  - id: delivery
    name: Delivery
    options: [{id: fast, at: 0}, {id: slow, at: 100}]
  - id: terms
    name: Terms
    source: {ref: memo, quote: "terms are on the table", supports: context}
    options: [{id: t1, at: 0}, {id: t2, at: 33}, {id: t3, at: 67}, {id: t4, at: 100}]
preferences:
  A:
    weights:
      order: [price, [delivery, terms]]
      source: {ref: blog, quote: "price matters most to Alpha", supports: direction}
    utilities:
      price: {order: [high, mid, low]}
      delivery: {order: [fast, slow]}
      terms: {order: [[t1, t2], t3, t4], assumption: "Alpha wants early terms"}
    reservation:
      value: 0.3
      range: [0.2, 0.4]
      source: {ref: wire, quote: "Alpha would settle for a third", supports: magnitude}
    red_lines:
      - {issue: price, not: [low], probability: 0.8, assumption: "most likely a red line"}
  B:
    weights: {order: [delivery, price, terms]}
    utilities:
      price: {order: [low, [mid, high]]}
      delivery: {order: [slow, fast]}
      terms:
        order: [t4, t3, t2, t1]
        source: {ref: wire, quote: "Beta wants late terms"}
    reservation: {value: 0.25, assumption: "a guess"}
    red_lines:
      - {issue: terms, not: [t1], probability: 0.3}
  S:
    weights: {price: 1}
    utilities: {price: {low: 0.0, mid: 0.5, high: 1.0}}
no_deal:
  - {id: calm, name: Calm, probability: 0.6, values: {A: 0.3, B: 0.3, S: 0.4}}
  - {id: war, name: War, probability: 0.4, war: true, values: {A: 0.1, B: 0.1, S: 0.7}}
spoilers:
  - {actor: S, outcome: war, max_probability: 0.4, threshold: 0.5, scale: 0.1}
"""


def load_text(text: str) -> Any:
    data, lines = parse_yaml(text, "judged.yaml")
    return validate(data, lines, "judged.yaml")


def load_dict(data: dict[str, Any]) -> Any:
    return validate(data, Lines(), "<test>")


def parts(path: str) -> list[str | int]:
    return [int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", path)]


def at_path(data: Any, path: str) -> Any:
    cur = data
    for p in parts(path):
        cur = cur[p]
    return cur


# --- the rules, in fractions -----------------------------------------------------------


def groups_of(order: list[Any]) -> list[list[str]]:
    return [[g] if isinstance(g, str) else list(g) for g in order]


def group_name(g: list[str]) -> str:
    return g[0] if len(g) == 1 else f"[{', '.join(g)}]"


def utility_levels(n_groups: int) -> list[Fraction]:
    return [1 - Fraction(g, n_groups - 1) for g in range(n_groups)]


def weight_levels(groups: list[list[str]]) -> list[Fraction]:
    """Each group's per-issue rank-order centroid weight."""
    n = sum(len(g) for g in groups)
    roc = [sum((Fraction(1, j) for j in range(k, n + 1)), Fraction(0)) / n for k in range(1, n + 1)]
    out, at = [], 0
    for g in groups:
        out.append(sum(roc[at : at + len(g)], Fraction(0)) / len(g))
        at += len(g)
    return out


def expected_levers(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Judgement lever name -> {path, values at (low, high), base}: computed here.

    ``values`` maps each item of the order to its value (a red line: whether it holds)."""
    out: dict[str, dict[str, Any]] = {}
    for who, p in data["preferences"].items():
        w = p["weights"]
        if isinstance(w, dict) and "order" in w:
            groups = groups_of(w["order"])
            lv = weight_levels(groups)
            for g, grp in enumerate(groups):
                lo = lv[g + 1] if g + 1 < len(groups) else Fraction(0)
                hi = lv[g - 1] if g > 0 else 2 * lv[0] - lv[1]
                ends = []
                for x in (lo, hi):
                    raw = [x if k == g else lv[k] for k in range(len(groups))]
                    total = sum(raw[k] * len(groups[k]) for k in range(len(groups)))
                    ends.append({i: raw[k] / total for k, gg in enumerate(groups) for i in gg})
                out[f"preferences.{who}.weights.{group_name(grp)}"] = {
                    "path": f"preferences.{who}.weights", "ends": ends, "base": lv[g],
                    "kind": "weight order", "range": (ends[0][grp[0]], ends[1][grp[0]]),
                }  # fmt: skip
        for issue, u in p.get("utilities", {}).items():
            if not (isinstance(u, dict) and "order" in u):
                continue
            groups = groups_of(u["order"])
            lv = utility_levels(len(groups))
            for g in range(1, len(groups) - 1):
                ends = []
                for x in (lv[g + 1], lv[g - 1]):
                    ends.append({
                        i: (x if k == g else lv[k]) for k, gg in enumerate(groups) for i in gg
                    })  # fmt: skip
                out[f"preferences.{who}.utilities.{issue}.{group_name(groups[g])}"] = {
                    "path": f"preferences.{who}.utilities.{issue}", "ends": ends, "base": lv[g],
                    "kind": "order", "range": (lv[g + 1], lv[g - 1]),
                }  # fmt: skip
        for r, line in enumerate(p.get("red_lines", [])):
            prob = line.get("probability")
            if prob is None or prob >= 1:
                continue
            name = f"preferences.{who}.red_lines[{r}]: {line['issue']} not {', '.join(line['not'])}"
            out[name] = {"path": f"preferences.{who}.red_lines[{r}]", "ends": [False, True],
                         "base": Fraction(int(prob >= 0.5)), "kind": "red line",
                         "range": (0, 1)}  # fmt: skip
    return out


def written_out(
    data: dict[str, Any], swung: tuple[str, Any] | None = None, floats: Any = None
) -> dict[str, Any]:
    """``data`` with every order as numbers (its centroid, or ``swung = (path, values)``'s
    values) and every uncertain red line kept (p >= 0.5, or as swung) without its
    probability, or deleted. The centroids are computed here, in fractions; or, given the
    validated scenario ``floats``, taken as the floats zopa uses (to compare bit for bit)."""
    out = copy.deepcopy(data)
    given = {p: j for p, j in judgements(floats)} if floats is not None else {}

    def centroid(path: str, groups: list[list[str]], lv: list[Fraction]) -> dict[str, Any]:
        if path in given:
            return dict(zip(given[path].items(), map(float, jd.centroid(given[path])), strict=True))
        return {i: lv[k] for k, g in enumerate(groups) for i in g}

    for who, p in out["preferences"].items():
        w = p["weights"]
        if isinstance(w, dict) and "order" in w:
            groups = groups_of(w.pop("order"))
            path = f"preferences.{who}.weights"
            values = centroid(path, groups, weight_levels(groups))
            if swung and swung[0] == path:
                values = swung[1]
            w.update({i: float(v) for i, v in values.items()})
        for issue, u in p.get("utilities", {}).items():
            if not (isinstance(u, dict) and "order" in u):
                continue
            groups = groups_of(u.pop("order"))
            path = f"preferences.{who}.utilities.{issue}"
            values = centroid(path, groups, utility_levels(len(groups)))
            if swung and swung[0] == path:
                values = swung[1]
            u.update({i: float(v) for i, v in values.items()})
        kept = []
        for r, line in enumerate(p.get("red_lines", [])):
            prob = line.pop("probability", None)
            keep = prob is None or prob >= 0.5
            if swung and swung[0] == f"preferences.{who}.red_lines[{r}]":
                keep = swung[1]
            if keep:
                kept.append(line)
        if "red_lines" in p:
            p["red_lines"] = kept
    return out


# --- the levers ------------------------------------------------------------------------


def test_judgement_levers_follow_the_rules() -> None:
    """Every judgement lever, its kind, range and base: as computed here in fractions."""
    sc = load_text(SCENARIO)
    data = yaml.safe_load(SCENARIO)
    want = expected_levers(data)
    got = {lv.name: lv for lv in levers(sc) if lv.kind in ("order", "weight order", "red line")}
    assert set(got) == set(want)
    assert "preferences.A.utilities.delivery.fast" not in got  # a two-group order: no lever
    assert "preferences.A.utilities.terms.t3" in got  # [t1, t2] and t4 are the ends
    for name, w in want.items():
        lv = got[name]
        assert lv.kind == w["kind"], name
        assert (lv.lo, lv.hi) == pytest.approx(tuple(map(float, w["range"])), abs=1e-15), name
        assert lv.base == pytest.approx(float(w["base"]), abs=1e-15), name
        if lv.kind != "red line":
            assert lv.ends is not None and isinstance(lv.judgement, Order)
            for end in (0, 1):
                mine = dict(zip(lv.judgement.items(), lv.ends[end], strict=True))
                assert mine == pytest.approx({k: float(v) for k, v in w["ends"][end].items()},
                                             abs=1e-15), name  # fmt: skip
    # the order holds (weakly) at both ends: the swung group ties with a neighbour
    top = got["preferences.B.weights.delivery"]
    assert top.ends is not None
    assert top.ends[0][0] == pytest.approx(top.ends[0][1]) and top.ends[1][0] > top.ends[1][1]
    assert top.ends[1].sum() == pytest.approx(1.0)
    bottom = got["preferences.A.weights.[delivery, terms]"]
    assert bottom.lo == 0.0 and bottom.hi == pytest.approx(1 / 3)
    # kinds and counts: numbers (1 ranged), judgements, options (3 + 2 + 4)
    kinds = [lv.kind for lv in levers(sc)]
    assert kinds.count("number") == 1 and kinds.count("option") == 9
    assert kinds.count("red line") == 2


def _outlooks(space: Any, sc: Any) -> dict[str, Any]:
    return evaluate_all(space, sc=sc)


def test_every_lever_equals_the_file_with_its_values_written_out() -> None:
    """Both ends of every number and judgement lever: the whole analysis and every actor's
    outlook equal those of a copy of the file with the values written in as numbers."""
    sc = load_text(SCENARIO)
    data = yaml.safe_load(SCENARIO)
    res = {a: leverage(sc, a, workers=1) for a in ("A", "B", "S")}
    paths = {id(j): p for p, j in judgements(sc)}
    checked = 0
    for lv in levers(sc):
        if lv.kind == "option":
            continue
        for end in (0, 1):
            edited = copy.deepcopy(data)
            if lv.number is not None:
                at_path(edited, "preferences.A")["reservation"]["value"] = lv.hi if end else lv.lo
                edited = written_out(edited, floats=sc)
            else:
                assert lv.judgement is not None and lv.ends is not None
                v = lv.ends[end]
                items = lv.judgement.items() if isinstance(lv.judgement, Order) else []
                if lv.kind == "red line":
                    values: Any = bool(v)
                else:
                    values = dict(zip(items, map(float, v), strict=True))
                edited = written_out(edited, (paths[id(lv.judgement)], values), sc)
            plain = load_dict(edited)
            space = compile_space(plain)
            swung = compile_space(sc, lever_values(sc, lv, end))
            a, b = analyze(swung).to_json(), analyze(space).to_json()
            assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True), (lv.name, end)
            want = _outlooks(space, plain)
            for actor, r in res.items():
                s = next(x for x in r.swings if x.lever.name == lv.name)
                assert (s.hi if end else s.lo) == want[actor], (lv.name, end, actor)
            checked += 1
    assert checked == 2 * 12  # 1 number, 4 utility and 5 weight groups, 2 red lines


def test_base_equals_the_centroids_written_out() -> None:
    sc = load_text(SCENARIO)
    plain = load_dict(written_out(yaml.safe_load(SCENARIO), floats=sc))
    want = _outlooks(compile_space(plain), plain)
    assert leverage(sc, "A", workers=1).base == want["A"]
    fractions = load_dict(written_out(yaml.safe_load(SCENARIO)))  # the centroids in fractions
    assert leverage(sc, "A", workers=1).base.value == pytest.approx(
        _outlooks(compile_space(fractions), fractions)["A"].value, abs=1e-12
    )


# --- random ordinal scenarios against the oracle ---------------------------------------


def _as_order(mapping: dict[str, Any], positive: bool = False) -> list[Any] | None:
    groups: dict[float, list[str]] = {}
    for k, v in mapping.items():
        if v > 0 or not positive:
            groups.setdefault(v, []).append(k)
    order = [g[0] if len(g) == 1 else g for _, g in sorted(groups.items(), key=lambda t: -t[0])]
    return order if len(order) >= 2 else None


@st.composite
def ordinal_scenarios(draw: Any) -> dict[str, Any]:
    """Random scenarios of tests/test_engine.py (with the no-deal model, or with up to four
    options an issue), some weights and utilities turned into orders (by their values; an
    ideal point by the utilities it gives) and red lines made uncertain."""
    data = draw(st.one_of(model_scenarios(), scenarios(max_issues=3, max_options=4)))
    at = {i["id"]: {o["id"]: o["at"] for o in i["options"]} for i in data["issues"]}
    for p in data["preferences"].values():
        if draw(st.integers(0, 3)) > 0:
            order = _as_order(p["weights"], positive=True)
            if order is not None:
                p["weights"] = {"order": order}
        for issue, ideal in list(p.get("ideal", {}).items()):
            if draw(st.booleans()):
                u = {o: 1 - abs(x - ideal) / 100 for o, x in at[issue].items()}
                if _as_order(u) is not None:
                    p.setdefault("utilities", {})[issue] = u
                    del p["ideal"][issue]
        if "ideal" in p and not p["ideal"]:
            del p["ideal"]
        for issue, u in list(p.get("utilities", {}).items()):
            if draw(st.integers(0, 3)) > 0:
                order = _as_order(u)
                if order is not None:
                    p["utilities"][issue] = {"order": order}
        for line in p.get("red_lines", []):
            line["probability"] = draw(st.sampled_from([0.2, 0.5, 0.9, 1]))
    return data


def _oracle_outlook(data: dict[str, Any], actor: str) -> dict[str, Any]:
    want = brute(data)
    likely = want["likely"]
    out = want["outlook"](likely)
    shape = tuple(len(i["options"]) for i in data["issues"])
    deal = None
    if likely is not None:
        digits = np.unravel_index(likely, shape)
        deal = {
            i["id"]: i["options"][int(d)]["id"] for i, d in zip(data["issues"], digits, strict=True)
        }
    return {"zone": want["zone"], "deal": deal, "p_deal": out["p_deal"], "p_war": out["p_war"],
            "value": out["value"][actor]}  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ordinal_scenarios())
def test_judgement_levers_match_brute_force(data: dict[str, Any]) -> None:
    """Each end of each judgement lever == the oracle on the file with the swung values
    (computed here) written in; the set of levers == the one computed here."""
    sc = load_dict(data)
    actor = next(a["id"] for a in data["actors"] if a["role"] in ("party", "veto"))
    res = leverage(sc, actor, workers=1)
    want = expected_levers(data)
    got = {s.lever.name: s for s in res.swings if s.lever.kind != "option"}
    assert set(got) == set(want)
    base = _oracle_outlook(written_out(data), actor)
    assert res.base.zone == base["zone"] and res.base.deal == base["deal"]
    for name, w in want.items():
        s = got[name]
        for end, o in ((0, s.lo), (1, s.hi)):
            o_want = _oracle_outlook(written_out(data, (w["path"], w["ends"][end])), actor)
            assert o.zone == o_want["zone"], (name, end)
            assert o.deal == o_want["deal"], (name, end)
            for k in ("p_deal", "p_war", "value"):
                assert getattr(o, k) == pytest.approx(o_want[k], abs=1e-9), (name, end, k)


# --- the outlook is Monte Carlo's per-draw definition ----------------------------------


def _outlook_vs_montecarlo(sc: Any, draws: int = 8, seed: int = 2) -> None:
    mc = montecarlo(sc, draws=draws, seed=seed)
    t = draw_table(sc, draws, seed)
    for d in range(draws):
        nums = {id(n): float(t.x[d, j]) for j, n in enumerate(t.nums)}
        from zopa.scenario.values import Values

        space = compile_space(sc, Values(sc, nums, set_judgements=t.setting(d)))
        got = evaluate_all(space, sc=sc)
        first = next(iter(got.values()))
        assert first.zone == int(mc.size[d]), d
        idx = -1 if first.deal is None else space.package_index(first.deal)
        assert idx == int(mc.deal[d]), d
        assert first.p_deal == pytest.approx(float(mc.p_deal_draw[d]), abs=1e-12), d
        assert first.p_war == pytest.approx(float(mc.p_war_draw[d]), abs=1e-12), d
        for a, actor in enumerate(mc.actors):
            assert got[actor].value == pytest.approx(float(mc.value[a, d]), abs=1e-12), actor


def test_outlook_equals_montecarlo_on_a_scenario_with_a_spoiler() -> None:
    """toy_nodeal (a spoiler whose strike is war, credibility): P(deal), P(war), every
    actor's value (the spoiler's own too) and the likely deal, draw by draw."""
    sc = load_scenario(DATA / "toy_nodeal.yaml")
    assert sc.spoilers
    _outlook_vs_montecarlo(sc, draws=20)
    _outlook_vs_montecarlo(load_text(SCENARIO), draws=20)  # judgements drawn too


def test_outlook_with_trust_changed_by_an_option_only() -> None:
    """Found by hypothesis: trust that only an option changes (no base trust given) beside
    pairs with none; P(every decider keeps it) mixes both (the outlook once failed)."""
    o0 = {"id": "o0", "at": 0, "reverts": {"D0": "o0"}, "trust": {"D0": {"D1": 0.1}}}
    data = {
        "zopa": 1, "id": "random", "title": "random",
        "actors": [{"id": f"D{i}", "name": f"d{i}", "role": "party"} for i in range(3)],
        "issues": [{"id": "i0", "name": "issue 0", "options": [o0, {"id": "o1", "at": 100}]}],
        "preferences": {f"D{i}": {"weights": {"i0": 1}, "reservation": 0.0, "ideal": {"i0": 0}}
                        for i in range(3)},
        "credibility": {"trust": {"D0": {}, "D1": {}, "D2": {}}},
    }  # fmt: skip
    _outlook_vs_montecarlo(load_dict(data), draws=2)
    want = _oracle_outlook(data, "D0")
    got = leverage(load_dict(data), "D0", workers=1).base
    assert got.deal == want["deal"] and got.p_deal == pytest.approx(want["p_deal"], abs=1e-12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(uncertain_scenarios())
def test_outlook_equals_montecarlo_draw_by_draw(data: dict[str, Any]) -> None:
    _outlook_vs_montecarlo(load_dict(data), draws=4)


# --- evidence --------------------------------------------------------------------------


def test_every_lever_names_its_evidence() -> None:
    sc = load_text(SCENARIO)
    by = {lv.name: lv.evidence for lv in levers(sc)}
    e = by["preferences.A.reservation"]  # its own quote, rated
    assert (e.evidence, e.supports, e.source, e.source_kind) == (
        "magnitude", "magnitude", "wire", "news")  # fmt: skip
    e = by["preferences.A.weights.price"]  # an order with a rated quote
    assert (e.evidence, e.supports, e.source, e.source_kind) == (
        "judgement", "direction", "blog", None)  # fmt: skip
    e = by["preferences.B.utilities.terms.t3"]  # an order with an unrated quote
    assert (e.evidence, e.supports, e.source_kind) == ("judgement", "unrated", "news")
    e = by["preferences.A.utilities.terms.t3"]  # an order with an assumption
    assert (e.evidence, e.supports, e.source) == ("judgement", None, None)
    e = by["preferences.A.red_lines[0]: price not low"]
    assert (e.evidence, e.supports) == ("judgement", None)
    e = by["terms=t2 removed"]  # an option: its issue's quote covers it
    assert (e.evidence, e.supports, e.source, e.source_kind) == (
        "context", "context", "memo", "analysis")  # fmt: skip
    assert by["price=low removed"].evidence == "none"
    assert by["preferences.B.weights.delivery"].evidence == "judgement"


@pytest.mark.parametrize("name", ["reference", "judged", "toy_nodeal"])
def test_lever_evidence_agrees_with_the_sources_listing(name: str) -> None:
    """Every number and judgement lever's evidence == ``zopa sources``'s entry for the
    same field (the raw file walked by another walker)."""
    if name == "reference":
        data, lines = read_yaml(reference_path())
    elif name == "toy_nodeal":
        data, lines = read_yaml(DATA / "toy_nodeal.yaml")
    else:
        data, lines = parse_yaml(SCENARIO, "judged.yaml")
    sc = validate(data, lines, name)
    listed = {e.field: e for e in listed_evidence(data, lines)}
    paths = {id(j): p for p, j in judgements(sc)}
    checked = 0
    for lv in levers(sc):
        if lv.kind == "option":
            continue
        field = lv.name if lv.number is not None else paths[id(lv.judgement)]
        if field not in listed:  # a red line (no number), or a default not in the file
            assert lv.kind == "red line" or lv.number is not None, field
            continue
        e = listed[field]
        want_supports = (e.supports or "unrated") if e.quote else None
        assert lv.evidence.supports == want_supports, field
        assert lv.evidence.source == (e.ref if e.quote else None), field
        assert lv.evidence.source_kind == e.source_kind, field
        if lv.kind == "number":
            plain = want_supports or ("assumption" if e.assumption else "none")
            assert lv.evidence.evidence == plain, field
        else:
            assert lv.evidence.evidence == "judgement", field
        checked += 1
    assert checked > 0


# --- what the headline figures rest on -------------------------------------------------


def _recomputed(res: Leverage) -> dict[str, list[str]]:
    """The top levers of each headline, by the docstring's rules, recomputed here."""
    b = res.base
    n_issues = len(b.deal) if b.deal else 0
    rows: dict[str, list[tuple[Any, ...]]] = {"zone": [], "nash": [], "p_deal": [], "p_war": []}

    def differ(d: dict[str, str] | None) -> int:
        if d is None or b.deal is None:
            return 0 if d is None and b.deal is None else n_issues or len(d or {})
        return sum(d[k] != v for k, v in b.deal.items())

    for s in res.swings:
        ends = (s.lo, s.hi)
        flips = sum((o.zone > 0) != (b.zone > 0) for o in ends)
        size = max(abs(o.zone - b.zone) for o in ends)
        rows["zone"].append((-flips, -size, s.lever.name, flips))
        a, c = differ(s.lo.deal), differ(s.hi.deal)
        rows["nash"].append((-max(a, c), -(a + c), s.lever.name, max(a, c)))
        for h in ("p_deal", "p_war"):
            ch = round(max(abs(getattr(o, h) - getattr(b, h)) for o in ends), 12)
            rows[h].append((-ch, 0, s.lever.name, ch))
    return {h: [r[2] for r in sorted(v) if r[3] > 0][:TOP] for h, v in rows.items()}


@pytest.mark.parametrize("actor", ["A", "S"])
def test_rests_on_lists_the_levers_that_move_each_headline(actor: str) -> None:
    sc = load_text(SCENARIO)
    res = leverage(sc, actor, workers=1)
    moves = res.rests_on()
    assert {h: [m.swing.lever.name for m in v] for h, v in moves.items()} == _recomputed(res)
    j = res.to_json()["rests_on"]
    assert j["zone"]["exists"] is True and j["zone"]["size"] == res.base.zone
    assert j["nash"]["deal"] == res.base.deal
    assert j["p_war"]["base"] == pytest.approx(res.base.p_war)
    for h in ("zone", "nash", "p_deal", "p_war"):
        assert len(j[h]["levers"]) <= TOP
        for row in j[h]["levers"]:
            lv = next(s.lever for s in res.swings if s.lever.name == row["lever"])
            assert row["evidence"] == lv.evidence.evidence
            assert row["source_kind"] == lv.evidence.source_kind
            assert row["change"] > 0
    # removing delivery=slow empties the zone: whether a zone exists rests on it
    assert "delivery=slow removed" in [r["lever"] for r in j["zone"]["levers"]]
    # frames: one row per headline and lever, in rank order
    f = res.to_frames()["rests_on"]
    assert list(f.columns[:3]) == ["headline", "rank", "lever"]
    assert len(f) == sum(len(j[h]["levers"]) for h in j)
    sw = res.to_frames()["swings"]
    assert {"evidence", "source_kind", "p_war.low", "p_war.high"} <= set(sw.columns)


def test_nothing_moves_a_headline_says_so(tmp_path: Path) -> None:
    """Without a war outcome nothing moves P(war): the list is empty and the text says so."""
    text = SCENARIO.replace("war: true, ", "")
    res = leverage(load_text(text), "A", workers=1)
    assert res.to_json()["rests_on"]["p_war"] == {"base": 0.0, "levers": []}
    path = tmp_path / "calm.yaml"
    path.write_text(text)
    r = subprocess.run(
        [sys.executable, "-m", "zopa.cli.main", "leverage", str(path), "--for", "A"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "Nothing swung here moves P(war)." in r.stdout


def test_cli_prints_rests_on_and_valid_json(tmp_path: Path) -> None:
    path = tmp_path / "judged.yaml"
    path.write_text(SCENARIO)
    base = [sys.executable, "-m", "zopa.cli.main", "leverage", str(path), "--for", "A"]
    r = subprocess.run([*base, "--json", "--metric", "p_war"], capture_output=True, text=True,
                       timeout=120)  # fmt: skip
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    jsonschema.validate(j, output_schema("leverage"))
    assert j["metric"] == "p_war"
    spreads = [x["spread"] for x in j["levers"]]
    assert spreads == sorted(spreads, reverse=True)
    kinds = {x["kind"] for x in j["levers"]}
    assert kinds == {"number", "order", "weight order", "red line", "option"}
    r = subprocess.run([*base, "--top", "30"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "Whether a zone exists (yes" in out and "rests on:" in out
    assert "The Nash terms" in out and "P(deal) (" in out and "P(war) (" in out
    assert "delivery = slow taken off the table: no zone (none)" in out
    assert "(judgement, unrated quote, news)" in out and "(judgement, direction quote)" in out
    # not eaten as markup (the name sits under its label, folded to the terminal's width)
    assert "preferences.A.weights.[delivery,terms]" in "".join(out.split())
