"""Tests of Powell's shifting-power model (zopa.analysis.powell).

The oracle is :func:`zopa.analysis.powell.backward_induction`: the game played over a grid of
4001 offers on a finite horizon long enough for d^k to fall below 1e-10, solved backwards
from the last period by trying every offer (no algebra beyond the war payoffs). The
closed-form solution, the explicit condition for a rising proposer and Powell's bound
are compared with it on hypothesis-drawn power paths (derandomized, so the examples are
the same on every run). Near a boundary the grid moves the answer: where the two
disagree, the closed-form margin must be within 1e-2 of zero (the grid error in values is
at most 1/(4000 (1 - d)) = 2.5e-3 for d <= 0.9).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zopa.analysis import powell as P

NEAR = 1e-2

power = st.floats(0.0, 1.0)
discount = st.floats(0.5, 0.9)
cost = st.floats(0.0, 1.5)
paths = st.lists(power, min_size=1, max_size=5)


def close_call(margin: np.ndarray, *firsts: int | None) -> bool:
    """Whether some period up to the later of the first wars is within NEAR of a switch."""
    last = max(len(margin) - 1 if f is None else f for f in firsts)
    return bool((np.abs(margin[: last + 1]) < NEAR).any())


def test_war_payoffs() -> None:
    v_a, v_b = P.war_payoffs([0.2, 0.5], 0.9, 0.3, 0.4)
    assert v_a == pytest.approx([2.0 - 0.3, 5.0 - 0.3])
    assert v_b == pytest.approx([8.0 - 0.4, 5.0 - 0.4])


def test_bad_inputs() -> None:
    for args in [([], 0.9, 0.1, 0.1), ([1.2], 0.9, 0.1, 0.1), ([0.5], 1.0, 0.1, 0.1)]:
        with pytest.raises(ValueError):
            P.preventive_war_periods(*args)
    with pytest.raises(ValueError):
        P.preventive_war_periods([0.5], 0.9, -0.1, 0.1)
    with pytest.raises(ValueError):
        P.backward_induction([0.5], 0.9, 0.1, 0.1, proposer="c")  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(p=power, n=st.integers(1, 6), d=st.floats(0.01, 0.99), c_a=cost, c_b=cost)
def test_constant_power_never_war(p: float, n: int, d: float, c_a: float, c_b: float) -> None:
    for proposer in ("a", "b"):
        got = P.preventive_war_periods([p] * n, d, c_a, c_b, proposer=proposer)
        assert not got.war and got.first is None
        assert (got.margin <= 1e-9).all()
    assert (P.declining_margins([p] * n, d, c_b) <= 1e-12).all()
    assert not P.powell_bound([p] * n, d, c_a, c_b).war


@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("proposer", ["a", "b"])
def test_constant_power_never_war_brute_force(p: float, proposer: P.Side) -> None:
    got = P.backward_induction([p] * 3, 0.9, 0.0, 0.0, proposer=proposer)
    assert not got.war and got.period is None


def test_worked_example_and_the_correction() -> None:
    """p: 0.3 -> 0.42, d = 0.9, c_A = c_B = 0.5. With A (rising) offering, B's war value
    6.5 beats the most it can get in peace, 1 + 0.9 V_B(1) = 1 + 0.9 * 5.3 = 5.77: war at 0.
    Powell's bound (A held to its war value 3.7 from t = 1: 1 + 0.9 * 6.3 = 6.67 > 6.5)
    says no war, which is right when B makes the offers."""
    path, d, c = [0.3, 0.42], 0.9, 0.5
    rising = P.preventive_war_periods(path, d, c, c, proposer="a")
    assert rising.first == 0 and rising.attacker[0] == "b"
    assert rising.margin[0] == pytest.approx(6.5 - 5.77)
    assert P.declining_margins(path, d, c)[0] == pytest.approx(0.9 * 0.42 - 0.3 - 0.01 * c)
    assert P.backward_induction(path, d, c, c, proposer="a").period == 0
    bound = P.powell_bound(path, d, c, c)
    assert bound.first is None
    assert bound.margin[0] == pytest.approx(0.9 * 0.42 - 0.3 - 0.1 * (0.5 + 0.9 * 0.5))
    assert P.preventive_war_periods(path, d, c, c, proposer="b").first is None
    assert P.backward_induction(path, d, c, c, proposer="b").period is None


@settings(max_examples=200, deadline=None, derandomize=True)
@given(p=paths, d=discount, c_a=cost, c_b=cost, proposer=st.sampled_from(["a", "b"]))
def test_closed_form_matches_backward_induction(
    p: list[float], d: float, c_a: float, c_b: float, proposer: P.Side
) -> None:
    """Any path (rising, falling or both), either proposer: same first war and attacker."""
    cf = P.preventive_war_periods(p, d, c_a, c_b, proposer=proposer)
    bf = P.backward_induction(p, d, c_a, c_b, proposer=proposer)
    if close_call(cf.margin, cf.first, bf.period):
        return
    assert bf.period == cf.first
    assert bf.attacker == (cf.attacker[cf.first] if cf.first is not None else None)
    tol = 2.0 / (4000 * (1 - d))
    assert bf.value_a == pytest.approx(cf.value_a, abs=tol)
    assert bf.value_b == pytest.approx(cf.value_b, abs=tol)
    calm = slice(0, len(p) if cf.first is None else cf.first)  # the peaceful periods
    assert not np.isnan(bf.offer[calm]).any()
    assert np.allclose(bf.offer[calm], cf.offer[calm], atol=tol)


@settings(max_examples=80, deadline=None, derandomize=True)
@given(p=paths, d=discount, c_a=cost, c_b=cost)
def test_explicit_condition_for_a_rising_proposer(
    p: list[float], d: float, c_a: float, c_b: float
) -> None:
    """Nondecreasing p, A offering: B fights at t iff declining_margins[t] > 0, which is
    (1 - d) times B's shortfall; checked against the closed form and the brute force."""
    path = sorted(p)
    explicit = P.declining_margins(path, d, c_b)
    cf = P.preventive_war_periods(path, d, c_a, c_b, proposer="a")
    assert set(cf.attacker) <= {"", "b"}
    decisive = np.abs(explicit) > 1e-9
    fights = np.array([who == "b" for who in cf.attacker])
    assert np.array_equal((explicit > 0)[decisive], fights[decisive])
    first = int(np.argmax(explicit > 0)) if (explicit > 0).any() else None
    bf = P.backward_induction(path, d, c_a, c_b, proposer="a")
    if not close_call(np.minimum(np.abs(explicit) / (1 - d), np.abs(cf.margin)), first, bf.period):
        assert bf.period == first


@settings(max_examples=80, deadline=None, derandomize=True)
@given(p0=power, p1=power, d=discount, c_a=cost, c_b=cost)
def test_two_period_game(p0: float, p1: float, d: float, c_a: float, c_b: float) -> None:
    """T = 1, A rising (p_1 >= p_0). A offering: war at 0 iff d min(p_1, 1 - (1 - d) c_B)
    - p_0 > (1 - d)^2 c_B. B offering: war at 0 iff Powell's bound d p_1 - p_0 > (1 - d)(c_B +
    d c_A). Both against the brute force."""
    p0, p1 = min(p0, p1), max(p0, p1)
    hat = min(p1, 1 - (1 - d) * c_b)
    rising = d * hat - p0 - (1 - d) ** 2 * c_b
    bound = d * p1 - p0 - (1 - d) * (c_b + d * c_a)
    assert P.declining_margins([p0, p1], d, c_b)[0] == pytest.approx(rising, abs=1e-12)
    assert P.powell_bound([p0, p1], d, c_a, c_b).margin[0] == pytest.approx(bound, abs=1e-12)
    for margin, proposer in ((rising, "a"), (bound, "b")):
        cf = P.preventive_war_periods([p0, p1], d, c_a, c_b, proposer=proposer)  # type: ignore[arg-type]
        bf = P.backward_induction([p0, p1], d, c_a, c_b, proposer=proposer)  # type: ignore[arg-type]
        if abs(margin) / (1 - d) > 1e-8:  # beyond the indifference tolerance (1e-9)
            assert cf.war == (margin > 0)
            assert cf.first in (None, 0) and (not cf.war or cf.attacker[0] == "b")
        # where a side is indifferent (the proposer, when war costs nothing) the brute
        # force's grid of offers decides: only clear calls are compared with it
        if abs(margin) / (1 - d) > NEAR and not close_call(cf.margin, cf.first, bf.period):
            assert bf.war == (margin > 0)
            assert bf.period in (None, 0)


@settings(max_examples=80, deadline=None, derandomize=True)
@given(p=paths, d=discount, c_a=cost, c_b=cost, proposer=st.sampled_from(["a", "b"]))
def test_powell_bound_is_sufficient(
    p: list[float], d: float, c_a: float, c_b: float, proposer: P.Side
) -> None:
    """Where Powell's bound holds, war breaks out (if reached) whoever proposes."""
    bound = P.powell_bound(p, d, c_a, c_b)
    cf = P.preventive_war_periods(p, d, c_a, c_b, proposer=proposer)
    strict = bound.margin > 1e-12
    assert (cf.margin[strict] > 0).all()
    if strict.any():
        assert cf.first is not None and cf.first <= int(np.argmax(strict))


def test_a_falling_proposer_attacks() -> None:
    """A's power collapses (1 -> 0) while A makes the offers: A itself strikes first."""
    cf = P.preventive_war_periods([1.0, 0.0], 0.9, 0.5, 0.5, proposer="a")
    assert cf.first == 0 and cf.attacker[0] == "a"
    bf = P.backward_induction([1.0, 0.0], 0.9, 0.5, 0.5, proposer="a")
    assert (bf.period, bf.attacker) == (0, "a")
