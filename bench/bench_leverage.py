"""Benchmark: ``zopa leverage`` over numbers, judgements and options (issue 9, part 3).

Times the whole leverage study (every lever at both ends, an exact re-analysis each, and
what the headline figures rest on) on the bundled reference scenario and on the ordinal
reference (bench/ordinal.py: every weight and utility mapping turned into an order), in
this process, on the default 2 threads. The baseline, measured in the same run on the same
scenario, is one full ``zopa analyze`` recompilation (``zopa.analyze``: compile the space
and analyse it, frontier and all; the best of 5): a lever's two ends should each cost less
than that, since leverage needs the zone and the likely deal only.

Prints, per scenario, the levers by kind, the wall time, the re-analyses it ran, the cost
of one against the baseline, and the ordinal reference against the reference.

Run: ``python bench/bench_leverage.py [--actor IRN]`` (under a minute on 2 cores).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from ordinal import ordinal_reference  # noqa: E402

import zopa  # noqa: E402
from zopa.scenario.schema import Scenario  # noqa: E402
from zopa.studies.leverage import levers  # noqa: E402


def analyze_seconds(sc: Scenario, repeat: int = 5) -> float:
    """The best wall time of a full ``zopa.analyze`` (compilation included)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        zopa.analyze(sc)
        best = min(best, time.perf_counter() - t0)
    return best


def run(name: str, sc: Scenario, actor: str) -> dict[str, float]:
    """Time leverage on ``sc`` and print its line; return the figures."""
    kinds = Counter(lv.kind for lv in levers(sc))
    evaluations = 1 + kinds["option"] + 2 * (sum(kinds.values()) - kinds["option"])
    base = analyze_seconds(sc)
    t0 = time.perf_counter()
    res = zopa.leverage(sc, actor)
    wall = time.perf_counter() - t0
    per = wall / evaluations
    counts = ", ".join(f"{kinds[k]} {k}" for k in sorted(kinds))
    print(f"{name}: {sum(kinds.values())} levers ({counts})")
    print(
        f"  leverage {wall:.2f} s for {evaluations} re-analyses ({per * 1000:.1f} ms each); "
        f"full analyze {base * 1000:.1f} ms; one re-analysis / one analyze = {per / base:.2f}"
    )
    rests = res.to_json()["rests_on"]
    tops = {h: (v["levers"][0]["lever"] if v["levers"] else "-") for h, v in rests.items()}
    print("  rests on (top lever): " + "; ".join(f"{h}: {x}" for h, x in tops.items()))
    return {"wall": wall, "levers": float(sum(kinds.values())), "per": per}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--actor", default="IRN")
    args = ap.parse_args()
    t0 = time.perf_counter()
    plain = run("reference", zopa.reference(), args.actor)
    ordinal = run("ordinal reference", zopa.loads(ordinal_reference(), "ordinal"), args.actor)
    print(
        f"ordinal / reference: wall {ordinal['wall'] / plain['wall']:.2f}x, "
        f"levers {ordinal['levers'] / plain['levers']:.2f}x, "
        f"per re-analysis {ordinal['per'] / plain['per']:.2f}x"
    )
    print(f"total {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
