"""``zopa runs``: the run store's commands, and the hook every recording command calls.

``zopa runs list | show ID | diff A B | export ID -o DIR`` read the store
(:mod:`zopa.io.store`); each prints Rich tables, or ``to_json()`` with ``--json``. A
command that records its runs takes :data:`StoreOpt` and :data:`NoStoreOpt` and, once it
has its result, calls :func:`record_cli`. Only Typer is imported here at start-up: DuckDB,
pandas and Rich are imported when a command runs.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from zopa.errors import InputError, Problem, clip

if TYPE_CHECKING:
    from rich.console import Console

    from zopa.results import Result
    from zopa.scenario.schema import Scenario

StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="Run store (DuckDB file); default: the user's data directory, or $ZOPA_STORE",
        dir_okay=False,
    ),
]
NoStoreOpt = Annotated[
    bool, typer.Option("--no-store", help="Do not record this run in the run store.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
IdArg = Annotated[str, typer.Argument(help="A run's id, or the start of it (zopa runs list).")]

runs_app = typer.Typer(help="The run store: list, show, compare and export recorded runs.")


def record_cli(
    store: Path | None,
    no_store: bool,
    command: str,
    scenario: Scenario | None,
    params: dict[str, Any],
    seed: int | None,
    result: Result,
    duration: float | None = None,
) -> str | None:
    """Record a command's run, as ``--store`` and ``--no-store`` say.

    Parameters
    ----------
    store
        ``--store PATH`` (None: the default store, :func:`zopa.io.store.default_path`).
    no_store
        ``--no-store``: record nothing (so does ``ZOPA_NO_STORE=1`` in the environment,
        unless ``--store`` names a store).
    command, scenario, params, seed, result, duration
        As :func:`zopa.io.store.record` takes them.

    An explicit ``--store`` is written before the command ends (its problems are the
    command's); the default store is written by a child process
    (:mod:`zopa.io.recorder`), so that the command does not wait for DuckDB and pandas.

    Returns
    -------
    str or None
        The run's id; None when nothing was recorded (``--no-store``, or the default store
        could not be written: then one warning line goes to stderr and the command goes on).

    Raises
    ------
    InputError
        Naming ``--store``, when the store it names cannot be written.
    """
    if no_store or (store is None and os.environ.get("ZOPA_NO_STORE", "") not in ("", "0")):
        return None
    from zopa.io.store import default_path, record

    try:
        if store is None:  # the default store: a child writes it, the command goes on
            from zopa.io.recorder import record_in_background

            try:
                return record_in_background(default_path(), command, scenario, params, seed,
                                            result, duration)  # fmt: skip
            except InputError:
                pass  # cannot hand it over: record it here
        return record(store, command, scenario, params, seed, result, duration=duration)
    except InputError as e:
        if store is not None:
            problems = [Problem(p.file, p.line, "--store", p.message) for p in e.problems]
            raise InputError(problems) from None
        sys.stderr.write(f"zopa: warning: run not recorded: {clip(str(e.problems[0]), 300)}\n")
        return None


def _console() -> Console:
    """The terminal tables' console (one width rule for every command: cli.render)."""
    from zopa.cli.render import console

    return console


def _emit_json(obj: Any) -> None:
    from zopa.results import json_text

    sys.stdout.write(json_text(obj))


def _cell(value: Any) -> str:
    """A JSON value as one short table cell."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return clip(text, 80)


@runs_app.command("list")
def list_runs(
    store: StoreOpt = None,
    json_out: JsonOpt = False,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most N runs.")] = None,
    command: Annotated[
        str | None, typer.Option("--command", help="Only this command's runs.")
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", help="Only runs on this scenario (its id or sha256: hash)."),
    ] = None,
) -> None:
    """The recorded runs, newest first."""
    from zopa.io.store import runs

    listed = runs(store, limit=limit, command=command, scenario=scenario)
    if json_out:
        _emit_json(listed.to_json())
        return
    from rich import box
    from rich.table import Table

    t = Table(title=f"Runs in {listed.store}", box=box.SIMPLE)
    for col in ("id", "created (UTC)", "command", "scenario", "seed", "zopa", "seconds"):
        t.add_column(col, justify="right" if col in ("seed", "seconds") else "left")
    for r in listed.runs:
        seconds = "" if r["duration_s"] is None else f"{r['duration_s']:.2f}"
        seed = "" if r["seed"] is None else str(r["seed"])
        t.add_row(r["id"], r["created"], r["command"], r["scenario_id"] or "", seed,
                  r["zopa_version"], seconds)  # fmt: skip
    _console().print(t if listed.runs else f"No runs in {listed.store}.")


@runs_app.command("show")
def show(run_id: IdArg, store: StoreOpt = None, json_out: JsonOpt = False) -> None:
    """One run: its inputs, its parameters and the frames of its result (--json: all of it,
    the result's JSON included)."""
    from zopa.io.store import get

    run = get(store, run_id)
    if json_out:
        _emit_json(run.to_json())
        return
    from rich import box
    from rich.table import Table

    c = _console()
    s = run.summary
    t = Table(title=f"Run {s['id']}", box=box.SIMPLE, show_header=False)
    for key in ("command", "created", "scenario_id", "scenario_title", "scenario_hash",
                "seed", "zopa_version", "duration_s"):  # fmt: skip
        t.add_row(key, "" if s[key] is None else str(s[key]))
    c.print(t)
    p = Table(title="Parameters", box=box.SIMPLE)
    p.add_column("parameter")
    p.add_column("value")
    for key, value in run.params.items():
        p.add_row(key, _cell(value))
    c.print(p)
    f = Table(title="Frames (zopa runs export writes them as CSV)", box=box.SIMPLE)
    for col in ("frame", "rows", "columns"):
        f.add_column(col, justify="right" if col == "rows" else "left")
    for name, df in run.frames.items():
        f.add_row(name, f"{len(df):,}", clip(", ".join(map(str, df.columns)), 100))
    c.print(f)


@runs_app.command("diff")
def diff(
    a: Annotated[str, typer.Argument(help="The first run's id (or its start).")],
    b: Annotated[str, typer.Argument(help="The second run's id (or its start).")],
    store: StoreOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """What differs between two runs: inputs, parameters and results, leaf by leaf."""
    from zopa.io.store import diff as run_diff

    d = run_diff(store, a, b)
    if json_out:
        _emit_json(d.to_json())
        return
    from rich import box
    from rich.table import Table

    t = Table(title=f"{d.a} -> {d.b}", box=box.SIMPLE)
    for col in ("part", "path", d.a, d.b):
        t.add_column(col)
    for part in ("run", "params", "result"):
        for x in getattr(d, part):
            missing = "(absent)"
            t.add_row(part, x["path"], missing if x["change"] == "added" else _cell(x["a"]),
                      missing if x["change"] == "removed" else _cell(x["b"]))  # fmt: skip
    _console().print(t if t.row_count else f"{d.a} and {d.b}: no differences.")


@runs_app.command("export")
def export(
    run_id: IdArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace the folder if it holds an earlier export.")
    ] = False,
    store: StoreOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Write a run to a folder: run.json and one CSV file per frame (all or nothing)."""
    from zopa.io.store import export as run_export

    done = run_export(store, run_id, output, force=force)
    if json_out:
        _emit_json(done.to_json())
        return
    typer.echo(f"wrote {done.directory}: {', '.join(done.files)}")
