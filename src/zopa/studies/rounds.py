"""Many simulated runs of talks: P(agreement), rounds to agreement, the agreed terms,
P(war), P(kept after k periods), with standard errors.

Runs are split into blocks of :data:`BLOCK`; block b draws from
``numpy.random.default_rng([seed, b])``, so the same seed gives the same bytes whatever
the number of workers (local processes, or a Dask scheduler for large batches). A block
is one vectorised batch (:func:`zopa.simulation.engine.negotiate`, then
:func:`zopa.simulation.implementation.implement`).

Standard errors: sqrt(p (1 - p) / n) for a share p of n runs; for the mean number of
rounds to agreement, the sample standard deviation over sqrt(agreements).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from typing_extensions import TypedDict

from zopa.results import SHARE, finite, frame, rounded
from zopa.simulation.engine import AGREED, ENDS, negotiate
from zopa.simulation.implementation import implement
from zopa.simulation.run import SimulateRunJson, strategy_names
from zopa.simulation.setup import Setup, setup
from zopa.studies.montecarlo import worker_pool

if TYPE_CHECKING:
    import pandas

BLOCK = 2_000  # runs in one vectorised batch
DASK_RUNS = 200_000  # with a scheduler, batches of this many runs per task


@dataclass
class Runs:
    """Per-run results (R runs), joined over blocks."""

    end: np.ndarray  # ENDS code
    step: np.ndarray
    agreement: np.ndarray  # package index, -1
    outcome: np.ndarray  # the no-deal outcome the run ended in (-1: a kept deal)
    kept: np.ndarray  # periods kept (-1: no agreement)
    reneger: np.ndarray  # decider index (-1)
    fired: np.ndarray  # (R, shocks) bool

    @staticmethod
    def join(parts: list[Runs]) -> Runs:
        return Runs(*(np.concatenate([getattr(p, f) for p in parts])
                      for f in ("end", "step", "agreement", "outcome", "kept", "reneger",
                                "fired")))  # fmt: skip


def run_block(s: Setup, runs: int, seed: int, block: int) -> Runs:
    """Block ``block`` of ``runs`` runs (its own generator, see the module docstring)."""
    rng = np.random.default_rng([seed, block])
    b = negotiate(s, runs, rng)
    outcome = b.outcome.copy()
    kept = np.full(runs, -1, dtype=np.int64)
    reneger = np.full(runs, -1, dtype=np.int64)
    if s.periods:
        k = implement(s, b, rng)
        agreed = b.end == AGREED
        kept = np.where(agreed, k.kept, -1)
        reneger = k.reneger
        outcome = np.where(agreed, k.outcome, outcome)
    return Runs(b.end, b.step, b.agreement, outcome, kept, reneger, b.fired)


_CACHE: dict[tuple[Any, ...], Setup] = {}


def _worker(text: str, name: str, options: dict[str, Any], spans: list[tuple[int, int, int]],
            seed: int) -> Runs:  # fmt: skip
    """Blocks ``spans`` ((block, first run, last run)) of the scenario read from ``text``."""
    from zopa.scenario.load import validate
    from zopa.scenario.yamlfile import parse_yaml

    key = (name, text, tuple(sorted((k, str(v)) for k, v in options.items())))
    s = _CACHE.get(key)
    if s is None:
        data, lines = parse_yaml(text, name)
        s = _CACHE[key] = setup(validate(data, lines, name), **options)
    return Runs.join([run_block(s, b - a, seed, k) for k, a, b in spans])


class ShareJson(TypedDict):
    value: float | None
    stderr: float | None


class SpreadJson(TypedDict):
    mean: float | None
    stderr: float | None
    p05: float | None
    p50: float | None
    p95: float | None


class KeptShareJson(TypedDict):
    period: int
    p: float | None
    given_agreement: float | None


class ShockShareJson(TypedDict):
    index: int
    kind: str
    actor: str
    share: float


class SimulateRunsJson(TypedDict):
    """``zopa simulate --runs N --json``: shares of runs with standard errors."""

    scenario: str
    protocol: str
    rounds: int
    runs: int
    seed: int
    strategies: dict[str, str]
    p_agreement: ShareJson
    rounds_to_agreement: SpreadJson
    agreed_terms: dict[str, dict[str, float]]
    ends: dict[str, float]
    no_deal: dict[str, float]
    p_war: ShareJson
    p_kept: list[KeptShareJson]
    shocks: list[ShockShareJson]


SimulateJson = SimulateRunJson | SimulateRunsJson
"""What ``zopa simulate --json`` prints: one run, or (``--runs``) many."""


def _share(x: np.ndarray) -> ShareJson:
    n = len(x)
    if not n:
        return {"value": None, "stderr": None}
    p = float(np.mean(x))
    return {"value": rounded(p), "stderr": rounded(np.sqrt(p * (1 - p) / n))}


@dataclass
class SimulationRuns:
    """Many runs of one scenario's talks (see the module docstring)."""

    setup: Setup
    runs: int
    seed: int
    per_run: Runs

    @property
    def war(self) -> np.ndarray:
        out = self.per_run.outcome
        return (
            (out >= 0) & self.setup.war[np.maximum(out, 0)]
            if len(self.setup.war)
            else (np.zeros(len(out), dtype=bool))
        )

    def agreed_terms(self) -> dict[str, dict[str, float]]:
        """Issue by issue, the share of agreements taking each option."""
        space = self.setup.base.space
        pkg = self.per_run.agreement[self.per_run.end == AGREED]
        out: dict[str, dict[str, float]] = {}
        digits = space.digits(pkg) if len(pkg) else np.zeros((0, len(space.shape)), int)
        for k, issue in enumerate(space.issues):
            counts = np.bincount(digits[:, k], minlength=space.shape[k])
            out[issue] = {
                o: rounded(c / len(pkg), SHARE)
                for o, c in zip(space.options[k], counts, strict=True)
                if c and len(pkg)
            }
        return out

    def to_json(self) -> SimulateRunsJson:
        s, r = self.setup, self.per_run
        agreed = r.end == AGREED
        steps = r.step[agreed].astype(float)
        spread: SpreadJson = {"mean": None, "stderr": None, "p05": None, "p50": None, "p95": None}
        if len(steps):
            q = np.quantile(steps, [0.05, 0.5, 0.95])
            sd = float(steps.std(ddof=1)) if len(steps) > 1 else 0.0
            spread = {"mean": rounded(steps.mean()), "stderr": rounded(sd / np.sqrt(len(steps))),
                      "p05": finite(q[0]), "p50": finite(q[1]), "p95": finite(q[2])}  # fmt: skip
        n = max(self.runs, 1)
        ends = {e: rounded(float(np.sum(r.end == c)) / n, SHARE)
                for c, e in enumerate(ENDS) if c and np.any(r.end == c)}  # fmt: skip
        nodeal = {o: rounded(float(np.sum(r.outcome == k)) / n, SHARE)
                  for k, o in enumerate(s.outcomes) if np.any(r.outcome == k)}  # fmt: skip
        kept: list[KeptShareJson] = []
        if s.periods:
            n_agreed = int(agreed.sum())
            for k in range(1, s.periods + 1):
                alive = agreed & (r.kept >= k) & (r.outcome < 0)
                kept.append({
                    "period": k,
                    "p": rounded(float(alive.sum()) / n),
                    "given_agreement": rounded(float(alive.sum()) / n_agreed) if n_agreed else None,
                })  # fmt: skip
        shocks: list[ShockShareJson] = [
            {"index": sh.index, "kind": sh.kind, "actor": sh.actor,
             "share": rounded(float(r.fired[:, sh.index].mean()) if self.runs else 0.0, SHARE)}
            for sh in s.shocks
        ]  # fmt: skip
        return {
            "scenario": s.sc.id,
            "protocol": s.protocol,
            "rounds": s.rounds,
            "runs": self.runs,
            "seed": self.seed,
            "strategies": strategy_names(s),
            "p_agreement": _share(agreed),
            "rounds_to_agreement": spread,
            "agreed_terms": self.agreed_terms(),
            "ends": ends,
            "no_deal": nodeal,
            "p_war": _share(self.war),
            "p_kept": kept,
            "shocks": shocks,
        }

    def to_frames(self) -> dict[str, pandas.DataFrame]:
        """``runs``: one row per run (its end, step, agreed options, no-deal outcome, war,
        periods kept, reneger); ``agreed_terms``: issue, option, share."""
        s, r = self.setup, self.per_run
        space = s.base.space
        cols: dict[str, Any] = {
            "run": np.arange(self.runs),
            "end": [ENDS[int(e)] for e in r.end],
            "step": r.step,
        }
        digits = space.digits(np.maximum(r.agreement, 0))
        for k, issue in enumerate(space.issues):
            opts = np.array(space.options[k], dtype=object)
            cols[issue] = np.where(r.agreement >= 0, opts[digits[:, k]], None)
        outs = np.array([*s.outcomes, None], dtype=object)
        cols["outcome"] = outs[np.where(r.outcome >= 0, r.outcome, len(s.outcomes))]
        cols["war"] = self.war
        cols["kept"] = r.kept
        decs = np.array([*s.deciders, None], dtype=object)
        cols["reneged_by"] = decs[np.where(r.reneger >= 0, r.reneger, len(s.deciders))]
        terms = [{"issue": i, "option": o, "share": v}
                 for i, m in self.agreed_terms().items() for o, v in m.items()]  # fmt: skip
        return {"runs": frame(cols), "agreed_terms": frame(terms)}


def blocks(runs: int, size: int = BLOCK) -> list[tuple[int, int, int]]:
    """(block, first run, end) of every block."""
    return [(k, a, min(runs, a + size)) for k, a in enumerate(range(0, runs, size))]


def simulate_runs(
    s: Setup,
    runs: int,
    seed: int = 0,
    workers: int = 1,
    scheduler: str | None = None,
    text: str | None = None,
    name: str = "<scenario>",
    options: dict[str, Any] | None = None,
    progress: Callable[[int], None] | None = None,
) -> SimulationRuns:
    """``runs`` runs of ``s`` (see the module docstring). Workers (``workers`` > 1) and a
    Dask ``scheduler`` need the file's ``text`` and the :func:`setup` ``options`` it was
    built with; results do not depend on either."""
    spans = blocks(runs)
    parts: list[Runs] = []
    if scheduler is not None and text is not None:
        parts = _on_dask(text, name, options or {}, spans, seed, scheduler, progress)
    elif workers <= 1 or text is None or len(spans) <= 1:
        for k, a, b in spans:
            parts.append(run_block(s, b - a, seed, k))
            if progress:
                progress(b - a)
    else:
        with worker_pool(workers) as pool:
            futures = [pool.submit(_worker, text, name, options or {}, [sp], seed)
                       for sp in spans]  # fmt: skip
            for (_, a, b), f in zip(spans, futures, strict=True):
                parts.append(f.result())
                if progress:
                    progress(b - a)
    if not parts:
        z = np.zeros(0, dtype=np.int64)
        parts = [Runs(z, z, z, z, z, z, np.zeros((0, len(s.shocks)), dtype=bool))]
    return SimulationRuns(s, runs, seed, Runs.join(parts))


def _on_dask(
    text: str,
    name: str,
    options: dict[str, Any],
    spans: list[tuple[int, int, int]],
    seed: int,
    scheduler: str,
    progress: Callable[[int], None] | None,
) -> list[Runs]:
    """Groups of blocks on a Dask scheduler (tasks of about :data:`DASK_RUNS` runs)."""
    from zopa.studies.sweep import on_dask

    per = max(1, DASK_RUNS // BLOCK)
    groups = [spans[i : i + per] for i in range(0, len(spans), per)]
    tasks = [(text, name, options, g, seed) for g in groups]
    sizes = [sum(b - a for _, a, b in g) for g in groups]
    return on_dask(scheduler, _worker, tasks, "runs", sizes, progress)
