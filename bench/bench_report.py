"""Benchmark of the HTML report: ``python bench/bench_report.py`` (all: ``make bench``).

On the bundled reference scenario, in this process:

1. the time to compute the report's inputs through the public API, each call timed once
   (``zopa.analyze(sc, top=2000)``, ``zopa.sources()``, ``zopa.montecarlo`` with
   ``--draws`` draws, ``zopa.leverage`` for Iran, ``zopa.forecast``, one ``zopa.simulate``
   run): what ``zopa report`` spends before it builds anything;
2. the report's build time from those precomputed results (``zopa.report.build.build``:
   figures, tables, the template, Plotly's bundle inlined), best and median of
   ``--repeats`` builds, and the page's size.

Results are printed as a Markdown table and written to bench/results/report.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import zopa
from zopa.report.build import ReportInputs, build

HERE = Path(__file__).resolve().parent


def timed(f: Callable[[], Any]) -> tuple[Any, float]:
    """``f()`` and its wall time in seconds."""
    t0 = time.perf_counter()
    out = f()
    return out, time.perf_counter() - t0


def compute(draws: int) -> tuple[ReportInputs, dict[str, float]]:
    """The reference scenario's report inputs, and the seconds each API call took."""
    sc = zopa.reference()
    calls: dict[str, Callable[[], Any]] = {
        "analyze (top 2000)": lambda: zopa.analyze(sc, top=2000),
        "sources": lambda: zopa.sources(),
        f"montecarlo ({draws:,} draws)": lambda: zopa.montecarlo(sc, draws=draws, seed=0),
        "leverage (IRN)": lambda: zopa.leverage(sc, "IRN"),
        "forecast (every model)": lambda: zopa.forecast(sc),
        "simulate (one run)": lambda: zopa.simulate(sc, seed=0),
    }
    results, seconds = [], {}
    for name, call in calls.items():
        out, secs = timed(call)
        results.append(out)
        seconds[name] = secs
        print(f"  {name}: {secs:.2f} s", flush=True)
    return ReportInputs(sc, *results), seconds


def builds(inputs: ReportInputs, repeats: int) -> dict[str, float]:
    """Best and median seconds of ``repeats`` builds, and the page's size in bytes."""
    walls, size = [], 0
    for _ in range(repeats):
        html, secs = timed(lambda: build(inputs))
        walls.append(secs)
        size = len(html.encode("utf-8"))
    return {"best_s": min(walls), "median_s": statistics.median(walls), "bytes": size}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=1000, help="Monte Carlo draws (zopa report's)")
    ap.add_argument("--repeats", type=int, default=5, help="builds timed")
    args = ap.parse_args()
    print("computing the inputs (public API, reference scenario):")
    inputs, seconds = compute(args.draws)
    total = sum(seconds.values())
    print(f"  total: {total:.2f} s")
    print(f"building the report ({args.repeats} builds from the precomputed results):")
    built = builds(inputs, args.repeats)
    print(f"  best {built['best_s']:.3f} s, median {built['median_s']:.3f} s, "
          f"{built['bytes']:,} bytes")  # fmt: skip
    out = {"inputs_s": seconds, "inputs_total_s": total, "build": built,
           "draws": args.draws, "cpus": os.cpu_count()}  # fmt: skip
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "report.json").write_text(json.dumps(out, indent=2))
    print("\n| step | seconds |")
    print("|---|---:|")
    for name, secs in seconds.items():
        print(f"| {name} | {secs:.2f} |")
    print(f"| inputs, in all | {total:.2f} |")
    print(f"| build (median of {args.repeats}) | {built['median_s']:.3f} |")
    print(f"\nreport size: {built['bytes']:,} bytes")


if __name__ == "__main__":
    main()
