"""Monte Carlo over a scenario's uncertain numbers, exact over the package space every draw.

Every number written as a distribution is drawn (by inverse CDF from one seeded table of
uniforms, so the same seed gives the same bytes whatever the number of workers). In each
draw zopa finds:

- whether an agreement zone exists (some package every decider accepts);
- the *likely deal*: the Nash bargaining solution over deal values (lowest package index on
  ties), as ``zopa analyze`` defines it;
- P(the deal is reached, survives spoilers and is kept) =
  1[zone] * prod_s (1 - P_s(d*)) * prod_j P(j keeps d*), where P(j keeps) is the mean trust
  the other deciders place in j (1 without credibility);
- P(war) = (1 - 1[zone]) * sum of the war outcomes' probabilities
  + 1[zone] * sum_s P(spoiler s strikes first) * 1[its outcome is war];
- each actor's value: its deal value of d* (deciders; others: utility with the spoiler
  lottery), or without a zone its expected no-deal value (else its reservation).

**Exact without enumerating every package every draw.** Deal values are monotone in a few
linear-additive criteria (:mod:`zopa.space.deal`): each decider's utility of the package
and of its reverted forms (increasing), the spoilers' utilities (increasing, when no
spoiler's outcome is better for a decider than what it accepts and later spoilers'
outcomes are no worse than earlier ones) and trust changes (either way: kept as equals).
The Nash product, the zone test and the reference-package floors are monotone in deal
values, so the optimum of every draw lies on the joint Pareto frontier of those criteria,
built issue by issue once when no table is uncertain. A draw that breaks the spoiler
condition is evaluated on a wider candidate set, the frontier with the spoilers' utilities
kept as equals too (exact whatever their outcomes are worth); all draws are evaluated over
the whole space by the chunked engine when uncertainty reaches the per-option tables.
"""

from __future__ import annotations

import dataclasses
import math
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from typing_extensions import TypedDict

from zopa.analysis.pareto import tables_frontier
from zopa.analysis.scan import scan
from zopa.analysis.solutions import best_index, gains, nash
from zopa.results import SHARE, finite, frame, rounded
from zopa.scenario.numbers import draw_table, fixed_numbers, random_numbers
from zopa.scenario.schema import Number, Scenario
from zopa.scenario.values import Values
from zopa.space.scalars import Scalars, scalars
from zopa.space.space import Space, compile_space, constraint_floor
from zopa.space.tolerances import ACCEPT_TOL, quantize

if TYPE_CHECKING:
    import pandas

BLOCK = 250  # draws evaluated together


def _tables_key(space: Space) -> list[np.ndarray]:
    parts = [*space.tables, *space.allowed, *space.option_at]
    if space.deal is not None:
        parts += list(space.deal.tables)
    return parts


def tables_uncertain(
    sc: Scenario, nums: list[Number], base: Space, fixed: dict[int, float] | None = None
) -> bool:
    """Whether any uncertain number changes a per-option table (utilities, weights...),
    at either end of its probe (:meth:`~zopa.scenario.distributions._Distribution.probe`)."""
    ref = _tables_key(base)
    for n in nums:
        for x in n.distribution.probe():
            setting = {**(fixed or {}), id(n): x}
            other = compile_space(sc, Values(sc, setting))
            got = _tables_key(other)
            if len(got) != len(ref) or any(
                a.shape != b.shape or not np.array_equal(a, b)
                for a, b in zip(got, ref, strict=True)
            ):
                return True
    return False


@dataclass
class Prepared:
    """What every draw shares: the base space and the candidate packages (fast path)."""

    sc: Scenario
    base: Space
    nums: list[Number]
    uncertain_tables: bool
    cand: np.ndarray  # candidate package indices (ascending)
    crit: np.ndarray  # (rows, candidates) criteria, or deciders' utilities when linear
    plain: np.ndarray  # (deciders, candidates) effective utilities
    all_u: np.ndarray  # (actors, candidates) utilities of every actor with preferences
    fixed: dict[int, float] = field(default_factory=dict)  # numbers set for every draw

    def safe(self) -> Prepared:
        """The same, on the candidates that hold whatever spoilers' outcomes are worth."""
        hit = self.__dict__.get("_safe")
        if hit is None:
            base = self.base
            cand = candidates(base, safe=True)
            crit = base.criteria(cand) if base.deal is not None else base.utilities(cand)
            all_u = base.utilities(cand, np.arange(len(base.actors)))
            hit = dataclasses.replace(
                self, cand=cand, crit=crit, plain=base.utilities(cand), all_u=all_u
            )
            self.__dict__["_safe"] = hit
        return hit

    @property
    def strike_outcome(self) -> list[int]:
        """Index of each spoiler's no-deal outcome."""
        outcomes = [o.id for o in self.sc.no_deal]
        return [outcomes.index(sp.outcome) for sp in self.sc.spoilers]


def prepare(sc: Scenario, nums: list[Number], fixed: dict[int, float] | None = None) -> Prepared:
    """Compile the base space and, unless tables are uncertain, the candidate set."""
    fixed = dict(fixed or {})
    base = compile_space(sc, Values(sc, fixed))
    uncertain = (not base.unanimity) or tables_uncertain(sc, nums, base, fixed)
    empty = np.zeros(0, dtype=np.int64)
    if uncertain:
        return Prepared(sc, base, nums, True, empty, np.zeros((0, 0)), np.zeros((0, 0)),
                        np.zeros((0, 0)), fixed)  # fmt: skip
    cand = candidates(base)
    crit = base.criteria(cand) if base.deal is not None else base.utilities(cand)
    plain = base.utilities(cand)
    all_u = base.utilities(cand, np.arange(len(base.actors)))
    return Prepared(sc, base, nums, False, cand, crit, plain, all_u, fixed)


def candidates(space: Space, safe: bool = False) -> np.ndarray:
    """Joint Pareto frontier of the criteria deal values are monotone in (see module doc).

    ``safe``: spoilers' utilities count either way too (kept as equals), which holds
    whatever the spoilers' outcomes are worth: a larger set, for the draws that need it.
    """
    who = space.deciders
    ok = [np.all(a[who], axis=0) for a in space.allowed]
    if space.deal is None:
        up = [t[who] for t in space.tables]
        equal = [t[:0] for t in space.tables]
    else:
        d = space.deal
        up = [t[[*d.u_rows.values(), *([] if safe else d.s_rows)]] for t in d.tables]
        equal = [t[[*d.t_rows.values(), *(d.s_rows if safe else [])]] for t in d.tables]
    # Criteria kept as equals are rounded to the grid issue by issue and summed as integers
    # (as floats, sums a rounding apart would never be equal; sums that end a grid step
    # apart are only kept both). The monotone criteria are summed as floats.
    on_grid = [quantize(e).astype(np.float64) for e in equal]
    tabs = [np.concatenate([u, g, -g]).T for u, g in zip(up, on_grid, strict=True)]
    n_up = up[0].shape[0]

    def grid(crit: np.ndarray) -> np.ndarray:
        return np.concatenate([quantize(crit[:, :n_up]), crit[:, n_up:].astype(np.int64)], 1)

    idx, _ = tables_frontier(tabs, ok, grid)
    return idx


@dataclass
class Block:
    """Per-draw results of a block of draws."""

    zone: np.ndarray  # (D,) bool
    deal: np.ndarray  # (D,) package index of the likely deal (-1: none)
    p_deal: np.ndarray  # (D,)
    p_war: np.ndarray  # (D,)
    value: np.ndarray  # (actors, D)
    fallback: int = 0  # draws evaluated by a full scan
    wider: int = 0  # draws evaluated on the wider (safe) candidate set


def _values_for(prep: Prepared, x: np.ndarray) -> Values:
    return Values(prep.sc, {**prep.fixed, **{id(n): x[:, j] for j, n in enumerate(prep.nums)}})


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


def run_block(prep: Prepared, x: np.ndarray) -> Block:
    """Evaluate the draws ``x`` (D x numbers) of one block."""
    sc = prep.sc
    n_draws = x.shape[0]
    val = _values_for(prep, x)
    base = prep.base
    ids = list(base.actors)
    dec = [int(d) for d in base.deciders]
    sc_ = scalars(sc, val, ids, dec, n_draws)
    if prep.uncertain_tables:
        return _slow(prep, x, sc_, np.arange(n_draws))
    block, bad = _on_candidates(prep, sc_)
    if bad.any():  # spoiler values break monotonicity: those draws on the safe candidates
        which = np.flatnonzero(bad)
        safe, _ = _on_candidates(prep.safe(), sc_slice(sc_, which), check=False)
        for name in ("zone", "deal", "p_deal", "p_war"):
            getattr(block, name)[which] = getattr(safe, name)
        block.value[:, which] = safe.value
        block.wider = len(which)
    return block


def _on_candidates(prep: Prepared, sc_: Scalars, check: bool = True) -> tuple[Block, np.ndarray]:
    """Every draw of ``sc_`` on ``prep``'s candidates; and which draws need the safe set."""
    base = prep.base
    dec = [int(d) for d in base.deciders]
    n_draws = sc_.reservation.shape[1]
    if len(prep.cand) == 0:  # red lines leave no package: never a zone
        return _no_deal_block(sc_, n_draws), np.zeros(n_draws, dtype=bool)
    r = sc_.reservation[dec]  # (n, D)
    floor = constraint_floor(sc_, base.tables, base.references, base.shape)[dec]
    deal = base.deal
    if deal is None:
        v = np.broadcast_to(prep.crit[:, None, :], (len(dec), n_draws, len(prep.cand)))
        strikes: list[np.ndarray] = []
    else:
        inputs = sc_.deal_inputs()
        v = deal.values(prep.crit, inputs)  # (n, D, m)
        strikes = deal.strike(prep.crit, inputs)  # each (D, m)
    ok = np.all(v >= r[:, :, None] - ACCEPT_TOL, axis=0)
    ok &= np.all(prep.plain[:, None, :] >= floor[:, :, None] - ACCEPT_TOL, axis=0)
    product = np.where(ok, nash(gains(v, r[:, :, None])), -1.0)  # (D, m)
    zone = ok.any(1)
    pick = best_index(product, axis=1)
    rows = np.arange(n_draws)
    block = _summarise(
        prep, sc_, zone, pick, v[:, rows, pick], [s[rows, pick] for s in strikes], rows
    )
    bad = ~_monotone(sc_, r) if strikes and check else np.zeros(n_draws, dtype=bool)
    return block, bad


def _monotone(sc_: Scalars, r: np.ndarray) -> np.ndarray:
    """(D,): whether spoiler outcomes are no better than what deciders accept, in order."""
    sv = sc_.strike_value  # (n, s, D)
    ok = np.all(sv <= r[:, None, :] + ACCEPT_TOL, axis=(0, 1))
    if sv.shape[1] > 1:
        ok &= np.all(np.diff(sv, axis=1) >= -ACCEPT_TOL, axis=(0, 1))
    return ok


def _keep(prep: Prepared, sc_: Scalars, rows: np.ndarray, pick: np.ndarray) -> np.ndarray:
    """(D,): probability that every decider keeps the likely deal."""
    deal = prep.base.deal
    if deal is None or sc_.trust is None or not deal.credible:
        return np.ones(len(rows))
    crit = prep.crit[:, pick]  # (rows, D)
    trust = sc_.trust[..., rows] if sc_.trust.shape[-1] > 1 else sc_.trust
    return np.ones(len(rows)) * deal.kept_by_all(crit, {"trust": trust})


def _summarise(
    prep: Prepared,
    sc_: Scalars,
    zone: np.ndarray,
    pick: np.ndarray,
    v_pick: np.ndarray,
    strike_pick: list[np.ndarray],
    rows: np.ndarray,
) -> Block:
    base = prep.base
    survive, war_strike, loss = _spoiled(prep, strike_pick, sc_)
    keep = _keep(prep, sc_, rows, pick) if len(prep.cand) else np.ones(len(rows))
    p_deal = np.where(zone, np.asarray(survive) * keep, 0.0)
    p_war = np.where(zone, war_strike, _war_without_deal(sc_))
    nd = sc_.no_deal_value()  # (actors, D)
    value = nd.copy()
    if v_pick is not None:
        u = prep.all_u[:, pick]  # (actors, D)
        deal_value = survive * u + loss
        deal_value[base.deciders] = v_pick
        value = np.where(zone, deal_value, nd)
    return Block(
        zone=zone.copy(),
        deal=np.where(zone, prep.cand[pick] if len(prep.cand) else -1, -1),
        p_deal=p_deal,
        p_war=np.asarray(p_war, dtype=float) * np.ones(len(rows)),
        value=value,
    )


def _no_deal_block(sc_: Scalars, n_draws: int) -> Block:
    """Every draw without a deal: no-deal war risk and values."""
    return Block(
        zone=np.zeros(n_draws, dtype=bool),
        deal=np.full(n_draws, -1, dtype=np.int64),
        p_deal=np.zeros(n_draws),
        p_war=_war_without_deal(sc_).copy(),
        value=sc_.no_deal_value().copy(),
    )


def _slow(prep: Prepared, x: np.ndarray, sc_: Scalars, which: np.ndarray) -> Block:
    """Draws ``which`` evaluated over the whole space by the chunked engine (exact)."""
    n_a = len(prep.base.actors)
    out = _no_deal_block(sc_, x.shape[0])
    out.fallback = len(which)
    for d in which:
        val = Values(
            prep.sc, {**prep.fixed, **{id(n): float(x[d, j]) for j, n in enumerate(prep.nums)}}
        )
        space = compile_space(prep.sc, val)
        res = scan(space, top=1, closest=0, threads=1)
        out.zone[d] = res.zone > 0
        nash = res.solutions.get("nash")
        if nash is not None:
            idx = nash[0]
        elif res.zone > 0:  # a quota rule without unanimity: the zone's best Nash product
            idx = int(res.top[0])
        else:
            continue
        one = Prepared(prep.sc, space, prep.nums, False, np.array([idx]),
                       space.criteria(idx) if space.deal is not None else space.utilities(idx),
                       space.utilities(idx),
                       space.utilities(idx, np.arange(n_a)), prep.fixed)  # fmt: skip
        sub = sc_slice(sc_, int(d))
        strikes = (
            [s[:, :1] for s in space.deal.strike(one.crit, sub.deal_inputs())]
            if space.deal is not None
            else []
        )
        b = _summarise(one, sub, np.array([True]), np.array([0]), space.values(idx),
                       [s[0] for s in strikes], np.array([0]))  # fmt: skip
        out.deal[d] = idx
        out.p_deal[d], out.p_war[d] = b.p_deal[0], b.p_war[0]
        out.value[:, d] = b.value[:, 0]
    return out


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


class ExactJson(TypedDict):
    candidates: int
    draws_on_wider_candidates: int
    full_scan_draws: int


class MonteCarloJson(TypedDict):
    """``zopa montecarlo --json``: probabilities with standard errors, values, the likely
    deal issue by issue (share of draws with a zone whose Nash deal takes each option)."""

    scenario: str
    draws: int
    seed: int
    p_zone: float | None
    p_deal: float | None
    p_war: float | None
    stderr: ErrorsJson
    value: dict[str, MeanJson]
    likely_deal: dict[str, dict[str, float]]
    uncertain_numbers: list[str]
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
    deal: np.ndarray
    p_deal_draw: np.ndarray
    p_war_draw: np.ndarray
    value: np.ndarray  # (actors, draws)
    uncertain: list[str] = field(default_factory=list)
    fallback: int = 0
    wider: int = 0
    candidates: int = 0

    @staticmethod
    def _mean_se(x: np.ndarray) -> tuple[float, float]:
        n = len(x)
        if n == 0:
            return math.nan, math.nan
        sd = float(np.std(x, ddof=1)) if n > 1 else 0.0
        return float(np.mean(x)), sd / math.sqrt(n)

    def shares(self) -> dict[str, dict[str, float]]:
        """Issue by issue, the share of draws with a zone whose likely deal takes each option
        (options never taken are left out)."""
        out: dict[str, dict[str, float]] = {}
        with_deal = self.deal[self.deal >= 0]
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
            "uncertain_numbers": self.uncertain,
            "exact": {
                "candidates": self.candidates,
                "draws_on_wider_candidates": self.wider,
                "full_scan_draws": self.fallback,
            },
        }

    def to_frames(self) -> dict[str, pandas.DataFrame]:
        """``likely_deal`` (issue, option, share), ``values`` (actor, mean, stderr) and
        ``draws`` (one row per draw: zone, the likely deal's index or -1, P(deal), P(war))."""
        deal = [{"issue": i, "option": o, "share": v}
                for i, row in self.shares().items() for o, v in row.items()]  # fmt: skip
        vals = [{"actor": a, "mean": m, "stderr": s} for a, (m, s) in self.values().items()]
        draws = {"zone": self.zone.astype(bool), "deal": self.deal,
                 "p_deal": self.p_deal_draw, "p_war": self.p_war_draw}  # fmt: skip
        return {
            "likely_deal": frame(deal, ["issue", "option", "share"]),
            "values": frame(vals, ["actor", "mean", "stderr"]),
            "draws": frame(draws),
        }


_CACHE: dict[tuple[Any, ...], Prepared] = {}


def _worker(text: str, name: str, fixed: dict[str, float], x: np.ndarray) -> Block:
    """A worker's block of draws ``x`` (drawn once, by the parent), from the file's text."""
    from zopa.scenario.load import validate
    from zopa.scenario.yamlfile import parse_yaml

    key = (name, text, tuple(sorted(fixed.items())))
    prep = _CACHE.get(key)
    if prep is None:
        data, lines = parse_yaml(text, name)
        sc = validate(data, lines, name)
        nums, _ = draw_table(sc, 0, 0, fixed)
        prep = _CACHE[key] = prepare(sc, nums, fixed_numbers(sc, fixed))
    return run_block(prep, x)


def _quiet_worker() -> None:
    """Initializer of pool processes: Ctrl-C reaches the whole process group, but only the
    parent acts on it (it stops the pool); SIGTERM kills a worker outright, whatever
    handler the parent had when it forked."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def stop_pool(pool: ProcessPoolExecutor, grace: float = 0.5) -> None:
    """Cancel every queued task and end the worker processes now (SIGTERM, then SIGKILL
    after ``grace`` seconds), without waiting for the tasks they are running."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        p.terminate()
    for p in procs:
        p.join(grace)
        if p.is_alive():
            p.kill()
            p.join(grace)


@contextmanager
def worker_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A process pool that, on any exception in the caller (Ctrl-C, SIGTERM turned into an
    exception, an error), stops within a second (:func:`stop_pool`) and re-raises it;
    otherwise it is shut down normally."""
    pool = ProcessPoolExecutor(workers, initializer=_quiet_worker)
    try:
        yield pool
    except BaseException:
        stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def bytes_per_draw(sc: Scenario) -> int:
    """Peak memory a draw of :func:`montecarlo` needs in the parent process, in bytes: the
    larger of the draws table (two float64 per uncertain number while it is drawn), the
    table with the results of every block and their concatenation (``zone``, ``deal``,
    ``p_deal``, ``p_war``, a value per actor), and the results with the likely deal's
    options, issue by issue (``shares``). Measured: 318 bytes a draw on the reference
    scenario (11 uncertain numbers, 10 actors, 11 issues); this gives 312."""
    numbers_, results = len(random_numbers(sc)), 4 + len(sc.actors)
    table = 2 * numbers_
    blocks_ = numbers_ + 2 * results
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
    nums, x = draw_table(sc, draws, seed, fixed)
    setting = fixed_numbers(sc, fixed)
    parts: list[Block] = []
    spans = blocks(draws)
    if workers <= 1 or text is None:
        prep = prepare(sc, nums, setting)
        for a, b in spans:
            parts.append(run_block(prep, x[a:b]))
            if progress:
                progress(b - a)
    else:
        with worker_pool(workers) as pool:
            futures = [pool.submit(_worker, text, name, fixed, x[a:b]) for a, b in spans]
            for (a, b), f in zip(spans, futures, strict=True):
                parts.append(f.result())
                if progress:
                    progress(b - a)
        prep = prepare(sc, nums, setting)
    base = prep.base
    cat: Callable[[str], np.ndarray] = lambda k: np.concatenate(  # noqa: E731
        [getattr(p, k) for p in parts], axis=-1
    ) if parts else np.zeros(0)  # fmt: skip
    return MonteCarlo(
        scenario=sc.id,
        draws=draws,
        seed=seed,
        actors=base.actors,
        issues=base.issues,
        options=base.options,
        zone=cat("zone") if parts else np.zeros(0, dtype=bool),
        deal=cat("deal") if parts else np.zeros(0, dtype=np.int64),
        p_deal_draw=cat("p_deal"),
        p_war_draw=cat("p_war"),
        value=cat("value") if parts else np.zeros((len(base.actors), 0)),
        uncertain=[p for p, _ in random_numbers(sc) if p not in fixed],
        fallback=sum(p.fallback for p in parts),
        wider=sum(p.wider for p in parts),
        candidates=len(prep.cand),
    )
