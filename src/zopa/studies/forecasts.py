"""Forecasts of a scenario by several models, set beside the agreement analysis.

:func:`run_forecasts` runs each named model on the scenario's forecasting inputs,
optionally under Monte Carlo jitter, and computes how far the models agree per issue
(the spread of their positions, the modal option and how many models pick it) and how
they compare with the Nash deal of the agreement analysis (the option it picks and its
place on the 0..100 scale).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from zopa.forecast.base import Forecast
from zopa.forecast.registry import from_scenario, make_model
from zopa.scenario.schema import Scenario
from zopa.studies.forecast_spread import Spread, montecarlo


@dataclass
class ForecastReport:
    """Every model's forecast, their agreement, and the agreement analysis's Nash deal."""

    scenario: str
    issues: tuple[str, ...]
    forecasts: dict[str, Forecast]
    spreads: dict[str, Spread] = field(default_factory=dict)
    nash_deal: dict[str, str] | None = None
    nash_at: dict[str, float] | None = None

    def consensus(self) -> dict[str, dict[str, Any]]:
        """Per issue: the range of model positions, the modal option and its count."""
        out: dict[str, dict[str, Any]] = {}
        for i, k in enumerate(self.issues):
            pos = np.array([f.position[i] for f in self.forecasts.values()], dtype=float)
            opts = Counter(f.option[i] for f in self.forecasts.values())
            mode, count = opts.most_common(1)[0]
            row: dict[str, Any] = {
                "min": round(float(np.nanmin(pos)), 4),
                "max": round(float(np.nanmax(pos)), 4),
                "sd": round(float(np.nanstd(pos)), 4),
                "modal_option": mode,
                "models_on_modal": count,
            }
            if self.nash_deal is not None and self.nash_at is not None:
                row["nash_deal_option"] = self.nash_deal[k]
                row["models_on_nash_deal"] = opts.get(self.nash_deal[k], 0)
                row["mean_distance_to_nash_deal"] = round(
                    float(np.nanmean(np.abs(pos - self.nash_at[k]))), 4
                )
            out[k] = row
        return out

    def to_json(self) -> dict[str, Any]:
        """The contract of SCENARIO.md (``scenario``, ``models``) plus comparisons."""
        models: dict[str, Any] = {}
        for name, f in self.forecasts.items():
            models[name] = f.to_json()
            if name in self.spreads:
                models[name]["montecarlo"] = self.spreads[name].to_json()
        return {
            "scenario": self.scenario,
            "models": models,
            "agreement_nash": self.nash_deal,
            "consensus": self.consensus(),
        }


def _moves_inputs(sc: Scenario, n: Any, inputs: Any) -> bool:
    """Whether an uncertain number changes the forecasting inputs (at its 5% or 95%)."""
    from zopa.scenario.values import Values

    for q in (0.05, 0.95):
        other = from_scenario(sc, Values(sc, {id(n): float(n.distribution.ppf(q))}))
        for a, b in ((other.position, inputs.position), (other.salience, inputs.salience),
                     (other.capability, inputs.capability)):  # fmt: skip
            if not np.array_equal(a, b, equal_nan=True):
                return True
    return False


def run_forecasts(
    sc: Scenario,
    names: list[str],
    draws: int = 0,
    seed: int = 0,
    position_sd: float = 5.0,
    salience_sd: float = 0.2,
) -> ForecastReport:
    """Forecast ``sc`` with each model in ``names`` (see the module docstring)."""
    from zopa.analysis.analyze import analyze
    from zopa.space.space import compile_space

    inputs = from_scenario(sc)
    forecasts = {n: make_model(n).predict(inputs) for n in names}
    spreads = {}
    variants = None
    if draws > 0:
        from zopa.scenario.numbers import draw_table
        from zopa.scenario.values import Values

        nums, x = draw_table(sc, draws, seed)
        moving = [j for j, n in enumerate(nums) if _moves_inputs(sc, n, inputs)]
        if moving:  # the scenario's own distributions of forecasting inputs, draw by draw
            variants = [
                from_scenario(sc, Values(sc, {id(nums[j]): float(x[d, j]) for j in moving}))
                for d in range(draws)
            ]
        for n in names:
            model = make_model(n)
            if n == "eum":
                model.keep_moves = False  # type: ignore[attr-defined]
            spreads[n] = montecarlo(model, inputs, draws, seed, position_sd, salience_sd, variants)
    deal = analyze(compile_space(sc), top=0, closest=0).solutions.get("nash")
    at = None
    if deal is not None:
        at = {
            i.id: float(next(o.at for o in i.options if o.id == deal.package[i.id]))
            for i in sc.issues
        }
    return ForecastReport(
        sc.id, inputs.issues, forecasts, spreads, deal.package if deal else None, at
    )
