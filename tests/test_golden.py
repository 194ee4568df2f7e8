"""Golden files: every command's ``--json`` output (and every importer's scenario) byte
for byte, on the reference scenario, the toys and the bundled peer data.

The files under ``tests/golden/`` were written by the code before a change and must not
move unless the change means to move them. Rewrite them on purpose with
``ZOPA_UPDATE_GOLDEN=1 pytest tests/test_golden.py`` and review the diff.

Paths are written relative: the repository root becomes ``<repo>`` and the bundled
reference scenario ``<reference>``, so the files do not depend on where the clone is.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from zopa.cli.main import app

HERE = Path(__file__).parent
ROOT = HERE.parent
GOLDEN = HERE / "golden"
DATA = "tests/data"
TOY = f"{DATA}/toy.yaml"
NODEAL = f"{DATA}/toy_nodeal.yaml"
ORDINAL = f"{DATA}/ordinal.yaml"
UPDATE = os.environ.get("ZOPA_UPDATE_GOLDEN") == "1"

# name -> argv (run from the repository root). Importers write to {out}.
CASES: dict[str, list[str]] = {
    "analyze-reference": ["analyze", "--json"],
    "analyze-reference-over-time": ["analyze", "--json", "--over-time", "--top", "3"],
    "analyze-toy": ["analyze", TOY, "--json"],
    "analyze-toy-nodeal": ["analyze", NODEAL, "--json"],
    "analyze-toy-nodeal-set": [
        "analyze",
        NODEAL,
        "--json",
        "--set",
        "credibility.trust.IR.US=0.65",
        "--set",
        "stockpile=downgrade removed=0",
    ],
    "levers-reference": ["levers", "--json"],
    "levers-toy-nodeal": ["levers", NODEAL, "--json"],
    "package-reference": ["package", "--json"],
    "package-reference-custody": ["package", "--json", "--set", "stockpile=custody_return"],
    "package-toy-nodeal": ["package", NODEAL, "--json", "--set", "stockpile=custody"],
    "montecarlo-reference": ["montecarlo", "--json", "--draws", "300", "--seed", "1"],
    "montecarlo-ordinal": ["montecarlo", ORDINAL, "--json", "--draws", "400", "--seed", "2"],
    "montecarlo-toy": ["montecarlo", TOY, "--json", "--draws", "50"],
    "montecarlo-toy-nodeal": ["montecarlo", NODEAL, "--json", "--draws", "500", "--seed", "3"],
    "leverage-reference": ["leverage", "--json", "--for", "IRN"],
    "leverage-toy-nodeal": ["leverage", NODEAL, "--json", "--for", "US", "--metric", "p_deal"],
    "sweep-toy-nodeal": [
        "sweep",
        NODEAL,
        "--json",
        "--grid",
        "credibility.trust.IR.US=0.2:0.8:3",
        "--draws",
        "100",
        "--seed",
        "2",
        "--workers",
        "1",
    ],
    "forecast-reference": ["forecast", "--json"],
    "forecast-reference-draws": ["forecast", "--json", "--draws", "30", "--seed", "4"],
    "forecast-toy": ["forecast", TOY, "--json"],
    "backtest-deu": ["backtest", "deu", f"{DATA}/deu3/deu3.csv", "--json", "--boot", "100"],
    "sources-reference": ["sources", "--json"],
    "sources-reference-verify": ["sources", "--json", "--verify", f"{DATA}/sources"],
    "sources-toy": ["sources", TOY, "--json"],
    "simulate-toy": [
        "simulate",
        TOY,
        "--json",
        "--rounds",
        "10",
        "--strategy",
        "A=linear",
        "--strategy",
        "B=conceder",
    ],
    "simulate-toy-deadline": ["simulate", TOY, "--json", "--rounds", "6"],
    "simulate-reference": ["simulate", "--json", "--seed", "1"],
    "simulate-reference-runs": ["simulate", "--json", "--runs", "3000", "--seed", "2"],
    "simulate-reference-alternating": [
        "simulate",
        "--json",
        "--protocol",
        "alternating",
        "--runs",
        "500",
        "--seed",
        "3",
    ],
    "schema": ["schema"],
    "import-genius-laptop": ["import", "genius", f"{DATA}/anac/Laptop", "-o", "{out}"],
    "import-genius-party": ["import", "genius", f"{DATA}/anac/party", "-o", "{out}"],
    "import-deliberation-base": [
        "import",
        "deliberation",
        f"{DATA}/llm_deliberation/base",
        "-o",
        "{out}",
    ],
    "import-ktab-csv": ["import", "ktab", f"{DATA}/ktab/dummyData_3Dim.csv", "-o", "{out}"],
    "import-ktab-xml": ["import", "ktab", f"{DATA}/ktab/smpExample.xml", "-o", "{out}"],
}


def _normalise(text: str) -> str:
    from zopa.scenario.load import reference_path

    text = text.replace(str(reference_path()), "<reference>").replace(str(ROOT), "<repo>")
    return re.sub(r" object at 0x[0-9a-f]+>", " object>", text)


def _run(name: str, argv: list[str], tmp: Path) -> str:
    out = tmp / f"{name}.yaml"
    args = [a.replace("{out}", str(out)) for a in argv]
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        result = CliRunner().invoke(app, args, catch_exceptions=False)
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8") if "{out}" in argv else result.stdout
    return _normalise(text)


@pytest.mark.parametrize("name", sorted(CASES))
def test_output_is_unchanged(name: str, tmp_path: Path) -> None:
    """Compares with the bytes the previous code printed (tests/golden/NAME)."""
    argv = CASES[name]
    suffix = ".yaml" if "{out}" in argv else ".json"
    path = GOLDEN / f"{name}{suffix}"
    text = _run(name, argv, tmp_path)
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}: run with ZOPA_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{name}: output changed"
