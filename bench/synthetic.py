"""Synthetic scenarios for benchmarks: k issues x 10 options, d deciders, seeded.

Utilities are uniform on [0, 1] per option, weights uniform, reservations 0 and no red
lines (so the zone is the whole space: the heaviest case, and the one NegMAS computes).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import yaml


def synthetic(n_issues: int, n_deciders: int, seed: int = 0, n_options: int = 10) -> dict:
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
            "reservation": 0.0,
        }
    return {
        "zopa": 1,
        "id": f"synthetic-{n_issues}x{n_options}-{n_deciders}d",
        "title": f"synthetic {n_options}^{n_issues} packages, {n_deciders} deciders",
        "actors": actors,
        "issues": issues,
        "preferences": prefs,
    }


def write(path: Path, n_issues: int, n_deciders: int, seed: int = 0) -> Path:
    path.write_text(yaml.safe_dump(synthetic(n_issues, n_deciders, seed), sort_keys=False))
    return path


if __name__ == "__main__":
    write(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
