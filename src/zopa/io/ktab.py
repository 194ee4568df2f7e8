"""Readers for KTAB's Spatial Model of Politics input files (CSV and XML).

KTAB (KAPSARC Toolkit for Behavioral Analysis, MIT licence) reads two formats
(``examples/smp/libsrc/smpread.cpp``; ``smpSchema.xsd``):

CSV
    line 1: ``name, description, numActors, numDims`` (further fields ignored, as KTAB
    does);
    line 2: the header, ``Actor, Description, Power`` then a position and a salience
    column per dimension (the position columns name the dimensions);
    then one row per actor: name, description, capability, then position and salience per
    dimension, all on 0..100, saliences summing to at most 100 per actor. Fields may be
    quoted; surrounding spaces and trailing empty fields (a final comma) are ignored.
XML
    ``<Scenario>`` with ``name``, ``desc``, ``prngSeed``, optional ``ModelParameters``
    (VictoryProbModel, PCEModel, StateTransitions, VotingRule, BigRAdjust, BigRRange,
    ThirdPartyCommit, InterVecBrgn, BargnModel), optional ``Dimensions`` (``dName``),
    ``Actors`` (``Actor``: ``name``, ``description``, ``capability``, ``Position`` of
    ``dCoord``, ``Salience`` of ``dSal``) and optional ``IdealAdjustment`` (``iaPair``:
    ``adjustingIdeal``, ``referencePos``, ``adjust``), which sets entries of KTAB's
    ideal-accommodation matrix (the identity otherwise).

Conventions: an empty ``<dCoord/>`` is a missing position (NaN: the actor takes no part
in that dimension; KTAB itself would read 0); every other value must be a number.
Saliences summing to more than 100 (beyond a rounding tolerance of 1e-6), positions or
saliences outside 0..100, negative capabilities (or above
:data:`~zopa.io.text.MAX_MAGNITUDE`), wrong counts, missing rows, duplicate actor names,
malformed CSV or XML and counts beyond the importers' maxima (:data:`MAX_ACTORS
<zopa.io.text.MAX_ACTORS>` actors, :data:`MAX_ISSUES <zopa.io.text.MAX_ISSUES>`
dimensions, :data:`MAX_CELLS <zopa.io.text.MAX_CELLS>` actors times dimensions, checked
before anything is allocated) raise :class:`zopa.errors.InputError` naming the file, the
1-based line and the field (every problem found in the file). With ``scenario=True`` the
readers also refuse what a zopa scenario cannot hold, at the line that holds it: a
capability of 0, an actor with no position or whose saliences are all 0.

:func:`to_forecast_input` gives a :class:`~zopa.forecasting.base.ForecastInput` (saliences
as written, on 0..100; 0 where a position is missing) and :func:`to_scenario_dict` a zopa
scenario (format version 1) as a plain dict: every dimension an issue with eleven options
``p000``, ``p010``, ..., ``p100`` at 0, 10, ..., 100; every actor a ``party`` with its
capability; preferences with ``weights`` = the saliences, ``ideal`` = the positions and
reservation 0. Ids: the scenario's is the file name lowercased to [a-z0-9_-]; an issue's
its dimension name lowercased, an actor's its name, with characters outside
[A-Za-z0-9_.-] replaced by ``_`` (made unique); both models use the same actor and issue
ids. (An actor whose saliences are all 0 gives a scenario that zopa's loader rejects:
weights must not all be zero; read with ``scenario=True``, as :func:`zopa.io.readers.read`
does, to have it reported at its line.)
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from zopa.errors import InputError, Problems
from zopa.forecasting.base import ForecastInput
from zopa.io.text import (
    MAX_ACTORS,
    MAX_CELLS,
    MAX_ISSUES,
    MAX_MAGNITUDE,
    over_limit,
    read_text,
    scenario_slug,
    shown,
    unique_id,
)
from zopa.io.text import finite_number as _number
from zopa.io.xmltree import Element, parse_xml

_SALIENCE_TOL = 1e-6

PARAMETER_VALUES: dict[str, tuple[str, ...]] = {
    "VictoryProbModel": ("Linear", "Square", "Quartic", "Octic", "Binary"),
    "PCEModel": ("Conditional", "MarkovIncentive", "MarkovUniform"),
    "StateTransitions": ("Deterministic", "Stochastic"),
    "VotingRule": ("Binary", "PropBin", "Proportional", "PropCbc", "Cubic", "ASymProsp"),
    "BigRAdjust": ("Full", "TwoThirds", "Half", "OneThird", "No"),
    "BigRRange": ("Min", "Mid", "Max"),
    "ThirdPartyCommit": ("NoCommit", "SemiCommit", "FullCommit"),
    "InterVecBrgn": ("S1P1", "S2P2", "S2PMax"),
    "BargnModel": ("InitOnlyInterp", "InitRcvrInterp", "PWCompInterp"),
}
"""KTAB's model parameters (smpSchema.xsd) and their allowed values."""


@dataclass(frozen=True)
class KtabData:
    """A KTAB SMP scenario: positions and saliences on 0..100, as written in the file.

    ``position`` and ``salience`` are (actors, dimensions); ``position`` is NaN where the
    file gives none (an empty XML ``dCoord``). ``parameters``, ``seed`` and
    ``accommodation`` (actors, actors; None for the identity) come from XML files only.
    """

    name: str
    description: str
    actors: tuple[str, ...]
    actor_descriptions: tuple[str, ...]
    dimensions: tuple[str, ...]
    capability: np.ndarray
    position: np.ndarray
    salience: np.ndarray
    source: str = ""
    parameters: dict[str, str] = field(default_factory=dict)
    seed: int | None = None
    accommodation: np.ndarray | None = None


# ---------------------------------------------------------------------------------------
# CSV


def _csv_rows(text: str, file: str) -> list[tuple[int, list[str]]]:
    """The non-empty rows (line, fields), fields stripped, trailing empty fields dropped."""
    rows: list[tuple[int, list[str]]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        try:
            fields = next(csv.reader([line], skipinitialspace=True), [])
        except csv.Error as e:
            raise InputError.at(file, number, "", _csv_message(e)) from None
        fields = [f.strip() for f in fields]
        while fields and fields[-1] == "":
            fields.pop()
        if fields:
            rows.append((number, fields))
    return rows


def _csv_message(e: csv.Error) -> str:
    if "field limit" in str(e):
        return f"a field is longer than {csv.field_size_limit()} characters"
    return f"malformed CSV: {e}"


def _count(text: str) -> int | None:
    """A count written in ASCII digits (at most 18 of them), else None."""
    return int(text) if re.fullmatch(r"[0-9]{1,18}", text) else None


def _csv_counts(file: str, line1: int, head: list[str]) -> tuple[int, int]:
    """numActors and numDims of line 1, checked against the maxima."""
    problems = Problems(file)
    counts: dict[str, int] = {}
    for key, text_value, limit, what in (
        ("numActors", head[2], MAX_ACTORS, "actors"),
        ("numDims", head[3], MAX_ISSUES, "dimensions"),
    ):
        count = _count(text_value)
        if count is None and re.fullmatch(r"[0-9]+", text_value):
            problems.add(
                line1, key, f"{shown(text_value)} {what}: an importer reads at most {limit}"
            )
        elif count is None or count < 1:
            problems.add(line1, key, f"must be a positive integer, not {shown(text_value)}")
        elif (message := over_limit(count, limit, what)) is not None:
            problems.add(line1, key, message)
        counts[key] = count or 0
    problems.raise_if_any()
    n, d = counts["numActors"], counts["numDims"]
    if (message := over_limit(n * d, MAX_CELLS, f"actors x dimensions ({n} x {d})")) is not None:
        raise InputError.at(file, line1, "numDims", message)
    return n, d


def _capability(
    text: str, problems: Problems, line: int, fld: str, scenario: bool, label: str
) -> float | None:
    """A capability: a number >= 0 (> 0 for a scenario), at most MAX_MAGNITUDE."""
    value = _number(text)
    if value is None or value < 0:
        problems.add(line, fld, f"{label} must be a number >= 0, not {shown(text)}")
    elif value > MAX_MAGNITUDE:
        problems.add(line, fld, f"{label} {value:g} is too large: at most {MAX_MAGNITUDE:g}")
    elif scenario and value == 0:
        problems.add(line, fld, f"{label} must be > 0 in a zopa scenario, not {shown(text)}")
    else:
        return value
    return None


def _weights_problem(pos: np.ndarray, sal: np.ndarray) -> str | None:
    """Why one actor's row gives no scenario weights (no position, saliences all 0)."""
    present = ~np.isnan(pos)
    if not present.any():
        return "no position on any dimension: a zopa scenario needs one"
    if not np.nansum(sal[present]) > 0:
        return "saliences are all 0 where the actor has a position: a zopa scenario needs one > 0"
    return None


def _csv_weights(problems: Problems, line: int, pos: np.ndarray, sal: np.ndarray) -> None:
    """Report an actor row that gives no scenario weights."""
    if (message := _weights_problem(pos, sal)) is not None:
        problems.add(line, "salience", message)


def read_csv(path: str | Path, *, scenario: bool = False) -> KtabData:
    """Read a KTAB SMP CSV file (the layout is in the module docstring).

    Parameters
    ----------
    path
        The ``.csv`` file.
    scenario
        Also refuse what a zopa scenario cannot hold (see the module docstring).

    Returns
    -------
    KtabData
        The scenario as written (no ``parameters``, ``seed`` or ``accommodation``).

    Raises
    ------
    InputError
        Every problem found in the file, each naming the file, the 1-based line and the
        field.
    """
    path = Path(path)
    file = str(path)
    rows = _csv_rows(read_text(path), file)
    problems = Problems(file)
    if not rows:
        raise InputError.at(file, 1, "", "empty file")

    line1, head = rows[0]
    if len(head) < 4:
        raise InputError.at(
            file, line1, "numActors", "line 1 must be: name, description, numActors, numDims"
        )
    n, d = _csv_counts(file, line1, head)

    if len(rows) < 2:
        raise InputError.at(file, line1 + 1, "header", "missing header line")
    line2, header = rows[1]
    width = 3 + 2 * d
    if len(header) != width:
        problems.add(
            line2,
            "header",
            f"expected {width} columns (Actor, Description, Power, then position and "
            f"salience for {d} dimension(s)), found {len(header)}",
        )
        header = (header + [""] * width)[:width]
    dims = tuple(header[3 + 2 * k] or f"Dim{k}" for k in range(d))
    columns = [*header[:3], *(h or f"column {c + 4}" for c, h in enumerate(header[3:]))]

    actor_rows = rows[2:]
    if len(actor_rows) < n:
        after = actor_rows[-1][0] if actor_rows else line2
        problems.add(
            after + 1,
            "numActors",
            f"line {line1} declares {n} actors but the file has {len(actor_rows)} actor rows",
        )
    elif len(actor_rows) > n:
        problems.add(
            actor_rows[n][0],
            "numActors",
            f"line {line1} declares {n} actors but the file has {len(actor_rows)} actor rows",
        )
    problems.raise_if_any()  # the counts match the data: now allocate
    names: list[str] = []
    descs: list[str] = []
    cap = np.full(n, np.nan)
    pos = np.full((n, d), np.nan)
    sal = np.full((n, d), np.nan)
    seen: dict[str, int] = {}
    for a, (number, fields) in enumerate(actor_rows[:n]):
        if len(fields) != width:
            problems.add(number, "", f"expected {width} fields, found {len(fields)}")
            fields = (fields + [""] * width)[:width]
        name = fields[0]
        if not name:
            problems.add(number, columns[0], "empty actor name")
        elif name in seen:
            problems.add(number, columns[0], f"duplicate actor {shown(name)} (line {seen[name]})")
        else:
            seen[name] = number
        names.append(name)
        descs.append(fields[1])
        capability = _capability(fields[2], problems, number, columns[2], scenario, "capability")
        if capability is not None:
            cap[a] = capability
        for k in range(d):
            for offset, target, label in ((3, pos, "position"), (4, sal, "salience")):
                col = offset + 2 * k
                value = _number(fields[col])
                if value is None or not 0.0 <= value <= 100.0:
                    problems.add(
                        number,
                        columns[col],
                        f"{label} must be a number in 0..100, not {shown(fields[col])}",
                    )
                else:
                    target[a, k] = value
        total = float(np.nansum(sal[a]))
        if total > 100.0 + _SALIENCE_TOL:
            problems.add(number, "salience", f"saliences sum to {total:g}, more than 100")
        elif scenario and not np.isnan(sal[a]).any() and not np.isnan(pos[a]).any():
            _csv_weights(problems, number, pos[a], sal[a])
    problems.raise_if_any()
    return KtabData(
        name=head[0],
        description=head[1],
        actors=tuple(names),
        actor_descriptions=tuple(descs),
        dimensions=dims,
        capability=cap,
        position=pos,
        salience=sal,
        source=file,
    )


# ---------------------------------------------------------------------------------------
# XML


def read_xml(path: str | Path, *, scenario: bool = False) -> KtabData:
    """Read a KTAB SMP XML file (``smpSchema.xsd``; the layout is in the module docstring).

    Parameters
    ----------
    path
        The ``.xml`` file.
    scenario
        Also refuse what a zopa scenario cannot hold (see the module docstring).

    Returns
    -------
    KtabData
        The scenario as written, with its model parameters, seed and accommodation matrix.

    Raises
    ------
    InputError
        Every problem found in the file, each naming the file, the 1-based line and the
        field.
    """
    path = Path(path)
    file = str(path)
    scen = parse_xml(read_text(path), file)
    problems = Problems(file)
    if scen.tag != "Scenario":
        raise InputError.at(file, scen.line, scen.tag, "the root element must be <Scenario>")

    def required(parent: Element, tag: str) -> Element | None:
        element = parent.find(tag)
        if element is None:
            problems.add(parent.line, tag, f"missing <{tag}> in <{parent.tag}>")
        return element

    name_el = required(scen, "name")
    desc_el = scen.find("desc")
    seed: int | None = None
    seed_el = scen.find("prngSeed")
    if seed_el is not None and seed_el.text:
        if re.fullmatch(r"[0-9]{1,20}", seed_el.text) and int(seed_el.text) < 2**64:
            seed = int(seed_el.text)
        else:
            problems.add(
                seed_el.line, "prngSeed", f"not a 64-bit unsigned integer: {shown(seed_el.text)}"
            )

    parameters: dict[str, str] = {}
    params_el = scen.find("ModelParameters")
    if params_el is not None:
        for key, allowed in PARAMETER_VALUES.items():
            el = params_el.find(key)
            if el is None:
                continue
            choice = "Proportional" if el.text == "Prop" else el.text
            if choice not in allowed:
                problems.add(
                    el.line, key, f"must be one of {', '.join(allowed)}, not {shown(el.text)}"
                )
            else:
                parameters[key] = choice
        for el in params_el.children:
            if el.tag not in PARAMETER_VALUES:
                problems.add(el.line, el.tag, "unknown model parameter")

    actors_el = required(scen, "Actors")
    actor_els = actors_el.findall("Actor") if actors_el is not None else []
    if actors_el is not None and not actor_els:
        problems.add(actors_el.line, "Actors", "no <Actor>")
    dims_el = scen.find("Dimensions")
    if dims_el is not None:
        dims = tuple(el.text for el in dims_el.findall("dName"))
        if not dims:
            problems.add(dims_el.line, "Dimensions", "no <dName>")
    else:
        first = actor_els[0].find("Position") if actor_els else None
        nd = len(first.findall("dCoord")) if first is not None else 0
        dims = tuple(f"Dim{k}" for k in range(nd))
    problems.raise_if_any()
    _xml_counts(file, scen, actors_el, dims_el, len(actor_els), len(dims))

    n, d = len(actor_els), len(dims)
    names: list[str] = []
    descs: list[str] = []
    cap = np.full(n, np.nan)
    pos = np.full((n, d), np.nan)
    sal = np.full((n, d), np.nan)
    seen: dict[str, int] = {}
    for a, actor in enumerate(actor_els):
        before = len(problems.items)
        el = required(actor, "name")
        name = el.text if el is not None else ""
        if el is not None and not name:
            problems.add(el.line, "name", "empty actor name")
        elif name in seen:
            problems.add(actor.line, "name", f"duplicate actor {shown(name)} (line {seen[name]})")
        else:
            seen[name] = actor.line
        names.append(name)
        el = actor.find("description")
        descs.append(el.text if el is not None else "")
        el = required(actor, "capability")
        if el is not None:
            value = _capability(el.text, problems, el.line, "capability", scenario, "it")
            if value is not None:
                cap[a] = value
        for block, item, target, label in (
            ("Position", "dCoord", pos, "position"),
            ("Salience", "dSal", sal, "salience"),
        ):
            block_el = required(actor, block)
            if block_el is None:
                continue
            items = block_el.findall(item)
            if len(items) != d:
                problems.add(block_el.line, block, f"{len(items)} <{item}> for {d} dimension(s)")
            for k, el in enumerate(items[:d]):
                if item == "dCoord" and el.text == "":
                    continue  # missing position: NaN
                value = _number(el.text)
                if value is None or not 0.0 <= value <= 100.0:
                    problems.add(
                        el.line, item, f"{label} must be a number in 0..100, not {shown(el.text)}"
                    )
                else:
                    target[a, k] = value
        total = float(np.nansum(sal[a]))
        sal_el = actor.find("Salience")
        if total > 100.0 + _SALIENCE_TOL:
            where = sal_el.line if sal_el is not None else actor.line
            problems.add(where, "Salience", f"saliences sum to {total:g}, more than 100")
        elif scenario and len(problems.items) == before:
            _xml_weights(problems, actor, pos[a], sal[a])

    accommodation: np.ndarray | None = None
    adjust_el = scen.find("IdealAdjustment")
    if adjust_el is not None:
        accommodation = np.eye(n)
        index = {nm: i for i, nm in enumerate(names)}
        for pair in adjust_el.findall("iaPair"):
            ends: list[int] = []
            for tag in ("adjustingIdeal", "referencePos"):
                el = required(pair, tag)
                if el is not None:
                    if el.text not in index:
                        problems.add(el.line, tag, f"unknown actor {shown(el.text)}")
                    else:
                        ends.append(index[el.text])
            el = required(pair, "adjust")
            if el is None:
                continue
            value = _number(el.text)
            if value is None or not 0.0 <= value <= 1.0:
                problems.add(el.line, "adjust", f"must be a number in 0..1, not {shown(el.text)}")
            elif len(ends) == 2:
                accommodation[ends[0], ends[1]] = value
        sums = accommodation.sum(axis=1)
        for i in np.flatnonzero(sums > 1.0 + 1e-10):
            problems.add(
                adjust_el.line,
                "IdealAdjustment",
                f"adjustments of {names[i]!r} sum to {sums[i]:g} > 1",
            )
    problems.raise_if_any()
    return KtabData(
        name=name_el.text if name_el is not None else "",
        description=desc_el.text if desc_el is not None else "",
        actors=tuple(names),
        actor_descriptions=tuple(descs),
        dimensions=dims,
        capability=cap,
        position=pos,
        salience=sal,
        source=file,
        parameters=parameters,
        seed=seed,
        accommodation=accommodation,
    )


def _xml_counts(
    file: str,
    scen: Element,
    actors_el: Element | None,
    dims_el: Element | None,
    n: int,
    d: int,
) -> None:
    """Refuse more actors, dimensions or both together than an importer reads."""
    problems = Problems(file)
    where_n = actors_el.line if actors_el is not None else scen.line
    where_d = dims_el.line if dims_el is not None else where_n
    if (message := over_limit(n, MAX_ACTORS, "actors")) is not None:
        problems.add(where_n, "Actors", message)
    if (message := over_limit(d, MAX_ISSUES, "dimensions")) is not None:
        problems.add(where_d, "Dimensions", message)
    if not problems.items:
        message = over_limit(n * d, MAX_CELLS, f"values ({n} actors x {d} dimensions)")
        if message is not None:
            problems.add(where_d, "Dimensions", message)
    problems.raise_if_any()


def _xml_weights(problems: Problems, actor: Element, pos: np.ndarray, sal: np.ndarray) -> None:
    """Report an actor whose row gives no scenario weights, at its Position or Salience."""
    message = _weights_problem(pos, sal)
    if message is None:
        return
    tag = "Position" if message.startswith("no position") else "Salience"
    el = actor.find(tag)
    problems.add(el.line if el is not None else actor.line, tag, message)


def read(path: str | Path, *, scenario: bool = False) -> KtabData:
    """Read a KTAB SMP file: XML if its name ends in ``.xml``, CSV otherwise.

    Parameters
    ----------
    path
        The file.
    scenario
        Also refuse what a zopa scenario cannot hold (a capability of 0, an actor without
        positions or weights), at the line that holds it.

    Returns
    -------
    KtabData
        See :func:`read_csv` and :func:`read_xml`.

    Raises
    ------
    InputError
        Every problem found in the file, each naming the file, the 1-based line and the
        field.
    """
    path = Path(path)
    if path.suffix.lower() == ".xml":
        return read_xml(path, scenario=scenario)
    return read_csv(path, scenario=scenario)


# ---------------------------------------------------------------------------------------
# conversions


def scenario_id(data: KtabData) -> str:
    """The scenario id: the file name (without extension) lowercased to [a-z0-9_-]."""
    return scenario_slug(Path(data.source).stem if data.source else data.name, "ktab")


def _ids(names: tuple[str, ...], prefix: str, lower: bool) -> tuple[str, ...]:
    """Unique ids matching [A-Za-z0-9_.-]{1,64}; a reserved word gets ``_<prefix>``."""
    taken: set[str] = set()
    return tuple(
        unique_id(
            name.lower() if lower else name, taken, f"{prefix}{k}", reserved_suffix=f"_{prefix}"
        )
        for k, name in enumerate(names)
    )


def issue_ids(data: KtabData) -> tuple[str, ...]:
    """One id per dimension: its name lowercased, other characters as ``_`` (unique)."""
    return _ids(data.dimensions, "dim", lower=True)


def actor_ids(data: KtabData) -> tuple[str, ...]:
    """One id per actor: its name, characters other than [A-Za-z0-9_.-] as ``_`` (unique)."""
    return _ids(data.actors, "actor", lower=False)


OPTION_AT = tuple(float(v) for v in range(0, 101, 10))
OPTION_IDS = tuple(f"p{v:03d}" for v in range(0, 101, 10))


def to_forecast_input(data: KtabData) -> ForecastInput:
    """The scenario as forecasting-model inputs (positions and saliences on 0..100).

    Saliences are as written; where a position is missing (NaN) the salience is 0. Each
    issue gets the eleven options of :func:`to_scenario_dict`.
    """
    present = ~np.isnan(data.position)
    issues = issue_ids(data)
    return ForecastInput(
        actors=actor_ids(data),
        issues=issues,
        position=np.array(data.position, dtype=float),
        salience=np.where(present, data.salience, 0.0),
        capability=np.array(data.capability, dtype=float),
        options=tuple(OPTION_IDS for _ in issues),
        option_at=tuple(np.array(OPTION_AT) for _ in issues),
        scenario=scenario_id(data),
    )


def to_scenario_dict(data: KtabData) -> dict[str, Any]:
    """The scenario as a zopa scenario (format version 1), a plain dict ready for YAML.

    An actor with a missing position on a dimension has neither weight nor ideal there.
    """
    issues = issue_ids(data)
    ids = actor_ids(data)
    actors: list[dict[str, Any]] = []
    for a, (ident, name, desc) in enumerate(
        zip(ids, data.actors, data.actor_descriptions, strict=True)
    ):
        actor: dict[str, Any] = {
            "id": ident,
            "name": name,
            "role": "party",
            "capability": float(data.capability[a]),
        }
        if desc:
            actor["description"] = desc
        actors.append(actor)
    issue_list = [
        {
            "id": issue,
            "name": dim,
            "options": [
                {"id": oid, "at": int(at)} for oid, at in zip(OPTION_IDS, OPTION_AT, strict=True)
            ],
        }
        for issue, dim in zip(issues, data.dimensions, strict=True)
    ]
    preferences: dict[str, Any] = {}
    for a, ident in enumerate(ids):
        present = [k for k in range(len(issues)) if not np.isnan(data.position[a, k])]
        preferences[ident] = {
            "weights": {issues[k]: float(data.salience[a, k]) for k in present},
            "ideal": {issues[k]: float(data.position[a, k]) for k in present},
            "reservation": 0.0,
        }
    out: dict[str, Any] = {"zopa": 1, "id": scenario_id(data), "title": data.name or data.source}
    if data.description:
        out["description"] = data.description
    out["actors"] = actors
    out["issues"] = issue_list
    out["preferences"] = preferences
    return out
