"""Reliability: bounded reading, safe writing, bounded YAML, one rule for numbers.

Each test names the class of failure it guards against (issue 8). The expression checks
are compared with brute force: an expression that ``validate`` accepts is evaluated at
many random points of its parameters' supports and must stay finite and in bounds.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zopa.errors import InputError
from zopa.files import read_bytes, write_text
from zopa.scenario.expr import compile_expr
from zopa.scenario.intervals import Bounds, problem_over
from zopa.scenario.load import load_text
from zopa.scenario.yamlfile import parse_yaml

DATA = Path(__file__).parent / "data"
TOY = (DATA / "toy_nodeal.yaml").read_text()
PARAMS = "parameters:\n  d: {uniform: [0.2, 0.4]}\n  q: {value: 0.5, range: [0.2, 0.9]}\n"


def problems(text: str) -> list[str]:
    try:
        load_text(text, "s.yaml")
    except InputError as e:
        return [str(p) for p in e.problems]
    return []


def toy_with(old: str, new: str, extra: str = PARAMS) -> str:
    assert old in TOY
    return TOY.replace(old, new, 1) + extra


# --- reading: regular files only, bytes actually read -------------------------------------


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "s.yaml"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="it is a pipe"):
        read_bytes(fifo, 100)


def test_a_device_is_refused_without_reading_it() -> None:
    with pytest.raises(InputError, match="it is a device"):
        read_bytes("/dev/zero", 100)


def test_the_cap_counts_bytes_read(tmp_path: Path) -> None:
    f = tmp_path / "s.yaml"
    f.write_bytes(b"x" * 101)
    with pytest.raises(InputError, match="larger than the 100 bytes"):
        read_bytes(f, 100)
    f.write_bytes(b"x" * 100)
    assert read_bytes(f, 100) == b"x" * 100


# --- writing: never over an input, never without --force, mode kept, no temporary file ---


def test_write_refuses_an_existing_file_without_force(tmp_path: Path) -> None:
    out = tmp_path / "o.yaml"
    out.write_text("old")
    with pytest.raises(InputError, match="exists; pass --force"):
        write_text(out, "new")
    assert out.read_text() == "old"
    write_text(out, "new", force=True)
    assert out.read_text() == "new"


def test_write_never_replaces_the_input(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("data")
    with pytest.raises(InputError, match="is the input file"):
        write_text(src, "new", force=True, inputs=[src])
    with pytest.raises(InputError, match="inside the input folder"):
        write_text(tmp_path / "x.yaml", "new", force=True, inputs=[tmp_path])
    assert src.read_text() == "data"


def test_write_keeps_the_mode_and_refuses_read_only(tmp_path: Path) -> None:
    out = tmp_path / "o.yaml"
    out.write_text("old")
    out.chmod(0o600)
    write_text(out, "new", force=True)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    out.chmod(0o400)
    with pytest.raises(InputError, match="read-only"):
        write_text(out, "newer", force=True)
    assert out.read_text() == "new"


def test_an_interrupted_write_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "o.yaml"

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_text(out, "text")
    assert list(tmp_path.iterdir()) == []


# --- YAML: depth, aliases, digits, tags, characters ---------------------------------------


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("a: " + "[" * 500 + "]" * 500 + "\n", "nested more than 64 levels"),
        ("a: " + "[" * 999 + "]" * 999 + "\n", "nested more than 64 levels"),
        ("a: &x [*x]\n", "alias inside its own anchor"),
        ("a: " + "9" * 400 + "\n", "integer of 400 digits"),
        ("a: " + "9" * 4400 + "\n", "integer of 4400 digits"),
        ("a: !foo {b: 1}\n", "YAML tag !foo"),
        ("a: !!python/tuple [1]\n", "YAML tag"),
        ("a: 1\nb: 'x\x07y'\n", "control character U+0007 at column 6"),
        ("a: {<<: 1}\n", "YAML merge key"),
    ],
)
def test_hostile_yaml_is_a_located_error(text: str, needle: str) -> None:
    with pytest.raises(InputError) as e:
        parse_yaml(text, "s.yaml")
    message = str(e.value)
    assert needle in message and message.startswith("s.yaml:")


def test_exponents_without_a_dot_are_numbers() -> None:
    data, _ = parse_yaml("a: 1e-3\nb: 2E5\nc: .5e1\nd: x1e5\n")
    assert data == {"a": 0.001, "b": 200000.0, "c": 5.0, "d": "x1e5"}


# --- messages -----------------------------------------------------------------------------


def test_a_field_at_the_wrong_level_says_where_it_belongs() -> None:
    text = TOY.replace(
        "{id: IR, name: Iran, role: party}", "{id: IR, name: Iran, role: party, weights: {}}"
    )
    (msg,) = problems(text)
    assert "did you mean 'weights'" not in msg and "belongs in preferences.ID" in msg


def test_a_dedented_field_is_not_read_as_an_id() -> None:
    text = TOY.replace("\nno_deal:", "\n  reservation: 0.3\nno_deal:")
    (msg,) = problems(text)
    assert "'reservation' is not an id but a field of each entry of preferences" in msg


def test_lists_are_bounded() -> None:
    """5,000 spoilers made analyze run for minutes: a scenario's lists have caps."""
    spoiler = "  - {actor: IL, outcome: strike, max_probability: 0.5, threshold: 0.5, scale: 0.1}\n"
    text = TOY.replace(TOY[TOY.index("spoilers:") :], "spoilers:\n" + spoiler * 101)
    (msg,) = problems(text)
    assert msg == "s.yaml:50: spoilers: 101 items: at most 100 may be given"


def test_a_huge_key_is_not_echoed() -> None:
    key = "k" * 100_000
    (msg,) = problems(TOY + f"? {key}\n: 1\n")
    assert len(msg) < 600


# --- one rule for numbers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        ("custody: 0.7", 'custody: {expr: "5"}', "custody.expr: '5' is 5: it must be at most 1"),
        ("probability: 0.7", 'probability: {expr: "0.7 - 4 * d"}', "must be at least 0"),
        ("probability: 0.7", 'probability: {expr: "1.3"}', "probabilities sum to 1.6, not 1"),
        ("probability: 0.7", 'probability: {expr: "q"}', "probabilities sum to"),
        ("scale: 0.1", 'scale: {expr: "0 * d"}', "must be greater than 0"),
        ("stockpile: 0.6,", 'stockpile: {expr: "-d"},', "weights.stockpile.expr"),
        ("{id: downgrade, at: 100}", '{id: downgrade, at: {expr: "200"}}', "at most 100"),
        (
            "{id: US, name: United States, role: party}",
            '{id: US, name: United States, role: party, capability: {expr: "d - 0.3"}}',
            "must be greater than 0",
        ),
        ("custody: 0.7", 'custody: {expr: "clip(0.01 / (d - 0.3), 0, 1)"}', "division"),
        ("custody: 0.7", 'custody: {expr: "log(0) + 1"}', "not finite"),
        ("custody: 0.7", 'custody: {expr: "sqrt(-0.01)"}', "not finite"),
        ("custody: 0.7", 'custody: {expr: "clip(0.5, 1, 0)"}', "lo <= hi"),
        ("custody: 0.7", "custody: 1e308", "too large: at most 1e+12"),
        (
            "max_probability: 0.5",
            "max_probability: {value: 0.5, range: [0.6, 0.9]}",
            "outside its own range",
        ),
    ],
)
def test_numbers_from_expressions_get_the_checks_plain_numbers_get(
    old: str, new: str, needle: str
) -> None:
    found = problems(toy_with(old, new))
    assert any(needle in p for p in found), found
    assert all(p.startswith("s.yaml:") for p in found)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("probability: 0.7", 'probability: {expr: "1 - 0.3"}'),
        (
            "weights: {stockpile: 0.6, sanctions: 0.4}",
            'weights: {stockpile: {expr: "q"}, sanctions: {expr: "1 - q"}}',
        ),
        ("custody: 0.7", 'custody: {expr: "clip(0.5 + d - q, 0, 1)"}'),
        ("custody: 0.7", 'custody: {expr: "q * (1 - q)"}'),
    ],
)
def test_expressions_that_hold_everywhere_are_accepted(old: str, new: str) -> None:
    assert problems(toy_with(old, new)) == []


def test_a_drift_counts_in_the_parameters_values() -> None:
    extra = "parameters:\n  t: 0.7\ndynamics: {periods: 4, discount: 0.9, drift: {t: -0.2}}\n"
    text = toy_with("IR: {US: {uniform: [0.3, 0.7]}}", 'IR: {US: {expr: "t"}}', extra)
    (msg,) = problems(text)
    assert "credibility.trust.IR.US.expr" in msg and "-0.1" in msg
    assert problems(text.replace("periods: 4", "periods: 3")) == []


def test_a_ranged_expression_parameter_spans_its_whole_extent() -> None:
    """A parameter defined by an expression and freed by a range takes every value of the
    expression, even a narrow peak no sample point hits (1000 at q = 0.30001)."""
    extra = (
        "parameters:\n  q: {uniform: [0.2, 0.9]}\n"
        '  s: {expr: "1 / (abs(q - 0.30001) + 0.001)", range: [1, 2]}\n'
    )
    text = toy_with("{id: downgrade, at: 100}", '{id: downgrade, at: {expr: "s / 9"}}', extra)
    (msg,) = problems(text)
    assert "at.expr: 's / 9' is 111.111 at s=1000: it must be at most 100" in msg


def test_validate_accepts_what_runs_with_every_draw() -> None:
    """A scenario validate accepts runs its Monte Carlo (every draw is in the supports)."""
    import zopa

    sc = zopa.loads(toy_with("custody: 0.7", 'custody: {expr: "clip(2 * d - q, 0, 1)"}'))
    assert zopa.montecarlo(sc, 200, 1).to_json()["draws"] == 200


# --- the interval proof against brute force -----------------------------------------------

_LEAVES = st.sampled_from(["a", "b", "0.5", "2", "0.1", "3"])


def _exprs() -> st.SearchStrategy[str]:
    def extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        binary = st.tuples(children, st.sampled_from("+-*/"), children).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        )
        unary = st.tuples(st.sampled_from(["abs", "exp", "log", "sqrt"]), children).map(
            lambda t: f"{t[0]}({t[1]})"
        )
        two = st.tuples(st.sampled_from(["min", "max"]), children, children).map(
            lambda t: f"{t[0]}({t[1]}, {t[2]})"
        )
        power = st.tuples(children, st.sampled_from(["2", "3", "0.5", "-1", "a"])).map(
            lambda t: f"({t[0]}) ** {t[1]}"
        )
        clip = children.map(lambda c: f"clip({c}, 0, 1)")
        return st.one_of(binary, unary, two, power, clip)

    return st.recursive(_LEAVES, extend, max_leaves=6)


@settings(max_examples=300, deadline=None)
@given(
    text=_exprs(),
    a=st.tuples(st.floats(-3, 3), st.floats(0, 2)),
    b=st.tuples(st.floats(-3, 3), st.floats(0, 2)),
    bounds=st.sampled_from([Bounds(), Bounds(0.0, 1.0), Bounds(0.0, None, lo_open=True)]),
)
def test_an_accepted_expression_holds_at_every_point(
    text: str, a: tuple[float, float], b: tuple[float, float], bounds: Bounds
) -> None:
    """Brute force: 2,000 random points of the box never refute an accepted expression."""
    box = {"a": (a[0], a[0] + a[1]), "b": (b[0], b[0] + b[1])}
    e = compile_expr(text, {"a", "b"})
    if problem_over(e, box, bounds) is not None:
        return
    rng = np.random.default_rng(0)
    points = {k: lo + rng.random(2000) * (hi - lo) for k, (lo, hi) in box.items()}
    v = np.broadcast_to(np.asarray(e.evaluate(points), float), (2000,))
    assert np.all(np.isfinite(v))
    assert bounds.inside(float(v.min()), float(v.max()))
