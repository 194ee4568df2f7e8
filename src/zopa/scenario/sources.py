"""Where every number in a scenario file comes from, and whether its quotes are verbatim.

:func:`evidence` lists every number as written in the file (every int or float of the
raw data, the format version aside, and every ``{value: ...}``, ``{expr: ...}`` or
distribution mapping) and every judgement (an ``{order: [...]}`` mapping, listed as one
entry) with the evidence that covers it: its own ``source:``/``assumption:`` or that of
the nearest enclosing mapping, what the quote ``supports`` and the ``kind`` of the source
it cites. Numbers with neither are listed too. :func:`profile` sums the listing up: the
numbers by what their quote supports and by source kind, the numbers whose value needed
an assumption beside the quote, the quotes used for several numbers and the numbers with
neither. :func:`verify` checks each quote against the text of the source file it cites:
the quote must stand verbatim, whitespace and typographic quote marks aside, and begin
and end on word boundaries (a fragment of a word is not a quote of it).

Both walk the raw data (:func:`zopa.scenario.numbers.walk`), not the validated model: the
raw data has every value's line, and the numbers as written (plain ints such as
``decision.at_least`` included, defaults the file leaves out excluded).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, cast

from typing_extensions import TypedDict  # pydantic reads it on Python < 3.12 (schemas)

from zopa.errors import InputError
from zopa.files import read_text
from zopa.results import frame
from zopa.scenario.distributions import KINDS
from zopa.scenario.numbers import walk
from zopa.scenario.schema import SOURCE_KINDS, SUPPORTS
from zopa.scenario.yamlfile import Lines, Path_, dotted

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "“": '"', "”": '"',
                         "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"'})  # fmt: skip
_NOT_EVIDENCE = {("zopa",)}  # the format version is not a claim
_EVIDENCE_KEYS = ("source", "assumption")
UNRATED = "unrated"
"""The ``supports`` of a quote that does not say what it establishes."""
UNKNOWN = "unknown"
"""The ``kind`` of a source that does not give one (or of a ref no source declares)."""
SUPPORTS_ROWS = (*SUPPORTS, UNRATED)
KIND_COLUMNS = (*SOURCE_KINDS, UNKNOWN)
Supports = Literal["magnitude", "direction", "context"]  # schema.SUPPORTS
SourceKind = Literal["news", "analysis", "opinion", "official", "data"]  # schema.SOURCE_KINDS


class Cover(NamedTuple):
    """The evidence a mapping carries (or inherits), and the mapping's field."""

    ref: str | None
    quote: str | None
    supports: Supports | None
    assumption: str | None
    where: str


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
    supports: Supports | None = None  # what the quote establishes; None: unrated (or no quote)
    source_kind: SourceKind | None = None  # the cited source's kind; None: it gives none

    @property
    def kind(self) -> str:
        """``source`` (a quote), ``assumption`` (an assumption only) or ``none``."""
        return "source" if self.quote else ("assumption" if self.assumption else "none")


def evidence(data: Any, lines: Lines) -> list[NumberEvidence]:
    """Every number and judgement in ``data`` with its evidence.

    Parameters
    ----------
    data
        The raw data of a scenario file (as read, with its ``sources:`` list).
    lines
        The line of every value of ``data``.

    Returns
    -------
    list of NumberEvidence
        By line, then field; each with the quote or assumption covering it (its own or
        the nearest enclosing mapping's), the quote's ``supports`` and the cited source's
        ``kind`` (looked up in ``sources:``).
    """
    kind_of = _source_kinds(data)
    covers: dict[Path_, Cover | None] = {}  # the evidence covering each mapping and list
    out = []
    for path, node in walk(data, _descend):
        if _evidence_key(path):
            continue
        above = covers.get(path[:-1]) if path else None
        if isinstance(node, dict):
            own = _own(node, dotted(path))
            here = own or above
            covers[path] = here
            shown = _as_number(node)
            if shown is not None:  # {value: x}, {expr: ...}, a distribution, an order: one
                out.append(_make(shown, path, lines, here, own is not None, kind_of))
        elif isinstance(node, list):
            covers[path] = above
        elif _is_number(node) and path not in _NOT_EVIDENCE:
            out.append(_make(node, path, lines, above, False, kind_of))
    return sorted(out, key=lambda e: (e.line or 0, e.field))


def _source_kinds(data: Any) -> dict[str, SourceKind | None]:
    """Source id -> its ``kind`` (None when it gives none), from ``sources:``."""
    listed = data.get("sources") if isinstance(data, dict) else None
    return {
        str(s["id"]): cast("SourceKind", s["kind"]) if s.get("kind") in SOURCE_KINDS else None
        for s in (listed if isinstance(listed, list) else [])
        if isinstance(s, dict) and "id" in s
    }


def _evidence_key(path: Path_) -> bool:
    """Whether ``path`` is a mapping's ``source:`` or ``assumption:``."""
    return bool(path) and path[-1] in _EVIDENCE_KEYS


def _descend(path: Path_, node: Any) -> bool:
    """Evidence is not walked into, nor a mapping that stands for one number."""
    return not (_evidence_key(path) or (isinstance(node, dict) and _as_number(node) is not None))


def _own(m: dict[str, Any], where: str) -> Cover | None:
    """The evidence the mapping ``m`` (at field ``where``) carries itself, if any."""
    src = m.get("source")
    ass = m.get("assumption")
    if isinstance(src, dict) or isinstance(ass, str):
        s = src if isinstance(src, dict) else {}
        rated = s.get("supports")
        supports = cast("Supports", rated) if rated in SUPPORTS else None
        return Cover(_text(s.get("ref")), _text(s.get("quote")), supports, _text(ass), where)
    return None


def _text(x: Any) -> str | None:
    return x if isinstance(x, str) else None


def _as_number(d: dict[str, Any]) -> float | str | None:
    """The number a mapping stands for, as shown: its value, ``=expr``, ``kind[...]``, or
    for a judgement ``order [a, [b, c], d]``."""
    if _is_number(d.get("value")):
        return float(d["value"])
    if isinstance(d.get("expr"), str):
        return f"={d['expr']}"
    for k in KINDS:
        if k in d:
            return f"{k} {d[k]}"
    if isinstance(d.get("order"), list):
        return f"order {_listed(d['order'])}"
    return None


def _listed(x: Any) -> str:
    """An order as written: ``[a, [b, c], d]`` (ids unquoted, a nested list a tie)."""
    return f"[{', '.join(_listed(g) for g in x)}]" if isinstance(x, list) else str(x)


def _make(
    value: Any,
    path: Path_,
    lines: Lines,
    cover: Cover | None,
    own: bool,
    kind_of: dict[str, SourceKind | None],
) -> NumberEvidence:
    field = dotted(path)
    value = value if isinstance(value, str) else float(value)
    if cover is None:
        return NumberEvidence(field, lines.line(path), value)
    quoted = bool(cover.quote)  # an empty quote quotes nothing (NumberEvidence.kind)
    return NumberEvidence(
        field,
        lines.line(path),
        value,
        ref=cover.ref,
        quote=cover.quote,
        assumption=cover.assumption,
        inherited_from=None if own or cover.where == field else cover.where,
        supports=cover.supports if quoted else None,
        source_kind=kind_of.get(cover.ref) if quoted and cover.ref is not None else None,
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
    """Check every quote against the cited source's text in ``folder``.

    Parameters
    ----------
    data, lines
        The raw data of a scenario file and the line of each of its values.
    folder
        The folder holding the files the ``sources:`` name (``file:``, relative to it).

    Returns
    -------
    list of QuoteCheck
        One verdict per quote, in file order. A quote fails when its source names no
        file, when the file is missing or lies outside ``folder``, when the quote is empty
        once whitespace is dropped, or when it does not stand verbatim in the text
        (whitespace and typographic quote marks aside) beginning and ending on word
        boundaries.

    Raises
    ------
    InputError
        ``folder`` is not a folder, or a source file is not UTF-8 text of at most
        :data:`MAX_SOURCE_BYTES`.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError.at(str(folder), None, "--verify", "not a folder of source texts")
    listed = data.get("sources") if isinstance(data, dict) else None
    file_of = {
        s.get("id"): s.get("file")
        for s in (listed if isinstance(listed, list) else [])
        if isinstance(s, dict)
    }
    texts: dict[str, str | None] = {}  # file name -> its normalised text (None: missing)
    out = []
    for field, line, ref, quote in quotes(data, lines):
        why = _why_not(quote, ref, file_of.get(ref), folder, texts)
        out.append(QuoteCheck(field, line, ref, quote, not why, why))
    return out


def _why_not(quote: str, ref: str, name: Any, folder: Path, texts: dict[str, str | None]) -> str:
    """Why ``quote`` (citing ``ref``, whose file is ``name``) fails; "" when it stands."""
    if not isinstance(name, str) or not name:
        return f"source '{ref}' names no file"
    if not _inside(name):
        return f"{name} is not a file name inside {folder}"
    if name not in texts:
        path = folder / name
        texts[name] = (
            normalise(read_text(path, MAX_SOURCE_BYTES, what="a source text"))
            if path.is_file()
            else None
        )
    text = texts[name]
    if text is None:
        return f"{name} not found in {folder}"
    if not normalise(quote):
        return "the quote is empty"
    return "" if _stands_in(normalise(quote), text) else f"not verbatim in {name}"


def _inside(name: str) -> bool:
    """Whether the file name ``name`` stays inside the folder it is read from (relative,
    no ``..``)."""
    p = PurePath(name)
    return not p.is_absolute() and not p.drive and ".." not in p.parts


def _stands_in(quote: str, text: str) -> bool:
    """Whether ``quote`` occurs in ``text`` beginning and ending on word boundaries: a
    quote that starts (ends) with a letter or digit is not preceded (followed) by one."""
    at = text.find(quote)
    while at >= 0:
        end = at + len(quote)
        starts = at == 0 or not (quote[0].isalnum() and text[at - 1].isalnum())
        ends = end == len(text) or not (quote[-1].isalnum() and text[end].isalnum())
        if starts and ends:
            return True
        at = text.find(quote, at + 1)
    return False


class KindCounts(TypedDict):
    """Numbers by the ``kind`` of the source their quote cites (``unknown``: it gives none)."""

    news: int
    analysis: int
    opinion: int
    official: int
    data: int
    unknown: int


class SupportsCounts(TypedDict):
    """Quoted numbers by what the quote ``supports`` (``unrated``: it does not say), each
    by source kind."""

    magnitude: KindCounts
    direction: KindCounts
    context: KindCounts
    unrated: KindCounts


class FieldJson(TypedDict):
    field: str
    line: int | None


class QuotedFieldJson(TypedDict):
    field: str
    line: int | None
    ref: str | None
    supports: Supports | None


class ReusedQuoteJson(TypedDict):
    ref: str | None
    quote: str
    count: int
    fields: list[str]


class ProfileJson(TypedDict):
    """The evidence profile: ``numbers`` = the sum of ``quoted`` + ``assumption_only`` +
    ``neither``."""

    numbers: int
    quoted: SupportsCounts
    assumption_only: int
    neither: int
    quote_and_assumption: list[QuotedFieldJson]
    reused_quotes: list[ReusedQuoteJson]
    bare: list[FieldJson]


@dataclass(frozen=True)
class ReusedQuote:
    """One quote (as first written) that covers several numbers, with their fields."""

    ref: str | None
    quote: str
    fields: tuple[str, ...]

    @property
    def count(self) -> int:
        """How many numbers the quote covers."""
        return len(self.fields)


@dataclass(frozen=True)
class EvidenceProfile:
    """What the evidence of a file's numbers amounts to (see :func:`profile`)."""

    numbers: int
    quoted: dict[str, dict[str, int]]  # supports -> source kind -> numbers (every key)
    assumption_only: int
    neither: int
    quote_and_assumption: tuple[NumberEvidence, ...]
    reused: tuple[ReusedQuote, ...]
    bare: tuple[NumberEvidence, ...]

    @property
    def total_quoted(self) -> int:
        """How many numbers rest on a quote."""
        return sum(n for row in self.quoted.values() for n in row.values())

    def to_json(self) -> ProfileJson:
        """The ``profile`` of ``zopa sources --json``."""
        return {
            "numbers": self.numbers,
            "quoted": _supports_counts(self.quoted),
            "assumption_only": self.assumption_only,
            "neither": self.neither,
            "quote_and_assumption": [
                {"field": e.field, "line": e.line, "ref": e.ref, "supports": e.supports}
                for e in self.quote_and_assumption
            ],
            "reused_quotes": [
                {"ref": r.ref, "quote": r.quote, "count": r.count, "fields": list(r.fields)}
                for r in self.reused
            ],
            "bare": [{"field": e.field, "line": e.line} for e in self.bare],
        }

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """``profile`` (one row per ``supports`` value, one column per source kind, and
        ``total``), ``quote_and_assumption`` (field, line, ref, supports),
        ``reused_quotes`` (ref, quote, count, fields) and ``bare`` (field, line)."""
        j = self.to_json()
        table = [
            {"supports": s, **self.quoted[s], "total": sum(self.quoted[s].values())}
            for s in SUPPORTS_ROWS
        ]
        return {
            "profile": frame(table, ["supports", *KIND_COLUMNS, "total"]),
            "quote_and_assumption": frame(
                list(j["quote_and_assumption"]), ["field", "line", "ref", "supports"]
            ),
            "reused_quotes": frame(list(j["reused_quotes"]), ["ref", "quote", "count", "fields"]),
            "bare": frame(list(j["bare"]), ["field", "line"]),
        }


def _supports_counts(q: dict[str, dict[str, int]]) -> SupportsCounts:
    def row(s: str) -> KindCounts:
        r = q[s]
        return {"news": r["news"], "analysis": r["analysis"], "opinion": r["opinion"],
                "official": r["official"], "data": r["data"], "unknown": r["unknown"]}  # fmt: skip

    return {"magnitude": row("magnitude"), "direction": row("direction"),
            "context": row("context"), "unrated": row("unrated")}  # fmt: skip


def profile(numbers: Sequence[NumberEvidence]) -> EvidenceProfile:
    """The evidence profile of a listing (:func:`evidence`).

    Parameters
    ----------
    numbers
        Numbers with their evidence, in listing order.

    Returns
    -------
    EvidenceProfile
        The quoted numbers counted by what the quote supports (``magnitude``,
        ``direction``, ``context``, ``unrated``) and by the cited source's kind (``news``,
        ``analysis``, ``opinion``, ``official``, ``data``, ``unknown``); how many rest on an
        assumption only, and on neither; the quoted numbers that also carry an assumption
        (their value needed one beside the quote); the quotes covering several numbers
        (same source, same text once normalised; most numbers first, then by first use);
        and the numbers with neither. Every number is counted exactly once.
    """
    quoted = {s: dict.fromkeys(KIND_COLUMNS, 0) for s in SUPPORTS_ROWS}
    uses: dict[tuple[str | None, str], list[NumberEvidence]] = {}
    for e in numbers:
        if e.quote:
            quoted[e.supports or UNRATED][e.source_kind or UNKNOWN] += 1
            uses.setdefault((e.ref, normalise(e.quote)), []).append(e)
    several = [es for es in uses.values() if len(es) > 1]
    reused = [
        ReusedQuote(es[0].ref, es[0].quote or "", tuple(e.field for e in es)) for es in several
    ]
    reused.sort(key=lambda r: -r.count)  # stable: ties keep their order of first use
    return EvidenceProfile(
        numbers=len(numbers),
        quoted=quoted,
        assumption_only=sum(e.kind == "assumption" for e in numbers),
        neither=sum(e.kind == "none" for e in numbers),
        quote_and_assumption=tuple(e for e in numbers if e.quote and e.assumption),
        reused=tuple(reused),
        bare=tuple(e for e in numbers if e.kind == "none"),
    )


class NumberJson(TypedDict):
    field: str
    line: int | None
    value: float | str
    ref: str | None
    quote: str | None
    assumption: str | None
    inherited_from: str | None
    supports: Supports | None
    source_kind: SourceKind | None


class QuoteJson(TypedDict):
    field: str
    line: int | None
    ref: str
    quote: str
    ok: bool
    reason: str


class SourcesJson(TypedDict):
    """``zopa sources --json``: every number with its evidence, the evidence profile and,
    with ``--verify``, the verdict on every quote (else ``quotes`` is null)."""

    file: str
    numbers: list[NumberJson]
    profile: ProfileJson
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

    @property
    def profile(self) -> EvidenceProfile:
        """The evidence profile of :attr:`numbers` (:func:`profile`)."""
        return profile(self.numbers)

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
                 "inherited_from": e.inherited_from, "supports": e.supports,
                 "source_kind": e.source_kind}
                for e in self.numbers
            ],
            "profile": self.profile.to_json(),
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
        assumption, inherited_from, supports, source_kind), ``quotes`` (one row per quote
        checked; empty if unchecked) and the profile's frames
        (:meth:`EvidenceProfile.to_frames`: ``profile``, ``quote_and_assumption``,
        ``reused_quotes``, ``bare``)."""
        j = self.to_json()
        numbers = [{**n, "kind": e.kind} for n, e in zip(j["numbers"], self.numbers, strict=True)]
        cols = ["field", "line", "ref", "quote", "ok", "reason"]
        return {
            "numbers": frame(numbers),
            "quotes": frame(list(j["quotes"] or []), cols),
            **self.profile.to_frames(),
        }


def sources_report(file: str | Path, folder: str | Path | None = None) -> SourcesReport:
    """Every number of the scenario ``file`` with its evidence; with ``folder`` (the cited
    source texts), every quote checked verbatim. The file must be a valid scenario."""
    from zopa.scenario.load import validate
    from zopa.scenario.yamlfile import read_yaml

    data, lines = read_yaml(file)
    validate(data, lines, str(file))
    checks = verify(data, lines, folder) if folder is not None else None
    return SourcesReport(str(file), evidence(data, lines), checks)
