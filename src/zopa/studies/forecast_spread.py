"""Forecasts under uncertainty: Monte Carlo over the scenario's distributions and jitter.

Each draw first takes its own values of the numbers the scenario writes as distributions
and that move the forecasting inputs (positions from ideals or utilities, saliences from
weights, capabilities), when the caller passes them as ``variants``; then every present
position gets Normal(0, ``position_sd``) noise (clipped to 0..100) and every salience is
multiplied by LogNormal(0, ``salience_sd``) (set both sds to 0 for the scenario's
uncertainty alone). Each draw is a full forecast; the result is, per issue, the mean,
standard deviation and 5/50/95% quantiles of the forecast position and the share of
draws landing on each option. Draws come from one seeded ``numpy.random.Generator``: the
same seed gives the same numbers.

A model whose class declares ``stacks_issues`` (it forecasts each issue on its own) runs
the draws stacked as extra issues, as many in one ``predict`` call as
:data:`STACK_ELEMENTS` allows (all of them for a small scenario), when every draw has the
same capabilities; a model with a ``predict_draws`` method (the exchange model, and the
SMP for the parameters its lockstep covers) runs all draws in one call with draws as a
leading array axis; any other model runs draw by draw (``by_draw=True`` forces this
reference path). All give the same positions.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from typing_extensions import TypedDict  # pydantic reads it on Python < 3.12 (schemas)

from zopa.forecasting.base import ForecastInput, ForecastModel
from zopa.results import POSITION, rounded

OPTION_SHARE = 4  # decimals of the option shares of forecast draws


class JitterJson(TypedDict):
    position_sd: float
    salience_sd: float


class IssueSpreadJson(TypedDict):
    """Statistics of one issue's forecast position over the draws, and option shares."""

    mean: float
    sd: float
    p05: float
    p50: float
    p95: float
    options: dict[str, float]


class SpreadJson(TypedDict):
    """A model's Monte Carlo spread: draws, seed, jitter and per-issue statistics."""

    draws: int
    seed: int
    jitter: JitterJson
    issues: dict[str, IssueSpreadJson]


@dataclass
class Spread:
    """Per issue: statistics of the forecast position over draws, and option shares."""

    model: str
    draws: int
    seed: int
    position_sd: float
    salience_sd: float
    issues: tuple[str, ...]
    positions: np.ndarray  # (draws, issues)
    option_share: dict[str, dict[str, float]]

    def to_json(self) -> SpreadJson:
        """The spread as ``zopa forecast --draws N --json`` prints it under ``montecarlo``."""
        return {
            "draws": self.draws,
            "seed": self.seed,
            "jitter": {"position_sd": self.position_sd, "salience_sd": self.salience_sd},
            "issues": self.statistics(),
        }

    def statistics(self) -> dict[str, IssueSpreadJson]:
        """Per issue: mean, sd and 5/50/95% quantiles of the position, and option shares."""
        q = np.nanquantile(self.positions, [0.05, 0.5, 0.95], axis=0)
        return {
            k: {
                "mean": rounded(np.nanmean(self.positions[:, i]), POSITION),
                "sd": rounded(np.nanstd(self.positions[:, i]), POSITION),
                "p05": rounded(q[0, i], POSITION),
                "p50": rounded(q[1, i], POSITION),
                "p95": rounded(q[2, i], POSITION),
                "options": self.option_share[k],
            }
            for i, k in enumerate(self.issues)
        }


STACK_ELEMENTS = 2**20
"""Actor pairs x issues of one stacked ``predict`` call: the largest working arrays of a
stacking model (EUM's, about 9 float64 per actor pair and issue) stay near 75 MiB."""


def stack_size(n_actors: int, n_issues: int) -> int:
    """Draws stacked in one ``predict`` call (see :data:`STACK_ELEMENTS`)."""
    return max(1, STACK_ELEMENTS // max(1, n_actors * n_actors * n_issues))


def bytes_per_draw(n_actors: int, n_issues: int) -> int:
    """Memory a draw of a forecast spread keeps, in bytes, beyond one stack of draws
    (:func:`stack_size`): the draw's own inputs when the scenario's distributions move them
    (``variants``: positions and saliences, 2 float64 per actor and issue, capabilities,
    about 300 bytes of option tuples per issue and 512 of object), and every model's
    forecast positions. Measured: 5.6 KiB a draw on the reference scenario (10 actors, 11
    issues) with moving inputs; this gives 5.5 KiB."""
    return 8 * (2 * n_actors * n_issues + n_actors) + 300 * n_issues + 512


def jitter(
    inputs: ForecastInput, rng: np.random.Generator, position_sd: float, salience_sd: float
) -> tuple[np.ndarray, np.ndarray]:
    """One perturbed copy of the positions and saliences."""
    pos = inputs.position + rng.normal(0.0, position_sd, inputs.position.shape)
    pos = np.clip(pos, 0.0, 100.0)
    sal = inputs.salience * rng.lognormal(0.0, salience_sd, inputs.salience.shape)
    return pos, sal


def forecast_spread(
    model: ForecastModel,
    inputs: ForecastInput,
    draws: int = 1000,
    seed: int = 0,
    position_sd: float = 5.0,
    salience_sd: float = 0.2,
    variants: list[ForecastInput] | None = None,
    by_draw: bool = False,
    workers: int = 1,
) -> Spread:
    """Run ``model`` on ``draws`` jittered copies of ``inputs`` (see the module docstring).

    ``variants`` (one per draw): the inputs of each draw before jitter, when the scenario's
    own distributions move positions, saliences or capabilities. A model with a
    ``predict_draws(position, salience, capability)`` method (draws as a leading axis; the
    same positions as ``predict`` draw by draw) runs all draws through it, unless
    ``by_draw`` (the reference path: one ``predict`` per draw, kept for the tests and the
    benchmark). Every path spreads its draws over ``workers`` processes, in contiguous
    shares (each draw's jitter drawn here first, in draw order; the draws are independent:
    the same positions for any number of workers).
    """
    rng = np.random.default_rng(seed)
    n_k = len(inputs.issues)
    bases = variants if variants is not None else [inputs] * draws
    same_capability = all(np.array_equal(b.capability, inputs.capability) for b in bases)
    stacks = model.stacks_issues and same_capability
    step = stack_size(len(inputs.actors), n_k) if stacks else draws or 1
    batched = None if by_draw else getattr(model, "predict_draws", None)
    positions = np.empty((draws, n_k))
    with _pool(workers if draws >= 2 * workers else 1) as pool:
        for a in range(0, draws, step):  # the draws' jitter in draw order, whatever the step
            copies = [jitter(b, rng, position_sd, salience_sd) for b in bases[a : a + step]]
            if not copies:
                continue
            if stacks:
                got = _in_shares(pool, workers, _stacked, (model, inputs), copies)
            elif batched is not None:
                caps = [b.capability for b in bases[a : a + step]]
                got = _in_shares(
                    pool, workers, _batched, (model,), list(zip(copies, caps, strict=True))
                )
            else:
                ones = [_one(inputs, p, s, bases[d]) for d, (p, s) in enumerate(copies, start=a)]
                got = _in_shares(pool, 4 * workers, _predict_many, (model,), ones)
            positions[a : a + len(copies)] = got
    share = {k: _option_shares(inputs, i, positions[:, i]) for i, k in enumerate(inputs.issues)}
    return Spread(
        model.name, draws, seed, position_sd, salience_sd, inputs.issues, positions, share
    )


def _option_shares(inputs: ForecastInput, k: int, x: np.ndarray) -> dict[str, float]:
    """The share of the finite forecast positions ``x`` of issue k whose nearest option
    (:meth:`~ForecastInput.nearest_option`: first on ties) is each option, in option order
    (options no draw lands on left out)."""
    x = x[np.isfinite(x)]
    if not len(x) or not inputs.options:
        return {}
    counts = np.bincount(inputs.nearest_index(k, x), minlength=len(inputs.options[k]))
    return {o: rounded(int(c) / len(x), OPTION_SHARE)
            for o, c in zip(inputs.options[k], counts.tolist(), strict=True) if c}  # fmt: skip


def _one(inputs: ForecastInput, p: np.ndarray, s: np.ndarray, base: ForecastInput) -> ForecastInput:
    """``inputs`` with a draw's positions ``p``, saliences ``s`` and ``base``'s capabilities."""
    return ForecastInput(inputs.actors, inputs.issues, p, s, base.capability, inputs.options,
                         inputs.option_at, inputs.scenario)  # fmt: skip


def _predict_many(model: ForecastModel, ones: list[ForecastInput]) -> np.ndarray:
    """(draws, issues): ``model.predict`` on each input in turn."""
    return np.stack([model.predict(one).position for one in ones])


def _batched(
    model: ForecastModel, copies: list[tuple[tuple[np.ndarray, np.ndarray], np.ndarray]]
) -> np.ndarray:
    """(draws, issues): ``model.predict_draws`` of the draws ``copies`` ((positions,
    saliences), capabilities), in one call."""
    pos = np.stack([p for (p, _), _ in copies])
    sal = np.stack([s for (_, s), _ in copies])
    return np.asarray(model.predict_draws(pos, sal, np.stack([c for _, c in copies])))  # type: ignore[attr-defined]


@contextmanager
def _pool(workers: int) -> Iterator[Executor | None]:
    """A pool of ``workers`` processes (None for one: everything runs here), BLAS held to
    one thread in each (they share the cores; the forks inherit the limit)."""
    if workers <= 1:
        yield None
        return
    from threadpoolctl import threadpool_limits

    from zopa.studies.montecarlo import worker_pool

    with threadpool_limits(1), worker_pool(workers) as pool:
        yield pool


def _in_shares(
    pool: Executor | None,
    shares: int,
    fn: Callable[..., np.ndarray],
    first: tuple[Any, ...],
    items: list[Any],
) -> np.ndarray:
    """``fn(*first, items)`` over contiguous shares of ``items`` on ``pool`` (``shares`` of
    them, at least 2 items each), concatenated in order; in this process without a pool.
    The draws are independent, so the shares change no bit."""
    if pool is None or len(items) < 4:
        return fn(*first, items)
    n_parts = max(2, min(shares, len(items) // 2))
    cuts = np.linspace(0, len(items), n_parts + 1).astype(int).tolist()
    parts = [items[lo:hi] for lo, hi in itertools.pairwise(cuts)]
    return np.concatenate(list(pool.map(fn, *([f] * len(parts) for f in first), parts)))


def _stacked(
    model: ForecastModel, inputs: ForecastInput, copies: list[tuple[np.ndarray, np.ndarray]]
) -> np.ndarray:
    """(draws, issues): one ``predict`` over the draws ``copies`` stacked as extra issues
    (without options: no model reads them, and only the positions are kept, so the forecast
    does not look up each stacked issue's nearest option)."""
    n = len(copies)
    stacked = ForecastInput(
        actors=inputs.actors,
        issues=tuple(f"{k}#{d}" for d in range(n) for k in inputs.issues),
        position=np.concatenate([p for p, _ in copies], axis=1),
        salience=np.concatenate([s for _, s in copies], axis=1),
        capability=inputs.capability,
        scenario=inputs.scenario,
    )
    return model.predict(stacked).position.reshape(n, len(inputs.issues))
