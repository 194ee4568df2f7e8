"""Where every number in a scenario file comes from, and whether its quotes are verbatim.

:func:`evidence` lists every number as written in the file (every int or float of the
raw data, the format version aside, and every ``{value: ...}``, ``{expr: ...}`` or
distribution mapping) with the evidence that covers it: its own
``source:``/``assumption:`` or that of the nearest enclosing mapping. Numbers with neither
are listed too. :func:`verify` checks each quote against the text of the source file it
cites: the quote must stand verbatim, whitespace and typographic quote marks aside.

Both walk the raw data (:func:`zopa.scenario.numbers.walk`), not the validated model: the
raw data has every value's line, and the numbers as written (plain ints such as
``decision.at_least`` included, defaults the file leaves out excluded).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from typing_extensions import TypedDict  # pydantic reads it on Python < 3.12 (schemas)

from zopa.errors import InputError
from zopa.files import read_text
from zopa.results import frame
from zopa.scenario.distributions import KINDS
from zopa.scenario.numbers import walk
from zopa.scenario.yamlfile import Lines, Path_, dotted

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "“": '"', "”": '"',
                         "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"'})  # fmt: skip
_NOT_EVIDENCE = {("zopa",)}  # the format version is not a claim
_EVIDENCE_KEYS = ("source", "assumption")
Cover = tuple[str | None, str | None, str | None, str]  # ref, quote, assumption, where

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class NumberEvidence:
    """One number of the file and what supports it."""

    field: str
    line: int | None
    value: float | str  # a number, or an expression / distribution as written
    ref: str | None = None
    quote: str | None = None
    assumption: str | None = None
    inherited_from: str | None = None  # the enclosing mapping whose evidence covers it

    @property
    def kind(self) -> str:
        return "source" if self.quote else ("assumption" if self.assumption else "none")


def evidence(data: Any, lines: Lines) -> list[NumberEvidence]:
    """Every number in ``data`` with its evidence (by line, then field)."""
    covers: dict[Path_, Cover | None] = {}  # the evidence covering each mapping and list
    out = []
    for path, node in walk(data, _descend):
        if _evidence_key(path):
            continue
        above = covers.get(path[:-1]) if path else None
        if isinstance(node, dict):
            own = _own(node)
            here = (*own, dotted(path)) if own else above
            covers[path] = here
            shown = _as_number(node)
            if shown is not None:  # {value: x}, {expr: ...} or a distribution: one number
                out.append(_make(shown, path, lines, here, own is not None))
        elif isinstance(node, list):
            covers[path] = above
        elif _is_number(node) and path not in _NOT_EVIDENCE:
            out.append(_make(node, path, lines, above, False))
    return sorted(out, key=lambda e: (e.line or 0, e.field))


def _evidence_key(path: Path_) -> bool:
    """Whether ``path`` is a mapping's ``source:`` or ``assumption:``."""
    return bool(path) and path[-1] in _EVIDENCE_KEYS


def _descend(path: Path_, node: Any) -> bool:
    """Evidence is not walked into, nor a mapping that stands for one number."""
    return not (_evidence_key(path) or (isinstance(node, dict) and _as_number(node) is not None))


def _own(m: dict[str, Any]) -> tuple[str | None, str | None, str | None] | None:
    src = m.get("source")
    ass = m.get("assumption")
    if isinstance(src, dict) or isinstance(ass, str):
        s = src if isinstance(src, dict) else {}
        return (s.get("ref"), s.get("quote"), ass if isinstance(ass, str) else None)
    return None


def _as_number(d: dict[str, Any]) -> float | str | None:
    """The number a mapping stands for, as shown: its value, ``=expr`` or ``kind[...]``."""
    if _is_number(d.get("value")):
        return float(d["value"])
    if isinstance(d.get("expr"), str):
        return f"={d['expr']}"
    for k in KINDS:
        if k in d:
            return f"{k} {d[k]}"
    return None


def _make(value: Any, path: Path_, lines: Lines, cover: Cover | None, own: bool) -> NumberEvidence:
    field = dotted(path)
    value = value if isinstance(value, str) else float(value)
    if cover is None:
        return NumberEvidence(field, lines.line(path), value)
    ref, quote, assumption, where = cover
    return NumberEvidence(
        field,
        lines.line(path),
        value,
        ref=ref,
        quote=quote,
        assumption=assumption,
        inherited_from=None if own or where == field else where,
    )


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def normalise(text: str) -> str:
    """Text with typographic quote marks made plain and every run of whitespace one space."""
    return re.sub(r"\s+", " ", text.translate(_QUOTES)).strip()


@dataclass(frozen=True)
class QuoteCheck:
    """The verdict on one quote."""

    field: str
    line: int | None
    ref: str
    quote: str
    ok: bool
    reason: str = ""


def quotes(data: Any, lines: Lines) -> Iterator[tuple[str, int | None, str, str]]:
    """Every ``source: {ref, quote}`` in the file: (field, line, ref, quote)."""
    for path, node in walk(data, lambda p, _: not _is_source(p)):
        s = node.get("source") if isinstance(node, dict) and not _is_source(path) else None
        if isinstance(s, dict) and isinstance(s.get("quote"), str):
            p = (*path, "source")
            yield dotted(p), lines.line(p), str(s.get("ref")), s["quote"]


def _is_source(path: Path_) -> bool:
    return bool(path) and path[-1] == "source"


MAX_SOURCE_BYTES = 50 * 2**20
"""The largest source text read by ``--verify`` (an article is well under 1 MiB)."""


def verify(data: Any, lines: Lines, folder: str | Path) -> list[QuoteCheck]:
    """Check every quote against the cited source's text in ``folder``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError.at(str(folder), None, "--verify", "not a folder of source texts")
    file_of = {
        s.get("id"): s.get("file")
        for s in (data.get("sources") or [])
        if isinstance(s, dict) and isinstance(data, dict)
    }
    texts: dict[str, str | None] = {}
    out = []
    for field, line, ref, quote in quotes(data, lines):
        name = file_of.get(ref)
        if not name:
            out.append(QuoteCheck(field, line, ref, quote, False, f"source '{ref}' names no file"))
            continue
        if name not in texts:
            path = folder / name
            texts[name] = (
                normalise(read_text(path, MAX_SOURCE_BYTES, what="a source text"))
                if path.is_file()
                else None
            )
        text = texts[name]
        if text is None:
            out.append(QuoteCheck(field, line, ref, quote, False, f"{name} not found in {folder}"))
        elif normalise(quote) in text:
            out.append(QuoteCheck(field, line, ref, quote, True))
        else:
            out.append(QuoteCheck(field, line, ref, quote, False, f"not verbatim in {name}"))
    return out


class NumberJson(TypedDict):
    field: str
    line: int | None
    value: float | str
    ref: str | None
    quote: str | None
    assumption: str | None
    inherited_from: str | None


class QuoteJson(TypedDict):
    field: str
    line: int | None
    ref: str
    quote: str
    ok: bool
    reason: str


class SourcesJson(TypedDict):
    """``zopa sources --json``: every number with its evidence; with ``--verify``, the
    verdict on every quote (else ``quotes`` is null)."""

    file: str
    numbers: list[NumberJson]
    quotes: list[QuoteJson] | None


@dataclass
class SourcesReport:
    """Every number of one file with its evidence and, when checked, every quote's verdict."""

    file: str
    numbers: list[NumberEvidence]
    quotes: list[QuoteCheck] | None = None

    @property
    def verbatim(self) -> bool:
        """Whether every quote checked stands verbatim in its source (True if unchecked)."""
        return self.quotes is None or all(q.ok for q in self.quotes)

    def counts(self) -> dict[str, int]:
        """How many numbers rest on a quote (``source``), an ``assumption``, or ``none``."""
        kinds = [e.kind for e in self.numbers]
        return {k: kinds.count(k) for k in ("source", "assumption", "none")}

    def to_json(self) -> SourcesJson:
        """Exactly what ``zopa sources --json`` prints."""
        return {
            "file": self.file,
            "numbers": [
                {"field": e.field, "line": e.line, "value": e.value, "ref": e.ref,
                 "quote": e.quote, "assumption": e.assumption,
                 "inherited_from": e.inherited_from}
                for e in self.numbers
            ],
            "quotes": None
            if self.quotes is None
            else [
                {"field": q.field, "line": q.line, "ref": q.ref, "quote": q.quote,
                 "ok": q.ok, "reason": q.reason}
                for q in self.quotes
            ],
        }  # fmt: skip

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """``numbers`` (one row per number: field, line, value, kind, ref, quote,
        assumption) and ``quotes`` (one row per quote checked; empty if unchecked)."""
        j = self.to_json()
        numbers = [{**n, "kind": e.kind} for n, e in zip(j["numbers"], self.numbers, strict=True)]
        cols = ["field", "line", "ref", "quote", "ok", "reason"]
        return {"numbers": frame(numbers), "quotes": frame(list(j["quotes"] or []), cols)}


def sources_report(file: str | Path, folder: str | Path | None = None) -> SourcesReport:
    """Every number of the scenario ``file`` with its evidence; with ``folder`` (the cited
    source texts), every quote checked verbatim. The file must be a valid scenario."""
    from zopa.scenario.load import validate
    from zopa.scenario.yamlfile import read_yaml

    data, lines = read_yaml(file)
    validate(data, lines, str(file))
    checks = verify(data, lines, folder) if folder is not None else None
    return SourcesReport(str(file), evidence(data, lines), checks)
