"""The ``zopa`` command line: thin commands over the library, heavy imports deferred.

Every command reads input through :mod:`zopa.scenario` or an importer; bad input raises
:class:`zopa.errors.InputError`, which :func:`main` prints (one line per problem, naming
file, line and field) before exiting with status 2. Output formatting lives in
:mod:`zopa.cli.render`; nothing here computes results.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from zopa.errors import InputError

app = typer.Typer(
    name="zopa",
    help="Model, forecast and stress-test multi-party negotiations under coercion.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
import_app = typer.Typer(help="Import other tools' data into zopa scenario files.")
app.add_typer(import_app, name="import")

FileArg = Annotated[
    Path | None,
    typer.Argument(help="Scenario file (YAML). Default: the bundled US-Iran 2026 scenario."),
]
DEFAULT_MAX_PACKAGES = 100_000_000


def _load(file: Path | None) -> tuple[Any, str]:
    from zopa.scenario.load import load_scenario, reference_path

    return load_scenario(file), str(file if file is not None else reference_path())


def _emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


@app.command()
def analyze(
    file: FileArg = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON (SCENARIO.md).")] = False,
    top: Annotated[int, typer.Option("--top", min=0, help="How many top packages.")] = 10,
    max_packages: Annotated[
        int, typer.Option("--max-packages", min=1, help="Refuse larger outcome spaces.")
    ] = DEFAULT_MAX_PACKAGES,
    threads: Annotated[int, typer.Option("--threads", min=1, help="Worker threads.")] = 2,
    over_time: Annotated[
        bool, typer.Option("--over-time", help="Re-analyse each period of dynamics: drifts.")
    ] = False,
) -> None:
    """Agreement zone, who binds, Pareto frontier and bargaining solutions."""
    sc, name = _load(file)
    _check_size(sc, name, max_packages)
    from zopa.analysis.analyze import analyze as run
    from zopa.analysis.nodeal import model_report
    from zopa.space.space import compile_space

    space = compile_space(sc)
    result = run(space, top=top, threads=threads)
    extra = model_report(sc, space, result, over_time)
    if json_out:
        _emit_json({**result.to_json(), "model": extra.to_json()})
    else:
        from zopa.cli.render import show_analysis, show_model

        show_analysis(result)
        show_model(extra)


def _check_size(sc: Any, name: str, max_packages: int) -> None:
    from zopa.analysis.analyze import estimate_seconds
    from zopa.errors import Problem, SpaceTooLarge

    n = sc.n_packages()
    if n > max_packages:
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


@app.command()
def validate(file: Annotated[Path, typer.Argument(help="Scenario file (YAML).")]) -> None:
    """Check a scenario file; print what it holds, or every problem (exit status 2)."""
    sc, name = _load(file)
    typer.echo(
        f"{name}: valid: {len(sc.actors)} actors ({len(sc.deciders)} deciders), "
        f"{len(sc.issues)} issues, {sc.n_packages():,} packages"
    )


@app.command()
def schema() -> None:
    """Print the JSON Schema of the scenario language (for editors)."""
    from zopa.scenario.schema import json_schema

    _emit_json(json_schema())


@app.command()
def sources(
    file: FileArg = None,
    verify: Annotated[
        Path | None, typer.Option("--verify", help="Folder with the cited source texts.")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List every number with its quote or assumption; --verify checks quotes verbatim."""
    from zopa.scenario.load import reference_path, validate
    from zopa.scenario.sources import evidence
    from zopa.scenario.sources import verify as check
    from zopa.scenario.yamlfile import read_yaml

    path = file if file is not None else reference_path()
    data, lines = read_yaml(path)
    validate(data, lines, str(path))
    ev = evidence(data, lines)
    checks = check(data, lines, verify) if verify is not None else None
    from zopa.cli.render import show_sources

    if json_out:
        _emit_json(
            {
                "file": str(path),
                "numbers": [e.__dict__ for e in ev],
                "quotes": [c.__dict__ for c in checks] if checks is not None else None,
            }
        )
    else:
        show_sources(str(path), ev, checks)
    if checks is not None and not all(c.ok for c in checks):
        raise typer.Exit(1)


@app.command()
def forecast(
    file: FileArg = None,
    model: Annotated[
        str, typer.Option("--model", "-m", help="compromise|nash|eum|smp|exchange|all")
    ] = "all",
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON (SCENARIO.md).")] = False,
    draws: Annotated[
        int, typer.Option("--draws", min=0, help="Monte Carlo draws over jittered inputs.")
    ] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the Monte Carlo draws.")] = 0,
    position_sd: Annotated[
        float, typer.Option("--position-sd", min=0, help="Jitter of positions (0..100 scale).")
    ] = 5.0,
    salience_sd: Annotated[
        float, typer.Option("--salience-sd", min=0, help="Log-normal jitter of saliences.")
    ] = 0.2,
) -> None:
    """Where the talks will land: per issue the forecast position and nearest option."""
    from zopa.forecast.registry import MODELS

    names = list(MODELS) if model == "all" else [model]
    for n in names:
        if n not in MODELS:
            raise typer.BadParameter(f"unknown model {n!r}; choose from {', '.join(MODELS)}, all")
    sc, name = _load(file)
    _check_size(sc, name, DEFAULT_MAX_PACKAGES)
    from zopa.studies.forecasts import run_forecasts

    report = run_forecasts(sc, names, draws, seed, position_sd, salience_sd)
    if json_out:
        _emit_json(report.to_json())
    else:
        from zopa.cli.render import show_forecasts

        show_forecasts(report)


@app.command()
def backtest(
    dataset: Annotated[str, typer.Argument(help="Data set: deu (DEU III).")],
    path: Annotated[
        Path | None, typer.Argument(help="deu3.csv (default: the copy in tests/data)")
    ] = None,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    boot: Annotated[int, typer.Option("--boot", min=100, help="Bootstrap draws.")] = 2000,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Backtest the forecasting models on real decisions (tuned on odd prnrnmc only)."""
    from zopa.api import backtest as run

    result = run(dataset, path, seed=seed, n_boot=boot)
    if json_out:
        _emit_json(result.to_json())
    else:
        from zopa.cli.render import show_backtest

        show_backtest(result)


@import_app.command("ktab")
def import_ktab(
    file: Annotated[Path, typer.Argument(help="KTAB SMP scenario (.csv or .xml).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Scenario file to write.")],
) -> None:
    """A KTAB Spatial Model of Politics input (CSV or XML) as a scenario."""
    from zopa.io.ktab import read, to_scenario_dict
    from zopa.io.writer import write_scenario

    write_scenario(to_scenario_dict(read(file)), output)
    typer.echo(f"wrote {output}")


@app.command("package")
def package_cmd(
    file: FileArg = None,
    options: Annotated[
        list[str], typer.Option("--set", help="issue=option (repeat); the rest: the Nash deal.")
    ] = [],  # noqa: B006
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Score one package: each decider's utility, trust, kept value, strike risk, deal value."""
    sc, name = _load(file)
    _check_size(sc, name, DEFAULT_MAX_PACKAGES)
    from zopa.analysis.analyze import analyze as run
    from zopa.analysis.nodeal import score_package
    from zopa.errors import Problem
    from zopa.space.space import compile_space

    space = compile_space(sc)
    nash = run(space, top=0, closest=0).solutions.get("nash")
    first = {i: o[0] for i, o in zip(space.issues, space.options, strict=True)}
    chosen = dict(nash.package) if nash is not None else first
    for spec in options:
        issue, _, option = spec.partition("=")
        if issue not in space.issues:
            raise InputError(
                Problem("--set", None, issue, f"unknown issue (known: {', '.join(space.issues)})")
            )
        if option not in space.options[space.issues.index(issue)]:
            known = ", ".join(space.options[space.issues.index(issue)])
            raise InputError(
                Problem("--set", None, issue, f"unknown option '{option}' (known: {known})")
            )
        chosen[issue] = option
    scored = score_package(sc, space, chosen)
    if json_out:
        _emit_json(scored)
    else:
        from zopa.cli.render import show_package

        show_package(scored)


@app.command()
def montecarlo(
    file: FileArg = None,
    draws: Annotated[int, typer.Option("--draws", min=1, help="Number of draws.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed: the same seed, the same bytes.")] = 0,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Processes.")] = 1,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON (SCENARIO.md).")] = False,
) -> None:
    """P(zone), P(deal reached, survives spoilers, kept), P(war), values: over uncertainty."""
    sc, name = _load(file)
    _check_size(sc, name, DEFAULT_MAX_PACKAGES)
    from rich.progress import Progress

    from zopa.studies.montecarlo import montecarlo as run

    text = Path(name).read_text(encoding="utf-8") if workers > 1 else None
    with Progress(transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("drawing", total=draws)
        result = run(sc, draws, seed, workers, text, name, lambda n: bar.advance(task, n))
    if json_out:
        _emit_json(result.to_json())
    else:
        from zopa.cli.render import show_montecarlo

        show_montecarlo(result)


@app.command("leverage")
def leverage_cmd(
    file: FileArg = None,
    actor: Annotated[str, typer.Option("--for", help="Whose leverage (an actor id).")] = "IRN",
    metric: Annotated[str, typer.Option("--metric", help="value | zone | p_deal")] = "value",
    top: Annotated[int, typer.Option("--top", min=1, help="Levers shown.")] = 20,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Swing every lever across its range; rank the effects on an actor (tornado)."""
    sc, name = _load(file)
    _check_size(sc, name, DEFAULT_MAX_PACKAGES)
    from zopa.studies.leverage import METRICS, leverage

    if metric not in METRICS:
        raise typer.BadParameter(f"--metric must be one of {', '.join(METRICS)}")
    if actor not in sc.preferences:
        raise typer.BadParameter(f"--for: '{actor}' is not an actor with preferences")
    from rich.progress import Progress

    with Progress(transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("swinging levers", total=None)
        result = leverage(sc, actor, metric, progress=lambda n: bar.advance(task, n))
    if json_out:
        _emit_json(result.to_json())
    else:
        from zopa.cli.render import show_leverage

        show_leverage(result, top)


@app.command()
def sweep(
    file: FileArg = None,
    grid: Annotated[
        list[str], typer.Option("--grid", help="LEVER=lo:hi:n (repeat for more axes).")
    ] = [],  # noqa: B006
    draws: Annotated[int, typer.Option("--draws", min=1)] = 1000,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Local processes.")] = 2,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask scheduler address (tcp://...).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Monte Carlo on every cell of a grid of lever settings."""
    sc, name = _load(file)
    _check_size(sc, name, DEFAULT_MAX_PACKAGES)
    if not grid:
        raise typer.BadParameter("give at least one --grid LEVER=lo:hi:n")
    from rich.progress import Progress

    from zopa.studies.sweep import cells, parse_grid
    from zopa.studies.sweep import sweep as run

    axes = parse_grid(grid, sc)
    todo = cells(axes)
    text = Path(name).read_text(encoding="utf-8")
    with Progress(transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("grid cells", total=len(todo))
        rows = run(text, name, todo, draws, seed, workers, scheduler,
                   lambda n: bar.advance(task, n))  # fmt: skip
    out = {"scenario": sc.id, "draws": draws, "seed": seed,
           "grid": {a.path: list(a.values) for a in axes}, "cells": rows}  # fmt: skip
    if json_out:
        _emit_json(out)
    else:
        from zopa.cli.render import show_sweep

        show_sweep(out)


@import_app.command("deliberation")
def import_deliberation(
    folder: Annotated[Path, typer.Argument(help="LLM-Deliberation game folder.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Scenario file to write.")],
) -> None:
    """An LLM-Deliberation game (config.txt, scores_files/) as a scenario."""
    from zopa.io.deliberation import read_deliberation
    from zopa.io.writer import write_scenario

    write_scenario(read_deliberation(folder), output)
    typer.echo(f"wrote {output}")


@import_app.command("genius")
def import_genius(
    folder: Annotated[Path, typer.Argument(help="GENIUS domain folder (domain + profiles).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Scenario file to write.")],
) -> None:
    """A GENIUS XML domain and its profiles as a scenario."""
    from zopa.io.genius import read_genius
    from zopa.io.writer import write_scenario

    write_scenario(read_genius(folder), output)
    typer.echo(f"wrote {output}")


def main() -> None:
    """Console entry point: run the app; bad input exits 2 with one line per problem."""
    try:
        app(standalone_mode=False)
    except InputError as e:
        sys.stderr.write("".join(f"{p}\n" for p in e.problems))
        sys.exit(2)
    except KeyboardInterrupt:
        sys.stderr.write("zopa: interrupted\n")
        sys.exit(130)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.Abort:
        sys.stderr.write("zopa: aborted\n")
        sys.exit(1)
    except typer.TyperException as e:  # usage errors: bad option values and the like
        show = getattr(e, "show", None)
        if show is not None:
            show()
        else:
            sys.stderr.write(f"zopa: {e}\n")
        sys.exit(int(getattr(e, "exit_code", 2)))


if __name__ == "__main__":
    main()
