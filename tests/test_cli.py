"""The command line, run as a user runs it (a subprocess): output, exit codes, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
SOURCES = Path(__file__).parent / "data" / "sources"


def zopa(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zopa.cli.main", *args], capture_output=True, text=True, timeout=120
    )


def test_analyze_toy_json_is_the_contract() -> None:
    """SCENARIO.md's published JSON for the toy scenario."""
    r = zopa("analyze", str(DATA / "toy.yaml"), "--json")
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    assert j["scenario"] == "toy" and j["outcomes"] == 6 and j["deciders"] == ["A", "B"]
    assert j["agreement_zone"]["size"] == 2 and j["agreement_zone"]["unanimous"] == 2
    assert j["pareto"]["size"] == 2
    nash = j["solutions"]["nash"]
    assert nash["package"] == {"price": "high", "delivery": "slow"}
    assert nash["utilities"] == {"A": 0.7, "B": 0.5} and nash["value"] == pytest.approx(0.06)


def test_analyze_tables() -> None:
    r = zopa("analyze", str(DATA / "toy.yaml"), "--top", "1")
    assert r.returncode == 0, r.stderr
    assert "Agreement zone: 2 packages" in r.stdout and "Who binds" in r.stdout


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("zopa: 1\nid: x\n", "title: required field is missing"),
        ("zopa: 2\n", "unsupported format version 2"),
        ("a: [1\n", "YAML syntax error"),
        ("just text\n", "a scenario must be a mapping"),
    ],
)
def test_malformed_exits_2_without_traceback(tmp_path: Path, text: str, needle: str) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    for cmd in ("analyze", "validate", "sources"):
        r = zopa(cmd, str(f))
        assert r.returncode == 2, (cmd, r.stdout, r.stderr)
        assert "Traceback" not in r.stderr and needle in r.stderr
        assert r.stderr.startswith(f"{f}:")


def test_missing_file_exits_2(tmp_path: Path) -> None:
    r = zopa("analyze", str(tmp_path / "nope.yaml"))
    assert r.returncode == 2 and "cannot read the file" in r.stderr and "Traceback" not in r.stderr


def test_billion_package_space_is_refused_up_front(tmp_path: Path) -> None:
    opts = ", ".join(f"{{id: o{j}, at: {j * 10}}}" for j in range(10))
    issues = "\n".join(f"  - {{id: i{k}, name: i{k}, options: [{opts}]}}" for k in range(9))
    text = (
        "zopa: 1\nid: big\ntitle: big\nactors:\n  - {id: A, name: a, role: party}\n"
        f"issues:\n{issues}\npreferences:\n  A: {{weights: {{i0: 1}}, ideal: {{i0: 50}}}}\n"
    )
    f = tmp_path / "big.yaml"
    f.write_text(text)
    r = zopa("analyze", str(f))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "1,000,000,000 packages, more than --max-packages 100,000,000" in r.stderr
    assert "estimated time" in r.stderr
    r = zopa("analyze", str(f), "--max-packages", "10")
    assert r.returncode == 2


def test_validate_and_schema() -> None:
    r = zopa("validate", str(DATA / "toy.yaml"))
    assert r.returncode == 0 and "valid: 2 actors (2 deciders), 2 issues, 6 packages" in r.stdout
    r = zopa("schema")
    assert r.returncode == 0 and json.loads(r.stdout)["title"].startswith("zopa scenario")


def test_reference_scenario_runs_by_default() -> None:
    r = zopa("analyze", "--json")
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    assert j["scenario"] == "us_iran_2026"
    assert j["deciders"] == ["USA", "IRN"]


def test_reference_scenario_every_number_has_evidence_and_quotes_verify() -> None:
    """The reference scenario passes `zopa sources --verify` against the four articles."""
    r = zopa("sources", "--verify", str(SOURCES), "--json")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr
    j = json.loads(r.stdout)
    assert j["numbers"], "no numbers found"
    bare = [n for n in j["numbers"] if not n["quote"] and not n["assumption"]]
    assert bare == []
    assert j["quotes"] and all(q["ok"] for q in j["quotes"])
