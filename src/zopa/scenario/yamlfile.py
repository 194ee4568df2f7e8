"""Safe YAML reading that remembers the line of every value (for error messages).

:func:`read_yaml` returns plain Python data and a map from each value's path (a tuple of
keys and list indices) to its 1-based line. It uses PyYAML's safe composer (no tags that
build objects), refuses duplicate keys, bounds the size of the file and of the data an
alias may expand to, and turns every YAML problem into an :class:`~zopa.errors.InputError`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from zopa import files
from zopa.errors import InputError, clip

Path_ = tuple[str | int, ...]
# libyaml's parser when PyYAML was built with it (several times faster), same safe constructor
_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):
    """The safe loader, reading ``1e-3`` as a number as YAML 1.2 does (YAML 1.1, and so
    PyYAML, wants ``1.0e-3`` and reads ``1e-3`` as text)."""


EXPONENT_FLOAT = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")
"""Numbers such as ``1e-3`` that YAML 1.1 reads as text: a writer must quote such text."""
EXPONENT_FIRST = list("-+0123456789.")
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", EXPONENT_FLOAT, EXPONENT_FIRST)
MAX_BYTES = 10 * 1024 * 1024  # a scenario is text written by people: 10 MiB is plenty
MAX_NODES = 2_000_000  # bounds what aliases can expand to ("billion laughs")


class Lines(dict[Path_, int]):
    """Path of a value -> 1-based line where it (or its key) stands."""

    def line(self, path: Path_) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        p = tuple(path)
        while p:
            if p in self:
                return self[p]
            p = p[:-1]
        return self.get((), None)


def read_yaml(file: str | Path, max_bytes: int = MAX_BYTES) -> tuple[Any, Lines]:
    """Read one YAML document safely; return its data and the line of every value."""
    return parse_yaml(read_text(file, max_bytes), str(file))


def read_text(file: str | Path, max_bytes: int = MAX_BYTES) -> str:
    """The text of a scenario file (UTF-8, at most ``max_bytes``), or an InputError."""
    return files.read_text(file, max_bytes, what="a scenario")


def parse_yaml(text: str, name: str = "<string>") -> tuple[Any, Lines]:
    """Parse YAML text; see :func:`read_yaml`."""
    _check_characters(text, name)
    _check_depth(text, name)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError as e:
        raise _yaml_error(e, text, name) from None
    finally:
        loader.dispose()
    if node is None:
        raise InputError.at(name, 1, "", "the file is empty")
    lines = Lines()
    budget = [MAX_NODES]
    data = _build(node, (), lines, loader, name, budget)
    return data, lines


MAX_DEPTH = 64
"""The deepest nesting of mappings and lists a scenario may have (the language needs 7)."""

MAX_DIGITS = 30
"""The most digits a plain integer may have (numbers are bounded far lower by the schema;
this stops a huge integer before Python converts it)."""

_NON_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


def _check_characters(text: str, name: str) -> None:
    """Refuse characters YAML does not allow, naming their line and column."""
    m = _NON_PRINTABLE.search(text)
    if m is not None:
        line = text.count("\n", 0, m.start()) + 1
        column = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
        raise InputError.at(
            name,
            line,
            "",
            f"control character U+{ord(m.group()):04X} at column {column} "
            "(YAML allows tabs and line ends only)",
        )


def _check_depth(text: str, name: str) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH` before composing (which recurses)."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    raise InputError.at(
                        name,
                        mark.line + 1 if mark is not None else None,
                        "",
                        f"nested more than {MAX_DEPTH} levels deep",
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as e:
        raise _yaml_error(e, text, name) from None


def _yaml_error(e: yaml.YAMLError, text: str, name: str) -> InputError:
    """A PyYAML error as a located problem (never PyYAML's ``<unicode string>`` marks)."""
    if isinstance(e, yaml.MarkedYAMLError):
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        what = " ".join(x for x in (e.context, e.problem) if x)
        return InputError.at(name, line, "", f"YAML syntax error: {what}")
    position = getattr(e, "position", None)
    if isinstance(position, int):
        line = text.count("\n", 0, position) + 1
        return InputError.at(name, line, "", f"YAML error: {getattr(e, 'reason', 'unreadable')}")
    return InputError.at(name, None, "", "YAML error: the text cannot be read as YAML")


def _build(
    node: yaml.Node,
    path: Path_,
    lines: Lines,
    loader: Any,
    name: str,
    budget: list[int],
) -> Any:
    budget[0] -= 1
    line = node.start_mark.line + 1
    if budget[0] < 0:
        raise InputError.at(name, line, dotted(path), "the document expands to too many values")
    if len(path) > MAX_DEPTH:  # an alias inside its own anchor ends here
        raise InputError.at(
            name,
            line,
            dotted(path[:8]) + "...",
            f"nested more than {MAX_DEPTH} levels deep (or an alias inside its own anchor)",
        )
    lines.setdefault(path, line)
    if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN_TAGS:
        raise InputError.at(
            name, line, dotted(path), f"YAML tag {clip(node.tag, 40)} is not allowed in a scenario"
        )
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        try:
            loader.flatten_mapping(node)  # merge keys (<<: *base)
        except yaml.YAMLError as e:
            what = e.problem if isinstance(e, yaml.MarkedYAMLError) and e.problem else str(e)
            raise InputError.at(
                name, line, dotted(path), f"YAML merge key: {clip(what, 120)}"
            ) from None
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise InputError.at(
                    name, key_node.start_mark.line + 1, dotted(path), "a key must be a plain value"
                )
            key = _scalar(key_node, path, loader, name)
            if not isinstance(key, str | int | float | bool):
                key = str(key)
            if key in out:
                raise InputError.at(
                    name,
                    key_node.start_mark.line + 1,
                    dotted((*path, key)),
                    "duplicate key (it appears twice in the same mapping)",
                )
            sub = (*path, key)
            lines[sub] = key_node.start_mark.line + 1
            out[key] = _build(value_node, sub, lines, loader, name, budget)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(item, (*path, i), lines, loader, name, budget)
            for i, item in enumerate(node.value)
        ]
    assert isinstance(node, yaml.ScalarNode)
    return _scalar(node, path, loader, name)


def _scalar(node: yaml.ScalarNode, path: Path_, loader: Any, name: str) -> Any:
    line = node.start_mark.line + 1
    if node.tag == "tag:yaml.org,2002:int":
        digits = sum(c.isdigit() for c in node.value)
        if digits > MAX_DIGITS:
            raise InputError.at(
                name,
                line,
                dotted(path),
                f"an integer of {digits} digits is too large (at most {MAX_DIGITS})",
            )
    try:
        return loader.construct_object(node)
    except (yaml.YAMLError, ValueError, OverflowError) as e:
        what = e.problem if isinstance(e, yaml.MarkedYAMLError) and e.problem else str(e)
        raise InputError.at(name, line, dotted(path), clip(what, 120)) from None


def dotted(path: Path_) -> str:
    """``('actors', 0, 'id')`` -> ``actors[0].id``."""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out
