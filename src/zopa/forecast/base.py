"""The shared forecasting interface: inputs, the forecast object, the model protocol.

A forecasting model sees a negotiation as, per issue, each actor's position on the
issue's 0..100 scale, its salience for the issue (as written, on its own scale) and its
capability. It returns, per issue, a predicted position and the nearest option, plus for
iterative models the round-by-round trajectory of every actor's position.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np


@dataclass(frozen=True)
class ForecastInput:
    """What every forecasting model reads.

    ``position[a, k]`` is actor a's position on issue k (0..100), NaN when actor a takes no
    part in issue k; ``salience[a, k]`` is its salience (>= 0; 0 where it takes no part);
    ``capability[a]`` its capability (> 0). ``option_at[k]`` holds the 0..100 places of
    issue k's options, in file order, and ``options[k]`` their ids.
    """

    actors: tuple[str, ...]
    issues: tuple[str, ...]
    position: np.ndarray
    salience: np.ndarray
    capability: np.ndarray
    options: tuple[tuple[str, ...], ...] = ()
    option_at: tuple[np.ndarray, ...] = ()
    scenario: str = ""

    def __post_init__(self) -> None:
        n, k = len(self.actors), len(self.issues)
        if self.position.shape != (n, k) or self.salience.shape != (n, k):
            raise ValueError(f"position and salience must have shape {(n, k)}")
        if self.capability.shape != (n,):
            raise ValueError(f"capability must have shape {(n,)}")

    @property
    def present(self) -> np.ndarray:
        """Boolean (actors, issues): which actor takes part in which issue."""
        return ~np.isnan(self.position)

    def nearest_option(self, k: int, position: float) -> str:
        """The id of issue k's option whose place is nearest ``position`` (first on ties)."""
        if not self.options:
            return ""
        at = np.asarray(self.option_at[k], dtype=float)
        return self.options[k][int(np.argmin(np.abs(at - position)))]


@dataclass
class Forecast:
    """A model's forecast: per issue the predicted position and the nearest option.

    ``trajectory`` (iterative models) has shape (rounds + 1, actors, issues): row 0 is the
    actors' starting positions, row t their positions after round t.
    """

    model: str
    issues: tuple[str, ...]
    position: np.ndarray
    option: tuple[str, ...]
    rounds: int = 0
    trajectory: np.ndarray | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The forecast as the JSON contract of SCENARIO.md (``issues`` and ``rounds``)."""
        out: dict[str, Any] = {
            "issues": {
                k: {"position": round(float(p), 4), "option": o}
                for k, p, o in zip(self.issues, self.position, self.option, strict=True)
            },
            "rounds": int(self.rounds),
        }
        return out


class ForecastModel(Protocol):
    """One small interface shared by every model (in the manner of scikit-learn)."""

    name: str

    def predict(self, inputs: ForecastInput) -> Forecast:
        """Forecast the outcome of every issue."""
        ...


def finish(model: str, inputs: ForecastInput, position: np.ndarray, **kw: Any) -> Forecast:
    """Build a :class:`Forecast` from per-issue positions, choosing the nearest options."""
    position = np.asarray(position, dtype=float)
    options = tuple(inputs.nearest_option(k, float(p)) for k, p in enumerate(position))
    return Forecast(model=model, issues=inputs.issues, position=position, option=options, **kw)
