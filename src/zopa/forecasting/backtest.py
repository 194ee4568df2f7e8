"""Backtest forecasting models on real decisions (DEU III), with a calibrated ensemble.

Every model (any object with the :class:`~zopa.forecasting.base.ForecastModel` interface)
forecasts every case (one proposal: its issues as a
:class:`~zopa.forecasting.base.ForecastInput`, plus the observed outcome per issue). A model's
score is its mean absolute error (MAE) on the 0..100 scale over the issues with an outcome
that it forecasts (a model may return NaN, e.g. the Commission baseline where the
Commission took no position; ``n`` says how many issues each figure covers).

Honest evaluation: anything tunable is calibrated ONLY on the calibration half (by
default the proposals with odd ``prnrnmc``) and reported on the test half (even
``prnrnmc``). Tunable things are

- model families (``tune=``): the member with the lowest calibration MAE is chosen, e.g.
  the compromise model with weights ``c**a * s**b`` over a grid of (a, b);
- the ensemble: a convex combination of the base models' forecasts whose weights minimise
  the calibration MAE (a linear programme). A member's missing forecast on an issue is
  replaced by the reference model's forecast.

Intervals are percentile bootstrap intervals (seeded, default 2000 draws, 95%), resampling
whole proposals (a cluster bootstrap: the issues of one proposal are decided together; pass
``cluster=False`` to resample issues). The comparison with the reference model (the
compromise model) is a paired bootstrap of the difference in MAE on the issues both
forecast: a model beats the reference only if the whole interval is below 0.

Baselines (Thomson et al. 2006, their MAE on all 353 DEU III issues with an outcome):
compromise (capability x salience) 23.2, salience-only weighting 23.7, the member states'
median 29.0, the Commission's position 37.7; plus the midpoint of the scale.

The models are the registered ones (:mod:`zopa.forecasting.registry`) plus the baselines
and variants of :func:`default_models`; each row's ``params`` writes its model's class and
``get_params()``. ``zopa backtest deu PATH`` (or :func:`zopa.backtest`) reads DEU III and
runs :func:`backtest` over ``default_models(every=True)`` and :func:`default_tuning`; this
module computes and prints nothing (the command line formats the result).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

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
from zopa.forecasting.registry import MODELS, make_model
from zopa.results import frame

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
    """Model families calibrated on the calibration half.

    ``compromise_tuned``: weights ``c**a * s**b`` over a, b in 0, 0.25, ..., 2.
    ``nash_tuned``: loss exponent p in {1, 1.5, 2, 3, 4} x bargaining weights x disagreement.
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
    return {"compromise_tuned": compromise, "nash_tuned": nash}


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
    """One model's scores: all issues, calibration half, test half, and vs the reference."""

    name: str
    kind: str
    params: str
    all: Score
    calibration: Score
    test: Score
    diff_test: Score | None
    diff_all: Score | None


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
    all: ScoreJson
    calibration: ScoreJson
    test: ScoreJson
    diff_test: ScoreJson | None
    diff_all: ScoreJson | None


class BacktestJson(TypedDict):
    """``zopa backtest --json``: the splits, the bootstrap, the ensemble weights, the
    models that beat the reference, and one row of scores per model."""

    reference: str
    n_issues: dict[str, int]
    n_proposals: dict[str, int]
    seed: int
    n_boot: int
    level: float
    cluster: bool
    ensemble_weights: dict[str, float]
    beats_reference: list[str]
    rows: list[RowJson]


def _number(x: float) -> float | None:
    """``x`` as it is, or None when it is not finite (JSON has no NaN)."""
    return float(x) if math.isfinite(x) else None


def _score_json(s: Score) -> ScoreJson:
    return {"mae": _number(s.mae), "low": _number(s.low), "high": _number(s.high), "n": s.n}


SCORES = ("all", "calibration", "test", "diff_test", "diff_all")
"""The scores of a :class:`Row`, in column order."""


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

    def row(self, name: str) -> Row:
        """The row of the named model."""
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(name)

    def beats_reference(self) -> list[str]:
        """Models whose test-half MAE is below the reference's with the whole interval < 0."""
        return [
            r.name
            for r in self.rows
            if r.diff_test is not None and r.diff_test.n > 0 and r.diff_test.high < 0
        ]

    def to_json(self) -> BacktestJson:
        """Exactly what ``zopa backtest --json`` prints."""

        def score(s: Score | None) -> ScoreJson | None:
            return None if s is None else _score_json(s)

        return {
            "reference": self.reference,
            "n_issues": self.n_issues,
            "n_proposals": self.n_proposals,
            "seed": self.seed,
            "n_boot": self.n_boot,
            "level": self.level,
            "cluster": self.cluster,
            "ensemble_weights": self.ensemble_weights,
            "beats_reference": self.beats_reference(),
            "rows": [
                {
                    "name": r.name,
                    "kind": r.kind,
                    "params": r.params,
                    "all": _score_json(r.all),
                    "calibration": _score_json(r.calibration),
                    "test": _score_json(r.test),
                    "diff_test": score(r.diff_test),
                    "diff_all": score(r.diff_all),
                }
                for r in self.rows
            ],
        }

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """``rows``: one row per model (name, kind, params, then ``<score>.mae``,
        ``<score>.low``, ``<score>.high`` and ``<score>.n`` for the scores all, calibration,
        test, diff_test and diff_all; empty where a row has no such score).
        ``predictions``: one row per issue (its ``prnrnmc:issue`` id, the outcome, whether
        it is in the calibration half, then one column per model's forecast)."""
        stats = ("mae", "low", "high", "n")
        columns = ["name", "kind", "params", *(f"{k}.{x}" for k in SCORES for x in stats)]
        rows = []
        for r in self.rows:
            row: dict[str, Any] = {"name": r.name, "kind": r.kind, "params": r.params}
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
        return {
            "rows": frame(rows, columns),
            "predictions": frame(preds, ["issue", "outcome", "calibration", *self.predictions]),
        }

    def summary(self) -> str:
        """What was calibrated where, the ensemble weights and the verdict."""
        ni, npr = self.n_issues, self.n_proposals
        unit = "proposals" if self.cluster else "issues"
        weights = ", ".join(f"{k} {v:.3f}" for k, v in self.ensemble_weights.items() if v > 0)
        tuned = [f"{r.name}: {r.params}" for r in self.rows if r.kind == "tuned"]
        winners = self.beats_reference()
        verdict = (
            f"beat {self.reference} on the test half (interval of the difference below 0): "
            + ", ".join(winners)
            if winners
            else f"no model beats {self.reference} on the test half "
            "(every interval of the difference reaches 0 or above)"
        )
        lines = [
            f"issues with an outcome: {ni['all']} in {npr['all']} proposals; calibration half "
            f"(odd prnrnmc): {ni['calibration']} issues in {npr['calibration']} proposals; "
            f"test half (even prnrnmc): {ni['test']} issues in {npr['test']} proposals.",
            f"bootstrap: {self.n_boot} draws resampling {unit}, seed {self.seed}, "
            f"{self.level * 100:.0f}% percentile intervals; differences are paired.",
            *(f"tuned on the calibration half: {t}" for t in tuned),
            f"ensemble weights (fitted on the calibration half): {weights}",
            "rows tuned on the calibration half include it in their all-issue figures; "
            "judge them on the test half.",
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


def backtest(
    models: Mapping[str, ForecastModel] | Sequence[ForecastModel],
    cases: Iterable[Case],
    *,
    tune: Mapping[str, Sequence[ForecastModel]] | None = None,
    ensemble: bool | Sequence[str] = True,
    reference: str = "compromise",
    calibrate: Callable[[Case], bool] = odd_prnrnmc,
    seed: int = 0,
    n_boot: int = 2000,
    level: float = 0.95,
    cluster: bool = True,
) -> BacktestResult:
    """Score ``models`` (and tuned families and an ensemble) on ``cases``.

    ``models`` (row name -> model, or a sequence of models named by their ``name``) are
    scored as given; a row's ``params`` is :func:`~zopa.forecasting.base.describe` of its
    model (its class and ``get_params()``). ``tune`` maps a family name to candidate
    models: the candidate with the lowest MAE on the calibration cases (``calibrate(case)``
    true; by default odd ``prnrnmc``) becomes a row named after the family. ``ensemble``
    (True: every model in ``models``; or a list of row names) adds a row ``ensemble``: the
    convex combination of those rows' forecasts fitted on the calibration cases (L1 loss).
    ``reference`` names the row every other row is compared with (paired bootstrap).
    Scores cover only issues with an outcome; see the module docstring for the bootstrap.
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

    preds: dict[str, np.ndarray] = {}
    kinds: dict[str, str] = {}
    params: dict[str, str] = {}
    for name, m in named.items():
        preds[name] = _forecast(m, cases)
        kinds[name] = "model"
        params[name] = describe(m)
    for family, candidates in (tune or {}).items():
        if family in preds:
            raise ValueError(f"tuned family name {family!r} clashes with a model name")
        best, best_mae, best_model = None, np.inf, None
        for cand in candidates:
            p = _forecast(cand, cases)
            mae = _mae(p, y, scored & calib)
            if mae < best_mae:
                best, best_mae, best_model = p, mae, cand
        if best is None or best_model is None:
            raise ValueError(f"tuned family {family!r} has no usable candidate")
        preds[family] = best
        kinds[family] = "tuned"
        params[family] = describe(best_model)

    weights: dict[str, float] = {}
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
        fit = scored & calib & usable
        w = fit_convex_l1(stack[fit], y[fit])
        weights = {n: float(v) for n, v in zip(members, w, strict=True)}
        preds["ensemble"] = np.where(usable, np.nan_to_num(stack) @ w, np.nan)
        kinds["ensemble"] = "ensemble"
        params["ensemble"] = "convex L1 fit: " + ", ".join(
            f"{n} {v:.3f}" for n, v in weights.items() if v > 0
        )

    unit = proposal if cluster else np.arange(len(y))
    boots = {
        "all": _Bootstrap(unit, scored, n_boot, seed, level),
        "calibration": _Bootstrap(unit, scored & calib, n_boot, seed + 1, level),
        "test": _Bootstrap(unit, scored & ~calib, n_boot, seed + 2, level),
    }
    ref = preds.get(reference)
    rows: list[Row] = []
    for name, p in preds.items():
        err = np.abs(p - y)
        diff_test = diff_all = None
        if ref is not None and name != reference:
            d = err - np.abs(ref - y)
            diff_test = boots["test"].score(d)
            diff_all = boots["all"].score(d)
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
            )
        )
    return BacktestResult(
        rows=rows,
        reference=reference,
        n_issues={
            "all": int(scored.sum()),
            "calibration": int((scored & calib).sum()),
            "test": int((scored & ~calib).sum()),
        },
        n_proposals={
            "all": len(np.unique(proposal[scored])),
            "calibration": len(np.unique(proposal[scored & calib])),
            "test": len(np.unique(proposal[scored & ~calib])),
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
    )
