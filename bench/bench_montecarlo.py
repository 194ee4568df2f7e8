"""Benchmark: Monte Carlo and sweeps of the reference scenario (issue 3's targets).

1. ``zopa montecarlo --draws 10000`` on the bundled US-Iran scenario, exact over the full
   package space in every draw (target < 60 s on 2 cores, goal < 10 s), end to end in a
   fresh process, with 1 and 2 worker processes (same bytes checked).
1b. The same on the *ordinal* reference (bench/ordinal.py: every weight and utility an
   order, so every draw has its own tables; issue 9's target < 60 s, goal 10 s), against
   two baselines measured in the same run on fewer draws: compiling every draw's space
   (the path without block tables) and scanning every draw's whole space with the chunked
   engine (what exactness costs without the zone engine), as seconds per draw.
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
        f" zone size mean {res['zone_size']['mean']:,.0f}, always in zone"
        f" {res['always_in_zone']:,}, packages evaluated {res['exact']['packages_evaluated']:,},"
        f" full-scan draws {res['exact']['full_scan_draws']:,}"
    )
    ordinal_bench(zopa, args.draws)
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


def ordinal_bench(zopa: str, draws: int) -> None:
    """Case 1b (see the module docstring)."""
    import tempfile

    import zopa.studies.montecarlo as mc
    from zopa.analysis.scan import scan
    from zopa.scenario.load import load_scenario as load
    from zopa.scenario.numbers import draw_table
    from zopa.scenario.values import Values
    from zopa.space.space import compile_space

    sys.path.insert(0, str(Path(__file__).parent))
    from ordinal import ordinal_reference

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ordinal.yaml"
        path.write_text(ordinal_reference(), encoding="utf-8")
        base = [zopa, "montecarlo", str(path), "--draws", str(draws), "--seed", "1", "--json"]
        t1, out1 = timed(base)
        t2, out2 = timed([*base, "--workers", "2"])
        sc = load(path)
    res = json.loads(out1)
    n_j = len(res["uncertain_judgements"])
    print(f"montecarlo, ordinal reference ({n_j} judgements drawn), {draws:,} draws:")
    print(f"  1 worker: {t1:.2f} s; 2 workers: {t2:.2f} s; same bytes: {out1 == out2}")
    z = res["zone_size"]
    print(
        f"  P(zone) {res['p_zone']:.4f}, zone size mean {z['mean']:,.0f}"
        f" [{z['p05']:,.0f}, {z['p95']:,.0f}], always in zone {res['always_in_zone']:,},"
        f" packages evaluated {res['exact']['packages_evaluated']:,} of {sc.n_packages():,}"
    )
    small = 500
    t0 = time.perf_counter()
    fast = mc.montecarlo(sc, draws=small, seed=1)
    t_fast = (time.perf_counter() - t0) / small
    original = mc.applies
    mc.applies = lambda paths: False  # type: ignore[assignment]
    try:
        t0 = time.perf_counter()
        slow = mc.montecarlo(sc, draws=small, seed=1)
        t_compile = (time.perf_counter() - t0) / small
    finally:
        mc.applies = original
    same = json.dumps(fast.to_json()) == json.dumps(slow.to_json())
    t = draw_table(sc, 20, 1)
    t0 = time.perf_counter()
    for d in range(20):
        scan(compile_space(sc, Values(sc, set_judgements=t.setting(d))), top=1, closest=0)
    t_scan = (time.perf_counter() - t0) / 20
    print(
        f"  per draw (in process, 1 core): block tables {t_fast * 1e3:.2f} ms; compiling each"
        f" draw {t_compile * 1e3:.2f} ms ({t_compile / t_fast:.1f}x; same bytes: {same});"
        f" full scan of each draw {t_scan * 1e3:.1f} ms ({t_scan / t_fast:.0f}x)"
    )


if __name__ == "__main__":
    main()
