"""Benchmark of the dashboard's recompute: ``python bench/bench_app.py``.

What one lever move costs the dashboard (``zopa app``) on the reference scenario: the
analysis under the new setting (``zopa.analyze(sc, top=TOP, set={lever: value})``, TOP
the dashboard's zone packages), the zone figure (:func:`zopa.report.figures.zone_figure`)
and the figure's JSON (what Streamlit sends to the browser). Each of ``--settings``
settings moves one lever (spread over every kind) to its far end (an option removed, a
red line flipped); the median and 95th percentile are printed beside a full
``zopa.analyze`` (the command's default) and the unmoved analysis, timed in the same run.
With ``--apptest N``, also N whole reruns of the dashboard script in Streamlit's AppTest
(every widget drawn again); ``--top`` times another number of zone packages. Wall times
and CPU times (every thread of this process) are both given: on a shared machine the CPU
time is the steadier figure. The goal: a move under 1 s at the 95th percentile.

Results are printed and written to bench/results/app.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import zopa
from zopa.app import dashboard
from zopa.report.figures import zone_figure

HERE = Path(__file__).resolve().parent
GOAL_S = 1.0


def timed(fn: Callable[[], Any]) -> tuple[float, float]:
    """Wall and CPU seconds (this process's, every thread) one call of ``fn`` takes."""
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def far_end(lever: Any) -> float:
    """The value a move sets: a slider's end away from base, a select's other choice."""
    if lever.kind in ("red line", "option"):
        return 0.0 if lever.base >= 0.5 else 1.0
    return lever.high if lever.high - lever.base >= lever.base - lever.low else lever.low


def settings(sc: Any, n: int) -> list[dict[str, float]]:
    """``n`` one-lever settings, spread over the dashboard's levers in their order."""
    levers = [x for x in zopa.levers(sc).levers if x.leverage]
    step = max(1, len(levers) // n)
    return [{x.name: far_end(x)} for x in levers[::step][:n]]


def move(sc: Any, setting: dict[str, float], top: int) -> None:
    """What the dashboard does when a lever moves: analysis, zone figure, its JSON."""
    report = zopa.analyze(sc, top=top, set=setting)
    zone_figure(report).to_json()


def summary(times: list[tuple[float, float]]) -> dict[str, float]:
    """Median and 95th percentile of the wall times, median of the CPU times (ms)."""
    ms = sorted(wall * 1000 for wall, _ in times)
    p95 = statistics.quantiles(ms, n=20, method="inclusive")[-1] if len(ms) > 1 else ms[0]
    cpu = statistics.median(c * 1000 for _, c in times)
    return {"median_ms": statistics.median(ms), "p95_ms": p95, "cpu_ms": cpu, "n": len(ms)}


def apptest_reruns(n: int) -> dict[str, float]:
    """``n`` whole reruns of the dashboard script in AppTest, each after a slider move."""
    from streamlit.testing.v1 import AppTest

    sys.argv = [str(dashboard.__file__)]
    at = AppTest.from_file(str(dashboard.__file__), default_timeout=600).run()
    sliders = list(at.sidebar.slider)
    times = []
    for k in range(n):
        s = sliders[k % len(sliders)]
        value = s.max if k % 2 == 0 else s.min
        times.append(timed(lambda s=s, value=value: s.set_value(value).run()))
        if at.exception:
            raise SystemExit(f"the dashboard failed: {at.exception[0].value}")
    return summary(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--settings", type=int, default=30, help="lever moves timed")
    ap.add_argument("--apptest", type=int, default=10, help="AppTest reruns (0: none)")
    ap.add_argument("--top", type=int, default=dashboard.TOP, help="zone packages listed")
    args = ap.parse_args()
    sc, top = zopa.reference(), args.top
    move(sc, {}, top)  # warm up: imports, first compile
    full = summary([timed(lambda: zopa.analyze(sc)) for _ in range(5)])
    unmoved = summary([timed(lambda: move(sc, {}, top)) for _ in range(5)])
    moves = summary([timed(lambda s=s: move(sc, s, top)) for s in settings(sc, args.settings)])
    out: dict[str, Any] = {"top": top, "full_analyze": full, "unmoved": unmoved, "move": moves}
    if args.apptest:
        out["apptest_rerun"] = apptest_reruns(args.apptest)
    out["goal_s"] = GOAL_S
    out["goal_met"] = moves["p95_ms"] < GOAL_S * 1000
    out["cpus"] = os.cpu_count()
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "app.json").write_text(json.dumps(out, indent=2))
    rows = [
        ("full zopa.analyze (top 10)", full),
        (f"unmoved: analysis (top {top}) + zone figure", unmoved),
        ("one lever move: analysis under the setting + zone figure", moves),
    ]
    if args.apptest:
        rows.append((f"one lever move in AppTest (top {dashboard.TOP}): the whole script rerun",
                     out["apptest_rerun"]))  # fmt: skip
    print("| reference scenario | runs | median (ms) | 95th percentile (ms) | CPU median (ms) |")
    print("|---|---:|---:|---:|---:|")
    for name, r in rows:
        figures = " | ".join(f"{r[k]:.0f}" for k in ("median_ms", "p95_ms", "cpu_ms"))
        print(f"| {name} | {r['n']} | {figures} |")
    verdict = "met" if out["goal_met"] else "not met"
    print(f"\ngoal < {GOAL_S:g} s (95th percentile of a move): {verdict}")


if __name__ == "__main__":
    main()
