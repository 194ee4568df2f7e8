"""Benchmark: Monte Carlo runs of the expected-utility model (zopa.forecasting.eum).

Each run jitters the input with a seeded numpy Generator and calls
``ExpectedUtility(rounds).predict``: every position gets normal noise of sd
``--position-sd`` (default 5 points on the 0..100 scale), clipped to 0..100; every salience
normal noise of sd ``--salience-sd`` (default 0.05, in units of the salience scale: 1, or
100 when the saliences are written 0..100), clipped to [0.01, 1] of that scale. Actors
absent from an issue stay absent. The default input is synthetic: 10 actors x 11 issues
(positions uniform on 0..100, about 10% of the cells absent, saliences 0.1..1, capabilities
0.1..1), drawn from ``--seed``. ``--csv FILE`` reads a BdM actor table instead; to time
another scenario, call :func:`bench` with its ForecastInput.

Run: ``.venv/bin/python bench/bench_eum.py [--runs 1000] [--variant scholz-2011]``.
Prints the wall time and runs per second of the Monte Carlo loop with one ``predict`` per
run (jitter included), then of the same draws stacked as extra issues of a single
``predict`` call (as ``zopa.studies.forecast_spread`` runs issue-wise models), and checks that
both give the same forecasts.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from typing import Any

import numpy as np

from zopa.forecasting.base import ForecastInput
from zopa.forecasting.eum import VARIANTS, ExpectedUtility
from zopa.io.bdm import read_bdm_csv


def synthetic_input(rng: np.random.Generator, actors: int = 10, issues: int = 11) -> ForecastInput:
    """A random multi-issue input on the 0..100 scale, about 10% of the cells absent."""
    position = rng.uniform(0.0, 100.0, (actors, issues))
    salience = rng.uniform(0.1, 1.0, (actors, issues))
    absent = rng.random((actors, issues)) < 0.1
    absent[0] = False  # every issue keeps at least one actor
    position[absent] = np.nan
    salience[absent] = 0.0
    return ForecastInput(
        actors=tuple(f"actor{i}" for i in range(actors)),
        issues=tuple(f"issue{k}" for k in range(issues)),
        position=position,
        salience=salience,
        capability=rng.uniform(0.1, 1.0, actors),
        scenario="synthetic",
    )


def jitter(
    inputs: ForecastInput, rng: np.random.Generator, position_sd: float, salience_sd: float
) -> ForecastInput:
    """A copy of ``inputs`` with noisy positions and saliences (absent cells untouched)."""
    present = inputs.present & (inputs.salience > 0)
    scale = 1.0 if np.nanmax(inputs.salience, initial=0.0) <= 1.0 else 100.0
    noise_x = rng.normal(0.0, position_sd, inputs.position.shape)
    noise_s = rng.normal(0.0, salience_sd * scale, inputs.salience.shape)
    position = np.where(present, np.clip(inputs.position + noise_x, 0.0, 100.0), np.nan)
    salience = np.where(
        present, np.clip(inputs.salience + noise_s, 0.01 * scale, scale), inputs.salience
    )
    return dataclasses.replace(inputs, position=position, salience=salience)


def stack(copies: list[ForecastInput]) -> ForecastInput:
    """Many draws of one input as one input whose issues are the draws' issues, in order."""
    first = copies[0]
    return dataclasses.replace(
        first,
        issues=tuple(f"{k}#{d}" for d in range(len(copies)) for k in first.issues),
        position=np.concatenate([c.position for c in copies], axis=1),
        salience=np.concatenate([c.salience for c in copies], axis=1),
        options=first.options * len(copies),
        option_at=first.option_at * len(copies),
    )


def bench(
    inputs: ForecastInput,
    *,
    runs: int = 1000,
    seed: int = 20260101,
    position_sd: float = 5.0,
    salience_sd: float = 0.05,
    model: ExpectedUtility | None = None,
) -> dict[str, Any]:
    """Time ``runs`` jittered runs, one ``predict`` call each, then the same draws stacked as
    extra issues of one call (issues are independent, so the forecasts are the same).

    Returns the wall times, runs/s and the forecasts' spread per issue.
    """
    model = model or ExpectedUtility(rounds=10)
    rng = np.random.default_rng(seed)
    model.predict(inputs)  # warm-up (imports, caches)
    out = np.empty((runs, len(inputs.issues)))
    copies = []
    start = time.perf_counter()
    for r in range(runs):
        draw = jitter(inputs, rng, position_sd, salience_sd)
        copies.append(draw)
        out[r] = model.predict(draw).position
    wall = time.perf_counter() - start
    start = time.perf_counter()
    stacked = model.predict(stack(copies)).position.reshape(runs, len(inputs.issues))
    wall_stacked = time.perf_counter() - start
    if not np.allclose(stacked, out, equal_nan=True):
        raise AssertionError("stacked draws differ from draw-by-draw forecasts")
    return {
        "runs": runs,
        "wall_s": wall,
        "runs_per_s": runs / wall,
        "wall_stacked_s": wall_stacked,
        "runs_per_s_stacked": runs / wall_stacked,
        "forecast_mean": np.nanmean(out, axis=0),
        "forecast_sd": np.nanstd(out, axis=0),
    }


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=20260101)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--variant", choices=sorted(VARIANTS), default="scholz-2011")
    ap.add_argument("--position-sd", type=float, default=5.0)
    ap.add_argument("--salience-sd", type=float, default=0.05)
    ap.add_argument("--csv", help="a BdM actor table (Actor,Capability,Position,Salience)")
    ap.add_argument("--no-moves", action="store_true", help="skip the per-issue move logs")
    args = ap.parse_args(argv)

    if args.csv:
        inputs = read_bdm_csv(args.csv)
        lo, hi = np.nanmin(inputs.position), np.nanmax(inputs.position)
        inputs = read_bdm_csv(args.csv, scale=(float(lo), float(hi)))  # onto 0..100
    else:
        inputs = synthetic_input(np.random.default_rng(args.seed))
    model = ExpectedUtility(rounds=args.rounds, variant=args.variant, keep_moves=not args.no_moves)
    res = bench(
        inputs,
        runs=args.runs,
        seed=args.seed,
        position_sd=args.position_sd,
        salience_sd=args.salience_sd,
        model=model,
    )
    n_actors, n_issues = inputs.position.shape
    print(
        f"EUM ({args.variant}, {args.rounds} rounds, centre {model.centre}) on "
        f"{inputs.scenario}: {n_actors} actors x {n_issues} issues; jitter: positions "
        f"sd {args.position_sd:g} (0..100), saliences sd {args.salience_sd:g} (of scale)"
    )
    print(
        f"{res['runs']} runs, one predict() each: {res['wall_s']:.3f} s wall, "
        f"{res['runs_per_s']:.0f} runs/s"
    )
    print(
        f"{res['runs']} runs stacked as issues of one predict(): {res['wall_stacked_s']:.3f} s "
        f"wall, {res['runs_per_s_stacked']:.0f} runs/s"
    )
    spread = ", ".join(
        f"{m:.1f}±{s:.1f}" for m, s in zip(res["forecast_mean"], res["forecast_sd"], strict=True)
    )
    print(f"forecast per issue (mean±sd): {spread}")


if __name__ == "__main__":
    main()
