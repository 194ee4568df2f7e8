"""The public Python API: plain functions over scenarios, returning result objects.

Each function is what one ``zopa`` command runs: the command prints the result's
``to_json()`` with ``--json``, or tables made from it. Modelled on NetworkX: one data
structure (a :class:`~zopa.scenario.schema.Scenario`, compiled once into a
:class:`~zopa.space.space.Space`) and algorithms as plain functions over it. Every result
has ``to_json()`` and ``to_frames()`` (see :mod:`zopa.results`).

Heavy modules are imported inside the functions, so ``import zopa`` stays fast.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from zopa.errors import InputError, Problem, SpaceTooLarge

if TYPE_CHECKING:
    from zopa.analysis.nodeal import PackageScore
    from zopa.analysis.report import Report
    from zopa.forecasting.backtest import BacktestResult
    from zopa.io.readers import Imported
    from zopa.scenario.schema import Scenario
    from zopa.scenario.sources import SourcesReport
    from zopa.studies.forecasts import ForecastReport
    from zopa.studies.leverage import Leverage
    from zopa.studies.montecarlo import MonteCarlo
    from zopa.studies.sweep import Sweep

MAX_PACKAGES = 100_000_000  # larger spaces are refused unless asked for

Progress = Callable[[int], None]


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
        ``to_json()`` is ``zopa sources --json``; ``to_frames()`` has ``numbers`` and
        ``quotes``; ``verbatim`` says whether every quote checked stands in its source.

    Examples
    --------
    >>> r = zopa.sources(verify="tests/data/sources")  # doctest: +SKIP
    >>> r.counts()  # doctest: +SKIP
    """
    from zopa.scenario.load import reference_path
    from zopa.scenario.sources import sources_report

    return sources_report(reference_path() if path is None else path, verify)


def check_size(sc: Scenario, max_packages: int = MAX_PACKAGES) -> None:
    """Refuse (bad input) a scenario whose outcome space has more than ``max_packages``
    packages, with the size and an estimate of the time it would take."""
    from zopa.analysis.analyze import estimate_seconds

    n = sc.n_packages()
    if n > max_packages:
        name = sc.source_text[1] if sc.source_text else sc.id
        secs = estimate_seconds(n, len(sc.deciders))
        raise SpaceTooLarge(
            Problem(
                name,
                None,
                "issues",
                f"the outcome space has {n:,} packages, more than --max-packages "
                f"{max_packages:,} (estimated time about {_duration(secs)}); "
                "raise --max-packages to run it anyway, or merge options",
            )
        )


def _duration(secs: float) -> str:
    for unit, size in (("years", 3.15e7), ("days", 86400), ("hours", 3600), ("minutes", 60)):
        if secs >= size:
            return f"{secs / size:,.1f} {unit}"
    return f"{secs:.1f} s"


def analyze(
    sc: Scenario,
    *,
    top: int = 10,
    threads: int = 2,
    over_time: bool = False,
    max_packages: int = MAX_PACKAGES,
) -> Report:
    """The agreement zone, who binds, the Pareto frontier, the bargaining solutions, and
    the no-deal model (derived reservations, the likely deal taken apart, conflict).

    Parameters
    ----------
    sc
        A scenario (:func:`load`, :func:`loads`, :func:`reference`).
    top
        How many of the zone's best packages to list.
    threads
        Worker threads (results never depend on it).
    over_time
        Also re-analyse each period of ``dynamics:``.
    max_packages
        Refuse larger outcome spaces.

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

    check_size(sc, max_packages)
    return analyze_scenario(sc, compile_space(sc), top=top, threads=threads, over_time=over_time)


def score(
    sc: Scenario, changes: Mapping[str, str] | None = None, *, max_packages: int = MAX_PACKAGES
) -> PackageScore:
    """One package taken apart: the Nash deal with the options in ``changes`` put in.

    Parameters
    ----------
    sc
        A scenario.
    changes
        ``{issue: option}``; the other issues keep the Nash deal's options (every issue's
        first option when the zone is empty).

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
    return score_package(sc, space, package_from(space, dict(changes or {})))


def montecarlo(
    sc: Scenario,
    draws: int = 1000,
    seed: int = 0,
    *,
    workers: int = 1,
    progress: Progress | None = None,
    max_packages: int = MAX_PACKAGES,
) -> MonteCarlo:
    """Every uncertain number drawn; in each draw the zone, the likely deal, P(deal), P(war).

    Parameters
    ----------
    sc
        A scenario.
    draws, seed
        How many draws, from which seed: the same seed gives the same bytes for any
        number of ``workers``.
    workers
        Processes (each re-reads the scenario's text).
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
    from zopa.studies.montecarlo import montecarlo as run

    check_size(sc, max_packages)
    text, name = sc.source_text or (None, sc.id)
    return run(sc, draws, seed, workers, text, name, progress)


def leverage(
    sc: Scenario,
    actor: str = "IRN",
    metric: str = "value",
    *,
    progress: Progress | None = None,
    max_packages: int = MAX_PACKAGES,
) -> Leverage:
    """Swing every ranged number and remove every option in turn; rank the effects.

    Parameters
    ----------
    sc
        A scenario.
    actor
        Whose leverage: an actor with preferences.
    metric
        ``value`` (the actor's value of the likely deal), ``zone`` (its size) or
        ``p_deal``.

    Returns
    -------
    Leverage
        A tornado: ``to_json()`` is ``zopa leverage --json``; ``to_frames()["swings"]``.

    Examples
    --------
    >>> lev = zopa.leverage(zopa.loads(open("tests/data/toy_nodeal.yaml").read()), "US")
    >>> lev.to_frames()["swings"].iloc[0]["lever"]  # doctest: +SKIP
    'stockpile=downgrade removed'
    """
    from zopa.studies.leverage import METRICS
    from zopa.studies.leverage import leverage as run

    check_size(sc, max_packages)
    if metric not in METRICS:
        raise InputError.at("--metric", None, "", f"must be one of {', '.join(METRICS)}")
    if actor not in sc.preferences:
        raise InputError.at("--for", None, "", f"'{actor}' is not an actor with preferences")
    return run(sc, actor, metric, progress=progress)


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
        path (``conflict.cost.IRN``) or a parameter's name.
    scheduler
        A Dask distributed scheduler's address; local processes otherwise.

    Returns
    -------
    Sweep
        ``to_json()`` is ``zopa sweep --json``; ``to_frames()["cells"]``.

    Examples
    --------
    >>> sc = zopa.load("tests/data/toy_nodeal.yaml")  # doctest: +SKIP
    >>> zopa.sweep(sc, {"credibility.trust.IR.US": (0.2, 0.8, 3)}, draws=100, workers=1)
    """
    from zopa.studies.sweep import parse_grid
    from zopa.studies.sweep import sweep as run

    check_size(sc, max_packages)
    specs = (
        [f"{k}={lo}:{hi}:{n}" for k, (lo, hi, n) in grid.items()]
        if isinstance(grid, Mapping)
        else list(grid)
    )
    if not specs:
        raise InputError.at("--grid", None, "", "give at least one LEVER=lo:hi:n")
    return run(sc, parse_grid(specs, sc), draws, seed, workers, scheduler, progress)


def forecast(
    sc: Scenario,
    models: str | Sequence[str] = "all",
    *,
    draws: int = 0,
    seed: int = 0,
    position_sd: float = 5.0,
    salience_sd: float = 0.2,
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
        Monte Carlo draws of the scenario's uncertain numbers plus the stated jitter.
    position_sd, salience_sd
        The jitter of positions (0..100 scale) and of saliences (log-normal).

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
    check_size(sc, max_packages)
    return run_forecasts(sc, list(names), draws, seed, position_sd, salience_sd)


def backtest(
    dataset: str = "deu", path: str | Path | None = None, *, seed: int = 0, n_boot: int = 2000
) -> BacktestResult:
    """Every forecasting model's error on real decisions: DEU III's EU legislative issues.

    Tuned only on proposals whose ``prnrnmc`` is odd, reported on the even ones, with
    bootstrap intervals.

    Parameters
    ----------
    dataset
        ``"deu"`` (the only one).
    path
        ``deu3.csv``; default ``$ZOPA_DEU3``, else ``tests/data/deu3/deu3.csv`` under the
        current directory (a clone of zopa).

    Examples
    --------
    >>> r = zopa.backtest("deu", "tests/data/deu3/deu3.csv", n_boot=100)  # doctest: +SKIP
    >>> r.to_frames()["rows"]  # doctest: +SKIP
    """
    from zopa.forecasting.backtest import backtest as run
    from zopa.forecasting.backtest import default_models, default_tuning
    from zopa.io.deu import read_deu3

    if dataset != "deu":
        raise InputError.at("dataset", None, "", f"unknown data set {dataset!r}: only 'deu'")
    found = Path(path) if path is not None else _deu_path()
    data = read_deu3(found)
    models = default_models(every=True)  # the baselines and every registered model
    return run(models, data.proposals, tune=default_tuning(), seed=seed, n_boot=n_boot)


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
