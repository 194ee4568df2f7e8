"""Reader for the input files of decide-exchange-model (the Decide / Stokman exchange model).

The format (decide's ``decide.data.reader``): one row per line, fields separated by tabs
(``;`` or ``,`` when the file has no tab), each field optionally quoted with ``'``. The
first field is the row type::

    #A  actor id      full name     [comment]
    #P  issue id      description   [...]
    #M  issue id      position      [meaning]            (scale points of an issue)
    #D  actor id      issue id      position  salience  power  [comment]
    #O  description                                      (ignored)
    #/  comment                                          (ignored)

An issue's scale runs from its lowest to its highest ``#M`` position (0..100 without
``#M`` rows); the model works on positions normalised to 0..100. A ``#D`` row's position
must lie on its issue's scale, salience and power in 0..100 (decide's limits). An actor
without a ``#D`` row for an issue takes no part in it.

Every problem in a file is reported at once in one :class:`zopa.errors.InputError` naming
the file, the 1-based line and the field (at most :data:`~zopa.errors.MAX_PROBLEMS` of
them). Unlike decide, duplicate ids and duplicate actor-issue rows are errors (decide keeps
the last one silently), and so are an issue with a single scale point (decide then maps
every position to 0), an empty file, a file without ``#A`` or ``#P`` rows, scale points
beyond :data:`~zopa.io.text.MAX_MAGNITUDE` and more actors, issues or actors times issues
than the importers read (:data:`~zopa.io.text.MAX_ACTORS`,
:data:`~zopa.io.text.MAX_ISSUES`, :data:`~zopa.io.text.MAX_CELLS`; checked before the
arrays are allocated).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zopa.errors import InputError, Problem
from zopa.forecasting.base import ForecastInput
from zopa.io.text import (
    MAX_ACTORS,
    MAX_CELLS,
    MAX_ISSUES,
    MAX_OPTIONS,
    magnitude_message,
    over_limit,
    read_text,
    shown,
    too_large,
)
from zopa.io.text import finite_number as _number

__all__ = ["DecideData", "parse_decide", "read_decide", "to_forecast_input"]

_FIELDS = {
    "#A": ("id", "name", "comment"),
    "#P": ("id", "description"),
    "#M": ("issue", "position", "meaning"),
    "#D": ("actor", "issue", "position", "salience", "power", "comment"),
}
_REQUIRED = {"#A": 1, "#P": 1, "#M": 2, "#D": 5}
_IGNORED = ("#O", "#/")


@dataclass(frozen=True)
class DecideData:
    """A decide input file as arrays.

    ``position`` (actors, issues) is on each issue's own scale ``[lower, upper]``, NaN where
    the actor has no row for the issue; ``salience`` and ``power`` are 0 there. ``points[k]``
    lists issue k's ``#M`` scale points (position, meaning) in file order; ``line[a, k]`` is
    the line of the ``#D`` row (0 where absent).
    """

    path: str
    actors: tuple[str, ...]
    actor_names: tuple[str, ...]
    issues: tuple[str, ...]
    issue_names: tuple[str, ...]
    lower: np.ndarray
    upper: np.ndarray
    position: np.ndarray
    salience: np.ndarray
    power: np.ndarray
    points: tuple[tuple[tuple[float, str], ...], ...]
    line: np.ndarray

    @property
    def present(self) -> np.ndarray:
        """Boolean (actors, issues): which actor has a row for which issue."""
        return ~np.isnan(self.position)

    def normalised_position(self) -> np.ndarray:
        """Positions on 0..100 per issue, as decide's model uses them (NaN where absent)."""
        return (self.position - self.lower) * (100.0 / (self.upper - self.lower))

    def to_forecast_input(self) -> ForecastInput:
        """The file as a :class:`ForecastInput`; see :func:`to_forecast_input`."""
        return to_forecast_input(self)


def read_decide(path: str | Path) -> DecideData:
    """Read a decide input file.

    Parameters
    ----------
    path
        The file (UTF-8; the row layout is in the module docstring).

    Returns
    -------
    DecideData
        Actors, issues, scales and the ``#D`` rows as arrays.

    Raises
    ------
    InputError
        Every problem found in the file, each naming the file, the 1-based line and the
        field.
    """
    return parse_decide(read_text(path), str(path))


def _delimiter(lines: list[str]) -> str:
    text = "\n".join(lines)
    if "\t" in text:
        return "\t"
    return ";" if ";" in text else ","


def _fields(line: str, lineno: int, delim: str, name: str) -> list[str]:
    """The fields of one line, unquoted; a csv error names the line."""
    try:
        fields = next(csv.reader([line], delimiter=delim, quotechar="'"), [""])
    except csv.Error as e:
        if "field limit" in str(e):
            message = f"a field is longer than {csv.field_size_limit()} characters"
        else:
            message = f"malformed line: {e}"
        raise InputError.at(name, lineno, "", message) from None
    return [_unquote(f) for f in fields] or [""]


def _order(p: Problem) -> tuple[int, str]:
    return (p.line or 0, p.field)


def _check_counts(
    name: str,
    actors: dict[str, tuple[int, str]],
    issues: dict[str, tuple[int, str]],
    n_points: int,
    n_rows: int,
) -> Problem | None:
    """The problem of a file without actors or issues, or with more than an importer reads
    (at the last #A or #P row), else None."""
    n_act, n_iss = len(actors), len(issues)
    if not actors:
        return Problem(name, 1, "#A", "no actors: the file has no valid #A row")
    if not issues:
        return Problem(name, 1, "#P", "no issues: the file has no valid #P row")
    if not n_rows:
        return Problem(name, 1, "#D", "no positions: the file has no valid #D row")
    last = max(line for line, _ in (*actors.values(), *issues.values()))
    for message in (
        over_limit(n_act, MAX_ACTORS, "actors (#A rows)"),
        over_limit(n_iss, MAX_ISSUES, "issues (#P rows)"),
        over_limit(n_points, MAX_OPTIONS, "scale points (#M rows)"),
        over_limit(n_act * n_iss, MAX_CELLS, f"values ({n_act} actors x {n_iss} issues)"),
    ):
        if message is not None:
            return Problem(name, last, "", message)
    return None


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def parse_decide(text: str, name: str = "<string>") -> DecideData:
    """Parse the text of a decide input file.

    Parameters
    ----------
    text
        The file's text.
    name
        The file name used in error messages.

    Returns
    -------
    DecideData
        As :func:`read_decide` returns it.

    Raises
    ------
    InputError
        Every problem found in the file, each naming the file, the 1-based line and the
        field.
    """
    lines = text.split("\n")
    if not any(line.strip() for line in lines):
        raise InputError.at(name, 1, "", "empty file")
    delim = _delimiter(lines)
    problems: list[Problem] = []

    def bad(line: int, fld: str, message: str) -> None:
        problems.append(Problem(name, line, fld, message))

    actors: dict[str, tuple[int, str]] = {}
    issues: dict[str, tuple[int, str]] = {}
    scale: list[tuple[int, str, float, str]] = []
    rows: list[tuple[int, str, str, str, str, str]] = []

    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        fields = _fields(line, lineno, delim, name)
        kind = fields[0]
        if kind in _IGNORED:
            continue
        if kind not in _FIELDS:
            bad(
                lineno,
                "type",
                f"unknown row type {shown(kind)} (expected #A, #P, #M, #D, #O or #/)",
            )
            continue
        names = _FIELDS[kind]
        values = fields[1:]
        if len(values) > len(names):  # like decide, extra fields belong to the last one
            values = [*values[: len(names) - 1], " ".join(values[len(names) - 1 :])]
        values += [""] * (len(names) - len(values))
        missing = [n for n, v in zip(names[: _REQUIRED[kind]], values, strict=False) if not v]
        for fld in missing:
            bad(lineno, fld, f"missing (a {kind} row needs {', '.join(names[: _REQUIRED[kind]])})")
        if missing:
            continue
        if kind == "#A":
            if values[0] in actors:
                bad(
                    lineno,
                    "id",
                    f"duplicate actor {shown(values[0])} (first on line {actors[values[0]][0]})",
                )
            else:
                actors[values[0]] = (lineno, values[1] or values[0])
        elif kind == "#P":
            if values[0] in issues:
                bad(
                    lineno,
                    "id",
                    f"duplicate issue {shown(values[0])} (first on line {issues[values[0]][0]})",
                )
            else:
                issues[values[0]] = (lineno, values[1])
        elif kind == "#M":
            number = _number(values[1])
            if number is None:
                bad(lineno, "position", f"not a number: {shown(values[1])}")
            elif too_large(number):
                bad(lineno, "position", magnitude_message(number))
            else:
                scale.append((lineno, values[0], number, values[2]))
        else:
            rows.append((lineno, values[0], values[1], values[2], values[3], values[4]))

    fatal = _check_counts(name, actors, issues, len(scale), len(rows))
    if fatal is not None:  # nothing to allocate, or too much
        raise InputError(sorted([*problems, fatal], key=_order))
    issue_ids = tuple(issues)
    actor_ids = tuple(actors)
    col = {k: i for i, k in enumerate(issue_ids)}
    row = {a: i for i, a in enumerate(actor_ids)}
    n_act, n_iss = len(actor_ids), len(issue_ids)

    points: list[list[tuple[float, str]]] = [[] for _ in issue_ids]
    point_line: list[int] = [0] * n_iss
    for lineno, issue, number, meaning in scale:
        if issue not in col:
            bad(lineno, "issue", f"unknown issue {shown(issue)} (no #P row declares it)")
            continue
        points[col[issue]].append((number, meaning))
        point_line[col[issue]] = point_line[col[issue]] or lineno
    lower = np.zeros(n_iss)
    upper = np.full(n_iss, 100.0)
    for k, pts in enumerate(points):
        if not pts:
            continue
        lower[k] = min(v for v, _ in pts)
        upper[k] = max(v for v, _ in pts)
        if lower[k] == upper[k]:
            bad(
                point_line[k],
                "position",
                f"issue {issue_ids[k]!r} needs two different #M scale points (lower < upper)",
            )

    position = np.full((n_act, n_iss), np.nan)
    salience = np.zeros((n_act, n_iss))
    power = np.zeros((n_act, n_iss))
    where = np.zeros((n_act, n_iss), dtype=int)
    for lineno, actor, issue, pos_text, sal_text, pow_text in rows:
        ok = True
        if actor not in row:
            bad(lineno, "actor", f"unknown actor {shown(actor)} (no #A row declares it)")
            ok = False
        if issue not in col:
            bad(lineno, "issue", f"unknown issue {shown(issue)} (no #P row declares it)")
            ok = False
        nums: dict[str, float] = {}
        for fld, txt in (("position", pos_text), ("salience", sal_text), ("power", pow_text)):
            number = _number(txt)
            if number is None:
                bad(lineno, fld, f"not a number: {shown(txt)}")
                ok = False
            else:
                nums[fld] = number
        for fld in ("salience", "power"):
            if fld in nums and not 0.0 <= nums[fld] <= 100.0:
                bad(lineno, fld, f"{nums[fld]:g} is outside 0..100")
                ok = False
        if issue in col and "position" in nums:
            k = col[issue]
            if not lower[k] <= nums["position"] <= upper[k]:
                bad(
                    lineno,
                    "position",
                    f"{nums['position']:g} is outside the scale of issue {issue!r} "
                    f"({lower[k]:g}..{upper[k]:g})",
                )
                ok = False
        if not ok:
            continue
        a, k = row[actor], col[issue]
        if where[a, k]:
            bad(
                lineno,
                "issue",
                f"duplicate row for actor {actor!r} on issue {issue!r} "
                f"(first on line {where[a, k]})",
            )
            continue
        position[a, k] = nums["position"]
        salience[a, k] = nums["salience"]
        power[a, k] = nums["power"]
        where[a, k] = lineno

    if problems:
        raise InputError(sorted(problems, key=_order))
    return DecideData(
        path=name,
        actors=actor_ids,
        actor_names=tuple(actors[a][1] for a in actor_ids),
        issues=issue_ids,
        issue_names=tuple(issues[k][1] or k for k in issue_ids),
        lower=lower,
        upper=upper,
        position=position,
        salience=salience,
        power=power,
        points=tuple(tuple(p) for p in points),
        line=where,
    )


def to_forecast_input(data: DecideData) -> ForecastInput:
    """A :class:`ForecastInput` from a decide file: positions normalised to 0..100.

    Actors without any ``#D`` row are left out. An actor's capability is its power, which
    must then be the same on all its issues (a ForecastInput holds one capability per
    actor; otherwise :class:`InputError` names the first row that differs). Salience is as
    written. When every issue has ``#M`` scale points they are its options (named by their
    meaning, else by their value).
    """
    present = data.present
    keep = np.flatnonzero(present.any(axis=1))
    capability = np.zeros(keep.size)
    for out, a in enumerate(keep):
        ks = np.flatnonzero(present[a])
        first = ks[np.argsort(data.line[a, ks])]
        values = data.power[a, first]
        differ = np.flatnonzero(values != values[0])
        if differ.size:
            k = first[differ[0]]
            raise InputError.at(
                data.path,
                int(data.line[a, k]),
                "power",
                f"actor {data.actors[a]!r} has power {values[differ[0]]:g} here but "
                f"{values[0]:g} on line {data.line[a, first[0]]}; a forecast input holds "
                "one capability per actor",
            )
        capability[out] = values[0]
    span = data.upper - data.lower
    options = tuple(tuple(m or f"{v:g}" for v, m in pts) for pts in data.points)
    option_at = tuple(
        (np.array([v for v, _ in pts], dtype=float) - data.lower[k]) * (100.0 / span[k])
        for k, pts in enumerate(data.points)
    )
    if not all(options):  # nearest_option needs points on every issue
        options, option_at = (), ()
    return ForecastInput(
        actors=tuple(data.actors[a] for a in keep),
        issues=data.issues,
        position=data.normalised_position()[keep],
        salience=data.salience[keep],
        capability=capability,
        options=options,
        option_at=option_at,
        scenario=Path(data.path).stem,
    )
