"""Benchmark: ``zopa leverage`` over numbers, judgements and options (issues 9 and 12).

Times the whole leverage study (every lever at both ends, each evaluated exactly, and what
the headline figures rest on) on the bundled reference scenario and on the ordinal
reference (bench/ordinal.py: every weight and utility mapping turned into an order), in
this process: by draws (the default: each end evaluated as a Monte Carlo draw, the ends
that move scalars only as one block; with one process and with two worker processes
sharing the ends compiled one by one, as the CLI's default) against the full re-analysis
at every end (``method="scan"``, the path before issue 12), measured in the same run,
with a check that all give the same figures. The yardstick of issue 12 is one
full ``zopa.analyze`` (compile the space and analyse it, frontier and all; the best of 5)
and, end to end, ``zopa leverage --for IRN --json`` against ``zopa analyze`` (fresh
processes, medians of 3).

Run: ``python bench/bench_leverage.py [--actor IRN]`` (about a minute on 2 cores).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_analyze import child_env  # noqa: E402
from ordinal import ordinal_reference  # noqa: E402

import zopa  # noqa: E402
from zopa.scenario.schema import Scenario  # noqa: E402
from zopa.studies.leverage import leverage, levers  # noqa: E402


def analyze_seconds(sc: Scenario, repeat: int = 5) -> float:
    """The best wall time of a full ``zopa.analyze`` (compilation included)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        zopa.analyze(sc)
        best = min(best, time.perf_counter() - t0)
    return best


def median_seconds(fn: Callable[[], object], repeat: int = 3) -> float:
    """The median wall time of ``fn()`` over ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def cli_seconds(argv: list[str], repeat: int = 3) -> float:
    """The median wall time of ``zopa ARGV`` in a fresh process (start-up included, with
    Python's default of caching bytecode)."""
    env = {**child_env(), "ZOPA_NO_STORE": "1"}
    cmd = [str(Path(sys.executable).with_name("zopa")), *argv]
    return median_seconds(
        lambda: subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL), repeat
    )


def run(name: str, sc: Scenario, actor: str) -> dict[str, float]:
    """Time leverage on ``sc`` by draws and by the full re-analysis (the path before issue
    12), print its lines; return the figures."""
    kinds = Counter(lv.kind for lv in levers(sc))
    evaluations = 1 + kinds["option"] + 2 * (sum(kinds.values()) - kinds["option"])
    base = analyze_seconds(sc)
    res = zopa.leverage(sc, actor)
    one = median_seconds(lambda: zopa.leverage(sc, actor, workers=1))
    wall = median_seconds(lambda: zopa.leverage(sc, actor, workers=2))
    t0 = time.perf_counter()
    scanned = leverage(sc, actor, method="scan")
    scan = time.perf_counter() - t0
    same = scanned.to_json() == res.to_json() == zopa.leverage(sc, actor, workers=2).to_json()
    counts = ", ".join(f"{kinds[k]} {k}" for k in sorted(kinds))
    print(f"{name}: {sum(kinds.values())} levers ({counts}), {evaluations} lever ends")
    print(
        f"  leverage {wall:.2f} s with 2 workers, {one:.2f} s with one (medians of 3), against "
        f"{scan:.2f} s by full re-analysis "
        f"({scan / wall:.1f}x; the same figures: {same}); one full analyze {base * 1000:.0f} "
        f"ms; leverage / one analyze = {wall / base:.1f}x"
    )
    rests = res.to_json()["rests_on"]
    tops = {h: (v["levers"][0]["lever"] if v["levers"] else "-") for h, v in rests.items()}
    print("  rests on (top lever): " + "; ".join(f"{h}: {x}" for h, x in tops.items()))
    return {"wall": wall, "levers": float(sum(kinds.values())), "per": wall / evaluations}


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
    lev = cli_seconds(["leverage", "--for", args.actor, "--json"])
    one = cli_seconds(["analyze"])
    print(
        f"end to end: zopa leverage --for {args.actor} --json {lev:.2f} s, zopa analyze "
        f"{one:.2f} s (medians of 3): {lev / one:.1f}x one analysis"
    )
    print(f"total {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
