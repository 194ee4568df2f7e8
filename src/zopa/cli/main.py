"""The ``zopa`` command line: thin commands over the library, heavy imports deferred.

Every command reads input through :mod:`zopa.scenario` or an importer; bad input raises
:class:`zopa.errors.InputError`, which :func:`main` prints (one line per problem, naming
file, line and field) before exiting with status 2. Output formatting lives in
:mod:`zopa.cli.render`; nothing here computes results.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from zopa.api import MAX_PACKAGES
from zopa.cli.runs import NoStoreOpt, StoreOpt, runs_app
from zopa.errors import InputError, clip

app = typer.Typer(
    name="zopa",
    help="Model, forecast and stress-test multi-party negotiations under coercion.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
import_app = typer.Typer(help="Import other tools' data into zopa scenario files.")
app.add_typer(import_app, name="import")
app.add_typer(runs_app, name="runs")

FileArg = Annotated[
    Path | None,
    typer.Argument(help="Scenario file (YAML). Default: the bundled US-Iran 2026 scenario."),
]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Replace the output file if it exists (keeps its mode).")
]
REPORT_POINTS = 2000  # zone packages drawn in the report's scatter (the best, by Nash product)
JSON_HELP = "Print JSON (its schema: zopa schema --output COMMAND)."
CsvOpt = Annotated[
    Path | None,
    typer.Option(
        "--csv",
        help="Also write each table of the result (to_frames()) as DIR/NAME.csv.",
        metavar="DIR",
    ),
]


def _load(file: Path | None) -> Any:
    import zopa

    return zopa.reference() if file is None else zopa.load(file)


def _show(result: Any, json_out: bool, renderer: str, *args: Any, csv: Path | None = None) -> None:
    """Print ``result.to_json()`` (``--json``) or the tables of ``cli.render.<renderer>``;
    with ``csv``, write its frames there first."""
    if csv is not None:
        _write_csv(result, csv)
    if json_out:
        _emit_json(result.to_json())
        return
    from zopa.cli import render

    getattr(render, renderer)(result, *args)


def _write_csv(result: Any, folder: Path) -> None:
    """Each of ``result.to_frames()`` as ``folder/NAME.csv`` (the folder made if needed;
    each file written atomically, replacing a file of that name, never an input)."""
    from zopa.files import write_text

    if folder.exists() and not folder.is_dir():
        raise InputError.at(str(folder), None, "--csv", "is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError.at(str(folder), None, "--csv", f"cannot make it: {e.strerror}") from None
    for name, df in result.to_frames().items():
        write_text(folder / f"{name}.csv", df.to_csv(index=False), force=True, option="--csv")


def _record(
    store: Path | None,
    no_store: bool,
    command: str,
    sc: Any,
    params: dict[str, Any],
    result: Any,
    started: float,
) -> None:
    """Record the run in the run store (``--store``, ``--no-store``); on a terminal, say
    its id."""
    from zopa.cli.runs import record_cli

    seed = params.get("seed")
    params = {k: (str(v) if isinstance(v, Path) else v) for k, v in params.items()}
    run_id = record_cli(store, no_store, command, sc, params, seed, result,
                        duration=time.perf_counter() - started)  # fmt: skip
    if run_id and sys.stderr.isatty():
        sys.stderr.write(f"zopa: recorded as run {run_id} (zopa runs show {run_id})\n")


def warn(message: str) -> None:
    """One warning line on stderr: the run goes on."""
    sys.stderr.write(f"zopa: warning: {message}\n")


def _import(fmt: str, source: Path, output: Path, force: bool) -> None:
    """Read ``source`` in another tool's format and write it as a scenario file (never
    over the input; over an existing file only with ``--force``, keeping its mode)."""
    from zopa.files import check_target
    from zopa.io.readers import read
    from zopa.io.writer import write_scenario

    check_target(output, force=force, inputs=[source])  # before the reading, not after
    write_scenario(read(fmt, source).document(), output, force=force, inputs=[source])
    typer.echo(f"wrote {output}")


def _emit_json(obj: Any) -> None:
    """Print ``obj`` as strict JSON: a NaN or an infinity is a bug, never printed."""
    from zopa.results import json_text

    sys.stdout.write(json_text(obj))


@app.command()
def analyze(
    file: FileArg = None,
    json_out: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
    top: Annotated[int, typer.Option("--top", min=0, help="How many top packages.")] = 10,
    max_packages: Annotated[
        int, typer.Option("--max-packages", min=1, help="Refuse larger outcome spaces.")
    ] = MAX_PACKAGES,
    threads: Annotated[int, typer.Option("--threads", min=1, help="Worker threads.")] = 2,
    over_time: Annotated[
        bool, typer.Option("--over-time", help="Re-analyse each period of dynamics: drifts.")
    ] = False,
    frontier: Annotated[
        bool,
        typer.Option(
            "--frontier", help="List the Pareto frontier's packages too (whatever it costs)."
        ),
    ] = False,
    frontier_budget: Annotated[
        float,
        typer.Option(
            "--frontier-budget",
            min=0.0,
            help="Seconds the frontier may take with many deciders; past it: not computed.",
        ),
    ] = 3.0,
    settings: Annotated[
        list[str],
        typer.Option(
            "--set", help="LEVER=VALUE: set a lever or number first (zopa levers lists them)."
        ),
    ] = [],  # noqa: B006
    csv: CsvOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
) -> None:
    """Agreement zone, who binds, Pareto frontier and bargaining solutions."""
    import zopa

    started = time.perf_counter()
    sc = _load(file)
    if over_time and sc.dynamics is None:
        warn("--over-time has nothing to act on: the scenario has no dynamics: block")
    moved = _settings(settings)
    report = zopa.analyze(sc, top=top, threads=threads, over_time=over_time,
                          max_packages=max_packages, set=moved,
                          frontier_budget=None if frontier else frontier_budget)  # fmt: skip
    _record(store, no_store, "analyze", sc, {"file": file, "top": top, "over_time": over_time,
            "set": moved}, report, started)  # fmt: skip
    _show(report, json_out, "show_report", frontier, csv=csv)


def _settings(specs: list[str]) -> dict[str, float]:
    """``NAME=VALUE`` strings -> {name: value} (bad input naming --set otherwise)."""
    out: dict[str, float] = {}
    for spec in specs:
        name, eq, value = spec.rpartition("=")
        try:
            if not eq or not name:
                raise ValueError
            out[name.strip()] = float(value)
        except ValueError:
            raise InputError.at("--set", None, "", f"{spec!r} is not LEVER=NUMBER") from None
    return out


@app.command()
def levers(
    file: FileArg = None,
    json_out: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
    csv: CsvOpt = None,
) -> None:
    """Every lever leverage swings and every number sweep --grid and analyze --set can set,
    in words, by section, with its base value, ends and evidence."""
    import zopa

    _show(zopa.levers(_load(file)), json_out, "show_levers", csv=csv)


@contextmanager
def _progress(what: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A Rich progress bar on a terminal's stderr (none otherwise); yields ``advance(n)``."""
    from rich.progress import Progress

    with Progress(transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task(what, total=total)
        yield lambda n: bar.advance(task, n)


@app.command()
def validate(file: Annotated[Path, typer.Argument(help="Scenario file (YAML).")]) -> None:
    """Check a scenario file; print what it holds, or every problem (exit status 2)."""
    from zopa.api import format_count

    sc = _load(file)
    typer.echo(
        f"{file}: valid: {len(sc.actors)} actors ({len(sc.deciders)} deciders), "
        f"{len(sc.issues)} issues, {format_count(sc.n_packages())} packages"
    )


@app.command()
def schema(
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            help="A command (analyze, package, montecarlo, leverage, sweep, forecast, "
            "backtest, sources, simulate, levers, runs-list, runs-show, runs-diff, "
            "runs-export): the schema of its --json output instead.",
        ),
    ] = None,
) -> None:
    """Print the JSON Schema of the scenario language (for editors), or of a command's output."""
    if output is None:
        from zopa.scenario.schema import json_schema

        _emit_json(json_schema())
        return
    from zopa.io.schemas import OUTPUTS, output_schema

    if output not in OUTPUTS:
        raise InputError.at(
            "--output", None, "", f"unknown command {output!r}; known: {', '.join(OUTPUTS)}"
        )
    _emit_json(output_schema(output))


@app.command()
def sources(
    file: FileArg = None,
    verify: Annotated[
        Path | None, typer.Option("--verify", help="Folder with the cited source texts.")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
    csv: CsvOpt = None,
) -> None:
    """List every number with its quote or assumption and the evidence profile (numbers by
    what the quote supports and by source kind, assumptions beside quotes, reused quotes,
    numbers with neither); --verify checks quotes verbatim: exit 1 if one is not."""
    import zopa

    report = zopa.sources(file, verify)
    _show(report, json_out, "show_sources", csv=csv)
    if not report.verbatim:
        raise typer.Exit(1)


@app.command()
def forecast(
    file: FileArg = None,
    model: Annotated[
        str, typer.Option("--model", "-m", help="compromise|nash|eum|smp|exchange|all")
    ] = "all",
    json_out: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
    draws: Annotated[
        int, typer.Option("--draws", min=0, help="Monte Carlo draws over jittered inputs.")
    ] = 0,
    seed: Annotated[
        int | None, typer.Option("--seed", min=0, help="Seed of the Monte Carlo draws.")
    ] = None,
    position_sd: Annotated[
        float | None,
        typer.Option("--position-sd", min=0, help="Jitter of positions (0..100 scale; 5)."),
    ] = None,
    salience_sd: Annotated[
        float | None,
        typer.Option("--salience-sd", min=0, help="Log-normal jitter of saliences (0.2)."),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers", min=1, help="Processes for the Monte Carlo draws (same bytes for any)."
        ),
    ] = 2,
    csv: CsvOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
) -> None:
    """Where the talks will land: per issue the forecast position and nearest option."""
    import zopa

    started = time.perf_counter()
    given = [n for n, v in (("--seed", seed), ("--position-sd", position_sd),
                            ("--salience-sd", salience_sd)) if v is not None]  # fmt: skip
    if given and draws == 0:
        warn(f"{', '.join(given)} {'has' if len(given) == 1 else 'have'} nothing to act on "
             "without --draws N")  # fmt: skip
    sc = _load(file)
    pos = 5.0 if position_sd is None else position_sd
    sal = 0.2 if salience_sd is None else salience_sd
    report = zopa.forecast(sc, model, draws=draws, seed=seed or 0, position_sd=pos,
                           salience_sd=sal, workers=workers)  # fmt: skip
    params = {"file": file, "model": model, "draws": draws, "seed": seed or 0,
              "position_sd": pos, "salience_sd": sal}  # fmt: skip
    _record(store, no_store, "forecast", sc, params, report, started)
    _show(report, json_out, "show_forecasts", csv=csv)


@app.command()
def backtest(
    dataset: Annotated[str, typer.Argument(help="Data set: deu (DEU III).")],
    path: Annotated[
        Path | None, typer.Argument(help="deu3.csv (default: the copy in tests/data)")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", min=0)] = 0,
    boot: Annotated[int, typer.Option("--boot", min=100, help="Bootstrap draws.")] = 2000,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    csv: CsvOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
) -> None:
    """Backtest the forecasting models on real decisions: tuned on odd prnrnmc, scored on
    even and 2-fold cross-fitted; 80% forecast intervals with their held-out coverage."""
    import zopa

    started = time.perf_counter()
    result = zopa.backtest(dataset, path, seed=seed, n_boot=boot)
    params = {"dataset": dataset, "path": path, "seed": seed, "boot": boot}
    _record(store, no_store, "backtest", None, params, result, started)
    _show(result, json_out, "show_backtest", csv=csv)


@import_app.command("ktab")
def import_ktab(
    file: Annotated[Path, typer.Argument(help="KTAB SMP scenario (.csv or .xml).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Scenario file to write.")],
    force: ForceOpt = False,
) -> None:
    """A KTAB Spatial Model of Politics input (CSV or XML) as a scenario."""
    _import("ktab", file, output, force)


@app.command("package")
def package_cmd(
    file: FileArg = None,
    options: Annotated[
        list[str], typer.Option("--set", help="issue=option (repeat); the rest: the Nash deal.")
    ] = [],  # noqa: B006
    reference: Annotated[
        str | None,
        typer.Option(
            "--reference",
            help="Start from this reference package (reference_packages:), not the Nash deal.",
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    csv: CsvOpt = None,
) -> None:
    """Score one package: each decider's utility, trust, kept value, strike risk, deal value,
    and why each accepts or rejects it."""
    import zopa

    changes = {}
    for spec in options:
        issue, eq, option = spec.partition("=")
        if not eq or not issue or not option:
            raise InputError.at("--set", None, "", f"{spec!r} is not ISSUE=OPTION")
        changes[issue] = option
    scored = zopa.score(_load(file), changes, reference=reference)
    _show(scored, json_out, "show_package", csv=csv)


@app.command()
def montecarlo(
    file: FileArg = None,
    draws: Annotated[int, typer.Option("--draws", min=1, help="Number of draws.")] = 1000,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Seed: the same seed, the same bytes.")
    ] = 0,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Processes.")] = 1,
    json_out: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
    csv: CsvOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
) -> None:
    """P(zone), P(deal reached, survives spoilers, kept), P(war), values: over uncertainty."""
    import zopa
    from zopa.scenario.numbers import has_uncertainty

    started = time.perf_counter()
    sc = _load(file)
    if not has_uncertainty(sc):
        warn("nothing in this scenario is uncertain (no distribution, order or red line "
             "with a probability): every draw is the same")  # fmt: skip
    with _progress("drawing", draws) as advance:
        result = zopa.montecarlo(sc, draws, seed, workers=workers, progress=advance)
    _record(store, no_store, "montecarlo", sc, {"file": file, "draws": draws, "seed": seed},
            result, started)  # fmt: skip
    _show(result, json_out, "show_montecarlo", csv=csv)


@app.command()
def simulate(
    file: FileArg = None,
    rounds: Annotated[
        int | None, typer.Option("--rounds", help="Deadline in rounds (default: the file's).")
    ] = None,
    strategy: Annotated[
        list[str],
        typer.Option(
            "--strategy",
            help="ID=KIND: boulware, linear, conceder, hardliner, "
            "tit_for_tat, aspiration:E (repeat for each decider).",
        ),
    ] = [],  # noqa: B006
    protocol: Annotated[
        str | None, typer.Option("--protocol", help="alternating | mediated.")
    ] = None,
    runs: Annotated[
        int | None, typer.Option("--runs", help="Many runs: shares with standard errors.")
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Seed: the same seed, the same bytes.")
    ] = 0,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="Local processes (with --runs).")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask scheduler address (tcp://...).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
    csv: CsvOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
) -> None:
    """Rounds of talks: offers or a mediator's text, shocks, the deal's implementation."""
    import zopa

    started = time.perf_counter()
    sc = _load(file)
    idle = [n for n, v in (("--workers", workers), ("--scheduler", scheduler)) if v is not None]
    if idle and runs is None:
        warn(f"{' and '.join(idle)} {'has' if len(idle) == 1 else 'have'} nothing to act on "
             "without --runs N (one run is one process)")  # fmt: skip
    with _progress("simulating", runs) as advance:
        result = zopa.simulate(sc, rounds=rounds, strategies=strategy or None,
                               protocol=protocol, runs=runs, seed=seed, workers=workers or 1,
                               scheduler=scheduler, progress=advance)  # fmt: skip
    _record(store, no_store, "simulate", sc, {"file": file, "rounds": rounds,
            "strategies": strategy, "protocol": protocol, "runs": runs, "seed": seed},
            result, started)  # fmt: skip
    _show(result, json_out, "show_simulation", csv=csv)


@app.command("leverage")
def leverage_cmd(
    file: FileArg = None,
    actor: Annotated[
        str | None,
        typer.Option("--for", help="Whose leverage: an actor id (default: the first decider)."),
    ] = None,
    metric: Annotated[
        str, typer.Option("--metric", help="value | zone | p_deal | p_war")
    ] = "value",
    top: Annotated[int, typer.Option("--top", min=1, help="Levers shown.")] = 20,
    workers: Annotated[
        int,
        typer.Option("--workers", min=1, help="Processes for the ends compiled one by one."),
    ] = 2,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    csv: CsvOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
) -> None:
    """Swing every lever (ranged numbers, judgements, options); rank the effects on an actor
    (tornado); say what the zone, the Nash terms, P(deal) and P(war) rest on."""
    import zopa

    started = time.perf_counter()
    sc = _load(file)
    with _progress("swinging levers", None) as advance:
        result = zopa.leverage(sc, actor, metric, workers=workers, progress=advance)
    _record(store, no_store, "leverage", sc,
            {"file": file, "for": result.actor, "metric": metric}, result, started)  # fmt: skip
    _show(result, json_out, "show_leverage", top, csv=csv)


@app.command()
def sweep(
    file: FileArg = None,
    grid: Annotated[
        list[str],
        typer.Option(
            "--grid", help="LEVER=lo:hi:n (repeat for more axes; zopa levers lists them)."
        ),
    ] = [],  # noqa: B006
    draws: Annotated[int, typer.Option("--draws", min=1)] = 1000,
    seed: Annotated[int, typer.Option("--seed", min=0)] = 0,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Local processes.")] = 2,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask scheduler address (tcp://...).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    csv: CsvOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
) -> None:
    """Monte Carlo on every cell of a grid of lever settings (zopa levers lists the
    numbers --grid takes)."""
    import zopa

    started = time.perf_counter()
    sc = _load(file)
    with _progress("grid cells", None) as advance:
        result = zopa.sweep(sc, grid, draws, seed, workers=workers, scheduler=scheduler,
                            progress=advance)  # fmt: skip
    _record(store, no_store, "sweep", sc, {"file": file, "grid": grid, "draws": draws,
            "seed": seed}, result, started)  # fmt: skip
    _show(result, json_out, "show_sweep", csv=csv)


@app.command("report")
def report_cmd(
    file: FileArg = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="The HTML file to write.")] = Path(
        "report.html"
    ),
    force: ForceOpt = False,
    draws: Annotated[
        int, typer.Option("--draws", min=0, help="Monte Carlo draws (0: no Monte Carlo section).")
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the draws.")] = 0,
    actor: Annotated[
        str | None,
        typer.Option("--for", help="Whose leverage (default: the first decider)."),
    ] = None,
) -> None:
    """One self-contained offline HTML report: the scenario and its evidence, the zone and
    frontier, the solutions, who binds, the no-deal model, leverage, Monte Carlo, forecasts
    and a simulated run (when the scenario has simulation:)."""
    import zopa
    from zopa.files import check_target, write_text
    from zopa.report.build import ReportInputs, build

    inputs = [file] if file is not None else []
    check_target(output, force=force, inputs=inputs)  # before the work, not after
    sc = _load(file)
    steps = 5 + (sc.simulation is not None)
    with _progress("building the report", steps) as advance:
        analysis = zopa.analyze(sc, top=REPORT_POINTS)
        advance(1)
        sources = zopa.sources(file)
        advance(1)
        mc = zopa.montecarlo(sc, draws, seed) if draws else None
        advance(1)
        lev = zopa.leverage(sc, actor, workers=2)
        advance(1)
        fc = zopa.forecast(sc, "all")
        advance(1)
        sim = zopa.simulate(sc) if sc.simulation is not None else None  # one run: its trace
        html = build(ReportInputs(sc, analysis, sources, mc, lev, fc, sim))  # type: ignore[arg-type]
    write_text(output, html, force=force, inputs=inputs)
    typer.echo(f"wrote {output} ({len(html.encode()) / 2**20:.1f} MiB)")


@app.command("app")
def app_cmd(
    file: FileArg = None,
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8501,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (default: this machine only).")
    ] = "127.0.0.1",
) -> None:
    """The dashboard (Streamlit) in a browser: move the levers, see the zone, the
    solutions and the frontier recomputed; edit the scenario; compare two settings."""
    from zopa.app.launch import check_port, check_streamlit, run

    check_streamlit()
    check_port(port, host)
    typer.echo(f"zopa app: http://{host}:{port} (Ctrl-C stops it)", err=True)
    code = run(file, port, host)
    if code:
        raise typer.Exit(code)


@import_app.command("deliberation")
def import_deliberation(
    folder: Annotated[Path, typer.Argument(help="LLM-Deliberation game folder.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Scenario file to write.")],
    force: ForceOpt = False,
) -> None:
    """An LLM-Deliberation game (config.txt, scores_files/) as a scenario."""
    _import("deliberation", folder, output, force)


@import_app.command("genius")
def import_genius(
    folder: Annotated[Path, typer.Argument(help="GENIUS domain folder (domain + profiles).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Scenario file to write.")],
    force: ForceOpt = False,
) -> None:
    """A GENIUS XML domain and its profiles as a scenario."""
    _import("genius", folder, output, force)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that every ``finally`` runs (no half-written
    file is left behind) and workers are stopped, as for Ctrl-C."""


_SIGNALLED: list[int] = []  # the signals that stopped this run (Typer turns both into 130)


def _on_signal(signum: int, frame: Any) -> None:
    import signal

    _SIGNALLED.append(signum)
    raise Terminated if signum == signal.SIGTERM else KeyboardInterrupt


def _interrupted() -> NoReturn:
    """Exit 130 (Ctrl-C) or 143 (SIGTERM); 0 if the command's output was already written
    in full when the signal came (its work is done)."""
    import signal

    from zopa.files import written

    what = "terminated" if signal.SIGTERM in _SIGNALLED else "interrupted"
    done = written()
    if done:
        sys.stderr.write(f"zopa: {what} after writing {', '.join(done)} in full\n")
        sys.exit(0)
    sys.stderr.write(f"zopa: {what}; nothing was written\n")
    sys.exit(143 if what == "terminated" else 130)


def _one_command(args: list[str]) -> Any | None:
    """A group holding only the top-level command ``args`` names, or None (help, a
    sub-app, no command): Typer otherwise builds every command's parameters first (about
    20 ms). Click names the program and the command in usage lines as for the whole app."""
    if not args or any(a in ("--help", "-h", "--") for a in args):
        return None
    from typer.core import TyperGroup
    from typer.main import get_command_from_info, get_command_name

    for info in app.registered_commands:
        assert info.callback is not None
        if (info.name or get_command_name(info.callback.__name__)) == args[0]:
            cmd = get_command_from_info(
                info,
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=app.rich_markup_mode,
            )
            return TyperGroup(commands={args[0]: cmd}, rich_markup_mode=app.rich_markup_mode)
    return None


PYDANTIC_LOADER = "pydantic.plugin._loader"


def _no_plugin_search() -> None:
    """With pydantic's plugins disabled (``PYDANTIC_DISABLE_PLUGINS``, as the CLI has them),
    give pydantic a plugin loader that finds none up front: the real one imports
    ``importlib.metadata`` (about 10 ms) before it reads that setting. pydantic asks the
    loader for ``get_plugins`` alone; any other name is taken from the real loader."""
    if os.environ.get("PYDANTIC_DISABLE_PLUGINS") not in ("__all__", "1", "true"):
        return
    if PYDANTIC_LOADER in sys.modules:
        return
    import types

    def get_plugins() -> tuple[()]:
        return ()

    def real(name: str) -> Any:
        if name.startswith("__"):  # the import system's questions (__path__ and the like)
            raise AttributeError(name)
        import importlib

        del sys.modules[PYDANTIC_LOADER]
        return getattr(importlib.import_module(PYDANTIC_LOADER), name)

    stub = types.ModuleType(PYDANTIC_LOADER, "zopa's stand-in: plugins are disabled")
    stub.get_plugins = get_plugins  # type: ignore[attr-defined]
    stub.__getattr__ = real  # type: ignore[method-assign]
    sys.modules[PYDANTIC_LOADER] = stub


TOP_PAD = 64 << 20
"""Bytes of free memory glibc's malloc keeps at the top of each heap (``M_TOP_PAD``)."""


def _keep_freed_memory() -> None:
    """Have glibc's malloc keep :data:`TOP_PAD` of freed memory instead of handing it back
    to the kernel at once (its default keeps 128 KiB).

    A chunked pass makes and drops numpy temporaries of a few MiB each, chunk after chunk;
    by default each new one comes from fresh pages the kernel must map and zero, and those
    page faults cost several times the arithmetic: the scan of 10^6 packages x 3 deciders
    took 94 ms on one thread and 17 ms with the pad (bench/bench_scale.py measures the
    commands). Worker processes are forked and keep the setting. Nothing is done where the
    C library is not glibc.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes  # numpy imports it anyway

    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return
    if hasattr(libc, "gnu_get_libc_version") and hasattr(libc, "mallopt"):
        libc.mallopt(-2, TOP_PAD)  # M_TOP_PAD (malloc.h)


def main() -> None:
    """Console entry point: run the app and exit with a status that tells the truth.

    0 success; 1 a check that failed (``sources --verify``); 2 bad input or usage (one
    line per problem, naming file, line and field); 130 interrupted by Ctrl-C, 143 by
    SIGTERM (one line saying so; nothing half-written); 70 an internal error (one line,
    never a traceback; ``ZOPA_DEBUG=1`` shows it).
    """
    import atexit
    import gc
    import signal

    # Start-up builds some 10^5 objects that live as long as the run (modules, the
    # scenario schema's validators): at the default threshold (700) the collector runs
    # about 130 times over them, 35 ms of `zopa analyze`. Collect 70x less often.
    gc.set_threshold(50_000, 20, 20)
    # At exit the interpreter collects the whole heap again (about 45 ms of `zopa
    # analyze`); frozen objects are left to the OS. Registered first, this runs last of
    # the exit handlers, after any that still need the collector.
    atexit.register(gc.freeze)
    _keep_freed_memory()
    # pydantic looks for plugins among every installed distribution's entry points at
    # the first schema it builds (about 15 ms); zopa's CLI uses none.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    _no_plugin_search()
    # numpy's OpenBLAS starts a thread per core as it is imported, and they spin for a
    # while (about 0.1 s of CPU, against the scan's own threads on 2 cores). zopa's matrix
    # products are small (worker processes held BLAS to one thread already); setdefault
    # leaves a user's own setting alone.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_signal)
        signal.signal(signal.SIGINT, _on_signal)
    args = sys.argv[1:]
    one = _one_command(args)
    try:
        code = app(standalone_mode=False) if one is None else one.main(standalone_mode=False)
    except InputError as e:
        sys.stderr.write("".join(f"{p}\n" for p in e.problems))
        sys.exit(2)
    except KeyboardInterrupt:
        _interrupted()
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
            sys.stderr.write(f"zopa: {clip(str(e), 300)}\n")
        sys.exit(int(getattr(e, "exit_code", 2)))
    except Exception as e:
        if os.environ.get("ZOPA_DEBUG"):
            raise
        sys.stderr.write(
            f"zopa: internal error ({type(e).__name__}: {clip(str(e), 300)}); "
            "please report it (ZOPA_DEBUG=1 shows where)\n"
        )
        sys.exit(70)
    if _SIGNALLED:  # Typer returns 130 for Ctrl-C, and for SIGTERM too
        _interrupted()
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
