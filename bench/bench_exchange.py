"""Benchmark of the exchange model against decide: ``python bench/bench_exchange.py``.

Runs decide-exchange-model's equal-gain model (``EqualGainModel`` driven by
``ModelLoop``, random tie-breaking off, no observers) and zopa's
:func:`zopa.forecasting.exchange.exchange_model` on the same decide input file (default:
COP21, 15 actors and 13 issues, tests/data/decide/cop21.csv) for the same number of
rounds, end to end (reading the file, building the model, all rounds), in one process.
decide runs once (it takes seconds); zopa runs once to warm up, then ``--repeat`` times
(the median is reported). Times are CPU times of this process (``time.process_time``, so
that other processes on a shared machine count less), with wall times alongside. Prints
both times, the ratio, and the exchanges per round of each (they can part ways after a
tie that decide's 28-digit rounding decides; see tests/test_exchange.py).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from zopa.forecasting.exchange import ExchangeResult, exchange_model
from zopa.io.decide import read_decide

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "decide" / "cop21.csv"


def run_decide(path: Path, rounds: int) -> tuple[list[int], np.ndarray]:
    """decide end to end: the exchanges made per round and the final outcome (0..100)."""
    from decide.data.modelfactory import ModelFactory
    from decide.data.reader import InputDataFile
    from decide.model.equalgain import EqualGainModel
    from decide.model.observers.observer import Observable, Observer
    from decide.model.utils import ModelLoop

    EqualGainModel.ALLOW_RANDOM = False
    made: list[int] = []

    class Count(Observer):
        def after_loop(self, realized: list[Any], iteration: int, repetition: int) -> None:
            made.append(len(realized))

    data = InputDataFile.open(str(path))
    model = ModelFactory(data).create(model_klass=EqualGainModel)
    events = Observable(model_ref=model, output_directory="")
    Count(events)
    loop = ModelLoop(model, events, 0)
    for _ in range(rounds):
        loop.loop()
    return made, np.array([float(model.nbs[k]) for k in model.issues])


def run_zopa(path: Path, rounds: int) -> ExchangeResult:
    """zopa end to end."""
    data = read_decide(path)
    return exchange_model(data.position, data.salience, data.power, data.lower, data.upper, rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DATA, help="a decide input file")
    parser.add_argument("--rounds", type=int, default=10, help="rounds for both (decide: 10)")
    parser.add_argument("--repeat", type=int, default=5, help="zopa runs; the median counts")
    args = parser.parse_args()

    run_zopa(args.file, args.rounds)  # warm up
    cpu, wall = [], []
    for _ in range(max(1, args.repeat)):
        c0, w0 = time.process_time(), time.perf_counter()
        result = run_zopa(args.file, args.rounds)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    t_zopa, w_zopa = statistics.median(cpu), statistics.median(wall)

    c0, w0 = time.process_time(), time.perf_counter()
    made, outcome = run_decide(args.file, args.rounds)
    t_decide, w_decide = time.process_time() - c0, time.perf_counter() - w0

    mine = [rnd.size for rnd in result.rounds]
    scale = 100.0 / (result.upper - result.lower)
    gap = np.max(np.abs((result.outcome - result.lower) * scale - outcome))
    n, k = result.position.shape
    print(f"file: {args.file.name} ({n} actors, {k} issues), {args.rounds} rounds")
    print(f"exchanges per round, decide: {made}")
    print(f"exchanges per round, zopa:   {mine}")
    print(f"largest outcome difference (0..100 scale): {gap:.3g}")
    print(f"decide: {t_decide:.3f} s CPU ({w_decide:.3f} s wall)")
    runs = len(cpu)
    print(f"zopa:   {1000.0 * t_zopa:.1f} ms CPU ({1000.0 * w_zopa:.1f} ms wall; median of {runs})")
    print(f"ratio:  {t_decide / t_zopa:.0f}x CPU ({w_decide / w_zopa:.0f}x wall)")


if __name__ == "__main__":
    main()
