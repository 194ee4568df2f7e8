"""What ``zopa analyze`` reports: the agreement analysis with the no-deal model beside it.

:func:`analyze_scenario` compiles nothing itself: it takes the scenario and its compiled
space, runs :func:`zopa.analysis.analyze.analyze` and :func:`zopa.analysis.nodeal.model_report`,
and returns a :class:`Report`, whose ``to_json()`` is the ``zopa analyze --json`` object.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from zopa.analysis.analyze import Analysis, AnalysisJson, analyze
from zopa.analysis.nodeal import ModelJson, ModelReport, model_report
from zopa.scenario.schema import Scenario
from zopa.space.space import Space

if TYPE_CHECKING:
    import pandas as pd


class ReportJson(AnalysisJson):
    """``zopa analyze --json``: the agreement analysis and, under ``model``, the no-deal
    model (derived reservations, the assumed deal taken apart, conflict, dynamics)."""

    model: ModelJson


@dataclass
class Report:
    """The agreement analysis (:attr:`analysis`) and the no-deal model's part (:attr:`model`)."""

    analysis: Analysis
    model: ModelReport

    def to_json(self) -> ReportJson:
        """Exactly what ``zopa analyze --json`` prints."""
        return {**self.analysis.to_json(), "model": self.model.to_json()}

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """``solutions``, ``frontier``, ``binds``, ``top``, ``closest`` (the analysis) and
        ``no_deal``, ``likely_deal`` (the no-deal model)."""
        return {**self.analysis.to_frames(), **self.model.to_frames()}


def analyze_scenario(
    sc: Scenario,
    space: Space,
    *,
    top: int = 10,
    threads: int = 2,
    over_time: bool = False,
    pareto_limit: int = 1000,
    frontier_budget: float | None = 3.0,
) -> Report:
    """The agreement analysis of ``space`` (compiled from ``sc``) with the no-deal model.

    Parameters
    ----------
    sc, space
        The scenario and its compiled space (:func:`zopa.space.space.compile_space`).
    top
        How many of the zone's best packages (by Nash product) to list.
    threads
        Worker threads for the chunked pass (results do not depend on it).
    over_time
        Re-analyse every period of ``dynamics:`` (one full analysis per period).
    pareto_limit
        How many frontier packages to list (``pareto.size`` always counts them all).
    frontier_budget
        Seconds a streamed frontier may take (:func:`zopa.analysis.analyze.analyze`).
    """
    result = analyze(space, top=top, threads=threads, pareto_limit=pareto_limit,
                     frontier_budget=frontier_budget)  # fmt: skip
    return Report(result, model_report(sc, space, result, over_time))
