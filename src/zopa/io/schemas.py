"""JSON Schemas of every command's ``--json`` output, generated from the result types.

Each result's ``to_json()`` is annotated with a ``TypedDict`` declared beside the result
(mypy checks the method against it); this module turns those ``TypedDict``\\ s into JSON
Schemas (draft 2020-12, through pydantic). ``zopa schema --output COMMAND`` prints one;
the committed copies live under ``docs/schemas/``, and the test suite checks both that
they are current and that every command's real output validates against its schema.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

# command -> (module, TypedDict) of its --json output
OUTPUTS: dict[str, tuple[str, str]] = {
    "analyze": ("zopa.analysis.report", "ReportJson"),
    "package": ("zopa.analysis.nodeal", "PackageScoreJson"),
    "montecarlo": ("zopa.studies.montecarlo", "MonteCarloJson"),
    "leverage": ("zopa.studies.leverage", "LeverageJson"),
    "sweep": ("zopa.studies.sweep", "SweepJson"),
    "forecast": ("zopa.studies.forecasts", "ForecastReportJson"),
    "backtest": ("zopa.forecasting.backtest", "BacktestJson"),
    "sources": ("zopa.scenario.sources", "SourcesJson"),
    "simulate": ("zopa.studies.rounds", "SimulateJson"),
    "levers": ("zopa.studies.levers", "LeverListJson"),
    "runs-list": ("zopa.io.store", "RunListJSON"),
    "runs-show": ("zopa.io.store", "RunJSON"),
    "runs-diff": ("zopa.io.store", "RunDiffJSON"),
    "runs-export": ("zopa.io.store", "ExportJSON"),
}
LIVE = {"runs-list", "runs-show", "runs-diff", "runs-export"}
"""Outputs with times and ids in them: checked live (tests/test_store.py), not as goldens."""


def output_type(command: str) -> Any:
    """The ``TypedDict`` describing ``command``'s ``--json`` output."""
    module, name = OUTPUTS[command]
    return getattr(import_module(module), name)


def output_schema(command: str) -> dict[str, Any]:
    """The JSON Schema of ``zopa COMMAND --json``'s output.

    Parameters
    ----------
    command
        One of :data:`OUTPUTS`.

    Returns
    -------
    dict
        A JSON Schema (draft 2020-12) with ``$schema`` and ``title`` set.
    """
    from pydantic import TypeAdapter

    schema = TypeAdapter(output_type(command)).json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "title": f"zopa {command} --json",
    }
