"""Reader for the Bueno de Mesquita actor table (the format of ``ExampleActors.csv``).

The format is the input of the public Python replication of Scholz, Calbert and Smith
(2011) (jmckib/bdm-scholz-expected-utility-model and its fork by dmasad): a comma-separated
file whose header names the columns ``Actor``, ``Capability``, ``Position`` and
``Salience`` (in any order, matched without regard to case or surrounding spaces; further
columns are ignored), then one line per actor on a single issue::

    Actor,Capability,Position,Salience
    Netherlands,0.08,4,0.8

Rules: the actor name is non-empty and unique; capability is a finite number > 0;
position a finite number; salience a number in [0, 1] (0: the actor takes no part);
capabilities and positions at most :data:`~zopa.io.text.MAX_MAGNITUDE` in magnitude, at
most :data:`~zopa.io.text.MAX_ACTORS` actors. Blank lines are skipped; a UTF-8 byte-order
mark is allowed.

The result is a :class:`~zopa.forecasting.base.ForecastInput` with one issue, id ``"issue"``.
The file says nothing about the scale of the positions, so by default they are kept as
written (e.g. 1..10 in ``ExampleActors.csv``, about 13 in ``Sultan.csv``), which the
expected-utility model handles through the data's own range; ``scale=(lo, hi)`` maps
lo..hi linearly onto zopa's 0..100 instead. A malformed file raises
:class:`zopa.errors.InputError` naming the file, the 1-based line and the field, with every
problem found in the file.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np

from zopa.errors import InputError, Problem
from zopa.forecasting.base import ForecastInput
from zopa.io.text import (
    MAX_ACTORS,
    magnitude_message,
    over_limit,
    raise_problems,
    read_text,
    shown,
    too_large,
)

COLUMNS = ("Actor", "Capability", "Position", "Salience")
ISSUE = "issue"


def read_bdm_csv(path: str | Path, *, scale: tuple[float, float] | None = None) -> ForecastInput:
    """Read a BdM actor table (Actor, Capability, Position, Salience) as a one-issue input.

    Parameters
    ----------
    path
        The CSV file.
    scale
        ``(lo, hi)``: map positions on lo..hi linearly onto 0..100 (positions outside it
        are errors); None keeps them as written.

    Returns
    -------
    ForecastInput
        One issue, id ``"issue"``; the scenario id is the file name without extension.

    Raises
    ------
    ValueError
        For a ``scale`` that is not finite with lo < hi.
    InputError
        Every problem found in the file, each naming the file, the 1-based line and the
        column.
    """
    name = str(path)
    if scale is not None and not (
        math.isfinite(scale[0]) and math.isfinite(scale[1]) and scale[1] > scale[0]
    ):
        raise ValueError("scale must be (lo, hi) with finite lo < hi")
    text = read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []  # (1-based line where the record ends, fields)
    try:
        for row in reader:
            if any(cell.strip() for cell in row):  # blank lines are skipped
                rows.append((reader.line_num, row))
    except csv.Error as e:
        raise InputError.at(name, reader.line_num + 1, "", _csv_message(e)) from None
    if not rows:
        raise InputError.at(name, 1, "", "empty file: expected the header " + ",".join(COLUMNS))
    header_line, header = rows[0]

    where = {cell.strip().lower(): k for k, cell in reversed(list(enumerate(header)))}
    missing = [c for c in COLUMNS if c.lower() not in where]
    if missing:
        raise InputError(
            [Problem(name, header_line, c, "missing column in the header") for c in missing]
        )
    col = {c: where[c.lower()] for c in COLUMNS}
    if (message := over_limit(len(rows) - 1, MAX_ACTORS, "actor lines")) is not None:
        raise InputError.at(name, rows[MAX_ACTORS + 1][0], "", message)

    problems: list[Problem] = []
    actors: list[str] = []
    first_line: dict[str, int] = {}
    values: list[tuple[float, float, float]] = []
    for line, row in rows[1:]:
        cells = {c: row[k].strip() if k < len(row) else None for c, k in col.items()}
        bad = False
        actor = cells["Actor"]
        if not actor:
            problems.append(Problem(name, line, "Actor", "missing actor name"))
            bad = True
        elif actor in first_line:
            dup = f"duplicate actor {shown(actor)} (first on line {first_line[actor]})"
            problems.append(Problem(name, line, "Actor", dup))
            bad = True
        else:
            first_line[actor] = line
        nums: dict[str, float] = {}
        for c in COLUMNS[1:]:
            num, message = _number(cells[c])
            if message is None and num is not None:
                message = _check(c, num, scale)
            if message is not None or num is None:
                problems.append(Problem(name, line, c, message or "missing value"))
                bad = True
            else:
                nums[c] = num
        if not bad:
            actors.append(str(actor))
            values.append((nums["Capability"], nums["Position"], nums["Salience"]))
    if not problems and not actors:
        problems.append(Problem(name, header_line, "", "no actors after the header"))
    raise_problems(problems)

    cap, pos, sal = (np.array(v, dtype=float) for v in zip(*values, strict=True))
    if scale is not None:
        lo, hi = scale
        pos = (pos - lo) / (hi - lo) * 100.0
    return ForecastInput(
        actors=tuple(actors),
        issues=(ISSUE,),
        position=pos[:, None],
        salience=sal[:, None],
        capability=cap,
        scenario=Path(path).stem,
    )


def _csv_message(e: csv.Error) -> str:
    if "field limit" in str(e):
        return f"a field is longer than {csv.field_size_limit()} characters"
    return f"malformed CSV: {e}"


def _number(cell: str | None) -> tuple[float | None, str | None]:
    if cell is None or cell == "":
        return None, "missing value"
    try:
        num = float(cell)
    except ValueError:
        return None, f"not a number: {shown(cell)}"
    if not math.isfinite(num):
        return None, f"not a finite number: {shown(cell)}"
    if too_large(num):
        return None, magnitude_message(num)
    return num, None


def _check(column: str, num: float, scale: tuple[float, float] | None) -> str | None:
    if column == "Capability" and num <= 0:
        return f"capability must be > 0, got {num:g}"
    if column == "Salience" and not 0.0 <= num <= 1.0:
        return f"salience must be in [0, 1], got {num:g}"
    if column == "Position" and scale is not None and not scale[0] <= num <= scale[1]:
        return f"position {num:g} is outside the scale {scale[0]:g}..{scale[1]:g}"
    return None
