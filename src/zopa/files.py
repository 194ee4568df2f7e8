"""Reading and writing files safely: the one bounded reader and the one atomic writer.

Every file zopa reads (scenario files, importers' inputs, source texts) goes through
:func:`read_bytes` or :func:`read_text`: regular files only (a FIFO, a device such as
``/dev/zero`` or a folder is refused without blocking), at most ``max_bytes`` bytes
actually read (never trusting ``stat()``), UTF-8 with an optional byte-order mark.
Every file zopa writes goes through :func:`write_text`: never over an input, never over
an existing file unless asked, keeping the mode of the file it replaces, through a
temporary file in the same folder that is removed whatever happens (an exception, Ctrl-C
or SIGTERM, which the command line turns into an exception).
"""

from __future__ import annotations

import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from zopa.errors import InputError, Problem

CHUNK = 1 << 20


def _size(n: int) -> str:
    return f"{n / 2**20:g} MiB" if n >= 2**20 else f"{n:,} bytes"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "it is a folder"
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        return "it is a pipe, not a regular file"
    return "it is a device, not a regular file"


def read_bytes(
    path: str | Path,
    max_bytes: int,
    *,
    what: str = "a file",
    missing: Problem | None = None,
) -> bytes:
    """The bytes of a regular file, reading at most ``max_bytes`` of them.

    Parameters
    ----------
    path
        The file.
    max_bytes
        The largest size accepted; the read stops one byte past it.
    what
        What the file is, for the size message ("a scenario", "an importer's input").
    missing
        The problem to report when the file does not exist (default: the file itself).

    Raises
    ------
    InputError
        Naming the file: missing, not a regular file, unreadable, or too large.
    """
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise InputError(
            missing or Problem(name, None, "", "cannot read the file: file not found")
        ) from None
    except OSError as e:
        raise InputError.at(name, None, "", f"cannot read the file: {e.strerror or e}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputError.at(name, None, "", f"cannot read the file: {_kind(mode)}")
        parts: list[bytes] = []
        got = 0
        while got <= max_bytes:
            block = os.read(fd, min(CHUNK, max_bytes + 1 - got))
            if not block:
                break
            parts.append(block)
            got += len(block)
        if got > max_bytes:
            raise InputError.at(
                name, None, "", f"file is larger than the {_size(max_bytes)} {what} may be"
            )
        return b"".join(parts)
    except OSError as e:
        raise InputError.at(name, None, "", f"cannot read the file: {e.strerror or e}") from None
    finally:
        os.close(fd)


def decode(raw: bytes, name: str) -> str:
    """``raw`` as UTF-8 text (a leading byte-order mark dropped), or an InputError naming
    the line of the first byte that is not UTF-8."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise InputError.at(name, line, "", f"not UTF-8 text ({e.reason})") from None


def read_text(
    path: str | Path,
    max_bytes: int,
    *,
    what: str = "a file",
    missing: Problem | None = None,
) -> str:
    """The UTF-8 text of a regular file of at most ``max_bytes`` (see :func:`read_bytes`)."""
    return decode(read_bytes(path, max_bytes, what=what, missing=missing), str(path))


_written: list[str] = []


def written() -> list[str]:
    """The files :func:`write_text` has written in full in this process (a command
    interrupted after its output is in place has done its work)."""
    return list(_written)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM (in the main thread) until the block is done."""
    held = threading.current_thread() is threading.main_thread() and hasattr(
        signal, "pthread_sigmask"
    )
    if held:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        if held:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_target(
    path: str | Path,
    *,
    force: bool = False,
    inputs: Iterable[str | Path] = (),
    option: str = "-o",
) -> int | None:
    """Check that ``path`` may be written; return the mode of the file it would replace.

    Parameters
    ----------
    path
        The file to write.
    force
        Replace an existing file (otherwise an existing file is refused).
    inputs
        Files (or folders) the command reads: ``path`` may never be one of them, nor a
        file inside an input folder.
    option
        The option that named ``path``, for the messages.

    Raises
    ------
    InputError
        Naming ``path``: it exists (without ``force``), it is an input, it is read-only
        or not a regular file.
    """
    target = Path(path)
    name = str(path)
    for src in inputs:
        s = Path(src)
        if _same_file(target, s):
            raise InputError.at(name, None, option, "is the input file; refusing to write over it")
        if s.is_dir() and target.resolve().is_relative_to(s.resolve()):
            raise InputError.at(name, None, option, f"is inside the input folder {src}")
    if not (target.exists() or target.is_symlink()):
        return None
    st = target.stat() if target.exists() else None
    if st is None or not stat.S_ISREG(st.st_mode):
        raise InputError.at(name, None, option, "exists and is not a regular file")
    if not force:
        raise InputError.at(name, None, option, "exists; pass --force to replace it")
    if not st.st_mode & 0o222 or not os.access(target, os.W_OK):  # root may write anyway
        raise InputError.at(name, None, option, "is read-only; refusing to replace it")
    return stat.S_IMODE(st.st_mode)


def write_text(
    path: str | Path,
    text: str,
    *,
    force: bool = False,
    inputs: Iterable[str | Path] = (),
    option: str = "-o",
) -> None:
    """Write ``text`` to ``path`` atomically: all of it or nothing.

    ``path`` is checked first by :func:`check_target` (same parameters); a replaced
    file keeps its mode, a new one gets the default mode (``0o666`` less the umask). The
    text goes to a temporary file in the same folder, flushed to disk, then renamed over
    ``path``; the temporary file is removed whatever stops the write.

    Raises
    ------
    InputError
        As :func:`check_target` does, and when the folder cannot be written.
    """
    target = Path(path)
    name = str(path)
    mode = check_target(path, force=force, inputs=inputs, option=option)
    folder = target.parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as e:
        raise InputError.at(
            name, None, option, f"cannot write in {folder}: {e.strerror or e}"
        ) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        with _signals_held():  # renamed and recorded, or neither
            os.replace(tmp, target)
            _written.append(name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
