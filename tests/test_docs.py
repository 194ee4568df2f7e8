"""The documentation's code runs: every ```python block of docs/api.md, in order, in one
namespace, from the root of the repository (as a reader in a clone would run it)."""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).parent.parent


def _blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def test_api_notebook_session_runs(capsys) -> None:
    blocks = _blocks(ROOT / "docs" / "api.md")
    assert len(blocks) >= 5
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        namespace: dict[str, object] = {}
        for i, code in enumerate(blocks):
            exec(compile(code, f"docs/api.md block {i + 1}", "exec"), namespace)
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out
    import zopa

    frontier = zopa.analyze(zopa.reference()).to_json()["pareto"]["size"]
    assert "frontier" in out and f"({frontier}," in out  # a row per frontier package
