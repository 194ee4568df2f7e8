"""Helpers shared by the importers: bounded file reading, numbers, ids and option places.

Every importer reads its files through :func:`read_bytes` or :func:`read_text` (a size
cap, UTF-8 with an optional byte-order mark, errors naming the file and, for bad UTF-8,
the line), parses numbers with :func:`finite_number`, makes ids with :func:`unique_id`
(issue, option and actor ids) and :func:`scenario_slug` (the scenario's id), places
options evenly on 0..100 with :func:`spread_at`, and rounds imported utilities with
:func:`clean_round`.

Hostile input is bounded here too: every importer checks the counts it reads against the
maxima below (:func:`over_limit`) before it allocates anything, refuses numbers beyond
:data:`MAX_MAGNITUDE` where the format sets no range (:func:`too_large`) and shows at most
:data:`SHOWN` characters of a bad value (:func:`shown`); an error lists at most
:data:`zopa.errors.MAX_PROBLEMS` problems.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from zopa import files
from zopa.errors import InputError, Problem, clip
from zopa.results import POSITION, rounded
from zopa.scenario.schema import MAX_ACTORS as SCENARIO_MAX_ACTORS
from zopa.scenario.schema import MAX_ISSUES as SCENARIO_MAX_ISSUES
from zopa.scenario.schema import MAX_MAGNITUDE as SCENARIO_MAX_MAGNITUDE
from zopa.scenario.schema import RESERVED_KEYS

MAX_BYTES = 20 * 1024 * 1024
"""The largest input file an importer reads (the largest ANAC profile is well under 1 MiB)."""

DIGITS = 12
"""Decimals kept in imported utilities and reservations (far inside the 1e-9 tolerance)."""

MAX_ACTORS = SCENARIO_MAX_ACTORS
"""The most actors (parties, profiles, table rows) an importer reads: as many as a
scenario may have."""

MAX_ISSUES = SCENARIO_MAX_ISSUES
"""The most issues (dimensions) an importer reads: as many as a scenario may have."""

MAX_OPTIONS = 100_000
"""The most options (values) of all issues together an importer reads."""

MAX_CELLS = 500_000
"""The most actor-by-issue (or actor-by-option) numbers an importer reads: with the other
maxima it keeps an imported scenario well inside the 2,000,000 values a scenario file may
hold, and the arrays of the forecasting inputs small."""

MAX_FILES = 100
"""The most files an importer reads from one folder (profiles, score files)."""

MAX_FOLDER_BYTES = 64 * 1024 * 1024
"""The most bytes an importer reads from the files of one folder together."""

MAX_MAGNITUDE = SCENARIO_MAX_MAGNITUDE
"""The largest magnitude of a number the format gives no range (capabilities, weights,
scores, unscaled positions): that of any number of a scenario
(:data:`zopa.scenario.schema.MAX_MAGNITUDE`), far beyond any real data."""

SHOWN = 40
"""The most characters of a bad value a message quotes."""

RESERVED_IDS = RESERVED_KEYS
"""Words no imported id may be: ids are keys of the scenario's number mappings (weights,
utilities, ideals, per-actor values), where the schema reserves the fields of a number
(``value``, ``source``, ``assumption``, ``expr``, ``range`` and the distribution kinds)."""


# ---------------------------------------------------------------------------------------
# files


def read_bytes(
    path: str | Path, *, max_bytes: int = MAX_BYTES, missing: Problem | None = None
) -> bytes:
    """The bytes of an input file (see :func:`zopa.files.read_bytes`), at most
    ``max_bytes``; ``missing`` is the problem to report when it does not exist, for
    readers that know which line of another file named it."""
    return files.read_bytes(path, max_bytes, what="an importer's input", missing=missing)


def read_text(
    path: str | Path, *, max_bytes: int = MAX_BYTES, missing: Problem | None = None
) -> str:
    """The text of an input file: UTF-8 (a leading byte-order mark is dropped), with every
    line end (``\\r\\n``, ``\\r``) read as ``\\n`` (see :func:`read_bytes`)."""
    text = files.read_text(path, max_bytes, what="an importer's input", missing=missing)
    return _newlines(text)


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass
class FolderBudget:
    """Reads the files of one folder: at most :data:`MAX_FILES` files and
    :data:`MAX_FOLDER_BYTES` bytes together (each file at most :data:`MAX_BYTES`).

    The errors name ``folder``, where the limits apply.
    """

    folder: str
    files_left: int = MAX_FILES
    bytes_left: int = MAX_FOLDER_BYTES

    def read_bytes(self, path: str | Path, *, missing: Problem | None = None) -> bytes:
        """The bytes of a file of the folder (see :func:`read_bytes`), counted."""
        if self.files_left <= 0:
            raise InputError.at(
                self.folder, None, "", f"more than {MAX_FILES} files to read in the folder"
            )
        data = read_bytes(path, missing=missing)
        self.files_left -= 1
        self.bytes_left -= len(data)
        if self.bytes_left < 0:
            raise InputError.at(
                self.folder,
                None,
                "",
                f"the folder's files are larger than {MAX_FOLDER_BYTES / 2**20:g} MiB together",
            )
        return data

    def read_text(self, path: str | Path, *, missing: Problem | None = None) -> str:
        """The text of a file of the folder (see :func:`read_text`), counted."""
        return _newlines(files.decode(self.read_bytes(path, missing=missing), str(path)))


# ---------------------------------------------------------------------------------------
# numbers


def finite_number(text: str) -> float | None:
    """A finite float, or None if ``text`` is not a number."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def too_large(x: float) -> bool:
    """Whether ``|x|`` exceeds :data:`MAX_MAGNITUDE`."""
    return abs(x) > MAX_MAGNITUDE


def magnitude_message(x: float) -> str:
    """The message for a number that :func:`too_large` refuses."""
    return f"{x:g} is too large: at most {MAX_MAGNITUDE:g} in magnitude"


def clean_round(x: float, digits: int = DIGITS) -> float:
    """``x`` rounded to ``digits`` decimals, with ``-0.0`` written as ``0.0``."""
    v = rounded(x, digits)
    return 0.0 if v == 0 else v


def spread_at(j: int, n: int) -> float:
    """The place on 0..100 of option ``j`` of ``n`` spread evenly in order (50 for one)."""
    return 50.0 if n == 1 else rounded(100.0 * j / (n - 1), POSITION)


# ---------------------------------------------------------------------------------------
# bounds and messages


def cut(text: str, limit: int = SHOWN) -> str:
    """``text`` for a message: at most ``limit`` characters, ``...`` marking a cut
    (:func:`zopa.errors.clip` at :data:`SHOWN`)."""
    return clip(text, limit)


def shown(text: str, limit: int = SHOWN) -> str:
    """``text`` quoted for a message (the ``repr`` of :func:`cut` ``text``)."""
    return repr(cut(text, limit))


def over_limit(count: int, limit: int, what: str) -> str | None:
    """The message when ``count`` ``what`` are more than ``limit``, else None."""
    if count <= limit:
        return None
    return f"{count} {what}: an importer reads at most {limit}"


def raise_problems(problems: list[Problem]) -> None:
    """Raise an :class:`InputError` with ``problems`` (which lists the first
    :data:`~zopa.errors.MAX_PROBLEMS` and counts the rest), if there are any."""
    if problems:
        raise InputError(problems)


# ---------------------------------------------------------------------------------------
# ids


def scenario_slug(text: str, fallback: str, max_length: int = 64) -> str:
    """A scenario id from ``text``: lowercased, runs of characters outside ``[a-z0-9_-]``
    as ``-``, no leading or trailing ``-``, at most ``max_length`` characters, else
    ``fallback``."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-")[:max_length]
    return slug or fallback


def unique_id(
    text: str,
    taken: set[str],
    fallback: str,
    *,
    reserved_suffix: str = "_",
    counters: dict[str, int] | None = None,
) -> str:
    """An id for ``text`` that is not in ``taken`` (and is added to it).

    Parameters
    ----------
    text
        The name: runs of characters outside ``[A-Za-z0-9_.-]`` become ``_``, leading and
        trailing ``_`` are dropped, 60 characters at most.
    taken
        The ids given so far; a repeat gets ``_2``, ``_3``, ... appended.
    fallback
        The id when nothing of ``text`` is left.
    reserved_suffix
        Appended to a reserved word (:data:`RESERVED_IDS`).
    counters
        Where to resume counting for each name (kept between calls with the same
        ``taken``): many names that give the same id then cost linear, not quadratic, time.

    Returns
    -------
    str
        An id matching ``[A-Za-z0-9_.-]{1,64}``.
    """
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:60] or fallback
    if base in RESERVED_IDS:
        base += reserved_suffix
    n = counters.get(base, 1) if counters is not None else 1  # 1: the name itself
    ident = base if n == 1 else f"{base}_{n}"
    while ident in taken:
        n += 1
        ident = f"{base}_{n}"
    if counters is not None:
        counters[base] = n
    taken.add(ident)
    return ident
