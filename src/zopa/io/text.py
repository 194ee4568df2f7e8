"""Small helpers shared by the importers."""

from __future__ import annotations

import math


def finite_number(text: str) -> float | None:
    """A finite float, or None if ``text`` is not a number."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
