"""Helpers shared by the importers: bounded file reading, numbers, ids and option places.

Every importer reads its files through :func:`read_bytes` or :func:`read_text` (a size
cap, UTF-8 with an optional byte-order mark, errors naming the file and, for bad UTF-8,
the line), parses numbers with :func:`finite_number`, makes ids with :func:`unique_id`
(issue, option and actor ids) and :func:`scenario_slug` (the scenario's id), places
options evenly on 0..100 with :func:`spread_at`, and rounds imported utilities with
:func:`clean_round`.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from zopa import files
from zopa.errors import Problem
from zopa.results import POSITION, rounded
from zopa.scenario.schema import RESERVED_KEYS

MAX_BYTES = 20 * 1024 * 1024
"""The largest input file an importer reads (the largest ANAC profile is well under 1 MiB)."""

DIGITS = 12
"""Decimals kept in imported utilities and reservations (far inside the 1e-9 tolerance)."""

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
    return text.replace("\r\n", "\n").replace("\r", "\n")


# ---------------------------------------------------------------------------------------
# numbers


def finite_number(text: str) -> float | None:
    """A finite float, or None if ``text`` is not a number."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def clean_round(x: float, digits: int = DIGITS) -> float:
    """``x`` rounded to ``digits`` decimals, with ``-0.0`` written as ``0.0``."""
    v = rounded(x, digits)
    return 0.0 if v == 0 else v


def spread_at(j: int, n: int) -> float:
    """The place on 0..100 of option ``j`` of ``n`` spread evenly in order (50 for one)."""
    return 50.0 if n == 1 else rounded(100.0 * j / (n - 1), POSITION)


# ---------------------------------------------------------------------------------------
# ids


def scenario_slug(text: str, fallback: str, max_length: int = 64) -> str:
    """A scenario id from ``text``: lowercased, runs of characters outside ``[a-z0-9_-]``
    as ``-``, no leading or trailing ``-``, at most ``max_length`` characters, else
    ``fallback``."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-")[:max_length]
    return slug or fallback


def unique_id(text: str, taken: set[str], fallback: str, *, reserved_suffix: str = "_") -> str:
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

    Returns
    -------
    str
        An id matching ``[A-Za-z0-9_.-]{1,64}``.
    """
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:60] or fallback
    if base in RESERVED_IDS:
        base += reserved_suffix
    ident, n = base, 2
    while ident in taken:
        ident, n = f"{base}_{n}", n + 1
    taken.add(ident)
    return ident
