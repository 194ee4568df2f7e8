"""The run store: every recorded run's inputs and results in one embedded DuckDB file.

A run is one command's work (``analyze``, ``montecarlo``, ``leverage``, ``sweep``,
``forecast``, ``backtest``, ``simulate``): :func:`record` keeps what went in (the
scenario's content hash, the parameters and the seed, the zopa version, the time) and what
came out (the result's JSON and its frames); :func:`runs`, :func:`get`, :func:`diff` and
:func:`export` read them back as result objects with ``to_json()`` and ``to_frames()``.

The file lives in the user's data directory (:func:`default_path`; ``$ZOPA_STORE``
overrides it) or wherever the caller says. Its tables (schema version :data:`SCHEMA`):

``meta(key, value)``
    ``schema_version`` (an integer, as text) and ``created_by`` (the zopa version).
``runs(id, command, scenario_id, scenario_title, scenario_hash, params, seed,
zopa_version, created, duration_s, result)``
    One row per run. ``id`` is time-based and sortable (``YYYYMMDD-HHMMSS-<8 hex>``);
    ``params`` and ``result`` are JSON text; ``created`` is a UTC timestamp.
``frames(run_id, name, position, rows, columns)``
    One row per frame of a run, in the result's order; ``columns`` is JSON text, a list
    of ``{"name", "type"}``: each column's label and DuckDB type (``BIGINT``, ``UBIGINT``,
    ``DOUBLE``, ``BOOLEAN`` for integer, float and boolean columns, ``VARCHAR`` for every
    other column).
``cells(run_id, frame, row, col, value)``
    Every frame in long format: one row per non-null cell, ``col`` the column's position,
    ``value`` the cell as text (numbers in their shortest exact form, so they read back
    bit for bit when cast to the column's type; in text columns, lists and dicts as JSON
    and other values by ``str``). :func:`get` pivots them back into DataFrames.

One process-wide in-memory DuckDB instance attaches the file for each operation and
detaches it after, so the file is locked only while in use; the write-ahead log beside
the file (``runs.duckdb.wal``) is folded into it once it passes 1 MB. Each run is written
in one transaction: a process killed at any moment leaves the whole run or nothing. DuckDB lets
one process write a file at a time; another one waits (retrying) up to ``timeout``
seconds, then gets an :class:`~zopa.errors.InputError`. A new store is built beside its
path and linked into place, so no one ever sees half a store. A store with an older
schema is migrated in one transaction (:data:`MIGRATIONS`; version 1 had no
``runs.duration_s``); a newer one, or a file that is not a zopa store, is refused with a
message and never modified.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from typing_extensions import TypedDict

from zopa.errors import InputError
from zopa.files import write_text
from zopa.results import frame

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

    from zopa.results import Result
    from zopa.scenario.schema import Scenario

SCHEMA = 2
"""The schema version this zopa writes (and migrates older stores to)."""

TIMEOUT = 30.0
"""How long (seconds) an operation waits for another process to release the file."""

ALIAS = "zopa_store"
MAGIC = b"DUCK"  # bytes 8..12 of every DuckDB database file

TABLES = {
    "meta": "key VARCHAR PRIMARY KEY, value VARCHAR",
    "runs": (
        "id VARCHAR PRIMARY KEY, command VARCHAR, scenario_id VARCHAR, scenario_title VARCHAR, "
        "scenario_hash VARCHAR, params VARCHAR, seed BIGINT, zopa_version VARCHAR, "
        "created TIMESTAMP, duration_s DOUBLE, result VARCHAR"
    ),
    "frames": (
        "run_id VARCHAR, name VARCHAR, position INTEGER, rows BIGINT, columns VARCHAR, "
        "PRIMARY KEY (run_id, name)"
    ),
    "cells": "run_id VARCHAR, frame VARCHAR, row BIGINT, col INTEGER, value VARCHAR",
}

MIGRATIONS = {
    # version 1 -> 2: runs gained their duration (NULL for the runs recorded before)
    1: ["ALTER TABLE runs ADD COLUMN duration_s DOUBLE"],
}
"""The statements that take a store from version ``k`` to ``k + 1``."""

_lock = threading.Lock()


def default_path() -> Path:
    """The store's default location.

    Returns
    -------
    Path
        ``$ZOPA_STORE`` when set, else ``runs.duckdb`` in the user's data directory for
        zopa (``platformdirs.user_data_dir("zopa")``).
    """
    env = os.environ.get("ZOPA_STORE")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("zopa")) / "runs.duckdb"


# ---------------------------------------------------------------- runs being written
# A run recorded in the background (zopa.io.recorder) is announced by a marker
# <store>.pending/<run id> holding the writing child's process id; readers wait for the
# markers of live children, and remove those of dead ones (a killed child's run never
# landed: its transaction was never committed).

STARTING = 10.0
"""Seconds a marker without a process id yet (the child being started) counts as live."""


def pending_dir(store: Path) -> Path:
    """The folder of the markers of the runs being written to ``store``."""
    return store.with_name(store.name + ".pending")


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:  # Linux: the state follows the command name
            return f.read().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _live(marker: Path) -> bool:
    """Whether the child a marker names still runs (removing the marker when not)."""
    try:
        text = marker.read_text().strip()
        age = time.time() - marker.stat().st_mtime
    except OSError:
        return False
    if not text:
        return age < STARTING
    if text.isdigit() and _alive(int(text)):
        return True
    marker.unlink(missing_ok=True)
    return False


FAILED = ".failed"
"""The suffix of the note a background writer leaves when it cannot record a run."""


def _report_failures(folder: Path) -> None:
    """Say (once, on stderr) why background writers could not record their runs."""
    for note in sorted(folder.glob(f"*{FAILED}")):
        with contextlib.suppress(OSError):
            sys.stderr.write(f"zopa: warning: {note.read_text().strip()} "
                             f"(run {note.name.removesuffix(FAILED)})\n")  # fmt: skip
            note.unlink()


def wait_for_pending(store: Path, timeout: float) -> None:
    """Wait (up to ``timeout`` seconds) until no run is being written to ``store``."""
    folder = pending_dir(store)
    deadline = time.monotonic() + timeout
    while folder.is_dir() and any(
        _live(m) for m in folder.iterdir() if not m.name.endswith(FAILED)
    ):
        if time.monotonic() > deadline:
            break  # the reader goes on: it sees the runs that have landed
        time.sleep(0.05)
    if folder.is_dir():
        _report_failures(folder)


# ---------------------------------------------------------------- results


class RunSummaryJSON(TypedDict):
    """A run in a list: what ran, on what, when, with which seed; ``created`` is ISO 8601 UTC."""

    id: str
    created: str
    command: str
    scenario_id: str | None
    scenario_title: str | None
    scenario_hash: str | None
    seed: int | None
    zopa_version: str
    duration_s: float | None


SUMMARY = ", ".join(RunSummaryJSON.__annotations__)
"""The ``runs`` columns of a run's summary, in :class:`RunSummaryJSON`'s order."""


class RunListJSON(TypedDict):
    """``zopa runs list --json``."""

    store: str
    runs: list[RunSummaryJSON]


class FrameJSON(TypedDict):
    """A recorded frame's shape: rows, and each column's label and DuckDB type."""

    name: str
    rows: int
    columns: list[dict[str, str]]


class RunJSON(RunSummaryJSON):
    """``zopa runs show --json`` (and an export's ``run.json``)."""

    params: dict[str, Any]
    result: Any
    frames: list[FrameJSON]


class DifferenceJSON(TypedDict):
    """One differing leaf: its path (``a.b[2]``) and ``changed``, ``added`` (only in b) or
    ``removed``."""

    path: str
    change: str
    a: Any
    b: Any


class RunDiffJSON(TypedDict):
    """``zopa runs diff --json``."""

    a: str
    b: str
    run: list[DifferenceJSON]
    params: list[DifferenceJSON]
    result: list[DifferenceJSON]


class ExportJSON(TypedDict):
    """``zopa runs export --json``."""

    run: str
    directory: str
    files: list[str]


@dataclass(frozen=True)
class RunList:
    """``zopa runs list``: the runs in a store, newest first."""

    store: str
    runs: list[RunSummaryJSON]

    def to_json(self) -> RunListJSON:
        """The store's path and one summary per run."""
        return {"store": self.store, "runs": list(self.runs)}

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """``runs``: one row per run."""
        return {"runs": frame(self.runs, list(RunSummaryJSON.__annotations__))}


@dataclass(frozen=True)
class Run:
    """``zopa runs show``: one run, whole: its inputs, its result's JSON and its frames."""

    summary: RunSummaryJSON
    params: dict[str, Any]
    result: Any
    frames: dict[str, pd.DataFrame] = field(repr=False)
    columns: dict[str, list[dict[str, str]]] = field(repr=False)

    @property
    def id(self) -> str:
        return self.summary["id"]

    def to_json(self) -> RunJSON:
        """The summary, the parameters, the result's JSON and each frame's shape."""
        shapes: list[FrameJSON] = [
            {"name": n, "rows": len(f), "columns": self.columns[n]} for n, f in self.frames.items()
        ]
        return {**self.summary, "params": self.params, "result": self.result, "frames": shapes}

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """The frames recorded with the run, as they were recorded."""
        return dict(self.frames)


@dataclass(frozen=True)
class RunDiff:
    """``zopa runs diff``: what differs between two runs, leaf by leaf."""

    a: str
    b: str
    run: list[DifferenceJSON]
    params: list[DifferenceJSON]
    result: list[DifferenceJSON]

    def to_json(self) -> RunDiffJSON:
        """The two ids and the differences in the runs' inputs, parameters and results."""
        return {"a": self.a, "b": self.b, "run": self.run, "params": self.params,
                "result": self.result}  # fmt: skip

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """``differences``: one row per difference, with the part it is in."""
        rows = [{"part": part, **d} for part in ("run", "params", "result")
                for d in getattr(self, part)]  # fmt: skip
        return {"differences": frame(rows, ["part", "path", "change", "a", "b"])}


@dataclass(frozen=True)
class Export:
    """``zopa runs export``: where a run was written."""

    run: str
    directory: str
    files: list[str]

    def to_json(self) -> ExportJSON:
        """The run's id, the folder and the files written in it."""
        return {"run": self.run, "directory": self.directory, "files": list(self.files)}

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """``files``: one row per file written."""
        return {"files": frame({"file": self.files})}


# ---------------------------------------------------------------- opening


def _problem(path: Path, message: str) -> InputError:
    return InputError.at(str(path), None, "", message)


@cache
def _instance() -> duckdb.DuckDBPyConnection:
    """The process's in-memory DuckDB instance (started once: it takes tens of ms)."""
    import duckdb

    con = duckdb.connect(":memory:", config={"threads": 1})
    # A detach leaves the log for the next one to replay (cheap) rather than rewriting the
    # file (tens of ms); a commit that takes the log past 1 MB folds it into the file.
    con.execute("PRAGMA disable_checkpoint_on_shutdown")
    con.execute("SET checkpoint_threshold = '1MB'")
    return con


def _attach(con: duckdb.DuckDBPyConnection, path: Path, write: bool, timeout: float) -> None:
    """Attach ``path``, waiting with backoff while another process holds its lock."""
    import duckdb

    mode = "" if write else " (READ_ONLY)"
    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        try:
            con.execute(f"ATTACH '{_quoted(path)}' AS {ALIAS}{mode}")
            return
        except duckdb.IOException as e:
            if "lock" not in str(e).lower():
                raise _problem(path, f"cannot open the run store: {_first_line(e)}") from None
            if time.monotonic() >= deadline:
                raise _problem(
                    path,
                    f"the run store is busy: another process has held it for {timeout:g} s; "
                    "try again, or pass --store PATH or --no-store",
                ) from None
        except duckdb.Error as e:
            raise _problem(path, f"is not a zopa run store ({_first_line(e)})") from None
        time.sleep(pause)
        pause = min(pause * 2, 0.2)


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def _first_line(e: BaseException) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


def _check_file(path: Path) -> None:
    """Refuse, without opening it, a path that is not a DuckDB database file."""
    if not path.exists():
        raise _problem(path, "no run store here: no run has been recorded in it")
    if not path.is_file():
        raise _problem(path, "is not a regular file; it cannot be a run store")
    try:
        with path.open("rb") as f:
            head = f.read(12)
    except OSError as e:
        raise _problem(path, f"cannot read the run store: {e.strerror or e}") from None
    if head[8:12] != MAGIC:
        raise _problem(path, "is not a zopa run store (not a DuckDB file); leaving it untouched")


def _version(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """The attached store's schema version; refuse a file that is not a zopa store (one
    without a ``meta`` table holding an integer ``schema_version``)."""
    import duckdb

    try:
        row = con.execute(f"SELECT value FROM {ALIAS}.meta WHERE key = 'schema_version'").fetchone()
    except duckdb.Error:  # no meta table, or not ours
        row = None
    if row is None or not str(row[0]).isdigit():
        raise _problem(path, "is a DuckDB file but not a zopa run store; leaving it untouched")
    return int(row[0])


def _migrate(con: duckdb.DuckDBPyConnection, version: int) -> None:
    """Bring an attached store from ``version`` to :data:`SCHEMA`, in one transaction."""
    con.execute(f"USE {ALIAS}")
    con.execute("BEGIN")
    try:
        for v in range(version, SCHEMA):
            for statement in MIGRATIONS[v]:
                con.execute(statement)
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA)])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.execute("USE memory")


def _create(path: Path) -> None:
    """Build an empty store beside ``path`` and link it into place (a concurrent creator
    may win: then its store is used). Called with the lock held."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise _problem(path, f"cannot create the run store: {e.strerror or e}") from None
    import duckdb

    os.close(fd)
    os.unlink(tmp)  # DuckDB refuses an existing empty file; it creates its own
    con = _instance()
    try:
        con.execute(f"ATTACH '{_quoted(Path(tmp))}' AS {ALIAS}")
        try:
            for name, columns in TABLES.items():
                con.execute(f"CREATE TABLE {ALIAS}.{name} ({columns})")
            con.execute(f"INSERT INTO {ALIAS}.meta VALUES ('schema_version', ?), "
                        "('created_by', ?)", [str(SCHEMA), zopa_version()])  # fmt: skip
            con.execute(f"CHECKPOINT {ALIAS}")  # the whole store in the file, no log beside
        finally:
            con.execute(f"DETACH {ALIAS}")
        os.link(tmp, path)
    except FileExistsError:
        pass
    except OSError as e:
        raise _problem(path, f"cannot create the run store: {e.strerror or e}") from None
    except duckdb.Error as e:
        raise _problem(path, f"cannot create the run store: {_first_line(e)}") from None
    finally:
        for leftover in (tmp, tmp + ".wal"):
            Path(leftover).unlink(missing_ok=True)


@contextmanager
def opened(
    path: str | Path | None, *, write: bool, timeout: float = TIMEOUT
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The store attached (as ``zopa_store``, the default schema) for one operation.

    Parameters
    ----------
    path
        The store (None: :func:`default_path`). A missing store is created when
        ``write``, and refused otherwise.
    write
        Attach for writing (otherwise read-only, unless an older schema must be migrated).
    timeout
        Seconds to wait for another process holding the file.

    Raises
    ------
    InputError
        Naming the file: not a zopa store, written by a newer zopa, busy past the timeout,
        or not readable or writable.
    """
    p = Path(path) if path is not None else default_path()
    if not write:
        wait_for_pending(p, timeout)
    with _lock:
        if write and not p.exists():
            _create(p)
        _check_file(p)
        con = _instance()
        _attach(con, p, write, timeout)
        try:
            version = _version(con, p)
            if version < SCHEMA and not write:  # a migration writes
                con.execute(f"DETACH {ALIAS}")
                _attach(con, p, True, timeout)
                version = _version(con, p)
            if version > SCHEMA:
                raise _problem(p, f"was written by a newer zopa (store version {version}; this "
                               f"zopa reads up to {SCHEMA}); leaving it untouched")  # fmt: skip
            if version < SCHEMA:
                _migrate(con, version)
            con.execute(f"USE {ALIAS}")
            yield con
        finally:
            con.execute("USE memory")
            con.execute(f"DETACH DATABASE IF EXISTS {ALIAS}")


# ---------------------------------------------------------------- recording


@cache
def zopa_version() -> str:
    """The installed zopa's version (``0+unknown`` when it is not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("zopa")
    except PackageNotFoundError:
        return "0+unknown"


def new_id(now: datetime) -> str:
    """A run id: the UTC time to the second, then 8 random hex digits (sortable, unique)."""
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(4)}"


def _text_cell(v: Any) -> str:
    """A cell of a text column as text: JSON for lists and dicts."""
    if isinstance(v, str):
        return v
    if isinstance(v, list | tuple | dict):
        return json.dumps(v, default=str, ensure_ascii=False, sort_keys=True)
    return str(v)


SQL_TYPES = {"i": "BIGINT", "u": "UBIGINT", "f": "DOUBLE", "b": "BOOLEAN"}
"""The DuckDB type of a frame's column by its dtype's kind; every other column is text."""


def _column(s: pd.Series) -> tuple[str, Any, list[str]]:
    """A column's DuckDB type, the positions of its non-null cells and their text (numbers
    in their shortest exact form)."""
    import numpy as np
    import pandas as pd

    kind = SQL_TYPES.get(s.dtype.kind, "VARCHAR")
    arr = s.to_numpy()
    if arr.dtype.kind in "iub":  # numpy integers and booleans: never missing
        return kind, np.arange(len(arr)), [str(v).lower() for v in arr.tolist()]
    keep = np.flatnonzero(~pd.isna(arr))
    values = arr[keep].tolist()
    if kind == "DOUBLE":
        text = [repr(float(v)) for v in values]
    elif kind == "BOOLEAN":  # a nullable boolean column
        text = ["true" if v else "false" for v in values]
    elif kind == "VARCHAR":
        text = [_text_cell(v) for v in values]
    else:
        text = [str(v) for v in values]
    return kind, keep, text


def _write_frames(
    con: duckdb.DuckDBPyConnection, run_id: str, frames: Mapping[str, pd.DataFrame]
) -> None:
    """Every frame's catalog row and its cells (inside the run's transaction)."""
    import numpy as np

    catalog: list[Any] = []
    rows, cols, values, names = [], [], [], []
    for pos, (name, df) in enumerate(frames.items()):
        columns = []
        for j, (label, s) in enumerate(df.items()):
            kind, keep, text = _column(s)
            columns.append({"name": str(label), "type": kind})
            rows.append(keep)
            cols.append(np.full(len(keep), j, dtype=np.int32))
            values += text
            names += [name] * len(keep)
        catalog += [run_id, name, pos, len(df), json.dumps(columns, ensure_ascii=False)]
    if frames:
        marks = ", ".join(["(?, ?, ?, ?, ?)"] * len(frames))
        con.execute(f"INSERT INTO frames VALUES {marks}", catalog)
    if values:
        cells = {
            "frame": np.array(names, dtype=object),
            "row": np.concatenate(rows),
            "col": np.concatenate(cols),
            "value": np.array(values, dtype=object),
        }
        con.register("_zopa_cells", cells)
        try:
            con.execute("INSERT INTO cells SELECT ?, frame, row, col, value FROM _zopa_cells",
                        [run_id])  # fmt: skip
        finally:
            con.unregister("_zopa_cells")


def _run_row(
    run_id: str,
    now: datetime,
    command: str,
    scenario: Scenario | None,
    params: Mapping[str, Any],
    seed: int | None,
    result: Result,
    duration: float | None,
) -> dict[str, Any]:
    """The ``runs`` row of a new run, column by column."""
    return {
        "id": run_id,
        "command": command,
        "scenario_id": scenario.id if scenario is not None else None,
        "scenario_title": scenario.title if scenario is not None else None,
        "scenario_hash": scenario.content_hash if scenario is not None else None,
        "params": json.dumps(dict(params), default=str, ensure_ascii=False, sort_keys=True),
        "seed": seed,
        "zopa_version": zopa_version(),
        "created": now.replace(tzinfo=None),
        "duration_s": duration,
        "result": json.dumps(result.to_json(), default=str, ensure_ascii=False),
    }


def record(
    path: str | Path | None,
    command: str,
    scenario: Scenario | None,
    params: Mapping[str, Any],
    seed: int | None,
    result: Result,
    *,
    duration: float | None = None,
    timeout: float = TIMEOUT,
    run_id: str | None = None,
) -> str:
    """Record one run, whole or not at all, and return its id.

    Parameters
    ----------
    path
        The store (None: :func:`default_path`); created when missing.
    command
        The command that ran (``analyze``, ``montecarlo``, ...).
    scenario
        The scenario it ran on (None for runs without one, e.g. a backtest).
    params
        The command's parameters (JSON-able; other values are stored as text).
    seed
        The seed of its random numbers, if any.
    result
        Its result: ``to_json()`` is stored as JSON, every ``to_frames()`` frame as cells.
    duration
        How long the run took, in seconds.
    timeout
        Seconds to wait for another process writing the store.
    run_id
        The id to give it (one :func:`new_id` made earlier, when the run was handed to a
        background writer); default: a new one.

    Returns
    -------
    str
        The new run's id.

    Raises
    ------
    InputError
        Naming the file, when the store cannot be created, opened or written.
    """
    import duckdb

    now = datetime.now(UTC)
    run_id = run_id or new_id(now)
    row = _run_row(run_id, now, command, scenario, params, seed, result, duration)
    frames = result.to_frames()
    p = Path(path) if path is not None else default_path()
    with opened(p, write=True, timeout=timeout) as con:
        con.execute("BEGIN")
        try:
            marks = ", ".join("?" * len(row))
            con.execute(f"INSERT INTO runs ({', '.join(row)}) VALUES ({marks})", list(row.values()))
            _write_frames(con, run_id, {str(k): v for k, v in frames.items()})
            con.execute("COMMIT")
        except duckdb.Error as e:
            con.execute("ROLLBACK")
            raise _problem(p, f"cannot write the run: {_first_line(e)}") from None
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return run_id


# ---------------------------------------------------------------- reading


def _path(path: str | Path | None) -> Path:
    return Path(path) if path is not None else default_path()


def _summary(row: tuple[Any, ...]) -> RunSummaryJSON:
    d = dict(zip(RunSummaryJSON.__annotations__, row, strict=True))
    d["created"] = d["created"].isoformat(timespec="milliseconds") + "Z"
    return cast(RunSummaryJSON, d)


def runs(
    path: str | Path | None = None,
    limit: int | None = None,
    command: str | None = None,
    scenario: str | None = None,
    *,
    timeout: float = TIMEOUT,
) -> RunList:
    """The runs in a store, newest first.

    Parameters
    ----------
    path
        The store (None: :func:`default_path`); a missing store has no runs.
    limit
        At most this many runs.
    command
        Only the runs of this command.
    scenario
        Only the runs on this scenario: its id or its content hash (``sha256:...``).
    timeout
        Seconds to wait for another process writing the store.

    Returns
    -------
    RunList
        The store's path and one summary per run.
    """
    p = _path(path)
    wait_for_pending(p, timeout)  # a run being written in the background lands first
    if not p.exists():
        return RunList(str(p), [])
    where, args = ["TRUE"], []
    if command is not None:
        where.append("command = ?")
        args.append(command)
    if scenario is not None:
        where.append("(scenario_id = ? OR scenario_hash = ?)")
        args += [scenario, scenario]
    sql = f"SELECT {SUMMARY} FROM runs WHERE {' AND '.join(where)} ORDER BY created DESC, id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    with opened(p, write=False, timeout=timeout) as con:
        rows = con.execute(sql, args).fetchall()
    return RunList(str(p), [_summary(r) for r in rows])


def _resolve(con: duckdb.DuckDBPyConnection, path: Path, run_id: str) -> str:
    """The one run whose id starts with ``run_id``."""
    found = [r[0] for r in con.execute(
        "SELECT id FROM runs WHERE starts_with(id, ?) ORDER BY id LIMIT 6", [run_id]
    ).fetchall()]  # fmt: skip
    if not found:
        raise _problem(path, f"no run {run_id!r} (zopa runs list shows the runs)")
    if len(found) > 1 and run_id not in found:
        shown = ", ".join(found[:5]) + (", ..." if len(found) > 5 else "")
        raise _problem(path, f"{run_id!r} is the start of several runs ({shown}); give more of it")
    return run_id if run_id in found else found[0]


SAFE_TYPE = re.compile(r"[A-Za-z0-9_ ,()\[\]]+")


def _read_frame(
    con: duckdb.DuckDBPyConnection, run_id: str, name: str, rows: int, columns: list[Any]
) -> pd.DataFrame:
    """One recorded frame, its cells cast back to the types they had."""
    import pandas as pd

    if not columns:
        return pd.DataFrame(index=range(rows))
    picks = ", ".join(
        f"CAST(max(value) FILTER (WHERE col = {j}) AS "
        f"{c['type'] if SAFE_TYPE.fullmatch(c['type']) else 'VARCHAR'}) AS c{j}"
        for j, c in enumerate(columns)
    )
    df = con.execute(
        f"SELECT {picks} FROM range(?) AS r(n) LEFT JOIN cells ON cells.row = r.n "
        "AND run_id = ? AND frame = ? GROUP BY r.n ORDER BY r.n",
        [rows, run_id, name],
    ).df()
    return df.set_axis([c["name"] for c in columns], axis=1)


def _load(con: duckdb.DuckDBPyConnection, path: Path, run_id: str, frames: bool) -> Run:
    """The run ``run_id`` (a unique prefix will do), with its frames when ``frames``."""
    rid = _resolve(con, path, run_id)
    row = con.execute(f"SELECT {SUMMARY}, params, result FROM runs WHERE id = ?", [rid]).fetchone()
    assert row is not None  # _resolve found it
    catalog = con.execute(
        "SELECT name, rows, columns FROM frames WHERE run_id = ? ORDER BY position", [rid]
    ).fetchall()
    columns = {name: json.loads(cols) for name, _, cols in catalog}
    tables = (
        {name: _read_frame(con, rid, name, n, columns[name]) for name, n, _ in catalog}
        if frames
        else {}
    )
    return Run(_summary(row[:-2]), json.loads(row[-2]), json.loads(row[-1]), tables, columns)


def get(path: str | Path | None, run_id: str, *, timeout: float = TIMEOUT) -> Run:
    """One run, whole: its inputs, its result's JSON and its frames.

    Parameters
    ----------
    path
        The store (None: :func:`default_path`).
    run_id
        The run's id, or a prefix of it that no other run's id starts with.
    timeout
        Seconds to wait for another process writing the store.

    Raises
    ------
    InputError
        Naming the store: no such run, a prefix of several, or no store.
    """
    p = _path(path)
    with opened(p, write=False, timeout=timeout) as con:
        return _load(con, p, run_id, frames=True)


def _leaves(x: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every leaf of a JSON value with its path (``a.b[2].c``); empty containers are leaves."""
    if isinstance(x, dict) and x:
        for k, v in x.items():
            yield from _leaves(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(x, list) and x:
        for i, v in enumerate(x):
            yield from _leaves(v, f"{prefix}[{i}]")
    else:
        yield prefix, x


def _same(x: Any, y: Any) -> bool:
    """Exact equality of two JSON leaves (``1`` and ``1.0`` are one number, ``true`` is not)."""
    numbers = (int, float)
    if isinstance(x, numbers) and isinstance(y, numbers) and bool not in (type(x), type(y)):
        return x == y or (x != x and y != y)  # NaN is itself
    return type(x) is type(y) and x == y


def differences(a: Any, b: Any) -> list[DifferenceJSON]:
    """The leaves of two JSON values that differ: changed, added (only in ``b``) or removed.

    Parameters
    ----------
    a, b
        JSON values (dicts, lists, strings, numbers, booleans, None).

    Returns
    -------
    list of dict
        ``{"path", "change", "a", "b"}`` per differing leaf, in ``a``'s order then ``b``'s;
        a missing side is None.
    """
    left, right = dict(_leaves(a)), dict(_leaves(b))
    out: list[DifferenceJSON] = []
    for path, x in left.items():
        if path not in right:
            out.append({"path": path, "change": "removed", "a": x, "b": None})
        elif not _same(x, right[path]):
            out.append({"path": path, "change": "changed", "a": x, "b": right[path]})
    out += [{"path": p, "change": "added", "a": None, "b": y}
            for p, y in right.items() if p not in left]  # fmt: skip
    return out


RUN_FIELDS = ("command", "scenario_id", "scenario_hash", "seed", "zopa_version")


def diff(path: str | Path | None, a: str, b: str, *, timeout: float = TIMEOUT) -> RunDiff:
    """What differs between two runs: their inputs, parameters and results, leaf by leaf.

    Parameters
    ----------
    path
        The store (None: :func:`default_path`).
    a, b
        The runs' ids (or unique prefixes).
    timeout
        Seconds to wait for another process writing the store.

    Returns
    -------
    RunDiff
        The differences in the runs' command, scenario, seed and zopa version, in their
        parameters and in their results' JSON (numbers compared exactly).
    """
    p = _path(path)
    with opened(p, write=False, timeout=timeout) as con:
        x, y = _load(con, p, a, frames=False), _load(con, p, b, frames=False)
    run = differences(*({k: dict(r.summary)[k] for k in RUN_FIELDS} for r in (x, y)))
    return RunDiff(x.id, y.id, run, differences(x.params, y.params),
                   differences(x.result, y.result))  # fmt: skip


# ---------------------------------------------------------------- exporting


def _file_names(names: list[str]) -> list[str]:
    """A distinct, safe CSV file name for each frame name."""
    out: list[str] = []
    for name in names:
        base = re.sub(r"[^A-Za-z0-9._-]", "_", name).lstrip(".") or "frame"
        candidate, k = f"{base}.csv", 1
        while candidate in out:
            k += 1
            candidate = f"{base}_{k}.csv"
        out.append(candidate)
    return out


def _check_folder(directory: Path, force: bool) -> None:
    """Refuse a target that exists (without ``force``) or that is not an export folder."""
    if not (directory.exists() or directory.is_symlink()):
        return
    name = str(directory)
    if directory.is_symlink() or not directory.is_dir():
        raise InputError.at(name, None, "-o", "exists and is not a folder")
    if not force:
        raise InputError.at(name, None, "-o", "exists; pass --force to replace it")
    if any(directory.iterdir()) and not (directory / "run.json").is_file():
        raise InputError.at(
            name, None, "-o", "is a folder that is not a zopa run export; refusing to replace it"
        )


def _swap(tmp: Path, directory: Path) -> None:
    """Put the folder ``tmp`` in the place of ``directory`` (which may exist)."""
    if not directory.exists():
        tmp.rename(directory)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{directory.name}.old.", dir=directory.parent))
    directory.rename(old / directory.name)
    try:
        tmp.rename(directory)
    except BaseException:
        (old / directory.name).rename(directory)
        raise
    shutil.rmtree(old, ignore_errors=True)


def export(
    path: str | Path | None,
    run_id: str,
    directory: str | Path,
    force: bool = False,
    *,
    timeout: float = TIMEOUT,
) -> Export:
    """Write a run to a folder: ``run.json`` (what ``zopa runs show --json`` prints) and one
    CSV file per frame, all of them or none.

    Parameters
    ----------
    path
        The store (None: :func:`default_path`).
    run_id
        The run's id (or a unique prefix).
    directory
        The folder to write; it is built beside, then renamed into place.
    force
        Replace an existing folder, if it is an earlier export (holds ``run.json``) or empty.
    timeout
        Seconds to wait for another process writing the store.

    Raises
    ------
    InputError
        Naming the store (no such run) or the folder (exists, not a folder, not writable).
    """
    target = Path(directory)
    _check_folder(target, force)
    run = get(path, run_id, timeout=timeout)
    names = _file_names(list(run.frames))
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as e:
        raise InputError.at(str(target), None, "-o", f"cannot write: {e.strerror or e}") from None
    try:
        text = json.dumps(run.to_json(), indent=2, ensure_ascii=False, default=str) + "\n"
        write_text(tmp / "run.json", text)
        for file, df in zip(names, run.frames.values(), strict=True):
            write_text(tmp / file, df.to_csv(index=False))
        os.chmod(tmp, 0o777 & ~_umask())
        _swap(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Export(run.id, str(target), ["run.json", *names])


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
