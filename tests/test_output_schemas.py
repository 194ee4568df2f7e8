"""Every command's ``--json`` output validates against its JSON Schema (``zopa schema
--output COMMAND``), and the copies committed under ``docs/schemas/`` are current.

The outputs checked are the golden files (tests/golden/COMMAND-*.json: the real outputs
of every command on the reference scenario, the toys and DEU III), validated with the
independent ``jsonschema`` package. Rewrite docs/schemas with
``ZOPA_UPDATE_GOLDEN=1 pytest tests/test_output_schemas.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from zopa.io.schemas import LIVE, OUTPUTS, output_schema

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
DOCS = HERE.parent / "docs" / "schemas"
UPDATE = os.environ.get("ZOPA_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("command", sorted(set(OUTPUTS) - LIVE))
def test_every_output_validates(command: str) -> None:
    """Each golden output of the command against the schema generated from its types."""
    schema = output_schema(command)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    files = sorted(GOLDEN.glob(f"{command}-*.json"))
    assert files, f"no golden output of {command}"
    for f in files:
        errors = [e.message for e in validator.iter_errors(json.loads(f.read_text()))]
        assert not errors, f"{f.name}: {errors[:3]}"


@pytest.mark.parametrize("command", sorted(OUTPUTS))
def test_committed_schema_is_current(command: str) -> None:
    text = json.dumps(output_schema(command), indent=2, ensure_ascii=False) + "\n"
    path = DOCS / f"{command}.json"
    if UPDATE:
        DOCS.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, f"docs/schemas/{command}.json is stale"


def test_schema_rejects_a_wrong_output() -> None:
    """The schema can fail: a missing key and a wrong type are both caught."""
    validator = jsonschema.Draft202012Validator(output_schema("montecarlo"))
    good = json.loads((GOLDEN / "montecarlo-toy.json").read_text())
    assert validator.is_valid(good)
    assert not validator.is_valid({k: v for k, v in good.items() if k != "p_deal"})
    assert not validator.is_valid({**good, "draws": "many"})


def test_cli_prints_the_schema_and_refuses_unknown_commands() -> None:
    run = [sys.executable, "-m", "zopa.cli.main", "schema", "--output"]
    r = subprocess.run([*run, "analyze"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and json.loads(r.stdout) == output_schema("analyze")
    r = subprocess.run([*run, "bogus"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "unknown command 'bogus'" in r.stderr
    assert "Traceback" not in r.stderr
