"""Hostile input for every importer: mutated fixtures, and one test per reported failure.

The mutation tests take each bundled fixture (KTAB CSV and XML, two GENIUS folders, an
LLM-Deliberation game, DEU III, decide, two BdM tables), damage a copy with a seeded
mutator (truncation, flipped bytes, deleted, duplicated or swapped lines, numbers set to
nan, inf, 1e400 or 400-digit integers, bad UTF-8, NUL bytes, fields longer than the csv
module's limit, deep XML, ...) and read it through :func:`zopa.io.readers.read`. The
reader must either succeed, with a result that is valid (a scenario that
:func:`zopa.io.writer.write_scenario` accepts; forecasting inputs with finite numbers), or
raise :class:`zopa.errors.InputError` naming the input (never the output, never a Python
exception class). The cases are fixed by their seeds: the same on every run.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from zopa.errors import InputError
from zopa.forecasting.base import ForecastInput
from zopa.io.readers import Imported, read
from zopa.io.writer import write_scenario

DATA = Path(__file__).parent / "data"

FIXTURES: dict[str, tuple[str, str]] = {
    "ktab-csv": ("ktab", "ktab/dummyData_3Dim.csv"),
    "ktab-xml": ("ktab", "ktab/smpExample-20170530.xml"),
    "genius-laptop": ("genius", "anac/Laptop"),
    "genius-party": ("genius", "anac/party"),
    "deliberation": ("deliberation", "llm_deliberation/base"),
    "deu3": ("deu", "deu3/deu3.csv"),
    "decide-sample": ("decide", "decide/sample_data.txt"),
    "decide-cop21": ("decide", "decide/cop21.csv"),
    "bdm-example": ("bdm", "bdm_scholz/ExampleActors.csv"),
    "bdm-sultan": ("bdm", "bdm_scholz/Sultan.csv"),
}

CASES_PER_FIXTURE = int(os.environ.get("ZOPA_HOSTILE_CASES", "88"))
"""Mutated copies read per fixture; set ``ZOPA_HOSTILE_CASES`` for a longer search."""

# ---------------------------------------------------------------------------------------
# the mutator

Mutation = Callable[[random.Random, bytes], bytes]

NUMBER = re.compile(rb"(?<![A-Za-z_])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
HOSTILE_NUMBERS = (
    b"nan",
    b"NaN",
    b"inf",
    b"-inf",
    b"Infinity",
    b"1e400",
    b"-1e400",
    b"9" * 400,
    b"-" + b"9" * 400,
    b"1e308",
    b"-1e308",
    b"1e300",
    b"1e13",
    b"-7e11",
    b"-1",
    b"-0.5",
    b"-0",
    b"0",
    b"1e-400",
    b"1_000",
    b"0x1F",
    b"",
    b"100.000001",
    b"\xef\xbc\x91",  # a full-width digit one
)


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _flip(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if out:
            out[rng.randrange(len(out))] ^= rng.randrange(1, 256)
    return bytes(out)


def _delete_line(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    del lines[rng.randrange(len(lines))]
    return b"".join(lines)


def _duplicate_line(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    lines.insert(rng.randrange(len(lines) + 1), rng.choice(lines))
    return b"".join(lines)


def _swap_lines(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return b"".join(lines)


def _number(rng: random.Random, data: bytes) -> bytes:
    spans = [m.span() for m in NUMBER.finditer(data)]
    if not spans:
        return data
    out = data
    for start, end in sorted(rng.sample(spans, min(len(spans), rng.randint(1, 3))), reverse=True):
        out = out[:start] + rng.choice(HOSTILE_NUMBERS) + out[end:]
    return out


def _every_number(rng: random.Random, data: bytes) -> bytes:
    value = rng.choice(HOSTILE_NUMBERS)
    return NUMBER.sub(lambda _: value, data)


def _insert(rng: random.Random, data: bytes, text: bytes) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + text + data[at:]


def _non_utf8(rng: random.Random, data: bytes) -> bytes:
    return _insert(rng, data, rng.choice((b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xfe\xff")))


def _nul(rng: random.Random, data: bytes) -> bytes:
    return _insert(rng, data, b"\x00" * rng.randint(1, 3))


def _controls(rng: random.Random, data: bytes) -> bytes:
    return _insert(rng, data, rng.choice((b"\x0c", b"\x1c", b"\x1e", b"\xc2\x85", b"\r", b"\v")))


def _long_field(rng: random.Random, data: bytes) -> bytes:
    return _insert(rng, data, b"x" * 140_000)


def _deep(rng: random.Random, data: bytes) -> bytes:
    n = rng.choice((150, 2000))
    return _insert(rng, data, b"<a>" * n + b"</a>" * n)


def _quotes(rng: random.Random, data: bytes) -> bytes:
    return _insert(rng, data, rng.choice((b'"', b"'", b'"\n"', b"<", b"&", b"&bogus;", b"]]>")))


def _separators(rng: random.Random, data: bytes) -> bytes:
    return _insert(rng, data, rng.choice((b",", b"\t", b";", b",,,,", b"\n", b"\n\n\n")))


def _zero_line(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    k = rng.randrange(len(lines))
    lines[k] = NUMBER.sub(b"0", lines[k])
    return b"".join(lines)


def _blank_text(rng: random.Random, data: bytes) -> bytes:
    spans = [m.span(1) for m in re.finditer(rb">([^<>]+)<", data)]
    spans += [m.span(1) for m in re.finditer(rb'="([^"]*)"', data)]
    if not spans:
        return _delete_line(rng, data)
    start, end = rng.choice(spans)
    return data[:start] + data[end:]


def _drop_attribute(rng: random.Random, data: bytes) -> bytes:
    spans = [m.span() for m in re.finditer(rb'\s[\w:.-]+="[^"]*"', data)]
    if not spans:
        return _delete_line(rng, data)
    start, end = rng.choice(spans)
    return data[:start] + data[end:]


WORDS = (b"source", b"value", b"assumption", b"range", b"uniform", b"a b", b"\xc3\xa9", b"x" * 300)


def _word(rng: random.Random, data: bytes) -> bytes:
    spans = [m.span() for m in re.finditer(rb"[A-Za-z][A-Za-z0-9_]*", data)]
    if not spans:
        return data
    start, end = rng.choice(spans)
    return data[:start] + rng.choice(WORDS) + data[end:]


def _empty(rng: random.Random, data: bytes) -> bytes:
    return rng.choice((b"", b"\n", b"   \n\n", b"\xef\xbb\xbf"))


def _bom(rng: random.Random, data: bytes) -> bytes:
    return b"\xef\xbb\xbf" + data


def _crlf(rng: random.Random, data: bytes) -> bytes:
    return data.replace(b"\n", rng.choice((b"\r\n", b"\r")))


ENCODINGS = (
    *(b"bogus-9", b"shift_jis", b"cp932", b"utf-16", b"utf-32", b"utf-7", b"latin-1", b"cp1252"),
    *(
        b"",
        b"rot13",
        b"base64",
        b"idna",
        b"punycode",
        b"undefined",
        b"a\x00b",
        b"\xff",
        b"x" * 2000,
    ),
)


def _encoding(rng: random.Random, data: bytes) -> bytes:
    name = rng.choice(ENCODINGS)
    decl = b'<?xml version="1.0" encoding="' + name + b'"?>\n'
    return decl + re.sub(rb"^\s*<\?xml[^>]*\?>\s*", b"", data)


MUTATIONS: dict[str, Mutation] = {
    "truncate": _truncate,
    "flip": _flip,
    "delete-line": _delete_line,
    "duplicate-line": _duplicate_line,
    "swap-lines": _swap_lines,
    "number": _number,
    "every-number": _every_number,
    "non-utf8": _non_utf8,
    "nul": _nul,
    "controls": _controls,
    "long-field": _long_field,
    "deep": _deep,
    "quotes": _quotes,
    "separators": _separators,
    "zero-line": _zero_line,
    "blank-text": _blank_text,
    "drop-attribute": _drop_attribute,
    "word": _word,
    "empty": _empty,
    "bom": _bom,
    "crlf": _crlf,
    "encoding": _encoding,
}
KINDS = tuple(MUTATIONS)


def _copy(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "in" / src.name
    dst.parent.mkdir()
    if src.is_dir():
        shutil.copytree(src, dst)
    else:
        shutil.copy(src, dst)
    return dst


def _mutate(name: str, case: int, tmp_path: Path) -> tuple[str, Path, str]:
    """Copy fixture ``name`` into ``tmp_path`` and damage it; the format, the copy and
    what was done."""
    fmt, rel = FIXTURES[name]
    path = _copy(DATA / rel, tmp_path)
    rng = random.Random(f"{name}/{case}")
    kind = KINDS[case % len(KINDS)]
    target = path
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        target = rng.choice(files)
        if rng.random() < 0.08:
            target.unlink()
            return fmt, path, f"deleted {target.relative_to(path)}"
    target.write_bytes(MUTATIONS[kind](rng, target.read_bytes()))
    return fmt, path, f"{kind} of {target.relative_to(path.parent)}"


# ---------------------------------------------------------------------------------------
# what a reader may do with it

CLASS_NAME = re.compile(r"\b(?:[A-Z]\w*(?:Error|Exception|Warning)|Traceback)\b")


def _check_error(err: InputError, path: Path) -> None:
    """Every problem names the input (the file, or a file in the folder), no class name."""
    assert err.problems, "an InputError without problems"
    for p in err.problems:
        assert p.file == str(path) or p.file.startswith(str(path) + "/"), (
            f"names {p.file}, not the input {path}: {p}"
        )
        assert not CLASS_NAME.search(p.message), f"a Python class name in: {p}"
        assert "\n" not in p.message, f"a message over several lines: {p!r}"
    assert len(err.problems) <= 60, f"{len(err.problems)} problems: not bounded"


def _check_inputs(fi: ForecastInput) -> None:
    for name in ("capability", "salience"):
        values = np.asarray(getattr(fi, name), dtype=float)
        assert np.isfinite(values).all(), f"{name} not finite: {values}"
        assert (values >= 0).all(), f"negative {name}: {values}"
    pos = np.asarray(fi.position, dtype=float)
    assert not np.isinf(pos).any(), "infinite position"


def _check_result(imported: Imported, tmp_path: Path) -> None:
    """A successful import: the scenario writes (write_scenario's checks never fire), the
    forecasting inputs are finite."""
    if imported.scenario is not None:
        write_scenario(imported.scenario, tmp_path / "out.yaml")
    if imported.format == "deu":
        for proposal in imported.data.proposals:  # type: ignore[attr-defined]
            _check_inputs(proposal.inputs)
        return
    try:
        fi = imported.forecast_input()
    except InputError as err:
        _check_error(err, imported.path)
        return
    _check_inputs(fi)


def _read_hostile(fmt: str, path: Path, tmp_path: Path) -> str:
    """``ok`` or ``InputError``; any other outcome fails the test."""
    try:
        imported = read(fmt, path)
    except InputError as err:
        _check_error(err, path)
        return "InputError"
    _check_result(imported, tmp_path)
    return "ok"


@pytest.mark.parametrize("case", range(CASES_PER_FIXTURE))
@pytest.mark.parametrize("name", FIXTURES)
def test_mutated_fixture_is_read_or_refused(name: str, case: int, tmp_path: Path) -> None:
    fmt, path, what = _mutate(name, case, tmp_path)
    try:
        _read_hostile(fmt, path, tmp_path)
    except AssertionError as e:
        raise AssertionError(f"{name} case {case} ({what}): {e}") from None
    except Exception as e:  # any other exception is the failure
        raise AssertionError(f"{name} case {case} ({what}): {type(e).__name__}: {e}") from None


@pytest.mark.parametrize("name", FIXTURES)
def test_unmutated_fixture_reads(name: str, tmp_path: Path) -> None:
    fmt, rel = FIXTURES[name]
    assert _read_hostile(fmt, _copy(DATA / rel, tmp_path), tmp_path) == "ok"


# ---------------------------------------------------------------------------------------
# the reported failures, one by one


def _one(err: pytest.ExceptionInfo[InputError]) -> tuple[str, int | None, str, str]:
    p = err.value.problems[0]
    return p.file, p.line, p.field, p.message


def _peak_mib(run: Callable[[], object]) -> float:
    """The peak memory traced while ``run`` runs (numpy's arrays included), in MiB."""
    tracemalloc.start()
    try:
        run()
    except InputError:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak / 2**20


KTAB_ROWS = "Actor,Description,Power,P1,S1\nA,a,10,20,30\nB,b,20,40,50\n"


def test_ktab_csv_billion_actors_fails_fast(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("Scen,desc,1000000000,1\n" + KTAB_ROWS)
    with pytest.raises(InputError) as err:
        read("ktab", path)
    file, line, field, message = _one(err)
    assert (file, line, field) == (str(path), 1, "numActors")
    assert message == "1000000000 actors: an importer reads at most 2000"
    assert _peak_mib(lambda: read("ktab", path)) < 5
    path.write_text("Scen,desc,1999,250\n" + KTAB_ROWS)  # within the maxima, not in the file
    with pytest.raises(InputError) as err:
        read("ktab", path)
    assert [p.field for p in err.value.problems] == ["header", "numActors"]
    assert "declares 1999 actors but the file has 2 actor rows" in str(err.value)
    assert _peak_mib(lambda: read("ktab", path)) < 5


def test_ktab_csv_hundred_million_dimensions_fails_fast(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("Scen,desc,2,100000000\n" + KTAB_ROWS)
    with pytest.raises(InputError) as err:
        read("ktab", path)
    file, line, field, message = _one(err)
    assert (file, line, field) == (str(path), 1, "numDims")
    assert "100000000" in message
    assert _peak_mib(lambda: read("ktab", path)) < 5


def test_ktab_csv_counts_over_the_maxima(tmp_path: Path) -> None:
    rows = "".join(f"A{a},a,10,20,30\n" for a in range(2001))
    path = tmp_path / "many.csv"
    path.write_text("Scen,desc,2001,1\nActor,Description,Power,P1,S1\n" + rows)
    with pytest.raises(InputError) as err:
        read("ktab", path)
    assert _one(err)[1:3] == (1, "numActors")
    assert "at most 2000" in _one(err)[3]


def test_ktab_csv_long_field_is_located(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text(
        "Scen,desc,2,1\nActor,Description,Power,P1,S1\n"
        f'A,"{"x" * 140_000}",10,20,30\nB,b,20,40,50\n'
    )
    with pytest.raises(InputError) as err:
        read("ktab", path)
    file, line, _, message = _one(err)
    assert (file, line) == (str(path), 3)
    assert "longer than" in message and "Error" not in message


def test_ktab_xml_has_the_size_cap(tmp_path: Path) -> None:
    path = tmp_path / "huge.xml"
    with path.open("wb") as f:
        f.write(b"<Scenario><name>x</name>")
        f.truncate(21 * 2**20)  # sparse: 21 MiB of NUL bytes after the start
    with pytest.raises(InputError) as err:
        read("ktab", path)
    assert _one(err)[:2] == (str(path), None)
    assert "larger than" in _one(err)[3]


def test_ktab_xml_bounds_depth_and_cells(tmp_path: Path) -> None:
    path = tmp_path / "deep.xml"
    path.write_text("<Scenario>\n" + "<a>" * 2000 + "</a>" * 2000 + "\n</Scenario>\n")
    with pytest.raises(InputError) as err:
        read("ktab", path)
    file, line, _, message = _one(err)
    assert (file, line) == (str(path), 2) and "nested more than 100" in message
    dims = "".join("<dName>d</dName>" for _ in range(1000))
    actors = "".join("<Actor/>" for _ in range(600))
    path = tmp_path / "cells.xml"
    path.write_text(
        f"<Scenario>\n<name>x</name>\n<Dimensions>{dims}</Dimensions>\n"
        f"<Actors>{actors}</Actors>\n</Scenario>\n"
    )
    with pytest.raises(InputError) as err:
        read("ktab", path)
    assert "600 actors x 1000 dimensions" in str(err.value)
    assert _peak_mib(lambda: read("ktab", path)) < 20


def _genius_folder(
    tmp_path: Path, n: int, *, domain_head: str = "", values: list[str] | None = None
) -> Path:
    """A GENIUS folder: one issue ``i`` of ``n`` values (``v0``, ``v1``, ... unless given),
    a buyer who prefers the last value and a seller who prefers the first."""
    names = values if values is not None else [f"v{j}" for j in range(n)]
    folder = tmp_path / "big"
    folder.mkdir()
    items = "".join(f'<item index="{j + 1}" value="{v}"/>\n' for j, v in enumerate(names))
    (folder / "big_domain.xml").write_text(
        f'{domain_head}<negotiation_template><utility_space><objective name="o">\n'
        f'<issue name="i" index="1" etype="discrete" type="discrete">\n{items}'
        "</issue></objective></utility_space></negotiation_template>\n"
    )
    for who, flip in (("buyer", False), ("seller", True)):
        evals = "".join(
            f'<item index="{j + 1}" value="{v}" evaluation="{(n - j) if flip else (j + 1)}"/>\n'
            for j, v in enumerate(names)
        )
        (folder / f"big_{who}_utility.xml").write_text(
            '<utility_space><objective name="o">\n<weight index="1" value="1"/>\n'
            f'<issue name="i" index="1" etype="discrete" type="discrete">\n{evals}'
            '</issue></objective>\n<reservation value="0.5"/>\n</utility_space>\n'
        )
    return folder


def test_genius_bogus_encoding_is_located(tmp_path: Path) -> None:
    folder = _genius_folder(tmp_path, 3, domain_head='<?xml version="1.0" encoding="bogus-9"?>')
    with pytest.raises(InputError) as err:
        read("genius", folder)
    file, line, _, message = _one(err)
    assert (file, line) == (str(folder / "big_domain.xml"), 1)
    assert "bogus-9" in message and "encoding" in message


def test_genius_deep_nesting_is_located(tmp_path: Path) -> None:
    folder = _genius_folder(tmp_path, 3)
    (folder / "deep.xml").write_text("<r>\n" + "<a>\n" * 2000 + "</a>" * 2000 + "</r>\n")
    with pytest.raises(InputError) as err:
        read("genius", folder)
    file, line, _, message = _one(err)
    assert (file, line) == (str(folder / "deep.xml"), 101)  # <r> is depth 1, line 1
    assert "nested more than 100" in message


def test_genius_many_items_import_correctly(tmp_path: Path) -> None:
    n = 20_000
    imported = read("genius", _genius_folder(tmp_path, n))
    doc = imported.document()
    (issue,) = doc["issues"]
    assert len(issue["options"]) == n and issue["options"][-1]["id"] == f"v{n - 1}"
    buyer = doc["preferences"]["buyer"]["utilities"]["i"]
    seller = doc["preferences"]["seller"]["utilities"]["i"]
    assert (buyer[f"v{n - 1}"], seller["v0"], buyer["v0"]) == (1.0, 1.0, round(1 / n, 12))


def test_genius_counts_over_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from zopa.io import genius

    monkeypatch.setattr(genius, "MAX_OPTIONS", 100)
    folder = _genius_folder(tmp_path, 101)
    with pytest.raises(InputError) as err:
        read("genius", folder)
    file, line, _, message = _one(err)
    assert (file, line) == (str(folder / "big_domain.xml"), 103)
    assert "more than 100 values" in message


def test_genius_duplicate_and_unknown_values_are_linear_and_located(tmp_path: Path) -> None:
    folder = _genius_folder(tmp_path, 4)
    domain = folder / "big_domain.xml"
    domain.write_text(domain.read_text().replace('value="v3"', 'value="v0"'))
    with pytest.raises(InputError) as err:
        read("genius", folder)
    assert _one(err)[:2] == (str(domain), 6) and "duplicate value 'v0'" in _one(err)[3]


DEU_HEADER = '"prnrnmc"\t"isnrnmc"\t"prnr"\t"out"\t"rp"\t"pde"\t"sde"\t"pfr"\t"sfr"\n'
DEU_BODY = (
    '""\t""\t""\t""\t""\t"3.5"\t""\t"2.7"\t""\n"1"\t"1"\t"A"\t"50"\t"0"\t"40"\t"60"\t"70"\t"30"\n'
)


def test_deu_reads_past_a_byte_order_mark(tmp_path: Path) -> None:
    plain, bom = tmp_path / "plain.csv", tmp_path / "bom.csv"
    plain.write_text(DEU_HEADER + DEU_BODY)
    bom.write_bytes(b"\xef\xbb\xbf" + (DEU_HEADER + DEU_BODY).encode())
    a, b = read("deu", plain).data, read("deu", bom).data
    assert a.actors == b.actors == ("de", "fr")  # type: ignore[attr-defined]
    assert a.n_issues == b.n_issues == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty file"), ("\n \n", "empty file"), ("#/\tonly a comment\n", "no actors")],
)
def test_decide_empty_file_is_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "empty.txt"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        read("decide", path)
    file, line, _, got = _one(err)
    assert (file, line) == (str(path), 1) and message in got


KTAB_OK = "Scen,desc,2,1\nActor,Description,Power,P1,S1\nA,a,10,20,30\nB,b,20,40,50\n"


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "words"),
    [
        ("A,a,10,", "A,a,0,", 3, "Power", "> 0"),  # the scenario needs capability > 0
        ("A,a,10,20,30", "A,a,10,20,0", 3, "salience", "all 0"),  # weights not all zero
        ("A,a,10,", "A,a,1e400,", 3, "Power", "1e400"),
        ("A,a,10,", "A,a,1e300,", 3, "Power", "at most"),
        ("B,b,20,40,50", "B,b,20,nan,50", 4, "P1", "'nan'"),
        ("B,b,20,40,50", f"B,b,20,{'9' * 400},50", 4, "P1", "0..100"),
        ("Scen,desc,2,1", f"Scen,desc,{'9' * 400},1", 1, "numActors", "at most"),
        ("B,b,", "A,b,", 4, "Actor", "duplicate"),
    ],
)
def test_ktab_scenario_problems_name_the_input(
    tmp_path: Path, old: str, new: str, line: int, field: str, words: str
) -> None:
    path = tmp_path / "in.csv"
    path.write_text(KTAB_OK.replace(old, new, 1))
    with pytest.raises(InputError) as err:
        read("ktab", path)
    file, got_line, got_field, message = _one(err)
    assert (file, got_line, got_field) == (str(path), line, field)
    assert words in message


def test_ktab_actor_without_positions_names_the_input(tmp_path: Path) -> None:
    path = tmp_path / "in.xml"
    path.write_text(
        "<Scenario>\n<name>x</name>\n<Dimensions><dName>d</dName></Dimensions>\n<Actors>\n"
        "<Actor><name>A</name><capability>1</capability><Position><dCoord/></Position>\n"
        "<Salience><dSal>10</dSal></Salience></Actor>\n"
        "<Actor><name>B</name><capability>1</capability><Position><dCoord>5</dCoord>"
        "</Position>\n<Salience><dSal>10</dSal></Salience></Actor>\n</Actors>\n</Scenario>\n"
    )
    with pytest.raises(InputError) as err:
        read("ktab", path)
    assert _one(err)[:3] == (str(path), 5, "Position")
    assert "no position" in _one(err)[3]


@pytest.mark.parametrize(
    ("score", "words"),
    [("1e400", "not a number"), ("nan", "not a number"), ("1e300", "at most"), ("9" * 400, "")],
)
def test_deliberation_huge_scores_name_the_input(tmp_path: Path, score: str, words: str) -> None:
    folder = tmp_path / "game"
    shutil.copytree(DATA / "llm_deliberation" / "base", folder)
    scores = folder / "scores_files" / "DoT.txt"
    lines = scores.read_text().splitlines()
    lines[0] = score + lines[0][lines[0].index(",") :]
    scores.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as err:
        read("deliberation", folder)
    file, line, field, message = _one(err)
    assert (file, line, field) == (str(scores), 1, "A1")
    assert words in message


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('<weight index="1" value="1"/>', '<weight index="1" value="1e400"/>', "weight 1"),
        ('<weight index="1" value="1"/>', '<weight index="1" value="1e300"/>', "weight 1"),
        ('evaluation="2"', 'evaluation="nan"', "issue 'i'.v1"),
        ('evaluation="2"', f'evaluation="{"9" * 400}"', "issue 'i'.v1"),
        ('<reservation value="0.5"/>', '<reservation value="inf"/>', "reservation"),
    ],
)
def test_genius_bad_numbers_name_the_input(tmp_path: Path, old: str, new: str, field: str) -> None:
    folder = _genius_folder(tmp_path, 3)
    profile = folder / "big_buyer_utility.xml"
    assert old in profile.read_text()
    profile.write_text(profile.read_text().replace(old, new, 1))
    with pytest.raises(InputError) as err:
        read("genius", folder)
    file, line, got_field, _ = _one(err)
    assert (file, got_field) == (str(profile), field) and line is not None


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("HAWKS,0.65,1e400,0.8", "Position"),
        ("HAWKS,0.65,1e300,0.8", "Position"),
        ("HAWKS,1e300,14,0.8", "Capability"),
        ("HAWKS,nan,14,0.8", "Capability"),
        ("HAWKS,0.65,14,-0.1", "Salience"),
    ],
)
def test_bdm_bad_numbers_name_the_input(tmp_path: Path, row: str, field: str) -> None:
    path = tmp_path / "actors.csv"
    path.write_text(f"Actor,Capability,Position,Salience\nIRAN,0.85,14.2,0.85\n{row}\n")
    with pytest.raises(InputError) as err:
        read("bdm", path)
    assert _one(err)[:3] == (str(path), 3, field)


def test_decide_too_many_cells_fail_before_allocating(tmp_path: Path) -> None:
    path = tmp_path / "cells.txt"
    actors = "".join(f"#A\ta{k}\tA\n" for k in range(1500))
    issues = "".join(f"#P\tp{k}\tP\n" for k in range(900))
    path.write_text(actors + issues + "#D\ta0\tp0\t50\t50\t1\n")
    with pytest.raises(InputError) as err:
        read("decide", path)
    assert "1500 actors x 900 issues" in str(err.value)
    assert _peak_mib(lambda: read("decide", path)) < 20


def test_missing_inputs_are_located(tmp_path: Path) -> None:
    for fmt in ("genius", "deliberation"):
        with pytest.raises(InputError) as err:
            read(fmt, tmp_path / "absent")
        assert _one(err)[0] == str(tmp_path / "absent")
    for fmt in ("ktab", "decide", "deu", "bdm"):
        with pytest.raises(InputError) as err:
            read(fmt, tmp_path / "absent.csv")
        assert _one(err)[0] == str(tmp_path / "absent.csv")
        with pytest.raises(InputError):
            read(fmt, tmp_path)  # a folder, not a file


def test_many_problems_are_bounded(tmp_path: Path) -> None:
    folder = _genius_folder(tmp_path, 500)
    profile = folder / "big_buyer_utility.xml"
    profile.write_text(re.sub(r'evaluation="\d+"', 'evaluation="x"', profile.read_text()))
    with pytest.raises(InputError) as err:
        read("genius", folder)
    assert len(err.value.problems) <= 51
    assert "more problem" in err.value.problems[-1].message


def test_genius_many_values_with_one_id_are_linear(tmp_path: Path) -> None:
    n = 20_000
    names = [f"v{chr(0x4E00 + j)}" for j in range(n)]  # every one gives the id "v"
    options = read("genius", _genius_folder(tmp_path, n, values=names)).document()["issues"][0]
    ids = [o["id"] for o in options["options"]]
    assert ids[:3] == ["v", "v_2", "v_3"] and len(set(ids)) == n
    assert options["options"][-1]["name"] == names[-1]


def test_genius_folder_limits(tmp_path: Path) -> None:
    folder = _genius_folder(tmp_path, 2)
    for k in range(100):
        (folder / f"extra{k:03d}.xml").write_text("<empty/>")
    with pytest.raises(InputError) as err:
        read("genius", folder)
    assert _one(err)[:2] == (str(folder), None)
    assert "more than 100 files" in _one(err)[3]


def test_xml_long_single_line_keeps_short_quotes(tmp_path: Path) -> None:
    from zopa.io.xmltree import MAX_QUOTE, parse_xml

    line = "   " + "<a x='1'/>" * 20_000
    root = parse_xml(f"<r>{line}</r>", "one-line.xml")
    assert len(root.children) == 20_000
    assert {len(c.source_line) for c in root.children} == {MAX_QUOTE}


def test_deliberation_long_instruction_lines_are_linear(tmp_path: Path) -> None:
    folder = tmp_path / "game"
    shutil.copytree(DATA / "llm_deliberation" / "base", folder)
    instructions = folder / "global_instructions.txt"
    text = instructions.read_text()
    instructions.write_text(
        text + "\nIssue Z: x" + " " * 30_000 + "x\n" + "A1 x" + " " * 30_000 + "x\n"
    )
    doc = read("deliberation", folder).document()
    assert doc["issues"][0]["name"] == "Issue A"  # Z breaks the A..E order: generic names


def test_numeric_looking_text_survives_writing(tmp_path: Path) -> None:
    folder = tmp_path / "game"
    shutil.copytree(DATA / "llm_deliberation" / "base", folder)
    scores = folder / "scores_files" / "DoT.txt"
    lines = scores.read_text().splitlines()
    scores.write_text("\n".join([*lines[:-1], "1e1"]) + "\n")  # the threshold, quoted
    write_scenario(read("deliberation", folder).document(), tmp_path / "out.yaml")
