"""Benchmark: Monte Carlo and sweeps of the reference scenario (issue 3's targets).

1. ``zopa montecarlo --draws 10000`` on the bundled US-Iran scenario, exact over the full
   package space in every draw (target < 60 s on 2 cores, goal < 10 s), end to end in a
   fresh process, with 1 and 2 worker processes (same bytes checked).
2. A sweep on a local Dask cluster (loopback) with 2 workers against 1 worker: wall times,
   the ratio (target >= 1.6x) and a check that the results are identical.

Run: ``python bench/bench_montecarlo.py [--draws 10000] [--cells 8] [--cell-draws 2000]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from zopa.scenario.load import load_scenario, reference_path
from zopa.scenario.numbers import numbers
from zopa.studies.sweep import run_cells

BIN = Path(sys.executable).parent


def timed(cmd: list[str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--cells", type=int, default=8)
    ap.add_argument("--cell-draws", type=int, default=2000)
    args = ap.parse_args()
    zopa = str(BIN / "zopa")
    base = [zopa, "montecarlo", "--draws", str(args.draws), "--seed", "1", "--json"]
    t1, out1 = timed(base)
    t2, out2 = timed([*base, "--workers", "2"])
    res = json.loads(out1)
    print(f"montecarlo, reference scenario, {args.draws:,} draws (exact every draw):")
    print(f"  1 worker: {t1:.2f} s; 2 workers: {t2:.2f} s; same bytes: {out1 == out2}")
    print(
        f"  P(zone) {res['p_zone']:.4f}, P(deal) {res['p_deal']:.4f}, P(war) {res['p_war']:.4f};"
        f" frontier candidates {res['exact']['candidates']:,},"
        f" on the wider set {res['exact']['draws_on_wider_candidates']:,},"
        f" full-scan draws {res['exact']['full_scan_draws']:,}"
    )
    sc = load_scenario()
    ranged = [(p, n) for p, n in numbers(sc) if n.range is not None or n.uncertain]
    if not ranged:
        print("sweep: the reference scenario has no ranged number; skipped")
        return
    path, num = ranged[0]
    lo, hi = num.range if num.range is not None else num.distribution.support
    grid = [{path: lo + (hi - lo) * i / max(1, args.cells - 1)} for i in range(args.cells)]
    text = reference_path().read_text()
    from distributed import LocalCluster

    times, results = {}, {}
    for n in (1, 2):
        with LocalCluster(n_workers=n, threads_per_worker=1, host="127.0.0.1",
                          dashboard_address=None) as cluster:  # fmt: skip
            t0 = time.perf_counter()
            results[n] = run_cells(text, "ref", grid, args.cell_draws, 1,
                               scheduler=cluster.scheduler_address)  # fmt: skip
            times[n] = time.perf_counter() - t0
    same = json.dumps(results[1]) == json.dumps(results[2])
    print(f"sweep over {path} ({args.cells} cells x {args.cell_draws:,} draws), local Dask:")
    print(
        f"  1 worker {times[1]:.2f} s, 2 workers {times[2]:.2f} s, "
        f"ratio {times[1] / times[2]:.2f}x, identical results: {same}"
    )


if __name__ == "__main__":
    main()
