"""Benchmark of KTAB's Spatial Model of Politics: ``python bench/bench_smp.py``.

Runs the SMP (KTAB's default parameters) on KTAB's ``dummyData-a160.csv`` (160 actors, one
dimension; tests/data/ktab) to its stopping rule and prints the number of turns, the total
wall time and the time per turn (best of ``--repeat`` runs). Each turn costs O(N^3) for
N actors (every actor's estimate of every actor's utility for every position, and the
third parties' votes on every challenge).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from zopa.forecasting.smp import run_smp
from zopa.io.ktab import read_csv

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "ktab" / "dummyData-a160.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DATA, help="a KTAB CSV file")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best is reported")
    args = parser.parse_args()

    data = read_csv(args.file)
    x, s, c = data.position / 100.0, data.salience / 100.0, data.capability
    best = float("inf")
    turns = 0
    for _ in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        result = run_smp(x, s, c)
        best = min(best, time.perf_counter() - t0)
        turns = result.turns
    n, d = x.shape
    print(f"file: {args.file.name} ({n} actors, {d} dimension(s))")
    print(f"turns: {turns}")
    print(f"total time: {best:.3f} s (best of {max(1, args.repeat)})")
    print(f"time per turn: {1000.0 * best / turns:.1f} ms")


if __name__ == "__main__":
    main()
