"""A safe XML reader for the importers: a small element tree that keeps line numbers.

:func:`parse_xml` parses with expat and refuses any ``<!DOCTYPE>`` (so no DTD, no entity
declaration, no external entity: "billion laughs" and XXE inputs are errors, not
expansions); parameter entities are never parsed. It is bounded: elements nested more
than :data:`MAX_DEPTH` deep, more than :data:`MAX_ELEMENTS` elements (or the
:class:`Budget` a reader shares between the files of a folder) and an XML declaration
naming an unknown or unsupported encoding are errors. Every :class:`Element` remembers
the 1-based line where its start tag begins and that line's text, so an importer's error
can name the line and a source quote can cite it. Malformed XML raises
:class:`zopa.errors.InputError` naming the file, the line and the column.
"""

from __future__ import annotations

import codecs
import gc
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from zopa.errors import InputError

REFUSED = "DOCTYPE declarations (DTDs, entities) are not allowed"

MAX_DEPTH = 100
"""The deepest nesting of elements accepted (the importers' formats need fewer than 10)."""

MAX_ELEMENTS = 1_000_000
"""The most elements one document may hold (a GENIUS domain of 100,000 values has about
100,000)."""

MAX_QUOTE = 500
"""The longest :attr:`Element.source_line` kept (longer lines are cut)."""

_DECLARED = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<\?xml\s[^>]*?encoding\s*=\s*([\"'])(.*?)\1")
_LINE_END = re.compile(r"\r\n|\r|\n")
_READABLE = re.compile(r"utf-8|utf-16(?:-le|-be)?|ascii|iso8859-\d+|cp\d+|mac-[a-z]+|koi8-[a-z]+")
"""Codecs (by their Python name) expat can read: its own and single-byte ones (a
multi-byte ``cp`` codec is refused by expat, and reported)."""


def _unsupported(name: str = "") -> str:
    which = f" {name[:40]!r}" if name else ""
    return (
        f"unsupported encoding{which} in the XML declaration (UTF-8, UTF-16, US-ASCII or a "
        "single-byte encoding such as ISO-8859-1)"
    )


@dataclass(slots=True)
class Element:
    """One XML element: its tag, attributes, where it starts, its text and its children.

    ``line`` is the 1-based line of the start tag, ``source_line`` that line of the file
    stripped of surrounding spaces (at most :data:`MAX_QUOTE` characters), ``text`` the
    element's own character data (not its children's) stripped.
    """

    tag: str
    attrib: dict[str, str]
    line: int
    source_line: str = ""
    text: str = ""
    children: list[Element] = field(default_factory=list)

    def iter(self, tag: str) -> Iterator[Element]:
        """Every descendant (and self) with this tag, in document order."""
        stack = [self]
        while stack:
            element = stack.pop()
            if element.tag == tag:
                yield element
            stack.extend(reversed(element.children))

    def find(self, tag: str) -> Element | None:
        """The first child with this tag, or None."""
        return next((c for c in self.children if c.tag == tag), None)

    def findall(self, tag: str) -> list[Element]:
        """The children with this tag, in document order."""
        return [c for c in self.children if c.tag == tag]


@dataclass
class Budget:
    """How many more elements :func:`parse_xml` may build, shared by several documents.

    ``limit`` is the number at the start and ``scope`` what it covers, for the message
    (``""`` for one file, ``" in the folder's files together"`` for a folder).
    """

    limit: int
    scope: str = ""
    left: int = -1

    def __post_init__(self) -> None:
        if self.left < 0:
            self.left = self.limit


def _quote(source_lines: list[str], line: int) -> str:
    """Line ``line`` (1-based) stripped, at most :data:`MAX_QUOTE` characters."""
    raw = source_lines[line - 1] if 0 < line <= len(source_lines) else ""
    return raw[: MAX_QUOTE * 2].strip()[:MAX_QUOTE]


def _check_declared_encoding(data: bytes, file: str) -> str:
    """The Python codec of the document's encoding (``utf-8`` when none is declared).

    Raises
    ------
    InputError
        At line 1, for an encoding Python does not know or that expat cannot read: it
        reads UTF-8, UTF-16, US-ASCII and single-byte encodings (ISO-8859-*, cp*, ...).
    """
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16"
    m = _DECLARED.match(data[:1024])
    if m is None:
        return "utf-8"
    name = m.group(2).decode("ascii", errors="replace")
    try:
        codec = codecs.lookup(name).name
    except (LookupError, ValueError):
        raise InputError.at(
            file, 1, "encoding", f"unknown encoding {name[:40]!r} in the XML declaration"
        ) from None
    if not _READABLE.fullmatch(codec):
        raise InputError.at(file, 1, "encoding", _unsupported(name))
    return codec


def parse_xml(
    data: bytes | str,
    file: str,
    *,
    budget: Budget | None = None,
    max_depth: int = MAX_DEPTH,
) -> Element:
    """Parse an XML document into its root :class:`Element`.

    Parameters
    ----------
    data
        The document: bytes (expat follows the XML declaration's encoding, UTF-8 by
        default) or text.
    file
        The file name used in error messages.
    budget
        The elements the document may hold (default: :data:`MAX_ELEMENTS`); a reader of
        several files passes the same budget to each. It is used up as elements are read.
    max_depth
        The deepest nesting accepted (the root is at depth 1).

    Raises
    ------
    InputError
        At the line of a ``<!DOCTYPE>`` (refused), of the first XML error, of the element
        nested too deep or past the budget, or at line 1 for an unknown encoding.
    """
    budget = budget if budget is not None else Budget(MAX_ELEMENTS)
    if isinstance(data, bytes):
        codec = _check_declared_encoding(data, file)
        text = data.decode(codec if codec != "utf-8" else "utf-8-sig", errors="replace")
    else:
        text = data
    source_lines = _LINE_END.split(text)
    quotes: dict[int, str] = {}
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    roots: list[Element] = []
    stack: list[Element] = []
    texts: list[list[str] | None] = []  # each open element's character data, in pieces

    def start(tag: str, attrib: dict[str, str]) -> None:
        line = parser.CurrentLineNumber
        if len(stack) >= max_depth:
            raise InputError.at(file, line, tag, f"elements nested more than {max_depth} deep")
        budget.left -= 1
        if budget.left < 0:
            raise InputError.at(
                file, line, tag, f"more than {budget.limit} XML elements{budget.scope}"
            )
        quote = quotes.get(line)
        if quote is None:
            quote = quotes[line] = _quote(source_lines, line)
        element = Element(tag, attrib, line, quote)
        (stack[-1].children if stack else roots).append(element)
        stack.append(element)
        texts.append(None)

    def end(tag: str) -> None:
        element = stack.pop()
        parts = texts.pop()
        if parts is not None:
            element.text = "".join(parts).strip()

    def chars(chunk: str) -> None:
        if texts:
            parts = texts[-1]
            if parts is None:
                texts[-1] = [chunk]
            else:
                parts.append(chunk)

    def refuse(*_: Any) -> None:
        raise InputError.at(file, parser.CurrentLineNumber, "", REFUSED)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    collecting = gc.isenabled()
    gc.disable()  # the tree holds no cycles: collecting while it grows only costs time
    try:
        parser.Parse(data, True)
    except expat.ExpatError as e:
        msg = expat.errors.messages.get(e.code, str(e)) if e.code else str(e)
        raise InputError.at(
            file, e.lineno, "", f"malformed XML: {msg} (column {e.offset + 1})"
        ) from None
    except (LookupError, ValueError):  # an encoding expat cannot read (a multi-byte one)
        raise InputError.at(file, 1, "encoding", _unsupported()) from None
    finally:
        if collecting:
            gc.enable()
    if not roots:  # expat reports an empty document itself; kept as a guard
        raise InputError.at(file, 1, "", "no root element")
    return roots[0]
