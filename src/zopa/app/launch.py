"""Start the dashboard: ``zopa app [FILE] [--port PORT]``.

:func:`run` checks what it can before starting anything (Streamlit installed, the port
free and in range, the scenario file valid), then runs ``python -m streamlit run``
on :mod:`zopa.app.dashboard` in a child process, headless, on 127.0.0.1 by default, and
returns the child's exit status. The child is stopped whenever :func:`run` is left
early (Ctrl-C, or SIGTERM as the command line raises it).
"""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
from pathlib import Path

from zopa.errors import InputError

DASHBOARD = Path(__file__).with_name("dashboard.py")
STOP_SECONDS = 10
"""How long the child has to stop after SIGTERM before it is killed."""


def command(file: Path | None, port: int, host: str) -> list[str]:
    """The ``streamlit run`` command line for the dashboard (FILE after ``--``)."""
    return [
        sys.executable, "-m", "streamlit", "run", str(DASHBOARD),
        "--server.address", host,
        "--server.port", str(port),
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "viewer",
        "--", *([] if file is None else [str(file.resolve())]),
    ]  # fmt: skip


def check_streamlit() -> None:
    """Bad input (with the install command) unless Streamlit is installed."""
    if importlib.util.find_spec("streamlit") is None:
        raise InputError.at(
            "zopa app", None, "", "needs Streamlit, which is not installed: pip install 'zopa[app]'"
        )


def check_port(port: int, host: str) -> None:
    """Bad input naming ``--port`` unless ``port`` is in 1..65535 and free on ``host``."""
    if not isinstance(port, int) or not 1 <= port <= 65535:
        raise InputError.at("--port", None, "", f"must be a whole number 1 to 65535, not {port}")
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
            s.bind((host, port))
    except OSError as e:
        raise InputError.at(
            "--port", None, "", f"cannot listen on {host}:{port} ({e.strerror or e}): "
            "another program may be using it; choose another port"
        ) from None  # fmt: skip


def run(file: Path | None, port: int, host: str = "127.0.0.1") -> int:
    """Run the dashboard until it stops.

    Parameters
    ----------
    file
        A scenario file; None for the reference scenario. It is validated first, so a bad
        file is bad input (:class:`~zopa.errors.InputError`) before anything starts.
    port
        The port to listen on (1..65535, free).
    host
        The address to listen on; the default keeps the dashboard on this machine.

    Returns
    -------
    int
        Streamlit's exit status.

    Raises
    ------
    zopa.errors.InputError
        Streamlit is not installed, the port is out of range or taken, or the file is bad.
    """
    check_streamlit()
    check_port(port, host)
    if file is not None:
        import zopa

        zopa.load(file)
    child = subprocess.Popen(command(file, port, host))
    try:
        return child.wait()
    finally:
        stop(child)


def stop(child: subprocess.Popen[bytes]) -> None:
    """Stop ``child`` if it still runs: SIGTERM, then SIGKILL after :data:`STOP_SECONDS`."""
    if child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
