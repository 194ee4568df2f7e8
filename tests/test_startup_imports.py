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


# The command line builds the one command it runs (zopa.cli.main._one_command) instead of
# every command's parameters; help, the sub-apps and anything else take Typer's whole app.
SAME_AS_THE_WHOLE_APP = [
    ["analyze", "--json"],
    ["analyze", "tests/data/toy.yaml"],
    ["analyze", "--bogus"],
    ["analyze", "--max-packages", "x"],
    ["analyze", "/nonexistent.yaml"],
    ["analyze", "tests/data/toy.yaml", "extra"],
    ["leverage", "--for"],
    ["forecast", "--model", "nope"],
    ["schema", "--output", "analyze"],
    ["package"],
    ["runs", "list"],
    ["nosuch"],
    ["analyze", "--help"],
]


@pytest.mark.parametrize("argv", SAME_AS_THE_WHOLE_APP, ids=" ".join)
def test_one_command_prints_what_the_whole_app_prints(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Output, errors and exit status of ``main()`` with the one command built alone,
    against the same with Typer's whole app (``_one_command`` returning None)."""
    from pathlib import Path

    from zopa.cli import main as cli

    monkeypatch.chdir(Path(__file__).parent.parent)

    def run() -> tuple[str, str, object]:
        monkeypatch.setattr(sys, "argv", ["zopa", *argv])
        with pytest.raises(SystemExit) as done:
            cli.main()
        out, err = capsys.readouterr()
        return out, err, done.value.code

    fast = run()
    monkeypatch.setattr(cli, "_one_command", lambda args: None)
    whole = run()
    assert fast == whole
    assert whole[2] in (0, 2)  # a result or a usage error, never an internal error


def test_main_runs_analyze_without_reading_package_metadata() -> None:
    """With pydantic's plugins disabled, main() gives pydantic a plugin loader that finds
    none, so `zopa analyze` never imports importlib.metadata (the real loader does, to
    search entry points, before it reads that setting); other names of the loader still
    come from the real one."""
    code = (
        "import contextlib, io\n"
        "from zopa.cli import main\n"
        "sys.argv = ['zopa', 'analyze', '--json']\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    try:\n"
        "        main.main()\n"
        "    except SystemExit as e:\n"
        "        assert e.code == 0, e.code\n"
        "assert json.loads(out.getvalue())['solutions']\n"
        "assert 'importlib.metadata' not in sys.modules\n"
        "import pydantic.plugin._loader as loader\n"
        "assert list(loader.get_plugins()) == []\n"
        "assert loader.PYDANTIC_ENTRY_POINT_GROUP == 'pydantic'  # from the real loader\n"
    )
    modules = loaded(code)
    assert "zopa.analysis.report" in modules
