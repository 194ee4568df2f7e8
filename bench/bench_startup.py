"""Start-up benchmark, before and after the move: ``python bench/bench_startup.py``.

Builds a wheel of the baseline revision (``git archive REV``) and one of the working tree
(its tracked and untracked, not ignored, build files as they are on disk), installs each with
``--no-deps`` into its own venv, and makes the dependencies importable there through a
``.pth`` file naming this interpreter's site-packages (a path line: its own editable
``zopa`` is not activated, and the venv's ``zopa`` comes first; checked). The venvs are
cached under ``$TMPDIR/zopa-bench-startup/<key>``, keyed by commit or by a hash of the
tree's files (the last tree's only), so reruns only measure.

Then, alternating baseline and current (order flipped each round to cancel drift), it
times ``--runs`` fresh processes of each:

* ``python -c "import zopa"``;
* ``python -m zopa.cli.main analyze --json`` on the bundled reference scenario;
* ``python -c "import zopa; zopa.analyze(zopa.reference())"``, current tree only, when it
  has that API.

It prints the median and best wall time of each, the ratio current/baseline, and whether
the two ``analyze --json`` outputs are byte-identical. It always exits 0 once measured.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# "Golden files of every --json output and every importer's scenario, written before the
# move": the last commit before the refactor into pipeline-stage layers.
BASELINE = "97e053877080aa5fbbd07c62879a5d1680a6b051"
BUILD = ("pyproject.toml", "README.md", "LICENSE*", "MANIFEST.in", "src")  # what the wheel needs
CACHE = Path(tempfile.gettempdir()) / "zopa-bench-startup"
IMPORT = ["-c", "import zopa"]
ANALYZE = ["-m", "zopa.cli.main", "analyze", "--json"]
API = ["-c", "import zopa; zopa.analyze(zopa.reference())"]
HAS_API = "import zopa; print(hasattr(zopa, 'analyze') and hasattr(zopa, 'reference'))"


def git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True
    ).stdout


def export(rev: str | None, dest: Path) -> None:
    """Write the files of ``rev`` (None: the working tree's files in BUILD) into ``dest``."""
    dest.mkdir(parents=True)
    if rev is not None:
        tar = subprocess.run(
            ["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=tar, check=True)
        return
    for name in tree_files():
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        (dest / name).write_bytes((ROOT / name).read_bytes())


def tree_files() -> list[str]:
    names = git("ls-files", "-co", "--exclude-standard", "-z", "--", *BUILD).split("\0")
    return sorted(n for n in names if n and (ROOT / n).is_file())


def tree_key() -> str:
    h = hashlib.sha256()
    for name in tree_files():
        h.update(name.encode() + b"\0" + (ROOT / name).read_bytes() + b"\0")
    return "tree-" + h.hexdigest()[:16]


def venv(rev: str | None) -> Path:
    """A cached venv with the wheel of ``rev`` (None: the working tree); its python."""
    key = f"rev-{rev}" if rev else tree_key()
    home = CACHE / key
    python = home / "venv" / "bin" / "python"
    if (home / "ok").exists():
        return python
    for stale in CACHE.glob("tree-*") if rev is None else [home]:  # one tree venv at a time
        shutil.rmtree(stale, ignore_errors=True)
    export(rev, home / "src")
    pip = [sys.executable, "-m", "pip", "-q"]
    wheel_dir, src = str(home / "dist"), str(home / "src")
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", wheel_dir, src], check=True
    )
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(home / "venv")], check=True)
    (wheel,) = (home / "dist").glob("zopa-*.whl")
    subprocess.run([*pip, "--python", str(python), "install", "--no-deps", str(wheel)], check=True)
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    )
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site.stdout.strip()) / "zz_bench_deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    found = py(
        python,
        "-c",
        "import numpy, scipy, pydantic, yaml, typer, rich, dask, pandas;"
        "import zopa; print(zopa.__file__)",
    ).strip()
    if not Path(found).resolve().is_relative_to((home / "venv").resolve()):
        sys.exit(f"{python}: import zopa gives {found}, not the venv's own zopa")
    (home / "ok").write_text(found + "\n")
    return python


def py(python: Path, *args: str) -> str:
    done = subprocess.run([str(python), *args], capture_output=True, text=True, cwd=python.parent)
    if done.returncode != 0:
        sys.exit(f"{python} {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return done.stdout


def wall(python: Path, args: list[str]) -> float:
    t0 = time.perf_counter()
    py(python, *args)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", default=BASELINE, help="revision to compare with")
    ap.add_argument("--runs", type=int, default=15, help="runs of each command on each side")
    opts = ap.parse_args()
    rev = git("rev-parse", "--verify", f"{opts.baseline}^{{commit}}").strip()
    base, cur = venv(rev), venv(None)
    print(f"baseline {rev[:12]}: {base.parent.parent}\ncurrent  working tree: {cur.parent.parent}")
    has_api = py(cur, "-c", HAS_API).strip() == "True"
    same = py(base, *ANALYZE) == py(cur, *ANALYZE)  # also a warm-up of each
    cases = {"import zopa": IMPORT, "zopa analyze --json": ANALYZE}
    times: dict[tuple[str, str], list[float]] = {}
    for i in range(opts.runs):
        sides = [("baseline", base), ("current", cur)][:: 1 if i % 2 == 0 else -1]
        for name, args in cases.items():
            for side, python in sides:
                times.setdefault((name, side), []).append(wall(python, args))
        if has_api:
            times.setdefault(("zopa.analyze(reference())", "current"), []).append(wall(cur, API))
    print(f"\n{opts.runs} runs each, wall seconds of a fresh process\n")
    print(f"{'':28}{'baseline':>18}{'current':>18}{'current/baseline':>20}")
    print(f"{'':28}{'median':>9}{'best':>9}{'median':>9}{'best':>9}{'median':>10}{'best':>10}")
    for name in [*cases, "zopa.analyze(reference())"]:
        c, b = times.get((name, "current")), times.get((name, "baseline"))
        if c is None:
            print(f"{name:28}skipped: the current zopa has no zopa.analyze / zopa.reference")
            continue
        row = [statistics.median(c), min(c)]
        left = f"{statistics.median(b):9.3f}{min(b):9.3f}" if b else f"{'-':>9}{'-':>9}"
        ratio = f"{row[0] / statistics.median(b):10.2f}{row[1] / min(b):10.2f}" if b else ""
        print(f"{name:28}{left}{row[0]:9.3f}{row[1]:9.3f}{ratio}")
    print(f"\nanalyze --json outputs byte-identical: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
