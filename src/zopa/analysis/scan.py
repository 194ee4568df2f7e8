"""One chunked pass over every package: zone counts, binding, solutions, top and closest.

The space is split into *head* issues and *tail* issues so that a chunk is a block of
head packages times every tail package; a chunk's utilities are then one broadcast sum
``head[:, :, None] + tail[:, None, :]``. Memory is bounded by the chunk size whatever the
size of the space, and chunks run on a thread pool (numpy releases the GIL). Results are
reduced in chunk order, so they do not depend on the number of threads.

The solutions' objectives and their tie rule (the lowest-index package whose value ties
with the best) are those of :mod:`zopa.analysis.solutions`.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from zopa.analysis.pareto import OverBudget, RunningFront, pareto_mask
from zopa.analysis.solutions import (
    SOLUTIONS,
    Best,
    equal_shares,
    gains,
    kalai_smorodinsky,
    nash,
    near_power_best,
    objectives,
)
from zopa.space.space import Space, outer
from zopa.space.tolerances import ACCEPT_TOL, quantize

CHUNK = 1 << 17  # packages per chunk (measured best on 2 cores: bench/bench_analyze.py)


KEEP = 1 << 22
"""The most deal values (32 MiB) of the unanimous set one pass keeps, so that
Kalai-Smorodinsky, which needs each decider's exact best first, takes no second pass over
the space; past it, the second pass runs."""
SIFT = 64  # TopN first sifts over 4 SIFT n keys by the n-th key of a sample of SIFT n


class TopN:
    """The n packages with the smallest key (ties: lowest index), streamed."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.key = np.zeros(0)
        self.idx = np.zeros(0, dtype=np.int64)

    def update(self, key: np.ndarray, idx: np.ndarray) -> None:
        if self.n <= 0 or len(key) == 0:
            return
        if len(key) > 4 * SIFT * self.n:  # a sample's n-th key bounds the n-th key
            sample = key[:: len(key) // (SIFT * self.n)]
            sel = key <= np.partition(sample, self.n - 1)[self.n - 1]
            if np.count_nonzero(sel) >= self.n:  # at least n keys are <= cut: a superset
                key, idx = key[sel], idx[sel]
        if len(key) > self.n:
            part = np.argpartition(key, self.n - 1)[: self.n]
            cut = key[part].max()
            sel = key <= cut  # keep every tie at the cut so index order decides
            key, idx = key[sel], idx[sel]
        key = np.concatenate((self.key, key))
        idx = np.concatenate((self.idx, idx))
        order = np.lexsort((idx, key))[: self.n]
        self.key, self.idx = key[order], idx[order]


def columns(a: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The columns of ``a`` (deciders x packages) where ``mask``, in C order: ``a[:, mask]``
    is a Fortran-ordered copy, over which reductions across deciders run about 20 times
    slower. ``a`` itself when the mask keeps every column."""
    return a if mask.all() else a.compress(mask, axis=1)


@dataclass
class Layout:
    """How the space is cut into chunks: head issues [0, split), tail issues [split, K)."""

    split: int
    tail_size: int
    head_size: int
    block: int  # head packages per chunk

    @classmethod
    def of(cls, space: Space, chunk: int = CHUNK) -> Layout:
        shape = space.shape
        split, tail = len(shape), 1
        while split > 0 and tail * shape[split - 1] <= chunk:
            split -= 1
            tail *= shape[split]
        head = math.prod(shape[:split])
        return cls(split, tail, head, max(1, chunk // tail))


def _part(
    tables: list[np.ndarray], allowed: list[np.ndarray], issues: range, index: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Criteria sums and red lines crossed of sub-packages ``index`` of ``issues``.

    ``tables[k]`` is (rows, options) and ``allowed[k]`` (deciders, options) for issue k.
    """
    shape = tuple(tables[k].shape[1] for k in issues)
    u = np.zeros((tables[0].shape[0], len(index)))
    crossed = np.zeros((allowed[0].shape[0], len(index)), dtype=np.int16)
    if not shape:
        return u, crossed
    digits = np.unravel_index(index, shape)
    for d, k in zip(digits, issues, strict=True):
        u += tables[k][:, d]
        crossed += ~allowed[k][:, d]
    return u, crossed


def _part_all(
    tables: list[np.ndarray], allowed: list[np.ndarray], issues: range
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_part` of every sub-package of ``issues`` in index order, by broadcasting
    (the same sums in the same order, without unravelling each index)."""
    if not issues:
        return _part(tables, allowed, issues, np.arange(1))
    first, rest = issues[0], issues[1:]
    # 0.0 + the first term, as _part sums (-0.0 becomes 0.0)
    u = outer([tables[first] + 0.0, *(tables[k] for k in rest)], np.add)
    crossed = outer([(~allowed[k]).astype(np.int16) for k in issues], np.add)
    return u, crossed


@dataclass
class Chunk:
    """Deal values, red-line and acceptance masks of one block of packages (deciders only).

    ``u`` holds the deciders' deal values: their (effective) utilities when the space is
    linear, else :meth:`zopa.space.deal.DealModel.values` of the criteria ``crit``.
    """

    index: np.ndarray
    u: np.ndarray
    crossed: np.ndarray  # red lines of each decider crossed (deciders, n) or (deciders, 1)
    res_ok: np.ndarray
    crit: np.ndarray | None = None

    @property
    def red_ok(self) -> np.ndarray:
        return self.crossed == 0

    @property
    def accept(self) -> np.ndarray:
        if self.crossed.shape[1] == 1 and not self.crossed.any():  # no red line crossed
            return self.res_ok
        return self.red_ok & self.res_ok


def criteria_tables(space: Space) -> list[np.ndarray]:
    """Per issue, the (rows, options) tables chunks sum: the deciders' utilities, or the
    deal model's criteria."""
    if space.deal is not None:
        return list(space.deal.tables)
    return [t[space.deciders] for t in space.tables]


def chunks(space: Space, chunk: int = CHUNK) -> Iterator[Callable[[], Chunk]]:
    """Lazily computed chunks covering the space in index order."""
    lay = Layout.of(space, chunk)
    who = space.deciders
    tables = criteria_tables(space)
    allowed = [a[who] for a in space.allowed]
    cache = space.__dict__.setdefault("_tails", {})  # the tail block, shared by passes
    if lay.split not in cache:
        cache[lay.split] = _part_all(tables, allowed, range(lay.split, len(space.shape)))
    tail_u, tail_bad = cache[lay.split]
    r = space.accept_at[who][:, None] - ACCEPT_TOL
    deal = space.deal
    floor = None if space.floor is None else space.floor[who][:, None] - ACCEPT_TOL
    plain_rows = [] if deal is None else [deal.u_rows[(p, ())] for p in range(len(who))]

    no_red_lines = all(a.all() for a in allowed)  # then nothing is ever crossed
    none_crossed = np.zeros((len(who), 1), dtype=np.int16)

    def make(h0: int, h1: int) -> Chunk:
        hu, hbad = _part(tables, allowed, range(lay.split), np.arange(h0, h1))
        crit = (hu[:, :, None] + tail_u[:, None, :]).reshape(tables[0].shape[0], -1)
        if no_red_lines:
            bad = none_crossed  # broadcasts against (deciders, packages)
        else:
            bad = (hbad[:, :, None] + tail_bad[:, None, :]).reshape(len(who), -1)
        index = np.arange(h0 * lay.tail_size, h1 * lay.tail_size, dtype=np.int64)
        if deal is None:
            return Chunk(index, crit, bad, crit >= r)
        u = deal.values(crit)
        ok = u >= r
        if floor is not None:  # reference-package constraints bind the plain utility
            ok &= crit[plain_rows] >= floor
        return Chunk(index, u, bad, ok, crit)

    for h0 in range(0, lay.head_size, lay.block):
        yield partial(make, h0, min(lay.head_size, h0 + lay.block))


def run_chunks(
    space: Space, work: Callable[[Chunk], object], threads: int = 2, chunk: int = CHUNK
) -> Iterator[object]:
    """Apply ``work`` to every chunk (on ``threads`` threads); yield results in order."""
    jobs = chunks(space, chunk)
    if threads <= 1:
        for job in jobs:
            yield work(job())
        return
    with ThreadPoolExecutor(threads) as pool:
        pending: list[Future[object]] = []
        for job in jobs:
            pending.append(pool.submit(_apply, work, job))
            if len(pending) > 2 * threads:
                yield pending.pop(0).result()
        for f in pending:
            yield f.result()


def _apply(work: Callable[[Chunk], object], job: Callable[[], Chunk]) -> object:
    return work(job())


@dataclass
class ScanResult:
    """What one pass over the space finds (indices are package numbers)."""

    size: int
    zone: int = 0
    unanimous: int = 0
    red_removed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    res_removed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    only_objector: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    max_u: np.ndarray = field(default_factory=lambda: np.zeros(0))
    solutions: dict[str, tuple[int, float] | None] = field(default_factory=dict)
    top: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    front: np.ndarray | None = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    front_estimate: float | None = None  # seconds the frontier would take, when not done
    closest: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


SAMPLE = 500  # zone packages filtered to forecast a frontier's cost
FILTER_SECONDS = 1.6e-10
"""Seconds of streamed dominance filtering per (package, frontier package, decider),
fitted on 2 cores (bench/bench_scale.py, ``--frontier`` rows) so that the estimates of
:func:`filter_seconds` fall within 2x of the real time, on the high side (an estimate
under the budget starts the filter, and one too low spends the whole budget before giving
up): on 2026-12-03 a zone of 88,527 packages in 10 dimensions (frontier 22,472) took 2.5
to 3.7 s against an estimate of 3.6 s, 10^6 in 5 (frontier 15,836) 2.7 to 3.9 s against
3.5 s. See :data:`DENSE` for zones mostly on their frontier."""
DENSE = 3.6
"""How much dearer a comparison is when most of a zone is on its frontier (nothing drops
out of later comparisons, and the front outgrows the caches): the cost is multiplied by
``1 + DENSE (share - 0.7)`` when the share of the larger sample on its frontier is over
0.7 (2.08 when all of it is; 0.64 in 10 dimensions above, 0.21 in 5). Fitted on 88,645
packages in 28 dimensions (frontier 88,644): 58 to 123 s in four runs over three days,
73 s on 2026-12-03, against an estimate of 35 s without it and 73 s with it; in process,
16,000 random packages in 28 dimensions against 10 (frontier shares 1.0 and 0.45) cost
1.7 times more a comparison."""


def filter_seconds(q: np.ndarray, zone_total: float, parts: int = 1, seed: int = 0) -> float:
    """Estimated seconds to stream the frontier of a zone of ``zone_total`` packages, in
    ``parts`` chunks, like the rows of ``q`` (one chunk's zone).

    The frontiers of two nested samples (SAMPLE and 4 SAMPLE rows) give the growth of a
    frontier's size ``F(n) = F(m) (n / m) ** a``; each chunk's filter costs about
    ``z F(z) d`` comparisons (z its zone) and merging it into the running front
    ``F(z) F(Z) d``, at FILTER_SECONDS each, times :data:`DENSE`'s factor for the share
    of the larger sample on its frontier (measured, not extrapolated: the growth law
    overshoots the share of a chunk's zone).
    """
    n, d = q.shape
    order = np.random.default_rng(seed).permutation(n)
    small, big = min(n, SAMPLE), min(n, 4 * SAMPLE)
    f_small = max(1, int(pareto_mask(q[order[:small]]).sum()))
    f_big = max(1, int(pareto_mask(q[order[:big]]).sum()))
    a = math.log(f_big / f_small) / math.log(big / small) if big > small else 1.0
    a = min(1.0, max(0.0, a))

    def size(z: float) -> float:
        return min(z, f_big * (z / big) ** a)

    per = zone_total / max(1, parts)
    merges = (parts - 1) * size(per) * size(zone_total)
    dense = 1.0 + DENSE * max(0.0, f_big / big - 0.7)  # the larger sample's share
    return FILTER_SECONDS * dense * d * (parts * per * size(per) + merges)


class Budget:
    """Seconds of dominance filtering a streamed frontier may take, shared by threads.

    ``spent`` adds up the filtering time of every chunk (and of the running merge); once
    a filter passes what is left, ``over`` is set and no more filtering is done.
    :meth:`estimate` extrapolates the time the whole frontier would take from the share
    of the work settled.
    """

    def __init__(self, seconds: float | None, parts: int) -> None:
        self.seconds = math.inf if seconds is None else seconds
        self.parts = max(1, parts)
        self.spent = 0.0
        self.settled = 0.0  # parts whose front was found (a fraction for the last one)
        self.over = False
        self.guess: float | None = None  # the up-front estimate of the whole cost
        self.lock = threading.Lock()

    def deadline(self) -> float | None:
        left = self.seconds - self.spent
        return None if math.isinf(left) else time.monotonic() + max(0.0, left)

    def run(self, fn: Callable[[float | None], object], share: float = 1.0) -> object:
        """``fn(deadline)``, charged to the budget; None (and ``over``) if it runs out."""
        if self.over:
            return None
        t0 = time.monotonic()
        try:
            out = fn(self.deadline())
            done = share
        except OverBudget as e:
            out, done = None, share * e.done
            self.over = True
        with self.lock:
            self.spent += time.monotonic() - t0
            self.settled += done
        return out

    def forecast(self, q: np.ndarray, zone_total: float, rng_seed: int = 0) -> None:
        """Before the first filter: estimate the whole frontier's cost from a sample of
        ``q`` (grid values of a chunk's zone) and the zone's estimated size; if it is over
        the budget, give up at once (``over``, ``guess`` the estimate)."""
        if self.over or self.guess is not None or math.isinf(self.seconds):
            return
        self.guess = filter_seconds(q, zone_total, self.parts, rng_seed)
        if self.guess > self.seconds:
            self.over = True

    def estimate(self) -> float:
        """Seconds the whole frontier would take: the up-front estimate if it gave up at
        once, else extrapolated from the share of the work settled."""
        if self.settled == 0 and self.guess is not None:
            return self.guess
        return self.spent / max(self.settled / self.parts, 1e-6)


def zone_front(
    space: Space, ch: Chunk, zone: np.ndarray, deadline: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The chunk's zone packages that no other zone package of the chunk dominates, with
    their deal values on the dominance grid.

    In a linear space the utilities are summed again issue by issue, in issue order (as
    :meth:`Space.utilities` and the issue-by-issue construction sum them), so that the
    streamed frontier and the constructed one compare the very same floats.
    """
    idx = ch.index[zone]
    u = space.utilities(idx) if space.linear else columns(ch.u, zone)
    q = quantize(u.T)
    m = pareto_mask(q, deadline=deadline)
    return idx[m], q[m]


def scan(
    space: Space,
    top: int = 10,
    closest: int = 5,
    threads: int = 2,
    chunk: int = CHUNK,
    best_u: np.ndarray | None = None,
    front: bool = False,
    front_budget: float | None = None,
    ks: bool = True,
) -> ScanResult:
    """Count the zone and find the solutions, top packages and closest packages.

    ``best_u`` is a guess of each decider's best utility over the unanimous set (read off
    its Pareto frontier); with it Kalai-Smorodinsky is found in the same pass. The guess is
    checked against the exact maxima found by the pass; a second pass runs only if they
    differ (or no guess was given). ``front``: also stream the zone's Pareto frontier
    (``ScanResult.front``), spending at most ``front_budget`` seconds filtering it (None:
    no limit); past that ``front`` is None and ``front_estimate`` the seconds it would
    take (:class:`Budget`). The other results never wait for it. ``ks`` False: leave
    Kalai-Smorodinsky out (``solutions`` has no such key), saving its second pass.
    """
    who = space.deciders
    n = len(who)
    veto = space.veto[who]
    res = ScanResult(
        size=space.size,
        red_removed=np.zeros(n, dtype=np.int64),
        res_removed=np.zeros(n, dtype=np.int64),
        only_objector=np.zeros(n, dtype=np.int64),
        max_u=np.full(n, -math.inf),
    )
    best = {k: Best() for k in SOLUTIONS}
    tops = TopN(top)
    running = RunningFront(n)
    lay = Layout.of(space, chunk)
    budget = Budget(front_budget, -(-lay.head_size // lay.block))

    r = space.reservation[who]
    share = space.capability[who] / space.capability[who].sum()
    power = float(share[0]) if equal_shares(share) else None  # weighted Nash = nash**power

    keep = ks and best_u is None  # Kalai-Smorodinsky waits for the exact maxima
    kept: list[tuple[np.ndarray, np.ndarray]] | None = [] if keep else None
    kept_n = 0

    def work(ch: Chunk) -> dict:
        acc = ch.accept
        every = bool(acc.all())
        if every:  # everyone accepts every package: nothing removed, no sole objector
            una = zone = np.ones(len(ch.index), dtype=bool)
            none = np.zeros(n, dtype=np.int64)
            out: dict = {"zone": len(zone), "una": len(una), "red": none, "res": none,
                         "only": none}  # fmt: skip
        else:
            n_acc = acc.sum(0)
            una = n_acc == n
            zone = una if space.unanimity else (n_acc >= space.quota) & acc[veto].all(0)
            out = {
                "zone": int(zone.sum()),
                "una": int(una.sum()),
                "red": (~ch.red_ok).sum(1),
                "res": (~ch.res_ok).sum(1),
                "only": (~acc & (n_acc == n - 1)).sum(1),
            }
        obj: dict[str, np.ndarray] = {}
        if out["una"]:
            uu, ui = columns(ch.u, una), ch.index if every else ch.index[una]
            out["max_u"] = uu.max(1)
            obj = objectives(uu, r, space.capability[who], best_u, weighted=power is None)
            local = {k: _records(v, ui) for k, v in obj.items()}
            if power is not None:  # the power only where it can tie with the best
                near = near_power_best(obj["nash"], power)
                local["nash_weighted"] = _records(obj["nash"][near] ** power, ui[near])
            out["best"] = local
            if keep and out["una"] * n <= KEEP:
                out["kept"] = (uu, ui)
        if front and out["zone"]:
            if budget.guess is None:
                with budget.lock:
                    budget.forecast(quantize(columns(ch.u, zone).T), out["zone"] * budget.parts)
            out["front"] = budget.run(lambda dl: zone_front(space, ch, zone, dl), 0.5)
        if out["zone"] and top > 0:
            if space.unanimity:
                product = obj["nash"]
            else:
                product = nash(gains(columns(ch.u, zone), r[:, None]))
            t = TopN(top)
            t.update(-product, ch.index if every else ch.index[zone])
            out["top"] = (t.key, t.idx)
        return out

    for out in run_chunks(space, work, threads, chunk):
        assert isinstance(out, dict)
        res.zone += out["zone"]
        res.unanimous += out["una"]
        res.red_removed += out["red"]
        res.res_removed += out["res"]
        res.only_objector += out["only"]
        if "max_u" in out:
            res.max_u = np.maximum(res.max_u, out["max_u"])
            for k, (v, i) in out["best"].items():
                best[k].update(v, i)
        if "top" in out:
            tops.update(*out["top"])
        if kept is not None and out["una"]:
            if "kept" in out and kept_n + out["una"] * n <= KEEP:
                kept.append(out["kept"])
                kept_n += out["una"] * n
            else:
                kept = None  # too many: a second pass instead
        if out.get("front") is not None:
            idx, q = out["front"]
            budget.run(partial(running.add, idx, q), 0.5)
    res.front = None if budget.over else running.result()
    if budget.over:
        res.front_estimate = budget.estimate()
    res.solutions = {k: b.result() for k, b in best.items()}
    if not ks:
        res.solutions.pop("kalai_smorodinsky", None)
    elif kept is not None:  # the unanimous set's deal values, kept in index order
        res.solutions["kalai_smorodinsky"] = _kalai_smorodinsky_of(space, res, kept)
    elif best_u is None or not np.array_equal(best_u, res.max_u):
        res.solutions["kalai_smorodinsky"] = _kalai_smorodinsky(space, res, threads, chunk)
    res.top = tops.idx
    if res.zone == 0:
        res.closest = _closest(space, closest, threads, chunk)
    return res


def _closest(space: Space, n: int, threads: int, chunk: int) -> np.ndarray:
    """Packages minimising (red lines crossed, largest shortfall below a reservation).

    Red lines are counted one per (decider, issue) whose option the decider rules out.
    """
    near = TopN(n)

    def work(ch: Chunk) -> tuple[np.ndarray, np.ndarray]:
        short = space.shortfall(ch.u, ch.crit).max(0)
        t = TopN(n)
        t.update(ch.crossed.sum(0) * 10.0 + short, ch.index)
        return t.key, t.idx

    for out in run_chunks(space, work, threads, chunk):
        near.update(*out)  # type: ignore[misc]
    return near.idx


def _records(val: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The tie rule's records (:class:`Best`) over one chunk's values ``val`` of packages
    ``idx``, to merge in chunk order."""
    b = Best()
    b.update(val, idx)
    return b.val, b.idx


def _ks_records(
    u: np.ndarray, idx: np.ndarray, r: np.ndarray, span: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The Kalai-Smorodinsky tie rule's records over unanimous packages ``idx`` (deal
    values ``u``), each decider's best possible gain ``span`` known."""
    return _records(kalai_smorodinsky(gains(u, r[:, None]), span), idx)


def _kalai_smorodinsky_of(
    space: Space, res: ScanResult, kept: list[tuple[np.ndarray, np.ndarray]]
) -> tuple[int, float] | None:
    """Kalai-Smorodinsky over the unanimous set's deal values the pass kept, chunk by chunk
    (what :func:`_kalai_smorodinsky` computes, without a second pass)."""
    r = space.reservation[space.deciders]
    span = res.max_u - r
    best = Best()
    for u, idx in kept:
        best.update(*_ks_records(u, idx, r, span))
    return best.result()


def _kalai_smorodinsky(
    space: Space, res: ScanResult, threads: int, chunk: int
) -> tuple[int, float] | None:
    """Second pass, with each decider's exact maximum over the unanimous set."""
    if res.unanimous == 0:
        return None
    r = space.reservation[space.deciders]
    span = res.max_u - r
    best = Best()

    def work(ch: Chunk) -> tuple[np.ndarray, np.ndarray] | None:
        una = np.asarray(ch.accept.all(0))
        if not una.any():
            return None
        return _ks_records(columns(ch.u, una), ch.index[una], r, span)

    for out in run_chunks(space, work, threads, chunk):
        if out is not None:
            best.update(*out)  # type: ignore[misc]
    return best.result()
