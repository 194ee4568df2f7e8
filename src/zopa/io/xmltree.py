"""A safe XML reader for the importers: a small element tree that keeps line numbers.

:func:`parse_xml` parses with expat and refuses any ``<!DOCTYPE>`` (so no DTD, no entity
declaration, no external entity: "billion laughs" and XXE inputs are errors, not
expansions); parameter entities are never parsed. Every :class:`Element` remembers the
1-based line where its start tag begins and that line's text, so an importer's error can
name the line and a source quote can cite it. Malformed XML raises
:class:`zopa.errors.InputError` naming the file, the line and the column.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from zopa.errors import InputError

REFUSED = "DOCTYPE declarations (DTDs, entities) are not allowed"


@dataclass
class Element:
    """One XML element: its tag, attributes, where it starts, its text and its children.

    ``line`` is the 1-based line of the start tag, ``source_line`` that line of the file
    stripped of surrounding spaces, ``text`` the element's own character data (not its
    children's) stripped.
    """

    tag: str
    attrib: dict[str, str]
    line: int
    source_line: str = ""
    text: str = ""
    children: list[Element] = field(default_factory=list)

    def iter(self, tag: str) -> Iterator[Element]:
        """Every descendant (and self) with this tag, in document order."""
        if self.tag == tag:
            yield self
        for c in self.children:
            yield from c.iter(tag)

    def find(self, tag: str) -> Element | None:
        """The first child with this tag, or None."""
        return next((c for c in self.children if c.tag == tag), None)

    def findall(self, tag: str) -> list[Element]:
        """The children with this tag, in document order."""
        return [c for c in self.children if c.tag == tag]


def parse_xml(data: bytes | str, file: str) -> Element:
    """Parse an XML document into its root :class:`Element`.

    Parameters
    ----------
    data
        The document: bytes (expat follows the XML declaration's encoding, UTF-8 by
        default) or text.
    file
        The file name used in error messages.

    Raises
    ------
    InputError
        At the line of a ``<!DOCTYPE>`` (refused) or of the first XML error.
    """
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    source_lines = text.splitlines()
    roots: list[Element] = []
    stack: list[Element] = []

    def start(tag: str, attrib: dict[str, str]) -> None:
        line = parser.CurrentLineNumber
        quote = source_lines[line - 1].strip() if 0 < line <= len(source_lines) else ""
        element = Element(tag, dict(attrib), line, quote)
        (stack[-1].children if stack else roots).append(element)
        stack.append(element)

    def end(tag: str) -> None:
        element = stack.pop()
        element.text = element.text.strip()

    def chars(chunk: str) -> None:
        if stack:
            stack[-1].text += chunk

    def refuse(*_: Any) -> None:
        raise InputError.at(file, parser.CurrentLineNumber, "", REFUSED)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    try:
        parser.Parse(data, True)
    except expat.ExpatError as e:
        msg = expat.errors.messages.get(e.code, str(e)) if e.code else str(e)
        raise InputError.at(
            file, e.lineno, "", f"malformed XML: {msg} (column {e.offset + 1})"
        ) from None
    if not roots:  # expat reports an empty document itself; kept as a guard
        raise InputError.at(file, 1, "", "no root element")
    return roots[0]
