"""Bounds on every number a user passes to a run, and interrupts that stop workers at once.

In-process through the API (each bound is an :class:`~zopa.errors.InputError` naming the
option, as the CLI reports it); interrupts as a user sends them, to a subprocess, with only
a generous bound on time: a run that would take minutes must end within seconds.
"""

from __future__ import annotations

import contextlib
import math
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import zopa
from zopa.analysis.analyze import SECONDS_START, estimate_seconds
from zopa.api import MAX_DRAWS, MAX_WORKERS, check_size, format_count
from zopa.errors import InputError
from zopa.studies import sweep as sweep_module
from zopa.studies.forecast_spread import forecast_spread
from zopa.studies.montecarlo import worker_pool
from zopa.studies.sweep import check_address, parse_grid

DATA = Path(__file__).parent / "data"
TOY = DATA / "toy.yaml"
NODEAL = DATA / "toy_nodeal.yaml"
TRUST = "credibility.trust.IR.US=0.2:0.8:2"  # a lever of toy_nodeal.yaml


@pytest.fixture(scope="module")
def ref() -> Any:
    return zopa.reference()


@pytest.fixture(scope="module")
def nodeal() -> Any:
    return zopa.load(NODEAL)


def zopa_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zopa.cli.main", *args], capture_output=True, text=True, timeout=120
    )


# --- interrupts ---------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            out += [int(c) for c in (task / "children").read_text().split()]
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _interrupt(sig: int, *args: str) -> tuple[float, subprocess.Popen[str], list[int]]:
    """Start ``zopa ARGS``, wait until its worker processes run, send ``sig`` to the parent
    alone (as ``kill`` does); return the seconds it took to exit, the process, its workers."""
    p = subprocess.Popen(
        [sys.executable, "-m", "zopa.cli.main", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while len(_children(p.pid)) < 2 and time.monotonic() < deadline and p.poll() is None:
        time.sleep(0.1)
    workers = _children(p.pid)
    assert len(workers) >= 2, "the workers never started"
    time.sleep(1.0)  # the pool is busy with its first blocks
    p.send_signal(sig)
    t0 = time.monotonic()
    try:
        p.wait(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
    return time.monotonic() - t0, p, workers


needs_proc = pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")

# Uninterrupted, each run takes a minute or more on two cores.
LONG_MONTECARLO = ["montecarlo", "--draws", "1000000", "--workers", "2", "--json"]
LONG_SWEEP = ["sweep", "--grid", "commission=0.02:0.1:50", "--draws", "20000", "--workers", "2",
              "--json"]  # fmt: skip


@needs_proc
@pytest.mark.parametrize("command", [LONG_MONTECARLO, LONG_SWEEP], ids=["montecarlo", "sweep"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_the_run_and_its_workers_at_once(command: list[str], sig: int) -> None:
    """The queued blocks are cancelled and the workers ended: no waiting for the run."""
    took, p, workers = _interrupt(sig, *command)
    out, err = p.communicate()
    assert took < 10, f"exited {took:.1f} s after the signal"
    assert p.returncode != 0  # 130 for SIGINT, 143 for SIGTERM (see zopa.cli.main.main)
    assert out == ""  # nothing half-written
    assert "Traceback" not in err
    deadline = time.monotonic() + 5
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers), "worker processes outlived the run"


def test_worker_pool_stops_on_any_exception_and_workers_ignore_ctrl_c() -> None:
    procs: list[Any] = []
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match="stop"), worker_pool(2) as pool:
        handler = pool.submit(signal.getsignal, signal.SIGINT).result()
        futures = [pool.submit(time.sleep, 60) for _ in range(6)]
        time.sleep(0.5)
        procs = list(pool._processes.values())  # type: ignore[attr-defined]
        manager = pool._executor_manager_thread  # type: ignore[attr-defined]
        joined: list[float | None] = []
        real_join = manager.join
        manager.join = lambda timeout=None: (joined.append(timeout), real_join(timeout))[1]
        raise RuntimeError("stop")
    assert handler == signal.SIG_IGN  # only the parent acts on Ctrl-C
    assert time.monotonic() - t0 < 10
    # the pool's manager thread was waited for, so that the interpreter's exit hook does
    # not race it for its wake-up pipe ("Bad file descriptor" and a traceback, Python 3.11)
    assert joined and joined[0] is not None
    # the pool's own thread may reap a worker at the same moment (is_alive() then reads
    # True until it has): give it a moment
    end = time.monotonic() + 5
    while any(p.is_alive() for p in procs) and time.monotonic() < end:
        time.sleep(0.05)
    assert procs and not any(p.is_alive() for p in procs)
    assert any(f.cancelled() for f in futures)


# --- seeds, workers, threads and the other plain numbers ------------------------------------


@pytest.mark.parametrize("seed", [-1, 2**63, 1.5, True, "3"])
def test_seeds_are_whole_numbers_from_0_to_2_63(ref: Any, nodeal: Any, seed: Any) -> None:
    for run in (
        lambda: zopa.montecarlo(ref, draws=10, seed=seed),
        lambda: zopa.sweep(nodeal, [TRUST], 10, seed, workers=1),
        lambda: zopa.forecast(ref, "compromise", draws=10, seed=seed),
        lambda: zopa.backtest("deu", "no-such-file.csv", seed=seed),
    ):
        with pytest.raises(InputError, match=r"^--seed: "):
            run()


def test_the_largest_seed_runs(nodeal: Any) -> None:
    m = zopa.montecarlo(nodeal, draws=10, seed=2**63 - 1)
    assert m.seed == 2**63 - 1


def test_cli_negative_seed_is_a_usage_error_not_a_traceback() -> None:
    r = zopa_cli("montecarlo", str(TOY), "--seed", "-1")
    assert r.returncode == 2 and "Traceback" not in r.stderr and "--seed" in r.stderr


@pytest.mark.parametrize(
    ("call", "option"),
    [
        (lambda sc: zopa.analyze(sc, top=-1), "--top"),
        (lambda sc: zopa.analyze(sc, top=10**6), "--top"),
        (lambda sc: zopa.analyze(sc, threads=0), "--threads"),
        (lambda sc: zopa.analyze(sc, threads=MAX_WORKERS + 1), "--threads"),
        (lambda sc: zopa.analyze(sc, max_packages=0), "--max-packages"),
        (lambda sc: zopa.analyze(sc, max_packages=1.5), "--max-packages"),
        (lambda sc: zopa.score(sc, max_packages=-3), "--max-packages"),
        (lambda sc: zopa.leverage(sc, "US", max_packages=0), "--max-packages"),
        (lambda sc: zopa.montecarlo(sc, 10, workers=0), "--workers"),
        (lambda sc: zopa.montecarlo(sc, 10, workers=MAX_WORKERS + 1), "--workers"),
        (lambda sc: zopa.montecarlo(sc, 0), "--draws"),
        (lambda sc: zopa.montecarlo(sc, 2.5), "--draws"),
        (lambda sc: zopa.montecarlo(sc, True), "--draws"),
        (lambda sc: zopa.sweep(sc, [TRUST], 10, workers=0), "--workers"),
        (lambda sc: zopa.sweep(sc, [TRUST], 0), "--draws"),
        (lambda sc: zopa.forecast(sc, draws=-1), "--draws"),
        (lambda sc: zopa.backtest("deu", "no-such-file.csv", n_boot=10), "--boot"),
        (lambda sc: zopa.backtest("deu", "no-such-file.csv", n_boot=10**7), "--boot"),
    ],
)  # fmt: skip
def test_every_number_of_the_api_is_bounded(nodeal: Any, call: Any, option: str) -> None:
    with pytest.raises(InputError, match=rf"^{option}: "):
        call(nodeal)


def test_the_bounds_at_their_edges_run(nodeal: Any) -> None:
    assert zopa.analyze(nodeal, top=0, threads=MAX_WORKERS).to_json()
    assert zopa.montecarlo(nodeal, 1, 0, workers=1).draws == 1
    assert zopa.forecast(nodeal, "compromise", draws=0).to_json()


# --- draws ---------------------------------------------------------------------------------


def test_a_billion_draws_are_refused_with_the_memory_they_need(ref: Any) -> None:
    with pytest.raises(InputError) as e:
        zopa.montecarlo(ref, draws=10**9)
    msg = str(e.value)
    assert msg.startswith("--draws: 1,000,000,000 draws need about ")
    assert "GiB of memory (1,568 bytes a draw here)" in msg
    most = min(MAX_DRAWS, zopa.api.MEMORY_BUDGET // 1568)  # the tighter of the two bounds
    assert f"at most {most:,}" in msg


def test_draws_past_the_memory_budget_are_refused(
    monkeypatch: pytest.MonkeyPatch, ref: Any
) -> None:
    monkeypatch.setattr(zopa.api, "MEMORY_BUDGET", 1568 * 1000)
    with pytest.raises(InputError, match=r"at most 1,000 \(within the 1.5 MiB memory budget\)"):
        zopa.montecarlo(ref, draws=1001)


def test_cli_too_many_draws_is_one_line_exit_2() -> None:
    r = zopa_cli("montecarlo", "--draws", "1000000000")
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("--draws: 1,000,000,000 draws need about ")
    assert len(r.stderr.splitlines()) == 1


def test_forecast_draws_and_jitter_are_bounded(ref: Any) -> None:
    with pytest.raises(InputError, match=r"^--draws: 1,000,000 draws need about .*at most 100,000"):
        zopa.forecast(ref, "compromise", draws=10**6)
    for sd in (math.inf, -math.inf, math.nan, 1e300, -1.0, 101.0):
        with pytest.raises(InputError, match=r"^--position-sd: "):
            zopa.forecast(ref, "compromise", position_sd=sd)
    for sd in (math.inf, math.nan, 1e300, -0.1, 3.5):
        with pytest.raises(InputError, match=r"^--salience-sd: "):
            zopa.forecast(ref, "compromise", salience_sd=sd)


def test_forecast_spread_in_stacks_gives_the_positions_of_one_stack(
    monkeypatch: pytest.MonkeyPatch, ref: Any
) -> None:
    """Draws stacked a few at a time (bounded memory) give the positions of one stack."""
    from zopa.forecasting.registry import from_scenario, make_model
    from zopa.studies import forecast_spread as spread

    inputs = from_scenario(ref)
    whole = forecast_spread(make_model("eum", lean=True), inputs, draws=30, seed=3)
    monkeypatch.setattr(spread, "STACK_ELEMENTS", 7 * 10 * 10 * 11)  # 7 draws a stack
    assert spread.stack_size(10, 11) == 7
    stacked = forecast_spread(make_model("eum", lean=True), inputs, draws=30, seed=3)
    np.testing.assert_array_equal(stacked.positions, whole.positions)
    assert stacked.option_share == whole.option_share


# --- sweep grids --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("commission=0.02:0.1:10000000000", r"commission: n must be between 1 and 1,000"),
        ("commission=0.02:0.1:0", r"commission: n must be between 1 and 1,000"),
        ("commission=nan:0.1:3", r"commission: nan is not a finite number"),
        ("commission=0.02:inf:3", r"commission: inf is not a finite number"),
        ("no_deal[0].probability=0:0.5:3", r"0 is outside the number.s range \[0.2, 0.55\]"),
        ("no_deal[1].probability=0.15:0.5:3", r"0.5 is outside the number's range"),
        ("conflict.prevails=0:2:2", r"conflict.prevails: 2 is out of range: must be at most 1"),
        ("actors[0].capability=0:1:2", r"capability: 0 is out of range: must be greater than 0"),
        ("preferences.USA.weights.enrichment=-1:1:2", r"-1 is out of range: must be at least 0"),
        ("preferences.IRN.utilities.oil_channel.values.none.iran_sells=0:2:3", r"2 is out of .* 1"),
        ("issues[0].options[0].at=0:150:2", r"150 is out of range: must be at most 100"),
        ("nope=0:1:2", r"nope: no number at this path"),
    ],
)  # fmt: skip
def test_grid_values_are_bounded_by_the_range_and_the_field(
    ref: Any, spec: str, message: str
) -> None:
    with pytest.raises(InputError, match=rf"^--grid: .*{message}"):
        parse_grid([spec], ref)


def test_grid_values_of_a_probability_without_range(nodeal: Any) -> None:
    with pytest.raises(InputError, match=r"^--grid: no_deal\[0\].probability: 2 is out of range"):
        parse_grid(["no_deal[0].probability=0:2:3"], nodeal)
    with pytest.raises(InputError, match=r"^--grid: spoilers\[0\].scale: 0 is out of range"):
        parse_grid(["spoilers[0].scale=0:1:3"], nodeal)
    # a distribution's support is no bound: a sweep may ask what if the trust were 0.2
    (axis,) = parse_grid(["credibility.trust.IR.US=0:1:3"], nodeal)
    assert axis.values == (0.0, 0.5, 1.0)


def test_grid_cells_and_draws_in_all_are_bounded(ref: Any, nodeal: Any) -> None:
    three = ["commission=0.02:0.1:1000", "strike_share=0.3:0.7:1000",
             "preferences.USA.weights.enrichment=0:1:1000"]  # fmt: skip
    with pytest.raises(InputError, match=r"^--grid: 1000 x 1000 x 1000 = 1,000,000,000 cells"):
        zopa.sweep(ref, three, draws=10, workers=1)
    with pytest.raises(InputError, match=r"^--grid: .* is given twice"):
        parse_grid(["commission=0.02:0.1:2", "parameters.commission=0.02:0.1:3"], ref)
    with pytest.raises(InputError, match=r"^--grid: 1,000 cells x 100,000 draws \(--draws\)"):
        zopa.sweep(nodeal, ["credibility.trust.IR.US=0:1:1000"], draws=100_000, workers=1)
    with pytest.raises(InputError, match=r"^--grid: give at least one"):
        zopa.sweep(nodeal, [], draws=10, workers=1)


# --- schedulers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address", ["bogus", "tcp://host", "tcp://host:0", "tcp://host:70000", "http://host:1", ""]
)
def test_a_scheduler_address_is_checked_up_front(nodeal: Any, address: str) -> None:
    t0 = time.monotonic()
    with pytest.raises(InputError, match=r"^--scheduler: .* is not a scheduler address"):
        zopa.sweep(nodeal, [TRUST], 10, scheduler=address)
    assert time.monotonic() - t0 < 2


@pytest.mark.parametrize(
    "address", ["tcp://127.0.0.1:8786", "127.0.0.1:8786", "tls://[::1]:1", "inproc://10.0.0.1/4/1"]
)
def test_scheduler_addresses_of_dask(address: str) -> None:
    assert check_address(address) == address


def test_an_unreachable_scheduler_is_reported_within_seconds(
    monkeypatch: pytest.MonkeyPatch, nodeal: Any
) -> None:
    monkeypatch.setattr(sweep_module, "CONNECT_TIMEOUT", 1.0)
    t0 = time.monotonic()
    with pytest.raises(InputError, match=r"^--scheduler: no Dask scheduler answers at tcp://"):
        zopa.sweep(nodeal, [TRUST], 10,
                   scheduler="tcp://127.0.0.1:1")  # fmt: skip
    assert time.monotonic() - t0 < 10


def test_a_scheduler_without_workers_is_reported(
    monkeypatch: pytest.MonkeyPatch, nodeal: Any
) -> None:
    from distributed import LocalCluster

    monkeypatch.setattr(sweep_module, "CONNECT_TIMEOUT", 1.0)
    with (
        LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster,
        pytest.raises(InputError, match=r"^--scheduler: .* has no worker"),
    ):
        zopa.sweep(nodeal, [TRUST], 10, scheduler=cluster.scheduler_address)


# --- huge outcome spaces ------------------------------------------------------------------


def _many_issues(k: int) -> str:
    """Two parties and ``k`` issues of two options: 2**k packages."""
    issues = "\n".join(
        f"  - {{id: i{j}, name: I{j}, options: [{{id: a, at: 0}}, {{id: b, at: 100}}]}}"
        for j in range(k)
    )
    weights = ", ".join(f"i{j}: 1" for j in range(k))
    ideal = ", ".join(f"i{j}: {100 * (j % 2)}" for j in range(k))
    prefs = f"{{weights: {{{weights}}}, ideal: {{{ideal}}}}}"
    return (
        "zopa: 1\nid: many\ntitle: Many issues\nactors:\n"
        "  - {id: A, name: A, role: party}\n  - {id: B, name: B, role: party}\n"
        f"issues:\n{issues}\npreferences:\n  A: {prefs}\n  B: {prefs}\n"
    )


def test_1000_issues_are_refused_with_a_size_and_no_overflow() -> None:
    """1,100 issues overflowed the size estimate; a scenario now holds at most 1,000, and
    1,000 are refused by the package limit with a size and a time, not an overflow."""
    with pytest.raises(InputError, match=r"^many.yaml:7: issues: 1,100 items: at most 1,000"):
        zopa.loads(_many_issues(1100), "many.yaml")
    sc = zopa.loads(_many_issues(1000), "many.yaml")
    with pytest.raises(InputError) as e:
        zopa.analyze(sc)
    msg = str(e.value)
    assert msg.startswith("many.yaml: issues: the outcome space has about 1.1 x 10^301 packages")
    assert "estimated time more than a million years" in msg


def test_more_packages_than_python_prints_are_formatted() -> None:
    huge = 3**9100  # 4,342 digits: past Python's int-to-text limit
    stub = SimpleNamespace(n_packages=lambda: huge, source_text=None, id="stub",
                           deciders=[0, 1], credibility=None, spoilers=[])  # fmt: skip
    with pytest.raises(InputError, match=r"^stub: issues: .* about 6\.4 x 10\^4341 packages"):
        check_size(stub)  # type: ignore[arg-type]
    assert format_count(huge) == "about 6.4 x 10^4341"
    assert format_count(10**5000) == "about 1.0 x 10^5000"
    assert format_count(10**21 - 1) == "999,999,999,999,999,999,999"
    assert format_count(10**21) == "about 1.0 x 10^21"
    assert format_count(996 * 10**23) == "about 1.0 x 10^26"  # 9.96 rounds up to 10
    assert format_count(314_928) == "314,928"
    assert format_count(0) == "0"


def test_estimate_seconds_never_overflows_and_prices_the_deal_model() -> None:
    assert estimate_seconds(2**1100, 2) == math.inf
    assert estimate_seconds(10**5000, 3, linear=False) == math.inf
    assert estimate_seconds(0, 2) == SECONDS_START
    # within 2x of every figure measured by bench/bench_refusal.py (the constants' docstrings)
    for est, took in [
        (estimate_seconds(60_466_176, 3), (2.0, 2.3, 1.9, 3.1)),
        (estimate_seconds(43_046_721, 3, linear=False), (4.2, 4.8, 5.4)),
        (estimate_seconds(4_782_969, 3, linear=False), (1.3,)),
    ]:
        assert all(0.5 <= est / t <= 2 for t in took), (est, took)
    assert estimate_seconds(43_046_721, 3) < estimate_seconds(43_046_721, 3, linear=False)


def test_check_size_says_the_estimated_time() -> None:
    sc = zopa.loads(_many_issues(28), "many.yaml")  # 268 million packages, linear
    with pytest.raises(
        InputError, match=r"268,435,456 packages, .* \(estimated time about 5.3 s\)"
    ):
        check_size(sc)
