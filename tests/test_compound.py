"""Interactions between issues (``utilities: {B: {given: A, values: ...}}``), compiled into
one compound issue (:mod:`zopa.scenario.compound`).

Oracles: a brute force over every package of a 3-issue toy, written from the definition
(``w_A u_A(a) + w_B u_B(b | a) + w_C u_C(c)``, weights normalised) with the zone and the
Nash solution found by enumeration; and, for red lines, reference packages, trust
changes, reversions, delivery and spoilers, the same scenario written by hand as one
explicit compound issue (an independent transformation of the file), whose space must
give the same numbers for every package.
"""

from __future__ import annotations

import copy
import itertools
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from zopa.api import analyze, forecast, leverage, montecarlo, simulate
from zopa.cli.main import app
from zopa.errors import InputError
from zopa.scenario.compound import groups, split_package
from zopa.scenario.load import load_text
from zopa.scenario.numbers import draw_table
from zopa.scenario.values import Values
from zopa.space.space import compile_space, preference_tables
from zopa.studies.leverage import without_option

X = ["x0", "x1", "x2"]
S = ["kept", "partial", "lifted"]
OIL = ["none", "joint"]


def _issue(iid: str, opts: list[str]) -> dict[str, Any]:
    step = 100 / (len(opts) - 1)
    options = [{"id": o, "at": round(j * step, 6)} for j, o in enumerate(opts)]
    return {"id": iid, "name": iid.title(), "options": options}


BASE: dict[str, Any] = {
    "zopa": 1,
    "id": "compound",
    "title": "Compound toy",
    "actors": [
        {"id": "A", "name": "A", "role": "party"},
        {"id": "B", "name": "B", "role": "party"},
        {"id": "C", "name": "C", "role": "party"},
    ],
    "issues": [_issue("x", X), _issue("s", S), _issue("oil", OIL)],
    "preferences": {
        "A": {  # additive
            "weights": {"x": 1.0, "s": 0.6, "oil": 0.4},  # sum 2: normalised
            "reservation": 0.35,
            "utilities": {
                "x": {"x0": 0.0, "x1": 0.5, "x2": 1.0},
                "s": {"kept": 1.0, "partial": 0.6, "lifted": 0.0},
                "oil": {"none": 0.3, "joint": 0.8},
            },
        },
        "B": {  # oil given s (the given issue first)
            "weights": {"x": 0.4, "s": 0.3, "oil": 0.3},
            "reservation": 0.3,
            "utilities": {
                "x": {"x0": 1.0, "x1": 0.6, "x2": 0.0},
                "s": {"kept": 0.0, "partial": 0.5, "lifted": 1.0},
                "oil": {
                    "given": "s",
                    "assumption": "the channel is worth something only with sanctions lifted",
                    "values": {
                        "kept": {"none": 1.0, "joint": 0.0},
                        "partial": {"none": 0.6, "joint": 0.5},
                        "lifted": {"none": 0.0, "joint": 1.0},
                    },
                },
            },
        },
        "C": {  # s given oil (the given issue second); one entry an order
            "weights": {"x": 0.2, "s": 0.5, "oil": 0.3},
            "reservation": 0.2,
            "utilities": {
                "x": {"x0": 0.3, "x1": 1.0, "x2": 0.4},
                "oil": {"none": 0.0, "joint": 1.0},
                "s": {
                    "given": "oil",
                    "values": {
                        "none": {"order": ["kept", "partial", "lifted"]},
                        "joint": {"kept": 0.1, "partial": 0.9, "lifted": 0.7},
                    },
                },
            },
        },
    },
}


def _load(doc: dict[str, Any], name: str = "compound.yaml") -> Any:
    return load_text(yaml.safe_dump(doc, sort_keys=False), name)


def _packages() -> list[tuple[int, str, str, str]]:
    return [(i, x, s, o) for i, (x, s, o) in enumerate(itertools.product(X, S, OIL))]


def _value(sc: Any, who: str, issue: str, option: str, pkg: dict[str, str]) -> float:
    """u_who,issue(option), read from the file by definition (given: at the package's
    option of the given issue; an order: its centroid)."""
    u = sc.preferences[who].utilities[issue]
    if hasattr(u, "given"):
        u = u.values[pkg[u.given]]
    if hasattr(u, "order"):
        return Values(sc).order(u)[option]
    return float(u.numbers()[option])


def _brute(sc: Any, who: str, pkg: dict[str, str]) -> float:
    w = {k: float(v) for k, v in sc.preferences[who].weights.numbers().items()}
    total = sum(w.values())
    return sum(w[k] / total * _value(sc, who, k, pkg[k], pkg) for k in w)


def test_utilities_zone_and_nash_match_a_brute_force() -> None:
    sc = _load(BASE)
    space = compile_space(sc)
    assert space.issues == ("x", "s+oil")
    assert space.options[1] == tuple(f"{s}+{o}" for s in S for o in OIL)
    u = space.utilities(np.arange(space.size), np.arange(3))
    res = {"A": 0.35, "B": 0.3, "C": 0.2}
    zone, best, best_i = [], -math.inf, -1
    for i, x, s, o in _packages():
        pkg = {"x": x, "s": s, "oil": o}
        want = [_brute(sc, who, pkg) for who in "ABC"]
        np.testing.assert_allclose(u[:, i], want, atol=1e-12)
        assert space.package(i) == {"x": x, "s+oil": f"{s}+{o}"}
        assert split_package(sc, space.package(i)) == pkg
        if all(w >= res[who] for w, who in zip(want, "ABC", strict=True)):
            zone.append(i)
            prod = math.prod(w - res[who] for w, who in zip(want, "ABC", strict=True))
            if prod > best + 1e-12:
                best, best_i = prod, i
    a = analyze(sc).to_json()
    assert a["agreement_zone"]["size"] == len(zone) > 0
    assert a["solutions"]["nash"]["index"] == best_i
    # the actors without a conditional form keep their additive values
    assert u[0, 0] == pytest.approx((0.0 + 0.6 * 1.0 + 0.4 * 0.3) / 2, abs=1e-15)


def test_without_given_the_space_is_unchanged() -> None:
    doc = copy.deepcopy(BASE)
    doc["preferences"]["B"]["utilities"]["oil"] = {"none": 0.5, "joint": 0.5}
    doc["preferences"]["C"]["utilities"]["s"] = {"kept": 0.1, "partial": 0.9, "lifted": 0.7}
    space = compile_space(_load(doc))
    assert space.issues == ("x", "s", "oil") and len(groups(_load(doc))) == 3


def _mechanisms() -> dict[str, Any]:
    """BASE with a red line, a reference package and a constraint, credibility with trust
    changes on both components, reversions, a delivery risk and a spoiler."""
    doc = copy.deepcopy(BASE)
    doc["preferences"]["C"]["utilities"]["s"]["values"]["none"] = {
        "kept": 1.0,
        "partial": 0.5,
        "lifted": 0.0,
    }  # numbers: the hand-written compound below copies them
    doc["actors"].append({"id": "S", "name": "Spoiler", "role": "spoiler"})
    doc["preferences"]["S"] = {"weights": {"s": 1.0, "oil": 1.0}, "utilities": {
        "s": {"kept": 1.0, "partial": 0.4, "lifted": 0.0},
        "oil": {"given": "s", "values": {"kept": {"none": 1.0, "joint": 0.5},
                                         "partial": {"none": 0.7, "joint": 0.2},
                                         "lifted": {"none": 0.4, "joint": 0.0}}}}}  # fmt: skip
    doc["preferences"]["A"]["red_lines"] = [{"issue": "s", "not": ["lifted"]}]
    doc["preferences"]["B"]["red_lines"] = [{"issue": "oil", "not": ["none"]}]
    doc["no_deal"] = [{"id": "strike", "name": "Strike", "probability": 1.0, "war": True,
                       "values": {"A": 0.3, "B": 0.25, "C": 0.2, "S": 0.6}}]  # fmt: skip
    for who in "ABC":
        doc["preferences"][who].pop("reservation")
    doc["credibility"] = {"trust": {"A": {"B": 0.7, "C": 0.9}, "B": {"A": 0.6}, "C": {"A": 0.8}}}
    s_opts, oil_opts = doc["issues"][1]["options"], doc["issues"][2]["options"]
    s_opts[1]["trust"] = {"A": {"B": 0.1}}
    s_opts[2]["trust"] = {"A": {"B": 0.2, "C": -0.1}, "B": {"A": 0.15}}
    oil_opts[1]["trust"] = {"A": {"B": 0.05}, "C": {"A": -0.2}}
    s_opts[2]["reverts"] = {"B": "partial", "S": "kept"}
    oil_opts[1]["reverts"] = {"A": "none", "S": "none"}
    oil_opts[1]["delivered"] = {"probability": 0.7, "otherwise": "none"}
    doc["reference_packages"] = [
        {"id": "sq", "name": "Status quo", "package": {"x": "x1", "s": "kept", "oil": "none"}}
    ]
    doc["constraints"] = [{"actor": "C", "beats": "sq", "margin": -0.05}]
    doc["spoilers"] = [{"actor": "S", "outcome": "strike", "max_probability": 0.5,
                        "threshold": 0.5, "scale": 0.1, "baseline": "sq"}]  # fmt: skip
    return doc


def _by_hand(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with s and oil written as one explicit issue ``s_oil`` (options
    ``kept_none``...): the definition of every composition, written independently."""
    out = copy.deepcopy(doc)
    s_issue, o_issue = doc["issues"][1], doc["issues"][2]
    opts = []
    for a, b in itertools.product(s_issue["options"], o_issue["options"]):
        opt: dict[str, Any] = {"id": f"{a['id']}_{b['id']}", "at": (a["at"] + b["at"]) / 2}
        trust: dict[str, dict[str, float]] = {}
        for part in (a, b):
            for i, row in part.get("trust", {}).items():
                for j, d in row.items():
                    trust.setdefault(i, {}).setdefault(j, 0.0)
                    trust[i][j] += d
        if trust:
            opt["trust"] = trust
        who = set(a.get("reverts", {})) | set(b.get("reverts", {}))
        if who:
            ra, rb = a.get("reverts", {}), b.get("reverts", {})
            opt["reverts"] = {w: f"{ra.get(w, a['id'])}_{rb.get(w, b['id'])}" for w in who}
        assert "delivered" not in a
        if "delivered" in b:
            d = b["delivered"]
            opt["delivered"] = {"probability": d["probability"],
                                "otherwise": f"{a['id']}_{d['otherwise']}"}  # fmt: skip
        opts.append(opt)
    out["issues"] = [doc["issues"][0], {"id": "s_oil", "name": "S+Oil", "options": opts}]
    for p in out["preferences"].values():
        w = p["weights"]
        ws, wo = w.pop("s"), w.pop("oil")
        w["s_oil"] = ws + wo
        us, uo = p["utilities"].pop("s"), p["utilities"].pop("oil")
        table = {}
        for a, b in itertools.product(S, OIL):
            va = us["values"][b][a] if "given" in us else us[a]
            vb = uo["values"][a][b] if "given" in uo else uo[b]
            table[f"{a}_{b}"] = (ws * va + wo * vb) / (ws + wo)
        p["utilities"]["s_oil"] = table
        for line in p.get("red_lines", []):
            if line["issue"] in ("s", "oil"):
                pos = 0 if line["issue"] == "s" else 1
                line["not"] = [f"{a}_{b}" for a, b in itertools.product(S, OIL)
                               if (a, b)[pos] in line["not"]]  # fmt: skip
                line["issue"] = "s_oil"
    for r in out["reference_packages"]:
        pk = r["package"]
        pk["s_oil"] = f"{pk.pop('s')}_{pk.pop('oil')}"
    return out


def _compare(doc: dict[str, Any]) -> tuple[Any, Any]:
    """The spaces of ``doc`` and of its hand-written compound: equal numbers everywhere."""
    sc, hand = _load(doc), _load(_by_hand(doc))
    a, b = compile_space(sc), compile_space(hand)
    idx = np.arange(a.size)
    assert a.shape == b.shape and a.references == b.references
    every = np.arange(len(a.actors))
    np.testing.assert_allclose(a.utilities(idx, every), b.utilities(idx, every), atol=1e-12)
    np.testing.assert_allclose(a.values(idx), b.values(idx), atol=1e-12)
    assert (a.red_line_ok(idx, every) == b.red_line_ok(idx, every)).all()
    np.testing.assert_allclose(a.reservation, b.reservation)
    np.testing.assert_allclose(a.accept_at, b.accept_at, atol=1e-12)
    for x, y in zip(a.option_at, b.option_at, strict=True):
        np.testing.assert_allclose(x, y)
    ja, jb = analyze(sc).to_json(), analyze(hand).to_json()
    assert ja["agreement_zone"] == jb["agreement_zone"]
    for name, sol in ja["solutions"].items():
        other = jb["solutions"][name]
        assert (sol is None) == (other is None)
        if sol is not None:
            assert sol["index"] == other["index"] and sol["utilities"] == other["utilities"]
    return sc, hand


def test_red_lines_trust_reverts_delivery_and_a_spoiler_compose_like_a_hand_written_compound(
) -> None:  # fmt: skip
    sc, _ = _compare(_mechanisms())
    space = compile_space(sc)
    assert space.deal is not None
    # red lines: A never takes lifted, B never oil=none, whatever the other component
    ok = space.red_line_ok(np.arange(space.size), np.arange(2))
    for i, _x, s, o in _packages():
        assert ok[0, i] == (s != "lifted") and ok[1, i] == (o != "none")
    assert space.references["sq"] == X.index("x1") * 6 + 0


def test_a_compound_of_two_delivery_risks_is_the_four_outcome_lottery() -> None:
    doc = copy.deepcopy(BASE)
    doc["issues"][1]["options"][2]["delivered"] = {"probability": 0.6, "otherwise": "partial"}
    doc["issues"][2]["options"][1]["delivered"] = {"probability": 0.7, "otherwise": "none"}
    sc = _load(doc)
    space = compile_space(sc)
    u = space.utilities(np.arange(space.size), np.arange(3))
    lot = {"s": {"lifted": (0.6, "partial")}, "oil": {"joint": (0.7, "none")}}
    for i, x, s, o in _packages():
        ps, s2 = lot["s"].get(s, (1.0, s))
        po, o2 = lot["oil"].get(o, (1.0, o))
        for pos, who in enumerate("ABC"):
            outcomes = [(ps * po, s, o), (ps * (1 - po), s, o2),
                        ((1 - ps) * po, s2, o), ((1 - ps) * (1 - po), s2, o2)]  # fmt: skip
            want = sum(p * _brute(sc, who, {"x": x, "s": ss, "oil": oo}) for p, ss, oo in outcomes)
            assert u[pos, i] == pytest.approx(want, abs=1e-12)


def test_levers_forecasts_and_simulations_read_the_file_issues() -> None:
    sc = _load(_mechanisms())
    space = compile_space(sc)
    names = {s.lever.name for s in leverage(sc, "A").swings}
    assert {"s=lifted removed", "oil=joint removed"} <= names
    less = without_option(space, 1, S.index("lifted"), sc)  # file issue s, option lifted
    gone = ~less.allowed[1][space.deciders].any(axis=0)
    assert list(np.flatnonzero(gone)) == [4, 5]  # lifted+none, lifted+joint
    less = without_option(space, 2, OIL.index("joint"), sc)
    assert list(np.flatnonzero(~less.allowed[1][space.deciders].any(axis=0))) == [1, 3, 5]
    f = forecast(sc).to_json()
    nash = analyze(sc).to_json()["solutions"]["nash"]
    assert f["agreement_nash"] == split_package(sc, nash["package"])
    for model in f["models"].values():
        assert set(model["issues"]) == {"x", "s", "oil"}
    report = simulate(sc, runs=5, seed=1).to_json()
    assert report["runs"] == 5


UNCERTAIN = copy.deepcopy(BASE)
UNCERTAIN["preferences"]["B"]["utilities"]["oil"]["values"]["lifted"]["joint"] = {
    "uniform": [0.2, 1.0]
}
UNCERTAIN["preferences"]["B"]["utilities"]["oil"]["values"]["partial"] = {
    "order": ["joint", "none"]
}


def test_draws_inside_a_conditional_map_are_drawn_by_monte_carlo() -> None:
    sc = _load(UNCERTAIN)
    draws, seed = 60, 3
    m = montecarlo(sc, draws=draws, seed=seed)
    j = m.to_json()
    assert j["uncertain_numbers"] and j["uncertain_judgements"]
    # draw by draw: the zone as a space compiled from that draw's values
    t = draw_table(sc, draws, seed)
    zone = []
    for d in range(draws):
        val = Values(sc, {id(n): float(t.x[d, c]) for c, n in enumerate(t.nums)},
                     set_judgements=t.setting(d))  # fmt: skip
        space = compile_space(sc, val)
        u = space.utilities(np.arange(space.size))
        zone.append(bool(((u >= space.reservation[:, None] - 1e-12).all(axis=0)).any()))
    assert list(m.zone.astype(bool)) == zone
    # the block tables (a draws axis) agree with compiling each draw
    judged = {id(o): x for o, x in zip(t.judged, t.jx, strict=True)}
    val = Values(sc, {id(n): t.x[:, c] for c, n in enumerate(t.nums)}, set_judgements=judged)
    tables, _ = preference_tables(sc, val, draws)
    for d in (0, draws - 1):
        one = Values(sc, {id(n): float(t.x[d, c]) for c, n in enumerate(t.nums)},
                     set_judgements=t.setting(d))  # fmt: skip
        single, _ = preference_tables(sc, one)
        for k in range(2):
            np.testing.assert_allclose(tables[k][d], single[k], atol=1e-12)


def test_montecarlo_cli_runs_on_a_conditional_distribution(tmp_path: Path) -> None:
    f = tmp_path / "u.yaml"
    f.write_text(yaml.safe_dump(UNCERTAIN, sort_keys=False))
    r = CliRunner().invoke(app, ["montecarlo", str(f), "--draws", "50", "--seed", "1", "--json"])
    assert r.exit_code == 0, r.output
    assert "s+oil" in r.output


def _cond(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["preferences"]["B"]["utilities"]["oil"]


def _bad_given(d: dict[str, Any]) -> None:
    _cond(d)["given"] = "nope"


def _self_given(d: dict[str, Any]) -> None:
    _cond(d)["given"] = "oil"


def _missing_entry(d: dict[str, Any]) -> None:
    del _cond(d)["values"]["partial"]


def _unknown_entry(d: dict[str, Any]) -> None:
    _cond(d)["values"]["other"] = {"none": 0.0, "joint": 1.0}


def _inner_missing(d: dict[str, Any]) -> None:
    del _cond(d)["values"]["kept"]["joint"]


def _inner_unknown(d: dict[str, Any]) -> None:
    _cond(d)["values"]["kept"]["maybe"] = 0.5


def _not_adjacent(d: dict[str, Any]) -> None:
    _cond(d)["given"] = "x"
    _cond(d)["values"] = {o: {"none": 0.5, "joint": 0.5} for o in X}


def _chain(d: dict[str, Any]) -> None:
    d["preferences"]["A"]["utilities"]["x"] = {
        "given": "s",
        "values": {o: {"x0": 0.0, "x1": 0.5, "x2": 1.0} for o in S},
    }


def _two_givens(d: dict[str, Any]) -> None:
    d["issues"].append(_issue("z", ["z0", "z1"]))
    d["preferences"]["A"]["weights"]["z"] = 0.0
    d["preferences"]["A"]["utilities"]["oil"] = {
        "given": "z",
        "values": {o: {"none": 0.0, "joint": 1.0} for o in ("z0", "z1")},
    }


def _out_of_range(d: dict[str, Any]) -> None:
    _cond(d)["values"]["kept"]["joint"] = 1.5


@pytest.mark.parametrize(
    ("edit", "field", "words"),
    [
        (_bad_given, "preferences.B.utilities.oil.given", "unknown issue 'nope'"),
        (_self_given, "preferences.B.utilities.oil.given", "itself"),
        (_missing_entry, "preferences.B.utilities.oil.values", "partial"),
        (_unknown_entry, "preferences.B.utilities.oil.values.other", "unknown option"),
        (_inner_missing, "preferences.B.utilities.oil.values.kept", "no utility for option"),
        (_inner_unknown, "preferences.B.utilities.oil.values.kept.maybe", "unknown option"),
        (_not_adjacent, "preferences.B.utilities.oil.given", "next to each other"),
        (_chain, "preferences.B.utilities.oil.given", "one other issue at most"),
        (_two_givens, "preferences.B.utilities.oil.given", "already interacts with 'z'"),
        (_out_of_range, "preferences.B.utilities.oil.values.kept.joint", "at most 1"),
    ],
)
def test_bad_interactions_are_located(tmp_path: Path, edit: Any, field: str, words: str) -> None:
    doc = copy.deepcopy(BASE)
    edit(doc)
    with pytest.raises(InputError) as err:
        _load(doc)
    assert field in str(err.value) and words in str(err.value)
    f = tmp_path / "bad.yaml"
    f.write_text(yaml.safe_dump(doc, sort_keys=False))
    r = subprocess.run([sys.executable, "-m", "zopa.cli.main", "validate", str(f)],
                       capture_output=True, text=True, timeout=120)  # fmt: skip
    assert r.returncode == 2, r.stderr
    first = r.stderr.splitlines()[0]
    where, line, rest = first.split(":", 2)
    assert where == str(f) and line.isdigit() and rest.strip().startswith(field)


def test_the_given_issue_need_not_be_weighed() -> None:
    doc = copy.deepcopy(BASE)
    oil = doc["preferences"]["B"]["utilities"]["oil"]
    doc["preferences"]["B"] = {"weights": {"s": 0, "oil": 1}, "reservation": 0.1,
                               "utilities": {"oil": oil}}  # fmt: skip
    space = compile_space(_load(doc))
    u = space.utilities(np.arange(6), np.array([1]))[0]  # x0 with every (s, oil)
    want = [oil["values"][s][o] for s in S for o in OIL]
    np.testing.assert_allclose(u, want, atol=1e-15)
