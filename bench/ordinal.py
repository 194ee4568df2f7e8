"""The reference scenario with every weight and utility mapping turned into an order.

A benchmark input for judgements (issue 9): each actor's ``weights`` (the issues it weighs
above 0) and each ``utilities`` mapping of plain numbers become ``{order: [...]}``, best
first, values that are equal tied in one group; evidence becomes an assumption. Ideal
points, reservations, red lines and the no-deal model are kept. Not a modelling claim:
the reference's numbers give the orders, the orders replace the numbers.

Run: ``python bench/ordinal.py OUT.yaml`` writes it; :func:`ordinal_reference` returns it.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from typing import Any

import yaml

from zopa.scenario.load import reference_path

EVIDENCE = ("source", "assumption")
ASSUMED = "benchmark: the order of the reference scenario's numbers"


def _plain(v: Any) -> float | None:
    if isinstance(v, int | float) and not isinstance(v, bool):
        return float(v)
    if (
        isinstance(v, dict)
        and isinstance(v.get("value"), int | float)
        and len([k for k in v if k not in EVIDENCE]) == 1
    ):
        return float(v["value"])
    return None


def as_order(mapping: dict[str, Any], positive: bool = False) -> list[Any] | None:
    """The ids of ``mapping`` by value, highest first, equal values tied (None: a value is
    not a plain number, or fewer than two groups)."""
    values = {k: _plain(v) for k, v in mapping.items() if k not in EVIDENCE}
    if any(v is None for v in values.values()):
        return None
    groups: dict[float, list[str]] = defaultdict(list)
    for k, v in values.items():
        if v is not None and (v > 0 or not positive):
            groups[v].append(k)
    order = [g[0] if len(g) == 1 else g for _, g in sorted(groups.items(), key=lambda t: -t[0])]
    return order if len(order) >= 2 else None


def ordinal(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` (a scenario as parsed YAML) with its weights and utilities as orders."""
    for p in data.get("preferences", {}).values():
        order = as_order(p["weights"], positive=True)
        if order is not None:
            p["weights"] = {"order": order, "assumption": ASSUMED}
        for issue, u in list(p.get("utilities", {}).items()):
            order = as_order(u)
            if order is not None:
                p["utilities"][issue] = {"order": order, "assumption": ASSUMED}
    return data


def ordinal_reference() -> str:
    """The ordinal reference scenario as YAML text."""
    data = yaml.safe_load(reference_path().read_text(encoding="utf-8"))
    return yaml.safe_dump(ordinal(data), sort_keys=False, allow_unicode=True)


if __name__ == "__main__":
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        f.write(ordinal_reference())
