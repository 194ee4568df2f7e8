"""Tests of Fearon's costs-of-conflict model (zopa.analysis.fearon).

Closed forms are reproduced on a one-issue, finely discretised pie (101 or 100,001 grid
points x in [0, 1], u_A = x, u_B = 1 - x): the bargaining range [max(0, p - c_A),
min(1, p + c_B)], the ultimatum with a cost uniform on [0, c_max] (x* and P(war), within
the grid step), mutual optimism. The package-space functions are checked against
:func:`oracle`, a plain-Python loop over every package of small random spaces.
"""

from __future__ import annotations

import inspect
import itertools
import math
from collections.abc import Callable, Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from zopa.analysis import fearon as F
from zopa.analysis.solutions import Best
from zopa.space.space import Space
from zopa.space.tolerances import ACCEPT_TOL

GRID = np.linspace(0.0, 1.0, 100_001)
STEP = 1e-5
SMALL = np.linspace(0.0, 1.0, 101)

prob = st.floats(0.0, 1.0)
cost = st.floats(0.0, 1.0)


def test_tolerance_matches_the_engine() -> None:
    for f in (F.imposed_package, F.war_values, F.in_range, F.acceptance, F.ultimatum):
        assert inspect.signature(f).parameters["tol"].default == ACCEPT_TOL


# --- the bargaining range -------------------------------------------------------------


def test_bargaining_range_closed_form() -> None:
    assert F.bargaining_range(0.6, 0.1, 0.2) == pytest.approx((0.5, 0.8))
    assert F.bargaining_range(0.05, 0.1, 0.2) == pytest.approx((0.0, 0.25))
    assert F.bargaining_range(0.9, 0.1, 0.2) == pytest.approx((0.8, 1.0))
    assert F.bargaining_range(0.5, 0.0, 0.0) == (0.5, 0.5)  # no cost: a single point
    with pytest.raises(ValueError):
        F.bargaining_range(1.5, 0.1, 0.1)
    with pytest.raises(ValueError):
        F.bargaining_range(0.5, -0.1, 0.1)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(p=prob, c_a=cost, c_b=cost, loser=st.sampled_from(["imposed", "worst"]))
def test_bargaining_set_on_the_pie_is_the_range(
    p: float, c_a: float, c_b: float, loser: F.Loser
) -> None:
    lo, hi = F.bargaining_range(p, c_a, c_b)
    got = F.bargaining_set(GRID, 1.0 - GRID, p, c_a, c_b, loser=loser)
    assert got.war.w_a == pytest.approx(p - c_a, abs=1e-12)
    assert got.war.w_b == pytest.approx(1.0 - p - c_b, abs=1e-12)
    assert (got.war.imposed_a, got.war.imposed_b) == (len(GRID) - 1, 0)
    assert abs(got.size - (hi - lo) / STEP) <= 1 + 1e-6  # grid points in [lo, hi]
    if hi - lo >= STEP:  # else the range may fall between two grid points
        x = GRID[got.indices]
        assert x.min() == pytest.approx(lo, abs=STEP)
        assert x.max() == pytest.approx(hi, abs=STEP)


# --- mutual optimism ------------------------------------------------------------------


def test_mutual_optimism_closed_form() -> None:
    assert F.mutual_optimism_war(0.7, 0.4, 0.1, 0.1)
    assert not F.mutual_optimism_war(0.7, 0.4, 0.2, 0.1)
    assert not F.mutual_optimism_war(0.7, 0.4, 0.2, 0.1 + 1e-9)
    assert not F.mutual_optimism_war(0.4, 0.7, 0.0, 0.0)  # pessimism never causes war


@settings(max_examples=80, deadline=None, derandomize=True)
@given(p_a=prob, p_b=prob, c_a=cost, c_b=cost)
def test_mutual_optimism_empties_the_set(p_a: float, p_b: float, c_a: float, c_b: float) -> None:
    got = F.bargaining_set(SMALL, 1.0 - SMALL, p_a, c_a, c_b, p_b=p_b)
    gap = (p_a - p_b) - (c_a + c_b)
    if abs(gap) > 0.011:  # farther than a grid step from the boundary
        assert got.empty == F.mutual_optimism_war(p_a, p_b, c_a, c_b) == (gap > 0)


# --- the ultimatum: closed form on the discretised pie ---------------------------------


def test_textbook_formulas() -> None:
    # interior: x* = p + (c_max - c_A)/2, P(war) = (c_max - c_A)/(2 c_max)
    assert F.textbook_ultimatum(0.4, 0.1, 0.3) == pytest.approx((0.5, 1 / 3))
    # c_A >= c_max: offer the war value, no risk
    assert F.textbook_ultimatum(0.4, 0.5, 0.3) == pytest.approx((0.4, 0.0))
    # the cap x <= 1 binds: P(war) = (1 - p)/c_max, not (c_max - c_A)/(2 c_max)
    x, pw = F.textbook_ultimatum(0.8, 0.05, 0.6)
    assert (x, pw) == pytest.approx((1.0, 0.2 / 0.6))
    assert pw < (0.6 - 0.05) / (2 * 0.6)
    # B proposing is the mirror image
    assert F.textbook_ultimatum(0.6, 0.1, 0.3, "b") == pytest.approx((0.5, 1 / 3))
    with pytest.raises(ValueError):
        F.textbook_ultimatum(0.5, 0.1, 0.0)


CASES = [
    (0.4, 0.1, 0.3),  # interior
    (0.3, 0.0, 0.5),
    (0.5, 0.2, 0.9),
    (0.8, 0.05, 0.6),  # clipped at x = 1
    (0.4, 0.5, 0.3),  # c_A >= c_max: no war
    (0.0, 0.1, 0.2),
    (1.0, 0.1, 0.2),
]


@pytest.mark.parametrize(("p", "c_own", "c_max"), CASES)
@pytest.mark.parametrize("proposer", ["a", "b"])
def test_ultimatum_reproduces_the_closed_form(
    p: float, c_own: float, c_max: float, proposer: F.Side
) -> None:
    """A proposes with B's cost ~ U[0, c_max] (and the mirror image for B): the optimal
    share is x* within one grid step, P(war) within one step / c_max."""
    c_a, c_b = (c_own, 0.7) if proposer == "a" else (0.7, c_own)
    got = F.ultimatum(
        GRID, 1.0 - GRID, p, c_a, c_b, proposer=proposer, belief=F.uniform_cost(c_max)
    )
    x_star, p_war = F.textbook_ultimatum(p, c_own, c_max, proposer)
    assert GRID[got.index] == pytest.approx(x_star, abs=STEP + 1e-12)
    assert got.p_war == pytest.approx(p_war, abs=STEP / c_max + 1e-9)
    if proposer == "a" and c_own < c_max and p + (c_max - c_own) / 2 <= 1:
        assert got.p_war == pytest.approx((c_max - c_own) / (2 * c_max), abs=STEP / c_max)
    own_war = p - c_a if proposer == "a" else 1 - p - c_b
    assert got.war_value == pytest.approx(own_war, abs=1e-12)
    assert got.value >= own_war


def test_ultimatum_beliefs_as_sample_and_scipy() -> None:
    p, c_a, c_max = 0.4, 0.1, 0.3
    ref = F.ultimatum(SMALL, 1 - SMALL, p, c_a, 0.2, belief=F.uniform_cost(c_max))
    frozen = F.ultimatum(SMALL, 1 - SMALL, p, c_a, 0.2, belief=stats.uniform(0, c_max))
    assert (frozen.index, frozen.p_accept) == (ref.index, pytest.approx(ref.p_accept))
    sample = np.random.default_rng(7).uniform(0, c_max, 200_000)
    drawn = F.ultimatum(SMALL, 1 - SMALL, p, c_a, 0.2, belief=sample)
    assert SMALL[drawn.index] == pytest.approx(0.5, abs=0.011)
    assert drawn.p_war == pytest.approx(1 / 3, abs=0.01)
    # a known cost: offer exactly the responder's war value, never fight
    known = F.ultimatum(SMALL, 1 - SMALL, p, c_a, 0.2)
    assert (SMALL[known.index], known.p_war, known.accepted) == (pytest.approx(0.6), 0.0, True)


def test_ultimatum_realised_acceptance() -> None:
    a, b = F.ultimatum_each(
        SMALL,
        1 - SMALL,
        0.5,
        0.1,
        0.05,
        belief_a=F.uniform_cost(0.4),
        belief_b=np.array([0.0, 0.4]),
    )
    assert a.proposer == "a" and b.proposer == "b"
    # A proposes x in [0.5, 0.9]; B (true cost 0.05) accepts iff x <= 0.55
    assert a.accepted == (SMALL[a.index] <= 0.55 + 1e-9)
    assert b.accepted == (SMALL[b.index] >= 0.4 - 1e-9)


def test_bad_inputs() -> None:
    with pytest.raises(ValueError):
        F.war_values([0.1, 0.2], [0.3], 0.5, 0.1, 0.1)
    with pytest.raises(ValueError):
        F.war_values([0.1, math.nan], [0.3, 0.4], 0.5, 0.1, 0.1)
    with pytest.raises(ValueError):
        F.ultimatum([0.1], [0.2], 0.5, 0.1, 0.1, proposer="c")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        F.acceptance([0.1], np.zeros((2, 2)))
    with pytest.raises(ValueError):
        F.uniform_cost(0.0)


# --- the package space against a brute-force loop ---------------------------------------


def oracle_space(tables: Sequence[np.ndarray]) -> tuple[list[float], list[float]]:
    """Package utilities by itertools.product over the tables (last issue fastest)."""
    u_a: list[float] = []
    u_b: list[float] = []
    for pkg in itertools.product(*(range(t.shape[1]) for t in tables)):
        u_a.append(sum(float(t[0, o]) for t, o in zip(tables, pkg, strict=True)))
        u_b.append(sum(float(t[1, o]) for t, o in zip(tables, pkg, strict=True)))
    return u_a, u_b


def oracle(
    u_a: list[float],
    u_b: list[float],
    p: float,
    c_a: float,
    c_b: float,
    proposer: str,
    belief: float | list[float] | Callable[[float], float],
    loser: str,
) -> dict[str, float]:
    """Plain-Python reading of the model, sharing no code with zopa.analysis.fearon.

    The winner imposes its best packages (within 1e-9), the loser's favourite among them,
    then the lowest index; war values are the lottery over the two imposed packages (or
    the loser's worst, ``loser="worst"``) minus the cost; the responder accepts package i
    iff its cost c >= (its war lottery - its utility of i) - 1e-9, with P over the belief
    (a known number, a list sample, or a scalar CDF F via 1 - F); the proposer's payoff is
    P u + (1 - P) w; the optimum is the lowest index within 1e-12 (relative) of the max.
    """
    tol = 1e-9
    n = len(u_a)

    def imposed(win: list[float], lose: list[float]) -> int:
        top = max(win)
        cands = [i for i in range(n) if win[i] >= top - tol]
        best = max(lose[i] for i in cands)
        return next(i for i in cands if lose[i] >= best - tol)

    i_a, i_b = imposed(u_a, u_b), imposed(u_b, u_a)
    a_lose = u_a[i_b] if loser == "imposed" else min(u_a)
    b_lose = u_b[i_a] if loser == "imposed" else min(u_b)
    gross_a = p * u_a[i_a] + (1 - p) * a_lose
    gross_b = p * b_lose + (1 - p) * u_b[i_b]
    w_a, w_b = gross_a - c_a, gross_b - c_b
    if proposer == "a":
        up, ur, wp, gr = u_a, u_b, w_a, gross_b
    else:
        up, ur, wp, gr = u_b, u_a, w_b, gross_a
    values, accepts = [], []
    for i in range(n):
        g = gr - ur[i] - tol
        if callable(belief):
            acc = min(1.0, max(0.0, 1.0 - belief(g)))
        elif isinstance(belief, list):
            acc = sum(1 for c in belief if c >= g) / len(belief)
        else:
            acc = 1.0 if belief >= g else 0.0
        accepts.append(acc)
        values.append(acc * up[i] + (1 - acc) * wp)
    top = max(values)
    best = next(i for i in range(n) if values[i] >= top - 1e-12 * max(1.0, abs(top)))
    in_set = sum(1 for i in range(n) if u_a[i] >= w_a - tol and u_b[i] >= w_b - tol)
    return {
        "w_a": w_a,
        "w_b": w_b,
        "i_a": i_a,
        "i_b": i_b,
        "index": best,
        "value": values[best],
        "p_accept": accepts[best],
        "size": in_set,
    }


def make_space(tables: list[np.ndarray]) -> Space:
    """A two-decider Space with the given (actor, option) weighted-utility tables."""
    k = len(tables)
    return Space(
        scenario="t",
        title="t",
        actors=("a", "b"),
        deciders=np.array([0, 1]),
        issues=tuple(f"i{j}" for j in range(k)),
        options=tuple(tuple(f"o{o}" for o in range(t.shape[1])) for t in tables),
        option_at=tuple(np.arange(t.shape[1], dtype=float) for t in tables),
        tables=tuple(tables),
        allowed=tuple(np.ones(t.shape, dtype=bool) for t in tables),
        reservation=np.zeros(2),
        capability=np.ones(2),
        veto=np.zeros(2, dtype=bool),
        quota=2,
    )


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    seed=st.integers(0, 2**32 - 1),
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=4),
    p=prob,
    c_a=st.floats(0.0, 0.5),
    c_b=st.floats(0.0, 0.5),
    proposer=st.sampled_from(["a", "b"]),
    kind=st.sampled_from(["uniform", "sample", "known", "scipy"]),
    loser=st.sampled_from(["imposed", "worst"]),
    coarse=st.booleans(),
)
def test_package_space_matches_brute_force(
    seed: int,
    shape: list[int],
    p: float,
    c_a: float,
    c_b: float,
    proposer: F.Side,
    kind: str,
    loser: F.Loser,
    coarse: bool,
) -> None:
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.ones(len(shape)), size=2)
    tables = []
    for k, m in enumerate(shape):
        u = rng.uniform(0, 1, (2, m))
        if coarse:  # many ties, and issues an actor does not care about
            u = np.round(u * 2) / 2
            u[rng.integers(2)] *= rng.integers(2)
        tables.append(weights[:, k : k + 1] * u)
    space = make_space(tables)
    u = space.utilities(np.arange(space.size))
    ua, ub = oracle_space(tables)
    assert np.allclose(u, [ua, ub], atol=1e-12)

    c_resp = c_b if proposer == "a" else c_a
    belief: F.CostBelief
    obelief: float | list[float] | Callable[[float], float]
    if kind == "uniform":
        belief = F.uniform_cost(0.6)
        obelief = lambda g: min(1.0, max(0.0, g / 0.6))  # noqa: E731
    elif kind == "scipy":
        belief = stats.expon(scale=0.2)
        obelief = lambda g: 1 - math.exp(-g / 0.2) if g > 0 else 0.0  # noqa: E731
    elif kind == "sample":
        draws = np.round(rng.uniform(0, 0.6, 25), 2)
        belief, obelief = draws, draws.tolist()
    else:
        belief, obelief = c_resp, c_resp

    got = F.ultimatum(u[0], u[1], p, c_a, c_b, proposer=proposer, belief=belief, loser=loser)
    ref = oracle(ua, ub, p, c_a, c_b, proposer, obelief, loser)
    assert got.war.w_a == pytest.approx(ref["w_a"], abs=1e-12)
    assert got.war.w_b == pytest.approx(ref["w_b"], abs=1e-12)
    assert (got.war.imposed_a, got.war.imposed_b) == (ref["i_a"], ref["i_b"])
    assert got.index == ref["index"]
    assert got.value == pytest.approx(ref["value"], abs=1e-12)
    assert got.p_accept == pytest.approx(ref["p_accept"], abs=1e-12)
    assert got.p_war == pytest.approx(1 - ref["p_accept"], abs=1e-12)
    rng_set = F.bargaining_set(u[0], u[1], p, c_a, c_b, loser=loser)
    assert rng_set.size == ref["size"]


def test_chunked_scan_finds_the_same_offer() -> None:
    """The chunk-level functions streamed through zopa.analysis.solutions.Best give the optimum."""
    rng = np.random.default_rng(3)
    u_a, u_b = rng.uniform(0, 1, (2, 5000))
    war = F.war_values(u_a, u_b, 0.55, 0.1, 0.15)
    belief = F.uniform_cost(0.5)
    best = Best()
    inside = 0
    for lo in range(0, 5000, 777):
        sl = slice(lo, lo + 777)
        eu, _ = F.expected_payoff(u_a[sl], u_b[sl], war.w_a, war.gross_b, belief)
        best.update(eu, np.arange(lo, min(lo + 777, 5000)))
        inside += int(F.in_range(u_a[sl], u_b[sl], war).sum())
    whole = F.ultimatum(u_a, u_b, 0.55, 0.1, 0.15, belief=belief)
    assert best.result() == (whole.index, pytest.approx(whole.value))
    assert inside == F.bargaining_set(u_a, u_b, 0.55, 0.1, 0.15).size
