"""Monte Carlo over a scenario's uncertain numbers and judgements, exact over the package
space in every draw.

Every number written as a distribution is drawn (by inverse CDF), and every judgement
(utility and weight orders, uncertain red lines: :mod:`zopa.scenario.judgements`) by its
draw rule, all from one seeded table of uniforms, so the same seed gives the same bytes
whatever the number of workers. In each draw zopa finds, exactly
(:func:`zopa.analysis.drawn.zone_draws`):

- whether an agreement zone exists, and how many packages it holds;
- every bargaining solution over the unanimous set, as ``zopa analyze`` defines it; the
  *assumed deal* d* is the Nash solution (an assumption of the model, not a forecast);
- P(the deal is reached, survives spoilers and is kept) =
  1[zone] * prod_s (1 - P_s(d*)) * prod_j P(j keeps d*), where P(j keeps) is the mean trust
  the other deciders place in j (1 without credibility);
- P(war) = (1 - 1[zone]) * sum of the war outcomes' probabilities
  + 1[zone] * sum_s P(spoiler s strikes first) * 1[its outcome is war];
- each actor's value: its deal value of d* (deciders; others: utility with the spoiler
  lottery), or without a zone its expected no-deal value (else its reservation);
- which packages are in the zone in every draw (``always_in_zone``).

When no drawn thing changes a per-option table (only scalars are uncertain: reservations,
no-deal outcomes, trust, spoilers' parameters) the space is compiled once and a block of
draws is evaluated at once; otherwise every draw compiles its own space (its utilities,
weights and red lines) and is evaluated alone. Either way only the packages every
decider's red lines allow are evaluated (under unanimity), and a space too large for that
is scanned draw by draw by the chunked engine (``exact.full_scan_draws``).
"""

from __future__ import annotations

import math
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from typing_extensions import TypedDict

from zopa.analysis.drawn import ZoneDraws, zone_draws
from zopa.analysis.scan import scan
from zopa.analysis.solutions import SOLUTIONS
from zopa.results import SHARE, finite, frame, rounded
from zopa.scenario.judgements import Judgement
from zopa.scenario.numbers import DrawTable, draw_table, fixed_numbers, judgements, numbers
from zopa.scenario.schema import Number, Scenario
from zopa.scenario.values import Values
from zopa.space.block import Drawn, Plan, applies, at_packages, drawn_tables, plan
from zopa.space.scalars import Scalars, scalars
from zopa.space.space import Space, compile_space, preference_tables

if TYPE_CHECKING:
    import pandas

BLOCK = 250  # draws evaluated together
QUANTILES = (0.05, 0.5, 0.95)


def tables_key(space: Space) -> list[np.ndarray]:
    """The per-option tables of ``space`` (utilities, red lines, places, the deal model's)."""
    parts = [*space.tables, *space.allowed, *space.option_at]
    if space.deal is not None:
        parts += list(space.deal.tables)
    return parts


def tables_uncertain(
    sc: Scenario, nums: list[Number], base: Space, fixed: dict[int, float] | None = None
) -> bool:
    """Whether any uncertain number changes a per-option table (utilities, weights...),
    at either end of its probe (:meth:`~zopa.scenario.distributions._Distribution.probe`)."""
    ref = tables_key(base)
    for n in nums:
        for x in n.distribution.probe():
            setting = {**(fixed or {}), id(n): x}
            other = compile_space(sc, Values(sc, setting))
            got = tables_key(other)
            if len(got) != len(ref) or any(
                a.shape != b.shape or not np.array_equal(a, b)
                for a, b in zip(got, ref, strict=True)
            ):
                return True
    return False


@dataclass
class Prepared:
    """What every draw shares: the scenario, the base space and what is drawn."""

    sc: Scenario
    base: Space
    nums: list[Number]
    judged: list[Judgement]
    varying: bool  # whether draws change per-option tables (each draw compiles its space)
    fixed: dict[int, float] = field(default_factory=dict)  # numbers set for every draw
    by_blocks: bool = False  # whether block tables apply (space.block)
    plan: Plan | None = None  # then the deal model's criteria layout (None: linear)

    @property
    def strike_outcome(self) -> list[int]:
        """Index of each spoiler's no-deal outcome."""
        outcomes = [o.id for o in self.sc.no_deal]
        return [outcomes.index(sp.outcome) for sp in self.sc.spoilers]


def prepare(
    sc: Scenario,
    nums: list[Number],
    fixed: dict[int, float] | None = None,
    judged: list[Judgement] | None = None,
) -> Prepared:
    """Compile the base space; find whether the draws change its tables."""
    fixed = dict(fixed or {})
    judged = list(judged or [])
    base = compile_space(sc, Values(sc, fixed))
    varying = bool(judged) or tables_uncertain(sc, nums, base, fixed)
    by_blocks = False
    if varying:
        paths = {id(n): p for p, n in numbers(sc)}
        by_blocks = applies([paths[id(n)] for n in nums]) and not any(
            sp.influence is not None or sp.baseline is not None for sp in sc.spoilers
        )  # block tables gather one actor's row per strike decision, and no baseline
    layout = plan(sc, base) if by_blocks else None
    return Prepared(sc, base, nums, judged, varying, fixed, by_blocks, layout)


@dataclass
class Block:
    """Per-draw results of a block of draws."""

    zone: np.ndarray  # (D,) bool
    size: np.ndarray  # (D,) agreement zone size
    picks: dict[str, np.ndarray]  # solution -> (D,) package index (-1: none)
    p_deal: np.ndarray  # (D,)
    p_war: np.ndarray  # (D,)
    value: np.ndarray  # (actors, D)
    always: np.ndarray | None  # packages in the zone in every draw (None: not counted)
    evaluated: int = 0  # packages evaluated per draw (the largest)
    fallback: int = 0  # draws evaluated by a full scan

    @property
    def deal(self) -> np.ndarray:
        return self.picks["nash"]


def _war_without_deal(sc_: Scalars) -> np.ndarray:
    return (
        (sc_.probability * sc_.war[:, None]).sum(0)
        if len(sc_.war)
        else np.zeros(sc_.reservation.shape[1])
    )


def _spoiled(prep: Prepared, strikes: list[np.ndarray], sc_: Scalars) -> tuple[Any, Any, Any]:
    """P(no strike), P(war through a strike) and each actor's expected strike loss term,
    from each spoiler's strike probability (spoilers act in file order)."""
    survive: Any = 1.0
    war: Any = 0.0
    loss: Any = 0.0
    for s, p in enumerate(strikes):
        o = prep.strike_outcome[s]
        war = war + survive * p * float(sc_.war[o])
        loss = loss + survive * p * np.nan_to_num(sc_.value[:, o], nan=0.0)
        survive = survive * (1.0 - p)
    return survive, war, loss


def _outcomes(
    prep: Prepared,
    space: Space,
    sc_: Scalars,
    zd: ZoneDraws,
    drawn: tuple[Drawn, list[np.ndarray]] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P(deal), P(war) and each actor's value in every draw, from its assumed deal (on the
    space's tables, or each draw's own: ``drawn``)."""
    n_draws = sc_.reservation.shape[1]
    nd = sc_.no_deal_value()  # (actors, D)
    p_war = np.asarray(_war_without_deal(sc_), dtype=float) * np.ones(n_draws)
    p_deal = np.zeros(n_draws)
    value = nd.copy()
    has = np.flatnonzero(zd.picks["nash"] >= 0)
    if len(has) == 0:
        return p_deal, p_war, value
    pick = zd.picks["nash"][has]
    sub = sc_slice(sc_, has)
    if drawn is None:
        u = space.utilities(pick, np.arange(len(space.actors)))  # (actors, m)
    else:
        u = at_packages(drawn[1], has, pick, space.shape)
    deal = space.deal
    if deal is None:
        v, strikes, keep = u[space.deciders], [], np.ones(len(has))
    else:
        crit = space.criteria(pick) if drawn is None else at_packages(
            drawn[0].crit, has, pick, space.shape)  # (rows, m)  # fmt: skip
        inputs = {k: a[..., 0] for k, a in sub.deal_inputs().items()}
        v = deal.values(crit, inputs)
        strikes = deal.strike(crit, inputs)
        keep = np.ones(len(has)) * (deal.kept_by_all(crit, inputs) if deal.credible else 1.0)
    survive, war_strike, loss = _spoiled(prep, strikes, sub)
    deal_value = survive * u + loss
    deal_value[space.deciders] = v
    p_deal[has] = np.asarray(survive) * keep
    p_war[has] = np.asarray(war_strike, dtype=float) * np.ones(len(has))
    value[:, has] = deal_value
    return p_deal, p_war, value


def outcome_draws(sc: Scenario, space: Space, sc_: Scalars | None = None) -> Block:
    """The figures of every draw of ``sc_`` (default: the space's own scalars, one draw) on
    ``space``'s tables, exactly as Monte Carlo defines them per draw (the module docstring).

    Parameters
    ----------
    sc
        The scenario ``space`` was compiled from (it names each spoiler's outcome).
    space
        A compiled space.
    sc_
        Scalars with a draws axis, on the space's tables.

    Returns
    -------
    Block
        Per draw: the zone, its size, the solutions, P(deal), P(war), each actor's value.
    """
    draws = space.scalars if sc_ is None else sc_
    assert draws is not None
    return _evaluate(Prepared(sc, space, [], [], False), space, draws)


def _evaluate(prep: Prepared, space: Space, sc_: Scalars) -> Block:
    """The draws of ``sc_`` on ``space``'s tables."""
    zd = zone_draws(space, sc_)
    if zd is None:  # too many candidate packages: the chunked engine, draw by draw
        return _block(prep, space, sc_, _scanned(space, sc_), None, sc_.reservation.shape[1])
    return _block(prep, space, sc_, zd)


def _block(
    prep: Prepared,
    space: Space,
    sc_: Scalars,
    zd: ZoneDraws,
    drawn: tuple[Drawn, list[np.ndarray]] | None = None,
    fallback: int = 0,
) -> Block:
    """The block's results from its zone, solutions and assumed deals ``zd``."""
    p_deal, p_war, value = _outcomes(prep, space, sc_, zd, drawn)
    return Block(zd.zone, zd.size, zd.picks, p_deal, p_war, value,
                 None if fallback else zd.always, zd.evaluated, fallback)  # fmt: skip


def _scanned(space: Space, sc_: Scalars) -> ZoneDraws:
    """Every draw of ``sc_`` scanned over the whole space (its scalars set in turn)."""
    n_draws = sc_.reservation.shape[1]
    picks = {s: np.full(n_draws, -1, dtype=np.int64) for s in SOLUTIONS}
    size = np.zeros(n_draws, dtype=np.int64)
    for d in range(n_draws):
        one = _with_scalars(space, sc_slice(sc_, d))
        res = scan(one, top=1, closest=0, threads=1)
        size[d] = res.zone
        for name, hit in res.solutions.items():
            if hit is not None:
                picks[name][d] = hit[0]
        if picks["nash"][d] < 0 and res.zone > 0:  # a quota zone without unanimity
            picks["nash"][d] = int(res.top[0])
    return ZoneDraws(size > 0, size, picks, np.zeros(0, dtype=np.int64))


def _with_scalars(space: Space, sc_: Scalars) -> Space:
    """``space`` with the scalars of one draw (reservations, floors, the deal model's)."""
    import dataclasses

    from zopa.space.space import constraint_floor

    reservation = sc_.reservation[:, 0].copy()
    floor = constraint_floor(sc_, space.tables, space.references, space.shape)[:, 0]
    deal = space.deal
    if deal is not None:
        deal = dataclasses.replace(
            deal,
            trust=sc_.trust[:, :, 0] if sc_.trust is not None else deal.trust,
            pmax=sc_.pmax[:, 0],
            threshold=sc_.threshold[:, 0],
            scale=sc_.scale[:, 0],
            strike_value=sc_.strike_value[:, :, 0],
        )
    return dataclasses.replace(space, reservation=reservation, floor=floor, scalars=sc_,
                               deal=deal)  # fmt: skip


def run_block(prep: Prepared, x: np.ndarray, jx: list[np.ndarray] | None = None) -> Block:
    """Evaluate the draws ``x`` (D x numbers) and ``jx`` (the judgements' draws) of a block."""
    sc = prep.sc
    n_draws = x.shape[0]
    base = prep.base
    ids = list(base.actors)
    dec = [int(d) for d in base.deciders]
    if not prep.varying:
        val = Values(sc, {**prep.fixed, **{id(n): x[:, j] for j, n in enumerate(prep.nums)}})
        return _evaluate(prep, base, scalars(sc, val, ids, dec, n_draws))
    table = DrawTable(prep.nums, x, prep.judged, list(jx or []))
    judged = {id(j): v for j, v in zip(table.judged, table.jx, strict=True)}
    val = Values(sc, {**prep.fixed, **{id(n): x[:, j] for j, n in enumerate(prep.nums)}},
                 set_judgements=judged)  # fmt: skip
    block = scalars(sc, val, ids, dec, n_draws)  # scalars do not depend on the tables
    parts = []
    if prep.by_blocks:  # the block's tables at once (space.block)
        tables, allowed = preference_tables(sc, val, n_draws)
        drawn = drawn_tables(base, prep.plan, tables, allowed, block)
        zd = zone_draws(base, block, drawn)
        if zd is not None:
            return _block(prep, base, block, zd, (drawn, tables))
    for d in range(n_draws):
        numbers_ = {**prep.fixed, **{id(n): float(x[d, j]) for j, n in enumerate(prep.nums)}}
        one = sc_slice(block, d)
        space = compile_space(sc, Values(sc, numbers_, set_judgements=table.setting(d)), one)
        parts.append(_evaluate(prep, space, one))
    return join(parts)


def meet(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    """The packages in the zone in every draw of two sets of draws (None: not counted)."""
    return None if a is None or b is None else np.intersect1d(a, b, assume_unique=True)


def join(parts: list[Block]) -> Block:
    """Blocks of consecutive draws as one."""
    always = parts[0].always
    for p in parts[1:]:
        always = meet(always, p.always)
    return Block(
        zone=np.concatenate([p.zone for p in parts]),
        size=np.concatenate([p.size for p in parts]),
        picks={s: np.concatenate([p.picks[s] for p in parts]) for s in SOLUTIONS},
        p_deal=np.concatenate([p.p_deal for p in parts]),
        p_war=np.concatenate([p.p_war for p in parts]),
        value=np.concatenate([p.value for p in parts], axis=1),
        always=always,
        evaluated=max(p.evaluated for p in parts),
        fallback=sum(p.fallback for p in parts),
    )


def sc_slice(sc_: Scalars, d: int | np.ndarray) -> Scalars:
    """The scalars of draw(s) ``d`` alone (an index array, or one draw: an axis of 1)."""
    keep = np.atleast_1d(np.asarray(d, dtype=np.int64))
    return Scalars(
        outcomes=sc_.outcomes,
        names=sc_.names,
        probability=sc_.probability[:, keep],
        war=sc_.war,
        value=sc_.value[..., keep],
        expected=sc_.expected[:, keep],
        reservation=sc_.reservation[:, keep],
        constraints=tuple((a, r, m[keep]) for a, r, m in sc_.constraints),
        trust=None if sc_.trust is None else sc_.trust[..., keep],
        pmax=sc_.pmax[:, keep],
        threshold=sc_.threshold[:, keep],
        scale=sc_.scale[:, keep],
        strike_value=sc_.strike_value[..., keep],
    )


class ErrorsJson(TypedDict):
    p_zone: float | None
    p_deal: float | None
    p_war: float | None


class MeanJson(TypedDict):
    mean: float | None
    stderr: float | None


class SizeJson(TypedDict):
    mean: float | None
    p05: float | None
    p50: float | None
    p95: float | None


class ExactJson(TypedDict):
    packages_evaluated: int
    full_scan_draws: int


class MonteCarloJson(TypedDict):
    """``zopa montecarlo --json``: probabilities with standard errors, values, the zone's
    size, the packages always in it, and issue by issue the share of draws with a zone
    whose solution takes each option (``likely_deal``: the Nash solution's)."""

    scenario: str
    draws: int
    seed: int
    p_zone: float | None
    p_deal: float | None
    p_war: float | None
    stderr: ErrorsJson
    value: dict[str, MeanJson]
    likely_deal: dict[str, dict[str, float]]
    solutions: dict[str, dict[str, dict[str, float]]]
    always_in_zone: int | None
    zone_size: SizeJson
    uncertain_numbers: list[str]
    uncertain_judgements: list[str]
    exact: ExactJson


@dataclass
class MonteCarlo:
    """Monte Carlo results, draw by draw (see the module docstring); ``to_json`` sums up."""

    scenario: str
    draws: int
    seed: int
    actors: tuple[str, ...]
    issues: tuple[str, ...]
    options: tuple[tuple[str, ...], ...]
    zone: np.ndarray
    size: np.ndarray  # (draws,) agreement zone size
    picks: dict[str, np.ndarray]  # solution -> (draws,) package index, -1 without
    p_deal_draw: np.ndarray
    p_war_draw: np.ndarray
    value: np.ndarray  # (actors, draws)
    always: np.ndarray | None = None  # packages in the zone in every draw (None: not counted)
    uncertain: list[str] = field(default_factory=list)
    judgements: list[str] = field(default_factory=list)
    fallback: int = 0
    evaluated: int = 0

    @property
    def deal(self) -> np.ndarray:
        """(draws,) the assumed deal's package index (-1: no zone)."""
        return self.picks["nash"]

    @staticmethod
    def _mean_se(x: np.ndarray) -> tuple[float, float]:
        n = len(x)
        if n == 0:
            return math.nan, math.nan
        sd = float(np.std(x, ddof=1)) if n > 1 else 0.0
        return float(np.mean(x)), sd / math.sqrt(n)

    def shares(self, solution: str = "nash") -> dict[str, dict[str, float]]:
        """Issue by issue, the share of draws with a solution whose ``solution`` takes each
        option (options never taken are left out)."""
        out: dict[str, dict[str, float]] = {}
        pick = self.picks[solution]
        with_deal = pick[pick >= 0]
        shape = tuple(len(o) for o in self.options)
        digits = np.stack(np.unravel_index(with_deal, shape), axis=1) if len(with_deal) else None
        for k, issue in enumerate(self.issues):
            if digits is None:
                out[issue] = {}
                continue
            counts = np.bincount(digits[:, k], minlength=len(self.options[k]))
            out[issue] = {
                o: rounded(float(c) / len(with_deal), SHARE)
                for o, c in zip(self.options[k], counts, strict=True)
                if c
            }
        return out

    def values(self) -> dict[str, tuple[float, float]]:
        """Each actor's mean value over the draws and its standard error."""
        return {
            actor: self._mean_se(self.value[a][np.isfinite(self.value[a])])
            for a, actor in enumerate(self.actors)
        }

    def zone_size(self) -> SizeJson:
        """The agreement zone's size over the draws: mean and 5%, 50%, 95% quantiles."""
        if len(self.size) == 0:
            return {"mean": None, "p05": None, "p50": None, "p95": None}
        q = np.quantile(self.size.astype(float), QUANTILES)
        return {"mean": finite(float(np.mean(self.size))), "p05": finite(float(q[0])),
                "p50": finite(float(q[1])), "p95": finite(float(q[2]))}  # fmt: skip

    def to_json(self) -> MonteCarloJson:
        """Exactly what ``zopa montecarlo --json`` prints."""
        pz, sz = self._mean_se(self.zone.astype(float))
        pd, sd = self._mean_se(self.p_deal_draw)
        pw, sw = self._mean_se(self.p_war_draw)
        return {
            "scenario": self.scenario,
            "draws": self.draws,
            "seed": self.seed,
            "p_zone": finite(pz),
            "p_deal": finite(pd),
            "p_war": finite(pw),
            "stderr": {"p_zone": finite(sz), "p_deal": finite(sd), "p_war": finite(sw)},
            "value": {
                a: {"mean": finite(m), "stderr": finite(s)} for a, (m, s) in self.values().items()
            },
            "likely_deal": self.shares(),
            "solutions": {name: self.shares(name) for name in SOLUTIONS},
            "always_in_zone": None if self.always is None else len(self.always),
            "zone_size": self.zone_size(),
            "uncertain_numbers": self.uncertain,
            "uncertain_judgements": self.judgements,
            "exact": {"packages_evaluated": self.evaluated, "full_scan_draws": self.fallback},
        }

    def to_frames(self) -> dict[str, pandas.DataFrame]:
        """``likely_deal`` (issue, option, share), ``solutions`` (solution, issue, option,
        share), ``values`` (actor, mean, stderr), ``draws`` (one row per draw: zone, its
        size, each solution's package index or -1, P(deal), P(war)) and ``always_in_zone``
        (one row per package in the zone in every draw: its options)."""
        deal = [{"issue": i, "option": o, "share": v}
                for i, row in self.shares().items() for o, v in row.items()]  # fmt: skip
        sols = [{"solution": name, "issue": i, "option": o, "share": v}
                for name in SOLUTIONS
                for i, row in self.shares(name).items() for o, v in row.items()]  # fmt: skip
        vals = [{"actor": a, "mean": m, "stderr": s} for a, (m, s) in self.values().items()]
        draws: dict[str, Any] = {"zone": self.zone.astype(bool), "zone_size": self.size,
                                 "deal": self.deal}  # fmt: skip
        draws.update({name: self.picks[name] for name in SOLUTIONS})
        draws.update({"p_deal": self.p_deal_draw, "p_war": self.p_war_draw})
        shape = tuple(len(o) for o in self.options)
        always = self.always if self.always is not None else np.zeros(0, dtype=np.int64)
        digits = np.unravel_index(always, shape)
        rows = {"package": always}
        rows.update({i: np.array(self.options[k], dtype=object)[digits[k]]
                     for k, i in enumerate(self.issues)})  # fmt: skip
        return {
            "likely_deal": frame(deal, ["issue", "option", "share"]),
            "solutions": frame(sols, ["solution", "issue", "option", "share"]),
            "values": frame(vals, ["actor", "mean", "stderr"]),
            "draws": frame(draws),
            "always_in_zone": frame(rows),
        }


_CACHE: dict[tuple[Any, ...], Prepared] = {}


def _worker(
    text: str, name: str, fixed: dict[str, float], x: np.ndarray, jx: list[np.ndarray]
) -> Block:
    """A worker's block of draws ``x`` and ``jx`` (drawn once, by the parent), from the
    file's text."""
    from zopa.scenario.load import validate
    from zopa.scenario.yamlfile import parse_yaml

    key = (name, text, tuple(sorted(fixed.items())))
    prep = _CACHE.get(key)
    if prep is None:
        data, lines = parse_yaml(text, name)
        sc = validate(data, lines, name)
        t = draw_table(sc, 0, 0, fixed)
        prep = _CACHE[key] = prepare(sc, t.nums, fixed_numbers(sc, fixed), t.judged)
    return run_block(prep, x, jx)


def _quiet_worker() -> None:
    """Initializer of pool processes: Ctrl-C reaches the whole process group, but only the
    parent acts on it (it stops the pool); SIGTERM kills a worker outright, whatever
    handler the parent had when it forked."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def stop_pool(pool: ProcessPoolExecutor, grace: float = 0.5) -> None:
    """Cancel every queued task and end the worker processes now (SIGTERM, then SIGKILL
    after ``grace`` seconds), without waiting for the tasks they are running. Then wait
    (``grace`` seconds at most) for the pool's manager thread to see them gone and close
    its wake-up pipe: left running, it races the interpreter's exit hook, which writes to
    that pipe (Python 3.11: "Bad file descriptor" and a traceback on stderr)."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)  # shutdown() drops it
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        p.terminate()
    for p in procs:
        p.join(grace)
        if p.is_alive():
            p.kill()
            p.join(grace)
    if manager is not None:
        manager.join(grace)


def _start_worker(init: Callable[..., None] | None, args: tuple[Any, ...]) -> None:
    """Initializer of pool processes: :func:`_quiet_worker`, then ``init(*args)``."""
    _quiet_worker()
    if init is not None:
        init(*args)


@contextmanager
def worker_pool(
    workers: int, init: Callable[..., None] | None = None, args: tuple[Any, ...] = ()
) -> Iterator[ProcessPoolExecutor]:
    """A process pool (each process started by ``init(*args)``, if given) that, on any
    exception in the caller (Ctrl-C, SIGTERM turned into an exception, an error), stops
    within a second (:func:`stop_pool`) and re-raises it; otherwise it is shut down
    normally."""
    pool = ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(init, args))
    try:
        yield pool
    except BaseException:
        stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def bytes_per_draw(sc: Scenario) -> int:
    """Peak memory a draw of :func:`montecarlo` needs in the parent process, in bytes: the
    larger of the draws table (the uniforms and the draws, two float64 a column: one per
    uncertain number, :func:`~zopa.scenario.judgements.columns` per judgement), the results
    of every block and their concatenation (zone, its size, a package per solution, P(deal),
    P(war), a value per actor), and the results with one solution's options, issue by issue
    (``shares``). Measured: 218 bytes a draw on the reference scenario (11 uncertain numbers,
    10 actors, 11 issues; marginal peak of 60,000 against 20,000 draws); this gives 392."""
    t = draw_table(sc, 0, 0)
    from zopa.scenario.judgements import columns

    width = len(t.nums) + sum(columns(j) for j in t.judged)
    results = 4 + len(SOLUTIONS) + len(sc.actors)
    table = 2 * width
    blocks_ = width + 2 * results
    shares = results + 2 * len(sc.issues) + 1
    return 8 * max(table, blocks_, shares)


def blocks(draws: int, size: int = BLOCK) -> list[tuple[int, int]]:
    return [(a, min(draws, a + size)) for a in range(0, draws, size)]


def montecarlo(
    sc: Scenario,
    draws: int = 1000,
    seed: int = 0,
    workers: int = 1,
    text: str | None = None,
    name: str = "<scenario>",
    progress: Callable[[int], None] | None = None,
    fixed: dict[str, float] | None = None,
) -> MonteCarlo:
    """Run ``draws`` draws (see the module docstring); ``workers`` > 1 needs the file's
    ``text`` (each process re-reads it and gets its blocks' rows of the one draws table).
    Results do not depend on ``workers``; an interrupt stops them at once
    (:func:`worker_pool`). ``fixed`` sets numbers (by path, see :func:`numbers`) to a value
    in every draw."""
    fixed = dict(fixed or {})
    t = draw_table(sc, draws, seed, fixed)
    prep = prepare(sc, t.nums, fixed_numbers(sc, fixed), t.judged)
    parts: list[Block] = []
    spans = blocks(draws)
    always: list[np.ndarray | None] = []  # the running intersection, kept once

    def keep(part: Block, n: int) -> None:
        if not always:
            always.append(part.always)
        else:
            always[0] = meet(always[0], part.always)
        part.always = np.zeros(0, dtype=np.int64)  # each block's own would cost memory
        parts.append(part)
        if progress:
            progress(n)

    if workers <= 1 or text is None:
        for a, b in spans:
            part = t.rows(a, b)
            keep(run_block(prep, part.x, part.jx), b - a)
    else:
        with worker_pool(workers) as pool:
            futures = [
                pool.submit(_worker, text, name, fixed, t.x[a:b], t.rows(a, b).jx) for a, b in spans
            ]
            for (a, b), f in zip(spans, futures, strict=True):
                keep(f.result(), b - a)
    base = prep.base
    if not parts:
        none = np.zeros(0, dtype=np.int64)
        parts = [Block(np.zeros(0, bool), none, {s: none for s in SOLUTIONS}, np.zeros(0),
                       np.zeros(0), np.zeros((len(base.actors), 0)), None)]  # fmt: skip
    all_ = join(parts)
    paths = {id(n): p for p, n in numbers(sc)}
    judged = dict((id(j), p) for p, j in judgements(sc))
    return MonteCarlo(
        scenario=sc.id,
        draws=draws,
        seed=seed,
        actors=base.actors,
        issues=base.issues,
        options=base.options,
        zone=all_.zone,
        size=all_.size,
        picks=all_.picks,
        p_deal_draw=all_.p_deal,
        p_war_draw=all_.p_war,
        value=all_.value,
        always=always[0] if always else None,
        uncertain=[paths[id(n)] for n in t.nums],
        judgements=[judged[id(j)] for j in t.judged],
        fallback=all_.fallback,
        evaluated=all_.evaluated,
    )
