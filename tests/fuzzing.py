"""A seeded fuzzer of the ``zopa`` command line: mutators, an in-process runner, a summary.

Every case is a pure function of ``(seed, index)``: :func:`make_case` picks an input (the
reference scenario, the toy scenarios or an importer fixture, weighted towards the cheap
ones), mutates it (at the YAML-data level or the byte level) and picks a command. The
runner calls :func:`zopa.cli.main.main` in this process with ``sys.argv`` patched and
stdout/stderr captured, under a per-case time limit (``ITIMER_REAL``), and :func:`check`
sorts what went wrong into named failure classes (:data:`CLASSES`).

Used by ``tests/test_fuzz.py`` (a fixed seed, a few thousand cases) and by ``make fuzz``
(``python tests/fuzzing.py``: 100,000 cases by default, ``FUZZ_CASES`` or ``--cases``,
spread over worker processes, each with its own range of case numbers). One case again,
with its files kept and its output shown: ``python tests/fuzzing.py --case N --seed S``.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import multiprocessing
import os
import pickle
import random
import re
import resource
import shutil
import signal
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"

MAX_LINES = 60  # lines one failing input may print
MAX_LINE_CHARS = 500  # a message must not echo a huge key or value whole
CASE_SECONDS = 10.0  # the time limit of one command in one case
MEMORY_BYTES = 8 << 30  # the address-space limit while fuzzing (a MemoryError is a failure)

CLASSES = (
    "traceback: <exception type>",
    "timeout",
    "bad exit code",
    "unlocated message",
    "too many lines",
    "overlong line",
    "validate accepted, analyze failed",
    "import wrote a scenario validate rejects",
    "non-JSON output",
    "worker crashed",
)
"""The failure classes (a traceback is named by its exception type)."""


# --------------------------------------------------------------------------------------
# inputs


@dataclass(frozen=True)
class Input:
    """One thing to mutate: a scenario file, or an importer's file or folder."""

    kind: str
    fmt: str  # "yaml" or an importer format: "ktab", "genius", "deliberation"
    path: Path
    weight: float


def reference_path() -> Path:
    """The reference scenario of the zopa being tested (it may come from PYTHONPATH)."""
    import zopa

    return Path(zopa.__file__).parent / "data" / "us_iran_2026.yaml"


def inputs() -> list[Input]:
    """Every input, with its share of the cases (the reference's analyze is slow)."""
    ktab, anac, delib = DATA / "ktab", DATA / "anac", DATA / "llm_deliberation"
    out = [
        Input("toy", "yaml", DATA / "toy.yaml", 30),
        Input("toy_nodeal", "yaml", DATA / "toy_nodeal.yaml", 34),
        Input("sim_toy", "yaml", DATA / "sim_toy.yaml", 12),
        Input("reference", "yaml", reference_path(), 3),
    ]
    out += [
        Input("ktab-csv", "ktab", ktab / n, 2.5)
        for n in ("dummyData_3Dim.csv", "dummyData_3Dim-no-final-comma.csv", "SOE-Pol-Comp.csv")
    ]
    out += [
        Input("ktab-xml", "ktab", ktab / n, 2.5) for n in ("smpExample.xml", "dummyData_3Dim.xml")
    ]
    out += [Input("genius", "genius", anac / n, w) for n, w in (("Laptop", 4), ("party", 2))]
    out += [Input("deliberation", "deliberation", delib / n, 4) for n in ("base", "base_7players")]
    return out


# --------------------------------------------------------------------------------------
# hostile values


def _digits(n: int) -> str:
    return "1" + "0" * (n - 1)


NUMBERS = [
    ".nan", ".inf", "-.inf", "1e400", "-1e400", "1.0e+400", "1e-400", "-1", "0", "-0.0",
    _digits(400), "9" * 5000, "-" + _digits(400), "1e308", "-1e308", "2", "0.5", "100", "101",
    "1.0000001", "0x10", "1_000", "12:30:00", "1e3", "2e9", "-2e9", "4294967297", "1e-320",
    "1.0e+308", "-1.0e+308", "1.0e-400",
]  # fmt: skip
"""YAML number texts: non-finite, overflowing, out of range, huge integers, odd notations."""

NUMBER_TEXTS = [
    "nan", "NaN", "inf", "-inf", "Infinity", "1e400", "-1", "0", "-0", _digits(400),
    "9" * 5000, "1e308", "-1e308", "1000000000", "100000000", "0.5", "", "x", "1,5", "1e-400",
    "00", "+1", "1.2.3", "0x10", "4294967297", "-2147483649", "1e9",
]  # fmt: skip
"""Number tokens for text formats (CSV, XML, plain text)."""

YAML_ODDITIES = [
    "!!python/object:builtins.dict {}",
    "!!python/object/apply:builtins.len [[1]]",
    "!!python/name:builtins.len",
    "!!python/tuple [1, 2]",
    "!foo {a: 1}",
    "!foo [1]",
    "!foo 1",
    "!!binary aGVsbG8=",
    "!!timestamp 2001-12-14",
    "!!set {a, b}",
    "!!omap [{a: 1}]",
    "!!pairs [{a: 1}]",
    "!!str 0.5",
    "!!int '7'",
    "!!float '0.5'",
    "!!float 'nan'",
    "!!float '1e400'",
    "!!int '" + "9" * 5000 + "'",
    "!!bool yes",
    "!!null ''",
    "!!map {a: 1}",
    "!!seq [1]",
    "!<tag:yaml.org,2002:str> x",
    "{<<: {a: 1}, b: 2}",
    "[{<<: [1]}]",
    "2001-12-14",
    "2001-12-14T21:59:43.10-05:00",
    "yes",
    "off",
    "~",
    "0o17",
    "0b101",
    "=",
    "&r [*r]",
    "&r {a: *r}",
    "&r [1, [2, *r]]",
    "&r {a: [*r]}",
    "*undefined_anchor",
    "'" + "k" * 20000 + "'",
    '"a\\x07b"',
    '"\\0"',
    '"\\e[31mred"',
    '"\\u2028"',
]
"""YAML texts for a node: tags (local, python, core), dates, YAML 1.1 words, aliases."""

CONTROLS = [
    b"\x00", b"\x07", b"\x08", b"\x0b", b"\x0c", b"\x1b", b"\x7f", b"\r", b"\t",
    "\u0085".encode(), "\u2028".encode(), "\ufeff".encode(), "\U0001f600".encode(),
    b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80",
]  # fmt: skip
"""Bytes to insert: control characters, odd line breaks, a BOM, invalid UTF-8."""


def _laughs(levels: int) -> str:
    """A billion-laughs flow sequence: 10**levels values once the aliases expand."""
    parts = ["&l0 [" + ", ".join(["1"] * 10) + "]"]
    for k in range(1, levels):
        parts.append(f"&l{k} [" + ", ".join([f"*l{k - 1}"] * 10) + "]")
    return "[" + ", ".join(parts) + "]"


def _nest(rng: random.Random) -> str:
    n = rng.choice([20, 100, 300, 500, 999, 1001, 2000, 6000])
    form = rng.randrange(3)
    if form == 0:
        return "[" * n + "]" * n
    if form == 1:
        return "[" * n + "0.5" + "]" * n
    return "{a: " * n + "1" + "}" * n


# --------------------------------------------------------------------------------------
# YAML-data mutations


@dataclass(frozen=True)
class Raw:
    """A YAML text put verbatim where this object is (see :func:`dump`)."""

    text: str
    tag: int


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    pass


def _represent_raw(dumper: Any, raw: Raw) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", f"zfuzzraw{raw.tag}z")


_Dumper.add_representer(Raw, _represent_raw)


def dump(tree: Any, rng: random.Random) -> str:
    """``tree`` as YAML, each :class:`Raw` replaced by its text."""
    raws: list[Raw] = []

    def collect(node: Any, seen: set[int]) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, Raw):
            raws.append(node)
        elif isinstance(node, dict):
            for k, v in node.items():
                collect(k, seen)
                collect(v, seen)
        elif isinstance(node, list):
            for v in node:
                collect(v, seen)

    collect(tree, set())
    text = yaml.dump(
        tree,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=rng.random() < 0.5,
        default_flow_style=rng.choice([False, False, None]),
        width=rng.choice([80, 4096]),
    )
    for raw in raws:
        text = text.replace(f"zfuzzraw{raw.tag}z", raw.text)
    return text


Path_ = tuple[Any, ...]


def _walk(node: Any, path: Path_ = ()) -> Iterator[tuple[Any, Any, Any, Path_]]:
    """Every (container, key, value, path) below ``node`` (depth first, in order)."""
    items: Any = node.items() if isinstance(node, dict) else enumerate(node)
    for k, v in list(items):
        p = (*path, k)
        yield node, k, v, p
        if isinstance(v, dict | list) and not isinstance(v, Raw):
            yield from _walk(v, p)


def _name(path: Path_) -> str:
    s = ".".join(f"[{k}]" if isinstance(k, int) else str(k) for k in path) or "<root>"
    return s if len(s) <= 60 else s[:57] + "..."


def _short(x: Any) -> str:
    s = x.text if isinstance(x, Raw) else repr(x)
    return s if len(s) <= 40 else f"{s[:30]}...({len(s)} chars)"


def _contains(node: Any, target: Any) -> bool:
    """Whether ``target`` is ``node`` or inside it (sharing must not make a cycle)."""
    stack, seen = [node], set()
    while stack:
        x = stack.pop()
        if x is target:
            return True
        if id(x) in seen or not isinstance(x, dict | list):
            continue
        seen.add(id(x))
        stack.extend(x.values() if isinstance(x, dict) else x)
    return False


class _Mutator:
    """Mutations of a loaded YAML tree, each returning a short description."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.tags = 0

    def raw(self, text: str) -> Raw:
        self.tags += 1
        return Raw(text, self.tags)

    def _pick(self, tree: Any, want: Callable[[Any, Any, Any], bool] | None = None) -> Any:
        nodes = [n for n in _walk(tree) if want is None or want(*n[:3])]
        return self.rng.choice(nodes) if nodes else None

    def delete_key(self, tree: Any) -> str | None:
        got = self._pick(tree, lambda c, k, v: isinstance(c, dict))
        if got is None:
            return None
        c, k, _, p = got
        del c[k]
        return f"delete {_name(p)}"

    def set_number(self, tree: Any) -> str | None:
        rng = self.rng
        numeric = rng.random() < 0.75

        def want(c: Any, k: Any, v: Any) -> bool:
            return not numeric or (isinstance(v, int | float) and not isinstance(v, bool))

        got = self._pick(tree, want) or self._pick(tree)
        if got is None:
            return None
        c, k, _, p = got
        c[k] = self.raw(rng.choice(NUMBERS))
        return f"number {_name(p)}={_short(c[k])}"

    def swap_type(self, tree: Any) -> str | None:
        got = self._pick(tree)
        if got is None:
            return None
        c, k, v, p = got
        choices: list[Any] = [
            str(v)[:50], "abc", "", [], [copy.deepcopy(v)], {}, {"x": copy.deepcopy(v)},
            {"value": copy.deepcopy(v)}, None, True, 0.5, 7, [v, v] if not isinstance(v, dict)
            else list(v), self.raw('"0.5"'),
        ]  # fmt: skip
        c[k] = self.rng.choice(choices)
        return f"type {_name(p)}={_short(c[k])}"

    def duplicate_item(self, tree: Any) -> str | None:
        got = self._pick(tree, lambda c, k, v: isinstance(v, list) and bool(v))
        if got is None:
            return None
        _, _, v, p = got
        i = self.rng.randrange(len(v))
        times = self.rng.choice([1, 1, 1, 2, 50])
        for _ in range(times):
            v.insert(self.rng.randrange(len(v) + 1), copy.deepcopy(v[i]))
        return f"duplicate {_name(p)}[{i}] x{times}"

    def rename_key(self, tree: Any) -> str | None:
        rng = self.rng
        got = self._pick(tree, lambda c, k, v: isinstance(c, dict))
        if got is None:
            return None
        c, k, _, p = got
        keys = [kk for _, kk, _, _ in _walk(tree) if isinstance(kk, str)]
        s = str(k)
        typo = s[: len(s) // 2] + s[len(s) // 2 + 1 :] if len(s) > 1 else s + s
        new: Any = rng.choice(
            [
                typo, s.upper(), s + "s", rng.choice(keys) if keys else "x", "", "x" * 300,
                "k" * 100_000, 42, None, True, 1.5, "value", "source", "assumption", "weights",
                "id", "red_lines", s + "\x07", s + " ", "ü" + s, "<<", self.raw("[a, b]"),
                self.raw("{a: 1}"), self.raw("!foo k"), self.raw("&k " + s), s,
            ]
        )  # fmt: skip
        if new in c and new != k:
            return None
        items = [(new if kk == k else kk, vv) for kk, vv in c.items()]
        c.clear()
        c.update(items)
        return f"rename {_name(p)}->{_short(new)}"

    def oddity(self, tree: Any) -> str | None:
        got = self._pick(tree)
        if got is None:
            return None
        c, k, _, p = got
        text = self.rng.choice(YAML_ODDITIES)
        if self.rng.random() < 0.01:  # 10**6 values and more: seconds to refuse
            text = _laughs(self.rng.choice([3, 4, 5] * 3 + [6, 7, 8]))
        c[k] = self.raw(text)
        return f"yaml {_name(p)}={_short(text)}"

    def deep_nest(self, tree: Any) -> str | None:
        got = self._pick(tree)
        if got is None:
            return None
        c, k, _, p = got
        c[k] = self.raw(_nest(self.rng))
        return f"nest {_name(p)}={_short(c[k])}"

    def share(self, tree: Any) -> str | None:
        """Make two places one object: the dump writes an anchor and an alias."""
        containers = [n for n in _walk(tree) if isinstance(n[2], dict | list)]
        if len(containers) < 2:
            return None
        (c, k, _, p), (_, _, v, q) = self.rng.sample(containers, 2)
        if p[: len(q)] == q or q[: len(p)] == p or _contains(v, c):
            return None
        c[k] = v
        return f"alias {_name(p)}=*{_name(q)}"

    def same_numbers(self, tree: Any) -> str | None:
        """Every number of one mapping set to one value (weights that overflow, all 0)."""

        def numbers(v: Any) -> list[Any]:
            if not isinstance(v, dict):
                return []
            return [
                k for k, x in v.items() if isinstance(x, int | float) and not isinstance(x, bool)
            ]

        got = self._pick(tree, lambda c, k, v: len(numbers(v)) >= 2)
        if got is None:
            return None
        _, _, v, p = got
        text = self.rng.choice(["1.0e+308", "1.7e+308", "0", "-1", ".nan", "1.0e-320", "1e400"])
        for k in numbers(v):
            v[k] = self.raw(text)
        return f"numbers of {_name(p)}={text}"

    def many_items(self, tree: Any) -> str | None:
        """A list grown to thousands of copies of one item (one cause, many problems)."""
        got = self._pick(tree, lambda c, k, v: isinstance(v, list) and bool(v))
        if got is None:
            return None
        _, _, v, p = got
        n = self.rng.choice([200, 1100, 5000])
        item = v[self.rng.randrange(len(v))]
        v.extend(copy.deepcopy(item) for _ in range(n))
        return f"grow {_name(p)} by {n}"

    OPS = (
        ("delete_key", 3), ("set_number", 6), ("swap_type", 4), ("duplicate_item", 2),
        ("rename_key", 3), ("oddity", 3), ("deep_nest", 1), ("share", 1), ("many_items", 0.3),
        ("same_numbers", 1.5),
    )  # fmt: skip

    def mutate(self, tree: Any) -> str:
        names = [n for n, _ in self.OPS]
        weights = [w for _, w in self.OPS]
        for _ in range(5):
            op = self.rng.choices(names, weights)[0]
            got = getattr(self, op)(tree)
            if got is not None:
                return got
        return "none"


# --------------------------------------------------------------------------------------
# byte-level mutations


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def _number_token(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    spans = [m.span() for m in re.finditer(rb"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", data)]
    if not spans:
        return data, "no number"
    a, b = rng.choice(spans)
    new = rng.choice(NUMBER_TEXTS).encode()
    return data[:a] + new + data[b:], f"number @{a} {data[a:b][:20]!r}->{new[:20]!r}"


def byte_mutation(data: bytes, rng: random.Random, text_kind: str) -> tuple[bytes, str]:
    """One byte- or line-level mutation of ``data`` (``text_kind``: yaml, csv, xml, txt)."""
    ops = ["truncate", "flip", "control", "number", "line_delete", "line_dup", "line_swap",
           "indent", "bom", "crlf", "long", "empty"]  # fmt: skip
    weights = [2, 3, 3, 4, 2, 2, 1, 2, 0.5, 0.5, 0.5, 0.2]
    if text_kind == "xml":
        ops += ["xml_attr", "xml_attr_delete", "xml_nest", "xml_encoding", "xml_entity"]
        weights += [4, 1, 0.7, 0.5, 0.5]
    if text_kind == "csv":
        ops += ["csv_header", "csv_field_delete", "csv_field_add"]
        weights += [2, 1.5, 1]
    op = rng.choices(ops, weights)[0]
    n = len(data)
    if op == "truncate":
        at = rng.randrange(n + 1) if n else 0
        return data[:at], f"truncate @{at}/{n}"
    if op == "flip":
        buf = bytearray(data)
        k = rng.randint(1, 8)
        for _ in range(k if buf else 0):
            i = rng.randrange(len(buf))
            buf[i] = rng.randrange(256) if rng.random() < 0.5 else buf[i] ^ (1 << rng.randrange(8))
        return bytes(buf), f"flip {k} bytes"
    if op == "control":
        c = rng.choice(CONTROLS)
        starts = [m.end() for m in re.finditer(rb": |\"|,|>", data)]
        at = rng.choice(starts) if starts and rng.random() < 0.6 else rng.randrange(n + 1)
        return data[:at] + c + data[at:], f"insert {c!r} @{at}"
    if op == "number":
        return _number_token(data, rng)
    lines = _lines(data)
    i = rng.randrange(len(lines))
    if op == "line_delete":
        return b"".join(lines[:i] + lines[i + 1 :]), f"delete line {i + 1}"
    if op == "line_dup":
        return b"".join(lines[: i + 1] + lines[i:]), f"duplicate line {i + 1}"
    if op == "line_swap":
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
        return b"".join(lines), f"swap lines {i + 1},{j + 1}"
    if op == "indent":
        line = lines[i]
        if rng.random() < 0.5 and line.startswith(b"  "):
            lines[i], how = line[2:], "dedent"
        else:
            lines[i], how = b"  " + line, "indent"
        return b"".join(lines), f"{how} line {i + 1}"
    if op == "bom":
        return b"\xef\xbb\xbf" + data, "prepend BOM"
    if op == "crlf":
        return data.replace(b"\n", b"\r\n"), "CRLF line ends"
    if op == "long":
        at = rng.randrange(n + 1)
        size = rng.choice([1000, 140_000])
        return data[:at] + b"x" * size + data[at:], f"insert {size} x @{at}"
    if op == "empty":
        return rng.choice([b"", b"\n", b" "]), "empty"
    if op == "xml_attr":
        spans = [m.span(2) for m in re.finditer(rb'(\w+)="([^"]*)"', data)]
        if not spans:
            return data, "no attribute"
        a, b = rng.choice(spans)
        new = rng.choice([*NUMBER_TEXTS, "&amp;", "<", "\x07", "ü", "a" * 200_000]).encode()
        return data[:a] + new + data[b:], f"attribute @{a} {data[a:b][:20]!r}->{new[:20]!r}"
    if op == "xml_attr_delete":
        spans = [m.span() for m in re.finditer(rb'\s\w+="[^"]*"', data)]
        if not spans:
            return data, "no attribute"
        a, b = rng.choice(spans)
        return data[:a] + data[b:], f"delete attribute {data[a:b][:30]!r}"
    if op == "xml_nest":
        k = rng.choice([100, 999, 2000, 50_000])
        m = re.search(rb"<[A-Za-z_][^>?!]*>", data)
        at = m.end() if m else 0
        return data[:at] + b"<a>" * k + b"</a>" * k + data[at:], f"{k} nested elements"
    if op == "xml_encoding":
        enc = rng.choice([b"bogus-9", b"utf-16", b"latin-1", b"utf-32", b""])
        new, count = re.subn(rb'encoding="[^"]*"', b'encoding="' + enc + b'"', data)
        if not count:
            new = b'<?xml version="1.0" encoding="' + enc + b'"?>\n' + data.lstrip(b"\xef\xbb\xbf")
        return new, f"encoding={enc.decode()}"
    if op == "xml_entity":
        ents = b"".join(
            b'<!ENTITY e%d "%s">' % (k, (b"&e%d;" % (k - 1)) * 10 if k else b"lol")
            for k in range(9)
        )
        body = re.sub(rb"<\?xml[^>]*\?>", b"", data.lstrip(b"\xef\xbb\xbf"), count=1)
        m = re.search(rb"<([A-Za-z_][\w.-]*)", body)
        root = m.group(1) if m else b"x"
        new = b"<!DOCTYPE " + root + b" [" + ents + b"]>\n" + body
        new = re.sub(rb'="[^"]*"', b'="&e8;"', new, count=1)
        return new, "billion-laughs entities"
    if op == "csv_header":
        first, rest = lines[0], b"".join(lines[1:])
        nums = list(re.finditer(rb"\d+", first))
        if not nums:
            return data, "no header number"
        m = rng.choice(nums)
        new = rng.choice([b"1000000000", b"100000000", b"0", b"-1", b"99999999999999999999"])
        return first[: m.start()] + new + first[m.end() :] + rest, f"header {m.group()!r}->{new!r}"
    if op == "csv_field_delete":
        fields = lines[i].split(b",")
        if len(fields) > 1:
            del fields[rng.randrange(len(fields))]
        lines[i] = b",".join(fields)
        return b"".join(lines), f"delete a field of line {i + 1}"
    if op == "csv_field_add":
        fields = lines[i].split(b",")
        fields.insert(rng.randrange(len(fields) + 1), rng.choice(NUMBER_TEXTS).encode())
        lines[i] = b",".join(fields)
        return b"".join(lines), f"add a field to line {i + 1}"
    raise AssertionError(op)


# --------------------------------------------------------------------------------------
# cases


@dataclass
class Case:
    """One fuzz case: its files (relative path -> bytes), its command, what was done."""

    seed: int
    index: int
    kind: str
    fmt: str
    files: dict[str, bytes | None]  # None: a folder
    argv: list[str]  # "{src}" and "{out}" are replaced by paths in the case's folder
    src: str
    mutations: list[str]

    def label(self) -> str:
        cmd = " ".join(a for a in self.argv if not a.startswith("{"))
        return f"seed {self.seed} case {self.index} ({self.kind} {cmd}): " + "; ".join(
            self.mutations
        )


_CACHE: dict[Path, tuple[bytes, Any]] = {}


def _original(path: Path) -> tuple[bytes, Any]:
    if path not in _CACHE:
        raw = path.read_bytes()
        _CACHE[path] = (raw, yaml.safe_load(raw) if path.suffix == ".yaml" else None)
    return _CACHE[path]


_COMMANDS = (  # for scenario files: (argv, weight, weight for the reference scenario)
    (["validate"], 45, 70),
    (["analyze", "--json"], 14, 0),
    (["forecast", "--json"], 13, 20),
    (["package", "--json"], 6, 3),
    (["montecarlo", "--draws", "20", "--json"], 6, 3),
    (["sources", "--json"], 6, 4),
    (["leverage", "--json", "--for", "{actor}"], 5, 0),
    (["simulate", "--json", "--rounds", "8"], 6, 3),
    (["simulate", "--json", "--runs", "300", "--seed", "1"], 3, 1),
)


def _first_actor(tree: Any) -> str:
    try:
        return str(tree["actors"][0]["id"])
    except (KeyError, IndexError, TypeError):
        return "A"


def _yaml_case(case: Case, inp: Input, rng: random.Random) -> None:
    raw, original = _original(inp.path)
    data = raw
    if rng.random() < 0.72:
        tree = pickle.loads(pickle.dumps(original))  # a deep copy, faster
        m = _Mutator(rng)
        for _ in range(rng.choices([1, 2, 3], [6, 3, 1])[0]):
            case.mutations.append(m.mutate(tree))
        data = dump(tree, rng).encode("utf-8", "surrogatepass")
        if rng.random() < 0.1:
            data, what = byte_mutation(data, rng, "yaml")
            case.mutations.append(what)
    else:
        for _ in range(rng.choices([1, 2], [4, 1])[0]):
            data, what = byte_mutation(data, rng, "yaml")
            case.mutations.append(what)
    name = "scenario.yaml"
    case.files[name] = data
    case.src = name
    ref = inp.kind == "reference"
    argv, *_ = rng.choices(_COMMANDS, [c[2] if ref else c[1] for c in _COMMANDS])[0]
    actor = _first_actor(_original(inp.path)[1])
    case.argv = [a.replace("{actor}", actor) for a in argv] + ["{src}"]


def _import_case(case: Case, inp: Input, rng: random.Random) -> None:
    if inp.path.is_dir():
        base = inp.path.name
        files = sorted(p for p in inp.path.rglob("*") if p.is_file())
        for p in files:
            case.files[f"{base}/{p.relative_to(inp.path)}"] = p.read_bytes()
        for p in sorted(p for p in inp.path.rglob("*") if p.is_dir()):
            case.files.setdefault(f"{base}/{p.relative_to(inp.path)}", None)
        case.src = base
        r = rng.random()
        names = [k for k, v in case.files.items() if v is not None]
        if r < 0.06:
            victim = rng.choice(names)
            del case.files[victim]
            case.mutations.append(f"delete {victim}")
            return
        if r < 0.09:
            extra = f"{base}/{rng.choice(['extra.xml', 'scores_files/extra.txt', 'x.txt'])}"
            case.files[extra] = rng.choice([b"", b"<a>", b"1,2\n", b"\xff\xfe"])
            case.mutations.append(f"add {extra}")
            return
        domainish = [n for n in names if "domain" in n or n.endswith("config.txt")]
        target = rng.choice(domainish) if domainish and rng.random() < 0.4 else rng.choice(names)
    else:
        target = inp.path.name
        case.files[target] = inp.path.read_bytes()
        case.src = target
    kind = {".xml": "xml", ".csv": "csv"}.get(Path(target).suffix, "txt")
    data = case.files[target]
    assert data is not None
    for _ in range(rng.choices([1, 2, 3], [6, 3, 1])[0]):
        data, what = byte_mutation(data, rng, kind)
        case.mutations.append(f"{Path(target).name}: {what}")
    case.files[target] = data


def make_case(seed: int, index: int, table: list[Input] | None = None) -> Case:
    """Case ``index`` of the run seeded ``seed`` (the same numbers, the same case)."""
    rng = random.Random(f"zopa-fuzz:{seed}:{index}")
    table = table or inputs()
    inp = rng.choices(table, [i.weight for i in table])[0]
    case = Case(seed, index, inp.kind, inp.fmt, {}, [], "", [])
    if inp.fmt == "yaml":
        _yaml_case(case, inp, rng)
    else:
        _import_case(case, inp, rng)
        case.argv = ["import", inp.fmt, "{src}", "-o", "{out}"]
    return case


# --------------------------------------------------------------------------------------
# the in-process runner


class _Timeout(BaseException):
    """Raised by the alarm: a case ran out of time (a BaseException: not swallowed)."""


def _alarm(signum: int, frame: Any) -> None:
    raise _Timeout


@dataclass
class Outcome:
    """What one in-process run of the command line did."""

    argv: list[str]
    code: int | None
    stdout: str
    stderr: str
    error: str | None  # "timeout" or the type of an exception that escaped main()
    seconds: float
    limit: float = CASE_SECONDS


def _exit_code(code: Any) -> int:
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def run_cli(argv: list[str], limit: float = CASE_SECONDS) -> Outcome:
    """Run ``zopa ARGV`` in this process: its exit status, output and escaped exception."""
    from zopa.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    saved_argv = sys.argv
    sys.argv = ["zopa", *argv]
    code: int | None = None
    error: str | None = None
    start = time.perf_counter()
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    previous = signal.signal(signal.SIGALRM, _alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, limit)
        with warnings.catch_warnings():
            warnings.simplefilter("default")  # each case shows its warnings, as a new process
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    main()
                    code = 0
                except SystemExit as e:
                    code = _exit_code(e.code)
        if code == 130:  # no case sends SIGINT: this is the user's Ctrl-C, reported by main()
            raise KeyboardInterrupt
    except _Timeout:
        error = "timeout"
    except BaseException as e:  # anything else escaping main() is a failure
        error = type(e).__name__
        if isinstance(e, KeyboardInterrupt):
            raise
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        for s, handler in saved.items():  # main() may install its own
            signal.signal(s, handler)
        sys.argv = saved_argv
    seconds = time.perf_counter() - start
    return Outcome(argv, code, out.getvalue(), err.getvalue(), error, seconds, limit)


def _reject(name: str) -> Any:
    raise ValueError(f"not JSON: {name}")


def _traceback_type(stderr: str) -> str:
    lines = stderr[stderr.find("Traceback (most recent call last)") :].splitlines()
    for line in reversed(lines):
        m = re.match(r"([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning)\w*)\b", line)
        if m:
            return m.group(1).rsplit(".", 1)[-1]
    return "printed"


def problems(o: Outcome, places: list[str]) -> list[tuple[str, str]]:
    """Failure (class, detail) pairs of one outcome; ``places`` may start a message line."""
    if o.error == "timeout":
        return [("timeout", f"over {o.limit:g} s")]
    if o.error:
        return [(f"traceback: {o.error}", "escaped main()")]
    if "Traceback (most recent call last)" in o.stderr:
        return [(f"traceback: {_traceback_type(o.stderr)}", "printed on stderr")]
    internal = re.match(r"zopa: internal error \((\w+)", o.stderr)
    if internal:  # a traceback caught by main() and printed as one line
        return [(f"traceback: {internal.group(1)}", f"exit {o.code}: {o.stderr[:160]!r}")]
    if o.code not in (0, 1, 2):
        return [("bad exit code", f"exit {o.code}: {o.stderr[:120]!r}")]
    found: list[tuple[str, str]] = []
    if o.code == 2:
        lines = o.stderr.splitlines()
        if not lines:
            found.append(("unlocated message", "exit 2 with nothing on stderr"))
        for n, line in enumerate(lines):
            if n == len(lines) - 1 and n and COUNT_LINE.match(line):
                continue  # "... and 150 more problems"
            if not located(line, places):
                found.append(("unlocated message", line[:160]))
                break
        if len(lines) > MAX_LINES:
            found.append(("too many lines", f"{len(lines)} lines"))
        long = max((len(x) for x in lines), default=0)
        if long > MAX_LINE_CHARS:
            found.append(("overlong line", f"a line of {long} chars"))
    if o.code == 0 and "--json" in o.argv:
        try:
            json.loads(o.stdout, parse_constant=_reject)
        except ValueError as e:
            found.append(("non-JSON output", str(e)[:120]))
    return found


COUNT_LINE = re.compile(r"\W*(?:and\s+)?[\d,]+\s+more\b")
"""The last line of a long report may count the problems not shown."""


def located(line: str, places: list[str]) -> bool:
    """Whether a message line starts with a place (a file given, an option) and a colon."""
    if re.match(r"--?[A-Za-z][\w-]*(?:[ =][^:]*)?:", line):
        return True
    return any(line.startswith(p) and line[len(p) :][:1] in (":", "/") for p in places)


def _places(*paths: Path) -> list[str]:
    out: list[str] = []
    for p in paths:
        out += [str(p), str(p.resolve()), os.path.relpath(p)]
    return sorted(set(out), key=len, reverse=True)


def _write(case: Case, folder: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for rel, data in case.files.items():
        p = folder / rel
        if data is None:
            p.mkdir(parents=True, exist_ok=True)
        else:
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)


@dataclass
class Result:
    """A case's failures: (class, detail) pairs (none: it passed)."""

    case: Case
    failures: list[tuple[str, str]]
    seconds: float
    outcomes: list[Outcome] = field(default_factory=list)


def run_case(case: Case, folder: Path, limit: float = CASE_SECONDS) -> Result:
    """Write the case's files into ``folder``, run its command(s), check what they did."""
    _write(case, folder)
    src, out = folder / case.src, folder / "out.yaml"
    argv = [a.replace("{src}", str(src)).replace("{out}", str(out)) for a in case.argv]
    places = _places(src, out)
    first = run_cli(argv, limit)
    outcomes = [first]
    failures = problems(first, places)
    follow: tuple[list[str], str] | None = None
    if not failures and first.code == 0:
        if argv[0] == "validate":  # the tables one case in three, JSON otherwise (faster)
            how = [] if case.index % 3 == 0 else ["--json"]
            follow = ["analyze", *how, str(src)], "validate accepted, analyze failed"
        elif argv[0] == "import" and case.index % 3 == 0:  # one in three (slow)
            follow = ["validate", str(out)], "import wrote a scenario validate rejects"
    if follow is not None:
        then = run_cli(follow[0], limit)
        outcomes.append(then)
        if then.code != 0 or then.error:
            why = problems(then, _places(src, out))
            detail = why[0][0] + ": " + why[0][1] if why else then.stderr.strip()[:120]
            failures.append((follow[1], f"exit {then.code}: {detail}"))
    return Result(case, failures, sum(o.seconds for o in outcomes), outcomes)


# --------------------------------------------------------------------------------------
# summaries


@dataclass
class Summary:
    """Cases per input kind, failures per class, the first example of each class."""

    cases: Counter[str] = field(default_factory=Counter)
    failing: Counter[str] = field(default_factory=Counter)
    classes: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    first_index: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, r: Result) -> None:
        self.cases[r.case.kind] += 1
        self.seconds += r.seconds
        if r.failures:
            self.failing[r.case.kind] += 1
        for cls in dict.fromkeys(c for c, _ in r.failures):
            self.note(cls, r.case.index, f"{r.case.label()} => {dict(r.failures)[cls]}")

    def note(self, cls: str, index: int, example: str, count: int = 1) -> None:
        self.classes[cls] += count
        if cls not in self.first_index or index < self.first_index[cls]:
            self.first_index[cls] = index
            self.examples[cls] = example

    def merge(self, other: Summary) -> None:
        self.cases.update(other.cases)
        self.failing.update(other.failing)
        self.seconds += other.seconds
        for cls, n in other.classes.items():
            self.note(cls, other.first_index[cls], other.examples[cls], n)

    @property
    def total(self) -> int:
        return sum(self.cases.values())

    @property
    def failures(self) -> int:
        late = self.classes["worker crashed"] - self.failing["(crashed)"]  # after its last case
        return sum(self.failing.values()) + max(0, late)

    def table(self, seed: int | None = None) -> str:
        out = [f"fuzz: {self.total} cases" + (f" (seed {seed})" if seed is not None else "")]
        out.append(f"  {'input kind':<22}{'cases':>8}{'failing':>9}")
        for kind in sorted(self.cases):
            out.append(f"  {kind:<22}{self.cases[kind]:>8}{self.failing[kind]:>9}")
        out.append(f"  {'all':<22}{self.total:>8}{sum(self.failing.values()):>9}")
        if not self.classes:
            out.append("no failures")
            return "\n".join(out)
        out.append(f"  {'failure class':<44}{'cases':>7}  first example")
        for cls, n in sorted(self.classes.items(), key=lambda kv: (-kv[1], kv[0])):
            out.append(f"  {cls:<44}{n:>7}  {self.examples[cls][:400]}")
        out.append("(one case again: python tests/fuzzing.py --seed S --case N)")
        return "\n".join(out)


def run_range(
    seed: int,
    start: int,
    stop: int,
    folder: Path,
    limit: float = CASE_SECONDS,
    on_result: Callable[[Result], None] | None = None,
) -> Summary:
    """Run cases ``start..stop-1`` of ``seed`` in this process, under a memory limit."""
    summary = Summary()
    table = inputs()
    with memory_limit(MEMORY_BYTES):
        for i in range(start, stop):
            r = run_case(make_case(seed, i, table), folder / "case", limit)
            summary.add(r)
            if on_result is not None:
                on_result(r)
    return summary


@contextlib.contextmanager
def memory_limit(nbytes: int) -> Iterator[None]:
    """Limit this process's address space (a runaway allocation: MemoryError)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    want = nbytes if hard == resource.RLIM_INFINITY else min(nbytes, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        want = soft
    resource.setrlimit(resource.RLIMIT_AS, (want, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


# --------------------------------------------------------------------------------------
# make fuzz: worker processes, each with its own range of cases


def _worker(seed: int, start: int, stop: int, log: str, limit: float) -> None:
    """Run a range of cases, appending one JSON line per case to ``log`` as it goes."""
    folder = Path(tempfile.mkdtemp(prefix="zopa-fuzz-"))
    os.chdir(folder)  # a stray relative write lands here, not in the project
    with open(log, "a", encoding="utf-8") as f:

        def record(r: Result) -> None:
            fails = {c: f"{r.case.label()} => {d}" for c, d in r.failures}
            line = {"i": r.case.index, "kind": r.case.kind, "s": r.seconds, "fail": fails}
            f.write(json.dumps(line) + "\n")
            f.flush()

        try:
            run_range(seed, start, stop, folder, limit, record)
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def _read_log(path: Path, summary: Summary) -> int | None:
    """Add a worker's log to ``summary``; the last case number it finished."""
    last = None
    if not path.exists():
        return None
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rec = json.loads(line)
        except ValueError:  # a line cut short by a crash
            continue
        summary.cases[rec["kind"]] += 1
        summary.seconds += rec["s"]
        if rec["fail"]:
            summary.failing[rec["kind"]] += 1
        for cls, ex in rec["fail"].items():
            summary.note(cls, rec["i"], ex)
        last = rec["i"]
    return last


def fuzz_parallel(
    cases: int, seed: int, workers: int, chunk: int = 2500, limit: float = CASE_SECONDS
) -> Summary:
    """Run ``cases`` cases over ``workers`` processes; a crashed case is noted and skipped."""
    ctx = multiprocessing.get_context("spawn")
    chunk = max(1, min(chunk, -(-cases // workers)))
    todo = [(a, min(a + chunk, cases)) for a in range(0, cases, chunk)]
    logs = Path(tempfile.mkdtemp(prefix="zopa-fuzz-logs-"))
    running: dict[int, tuple[Any, int, int, Path]] = {}  # by launch number
    crashed = Summary()
    done_ranges: list[Path] = []
    started = time.monotonic()
    last_report = started
    n = 0
    try:
        while todo or running:
            while todo and len(running) < workers:
                a, b = todo.pop(0)
                log = logs / f"{a}-{b}-{n}.jsonl"
                n += 1
                p = ctx.Process(target=_worker, args=(seed, a, b, str(log), limit))
                p.start()
                running[n] = (p, a, b, log)
            time.sleep(0.5)
            for pid, (p, a, b, log) in list(running.items()):
                if p.is_alive():
                    continue
                p.join()
                del running[pid]
                done_ranges.append(log)
                if p.exitcode != 0:
                    partial = Summary()
                    last = _read_log(log, partial)
                    bad = a if last is None else last + 1
                    if bad < b:  # the case it was running: noted, skipped
                        crashed.cases["(crashed)"] += 1
                        crashed.failing["(crashed)"] += 1
                    why = f"seed {seed} case {bad}: the worker died (exit {p.exitcode})"
                    crashed.note("worker crashed", bad, why)
                    if bad + 1 < b:
                        todo.insert(0, (bad + 1, b))
            if time.monotonic() - last_report > 30:
                last_report = time.monotonic()
                done = sum(_count_lines(p[3]) for p in running.values())
                done += sum(_count_lines(p) for p in done_ranges)
                el = time.monotonic() - started
                print(f"fuzz: {done}/{cases} cases, {el:.0f} s", file=sys.stderr, flush=True)
        summary = Summary()
        for log in done_ranges:
            _read_log(log, summary)
        summary.merge(crashed)
        return summary
    finally:
        for p, *_ in running.values():
            p.terminate()
        shutil.rmtree(logs, ignore_errors=True)


def _count_lines(path: Path) -> int:
    try:
        with open(path, "rb") as f:
            return sum(1 for _ in f)
    except OSError:
        return 0


def show_case(seed: int, index: int) -> None:
    """Run one case and show everything: its mutations, files, commands and outputs."""
    case = make_case(seed, index)
    folder = Path(tempfile.mkdtemp(prefix=f"zopa-case-{index}-"))
    r = run_case(case, folder / "case")
    print(case.label())
    print(f"files kept in {folder / 'case'}")
    for o in r.outcomes:
        print(f"$ zopa {' '.join(o.argv)}\n  exit {o.code} ({o.error or 'no exception'}), "
              f"{o.seconds:.2f} s")  # fmt: skip
        print("  stdout: " + o.stdout[:1500].replace("\n", "\n  "))
        print("  stderr: " + o.stderr[:3000].replace("\n", "\n  "))
    print("failures:", r.failures or "none")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Fuzz the zopa command line (make fuzz).")
    ap.add_argument("--cases", type=int, default=int(os.environ.get("FUZZ_CASES", 100_000)))
    ap.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", 0)))
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--limit", type=float, default=CASE_SECONDS, help="seconds per command")
    ap.add_argument("--case", type=int, help="run this one case and show it")
    args = ap.parse_args(argv)
    if args.case is not None:
        show_case(args.seed, args.case)
        return 0
    t = time.monotonic()
    summary = fuzz_parallel(args.cases, args.seed, max(1, args.workers), limit=args.limit)
    print(summary.table(args.seed))
    print(f"{time.monotonic() - t:.0f} s wall, {summary.seconds:.0f} s in cases")
    return 1 if summary.failures else 0


if __name__ == "__main__":
    sys.exit(main())
