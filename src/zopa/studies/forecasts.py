"""Forecasts of a scenario by several models, set beside the agreement analysis.

:func:`run_forecasts` runs each named model of :data:`zopa.forecasting.registry.MODELS` on
the scenario's forecasting inputs, optionally under Monte Carlo
(:func:`~zopa.studies.forecast_spread.forecast_spread`), and computes how far the models
agree per issue (the spread of their positions, the modal option and how many models pick
it) and how they compare with the Nash deal of the agreement analysis (the option it picks
and its place on the 0..100 scale).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NotRequired

import numpy as np
from typing_extensions import TypedDict  # pydantic reads it on Python < 3.12 (schemas)

from zopa.forecasting.base import Forecast, ModelForecastJson
from zopa.forecasting.registry import (
    from_scenario,
    from_scenario_draws,
    make_model,
    weighable_issues,
)
from zopa.results import POSITION, frame, rounded
from zopa.scenario.compound import split_package
from zopa.scenario.schema import Scenario
from zopa.studies.forecast_spread import Spread, SpreadJson, forecast_spread

if TYPE_CHECKING:
    import pandas as pd

SPREAD_COLUMNS = ("mean", "sd", "p05", "p50", "p95")


class ReportedForecastJson(ModelForecastJson):
    """One model's forecast (per issue its position and nearest option, the rounds run)
    and, with ``--draws``, the Monte Carlo spread."""

    montecarlo: NotRequired[SpreadJson]


class ConsensusJson(TypedDict):
    """How far the models agree on one issue, and how they compare with the Nash deal."""

    min: float
    max: float
    sd: float
    modal_option: str
    models_on_modal: int
    nash_deal_option: NotRequired[str]
    models_on_nash_deal: NotRequired[int]
    mean_distance_to_nash_deal: NotRequired[float]


class ForecastReportJson(TypedDict):
    """``zopa forecast --json``: every model's forecast, the agreement analysis's Nash deal
    (None when there is no agreement zone) and the models' consensus per issue."""

    scenario: str
    models: dict[str, ReportedForecastJson]
    agreement_nash: dict[str, str] | None
    consensus: dict[str, ConsensusJson]
    left_out: list[str]


@dataclass
class ForecastReport:
    """Every model's forecast, their agreement, and the agreement analysis's Nash deal."""

    scenario: str
    issues: tuple[str, ...]
    forecasts: dict[str, Forecast]
    spreads: dict[str, Spread] = field(default_factory=dict)
    nash_deal: dict[str, str] | None = None
    nash_at: dict[str, float] | None = None
    actors: tuple[str, ...] = ()
    left_out: tuple[str, ...] = ()  # issues no forecasting model can weigh (no salience)

    def consensus(self) -> dict[str, ConsensusJson]:
        """Per issue: the range of model positions, the modal option and its count."""
        out: dict[str, ConsensusJson] = {}
        for i, k in enumerate(self.issues):
            pos = np.array([f.position[i] for f in self.forecasts.values()], dtype=float)
            opts = Counter(f.option[i] for f in self.forecasts.values())
            mode, count = opts.most_common(1)[0]
            row: ConsensusJson = {
                "min": rounded(float(np.nanmin(pos)), POSITION),
                "max": rounded(float(np.nanmax(pos)), POSITION),
                "sd": rounded(float(np.nanstd(pos)), POSITION),
                "modal_option": mode,
                "models_on_modal": count,
            }
            if self.nash_deal is not None and self.nash_at is not None:
                row["nash_deal_option"] = self.nash_deal[k]
                row["models_on_nash_deal"] = opts.get(self.nash_deal[k], 0)
                row["mean_distance_to_nash_deal"] = rounded(
                    float(np.nanmean(np.abs(pos - self.nash_at[k]))), POSITION
                )
            out[k] = row
        return out

    def to_json(self) -> ForecastReportJson:
        """Exactly what ``zopa forecast --json`` prints."""
        models: dict[str, ReportedForecastJson] = {}
        for name, f in self.forecasts.items():
            own = f.to_json()
            entry: ReportedForecastJson = {"issues": own["issues"], "rounds": own["rounds"]}
            if name in self.spreads:
                entry["montecarlo"] = self.spreads[name].to_json()
            models[name] = entry
        return {
            "scenario": self.scenario,
            "models": models,
            "agreement_nash": self.nash_deal,
            "consensus": self.consensus(),
            "left_out": list(self.left_out),
        }

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """``positions``: one row per model and issue (model, issue, position, option, and
        with Monte Carlo draws the spread of the position: mean, sd, p05, p50, p95).
        ``trajectories``: one row per model, round and issue for the models that run rounds
        (model, round, issue, then ``position.<actor>``, NaN where the actor takes no part;
        round 0 holds the starting positions); empty, with the same columns, when none does.
        """
        drawn = bool(self.spreads)
        columns = ["model", "issue", "position", "option", *(SPREAD_COLUMNS if drawn else ())]
        rows: list[dict[str, Any]] = []
        for name, f in self.forecasts.items():
            stats = self.spreads[name].statistics() if name in self.spreads else None
            for i, k in enumerate(self.issues):
                row: dict[str, Any] = {
                    "model": name,
                    "issue": k,
                    "position": float(f.position[i]),
                    "option": f.option[i],
                }
                if drawn:
                    s: dict[str, Any] = dict(stats[k]) if stats is not None else {}
                    row.update({c: s.get(c, np.nan) for c in SPREAD_COLUMNS})
                rows.append(row)
        actor_columns = [f"position.{a}" for a in self.actors]
        steps: list[dict[str, Any]] = []
        for name, f in self.forecasts.items():
            if f.trajectory is None:
                continue
            for t, at in enumerate(f.trajectory):
                for i, k in enumerate(self.issues):
                    step: dict[str, Any] = {"model": name, "round": t, "issue": k}
                    step.update({c: float(x) for c, x in zip(actor_columns, at[:, i], strict=True)})
                    steps.append(step)
        return {
            "positions": frame(rows, columns),
            "trajectories": frame(steps, ["model", "round", "issue", *actor_columns]),
        }


def _moving(sc: Scenario, nums: list[Any], inputs: Any) -> list[int]:
    """The uncertain numbers (indices into ``nums``) that change the forecasting inputs at
    their 5% or 95% (each set alone, all else at base; every probe read as one draw)."""
    from zopa.scenario.values import Values

    if not nums:
        return []
    base = Values(sc)
    setting = {id(n): np.full(2 * len(nums), base.scalar(n)) for n in nums}
    for j, n in enumerate(nums):
        setting[id(n)][2 * j : 2 * j + 2] = n.distribution.probe()
    probes = from_scenario_draws(sc, Values(sc, setting), 2 * len(nums), inputs.issues)

    def moved(other: Any) -> bool:
        return any(not np.array_equal(a, b, equal_nan=True)
                   for a, b in ((other.position, inputs.position),
                                (other.salience, inputs.salience),
                                (other.capability, inputs.capability)))  # fmt: skip

    return [j for j in range(len(nums)) if moved(probes[2 * j]) or moved(probes[2 * j + 1])]


def run_forecasts(
    sc: Scenario,
    names: list[str],
    draws: int = 0,
    seed: int = 0,
    position_sd: float = 5.0,
    salience_sd: float = 0.2,
    workers: int = 1,
) -> ForecastReport:
    """Forecast ``sc`` with each registered model in ``names`` (see the module docstring).

    With ``draws`` > 0 every model also runs :func:`forecast_spread` (built with its
    ``lean_params``), each draw taking its own values of the scenario's distributions that
    move the forecasting inputs, then jittered by ``position_sd`` and ``salience_sd``, the
    draws spread over ``workers`` processes (the same bytes).
    """
    from zopa.analysis.analyze import analyze
    from zopa.space.space import compile_space

    inputs = from_scenario(sc, issues=weighable_issues(sc))  # no model forecasts the others
    forecasts = {n: make_model(n).predict(inputs) for n in names}
    spreads = {}
    variants = None
    if draws > 0:
        from zopa.scenario.numbers import draw_table
        from zopa.scenario.values import Values

        t = draw_table(sc, draws, seed)
        nums, x = t.nums, t.x
        moving = _moving(sc, nums, inputs)
        if moving or t.judged:  # the scenario's own uncertainty, each draw's (judgements:
            # weight orders move saliences, uncertain red lines nothing a model reads)
            judged = {id(j): v for j, v in zip(t.judged, t.jx, strict=True)}
            val = Values(sc, {id(nums[j]): x[:, j] for j in moving}, set_judgements=judged)
            variants = from_scenario_draws(sc, val, draws, inputs.issues)
        for n in names:
            model = make_model(n, lean=True)
            spreads[n] = forecast_spread(
                model, inputs, draws, seed, position_sd, salience_sd, variants, workers=workers
            )
    deal = analyze(compile_space(sc), top=0, closest=0).solutions.get("nash")
    at, package = None, None
    if deal is not None:
        package = split_package(sc, deal.package)  # the forecasts keep the file's issues
        at = {
            i.id: float(next(o.at for o in i.options if o.id == package[i.id])) for i in sc.issues
        }
    return ForecastReport(
        sc.id,
        inputs.issues,
        forecasts,
        spreads,
        package if deal else None,
        at,
        inputs.actors,
        tuple(i.id for i in sc.issues if i.id not in inputs.issues),
    )
