"""The scenario loader: located errors for malformed files, and round trips (hypothesis).

Each malformed file must give one line per problem naming the file, the line and the
field, never a traceback; the expected lines are counted by hand in each test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from zopa.errors import InputError
from zopa.scenario.load import load_scenario, validate
from zopa.scenario.numbers import numbers, walk
from zopa.scenario.schema import json_schema
from zopa.scenario.sources import evidence, normalise, verify
from zopa.scenario.yamlfile import Lines, parse_yaml, read_yaml

DATA = Path(__file__).parent / "data"
TOY = (DATA / "toy.yaml").read_text()


def problems(tmp_path: Path, text: str) -> list[str]:
    f = tmp_path / "s.yaml"
    f.write_text(text)
    with pytest.raises(InputError) as e:
        load_scenario(f)
    lines = str(e.value).splitlines()
    assert all(line.startswith(f"{f}:") for line in lines), lines
    return [line.removeprefix(f"{f}:") for line in lines]


def test_toy_loads() -> None:
    sc = load_scenario(DATA / "toy.yaml")
    assert sc.n_packages() == 6
    assert [a.id for a in sc.deciders] == ["A", "B"]


def test_unknown_field_names_line_and_suggests(tmp_path: Path) -> None:
    got = problems(tmp_path, TOY.replace("    capability: 0.6", "    capabilty: 0.6"))
    assert got == ["8: actors[0].capabilty: unknown field (did you mean 'capability'?)"]


def test_bad_reference(tmp_path: Path) -> None:
    got = problems(
        tmp_path, TOY.replace("{issue: price, not: [low]}", "{issue: prize, not: [low]}")
    )
    assert len(got) == 1
    assert got[0].startswith("33: preferences.A.red_lines[0].issue: unknown issue 'prize'")


def test_bad_option_reference(tmp_path: Path) -> None:
    got = problems(
        tmp_path, TOY.replace("{low: 0.0, mid: 0.6, high: 1.0}", "{low: 0.0, mid: 0.6, hi: 1.0}")
    )
    assert any(g.startswith("29: preferences.A.utilities.price.hi: unknown option") for g in got)
    assert any("no utility for option(s) high" in g for g in got)


def test_out_of_range_number(tmp_path: Path) -> None:
    got = problems(tmp_path, TOY.replace("reservation: 0.4 ", "reservation: 1.4 "))
    assert got == ["31: preferences.A.reservation: 1.4 is out of range: must be at most 1"]


def test_duplicate_id(tmp_path: Path) -> None:
    got = problems(tmp_path, TOY.replace("- id: B\n", "- id: A\n"))
    assert got[0].startswith("9: actors[1].id: duplicate id 'A'")


def test_duplicate_key(tmp_path: Path) -> None:
    got = problems(tmp_path, TOY.replace("    name: Beta\n", "    name: Beta\n    name: Bet\n"))
    assert got == ["11: actors[1].name: duplicate key (it appears twice in the same mapping)"]


def test_yaml_syntax_error(tmp_path: Path) -> None:
    got = problems(tmp_path, TOY.replace("{id: mid, at: 50}", "{id: mid, at: 50"))
    assert len(got) == 1 and "YAML syntax error" in got[0]
    assert int(got[0].split(":")[0]) in (18, 19)


def test_not_a_mapping(tmp_path: Path) -> None:
    assert problems(tmp_path, "- 1\n- 2\n") == [
        "1: a scenario must be a mapping of fields, not list"
    ]
    assert problems(tmp_path, "") == ["1: the file is empty"]


def test_huge_file_is_refused_after_reading_its_cap(tmp_path: Path) -> None:
    f = tmp_path / "big.yaml"
    with f.open("wb") as h:  # sparse: 100 MB without writing 100 MB
        h.seek(100 * 2**20)
        h.write(b"\n")
    with pytest.raises(InputError, match=r"larger than the 10 MiB a scenario may be"):
        load_scenario(f)


def test_alias_bomb_is_refused() -> None:
    bomb = "a: &a [1,1,1,1,1,1,1,1,1,1]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    with pytest.raises(InputError, match="expands to too many values"):
        parse_yaml(bomb, "bomb.yaml")


def test_several_errors_all_reported(tmp_path: Path) -> None:
    text = TOY.replace("capability: 0.6", "capability: -1").replace(
        "{id: fast, at: 0}", "{id: fast, at: 200}"
    )
    got = problems(tmp_path, text)
    assert [g.split(":")[0] for g in got] == ["8", "23"]


def test_cross_errors_all_reported(tmp_path: Path) -> None:
    text = TOY.replace("{issue: price, not: [low]}", "{issue: price, not: [cheap]}").replace(
        "ideal: {price: 0, delivery: 100}", "ideal: {price: 0, delivery: 100, colour: 5}"
    )
    got = problems(tmp_path, text)
    assert len(got) == 2
    assert got[0].startswith("33: preferences.A.red_lines[0].not[0]: unknown option")
    assert got[1].startswith("36: preferences.B.ideal.colour: unknown issue")


def test_decider_without_preferences(tmp_path: Path) -> None:
    text = TOY.replace("  B:\n    weights", "  C:\n    weights")
    got = problems(tmp_path, text)
    assert "preferences: decider 'B' (role party) has no preferences" in " ".join(got)
    assert any("preferences.C: unknown actor 'C'" in g for g in got)


def test_boolean_is_not_a_number(tmp_path: Path) -> None:
    got = problems(tmp_path, TOY.replace("reservation: 0.3", "reservation: yes"))
    assert got == ["37: preferences.B.reservation: must be a number, got True"]


def test_unknown_source_ref(tmp_path: Path) -> None:
    text = TOY.replace(
        "reservation: 0.3", "reservation: {value: 0.3, source: {ref: nope, quote: q}}"
    )
    got = problems(tmp_path, text)
    assert got[0].startswith("37: preferences.B.reservation.source.ref: unknown source 'nope'")


def test_json_schema_is_valid_and_accepts_toy() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json_schema()
    json.dumps(schema)
    jsonschema.Draft202012Validator.check_schema(schema)
    data, _ = read_yaml(DATA / "toy.yaml")
    jsonschema.validate(data, schema)


def test_sources_listing_inherits_and_flags_bare_numbers() -> None:
    text = """
zopa: 1
id: t
title: t
sources: [{id: s, title: S, file: s.txt}]
actors:
  - {id: A, name: a, role: party, capability: {value: 2, source: {ref: s, quote: "it’s strong"}}}
issues: [{id: x, name: x, options: [{id: a, at: 0}, {id: b, at: 100}]}]
preferences:
  A:
    weights: {x: 1, assumption: only one issue}
    utilities: {x: {a: 0, b: 1}}
    reservation: 0.2
"""
    data, lines = parse_yaml(text, "t.yaml")
    validate(data, lines, "t.yaml")
    ev = {e.field: e for e in evidence(data, lines)}
    assert ev["actors[0].capability"].quote == "it’s strong"
    assert ev["preferences.A.weights.x"].assumption == "only one issue"
    assert ev["preferences.A.weights.x"].inherited_from == "preferences.A.weights"
    assert ev["preferences.A.reservation"].kind == "none"
    assert ev["preferences.A.utilities.x.b"].kind == "none"
    assert "zopa" not in ev


def test_one_walker_over_the_model_and_the_raw_data() -> None:
    """``numbers`` (over the model) and the source listing (over the raw data) walk the
    same tree: a number the file writes has one path in both; the model adds the defaults
    the file leaves out (here the capabilities)."""
    data, lines = parse_yaml((DATA / "toy_nodeal.yaml").read_text(), "toy_nodeal.yaml")
    sc = validate(data, lines, "toy_nodeal.yaml")
    model = {p for p, _ in numbers(sc)}
    raw = {e.field for e in evidence(data, lines)}
    assert raw <= model
    assert model - raw == {f"actors[{i}].capability" for i in range(3)}
    tree = {"a": [1, {"b": 2}], "c": {"d": 3}}
    every = [(), ("a",), ("a", 0), ("a", 1), ("a", 1, "b"), ("c",), ("c", "d")]
    assert [p for p, _ in walk(tree)] == every
    assert [p for p, _ in walk(tree, lambda p, _: p != ("a",))] == [(), ("a",), ("c",), ("c", "d")]


def test_verify_quotes(tmp_path: Path) -> None:
    (tmp_path / "s.txt").write_text("Well,   it's \n strong; it is.")
    text = """
zopa: 1
id: t
title: t
sources: [{id: s, title: S, file: s.txt}]
actors:
  - {id: A, name: a, role: party, capability: {value: 2, source: {ref: s, quote: "it’s strong"}}}
  - {id: B, name: b, role: party, capability: {value: 2, source: {ref: s, quote: "it's weak"}}}
issues: [{id: x, name: x, options: [{id: a, at: 0}]}]
preferences:
  A: {weights: {x: 1}, utilities: {x: {a: 1}}}
  B: {weights: {x: 1}, utilities: {x: {a: 1}}}
"""
    data, lines = parse_yaml(text, "t.yaml")
    checks = verify(data, lines, tmp_path)
    assert [c.ok for c in checks] == [True, False]
    assert checks[1].line == 8 and "not verbatim in s.txt" in checks[1].reason
    assert normalise("“a”\n  b") == '"a" b'


# --- hypothesis: any well-formed scenario written as YAML loads back the same --------------

ids = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(
    lambda s: s not in ("source", "assumption", "value")
)


@st.composite
def well_formed(draw: Any) -> dict[str, Any]:
    issue_ids = draw(st.lists(ids, min_size=1, max_size=4, unique=True))
    issues = []
    for i in issue_ids:
        opts = draw(st.lists(ids, min_size=1, max_size=4, unique=True))
        ats = draw(st.lists(st.floats(0, 100), min_size=len(opts), max_size=len(opts)))
        issues.append(
            {
                "id": i,
                "name": i.upper(),
                "options": [{"id": o, "at": a} for o, a in zip(opts, ats, strict=True)],
            }
        )
    prefs = {}
    for a in ("A", "B"):
        w = {i["id"]: draw(st.floats(0.01, 10)) for i in issues}
        u = {i["id"]: {o["id"]: draw(st.floats(0, 1)) for o in i["options"]} for i in issues}
        prefs[a] = {"weights": w, "utilities": u, "reservation": draw(st.floats(0, 1))}
    return {
        "zopa": 1,
        "id": "h",
        "title": "hypothesis",
        "actors": [{"id": a, "name": a, "role": "party"} for a in ("A", "B")],
        "issues": issues,
        "preferences": prefs,
    }


@settings(max_examples=60, deadline=None)
@given(well_formed())
def test_well_formed_round_trip(data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data, sort_keys=False)
    parsed, lines = parse_yaml(text, "h.yaml")
    sc = validate(parsed, lines, "h.yaml")
    assert sc.n_packages() == __import__("math").prod(len(i["options"]) for i in data["issues"])
    assert float(sc.preferences["A"].reservation) == data["preferences"]["A"]["reservation"]


@settings(max_examples=80, deadline=None)
@given(well_formed(), st.data())
def test_any_single_corruption_is_a_located_error(data: dict[str, Any], pick: Any) -> None:
    """Corrupt one number: the error names the field and a line that holds it."""
    issue = pick.draw(st.sampled_from(data["issues"]))
    bad = pick.draw(st.sampled_from([-1.0, 101.0, "x", True, None]))
    issue["options"][0]["at"] = bad
    text = yaml.safe_dump(data, sort_keys=False)
    parsed, lines = parse_yaml(text, "h.yaml")
    with pytest.raises(InputError) as e:
        validate(parsed, lines, "h.yaml")
    k = data["issues"].index(issue)
    field = f"issues[{k}].options[0].at"
    msg = [p for p in e.value.problems if p.field == field]
    assert msg, str(e.value)
    line = text.splitlines()[msg[0].line - 1]
    assert "at:" in line
    assert isinstance(Lines, type)
