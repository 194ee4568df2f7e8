"""Recording a run without making the command wait: a child process writes it.

A command's result is pickled to a child (``python -m zopa.io.recorder``) that imports
DuckDB and pandas, calls :func:`zopa.io.store.record` and exits; the command itself returns
as soon as the child has the result (importing DuckDB and pandas alone costs a fresh
process about half a second). The child runs in its own session, so Ctrl-C at the terminal
does not stop it, and it writes the run in one transaction as :func:`~zopa.io.store.record`
always does: killed at any moment, it leaves the store whole.

While a child writes, a marker ``<store>.pending/<run id>`` holds its process id; readers
of the store wait for it (:func:`zopa.io.store.wait_for_pending`), so a ``zopa runs list``
right after a command sees its run. A child has no terminal (a command piped into another
must not wait for it): when it cannot record, it leaves the reason in
``<marker>.failed``, and the next reader says it on stderr.
"""

from __future__ import annotations

import contextlib
import pickle
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from zopa.errors import InputError, clip
from zopa.io.store import FAILED


def record_in_background(
    path: Path,
    command: str,
    scenario: Any,
    params: dict[str, Any],
    seed: int | None,
    result: Any,
    duration: float | None = None,
) -> str:
    """Hand the run to a child process that records it; return the id it will have.

    Parameters
    ----------
    path
        The store.
    command, scenario, params, seed, result, duration
        As :func:`zopa.io.store.record` takes them.

    Returns
    -------
    str
        The run's id.

    Raises
    ------
    InputError
        When the store's folder cannot hold the marker, or the result is not a zopa result
        or cannot be pickled (the caller records in the process instead).
    """
    from zopa.io.store import new_id, pending_dir

    if not type(result).__module__.startswith("zopa."):  # the child imports zopa only
        raise InputError.at(str(path), None, "", "not a zopa result: recorded in the process")
    run_id = new_id(datetime.now(UTC))
    try:
        payload = pickle.dumps((str(path), command, scenario, params, seed, result, duration,
                                run_id), protocol=pickle.HIGHEST_PROTOCOL)  # fmt: skip
    except Exception as e:  # any object may refuse to pickle
        raise InputError.at(str(path), None, "", f"cannot hand the run over: {e}") from None
    folder = pending_dir(path)
    marker = folder / run_id
    try:
        folder.mkdir(parents=True, exist_ok=True)
        marker.write_text("")
    except OSError as e:
        raise InputError.at(str(path), None, "", f"cannot record: {e.strerror or e}") from None
    child = subprocess.Popen(
        [sys.executable, "-m", "zopa.io.recorder", str(marker)],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    marker.write_text(str(child.pid))
    assert child.stdin is not None
    with child.stdin:
        child.stdin.write(payload)
    return run_id


def _failed(marker: str, message: str) -> int:
    """Leave why the run was not recorded beside its marker, for the next reader to say
    (the child has no terminal: a command's output must not wait for it)."""
    with contextlib.suppress(OSError):
        Path(marker + FAILED).write_text(f"run not recorded: {clip(message, 300)}\n")
    return 1


def _main(marker: str) -> int:
    """The child: record the pickled run read from stdin, then remove its marker."""
    try:
        from zopa.io.store import record

        path, command, scenario, params, seed, result, duration, run_id = pickle.loads(
            sys.stdin.buffer.read()
        )
        record(path, command, scenario, params, seed, result, duration=duration, run_id=run_id)
        return 0
    except InputError as e:
        return _failed(marker, str(e.problems[0]))
    except Exception as e:  # never a traceback
        return _failed(marker, f"{type(e).__name__}: {e}")
    finally:
        Path(marker).unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1]))
