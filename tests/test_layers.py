"""The layer contract can fail: a backward import inside a function, or a cycle between
two modules of one layer, planted in a copy of the package, breaks ``lint-imports``.

(``make lint`` runs the same contract on the real tree.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
LINT = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter not installed")


def _lint(tmp: Path, plant: dict[str, str]) -> subprocess.CompletedProcess[str]:
    shutil.copytree(ROOT / "src" / "zopa", tmp / "src" / "zopa",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    shutil.copy(ROOT / "pyproject.toml", tmp / "pyproject.toml")
    for module, code in plant.items():
        path = tmp / "src" / "zopa" / module
        path.write_text(path.read_text(encoding="utf-8") + code, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp / "src")}
    cmd = [str(LINT), "--no-cache", "--config", str(tmp / "pyproject.toml")]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=tmp, env=env, timeout=120)


def test_the_tree_keeps_the_contracts(tmp_path: Path) -> None:
    r = _lint(tmp_path, {})
    assert r.returncode == 0, r.stdout + r.stderr


def test_a_backward_import_inside_a_function_breaks_the_layers(tmp_path: Path) -> None:
    planted = "\n\ndef _planted() -> None:\n    from zopa.studies import montecarlo  # noqa\n"
    r = _lint(tmp_path, {"scenario/schema.py": planted})
    assert r.returncode != 0
    assert "Layers run one way" in r.stdout and "BROKEN" in r.stdout
    assert "zopa.scenario.schema -> zopa.studies.montecarlo" in r.stdout


def test_a_cycle_inside_a_layer_breaks_the_acyclic_contract(tmp_path: Path) -> None:
    planted = "\n\ndef _planted() -> None:\n    from zopa.analysis import nodeal  # noqa\n"
    r = _lint(tmp_path, {"analysis/scan.py": planted})
    assert r.returncode != 0
    assert "No cycles between modules" in r.stdout and "BROKEN" in r.stdout
