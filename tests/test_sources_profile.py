"""The evidence profile of ``zopa sources`` and the exit statuses of ``--verify``.

The profile of a small hand-written scenario is compared with the evidence of each of its
numbers written out by hand below (``EXPECTED``) and counted by brute force; hypothesis
checks, over random ``supports`` and ``kind`` assignments, that every number is counted
exactly once; the command line is run as a user runs it (a subprocess) for its exit
statuses: 0 all quotes verbatim, 1 a quote that fails, 2 bad input.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, get_args

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from zopa.io.schemas import output_schema
from zopa.scenario.load import validate
from zopa.scenario.schema import SOURCE_KINDS, SUPPORTS
from zopa.scenario.sources import (
    NumberEvidence,
    SourceKind,
    SourcesReport,
    Supports,
    evidence,
    profile,
    verify,
)
from zopa.scenario.yamlfile import parse_yaml

HERE = Path(__file__).parent
SOURCES = HERE / "data" / "sources"

SCENARIO = """\
zopa: 1
id: profile
title: Evidence profile
sources:
  - {id: wire, title: Wire, file: wire.txt, kind: news}
  - {id: think, title: Think tank, file: think.txt, kind: analysis}
  - {id: blog, title: Blog, file: blog.txt}
actors:
  - id: A
    name: Alpha
    role: party
    capability:
      value: 2
      source: {ref: wire, quote: "Alpha is twice as strong", supports: magnitude}
  - id: B
    name: Beta
    role: party
    capability:
      value: 1
      source: {ref: wire, quote: "Alpha is  twice as strong", supports: magnitude}
      assumption: Beta is the unit
issues:
  - id: x
    name: X
    source: {ref: think, quote: "x runs from low to high", supports: context}
    options: [{id: lo, at: 0}, {id: mid, at: 50}, {id: hi, at: 100}]
  - id: y
    name: Y
    options: [{id: drop, at: 0}, {id: keep, at: 100}]
preferences:
  A:
    weights:
      order: [x, y]
      source: {ref: think, quote: "x matters more than y", supports: direction}
    utilities:
      x:
        order: [hi, [mid, lo]]
        source: {ref: blog, quote: "Alpha wants it high"}
        assumption: mid and lo alike
      y: {keep: 1, drop: 0, assumption: Alpha wants y kept}
    reservation: 0.3
    red_lines:
      - issue: y
        not: [drop]
        probability: 0.7
        source: {ref: blog, quote: "most likely a red line", supports: direction}
  B:
    weights: {x: 0.5, y: 0.5}
    ideal: {x: 0, y: 0, source: {ref: think, quote: "Beta wants the opposite", supports: direction}}
    reservation: {value: 0.2, assumption: a guess}
"""
KIND = {"wire": "news", "think": "analysis", "blog": None}
# field -> (ref of its quote or None, supports, an assumption?): written out by hand
EXPECTED: dict[str, tuple[str | None, str | None, bool]] = {
    "actors[0].capability": ("wire", "magnitude", False),
    "actors[1].capability": ("wire", "magnitude", True),
    "issues[0].options[0].at": ("think", "context", False),
    "issues[0].options[1].at": ("think", "context", False),
    "issues[0].options[2].at": ("think", "context", False),
    "issues[1].options[0].at": (None, None, False),
    "issues[1].options[1].at": (None, None, False),
    "preferences.A.weights": ("think", "direction", False),
    "preferences.A.utilities.x": ("blog", None, True),
    "preferences.A.utilities.y.keep": (None, None, True),
    "preferences.A.utilities.y.drop": (None, None, True),
    "preferences.A.reservation": (None, None, False),
    "preferences.A.red_lines[0].probability": ("blog", "direction", False),
    "preferences.B.weights.x": (None, None, False),
    "preferences.B.weights.y": (None, None, False),
    "preferences.B.ideal.x": ("think", "direction", False),
    "preferences.B.ideal.y": ("think", "direction", False),
    "preferences.B.reservation": (None, None, True),
}
TEXTS = {
    "wire.txt": "Sources say Alpha is twice as strong as Beta.",
    "think.txt": "x runs from low to high; x matters more than y. Beta wants the opposite.",
    "blog.txt": "Alpha wants it high. It is “most likely a red line”.",
}


def listing(text: str = SCENARIO) -> list[NumberEvidence]:
    data, lines = parse_yaml(text, "profile.yaml")
    validate(data, lines, "profile.yaml")
    return evidence(data, lines)


def zopa(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zopa.cli.main", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_literal_types_match_the_schema() -> None:
    assert get_args(Supports) == SUPPORTS
    assert get_args(SourceKind) == SOURCE_KINDS


def test_listing_carries_supports_kind_and_judgements() -> None:
    ev = {e.field: e for e in listing()}
    assert set(ev) == set(EXPECTED)
    for field, (ref, supports, assumed) in EXPECTED.items():
        e = ev[field]
        assert (e.ref if e.quote else None, e.supports, e.assumption is not None) == (
            ref,
            supports,
            assumed,
        ), field
        assert e.source_kind == (KIND[ref] if ref else None), field
    assert ev["preferences.A.weights"].value == "order [x, y]"
    assert ev["preferences.A.utilities.x"].value == "order [hi, [mid, lo]]"
    assert ev["preferences.A.utilities.x"].inherited_from is None
    assert ev["issues[0].options[1].at"].inherited_from == "issues[0]"
    assert ev["preferences.A.red_lines[0].probability"].inherited_from == (
        "preferences.A.red_lines[0]"
    )


def test_profile_matches_a_brute_force_count() -> None:
    p = profile(listing())
    rows = [*SUPPORTS, "unrated"]
    cols = [*SOURCE_KINDS, "unknown"]
    for s in rows:
        for k in cols:
            n = 0
            for ref, supports, _ in EXPECTED.values():
                if ref is None:
                    continue
                if (supports or "unrated") == s and (KIND[ref] or "unknown") == k:
                    n += 1
            assert p.quoted[s][k] == n, (s, k)
    assert p.assumption_only == sum(r is None and a for r, _, a in EXPECTED.values())
    assert p.neither == sum(r is None and not a for r, _, a in EXPECTED.values())
    both = [f for f, (r, _, a) in EXPECTED.items() if r is not None and a]
    assert sorted(e.field for e in p.quote_and_assumption) == sorted(both)
    bare = [f for f, (r, _, a) in EXPECTED.items() if r is None and not a]
    assert sorted(e.field for e in p.bare) == sorted(bare)
    # the same counts, known by hand
    assert p.numbers == 18 and p.total_quoted == 10
    assert p.quoted["magnitude"]["news"] == 2 and p.quoted["context"]["analysis"] == 3
    assert p.quoted["direction"]["analysis"] == 3 and p.quoted["direction"]["unknown"] == 1
    assert p.quoted["unrated"]["unknown"] == 1
    assert (p.assumption_only, p.neither) == (3, 5)


def test_reused_quotes_are_counted_once_per_number() -> None:
    """Issue x's quote covers its three options; wire's quote is written twice (once with
    a doubled space: the same quote once normalised); Beta's ideal quote covers two."""
    p = profile(listing())
    got = [(r.ref, r.quote, r.count, r.fields) for r in p.reused]
    assert got == [
        ("think", "x runs from low to high", 3,
         ("issues[0].options[0].at", "issues[0].options[1].at", "issues[0].options[2].at")),
        ("wire", "Alpha is twice as strong", 2, ("actors[0].capability", "actors[1].capability")),
        ("think", "Beta wants the opposite", 2, ("preferences.B.ideal.x", "preferences.B.ideal.y")),
    ]  # fmt: skip


def test_json_and_frames_carry_the_profile(tmp_path: Path) -> None:
    f = tmp_path / "profile.yaml"
    f.write_text(SCENARIO, encoding="utf-8")
    r = zopa("sources", f, "--json")
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    jsonschema.validate(j, output_schema("sources"))
    prof = j["profile"]
    total = sum(n for row in prof["quoted"].values() for n in row.values())
    assert total + prof["assumption_only"] + prof["neither"] == prof["numbers"] == 18
    assert [q["count"] for q in prof["reused_quotes"]] == [3, 2, 2]
    assert {b["field"] for b in prof["bare"]} == {
        f for f, (ref, _, a) in EXPECTED.items() if ref is None and not a
    }
    by_field = {n["field"]: n for n in j["numbers"]}
    assert by_field["preferences.A.weights"]["supports"] == "direction"
    assert by_field["preferences.A.weights"]["source_kind"] == "analysis"
    assert by_field["preferences.A.utilities.x"]["source_kind"] is None
    wrong = {**j, "profile": {**prof, "quoted": {**prof["quoted"], "unrated": {"news": 1}}}}
    assert not jsonschema.Draft202012Validator(output_schema("sources")).is_valid(wrong)

    frames = SourcesReport(str(f), listing()).to_frames()
    table = frames["profile"]
    assert list(table["supports"]) == [*SUPPORTS, "unrated"]
    assert table["total"].sum() == 10
    assert table.loc[table["supports"] == "direction", "analysis"].item() == 3
    assert len(frames["quote_and_assumption"]) == 2 and len(frames["bare"]) == 5
    assert list(frames["reused_quotes"]["count"]) == [3, 2, 2]
    assert {"supports", "source_kind"} <= set(frames["numbers"].columns)


def test_text_output_prints_the_profile_and_caps_lists() -> None:
    r = zopa("sources", HERE / "data" / "toy.yaml")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "Evidence profile" in out and "magnitude" in out and "unknown" in out
    assert "20 numbers with no source and no assumption:" in out
    assert "... and 10 more" in out


# --- hypothesis: whatever the supports and kinds, every number is counted once ----------

supports_st = st.sampled_from([*SUPPORTS, None])
kind_st = st.sampled_from([*SOURCE_KINDS, None])


@st.composite
def rated_scenario(draw: Any) -> tuple[str, dict[str, str | None], list[str | None]]:
    """The hand-written scenario with a random kind for each source and a random
    ``supports`` (or none) for each quote, and some quotes dropped."""
    data = yaml.safe_load(SCENARIO)
    kinds = {}
    for s in data["sources"]:
        s.pop("kind", None)
        k = draw(kind_st)
        if k is not None:
            s["kind"] = k
        kinds[s["id"]] = k

    rated: list[str | None] = []

    def rate(node: Any) -> None:
        if isinstance(node, dict):
            src = node.get("source")
            if isinstance(src, dict):
                if draw(st.booleans()) and draw(st.booleans()):  # a quarter are dropped
                    del node["source"]
                else:
                    src.pop("supports", None)
                    s = draw(supports_st)
                    if s is not None:
                        src["supports"] = s
                    rated.append(s)
            for v in node.values():
                rate(v)
        elif isinstance(node, list):
            for v in node:
                rate(v)

    rate(data)
    return yaml.safe_dump(data, sort_keys=False), kinds, rated


@settings(max_examples=60, deadline=None)
@given(rated_scenario())
def test_profile_counts_every_number_once(
    case: tuple[str, dict[str, str | None], list[str | None]],
) -> None:
    text, kinds, _ = case
    ev = listing(text)
    p = profile(ev)
    assert p.total_quoted + p.assumption_only + p.neither == p.numbers == len(ev) == 18
    for s in [*SUPPORTS, "unrated"]:
        for k in [*SOURCE_KINDS, "unknown"]:
            n = sum(
                1
                for e in ev
                if e.quote
                and (e.supports or "unrated") == s
                and ((kinds[e.ref] if e.ref else None) or "unknown") == k
            )
            assert p.quoted[s][k] == n
    assert sum(r.count for r in p.reused) <= p.total_quoted
    assert len(p.bare) == p.neither
    assert all(e.quote and e.assumption for e in p.quote_and_assumption)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["q1", "q2", "q3", None]), st.booleans(), supports_st, kind_st),
        max_size=30,
    )
)
def test_profile_of_any_listing_sums_to_its_length(
    rows: list[tuple[str | None, bool, Supports | None, SourceKind | None]],
) -> None:
    ev = [
        NumberEvidence(
            f"n{i}",
            i,
            0.0,
            ref="r" if q else None,
            quote=q,
            assumption="why" if a else None,
            supports=s if q else None,
            source_kind=k if q else None,
        )
        for i, (q, a, s, k) in enumerate(rows)
    ]
    p = profile(ev)
    assert p.total_quoted + p.assumption_only + p.neither == len(rows)
    quotes = [q for q, *_ in rows if q]
    assert {r.quote: r.count for r in p.reused} == {
        q: quotes.count(q) for q in set(quotes) if quotes.count(q) > 1
    }
    assert len(p.quote_and_assumption) == sum(bool(q) and a for q, a, *_ in rows)


# --- --verify: exit statuses that tell the truth ----------------------------------------


def folder(tmp: Path, **texts: str) -> Path:
    d = tmp / "texts"
    d.mkdir()
    for name, text in {**TEXTS, **texts}.items():
        (d / name).write_text(text, encoding="utf-8")
    return d


def scenario(tmp: Path, text: str = SCENARIO) -> Path:
    f = tmp / "profile.yaml"
    f.write_text(text, encoding="utf-8")
    return f


def test_verify_exits_0_when_every_quote_stands(tmp_path: Path) -> None:
    r = zopa("sources", scenario(tmp_path), "--verify", folder(tmp_path), "--json")
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr
    assert all(q["ok"] for q in json.loads(r.stdout)["quotes"])


def test_verify_exits_0_on_the_reference() -> None:
    r = zopa("sources", "--verify", SOURCES)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr
    assert "154 quotes checked: 154 verbatim, 0 not" in r.stdout


@pytest.mark.parametrize("json_out", [False, True])
def test_verify_exits_1_on_a_wrong_quote(tmp_path: Path, json_out: bool) -> None:
    wrong = SCENARIO.replace('"Beta wants the opposite"', '"Beta wants the same"')
    args = ["--json"] if json_out else []
    r = zopa("sources", scenario(tmp_path, wrong), "--verify", folder(tmp_path), *args)
    assert r.returncode == 1, r.stdout[-2000:] + r.stderr
    assert "Traceback" not in r.stderr
    if json_out:
        bad = [q for q in json.loads(r.stdout)["quotes"] if not q["ok"]]
        assert [(q["field"], q["reason"]) for q in bad] == [
            ("preferences.B.ideal.source", "not verbatim in think.txt")
        ]
    else:
        assert "1 not" in r.stdout and "Beta wants the same" in r.stdout


def test_verify_exits_1_on_a_missing_source_text(tmp_path: Path) -> None:
    d = folder(tmp_path)
    (d / "blog.txt").unlink()
    r = zopa("sources", scenario(tmp_path), "--verify", d, "--json")
    assert r.returncode == 1
    reasons = {q["reason"] for q in json.loads(r.stdout)["quotes"] if not q["ok"]}
    assert reasons == {f"blog.txt not found in {d}"}


def test_verify_exits_2_on_bad_input(tmp_path: Path) -> None:
    f = scenario(tmp_path)
    r = zopa("sources", f, "--verify", tmp_path / "nowhere")
    assert r.returncode == 2 and "not a folder of source texts" in r.stderr
    bad = scenario(tmp_path, SCENARIO.replace("supports: context", "supports: hearsay"))
    r = zopa("sources", bad, "--verify", folder(tmp_path))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"{bad}:")


@pytest.mark.parametrize(
    ("quote", "name", "reason"),
    [
        ("wants it hig", "blog.txt", "not verbatim in blog.txt"),  # a fragment of a word
        ("lpha wants", "blog.txt", "not verbatim in blog.txt"),
        ("   ", "blog.txt", "the quote is empty"),
        ("Alpha wants it high", "../blog.txt", "../blog.txt is not a file name inside"),
        ("Alpha wants it high", "/etc/hostname", "/etc/hostname is not a file name inside"),
        ("“most likely a red line”", "blog.txt", ""),  # typographic marks: verbatim
        ("It is “most", "blog.txt", ""),
    ],
)
def test_verify_quote_rules(tmp_path: Path, quote: str, name: str, reason: str) -> None:
    d = folder(tmp_path)
    text = f"""
zopa: 1
id: t
title: t
sources: [{{id: s, title: S, file: "{name}"}}]
actors:
  - {{id: A, name: a, role: party, capability: {{value: 2, source: {{ref: s, quote: "{quote}"}}}}}}
issues: [{{id: x, name: x, options: [{{id: a, at: 0}}]}}]
preferences:
  A: {{weights: {{x: 1}}, utilities: {{x: {{a: 1}}}}}}
"""
    data, lines = parse_yaml(text, "t.yaml")
    (check,) = verify(data, lines, d)
    assert check.ok == (not reason), check
    assert check.reason.startswith(reason)
