"""The NegMAS side of the benchmark: a script that reads a scenario file and computes the
Pareto frontier and Nash point with NegMAS (``pareto_frontier`` + ``nash_points``).

Run as ``python negmas_peer.py FILE``; prints one JSON line with the frontier size, the
Nash utilities and the elapsed time. It shares no code with zopa (plain YAML reading).
"""

from __future__ import annotations

import json
import sys
import time

t0 = time.perf_counter()

import yaml  # noqa: E402
from negmas.outcomes import make_issue  # noqa: E402
from negmas.preferences import LinearAdditiveUtilityFunction  # noqa: E402
from negmas.preferences.ops import nash_points, pareto_frontier  # noqa: E402
from negmas.preferences.value_fun import TableFun  # noqa: E402


def main(path: str) -> None:
    with open(path) as f:
        data = yaml.safe_load(f)
    issues = [make_issue([o["id"] for o in i["options"]], name=i["id"]) for i in data["issues"]]
    ufuns = []
    for a in data["actors"]:
        p = data["preferences"][a["id"]]
        total = sum(p["weights"].values())
        values = {i["id"]: TableFun(dict(p["utilities"][i["id"]])) for i in data["issues"]}
        weights = {i["id"]: p["weights"][i["id"]] / total for i in data["issues"]}
        ufuns.append(
            LinearAdditiveUtilityFunction(
                values, weights, issues=issues, reserved_value=p.get("reservation", 0.0)
            )
        )
    front, _ = pareto_frontier(ufuns, issues=issues, sort_by_welfare=True)
    nash = nash_points(ufuns, front, issues=issues)
    print(
        json.dumps(
            {
                "frontier": len(front),
                "nash": list(nash[0][0]) if nash else None,
                "seconds": time.perf_counter() - t0,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
