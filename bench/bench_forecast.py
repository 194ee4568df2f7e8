"""Benchmark: Monte Carlo forecasts of the reference scenario (issue: 1,000 EUM runs < 10 s).

Times ``zopa.studies.forecast_spread.forecast_spread`` with each model on the bundled US-Iran
scenario (positions jittered by sd 5 on 0..100, saliences by a log-normal factor of sd
0.2, seed 0; models built with their ``lean_params``, as ``zopa forecast`` builds them), and
the same through the CLI end to end (``zopa forecast -m eum --draws N``).
Run: ``python bench/bench_forecast.py [--draws 1000]``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from zopa.forecasting.registry import from_scenario, make_model
from zopa.scenario.load import load_scenario
from zopa.studies.forecast_spread import forecast_spread


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--models", default="compromise,nash,eum")
    args = ap.parse_args()
    inputs = from_scenario(load_scenario())
    print(f"reference scenario: {len(inputs.actors)} actors x {len(inputs.issues)} issues")
    for name in args.models.split(","):
        model = make_model(name, lean=True)
        t0 = time.perf_counter()
        forecast_spread(model, inputs, draws=args.draws, seed=0)
        wall = time.perf_counter() - t0
        print(
            f"  {name}: {args.draws} Monte Carlo runs in {wall:.2f} s ({args.draws / wall:,.0f}/s)"
        )
    zopa = Path(sys.executable).parent / "zopa"
    cmd = [str(zopa), "forecast", "-m", "eum", "--draws", str(args.draws), "--json"]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    wall = time.perf_counter() - t0
    print(f"  zopa forecast -m eum --draws {args.draws} (end to end): {wall:.2f} s")


if __name__ == "__main__":
    main()
