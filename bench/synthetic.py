"""Synthetic scenarios for benchmarks: k issues x 10 options, d deciders, seeded.

Utilities are uniform on [0, 1] per option, weights uniform, no red lines. Reservations
are 0 by default (the zone is the whole space: the heaviest case, and the one NegMAS
computes); the many-decider cases of issue 12 use 0.45, some under a quota rule.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import yaml


def synthetic(
    n_issues: int,
    n_deciders: int,
    seed: int = 0,
    n_options: int = 10,
    reservation: float = 0.0,
    quota: int | None = None,
) -> dict:
    """The scenario as a mapping; ``quota``: a quota rule of at least that many deciders."""
    rng = np.random.default_rng(seed)
    issues = [
        {
            "id": f"i{k}",
            "name": f"issue {k}",
            "options": [
                {"id": f"o{j}", "at": round(100 * j / (n_options - 1), 6)} for j in range(n_options)
            ],
        }
        for k in range(n_issues)
    ]
    actors = [{"id": f"D{i}", "name": f"decider {i}", "role": "party"} for i in range(n_deciders)]
    prefs = {}
    for a in actors:
        prefs[a["id"]] = {
            "weights": {i["id"]: float(round(rng.uniform(0.1, 1.0), 6)) for i in issues},
            "utilities": {
                i["id"]: {o["id"]: float(round(rng.uniform(), 6)) for o in i["options"]}
                for i in issues
            },
            "reservation": reservation,
        }
    out = {
        "zopa": 1,
        "id": f"synthetic-{n_issues}x{n_options}-{n_deciders}d",
        "title": f"synthetic {n_options}^{n_issues} packages, {n_deciders} deciders",
        "actors": actors,
        "issues": issues,
        "preferences": prefs,
    }
    if quota is not None:
        out["decision"] = {"rule": "quota", "at_least": quota}
    return out


def write(
    path: Path,
    n_issues: int,
    n_deciders: int,
    seed: int = 0,
    reservation: float = 0.0,
    quota: int | None = None,
) -> Path:
    """Write :func:`synthetic` as YAML to ``path``."""
    sc = synthetic(n_issues, n_deciders, seed, reservation=reservation, quota=quota)
    path.write_text(yaml.safe_dump(sc, sort_keys=False))
    return path


if __name__ == "__main__":
    write(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
