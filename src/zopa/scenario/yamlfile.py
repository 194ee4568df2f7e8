"""Safe YAML reading that remembers the line of every value (for error messages).

:func:`read_yaml` returns plain Python data and a map from each value's path (a tuple of
keys and list indices) to its 1-based line. It uses PyYAML's safe composer (no tags that
build objects), refuses duplicate keys, bounds the size of the file and of the data an
alias may expand to, and turns every YAML problem into an :class:`~zopa.errors.InputError`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from zopa import files
from zopa.errors import InputError

Path_ = tuple[str | int, ...]
# libyaml's parser when PyYAML was built with it (several times faster), same safe constructor
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
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
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        what = " ".join(x for x in (e.context, e.problem) if x)
        raise InputError.at(name, line, "", f"YAML syntax error: {what}") from None
    except yaml.YAMLError as e:
        raise InputError.at(name, None, "", f"YAML error: {e}") from None
    finally:
        loader.dispose()
    if node is None:
        raise InputError.at(name, 1, "", "the file is empty")
    lines = Lines()
    budget = [MAX_NODES]
    data = _build(node, (), lines, loader, name, budget)
    return data, lines


def _build(
    node: yaml.Node,
    path: Path_,
    lines: Lines,
    loader: Any,
    name: str,
    budget: list[int],
) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise InputError.at(
            name, node.start_mark.line + 1, dotted(path), "the document expands to too many values"
        )
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        loader.flatten_mapping(node)
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise InputError.at(
                    name, key_node.start_mark.line + 1, dotted(path), "a key must be a plain value"
                )
            key = loader.construct_object(key_node)
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
    try:
        return loader.construct_object(node)
    except yaml.YAMLError as e:
        raise InputError.at(name, node.start_mark.line + 1, dotted(path), str(e)) from None


def dotted(path: Path_) -> str:
    """``('actors', 0, 'id')`` -> ``actors[0].id``."""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out
