"""Backtest forecasting models on real decisions (DEU III), with honest uncertainty.

Every model (any object with the :class:`~zopa.forecasting.base.ForecastModel` interface)
forecasts every case (one proposal: its issues as a
:class:`~zopa.forecasting.base.ForecastInput`, plus the observed outcome per issue). A model's
score is its mean absolute error (MAE) on the 0..100 scale over the issues with an outcome
that it forecasts (a model may return NaN, e.g. the Commission baseline where the
Commission took no position; ``n`` says how many issues each figure covers).

Honest evaluation. The proposals are split in two halves by ``prnrnmc``: odd (the
calibration half) and even (the test half). Tunable things are

- model families (``tune=``): the member with the lowest MAE on the tuning half is chosen,
  e.g. the compromise model with weights ``c**a * s**b`` over a grid of (a, b), first in
  grid order on ties;
- the ensemble: a convex combination of the base models' forecasts whose weights minimise
  the tuning half's MAE (a linear programme). A member's missing forecast on an issue is
  replaced by the reference model's forecast;
- the spread of the forecast intervals (:mod:`zopa.forecasting.intervals`).

Each row carries two kinds of out-of-sample figure:

- the even half (``test``): tuned on the odd half only, scored on the even half, the
  protocol of the DEU III literature;
- the 2-fold cross-fit (``crossfit``, the primary accuracy figure): tuned on the odd half
  and scored on the even half, tuned on the even half and scored on the odd half
  (``reverse``), the two pooled over every issue with an outcome, so that
  ``crossfit.mae = (test.n test.mae + reverse.n reverse.mae) / (test.n + reverse.n)``. A
  model with nothing to tune scores the same in both folds, and its cross-fit figure is its
  all-issue figure. The two halves differ (the even half is harder: the compromise model's
  MAE is 20.4 on the odd half, 25.9 on the even), and a lead on one half can reverse over
  both (the exchange model's does), so a model is said to beat the reference only on the
  cross-fit (``beats_reference``); the even-half verdict is shown beside it.

Intervals are percentile bootstrap intervals (seeded, default 2000 draws, 95%), resampling
whole proposals (a cluster bootstrap: the issues of one proposal are decided together; pass
``cluster=False`` to resample issues). The comparison with the reference model (the
compromise model) is a paired bootstrap of the difference in MAE on the issues both
forecast (the same resampled proposals for both): a model beats the reference only if the
whole interval is below 0. Every row but the reference is one comparison; the summary says
how many were made (``n_compared``), since at 95% each about one in twenty would exclude 0
by chance if no model differed from the reference (a Bonferroni correction would ask for
``1 - 0.05 / n_compared`` intervals). The candidates searched inside the tuned families are
counted apart (``tuning_candidates``): the choice among them is made out of sample.

A declared candidate (``candidate=``, the row of a tuned family): its grid is written in
code before any look at the even half, it is tuned on one half and reported either way, and
it becomes the primary model (whose forecasts and intervals the output lists) only if its
cross-fit difference from the reference has its whole interval below 0; otherwise the
reference is primary. :func:`default_tuning`'s candidate is ``compromise_snap``
(:class:`SnapModel`): the compromise forecast moved to the nearest actor position when that
lies within a distance d, d from :data:`SNAP_GRID`.

Forecast intervals: the primary model's 80% intervals ``[q10, q90]`` from the predictive
distribution of :mod:`zopa.forecasting.intervals`, its spread tuned on one half (conformal)
and the coverage measured on the other: the spread tuned on the odd half, scored on the even
half (``test``), the reverse, the two pooled (``crossfit``), and in sample on the odd half
(``calibration``), each with its count, a cluster-bootstrap interval and a Wilson interval.
Each issue's listed interval uses the spread and the forecast tuned on the half it is not in.

Input variants (``variants=``): the same cases read another way (for DEU III: missing
saliences left at 0 instead of imputed as the issue's mean salience). The reference model,
untuned, is run on each and the difference in MAE (as read minus the variant) is reported
on the even half and over all issues, paired.

Baselines (Thomson et al. 2006, their MAE on all 353 DEU III issues with an outcome):
compromise (capability x salience) 23.2, salience-only weighting 23.7, the member states'
median 29.0, the Commission's position 37.7; plus the midpoint of the scale.

The models are the registered ones (:mod:`zopa.forecasting.registry`) plus the baselines
and variants of :func:`default_models`; each row's ``params`` writes its model's class and
``get_params()`` (``params_reverse``: the member tuned on the even half). ``zopa backtest
deu PATH`` (or :func:`zopa.backtest`) reads DEU III and runs :func:`backtest` over
``default_models(every=True)`` and :func:`default_tuning` with the candidate
:data:`CANDIDATE`; this module computes and prints nothing (the command line formats the
result).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, Protocol

import numpy as np
from typing_extensions import TypedDict  # pydantic reads it on Python < 3.12 (schemas)

from zopa.forecasting.base import (
    Forecast,
    ForecastInput,
    ForecastModel,
    ModelBase,
    describe,
    finish,
)
from zopa.forecasting.compromise import compromise
from zopa.forecasting.intervals import (
    LEVEL,
    Predictive,
    conformal_spread,
    scores,
    split_coverage,
    spread_inputs,
    wilson,
)
from zopa.forecasting.registry import MODELS, make_model
from zopa.results import POSITION, finite, frame

if TYPE_CHECKING:
    import pandas as pd

MEMBER_STATE_EXCLUDE = ("com", "ep")


# --- baselines ---------------------------------------------------------------------------


class MedianModel(ModelBase):
    """The median of the present actors' positions (by default the member states only)."""

    name: ClassVar[str] = "median"
    stacks_issues: ClassVar[bool] = True

    def __init__(self, exclude: Sequence[str] = MEMBER_STATE_EXCLUDE) -> None:
        self.exclude = tuple(exclude)

    def predict(self, inputs: ForecastInput) -> Forecast:
        """The median position per issue (NaN where no counted actor is present)."""
        rows = [a not in self.exclude for a in inputs.actors]
        pos = np.asarray(inputs.position, dtype=float)[rows]
        out = np.full(len(inputs.issues), np.nan)
        has = (~np.isnan(pos)).any(axis=0)
        if has.any():
            out[has] = np.nanmedian(pos[:, has], axis=0)
        return finish(self.name, inputs, out)


class ActorModel(ModelBase):
    """One actor's position as the forecast (e.g. the Commission's proposal)."""

    name: ClassVar[str] = "actor"
    stacks_issues: ClassVar[bool] = True

    def __init__(self, actor: str = "com") -> None:
        self.actor = actor

    def predict(self, inputs: ForecastInput) -> Forecast:
        """The actor's position per issue (NaN where it takes no part)."""
        if self.actor in inputs.actors:
            out = np.asarray(inputs.position, dtype=float)[inputs.actors.index(self.actor)]
        else:
            out = np.full(len(inputs.issues), np.nan)
        return finish(self.name, inputs, out)


class ConstantModel(ModelBase):
    """The same position on every issue (the scale's midpoint by default)."""

    name: ClassVar[str] = "constant"
    stacks_issues: ClassVar[bool] = True

    def __init__(self, value: float = 50.0) -> None:
        self.value = float(value)

    def predict(self, inputs: ForecastInput) -> Forecast:
        """``value`` on every issue."""
        return finish(self.name, inputs, np.full(len(inputs.issues), self.value))


class SnapModel(ModelBase):
    """The compromise forecast, moved to the nearest actor position when within a distance.

    Per issue k, with the compromise forecast ``x_k`` and the present actors' positions
    ``x_ik``: the nearest position ``p_k = argmin_i |x_ik - x_k|`` (the lower one when two
    are equally near), and the forecast is ``p_k`` if ``|p_k - x_k| <= distance``, else
    ``x_k``. ``distance`` 0 keeps the compromise forecast; 100 always snaps. The idea: DEU
    outcomes often coincide with a position some actor took.
    """

    name: ClassVar[str] = "snap"
    stacks_issues: ClassVar[bool] = True

    def __init__(self, distance: float = 5.0) -> None:
        self.distance = float(distance)

    def predict(self, inputs: ForecastInput) -> Forecast:
        """The snapped compromise forecast per issue (NaN where no actor is present)."""
        pos = np.asarray(inputs.position, dtype=float)
        x = compromise(pos, inputs.salience, inputs.capability)
        gap = np.where(np.isnan(pos), np.inf, np.abs(pos - x[None, :]))
        best = gap.min(axis=0) if len(pos) else np.full(len(x), np.inf)
        nearest = np.where(gap == best[None, :], pos, np.inf).min(axis=0, initial=np.inf)
        snap = np.isfinite(best) & (best <= self.distance)
        return finish(self.name, inputs, np.where(snap, nearest, x))


SNAP_GRID = (0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20, 25, 30, 40, 50, 100)
"""The distances the declared candidate :class:`SnapModel` is tuned over (declared before
any look at the even half)."""

CANDIDATE = "compromise_snap"
"""The declared candidate of ``zopa backtest deu``: the tuned family of :class:`SnapModel`."""


def default_models(every: bool = False) -> dict[str, ForecastModel]:
    """Row name -> model: the closed-form registered models and variants, and the
    baselines, compromise first.

    ``every``: also every other registered model (EUM, SMP and exchange: they iterate, and
    take seconds on DEU III), with its ``lean_params``.
    """
    models: dict[str, ForecastModel] = {
        "compromise": make_model("compromise"),
        "salience": make_model("compromise", capability_power=0.0),
        "median": MedianModel(),
        "commission": ActorModel("com"),
        "midpoint": ConstantModel(50.0),
        "nash": make_model("nash"),
        "nash_cs": make_model("nash", bargaining_power="capability_salience"),
        "nash_sq": make_model("nash", disagreement="status_quo"),
    }
    if every:
        for name in MODELS:
            models.setdefault(name, make_model(name, lean=True))
    return models


def default_tuning() -> dict[str, list[ForecastModel]]:
    """Model families tuned on one half (the calibration half; the other in the cross-fit).

    ``compromise_tuned``: weights ``c**a * s**b`` over a, b in 0, 0.25, ..., 2.
    ``nash_tuned``: loss exponent p in {1, 1.5, 2, 3, 4} x bargaining weights x disagreement.
    ``compromise_snap`` (:data:`CANDIDATE`): :class:`SnapModel` over :data:`SNAP_GRID`.
    """
    grid = [0.25 * i for i in range(9)]
    compromise = [
        make_model("compromise", capability_power=a, salience_power=b) for a in grid for b in grid
    ]
    nash = [
        make_model("nash", p=p, disagreement=d, bargaining_power=bp)
        for p in (1.0, 1.5, 2.0, 3.0, 4.0)
        for bp in ("capability", "capability_salience")
        for d in ("worst", "status_quo")
    ]
    snap: list[ForecastModel] = [SnapModel(d) for d in SNAP_GRID]
    return {"compromise_tuned": compromise, "nash_tuned": nash, CANDIDATE: snap}


# --- cases and results -------------------------------------------------------------------


class Case(Protocol):
    """One backtest case: model inputs, observed outcome per issue (NaN: none), a key."""

    @property
    def inputs(self) -> ForecastInput: ...

    @property
    def outcome(self) -> np.ndarray: ...

    @property
    def prnrnmc(self) -> int: ...


def odd_prnrnmc(case: Case) -> bool:
    """The default calibration split: proposals with an odd ``prnrnmc``."""
    return int(case.prnrnmc) % 2 == 1


@dataclass(frozen=True)
class Score:
    """An MAE (or a paired MAE difference) with its bootstrap interval and issue count."""

    mae: float
    low: float
    high: float
    n: int

    def __str__(self) -> str:
        if self.n == 0:
            return "-"
        return f"{self.mae:6.2f} [{self.low:6.2f}, {self.high:6.2f}]"


@dataclass(frozen=True)
class Row:
    """One model's scores: all issues, each half, the cross-fit, and vs the reference.

    ``calibration`` and ``test``: the model tuned on the odd half, scored on the odd (in
    sample) and the even half; ``reverse``: tuned on the even half, scored on the odd;
    ``crossfit``: ``test`` and ``reverse`` pooled. ``diff_*``: the paired difference from
    the reference's score on the same issues (None for the reference itself).
    """

    name: str
    kind: str
    params: str
    all: Score
    calibration: Score
    test: Score
    diff_test: Score | None
    diff_all: Score | None
    reverse: Score
    crossfit: Score
    diff_crossfit: Score | None
    params_reverse: str


@dataclass(frozen=True)
class Coverage:
    """How many held-out outcomes a set of forecast intervals covers.

    ``tuned_on``: the half the spread (and the model) was tuned on (``"odd"``, ``"even"``,
    or ``"other half"`` for the pooled cross-fit); ``scored_on``: where coverage is counted
    (``"odd"``, ``"even"``, ``"all"``). ``low``/``high``: the bootstrap interval of the rate
    (resampling proposals, as the MAEs); ``wilson_low``/``wilson_high``: the Wilson binomial
    interval at the same level (it takes the issues as independent).
    """

    tuned_on: str
    scored_on: str
    spread: float
    covered: int
    n: int
    rate: float
    low: float
    high: float
    wilson_low: float
    wilson_high: float

    def __str__(self) -> str:
        if self.n == 0:
            return "-"
        return f"{self.covered}/{self.n} = {self.rate:.1%} [{self.low:.1%}, {self.high:.1%}]"


@dataclass(frozen=True)
class SplitCheck:
    """The interval design on random halvings of the proposals instead of odd/even: tune
    the spread on a random half, count coverage on the other, ``splits`` times (the
    forecasts as they are: only for a primary model with nothing to tune).

    ``mean`` and ``sd`` of the coverage over the splits, ``within``: the share of splits
    within 5 points of the nominal level, ``below_test``: the share at or below the even
    half's coverage (how unusual the odd/even split is)."""

    splits: int
    seed: int
    mean: float
    sd: float
    within: float
    below_test: float


@dataclass(frozen=True)
class Intervals:
    """The primary model's forecast intervals: spreads, coverage and per-issue quantiles.

    ``spread``: the spread tuned on each half (``"odd"``, ``"even"``); ``coverage``: by
    :data:`COVERAGES`; per issue (in the result's issue order) the forecast ``centre``, the
    quantiles ``q10`` and ``q90`` (each from the forecast and spread tuned on the half the
    issue is not in) and ``covered`` (NaN where there is no outcome).
    """

    model: str
    level: float
    spread: dict[str, float]
    coverage: dict[str, Coverage]
    centre: np.ndarray
    q10: np.ndarray
    q90: np.ndarray
    covered: np.ndarray
    anchors: tuple[str, ...] = ()
    split_check: SplitCheck | None = None


COVERAGE_TOLERANCE = 0.05
"""How far (as a share) the even half's coverage may sit from the nominal level to be
reported as on target (80% +- 5 points)."""

COVERAGES = ("calibration", "test", "reverse", "crossfit")
"""The coverage figures of :class:`Intervals`: tuned on the odd half and counted on it (in
sample), tuned on the odd half and counted on the even, the reverse, and the two pooled."""


class InputVariant(NamedTuple):
    """The same cases read another way (``description`` says how), for ``variants=``."""

    description: str
    cases: Sequence[Case]


@dataclass(frozen=True)
class VariantScore:
    """The reference model on an input variant: its MAE, and the paired difference
    ``MAE(inputs as read) - MAE(variant)`` on the even half and over all issues."""

    description: str
    model: str
    test: Score
    all: Score
    diff_test: Score
    diff_all: Score


@dataclass(frozen=True)
class Candidate:
    """The declared candidate's verdict: promoted to primary only if the whole interval of
    its cross-fit difference from the reference is below 0."""

    name: str
    promoted: bool
    diff_test: Score
    diff_crossfit: Score
    params: str
    params_reverse: str


PROMOTION_RULE = (
    "promoted to primary only if the whole interval of its cross-fit paired difference "
    "from the reference is below 0"
)


class ScoreJson(TypedDict):
    """An MAE (or MAE difference), its bootstrap interval and how many issues it covers."""

    mae: float | None
    low: float | None
    high: float | None
    n: int


class RowJson(TypedDict):
    name: str
    kind: str
    params: str
    params_reverse: str
    all: ScoreJson
    calibration: ScoreJson
    test: ScoreJson
    reverse: ScoreJson
    crossfit: ScoreJson
    diff_test: ScoreJson | None
    diff_all: ScoreJson | None
    diff_crossfit: ScoreJson | None


class CoverageJson(TypedDict):
    """Outcomes inside the 80% intervals: count, rate and its two intervals."""

    tuned_on: str
    scored_on: str
    spread: float | None
    covered: int
    n: int
    rate: float | None
    low: float | None
    high: float | None
    wilson_low: float | None
    wilson_high: float | None


class SplitCheckJson(TypedDict):
    """The coverage over random halvings of the proposals (tune on one, count the other)."""

    splits: int
    seed: int
    mean: float | None
    sd: float | None
    within_5_points: float | None
    at_or_below_test: float | None


class IntervalsJson(TypedDict):
    """The primary model's forecast intervals: how they are built, spreads, coverage."""

    model: str
    level: float
    method: str
    anchors: list[str]
    spread: dict[str, float | None]
    coverage: dict[str, CoverageJson]
    random_splits: SplitCheckJson | None


class IssueForecastJson(TypedDict):
    """One issue: the primary model's forecast, its 10% and 90% quantiles, the outcome."""

    issue: str
    prnrnmc: int
    calibration: bool
    outcome: float | None
    forecast: float | None
    q10: float | None
    q90: float | None
    covered: bool | None


class CandidateJson(TypedDict):
    name: str
    rule: str
    promoted: bool
    params: str
    params_reverse: str
    diff_test: ScoreJson
    diff_crossfit: ScoreJson


class VariantJson(TypedDict):
    description: str
    model: str
    test: ScoreJson
    all: ScoreJson
    diff_test: ScoreJson
    diff_all: ScoreJson


class BacktestJson(TypedDict):
    """``zopa backtest --json``: the splits, the bootstrap, the ensemble weights, the
    verdicts, one row of scores per model, the candidate, the intervals and every issue's
    forecast."""

    reference: str
    primary: str
    n_issues: dict[str, int]
    n_proposals: dict[str, int]
    seed: int
    n_boot: int
    level: float
    cluster: bool
    n_compared: int
    tuning_candidates: dict[str, int]
    ensemble_weights: dict[str, float]
    ensemble_weights_reverse: dict[str, float]
    beats_reference: list[str]
    beats_reference_test: list[str]
    rows: list[RowJson]
    candidate: CandidateJson | None
    intervals: IntervalsJson | None
    input_variants: dict[str, VariantJson]
    forecasts: list[IssueForecastJson]


def _number(x: float) -> float | None:
    """``x`` as it is, or None when it is not finite (JSON has no NaN)."""
    return float(x) if math.isfinite(x) else None


def _score_json(s: Score) -> ScoreJson:
    return {"mae": _number(s.mae), "low": _number(s.low), "high": _number(s.high), "n": s.n}


def _coverage_json(c: Coverage) -> CoverageJson:
    return {
        "tuned_on": c.tuned_on,
        "scored_on": c.scored_on,
        "spread": _number(c.spread),
        "covered": c.covered,
        "n": c.n,
        "rate": _number(c.rate),
        "low": _number(c.low),
        "high": _number(c.high),
        "wilson_low": _number(c.wilson_low),
        "wilson_high": _number(c.wilson_high),
    }


SCORES = (
    "all",
    "calibration",
    "test",
    "reverse",
    "crossfit",
    "diff_test",
    "diff_all",
    "diff_crossfit",
)
"""The scores of a :class:`Row`, in column order."""

INTERVAL_METHOD = (
    "Y = clip(x + s sigma Z, L, U), Z ~ N(0, 1): x the forecast, sigma the capability x "
    "salience weighted sd of the actors' positions around it, [L, U] their range (with x); "
    "the spread s tuned on one half to cover 80% (split conformal), coverage counted on "
    "the other"
)


@dataclass
class BacktestResult:
    """The backtest: one :class:`Row` per model, plus what the figures rest on."""

    rows: list[Row]
    reference: str
    n_issues: dict[str, int]
    n_proposals: dict[str, int]
    ensemble_weights: dict[str, float]
    seed: int
    n_boot: int
    level: float
    cluster: bool
    issues: list[str] = field(default_factory=list)
    outcome: np.ndarray = field(default_factory=lambda: np.zeros(0))
    calibration: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    predictions: dict[str, np.ndarray] = field(default_factory=dict)
    crossfit_predictions: dict[str, np.ndarray] = field(default_factory=dict)
    ensemble_weights_reverse: dict[str, float] = field(default_factory=dict)
    prnrnmc: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    tuning_candidates: dict[str, int] = field(default_factory=dict)
    candidate: Candidate | None = None
    intervals: Intervals | None = None
    variants: dict[str, VariantScore] = field(default_factory=dict)

    def row(self, name: str) -> Row:
        """The row of the named model."""
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(name)

    @property
    def primary(self) -> str:
        """The model whose forecasts and intervals are listed: the candidate if promoted,
        else the reference."""
        c = self.candidate
        return c.name if c is not None and c.promoted else self.reference

    @property
    def n_compared(self) -> int:
        """How many rows were compared with the reference (every row but the reference)."""
        return sum(r.diff_crossfit is not None for r in self.rows)

    def beats_reference(self) -> list[str]:
        """Models whose cross-fit paired difference from the reference (the primary
        figure) has its whole interval below 0."""
        return [
            r.name
            for r in self.rows
            if r.diff_crossfit is not None and r.diff_crossfit.n > 0 and r.diff_crossfit.high < 0
        ]

    def beats_reference_test(self) -> list[str]:
        """Models whose even-half paired difference has its whole interval below 0 (shown
        beside the cross-fit verdict; it alone promotes nothing)."""
        return [
            r.name
            for r in self.rows
            if r.diff_test is not None and r.diff_test.n > 0 and r.diff_test.high < 0
        ]

    def to_json(self) -> BacktestJson:
        """Exactly what ``zopa backtest --json`` prints."""

        def score(s: Score | None) -> ScoreJson | None:
            return None if s is None else _score_json(s)

        c = self.candidate
        candidate: CandidateJson | None = None
        if c is not None:
            candidate = {
                "name": c.name,
                "rule": PROMOTION_RULE,
                "promoted": c.promoted,
                "params": c.params,
                "params_reverse": c.params_reverse,
                "diff_test": _score_json(c.diff_test),
                "diff_crossfit": _score_json(c.diff_crossfit),
            }
        iv = self.intervals
        intervals: IntervalsJson | None = None
        if iv is not None:
            sc = iv.split_check
            intervals = {
                "model": iv.model,
                "level": iv.level,
                "method": INTERVAL_METHOD,
                "anchors": list(iv.anchors),
                "spread": {k: _number(v) for k, v in iv.spread.items()},
                "coverage": {k: _coverage_json(v) for k, v in iv.coverage.items()},
                "random_splits": None if sc is None else {
                    "splits": sc.splits,
                    "seed": sc.seed,
                    "mean": _number(sc.mean),
                    "sd": _number(sc.sd),
                    "within_5_points": _number(sc.within),
                    "at_or_below_test": _number(sc.below_test),
                },
            }  # fmt: skip
        return {
            "reference": self.reference,
            "primary": self.primary,
            "n_issues": self.n_issues,
            "n_proposals": self.n_proposals,
            "seed": self.seed,
            "n_boot": self.n_boot,
            "level": self.level,
            "cluster": self.cluster,
            "n_compared": self.n_compared,
            "tuning_candidates": self.tuning_candidates,
            "ensemble_weights": self.ensemble_weights,
            "ensemble_weights_reverse": self.ensemble_weights_reverse,
            "beats_reference": self.beats_reference(),
            "beats_reference_test": self.beats_reference_test(),
            "rows": [
                {
                    "name": r.name,
                    "kind": r.kind,
                    "params": r.params,
                    "params_reverse": r.params_reverse,
                    "all": _score_json(r.all),
                    "calibration": _score_json(r.calibration),
                    "test": _score_json(r.test),
                    "reverse": _score_json(r.reverse),
                    "crossfit": _score_json(r.crossfit),
                    "diff_test": score(r.diff_test),
                    "diff_all": score(r.diff_all),
                    "diff_crossfit": score(r.diff_crossfit),
                }
                for r in self.rows
            ],
            "candidate": candidate,
            "intervals": intervals,
            "input_variants": {
                name: {
                    "description": v.description,
                    "model": v.model,
                    "test": _score_json(v.test),
                    "all": _score_json(v.all),
                    "diff_test": _score_json(v.diff_test),
                    "diff_all": _score_json(v.diff_all),
                }
                for name, v in self.variants.items()
            },
            "forecasts": self._forecast_rows(),
        }

    def _forecast_rows(self) -> list[IssueForecastJson]:
        iv = self.intervals
        if iv is None:
            return []
        return [
            {
                "issue": issue,
                "prnrnmc": int(self.prnrnmc[i]),
                "calibration": bool(self.calibration[i]),
                "outcome": finite(self.outcome[i], POSITION),
                "forecast": finite(iv.centre[i], POSITION),
                "q10": finite(iv.q10[i], POSITION),
                "q90": finite(iv.q90[i], POSITION),
                "covered": None if np.isnan(iv.covered[i]) else bool(iv.covered[i]),
            }
            for i, issue in enumerate(self.issues)
        ]

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """``rows``: one row per model (name, kind, params, then ``<score>.mae``,
        ``<score>.low``, ``<score>.high`` and ``<score>.n`` for every score of
        :data:`SCORES`, empty where a row has no such score, then params_reverse).
        ``predictions``: one row per issue (its ``prnrnmc:issue`` id, the outcome, whether
        it is in the calibration half, then one column per model's forecast tuned on the
        odd half). ``forecasts``: one row per issue (id, prnrnmc, calibration, outcome, the
        primary model's cross-fitted forecast, q10, q90, covered). ``coverage``: one row per
        coverage figure (``figure`` of :data:`COVERAGES`, then the :class:`Coverage`
        fields)."""
        stats = ("mae", "low", "high", "n")
        columns = ["name", "kind", "params", *(f"{k}.{x}" for k in SCORES for x in stats)]
        columns.append("params_reverse")
        rows = []
        for r in self.rows:
            row: dict[str, Any] = {
                "name": r.name,
                "kind": r.kind,
                "params": r.params,
                "params_reverse": r.params_reverse,
            }
            for k in SCORES:
                sc: Score | None = getattr(r, k)
                for x in stats:
                    row[f"{k}.{x}"] = None if sc is None else getattr(sc, x)
            rows.append(row)
        preds = [
            {
                "issue": issue,
                "outcome": float(self.outcome[i]),
                "calibration": bool(self.calibration[i]),
                **{n: float(p[i]) for n, p in self.predictions.items()},
            }
            for i, issue in enumerate(self.issues)
        ]
        fields = list(Coverage.__dataclass_fields__)
        iv = self.intervals
        coverage = [] if iv is None else [
            {"figure": k, **{f: getattr(c, f) for f in fields}} for k, c in iv.coverage.items()
        ]  # fmt: skip
        forecast_columns = list(IssueForecastJson.__annotations__)
        return {
            "rows": frame(rows, columns),
            "predictions": frame(preds, ["issue", "outcome", "calibration", *self.predictions]),
            "forecasts": frame(self._forecast_rows(), forecast_columns),
            "coverage": frame(coverage, ["figure", *fields]),
        }

    def summary(self) -> str:
        """What was tuned where, the primary figures, the comparisons, the candidate, the
        intervals, the input variants and the verdict."""
        ni, npr = self.n_issues, self.n_proposals
        unit = "proposals" if self.cluster else "issues"
        pct = f"{self.level * 100:.0f}%"
        weights = ", ".join(f"{k} {v:.3f}" for k, v in self.ensemble_weights.items() if v > 0)
        tuned = [
            f"{r.name}: {r.params} (tuned on the even half: {r.params_reverse})"
            for r in self.rows
            if r.kind == "tuned"
        ]
        primary = self.row(self.primary)
        lines = [
            f"issues with an outcome: {ni['all']} in {npr['all']} proposals; calibration half "
            f"(odd prnrnmc): {ni['calibration']} issues in {npr['calibration']} proposals; "
            f"test half (even prnrnmc): {ni['test']} issues in {npr['test']} proposals.",
            f"bootstrap: {self.n_boot} draws resampling {unit}, seed {self.seed}, "
            f"{pct} percentile intervals; differences are paired.",
            *(f"tuned on the calibration half: {t}" for t in tuned),
            f"ensemble weights (fitted on the calibration half): {weights}",
            f"primary accuracy, 2-fold cross-fit over all {primary.crossfit.n} issues (tuned "
            f"on odd, scored on even; tuned on even, scored on odd; pooled): {primary.name} "
            f"MAE {primary.crossfit.mae:.2f} [{primary.crossfit.low:.2f}, "
            f"{primary.crossfit.high:.2f}]; even half alone: {primary.test.mae:.2f} "
            f"[{primary.test.low:.2f}, {primary.test.high:.2f}].",
        ]
        k = self.n_compared
        if k:
            searched = sum(self.tuning_candidates.values())
            lines.append(
                f"{k} models were compared with {self.reference} (every row but the "
                f"reference): at {pct} each, about {k * (1 - self.level):.1f} intervals would "
                f"exclude 0 by chance if none differed; a Bonferroni correction would ask "
                f"for {1 - (1 - self.level) / k:.2%} intervals."
                + (
                    f" The tuned families searched {searched} candidates, chosen out of "
                    "sample in the cross-fit."
                    if searched
                    else ""
                )
            )
        c = self.candidate
        if c is not None:
            lines.append(
                f"declared candidate {c.name} ({c.params}; tuned on the even half: "
                f"{c.params_reverse}): minus {self.reference} {c.diff_test} on the even half, "
                f"{c.diff_crossfit} cross-fit: "
                + ("promoted to primary." if c.promoted else f"not promoted ({PROMOTION_RULE}).")
            )
        iv = self.intervals
        if iv is not None:
            t, x = iv.coverage["test"], iv.coverage["crossfit"]
            aim = "within" if abs(t.rate - iv.level) <= COVERAGE_TOLERANCE + 1e-12 else "outside"
            lines.append(
                f"{iv.level:.0%} forecast intervals of {iv.model}: spread {iv.spread['odd']:.3f} "
                f"tuned on the odd half covers {t} of the even half (Wilson "
                f"[{t.wilson_low:.1%}, {t.wilson_high:.1%}]), {aim} {iv.level:.0%} +- "
                f"{COVERAGE_TOLERANCE * 100:.0f} points; cross-fit (spread tuned on each "
                f"half, counted on the other) {x}."
            )
            sc = iv.split_check
            if sc is not None:
                lines.append(
                    f"the same design on {sc.splits} random halvings of the proposals: "
                    f"coverage {sc.mean:.1%} on average (sd {sc.sd * 100:.1f} points, within "
                    f"{COVERAGE_TOLERANCE * 100:.0f} points in {sc.within:.0%}); "
                    f"{sc.below_test:.1%} of them cover no more than the odd/even split."
                )
        for v in self.variants.values():
            lines.append(
                f"{v.description}: {v.model}'s MAE changes by {v.diff_test} on the even half "
                f"and {v.diff_all} over all issues (the inputs as read minus the variant; no "
                "tuning)."
            )
        winners, even = self.beats_reference(), self.beats_reference_test()
        verdict = (
            f"beat {self.reference} on the cross-fit (interval of the difference below 0): "
            + ", ".join(winners)
            if winners
            else f"no model beats {self.reference} on the cross-fit "
            "(every interval of the difference reaches 0 or above)"
        )
        verdict += "; on the even half alone (promotes nothing): " + (", ".join(even) or "none")
        lines += [
            "rows tuned on the calibration half include it in their all-issue figures; "
            "judge them on the cross-fit.",
            verdict + ".",
        ]
        return "\n".join(lines)


# --- the backtest ------------------------------------------------------------------------


def _forecast(model: ForecastModel, cases: Sequence[Case]) -> np.ndarray:
    return np.concatenate(
        [np.asarray(model.predict(c.inputs).position, dtype=float) for c in cases]
    )


def _mae(pred: np.ndarray, y: np.ndarray, mask: np.ndarray) -> float:
    ok = mask & ~np.isnan(pred)
    return float(np.mean(np.abs(pred[ok] - y[ok]))) if ok.any() else np.inf


def fit_convex_l1(forecasts: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Convex weights w (w >= 0, sum 1) minimising ``sum |forecasts @ w - y|`` (an LP).

    ``forecasts`` is (issues, members), with no NaN.
    """
    from scipy.optimize import linprog

    n, m = forecasts.shape
    cost = np.concatenate([np.zeros(m), np.ones(n)])
    eye = np.eye(n)
    a_ub = np.block([[forecasts, -eye], [-forecasts, -eye]])
    b_ub = np.concatenate([y, -y])
    a_eq = np.concatenate([np.ones(m), np.zeros(n)])[None, :]
    res = linprog(
        cost,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq,
        b_eq=[1.0],
        bounds=[(0, None)] * (m + n),
        method="highs",
    )
    if not res.success:  # pragma: no cover - the LP is always feasible and bounded
        raise RuntimeError(f"ensemble fit failed: {res.message}")
    w = np.clip(res.x[:m], 0.0, None)
    return w / w.sum()


class _Bootstrap:
    """Resampling weights (draws, units) shared by every model: paired by construction."""

    def __init__(self, unit: np.ndarray, mask: np.ndarray, n_boot: int, seed: int, level: float):
        self.units = np.unique(unit[mask])
        self.index = np.searchsorted(self.units, unit)
        self.mask = mask
        u = len(self.units)
        rng = np.random.default_rng(seed)
        draws = rng.integers(0, u, size=(n_boot, u)) if u else np.zeros((n_boot, 0), int)
        self.counts = np.zeros((n_boot, u))
        for b in range(n_boot):
            self.counts[b] = np.bincount(draws[b], minlength=u)
        self.alpha = (1.0 - level) / 2.0

    def score(self, values: np.ndarray) -> Score:
        """Mean of ``values`` (NaN: not counted) over the mask, with its interval."""
        ok = self.mask & ~np.isnan(values)
        n = int(ok.sum())
        if n == 0:
            return Score(np.nan, np.nan, np.nan, 0)
        u = len(self.units)
        sums = np.bincount(self.index[ok], weights=values[ok], minlength=u)
        cnts = np.bincount(self.index[ok], minlength=u).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            boot = (self.counts @ sums) / (self.counts @ cnts)
        boot = boot[np.isfinite(boot)]
        low, high = np.quantile(boot, [self.alpha, 1.0 - self.alpha])
        return Score(float(values[ok].mean()), float(low), float(high), n)


def _best(forecasts: Sequence[np.ndarray], y: np.ndarray, mask: np.ndarray) -> int | None:
    """The index of the forecast with the lowest MAE on ``mask`` (first on ties)."""
    best, best_mae = None, np.inf
    for i, p in enumerate(forecasts):
        mae = _mae(p, y, mask)
        if mae < best_mae:
            best, best_mae = i, mae
    return best


def _ensemble(
    stack: np.ndarray, y: np.ndarray, fit: np.ndarray, usable: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The convex L1 weights fitted on ``fit`` and the ensemble forecast of every issue."""
    w = fit_convex_l1(stack[fit], y[fit])
    return w, np.where(usable, np.nan_to_num(stack) @ w, np.nan)


def backtest(
    models: Mapping[str, ForecastModel] | Sequence[ForecastModel],
    cases: Iterable[Case],
    *,
    tune: Mapping[str, Sequence[ForecastModel]] | None = None,
    ensemble: bool | Sequence[str] = True,
    reference: str = "compromise",
    candidate: str | None = None,
    intervals: bool = True,
    anchors: Sequence[str] = (),
    variants: Mapping[str, InputVariant] | None = None,
    calibrate: Callable[[Case], bool] = odd_prnrnmc,
    seed: int = 0,
    n_boot: int = 2000,
    level: float = 0.95,
    cluster: bool = True,
) -> BacktestResult:
    """Score ``models`` (and tuned families and an ensemble) on ``cases``.

    Parameters
    ----------
    models
        Row name -> model, or a sequence of models named by their ``name``; scored as
        given. A row's ``params`` is :func:`~zopa.forecasting.base.describe` of its model.
    cases
        The cases (proposals), each with inputs, outcomes and ``prnrnmc``.
    tune
        Family name -> candidate models: the candidate with the lowest MAE on the tuning
        half becomes a row named after the family (tuned on the calibration half for
        ``calibration``, ``test`` and ``all``; on each half for the cross-fit).
    ensemble
        True: a row ``ensemble`` combining every model of ``models``; or a list of row
        names; False: none. Its convex weights are fitted on the tuning half (L1 loss).
    reference
        The row every other row is compared with (paired bootstrap).
    candidate
        A declared candidate (a row name, usually a family of ``tune``): reported in
        :attr:`BacktestResult.candidate`, and the primary model if the whole interval of
        its cross-fit difference from the reference is below 0.
    intervals
        Compute the primary model's 80% forecast intervals and their coverage
        (:mod:`zopa.forecasting.intervals`), and, for an untuned primary model, their
        coverage over ``n_boot`` random halvings of the cases (seed ``seed + 3``).
    anchors
        Actors whose distance from the forecast widens the intervals' scale (none by
        default; see :func:`~zopa.forecasting.intervals.spread_inputs`).
    variants
        Name -> the same cases read another way: the reference model (one of ``models``)
        is run on each, and the paired difference in its MAE is reported.
    calibrate
        Which cases form the calibration half (default: odd ``prnrnmc``).
    seed, n_boot, level, cluster
        The bootstrap: its seed, draws, interval level, and whether it resamples whole
        cases (True) or issues.

    Returns
    -------
    BacktestResult
        Scores cover only issues with an outcome; see the module docstring.

    Raises
    ------
    ValueError
        No cases, duplicate model names, a tuned family named like a model or with no
        usable candidate, an unknown candidate, or a variant whose cases do not match.
    """
    cases = list(cases)
    if not cases:
        raise ValueError("no cases")
    if isinstance(models, Mapping):
        named = dict(models)
    else:
        names = [m.name for m in models]
        if len(set(names)) != len(names):
            raise ValueError(f"model names must be unique: {names}")
        named = dict(zip(names, models, strict=True))
    y = np.concatenate([np.asarray(c.outcome, dtype=float) for c in cases])
    sizes = [len(c.inputs.issues) for c in cases]
    proposal = np.repeat(np.arange(len(cases)), sizes)
    calib_case = np.array([bool(calibrate(c)) for c in cases])
    calib = np.repeat(calib_case, sizes)
    scored = ~np.isnan(y)
    issue_ids = [f"{c.prnrnmc}:{k}" for c in cases for k in c.inputs.issues]
    odd, even = scored & calib, scored & ~calib

    # preds: tuned on the calibration half; rev: tuned on the other half.
    preds: dict[str, np.ndarray] = {}
    rev: dict[str, np.ndarray] = {}
    kinds: dict[str, str] = {}
    params: dict[str, str] = {}
    params_rev: dict[str, str] = {}
    for name, m in named.items():
        preds[name] = rev[name] = _forecast(m, cases)
        kinds[name] = "model"
        params[name] = params_rev[name] = describe(m)
    searched: dict[str, int] = {}
    for family, candidates in (tune or {}).items():
        if family in preds:
            raise ValueError(f"tuned family name {family!r} clashes with a model name")
        forecasts = [_forecast(cand, cases) for cand in candidates]
        i_odd, i_even = _best(forecasts, y, odd), _best(forecasts, y, even)
        if i_odd is None:
            raise ValueError(f"tuned family {family!r} has no usable candidate")
        i_even = i_odd if i_even is None else i_even
        preds[family], rev[family] = forecasts[i_odd], forecasts[i_even]
        kinds[family] = "tuned"
        params[family] = describe(candidates[i_odd])
        params_rev[family] = describe(candidates[i_even])
        searched[family] = len(candidates)

    weights: dict[str, float] = {}
    weights_rev: dict[str, float] = {}
    if ensemble:
        members = list(named) if ensemble is True else list(ensemble)
        stack = np.column_stack([preds[n] for n in members])
        fill = preds.get(reference)
        if fill is not None:
            stack = np.where(np.isnan(stack), fill[:, None], stack)
        with np.errstate(invalid="ignore"):
            row_mean = np.nanmean(np.where(np.isnan(stack), np.nan, stack), axis=1)
        stack = np.where(np.isnan(stack), row_mean[:, None], stack)
        usable = ~np.isnan(stack).any(axis=1)
        w, preds["ensemble"] = _ensemble(stack, y, odd & usable, usable)
        weights = {n: float(v) for n, v in zip(members, w, strict=True)}
        if (even & usable).any():
            w_rev, rev["ensemble"] = _ensemble(stack, y, even & usable, usable)
        else:
            w_rev, rev["ensemble"] = w, preds["ensemble"]
        weights_rev = {n: float(v) for n, v in zip(members, w_rev, strict=True)}
        kinds["ensemble"] = "ensemble"
        params["ensemble"], params_rev["ensemble"] = (
            "convex L1 fit: " + ", ".join(f"{n} {v:.3f}" for n, v in ws.items() if v > 0)
            for ws in (weights, weights_rev)
        )
    cross = {n: np.where(calib, rev[n], preds[n]) for n in preds}

    unit = proposal if cluster else np.arange(len(y))
    boots = {
        "all": _Bootstrap(unit, scored, n_boot, seed, level),
        "calibration": _Bootstrap(unit, odd, n_boot, seed + 1, level),
        "test": _Bootstrap(unit, even, n_boot, seed + 2, level),
    }
    ref = preds.get(reference)
    ref_cross = cross.get(reference)
    rows: list[Row] = []
    for name, p in preds.items():
        err = np.abs(p - y)
        err_cross = np.abs(cross[name] - y)
        diff_test = diff_all = diff_cross = None
        if ref is not None and ref_cross is not None and name != reference:
            d = err - np.abs(ref - y)
            diff_test = boots["test"].score(d)
            diff_all = boots["all"].score(d)
            diff_cross = boots["all"].score(err_cross - np.abs(ref_cross - y))
        rows.append(
            Row(
                name=name,
                kind=kinds[name],
                params=params[name],
                all=boots["all"].score(err),
                calibration=boots["calibration"].score(err),
                test=boots["test"].score(err),
                diff_test=diff_test,
                diff_all=diff_all,
                reverse=boots["calibration"].score(err_cross),
                crossfit=boots["all"].score(err_cross),
                diff_crossfit=diff_cross,
                params_reverse=params_rev[name],
            )
        )

    verdict: Candidate | None = None
    if candidate is not None:
        row = next((r for r in rows if r.name == candidate), None)
        if row is None or row.diff_crossfit is None or row.diff_test is None:
            raise ValueError(f"candidate {candidate!r} is not a row compared with {reference!r}")
        verdict = Candidate(
            name=candidate,
            promoted=row.diff_crossfit.n > 0 and row.diff_crossfit.high < 0,
            diff_test=row.diff_test,
            diff_crossfit=row.diff_crossfit,
            params=row.params,
            params_reverse=row.params_reverse,
        )
    primary = candidate if verdict is not None and verdict.promoted else reference

    found: Intervals | None = None
    if intervals and primary in preds:
        inputs = [c.inputs for c in cases]
        found = _intervals(
            primary, preds[primary], rev[primary], inputs, y, calib, boots, level, anchors,
            proposal, n_boot if kinds[primary] == "model" else 0, seed + 3,
        )  # fmt: skip

    scores_of: dict[str, VariantScore] = {}
    if variants and ref is not None:
        if reference not in named:
            raise ValueError(f"variants need the reference {reference!r} among the models")
        for vname, variant in variants.items():
            other = list(variant.cases)
            if [len(c.inputs.issues) for c in other] != sizes:
                raise ValueError(f"variant {vname!r}: its cases do not match the cases")
            err_v = np.abs(_forecast(named[reference], other) - y)
            d = np.abs(ref - y) - err_v
            scores_of[vname] = VariantScore(
                description=variant.description,
                model=reference,
                test=boots["test"].score(err_v),
                all=boots["all"].score(err_v),
                diff_test=boots["test"].score(d),
                diff_all=boots["all"].score(d),
            )

    return BacktestResult(
        rows=rows,
        reference=reference,
        n_issues={"all": int(scored.sum()), "calibration": int(odd.sum()), "test": int(even.sum())},
        n_proposals={
            "all": len(np.unique(proposal[scored])),
            "calibration": len(np.unique(proposal[odd])),
            "test": len(np.unique(proposal[even])),
        },
        ensemble_weights=weights,
        seed=seed,
        n_boot=n_boot,
        level=level,
        cluster=cluster,
        issues=issue_ids,
        outcome=y,
        calibration=calib,
        predictions=preds,
        crossfit_predictions=cross,
        ensemble_weights_reverse=weights_rev,
        prnrnmc=np.repeat([int(c.prnrnmc) for c in cases], sizes),
        tuning_candidates=searched,
        candidate=verdict,
        intervals=found,
        variants=scores_of,
    )


def _intervals(
    model: str,
    pred: np.ndarray,
    rev: np.ndarray,
    inputs: Sequence[ForecastInput],
    y: np.ndarray,
    calib: np.ndarray,
    boots: Mapping[str, _Bootstrap],
    level: float,
    anchors: Sequence[str],
    unit: np.ndarray,
    n_splits: int,
    seed: int,
) -> Intervals:
    """The 80% intervals of ``model`` (forecasts ``pred`` tuned on the calibration half,
    ``rev`` on the other), their spreads tuned on each half and their coverage; with
    ``n_splits`` > 0 (an untuned model), the coverage over random halvings of ``unit``."""
    scored = ~np.isnan(y)
    odd, even = scored & calib, scored & ~calib
    sig_a, lo_a, hi_a = spread_inputs(inputs, pred, anchors)
    sig_b, lo_b, hi_b = (sig_a, lo_a, hi_a) if rev is pred else spread_inputs(inputs, rev, anchors)
    r_a = scores(y, pred, sig_a, lo_a, hi_a, LEVEL)  # fold A: tuned on the odd half
    r_b = scores(y, rev, sig_b, lo_b, hi_b, LEVEL)  # fold B: tuned on the even half
    s_odd = conformal_spread(np.where(odd, r_a, np.nan), LEVEL)
    s_even = conformal_spread(np.where(even, r_b, np.nan), LEVEL)

    def count(r: np.ndarray, spread: float | np.ndarray, mask: np.ndarray) -> np.ndarray:
        """1.0 where the outcome is covered, 0.0 where not, NaN outside ``mask``."""
        return np.where(mask & ~np.isnan(r), (r <= spread).astype(float), np.nan)

    def coverage(hit: np.ndarray, boot: str, tuned: str, on: str, spread: float) -> Coverage:
        sc = boots[boot].score(hit)
        k = int(np.nansum(hit))
        wl, wh = wilson(k, sc.n, level)
        return Coverage(tuned, on, spread, k, sc.n, sc.mae, sc.low, sc.high, wl, wh)

    spread = np.where(calib, s_even, s_odd)
    r_cross = np.where(calib, r_b, r_a)
    hit_cross = count(r_cross, spread, scored)
    found = {
        "calibration": coverage(count(r_a, s_odd, odd), "calibration", "odd", "odd", s_odd),
        "test": coverage(count(r_a, s_odd, even), "test", "odd", "even", s_odd),
        "reverse": coverage(count(r_b, s_even, odd), "calibration", "even", "odd", s_even),
        "crossfit": coverage(hit_cross, "all", "other half", "all", math.nan),
    }
    centre = np.where(calib, rev, pred)
    dist = Predictive(
        centre=centre,
        sigma=np.where(calib, sig_b, sig_a),
        low=np.where(calib, lo_b, lo_a),
        high=np.where(calib, hi_b, hi_a),
        spread=spread,
    )
    q10, q90 = dist.interval(LEVEL)
    check = None
    if n_splits > 0:  # nothing tuned but the spread: random halvings are cheap and exact
        split = split_coverage(np.where(scored, r_a, np.nan), unit, LEVEL, n_splits, seed)
        check = SplitCheck(
            splits=n_splits,
            seed=seed,
            mean=float(np.mean(split)),
            sd=float(np.std(split)),
            within=float(np.mean(np.abs(split - LEVEL) <= COVERAGE_TOLERANCE + 1e-12)),
            below_test=float(np.mean(split <= found["test"].rate + 1e-12)),
        )
    return Intervals(
        model=model,
        level=LEVEL,
        spread={"odd": s_odd, "even": s_even},
        coverage=found,
        centre=centre,
        q10=q10,
        q90=q90,
        covered=np.where(scored, hit_cross, np.nan),
        anchors=tuple(anchors),
        split_check=check,
    )
