"""Benchmarks of the agreement analysis: ``python bench/bench_analyze.py`` (all: ``make bench``).

1. ``zopa analyze`` on the bundled reference scenario, end to end (a fresh process each
   time: start-up, loading, analysis, JSON), best and median of several runs.
2. Synthetic spaces of 10^5, 10^6 and 10^7 packages with 2, 3 and 5 deciders
   (bench/synthetic.py): wall time and peak memory (the child's max RSS, from wait4).
3. NegMAS side by side (``pareto_frontier`` + ``nash_points``, bench/negmas_peer.py) on
   the same scenario files at 10^5 and 10^6 packages with 3 deciders, end to end in a fresh
   process each, runs interleaved: both medians (5 runs of zopa, 3 of NegMAS), the ratio,
   and a check that the frontier sizes and the Nash utilities are equal.

Every child runs with Python's default of caching bytecode (``PYTHONDONTWRITEBYTECODE``
removed, as some workplaces set it): the first run of a command writes zopa's ``.pyc``
files, as a pip install does, so start-up is timed as a user's machine sees it.

``--quick`` skips 10^7 and the 5-decider grid. Results are printed as a table (Markdown,
ready for the README) and written to bench/results/analyze.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synthetic import write  # noqa: E402

BIN = Path(sys.executable).parent
ZOPA = [str(BIN / "zopa")] if (BIN / "zopa").exists() else [sys.executable, "-m", "zopa.cli.main"]


def child_env() -> dict[str, str]:
    """This process's environment, with Python's default of caching bytecode."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(cmd: list[str]) -> tuple[float, float, str]:
    """Run ``cmd``; return (wall seconds, peak RSS in MiB, stdout)."""
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, env=child_env())
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        err = p.stderr.read().decode() if p.stderr else ""
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {err[-2000:]}")
        out.seek(0)
        return wall, usage.ru_maxrss / 1024, out.read().decode()


def reference(repeats: int) -> dict:
    walls = []
    for _ in range(repeats):
        wall, rss, _ = measure([*ZOPA, "analyze", "--json"])
        walls.append(wall)
    return {"best_s": min(walls), "median_s": statistics.median(walls), "peak_mib": rss}


def _frontier(row: dict) -> str:
    """The frontier's size, or that it was not computed (past the budget) and its estimate."""
    if row["frontier"] is None:
        return f"not computed (est. {row['frontier_estimate_s']} s)"
    return f"{row['frontier']:,}"


def synthetic_grid(quick: bool, workdir: Path) -> list[dict]:
    rows = []
    sizes = [5, 6] if quick else [5, 6, 7]
    deciders = [2, 3] if quick else [2, 3, 5]
    for k in sizes:
        for d in deciders:
            f = write(workdir / f"s{k}_{d}.yaml", k, d)
            cmd = [*ZOPA, "analyze", str(f), "--json", "--max-packages", "1000000000"]
            wall, rss, out = measure(cmd)
            res = json.loads(out)
            rows.append(
                {
                    "packages": 10**k,
                    "deciders": d,
                    "wall_s": wall,
                    "peak_mib": rss,
                    "frontier": res["pareto"]["size"],
                    "frontier_estimate_s": res["pareto"]["estimated_seconds"],
                }
            )
            print(f"  10^{k} x {d}: {wall:.2f} s, {rss:.0f} MiB, frontier {_frontier(rows[-1])}")
    return rows


def negmas_side_by_side(workdir: Path, zopa_runs: int = 5, negmas_runs: int = 3) -> list[dict]:
    """Both sides on the same files, their runs interleaved (z, n, z, n, ..., so that a
    drift of the machine's speed hits both), each side's time the median of its runs."""
    try:
        import negmas  # noqa: F401
    except ImportError:
        print("  NegMAS not installed (pip install -e '.[peers]'): skipped")
        return []
    rows = []
    for k in (5, 6):
        f = write(workdir / f"n{k}_3.yaml", k, 3)
        zs, ns = [], []
        for k_run in range(max(zopa_runs, negmas_runs)):
            if k_run < zopa_runs:
                z_wall, _, z_out = measure([*ZOPA, "analyze", str(f), "--json"])
                zs.append(z_wall)
            if k_run < negmas_runs:
                n_wall, _, n_out = measure([sys.executable, str(HERE / "negmas_peer.py"), str(f)])
                ns.append(n_wall)
        z_wall, n_wall = statistics.median(zs), statistics.median(ns)
        z, n = json.loads(z_out), json.loads(n_out.strip().splitlines()[-1])
        nash_z = list(z["solutions"]["nash"]["utilities"].values())
        same_front = z["pareto"]["size"] == n["frontier"]
        same_nash = all(abs(a - b) < 1e-6 for a, b in zip(nash_z, n["nash"], strict=True))
        rows.append(
            {
                "packages": 10**k,
                "deciders": 3,
                "zopa_s": z_wall,
                "negmas_s": n_wall,
                "zopa_runs_s": zs,
                "negmas_runs_s": ns,
                "ratio": n_wall / z_wall,
                "frontier_zopa": z["pareto"]["size"],
                "frontier_negmas": n["frontier"],
                "same_frontier_size": same_front,
                "same_nash": same_nash,
            }
        )
        r = rows[-1]
        print(
            f"  10^{k} x 3: zopa {z_wall:.2f} s, NegMAS {n_wall:.2f} s (medians of {len(zs)} and "
            f"{len(ns)} interleaved runs), ratio {r['ratio']:.1f}x, "
            f"frontier {r['frontier_zopa']} vs {r['frontier_negmas']}, same Nash: {same_nash}"
        )
        if not (same_front and same_nash):
            raise SystemExit("zopa and NegMAS disagree: see above")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip 10^7 and 5 deciders")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        print("reference scenario (zopa analyze --json, fresh process):")
        ref = reference(args.repeats)
        print(f"  best {ref['best_s']:.3f} s, median {ref['median_s']:.3f} s")
        print("synthetic spaces:")
        grid = synthetic_grid(args.quick, work)
        print("NegMAS side by side (end to end, fresh processes):")
        peer = negmas_side_by_side(work)
    out = {"reference": ref, "synthetic": grid, "negmas": peer, "cpus": os.cpu_count()}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "analyze.json").write_text(json.dumps(out, indent=2))
    print("\n| packages | deciders | wall (s) | peak memory (MiB) | frontier |")
    print("|---:|---:|---:|---:|---:|")
    for r in grid:
        print(
            f"| {r['packages']:,} | {r['deciders']} | {r['wall_s']:.2f} | {r['peak_mib']:.0f} | "
            f"{_frontier(r)} |"
        )
    if peer:
        print("\n| packages x 3 deciders | zopa (s) | NegMAS (s) | ratio | frontier (both) |")
        print("|---:|---:|---:|---:|---:|")
        for r in peer:
            print(
                f"| {r['packages']:,} | {r['zopa_s']:.2f} | {r['negmas_s']:.2f} | "
                f"{r['ratio']:.1f}x | {r['frontier_zopa']} |"
            )


if __name__ == "__main__":
    main()
