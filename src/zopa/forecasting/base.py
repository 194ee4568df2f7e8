"""The shared forecasting interface: inputs, the forecast object, the model protocol.

A forecasting model sees a negotiation as, per issue, each actor's position on the
issue's 0..100 scale, its salience for the issue (as written, on its own scale) and its
capability. It returns, per issue, a predicted position and the nearest option, plus for
iterative models the round-by-round trajectory of every actor's position.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Protocol

import numpy as np
from typing_extensions import TypedDict  # pydantic reads it on Python < 3.12 (schemas)

from zopa.results import POSITION, rounded


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
        return self.options[k][int(self.nearest_index(k, np.array([position]))[0])]

    def nearest_index(self, k: int, positions: np.ndarray) -> np.ndarray:
        """For each of ``positions``, the index of issue k's option whose place is nearest
        (first on ties)."""
        at = np.asarray(self.option_at[k], dtype=float)
        return np.argmin(np.abs(at[None, :] - np.asarray(positions, dtype=float)[:, None]), axis=1)


class IssueForecastJson(TypedDict):
    position: float
    option: str


class ModelForecastJson(TypedDict):
    """One model's forecast: per issue the position and nearest option, the rounds run."""

    issues: dict[str, IssueForecastJson]
    rounds: int


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

    def to_json(self) -> ModelForecastJson:
        """Per issue the predicted position (0..100) and nearest option, and the rounds run."""
        return {
            "issues": {
                k: {"position": rounded(p, POSITION), "option": o}
                for k, p, o in zip(self.issues, self.position, self.option, strict=True)
            },
            "rounds": int(self.rounds),
        }


class ForecastModel(Protocol):
    """The interface every forecasting model shares (in the manner of scikit-learn).

    Capabilities are class attributes, read by the Monte Carlo and the backtest instead of
    the model's name:

    - ``name``: the model's name in :data:`zopa.forecasting.registry.MODELS` (and of its
      :class:`Forecast`);
    - ``stacks_issues``: the model forecasts each issue from that issue's inputs alone, with
      one capability per actor, so that Monte Carlo draws can be stacked as extra issues
      of one ``predict`` call;
    - ``has_trajectory``: the model runs rounds, and its forecast carries the actors'
      positions round by round (``Forecast.trajectory``);
    - ``lean_params``: constructor parameters that skip work the forecast positions do not
      need (e.g. move logs); the Monte Carlo and the backtest build models with them.

    ``get_params()`` returns the constructor's parameters as a dict (scikit-learn style):
    ``type(model)(**model.get_params())`` builds the same model.
    """

    name: ClassVar[str]
    stacks_issues: ClassVar[bool]
    has_trajectory: ClassVar[bool]
    lean_params: ClassVar[Mapping[str, Any]]

    def get_params(self) -> dict[str, Any]:
        """The constructor's parameters, by name."""
        ...

    def predict(self, inputs: ForecastInput) -> Forecast:
        """Forecast the outcome of every issue."""
        ...


class ModelBase:
    """Defaults of the :class:`ForecastModel` capabilities, ``get_params`` and ``repr``.

    ``get_params`` reads every parameter of the class's ``__init__`` from the attribute of
    the same name, so a model keeps each parameter under its own name.
    """

    name: ClassVar[str] = "model"
    stacks_issues: ClassVar[bool] = False
    has_trajectory: ClassVar[bool] = False
    lean_params: ClassVar[Mapping[str, Any]] = MappingProxyType({})

    def get_params(self) -> dict[str, Any]:
        """The constructor's parameters, by name (scikit-learn style)."""
        sig = inspect.signature(type(self).__init__)
        return {
            p.name: getattr(self, p.name)
            for p in sig.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        }

    def __repr__(self) -> str:
        return describe(self)


class HasParams(Protocol):
    def get_params(self) -> dict[str, Any]: ...


def describe(model: HasParams) -> str:
    """``Class(param=value, ...)`` from ``model.get_params()`` (floats written short when
    that loses nothing, e.g. ``1`` for 1.0), e.g. ``CompromiseModel(capability_power=1,
    salience_power=1)``."""

    def value(v: Any) -> str:
        if isinstance(v, float) and float(f"{v:g}") == v:
            return f"{v:g}"
        return repr(v)

    params = ", ".join(f"{k}={value(v)}" for k, v in model.get_params().items())
    return f"{type(model).__name__}({params})"


def finish(model: str, inputs: ForecastInput, position: np.ndarray, **kw: Any) -> Forecast:
    """Build a :class:`Forecast` from per-issue positions, choosing the nearest options."""
    position = np.asarray(position, dtype=float)
    options = tuple(inputs.nearest_option(k, float(p)) for k, p in enumerate(position))
    return Forecast(model=model, issues=inputs.issues, position=position, option=options, **kw)
