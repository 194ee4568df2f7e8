"""Benchmark of the run store's overhead: ``python bench/bench_store.py`` (all: ``make bench``).

The reference analysis (``zopa.analyze(zopa.reference())``) is computed once and timed;
then its result is recorded N times (default 30) into a fresh store in a temporary
folder: the first record (which starts DuckDB and creates the store) apart, then the
median and 95th percentile of the others, each including ``to_json()``, ``to_frames()``
(also timed on their own, to show the store's own share) and the committed transaction.
A fresh process then records once into the same store (what one ``zopa analyze`` run
pays: importing DuckDB and pandas, which the analysis itself does not need, DuckDB's
start-up, the attach, the write: the background writer's work), and ``zopa analyze`` runs
end to end with the default store (recorded in the background) and with ``--no-store``.
The goal is under 50 ms a run (the median). Results
are printed and written to bench/results/store.json.
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
GOAL_MS = 50.0

CHILD = """
import sys, time, zopa
from zopa.io import store
sc = zopa.reference()
result = zopa.analyze(sc)
t = time.perf_counter()
import duckdb, pandas  # what the store imports (zopa analyze needs neither)
t1 = time.perf_counter()
store.record(sys.argv[1], "analyze", sc, {"top": 10}, None, result)
print((t1 - t) * 1000, (time.perf_counter() - t1) * 1000)
"""


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def in_process(path: Path, runs: int) -> dict:
    import zopa
    from zopa.io import store

    sc = zopa.reference()
    t0 = time.perf_counter()
    result = zopa.analyze(sc)
    analysis_ms = (time.perf_counter() - t0) * 1000
    times, results = [], []
    for _ in range(runs + 1):
        t = time.perf_counter()
        result.to_json(), result.to_frames()
        t1 = time.perf_counter()
        store.record(path, "analyze", sc, {"top": 10}, None, result)
        t2 = time.perf_counter()
        times.append((t2 - t1) * 1000)
        results.append((t1 - t) * 1000)
    steady = times[1:]
    return {
        "analysis_ms": analysis_ms,
        "first_ms": times[0],
        "median_ms": statistics.median(steady),
        "p95_ms": percentile(steady, 0.95),
        "results_ms": statistics.median(results[1:]),
        "runs": runs,
        "store_bytes": path.stat().st_size,
    }


def fresh_process(path: Path) -> tuple[float, float]:
    """(ms importing DuckDB and pandas, ms recording) in a new process."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True
    )
    imports, record = out.stdout.strip().splitlines()[-1].split()
    return float(imports), float(record)


def command_line(path: Path, runs: int = 5) -> tuple[float, float]:
    """Median wall seconds of ``zopa analyze`` on the reference scenario as a user runs it:
    recording into the default store (in the background) and with ``--no-store``."""
    env = {**os.environ, "ZOPA_STORE": str(path)}
    env.pop("ZOPA_NO_STORE", None)
    times: dict[str, list[float]] = {"store": [], "no_store": []}
    for _ in range(runs):
        for kind, extra in (("store", []), ("no_store", ["--no-store"])):
            time.sleep(1.5)  # the previous run's background writer finishes first
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "zopa.cli.main", "analyze", "--json", *extra],
                           env=env, capture_output=True, check=True)  # fmt: skip
            times[kind].append(time.perf_counter() - t)
    return statistics.median(times["store"]), statistics.median(times["no_store"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=30, help="records to time (after the first)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "runs.duckdb"
        r = in_process(path, args.runs)
        r["fresh_imports_ms"], r["fresh_record_ms"] = fresh_process(path)
        r["cli_store_s"], r["cli_no_store_s"] = command_line(path)
    r["cpus"] = os.cpu_count()
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "store.json").write_text(json.dumps(r, indent=2))
    met = "met" if r["median_ms"] < GOAL_MS else "not met"
    print(f"reference analysis: {r['analysis_ms']:.0f} ms")
    print(f"record, first in the process (DuckDB start-up, store created): {r['first_ms']:.1f} ms")
    print(
        f"record, {r['runs']} more: median {r['median_ms']:.1f} ms, "
        f"95th percentile {r['p95_ms']:.1f} ms"
    )
    print(
        f"  of which the result's to_json() and to_frames(): {r['results_ms']:.1f} ms "
        f"(the store's own work: {r['median_ms'] - r['results_ms']:.1f} ms)"
    )
    print(
        f"one run in a fresh process (existing store): importing DuckDB and pandas "
        f"{r['fresh_imports_ms']:.0f} ms, then recording {r['fresh_record_ms']:.1f} ms"
    )
    print(f"overhead / analysis (median): {r['median_ms'] / r['analysis_ms']:.1%}")
    print(
        f"zopa analyze end to end (median of 5): {r['cli_store_s']:.2f} s recording in the "
        f"background, {r['cli_no_store_s']:.2f} s with --no-store "
        f"(+{(r['cli_store_s'] - r['cli_no_store_s']) * 1000:.0f} ms)"
    )
    print(f"store after {r['runs'] + 2} runs: {r['store_bytes'] / 2**20:.1f} MiB")
    print(f"goal: < {GOAL_MS:.0f} ms: {met}")


if __name__ == "__main__":
    main()
