"""Load a scenario file: safe YAML, schema validation, cross-checks, located errors.

:func:`load_scenario` is the one entry point. Every problem in the file is reported at
once, each as ``FILE:LINE: field.path: message`` in one :class:`~zopa.errors.InputError`.
"""

from __future__ import annotations

import difflib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from zopa.errors import InputError, Problem
from zopa.scenario import schema
from zopa.scenario.check import cross_check
from zopa.scenario.schema import Scenario
from zopa.scenario.yamlfile import Lines, dotted, parse_yaml, read_text

REFERENCE = "us_iran_2026.yaml"


def reference_path() -> Path:
    """Path of the bundled reference scenario (the 2026 US-Iran talks)."""
    return Path(str(resources.files("zopa.data").joinpath(REFERENCE)))


def load_scenario(file: str | Path | None = None) -> Scenario:
    """Read, validate and cross-check a scenario file (default: the reference scenario)."""
    path = reference_path() if file is None else Path(file)
    return load_text(read_text(path), str(file if file is not None else path))


def load_text(text: str, name: str = "<string>") -> Scenario:
    """Parse, validate and cross-check scenario text; the scenario keeps the text (so that
    worker processes can re-read it)."""
    data, lines = parse_yaml(text, name)
    sc = validate(data, lines, name)
    sc._source = (text, name)
    return sc


def validate(data: Any, lines: Lines, name: str) -> Scenario:
    """Validate already-parsed scenario data; raise one InputError listing every problem."""
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "empty"
        raise InputError.at(name, 1, "", f"a scenario must be a mapping of fields, not {kind}")
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as e:
        raise InputError(_problems(e, data, lines, name)) from None
    found = cross_check(sc, data)
    if found:
        raise InputError([Problem(name, lines.line(p), dotted(p), m) for p, m in found])
    return sc


def _problems(err: ValidationError, data: Any, lines: Lines, name: str) -> list[Problem]:
    out: dict[str, Problem] = {}
    for e in err.errors():
        path = _data_path(e["loc"], data, e["type"])
        key = dotted(path)
        if key in out:
            continue  # one message per field (unions report each alternative)
        out[key] = Problem(name, lines.line(path), key, _message(e, path))
    return sorted(out.values(), key=lambda p: (p.line or 0, p.field))


def _data_path(loc: tuple[Any, ...], data: Any, kind: str) -> tuple[str | int, ...]:
    """Keep the parts of a pydantic location that exist in the data (drop union tags)."""
    path: list[str | int] = []
    cur = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if (isinstance(cur, dict) and part in cur) or (
            isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur)
        ):
            path.append(part)
            cur = cur[part]
        elif last and kind in ("missing", "extra_forbidden"):
            path.append(part)
    return tuple(path)


def _message(e: Any, path: tuple[str | int, ...]) -> str:
    kind, msg = e["type"], e["msg"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        field = str(path[-1]) if path else ""
        hint = difflib.get_close_matches(field, _field_names(), n=1)
        return "unknown field" + (f" (did you mean '{hint[0]}'?)" if hint else "")
    if kind == "model_type" and e.get("ctx", {}).get("class_name") == "Number":
        return f"must be a number, got {_show(e.get('input'))}"
    if kind in ("model_type", "dict_type"):
        return f"must be a mapping, got {_show(e.get('input'))}"
    if kind == "literal_error" and path and path[-1] == "zopa":
        return f"unsupported format version {_show(e.get('input'))} (this zopa reads version 1)"
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    return f"{msg}, got {_show(e.get('input'))}" if "input" in e else msg


def _show(x: Any) -> str:
    text = repr(x)
    return text if len(text) <= 40 else text[:37] + "..."


@cache
def _field_names() -> list[str]:
    names: set[str] = set()
    for obj in vars(schema).values():
        if isinstance(obj, type) and issubclass(obj, BaseModel):
            names.update(f.alias or n for n, f in obj.model_fields.items())
    return sorted(names)
