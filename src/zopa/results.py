"""The output contract: how every result becomes JSON and pandas tables.

Every command's result is a plain dataclass with two methods:

- ``to_json()`` returns exactly the object the command prints with ``--json``. Its shape
  is a ``TypedDict`` declared beside the result (mypy checks the method against it), and
  :mod:`zopa.io.schemas` turns that ``TypedDict`` into the command's JSON Schema.
- ``to_frames()`` returns a dict of pandas DataFrames (pandas is imported only then).

Numbers are rounded in one place, :func:`rounded`: 10 decimals for utilities,
probabilities and values, :data:`POSITION` decimals for positions on an issue's 0..100
scale, :data:`SHARE` for shares of draws. A number that is not finite becomes ``null``
(JSON has no NaN or infinity).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import pandas as pd

DIGITS = 10  # utilities, probabilities, values
POSITION = 4  # positions on an issue's 0..100 scale
SHARE = 6  # shares of Monte Carlo draws


class Result(Protocol):
    """What every command's result offers."""

    def to_json(self) -> Mapping[str, Any]:
        """The object the matching command prints with ``--json``."""
        ...

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """The result as named pandas DataFrames."""
        ...


def json_text(obj: Any) -> str:
    """``obj`` as the strict JSON every ``--json`` prints (indented, UTF-8 kept, a final
    newline): a NaN or an infinity is a bug, never printed (``ValueError``)."""
    import json

    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def rounded(x: float, digits: int = DIGITS) -> float:
    """``x`` rounded to ``digits`` decimals (the only rounding of output numbers)."""
    return round(float(x), digits)


def finite(x: float, digits: int = DIGITS) -> float | None:
    """``x`` rounded, or None when it is not finite (NaN and infinity are not JSON)."""
    return rounded(x, digits) if math.isfinite(x) else None


def rounded_map(d: Mapping[str, float], digits: int = DIGITS) -> dict[str, float]:
    """Every value of ``d`` rounded."""
    return {k: rounded(v, digits) for k, v in d.items()}


def frame(
    rows: Sequence[Mapping[str, Any]] | Mapping[str, Any], columns: list[str] | None = None
) -> pd.DataFrame:
    """A DataFrame from rows of plain values, or from columns (pandas imported here only)."""
    import pandas as pd

    return pd.DataFrame(rows, columns=columns)


def package_rows(views: list[Any], extra: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """One row per package view: its index, one column per issue (the option), then
    ``utility.<decider>`` and ``gain.<decider>`` columns."""
    rows = []
    for v in views:
        row: dict[str, Any] = {**(extra or {}), "index": v.index, **v.package}
        row.update({f"utility.{d}": u for d, u in v.utilities.items()})
        row.update({f"gain.{d}": g for d, g in v.gains.items()})
        rows.append(row)
    return rows
