"""Start-up: the command line imports only what the command it runs uses.

Each check runs in a fresh interpreter (a subprocess), as a user's ``zopa`` does, and
looks at ``sys.modules`` afterwards. ``zopa analyze`` (the bundled scenario, its tables)
must not pay for the studies, the forecasting models, the importers or the heavy optional
libraries: :mod:`zopa.cli.render` imports their result types for annotations only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

# Never needed by `zopa analyze` on the bundled scenario (prefixes: the package and below).
NOT_FOR_ANALYZE = (
    "zopa.forecasting",
    "zopa.studies",
    "zopa.simulation",
    "zopa.io",
    "zopa.report",
    "zopa.app",
    "zopa.scenario.sources",
    "zopa.analysis.outlook",
    "zopa.analysis.drawn",
    "scipy",
    "pandas",
    "duckdb",
    "streamlit",
    "multiprocessing",
)
# Not even imported before a command runs: `zopa --help`, `zopa runs list` need none.
NOT_AT_IMPORT = (*NOT_FOR_ANALYZE, "zopa.scenario", "zopa.analysis", "zopa.space",
                 "zopa.cli.render", "numpy", "pydantic", "rich")  # fmt: skip

PRELUDE = "import json, sys\n"
REPORT = "json.dump(sorted(sys.modules), sys.__stdout__)\n"


def loaded(code: str) -> list[str]:
    """The names in ``sys.modules`` after ``code`` ran in a fresh interpreter."""
    env = {**os.environ, "ZOPA_NO_STORE": "1"}
    env.pop("ZOPA_STORE", None)
    r = subprocess.run([sys.executable, "-c", PRELUDE + code + REPORT], capture_output=True,
                       text=True, timeout=120, env=env)  # fmt: skip
    assert r.returncode == 0, r.stderr
    return list(json.loads(r.stdout.splitlines()[-1]))


def offending(modules: list[str], banned: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == b or m.startswith(b + ".") for b in banned)]


def test_importing_the_cli_imports_no_command_s_modules() -> None:
    assert offending(loaded("import zopa.cli.main\n"), NOT_AT_IMPORT) == []


def test_render_imports_result_types_for_annotations_only() -> None:
    assert offending(loaded("import zopa.cli.render\n"), NOT_FOR_ANALYZE) == []


@pytest.mark.parametrize("args", [["analyze"], ["analyze", "--json"]])
def test_analyze_imports_only_what_it_uses(args: list[str]) -> None:
    code = (
        "import contextlib, io\n"
        "from zopa.cli.main import app\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    app({args!r}, standalone_mode=False)\n"
        "assert out.getvalue(), 'analyze printed nothing'\n"
    )
    modules = loaded(code)
    assert "zopa.analysis.report" in modules  # it did run the analysis
    assert offending(modules, NOT_FOR_ANALYZE) == []
