"""Benchmark: Monte Carlo forecasts of the reference scenario (issue: 1,000 EUM runs < 10 s).

Times ``zopa.studies.forecast_spread.forecast_spread`` with each model on the bundled US-Iran
scenario (positions jittered by sd 5 on 0..100, saliences by a log-normal factor of sd
0.2, seed 0; models built with their ``lean_params``, as ``zopa forecast`` builds them):
for ``--models all`` (the default) every registered model, the draw-by-draw path
(``by_draw=True``), the vectorised one in one process and over ``--workers`` processes
(2), measured in the same run (median of ``--repeat`` runs each) with their ratios; then
the CLI end to end (``zopa forecast --model all --draws N --json``, 2 workers).
Run: ``python bench/bench_forecast.py [--draws 1000] [--models all] [--repeat 3]
[--workers 2]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from zopa.forecasting.base import ForecastInput
from zopa.forecasting.registry import MODELS, from_scenario, make_model
from zopa.scenario.load import load_scenario
from zopa.studies.forecast_spread import forecast_spread


def _median_time(
    names: list[str],
    inputs: ForecastInput,
    draws: int,
    by_draw: bool,
    repeat: int,
    workers: int = 1,
) -> float:
    """Median over ``repeat`` runs of the total time of every model's spread."""
    walls = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for name in names:
            model = make_model(name, lean=True)
            forecast_spread(model, inputs, draws, 0, by_draw=by_draw, workers=workers)
        walls.append(time.perf_counter() - t0)
    return statistics.median(walls)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--models", default="all")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    inputs = from_scenario(load_scenario())
    names = list(MODELS) if args.models == "all" else args.models.split(",")
    print(f"reference scenario: {len(inputs.actors)} actors x {len(inputs.issues)} issues")
    for name in names:
        fast = _median_time([name], inputs, args.draws, False, 1)
        print(f"  {name}: {args.draws} Monte Carlo runs in {fast:.2f} s")
    slow = _median_time(names, inputs, args.draws, True, args.repeat)
    fast = _median_time(names, inputs, args.draws, False, args.repeat)
    split = _median_time(names, inputs, args.draws, False, args.repeat, args.workers)
    label = ",".join(names) if args.models != "all" else "all"
    print(f"  --model {label} --draws {args.draws} (median of {args.repeat}):")
    print(f"    draw by draw: {slow:.2f} s; vectorised: {fast:.2f} s; ratio {slow / fast:.1f}x")
    print(f"    vectorised over {args.workers} workers: {split:.2f} s; ratio {slow / split:.1f}x")
    zopa = Path(sys.executable).parent / "zopa"
    cmd = [str(zopa), "forecast", "--model", "all", "--draws", str(args.draws), "--json"]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    wall = time.perf_counter() - t0
    print(f"  zopa forecast --model all --draws {args.draws} --json (end to end): {wall:.2f} s")


if __name__ == "__main__":
    main()
