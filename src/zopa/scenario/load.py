"""Load a scenario file: safe YAML, schema validation, cross-checks, located errors.

:func:`load_scenario` is the one entry point. Every problem in the file is reported at
once, each as ``FILE:LINE: field.path: message`` in one :class:`~zopa.errors.InputError`.
"""

from __future__ import annotations

import difflib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from zopa.errors import InputError, Problem
from zopa.scenario.check import cross_check
from zopa.scenario.schema import Scenario
from zopa.scenario.yamlfile import Lines, dotted, parse_yaml, read_text

REFERENCE = "us_iran_2026.yaml"


def reference_path() -> Path:
    """Path of the bundled reference scenario (the 2026 US-Iran talks)."""
    return Path(str(resources.files("zopa.data").joinpath(REFERENCE)))


def reference_shown() -> Path:
    """The reference scenario's path as messages show it: relative to the working
    directory when it lies below it (a clone), else absolute (an installed package)."""
    path = reference_path()
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def load_scenario(file: str | Path | None = None) -> Scenario:
    """Read, validate and cross-check a scenario file (default: the reference scenario)."""
    path = reference_shown() if file is None else Path(file)
    return load_text(read_text(path), str(path if file is None else file))


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
        out[key] = Problem(name, lines.line(path), key, _misplaced(path) or _message(e, path))
    return sorted(out.values(), key=lambda p: (p.line or 0, p.field))


def _misplaced(path: tuple[str | int, ...]) -> str | None:
    """For a mapping of ids to records (``preferences``, ``influence``...) whose key is
    a field of the record: the field was dedented out of its record."""
    if len(path) < 2 or not isinstance(path[-1], str):
        return None
    parent = _model_at(path[:-1])
    field, holder = path[-1], path[-2]
    if parent is None and isinstance(holder, str):
        outer = _model_at(path[:-2])
        inner = _mapped_model(outer, holder) if outer is not None else None
        if inner is not None and field in _by_alias(inner):
            return (
                f"'{field}' is not an id but a field of each entry of {holder}: "
                "indent it under an entry"
            )
    return None


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
        here = _model_at(path[:-1])
        known = sorted(_by_alias(here)) if here is not None else []
        hint = difflib.get_close_matches(field, known, n=1)
        if hint:
            return f"unknown field (did you mean '{hint[0]}'?)"
        near = difflib.get_close_matches(field, list(_homes()), n=1)
        if near:
            homes = " or ".join(_homes()[near[0]][:3])
            if near[0] == field:
                return f"unknown field here ('{field}' belongs in {homes})"
            return f"unknown field (did you mean '{near[0]}'? it belongs in {homes})"
        return "unknown field" + (f" (known here: {', '.join(known)})" if known else "")
    if kind == "model_type" and e.get("ctx", {}).get("class_name") == "Number":
        return f"must be a number, got {_show(e.get('input'))}"
    if kind in ("model_type", "dict_type"):
        return f"must be a mapping, got {_show(e.get('input'))}"
    if kind == "literal_error" and path and path[-1] == "zopa":
        return f"unsupported format version {_show(e.get('input'))} (this zopa reads version 1)"
    if kind == "too_long" and isinstance(e.get("input"), list):
        ctx = e.get("ctx", {})
        return f"{len(e['input']):,} items: at most {ctx.get('max_length', '?'):,} may be given"
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    return f"{msg}, got {_show(e.get('input'))}" if "input" in e else msg


def _show(x: Any) -> str:
    text = repr(x)
    return text if len(text) <= 40 else text[:37] + "..."


def _models_in(annotation: Any) -> list[tuple[str, type[BaseModel]]]:
    """The models an annotation holds: ``("", M)`` for ``M`` or ``M | None``, ``("[i]", M)``
    for a list of ``M``, ``(".ID", M)`` for a mapping of ids to ``M``."""
    origin, args = get_origin(annotation), get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [("", annotation)]
    if origin is Annotated:
        return _models_in(args[0])
    if origin is list:
        return [("[i]" + s, m) for s, m in _models_in(args[0])]
    if origin is dict:
        return [(".ID" + s, m) for s, m in _models_in(args[1])]
    return [x for a in args for x in _models_in(a)]  # unions, tuples


def _mapped_model(model: type[BaseModel], field: str) -> type[BaseModel] | None:
    """The model of the values of ``model.field`` when it maps ids to models."""
    f = _by_alias(model).get(field)
    found = _models_in(f.annotation) if f is not None else []
    return found[0][1] if found and found[0][0] == ".ID" else None


def _by_alias(model: type[BaseModel]) -> dict[str, Any]:
    return {f.alias or n: f for n, f in model.model_fields.items()}


def _model_at(path: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The schema model whose fields may stand at ``path`` of the data (None: a mapping
    of ids, a list, or a value)."""
    model: type[BaseModel] = Scenario
    steps: list[str] = []  # what is still to be matched: "", "[i]", ".ID"
    for part in path:
        if not steps:
            f = _by_alias(model).get(str(part))
            found = _models_in(f.annotation) if f is not None else []
            if not found:
                return None
            shape, model = found[0]
            steps = [shape[i : i + 3] for i in range(0, len(shape), 3)]
            continue
        want = steps.pop(0)
        if (want == "[i]") != isinstance(part, int):
            return None
    return model if not steps else None


@cache
def _homes() -> dict[str, list[str]]:
    """Field name -> the places of the scenario where it belongs (``preferences.ID``)."""
    out: dict[str, list[str]] = {}

    def visit(model: type[BaseModel], where: str, seen: frozenset[type[BaseModel]]) -> None:
        for field, f in _by_alias(model).items():
            out.setdefault(field, []).append(where or "the top level")
            for shape, inner in _models_in(f.annotation):
                if inner not in seen and issubclass(inner, BaseModel):
                    sub = f"{where}.{field}" if where else field
                    visit(inner, sub + shape, seen | {inner})

    visit(Scenario, "", frozenset({Scenario}))
    return out
