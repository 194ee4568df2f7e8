"""The public Python API: plain functions over scenarios, returning result objects.

Each function is what one ``zopa`` command runs: the command prints the result's
``to_json()`` with ``--json``, or tables made from it. Modelled on NetworkX: one data
structure (a :class:`~zopa.scenario.schema.Scenario`, compiled once into a
:class:`~zopa.space.space.Space`) and algorithms as plain functions over it. Every result
has ``to_json()`` and ``to_frames()`` (see :mod:`zopa.results`).

Heavy modules are imported inside the functions, so ``import zopa`` stays fast.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zopa.errors import InputError, Problem, SpaceTooLarge

if TYPE_CHECKING:
    from zopa.analysis.nodeal import PackageScore
    from zopa.analysis.report import Report
    from zopa.forecasting.backtest import BacktestResult
    from zopa.io.readers import Imported
    from zopa.scenario.schema import Scenario
    from zopa.scenario.sources import SourcesReport
    from zopa.simulation.run import SimulationRun
    from zopa.studies.forecasts import ForecastReport
    from zopa.studies.leverage import Leverage
    from zopa.studies.levers import LeverList
    from zopa.studies.montecarlo import MonteCarlo
    from zopa.studies.rounds import SimulationRuns
    from zopa.studies.sweep import Sweep

MAX_PACKAGES = 100_000_000  # larger spaces are refused unless asked for

# Bounds on every number a caller passes to a run (the CLI's options reach them unchanged);
# each refusal is an InputError naming the option, with the bound and its reason.
MAX_SEED = 2**63 - 1  # numpy seeds are >= 0; this one fits a signed 64-bit integer
MEMORY_BUDGET = 4 * 2**30  # bytes the draws of one run may hold (estimated per scenario)
MAX_DRAWS = 10_000_000  # Monte Carlo draws of a run; of a sweep, over all its cells
DRAWS_WHY = "a cap on run time: about 20 minutes on one core for the reference scenario"
MAX_FORECAST_DRAWS = 100_000  # each draw runs every model: 25 ms on the reference scenario
FORECAST_WHY = "a cap on run time: about 40 minutes for every model on the reference scenario"
MIN_BOOT, MAX_BOOT = 100, 100_000  # bootstrap draws of a backtest
MAX_TOP = 10_000  # packages listed by analyze --top
CORES = os.cpu_count() or 1
MAX_WORKERS = 4 * CORES  # processes or threads
MAX_POSITION_SD = 100.0  # the width of the 0..100 scale: more only piles positions at 0 and 100
MAX_SALIENCE_SD = 3.0  # log-normal: one sd multiplies a salience by 20

Progress = Callable[[int], None]


def format_count(n: int) -> str:
    """A count as text: ``1,234,567``, or ``about 3.2 x 10^4301`` from 10^21 on (Python
    refuses to turn integers of more than 4,300 digits into text).

    Examples
    --------
    >>> format_count(314928)
    '314,928'
    >>> format_count(3**9000)
    'about 1.2 x 10^4294'
    """
    if abs(n) < 10**21:
        return f"{n:,}"
    e = math.log10(abs(n))
    k = math.floor(e)
    m = round(10 ** (e - k), 1)
    if m >= 10:
        m, k = 1.0, k + 1
    return f"about {'-' if n < 0 else ''}{m:.1f} x 10^{k}"


def format_bytes(n: float) -> str:
    """``n`` bytes in GiB, MiB or KiB (one decimal)."""
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n:,.0f} bytes"


def whole(option: str, value: object, lo: int, hi: int | None = None, why: str = "") -> int:
    """``value`` as an int in ``lo..hi`` (``hi`` None: no upper bound), or bad input naming
    ``option`` (``why``: the reason for the bound, appended to the message)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InputError.at(option, None, "", f"{value!r} is not a whole number")
    n = int(value)
    if n < lo or (hi is not None and n > hi):
        bound = (
            f"at least {format_count(lo)}"
            if hi is None
            else f"between {format_count(lo)} and {format_count(hi)}"
        )
        raise InputError.at(
            option, None, "", f"{format_count(n)} is out of range: must be {bound}{why}"
        )
    return n


def real(option: str, value: object, lo: float, hi: float, why: str = "") -> float:
    """``value`` as a finite float in ``lo..hi``, or bad input naming ``option``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError.at(option, None, "", f"{value!r} is not a number")
    try:
        x = float(value)
    except OverflowError:
        x = math.inf
    if not math.isfinite(x):
        raise InputError.at(option, None, "", f"{x} is not a finite number")
    if not lo <= x <= hi:
        raise InputError.at(
            option, None, "", f"{x:g} is out of range: must be between {lo:g} and {hi:g}{why}"
        )
    return x


def _seed(seed: object) -> int:
    return whole("--seed", seed, 0, MAX_SEED, " (2**63 - 1)")


def _workers(option: str, n: object) -> int:
    return whole(option, n, 1, MAX_WORKERS, f" (4 for each of the {CORES} cores here)")


def check_draws(
    option: str,
    draws: object,
    per_draw: int,
    most: int,
    why: str,
    lo: int = 1,
    processes: int = 1,
    unit: str = "draw",
) -> int:
    """``draws`` as an int in ``lo..most`` whose memory, ``per_draw`` bytes each in each of
    ``processes``, fits :data:`MEMORY_BUDGET`; else bad input naming ``option`` with the
    memory it needs, the limit and its reason (``why``: what the cap ``most`` stands for)."""
    n = whole(option, draws, lo)
    per = max(1, per_draw) * processes
    fits = max(lo, MEMORY_BUDGET // per)
    limit = min(most, fits)
    if n <= limit:
        return n
    reason = why if most <= fits else f"within the {format_bytes(MEMORY_BUDGET)} memory budget"
    each = f", in each of {processes} processes" if processes > 1 else ""
    raise InputError.at(
        option, None, "", f"{format_count(n)} {unit}s need about {format_bytes(n * per)} of "
        f"memory ({per_draw:,} bytes a {unit} here{each}); at most {limit:,} ({reason})"
    )  # fmt: skip


def load(path: str | Path) -> Scenario:
    """Read, validate and cross-check a scenario file.

    Parameters
    ----------
    path
        A scenario file (YAML).

    Returns
    -------
    Scenario
        The validated scenario. Bad input raises :class:`zopa.errors.InputError`, one
        problem per line naming the file, the line and the field.

    Examples
    --------
    >>> sc = zopa.load("tests/data/toy.yaml")  # doctest: +SKIP
    >>> sc.id
    'toy'
    """
    from zopa.scenario.load import load_scenario

    return load_scenario(path)


def loads(text: str, name: str = "<string>") -> Scenario:
    """A scenario from YAML text (``name`` is used in error messages).

    Examples
    --------
    >>> sc = zopa.loads(open("tests/data/toy.yaml").read(), "toy.yaml")  # doctest: +SKIP
    """
    from zopa.scenario.load import load_text

    return load_text(text, name)


def reference() -> Scenario:
    """The bundled reference scenario: the 2026 US-Iran nuclear talks.

    Examples
    --------
    >>> zopa.reference().id
    'us-iran-2026'
    """
    from zopa.scenario.load import load_scenario

    return load_scenario()


def sources(path: str | Path | None = None, verify: str | Path | None = None) -> SourcesReport:
    """Every number of a scenario file with its quote or assumption; with ``verify`` (a
    folder with the cited source texts), every quote checked verbatim.

    Parameters
    ----------
    path
        A scenario file; default: the reference scenario.
    verify
        The folder holding the source files the scenario's ``sources:`` cite.

    Returns
    -------
    SourcesReport
        ``to_json()`` is ``zopa sources --json``; ``to_frames()`` has ``numbers``,
        ``quotes`` and the evidence profile's ``profile`` (quoted numbers by what the quote
        supports x source kind), ``quote_and_assumption``, ``reused_quotes`` and ``bare``;
        ``profile`` is the :class:`~zopa.scenario.sources.EvidenceProfile`; ``verbatim``
        says whether every quote checked stands in its source.

    Examples
    --------
    >>> r = zopa.sources(verify="tests/data/sources")  # doctest: +SKIP
    >>> r.counts()  # doctest: +SKIP
    >>> r.profile.quoted["unrated"]["analysis"]  # doctest: +SKIP
    """
    from zopa.scenario.load import reference_shown
    from zopa.scenario.sources import sources_report

    return sources_report(reference_shown() if path is None else path, verify)


def check_size(sc: Scenario, max_packages: int = MAX_PACKAGES) -> None:
    """Refuse (bad input) a scenario whose outcome space has more than ``max_packages``
    packages, with the size and an estimate of the time it would take."""
    from zopa.analysis.analyze import estimate_seconds

    limit = whole("--max-packages", max_packages, 1)
    n = sc.n_packages()
    if n > limit:
        name = sc.source_text[1] if sc.source_text else sc.id
        linear = sc.credibility is None and not sc.spoilers  # no deal model (zopa.space)
        secs = estimate_seconds(n, len(sc.deciders), linear=linear)
        raise SpaceTooLarge(
            Problem(
                name,
                None,
                "issues",
                f"the outcome space has {format_count(n)} packages, more than "
                f"--max-packages {format_count(limit)} (estimated time {_duration(secs)}); "
                "raise --max-packages to run it anyway, or merge options",
            )
        )


def _duration(secs: float) -> str:
    """``about`` ``secs`` in years, days, hours, minutes or seconds; "more than a million
    years" past that (and for an infinite estimate)."""
    if not secs < 3.15e13:
        return "more than a million years"
    for unit, size in (("years", 3.15e7), ("days", 86400), ("hours", 3600), ("minutes", 60)):
        if secs >= size:
            return f"about {secs / size:,.1f} {unit}"
    return f"about {secs:.1f} s"


def analyze(
    sc: Scenario,
    *,
    top: int = 10,
    threads: int = 2,
    over_time: bool = False,
    max_packages: int = MAX_PACKAGES,
    set: Mapping[str, float] | None = None,
    frontier_budget: float | None = 3.0,
) -> Report:
    """The agreement zone, who binds, the Pareto frontier, the bargaining solutions, and
    the no-deal model (derived reservations, the assumed deal taken apart, conflict).

    Parameters
    ----------
    sc
        A scenario (:func:`load`, :func:`loads`, :func:`reference`).
    top
        How many of the zone's best packages to list (0..:data:`MAX_TOP`).
    threads
        Worker threads (1..:data:`MAX_WORKERS`; results never depend on it).
    over_time
        Also re-analyse each period of ``dynamics:``.
    max_packages
        Refuse larger outcome spaces (at least 1).
    set
        Levers or numbers set before the analysis: name -> value (:func:`levers` lists
        them; :mod:`zopa.studies.levers` says what each value means).
    frontier_budget
        Seconds the Pareto frontier may take when it is streamed (more than three
        deciders, or a deal model); past it ``pareto.size`` is None (not computed) with
        the estimated seconds. None: compute it whatever it costs.

    Returns
    -------
    Report
        ``to_json()`` is what ``zopa analyze --json`` prints; ``to_frames()`` has
        ``solutions``, ``frontier``, ``binds``, ``top``, ``closest``, ``no_deal`` and
        ``likely_deal``. A bargaining solution is a benchmark, not a prediction.

    Examples
    --------
    >>> a = zopa.analyze(zopa.reference())
    >>> a.to_frames()["frontier"].shape[0] == a.analysis.pareto_size
    True
    """
    from zopa.analysis.report import analyze_scenario
    from zopa.space.space import compile_space

    top = whole("--top", top, 0, MAX_TOP, " (packages listed)")
    threads = _workers("--threads", threads)
    check_size(sc, max_packages)
    if set:
        from zopa.studies.levers import settled_space

        space = settled_space(sc, set)
    else:
        space = compile_space(sc)
    budget = None if frontier_budget is None else real("--frontier-budget", frontier_budget, 0, 1e9)
    return analyze_scenario(sc, space, top=top, threads=threads, over_time=over_time,
                            frontier_budget=budget)  # fmt: skip


def levers(sc: Scenario) -> LeverList:
    """Every lever ``leverage`` swings and every number ``sweep --grid`` and
    ``analyze(set=...)`` can set, in a reader's words, grouped by section.

    Parameters
    ----------
    sc
        A scenario.

    Returns
    -------
    LeverList
        ``to_json()`` is ``zopa levers --json``; ``to_frames()["levers"]``.

    Examples
    --------
    >>> names = [m.name for m in zopa.levers(zopa.reference()).levers]
    >>> "credibility.trust.IRN.USA" in names
    True
    """
    from zopa.studies.levers import lever_list

    return lever_list(sc)


def score(
    sc: Scenario,
    changes: Mapping[str, str] | None = None,
    *,
    reference: str | None = None,
    max_packages: int = MAX_PACKAGES,
) -> PackageScore:
    """One package taken apart: the Nash deal (or a reference package) with the options in
    ``changes`` put in.

    Parameters
    ----------
    sc
        A scenario.
    changes
        ``{issue: option}``; the other issues keep the Nash deal's options (every issue's
        first option when the zone is empty), or those of ``reference``.
    reference
        The id of one of the scenario's ``reference_packages`` to start from instead of
        the Nash deal.

    Returns
    -------
    PackageScore
        Each decider's utility, trust, kept value, deal value, reservation, shortfall and
        whether it accepts; the spoilers' strike probabilities (``zopa package --json``).

    Examples
    --------
    >>> s = zopa.score(zopa.reference(), {"stockpile": "custody_return"})
    >>> s.package["stockpile"]
    'custody_return'
    """
    from zopa.analysis.nodeal import package_from, score_package
    from zopa.space.space import compile_space

    check_size(sc, max_packages)
    space = compile_space(sc)
    return score_package(sc, space, package_from(space, dict(changes or {}), reference))


def montecarlo(
    sc: Scenario,
    draws: int = 1000,
    seed: int = 0,
    *,
    workers: int = 1,
    progress: Progress | None = None,
    max_packages: int = MAX_PACKAGES,
) -> MonteCarlo:
    """Every uncertain number drawn; in each draw the zone, the assumed deal, P(deal), P(war).

    Parameters
    ----------
    sc
        A scenario.
    draws, seed
        How many draws, from which seed: the same seed gives the same bytes for any
        number of ``workers``. At most :data:`MAX_DRAWS` draws and as many as
        :data:`MEMORY_BUDGET` holds (:func:`zopa.studies.montecarlo.bytes_per_draw`);
        seeds 0..:data:`MAX_SEED`.
    workers
        Processes (1..:data:`MAX_WORKERS`; each re-reads the scenario's text). They ignore
        Ctrl-C; on any exception, Ctrl-C included, queued blocks are cancelled and the
        processes ended at once.
    progress
        Called with the number of draws done since the last call.

    Returns
    -------
    MonteCarlo
        ``to_json()`` is what ``zopa montecarlo --json`` prints; ``to_frames()`` has
        ``likely_deal``, ``values`` and ``draws``.

    Examples
    --------
    >>> m = zopa.montecarlo(zopa.reference(), draws=200, seed=0)
    >>> 0 <= m.to_json()["p_deal"] <= 1
    True
    """
    from zopa.studies.montecarlo import bytes_per_draw
    from zopa.studies.montecarlo import montecarlo as run

    seed = _seed(seed)
    workers = _workers("--workers", workers)
    draws = check_draws("--draws", draws, bytes_per_draw(sc), MAX_DRAWS, DRAWS_WHY)
    check_size(sc, max_packages)
    text, name = sc.source_text or (None, sc.id)
    return run(sc, draws, seed, workers, text, name, progress)


MAX_RUNS = 10_000_000  # simulated runs: about 30 minutes on one core for the reference scenario
RUNS_WHY = "a cap on run time: about 30 minutes on one core for the reference scenario"


def _strategies(sc: Scenario, given: Mapping[str, str] | Sequence[str] | None) -> dict[str, str]:
    """``--strategy ID=KIND`` settings (or a mapping) checked against the deciders and the
    strategy kinds; ``aspiration:E`` gives the exponent."""
    from zopa.scenario.schema import STRATEGIES

    if given is None:
        return {}
    items = list(given.items()) if isinstance(given, Mapping) else []
    if not isinstance(given, Mapping):
        for text in given:
            who, eq, kind = str(text).partition("=")
            if not eq or not who or not kind:
                raise InputError.at("--strategy", None, "", f"{text!r}: write ID=KIND, e.g. "
                                    "USA=boulware")  # fmt: skip
            items.append((who.strip(), kind.strip()))
    deciders = [a.id for a in sc.deciders]
    out = {}
    for who, kind in items:
        if who not in deciders:
            raise InputError.at("--strategy", None, "", f"'{who}' is not a decider (deciders: "
                                f"{', '.join(deciders)})")  # fmt: skip
        name, _, exp = kind.partition(":")
        if name not in STRATEGIES:
            known = ", ".join(STRATEGIES)
            msg = f"unknown strategy '{kind}' (known: {known}; aspiration:E, exponent E)"
            raise InputError.at("--strategy", None, "", msg)
        if (name == "aspiration") != bool(exp):
            msg = f"'{kind}': aspiration, and only it, takes an exponent (aspiration:2)"
            raise InputError.at("--strategy", None, "", msg)
        if exp:
            try:
                e = float(exp)
            except ValueError:
                e = math.nan
            real("--strategy", e, 1e-3, 1e3, " (the exponent of 1 - t ** e)")
        out[who] = kind
    return out


def simulate(
    sc: Scenario,
    *,
    rounds: int | None = None,
    strategies: Mapping[str, str] | Sequence[str] | None = None,
    protocol: str | None = None,
    runs: int | None = None,
    seed: int = 0,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> SimulationRun | SimulationRuns:
    """Simulated rounds of talks: one run with its trace, or (``runs``) many.

    Parameters
    ----------
    sc
        A scenario; its ``simulation:`` block sets the protocol, deadline, strategies,
        mediator, shocks and implementation (defaults without one: alternating offers,
        50 rounds, every decider Boulware).
    rounds, strategies, protocol
        Overrides: the deadline (1..:data:`~zopa.scenario.schema.MAX_ROUNDS`), decider ->
        strategy kind (or ``["ID=KIND", ...]``; ``aspiration:E`` with exponent E), and
        ``alternating`` or ``mediated``.
    runs
        None: one run and its trace. Otherwise how many runs (1..:data:`MAX_RUNS`).
    seed
        The seed of every random shock, lottery and renege: the same seed gives the same
        bytes for any number of ``workers``.
    workers, scheduler
        Local processes, or a Dask scheduler's address, for many runs.
    progress
        Called with the number of runs done since the last call.

    Returns
    -------
    SimulationRun or SimulationRuns
        ``to_json()`` is what ``zopa simulate --json`` prints; ``to_frames()`` has
        ``trace`` (one run) or ``runs`` (many).

    Examples
    --------
    >>> r = zopa.simulate(zopa.load("tests/data/toy.yaml"), rounds=10)  # doctest: +SKIP
    >>> r.to_json()["step"]  # doctest: +SKIP
    10
    """
    from zopa.scenario.schema import MAX_ROUNDS
    from zopa.simulation.regimes import MAX_PACKAGES as SIM_PACKAGES
    from zopa.simulation.run import simulate_once
    from zopa.simulation.setup import setup
    from zopa.studies.rounds import simulate_runs

    seed = _seed(seed)
    workers = _workers("--workers", workers)
    if rounds is not None:
        rounds = whole("--rounds", rounds, 1, MAX_ROUNDS, " (the longest deadline)")
    chosen = _strategies(sc, strategies)
    if protocol is not None and protocol not in ("alternating", "mediated"):
        raise InputError.at("--protocol", None, "", f"unknown protocol {protocol!r} (known: "
                            "alternating, mediated)")  # fmt: skip
    sim = sc.simulation
    if (protocol or (sim.protocol if sim else "alternating")) == "mediated" and (
        sim is None or sim.mediator is None
    ):
        raise InputError.at("--protocol", None, "", "protocol mediated needs a mediator: the "
                            "scenario's simulation: block has none")  # fmt: skip
    if sc.n_packages() > SIM_PACKAGES:
        name = sc.source_text[1] if sc.source_text else sc.id
        msg = (
            f"the outcome space has {format_count(sc.n_packages())} packages; a simulation "
            "keeps every decider's value of every package, so it takes at most "
            f"{format_count(SIM_PACKAGES)}: merge options"
        )
        raise SpaceTooLarge(Problem(name, None, "issues", msg))
    if scheduler is not None:
        from zopa.studies.sweep import check_address

        scheduler = check_address(scheduler)
    options: dict[str, Any] = {"rounds": rounds, "strategies": chosen or None, "protocol": protocol}
    s = setup(sc, **options)
    if runs is None:
        return simulate_once(s, seed)
    per_run = 8 * (8 + 8 * len(sc.deciders)) + len(s.shocks)
    n = check_draws("--runs", runs, per_run, MAX_RUNS, RUNS_WHY, unit="run")
    text, name = sc.source_text or (None, sc.id)
    return simulate_runs(s, n, seed, workers, scheduler, text, name, options, progress)


def decider_or_first(sc: Scenario, actor: str | None, option: str = "--for") -> str:
    """``actor``, or the first decider when None; bad input (listing the valid ids) for an
    actor without preferences."""
    valid = [a.id for a in sc.actors if a.id in sc.preferences]
    if actor is None:
        return next((a.id for a in sc.deciders if a.id in sc.preferences), valid[0])
    if actor not in sc.preferences:
        raise InputError.at(
            option,
            None,
            "",
            f"'{actor}' is not an actor with preferences; one of {', '.join(valid)}",
        )
    return actor


def leverage(
    sc: Scenario,
    actor: str | None = None,
    metric: str = "value",
    *,
    workers: int = 1,
    progress: Progress | None = None,
    max_packages: int = MAX_PACKAGES,
) -> Leverage:
    """Swing every lever in turn; rank the effects; say what the headline figures rest on.

    The levers are every ranged number, every judgement (each middle group of a utility
    order, each group of a weight order, each uncertain red line on and off) and every
    option (removed); each names its evidence and its source's kind
    (:mod:`zopa.studies.leverage`).

    Parameters
    ----------
    sc
        A scenario.
    actor
        Whose leverage: an actor with preferences (default: the first decider).
    metric
        ``value`` (the actor's value of the assumed deal), ``zone`` (its size), ``p_deal``
        or ``p_war``.
    workers
        Processes (1..:data:`MAX_WORKERS`) that share the lever ends compiled one by one
        (an option removed, a number or judgement in the utility tables), started only
        when those ends would take more than a fraction of a second; the same figures for
        any number. On any exception, Ctrl-C included, they are ended at once.

    Returns
    -------
    Leverage
        A tornado: ``to_json()`` is ``zopa leverage --json``; ``to_frames()["swings"]``
        and ``to_frames()["rests_on"]`` (the levers that move whether a zone exists, the
        Nash terms, P(deal) and P(war) most).

    Examples
    --------
    >>> lev = zopa.leverage(zopa.loads(open("tests/data/toy_nodeal.yaml").read()), "US")
    >>> lev.to_frames()["swings"].iloc[0]["lever"]  # doctest: +SKIP
    'stockpile=downgrade removed'
    """
    from zopa.studies.leverage import METRICS
    from zopa.studies.leverage import leverage as run

    workers = _workers("--workers", workers)
    check_size(sc, max_packages)
    if metric not in METRICS:
        raise InputError.at("--metric", None, "", f"must be one of {', '.join(METRICS)}")
    return run(sc, decider_or_first(sc, actor), metric, workers, progress)


def sweep(
    sc: Scenario,
    grid: Sequence[str] | Mapping[str, tuple[float, float, int]],
    draws: int = 1000,
    seed: int = 0,
    *,
    workers: int = 2,
    scheduler: str | None = None,
    progress: Progress | None = None,
    max_packages: int = MAX_PACKAGES,
) -> Sweep:
    """Monte Carlo on every cell of a grid of lever settings (common random numbers).

    Parameters
    ----------
    sc
        A scenario read from text (:func:`load`, :func:`loads`, :func:`reference`).
    grid
        ``["LEVER=lo:hi:n", ...]`` or ``{LEVER: (lo, hi, n)}``; a lever is a number's
        path (``conflict.cost.IRN``) or a parameter's name. Bounds: see
        :func:`zopa.studies.sweep.parse_grid`; cells x ``draws`` at most :data:`MAX_DRAWS`.
    draws, seed, workers
        As for :func:`montecarlo` (each of ``workers`` processes holds a cell's draws).
    scheduler
        A Dask distributed scheduler's address (``tcp://HOST:PORT``), which must answer
        within a few seconds; local processes otherwise.

    Returns
    -------
    Sweep
        ``to_json()`` is ``zopa sweep --json``; ``to_frames()["cells"]``.

    Examples
    --------
    >>> sc = zopa.load("tests/data/toy_nodeal.yaml")  # doctest: +SKIP
    >>> zopa.sweep(sc, {"credibility.trust.IR.US": (0.2, 0.8, 3)}, draws=100, workers=1)
    """
    from zopa.studies.montecarlo import bytes_per_draw
    from zopa.studies.sweep import check_address, parse_grid
    from zopa.studies.sweep import sweep as run

    seed = _seed(seed)
    workers = _workers("--workers", workers)
    if scheduler is not None:
        scheduler = check_address(scheduler)
    processes = 1 if scheduler is not None else workers  # cells run at once on this machine
    draws = check_draws(
        "--draws", draws, bytes_per_draw(sc), MAX_DRAWS, DRAWS_WHY, processes=processes
    )
    check_size(sc, max_packages)
    specs = (
        [f"{k}={lo}:{hi}:{n}" for k, (lo, hi, n) in grid.items()]
        if isinstance(grid, Mapping)
        else list(grid)
    )
    if not specs:
        raise InputError.at("--grid", None, "", "give at least one LEVER=lo:hi:n")
    axes = parse_grid(specs, sc)
    _check_total(math.prod(len(a.values) for a in axes), draws)
    return run(sc, axes, draws, seed, workers, scheduler, progress)


def _check_total(n_cells: int, draws: int) -> None:
    """A sweep's draws over all its cells within :data:`MAX_DRAWS`, or bad input."""
    if n_cells * draws > MAX_DRAWS:
        raise InputError.at(
            "--grid", None, "", f"{n_cells:,} cells x {draws:,} draws (--draws) = "
            f"{n_cells * draws:,} draws in all; at most {MAX_DRAWS:,} ({DRAWS_WHY}): "
            "fewer values a lever or fewer draws"
        )  # fmt: skip


def forecast(
    sc: Scenario,
    models: str | Sequence[str] = "all",
    *,
    draws: int = 0,
    seed: int = 0,
    position_sd: float = 5.0,
    salience_sd: float = 0.2,
    workers: int = 1,
    max_packages: int = MAX_PACKAGES,
) -> ForecastReport:
    """Where the talks will land, issue by issue, by each forecasting model.

    Parameters
    ----------
    sc
        A scenario.
    models
        ``"all"``, one model's name or a list of names (see :mod:`zopa.forecasting.registry`).
    draws, seed
        Monte Carlo draws of the scenario's uncertain numbers plus the stated jitter
        (0..:data:`MAX_FORECAST_DRAWS`, within :data:`MEMORY_BUDGET`).
    position_sd, salience_sd
        The jitter of positions (0..100 scale; 0..:data:`MAX_POSITION_SD`) and of
        saliences (log-normal; 0..:data:`MAX_SALIENCE_SD`).
    workers
        Processes over which every model spreads its Monte Carlo draws (contiguous
        shares); the same results for any number.

    Returns
    -------
    ForecastReport
        ``to_json()`` is ``zopa forecast --json``; ``to_frames()`` has ``positions`` and
        ``trajectories``.

    Examples
    --------
    >>> f = zopa.forecast(zopa.reference(), "compromise")
    >>> sorted(f.to_json()["models"])
    ['compromise']
    """
    from zopa.forecasting.registry import MODELS
    from zopa.studies.forecasts import run_forecasts

    names = list(MODELS) if models == "all" else [models] if isinstance(models, str) else models
    for n in names:
        if n not in MODELS:
            known = ", ".join(MODELS)
            raise InputError.at(
                "--model", None, "", f"unknown model {n!r}; choose from {known}, all"
            )
    from zopa.studies.forecast_spread import bytes_per_draw

    seed = _seed(seed)
    per_draw = bytes_per_draw(len(sc.actors), len(sc.issues))
    draws = check_draws("--draws", draws, per_draw, MAX_FORECAST_DRAWS, FORECAST_WHY, lo=0)
    position_sd = real("--position-sd", position_sd, 0.0, MAX_POSITION_SD, " (the 0..100 scale)")
    salience_sd = real("--salience-sd", salience_sd, 0.0, MAX_SALIENCE_SD,
                       " (log-normal: 3 multiplies a salience by 20 at one sd)")  # fmt: skip
    workers = _workers("--workers", workers)
    check_size(sc, max_packages)
    return run_forecasts(sc, list(names), draws, seed, position_sd, salience_sd, workers)


def backtest(
    dataset: str = "deu", path: str | Path | None = None, *, seed: int = 0, n_boot: int = 2000
) -> BacktestResult:
    """Every forecasting model's error on real decisions: DEU III's EU legislative issues.

    Tuned on proposals whose ``prnrnmc`` is odd and reported on the even ones, and 2-fold
    cross-fitted over all of them (the primary figure), with bootstrap intervals; the
    declared candidate :data:`~zopa.forecasting.backtest.CANDIDATE`; the primary model's
    80% forecast intervals and their coverage; and the effect of imputing missing
    saliences as the issue's mean salience (against reading them as 0). See
    :mod:`zopa.forecasting.backtest`.

    Parameters
    ----------
    dataset
        ``"deu"`` (the only one).
    path
        ``deu3.csv``; default ``$ZOPA_DEU3``, else ``tests/data/deu3/deu3.csv`` under the
        current directory (a clone of zopa).
    seed, n_boot
        The bootstrap's seed (0..:data:`MAX_SEED`) and draws (:data:`MIN_BOOT`..
        :data:`MAX_BOOT`).

    Examples
    --------
    >>> r = zopa.backtest("deu", "tests/data/deu3/deu3.csv", n_boot=100)  # doctest: +SKIP
    >>> r.to_frames()["rows"]  # doctest: +SKIP
    """
    from zopa.forecasting.backtest import CANDIDATE, InputVariant, default_models, default_tuning
    from zopa.forecasting.backtest import backtest as run
    from zopa.io.deu import read_deu3

    if dataset != "deu":
        raise InputError.at("dataset", None, "", f"unknown data set {dataset!r}: only 'deu'")
    seed = _seed(seed)
    n_boot = whole("--boot", n_boot, MIN_BOOT, MAX_BOOT, " (bootstrap draws)")
    found = Path(path) if path is not None else _deu_path()
    data = read_deu3(found)  # missing saliences: the issue's mean salience
    zero = read_deu3(found, missing_salience="zero")
    variants = {"salience_zero": InputVariant(
        "missing saliences imputed as the issue's mean salience instead of 0", zero.proposals
    )}  # fmt: skip
    models = default_models(every=True)  # the baselines and every registered model
    return run(models, data.proposals, tune=default_tuning(), candidate=CANDIDATE,
               variants=variants, seed=seed, n_boot=n_boot)  # fmt: skip


def _deu_path() -> Path:
    env = os.environ.get("ZOPA_DEU3")
    here = Path(env) if env else Path("tests/data/deu3/deu3.csv")
    if not here.is_file():
        raise InputError.at(
            "deu3.csv", None, "", "not found: pass the path of deu3.csv (or set ZOPA_DEU3)"
        )
    return here


def read(format: str, path: str | Path) -> Imported:
    """Read another tool's data: ``genius``, ``deliberation``, ``ktab`` (scenarios) or
    ``decide``, ``deu``, ``bdm`` (forecasting data).

    Returns
    -------
    Imported
        ``.scenario`` (the scenario document, for scenario formats), ``.to_scenario()``
        (validated), ``.data`` (the format's own parsed data).

    Examples
    --------
    >>> zopa.read("genius", "tests/data/anac/Laptop").to_scenario().id  # doctest: +SKIP
    """
    from zopa.io.readers import read as run

    return run(format, path)
