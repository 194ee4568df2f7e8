"""Distributions: parameters checked, ppf exact against scipy, sampling reproducible.

Every distribution is compared with a scipy.stats frozen distribution built here from the
documented parameterisation (not from the module's own helpers), so a wrong mapping of
parameters would show. Monte Carlo checks are seeded and use 5-standard-error bounds.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from scipy import stats

from zopa.scenario.distributions import (
    KINDS,
    Beta,
    Distribution,
    Lognormal,
    Normal,
    Triangular,
    Uniform,
    is_distribution,
    latin_hypercube,
    parse_distribution,
    uniforms,
)


def scipy_twin(raw: dict[str, Any]) -> Any:
    """The scipy.stats frozen distribution that ``raw`` documents."""
    ((kind, p),) = raw.items()
    if kind == "uniform":
        lo, hi = p
        return stats.uniform(loc=lo, scale=hi - lo)
    if kind == "triangular":
        lo, mode, hi = p
        return stats.triang((mode - lo) / (hi - lo), loc=lo, scale=hi - lo)
    if kind == "normal":
        m, s = p["mean"], p["sd"]
        lo, hi = p.get("lo", -math.inf), p.get("hi", math.inf)
        return stats.truncnorm((lo - m) / s, (hi - m) / s, loc=m, scale=s)
    if kind == "beta":
        lo, hi = p.get("lo", 0.0), p.get("hi", 1.0)
        return stats.beta(p["a"], p["b"], loc=lo, scale=hi - lo)
    assert kind == "lognormal"
    mu = p["mu"] if "mu" in p else math.log(p["median"])
    return stats.lognorm(p["sigma"], scale=math.exp(mu))


CASES: list[dict[str, Any]] = [
    {"uniform": [0.2, 0.6]},
    {"uniform": [-5, 10]},
    {"triangular": [0.0, 0.3, 1.0]},
    {"triangular": [0.0, 0.0, 2.0]},
    {"triangular": [-1.0, 3.0, 3.0]},
    {"normal": {"mean": 0.5, "sd": 0.2}},
    {"normal": {"mean": 0.5, "sd": 0.2, "lo": 0.0, "hi": 1.0}},
    {"normal": {"mean": 0.1, "sd": 0.3, "lo": 0.0}},
    {"normal": {"mean": 0.0, "sd": 1.0, "hi": -1.5}},
    {"beta": {"a": 2, "b": 5}},
    {"beta": {"a": 0.5, "b": 0.5, "lo": 10, "hi": 20}},
    {"lognormal": {"mu": 0.0, "sigma": 0.5}},
    {"lognormal": {"median": 3.0, "sigma": 1.0}},
]
IDS = [str(raw) for raw in CASES]
N = 200_000


@pytest.mark.parametrize("raw", CASES, ids=IDS)
def test_mean_and_support_match_scipy(raw: dict[str, Any]) -> None:
    d = parse_distribution(raw)
    twin = scipy_twin(raw)
    assert d.mean == pytest.approx(twin.mean(), rel=1e-9, abs=1e-12)
    lo, hi = d.support
    assert (lo, hi) == pytest.approx(twin.support())


@pytest.mark.parametrize("raw", CASES, ids=IDS)
def test_ppf_is_the_inverse_of_scipys_cdf(raw: dict[str, Any]) -> None:
    d = parse_distribution(raw)
    twin = scipy_twin(raw)
    q = np.linspace(0.0, 1.0, 1001)[1:-1]
    x = d.ppf(q)
    assert x.shape == q.shape
    assert np.all(np.diff(x) >= 0)
    np.testing.assert_allclose(twin.cdf(x), q, atol=1e-9)
    np.testing.assert_allclose(x, twin.ppf(q), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(d.cdf(x), q, atol=1e-9)
    lo, hi = d.support
    assert d.ppf(0.0) == pytest.approx(lo) and d.ppf(1.0) == pytest.approx(hi)


@pytest.mark.parametrize("raw", CASES, ids=IDS)
def test_sample_mean_and_quantiles_within_monte_carlo_error(raw: dict[str, Any]) -> None:
    d = parse_distribution(raw)
    twin = scipy_twin(raw)
    x = d.sample(np.random.default_rng(20260501), N)
    assert x.shape == (N,) and x.dtype == np.float64
    assert abs(x.mean() - d.mean) <= 5 * twin.std() / math.sqrt(N)
    for q in (0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99):
        share = np.mean(x <= d.ppf(q))
        assert abs(share - q) <= 5 * math.sqrt(q * (1 - q) / N)
        # the sample quantile's standard error is sqrt(q (1 - q) / N) / density
        se = math.sqrt(q * (1 - q) / N) / twin.pdf(twin.ppf(q))
        assert abs(np.quantile(x, q) - twin.ppf(q)) <= 5 * se
    lo, hi = d.support
    assert np.all((x >= lo) & (x <= hi))


def test_monte_carlo_error_shrinks_as_one_over_root_n() -> None:
    d = parse_distribution({"triangular": [0, 1, 4]})
    rng = np.random.default_rng(7)
    spread = {}
    for n in (100, 10_000):
        means = np.array([d.sample(rng, n).mean() for _ in range(400)])
        spread[n] = means.std()
    assert spread[100] / spread[10_000] == pytest.approx(10.0, rel=0.15)


@pytest.mark.parametrize("raw", CASES, ids=IDS)
def test_same_seed_same_bytes(raw: dict[str, Any]) -> None:
    d = parse_distribution(raw)
    a = d.sample(np.random.default_rng(123), 5000)
    b = d.sample(np.random.default_rng(123), 5000)
    assert a.tobytes() == b.tobytes()
    assert a.tobytes() != d.sample(np.random.default_rng(124), 5000).tobytes()


@pytest.mark.parametrize("raw", CASES, ids=IDS)
def test_sampling_is_inverse_cdf_of_rng_random(raw: dict[str, Any]) -> None:
    d = parse_distribution(raw)
    expected = d.ppf(np.random.default_rng(5).random(1000))
    np.testing.assert_array_equal(d.sample(np.random.default_rng(5), 1000), expected)


def test_common_random_numbers_give_comonotone_draws() -> None:
    u = uniforms(np.random.default_rng(9), 2000)
    low = parse_distribution({"normal": {"mean": 0.3, "sd": 0.1}}).ppf(u)
    high = parse_distribution({"beta": {"a": 2, "b": 2}}).ppf(u)
    assert np.array_equal(np.argsort(low, kind="stable"), np.argsort(high, kind="stable"))
    again = parse_distribution({"normal": {"mean": 0.3, "sd": 0.1}})
    assert np.array_equal(again.sample(np.random.default_rng(9), 2000), low)


class _ZeroRng:
    def random(self, n: int) -> np.ndarray:
        return np.zeros(n)


def test_an_exact_zero_draw_stays_finite() -> None:
    u = uniforms(_ZeroRng(), 3)  # type: ignore[arg-type]
    assert np.all(u > 0)
    for raw in CASES:
        x = parse_distribution(raw).sample(_ZeroRng(), 2)  # type: ignore[arg-type]
        assert np.all(np.isfinite(x)), raw


@pytest.mark.parametrize(
    "raw",
    [
        {"normal": {"mean": 0.0, "sd": 1.0, "lo": 40.0, "hi": 41.0}},
        {"normal": {"mean": 0.0, "sd": 1.0, "lo": 40.0}},
        {"normal": {"mean": 0.0, "sd": 1.0, "hi": -40.0}},
        {"normal": {"mean": 0.0, "sd": 1.0, "lo": 5.0, "hi": 5.000001}},
        {"normal": {"mean": 0.9, "sd": 5.0, "lo": 0.0, "hi": 1.0}},
        {"normal": {"mean": 0.5, "sd": 0.001, "lo": 0.0, "hi": 1.0}},
    ],
)
def test_truncated_normal_stays_in_bounds(raw: dict[str, Any]) -> None:
    d = parse_distribution(raw)
    lo, hi = d.support
    with np.errstate(all="raise"):  # the caller's error state does not leak in
        x = d.sample(np.random.default_rng(3), 50_000)
    assert np.all(np.isfinite(x))
    assert np.all((x >= lo) & (x <= hi))
    assert lo <= d.mean <= hi


INVALID: list[tuple[Any, str, tuple[str, ...]]] = [
    ({"uniform": [1, 0]}, "lo (1) must be less than hi (0)", ("uniform",)),
    ({"uniform": [1, 1]}, "lo (1) must be less than hi (1)", ("uniform",)),
    ({"uniform": [0]}, "uniform is written [lo, hi]: a list of 2 numbers, got 1", ("uniform",)),
    ({"uniform": [0, "1"]}, "valid number", ("uniform", "hi")),
    ({"uniform": [0, True]}, "valid number", ("uniform", "hi")),
    ({"uniform": [0, float("inf")]}, "finite number", ("uniform", "hi")),
    ({"uniform": 3}, "uniform takes [lo, hi] or a mapping, got int", ("uniform",)),
    ({"triangular": [0, 2, 1]}, "mode (2) must lie in [lo, hi] = [0, 1]", ("triangular",)),
    ({"triangular": [0, 0.5]}, "a list of 3 numbers, got 2", ("triangular",)),
    ({"normal": {"mean": 0, "sd": 0}}, "greater than 0", ("normal", "sd")),
    ({"normal": {"mean": 0, "sd": -1}}, "greater than 0", ("normal", "sd")),
    ({"normal": {"sd": 1}}, "Field required", ("normal", "mean")),
    ({"normal": {"mean": 0, "sd": 1, "lo": 2, "hi": 1}}, "lo (2) must be less", ("normal",)),
    ({"normal": {"mean": 0, "sd": 1, "max": 2}}, "Extra inputs", ("normal", "max")),
    ({"normal": [0, 1]}, "normal takes a mapping, got list", ("normal",)),
    ({"beta": {"a": 0, "b": 1}}, "greater than 0", ("beta", "a")),
    ({"beta": {"a": 1, "b": -2}}, "greater than 0", ("beta", "b")),
    ({"beta": {"a": 1, "b": 1, "lo": 1, "hi": 0}}, "lo (1) must be less", ("beta",)),
    ({"lognormal": {"sigma": 1}}, "give either mu or median", ("lognormal",)),
    ({"lognormal": {"mu": 0, "median": 1, "sigma": 1}}, "not both", ("lognormal",)),
    ({"lognormal": {"median": 0, "sigma": 1}}, "greater than 0", ("lognormal", "median")),
    ({"lognormal": {"mu": 0, "sigma": 0}}, "greater than 0", ("lognormal", "sigma")),
    ({"lognormal": {"mu": 690, "sigma": 2}}, "overflow", ("lognormal",)),
    ({"gauss": {"mean": 0}}, "exactly one key: uniform, triangular, normal, beta or", ()),
    ({"uniform": [0, 1], "normal": {}}, "exactly one key", ()),
    ({}, "exactly one key", ()),
    (0.5, "exactly one key", ()),
]


@pytest.mark.parametrize(("raw", "message", "loc"), INVALID, ids=[str(r) for r, _, _ in INVALID])
def test_invalid_parameters_are_rejected_clearly(
    raw: Any, message: str, loc: tuple[str, ...]
) -> None:
    with pytest.raises(ValidationError) as info:
        parse_distribution(raw)
    (error,) = info.value.errors()
    assert message in error["msg"]
    assert error["loc"] == loc
    assert str(info.value).startswith("1 validation error for distribution")


def test_other_keys_beside_the_kind_are_refused_by_the_model() -> None:
    with pytest.raises(ValidationError, match="takes no other keys"):
        Uniform.model_validate({"uniform": [0, 1], "source": "x"})


def test_models_are_frozen_and_typed() -> None:
    d = parse_distribution({"uniform": [0, 1]})
    assert isinstance(d, Uniform)
    with pytest.raises(ValidationError):
        d.lo = 0.5  # type: ignore[misc]
    assert isinstance(parse_distribution({"triangular": [0, 1, 2]}), Triangular)
    assert isinstance(parse_distribution({"normal": {"mean": 0, "sd": 1}}), Normal)
    assert isinstance(parse_distribution({"beta": {"a": 1, "b": 1}}), Beta)
    assert isinstance(parse_distribution({"lognormal": {"mu": 0, "sigma": 1}}), Lognormal)


def test_mapping_forms_and_direct_construction() -> None:
    assert parse_distribution({"uniform": {"lo": 0, "hi": 2}}) == Uniform(lo=0, hi=2)
    assert parse_distribution({"triangular": {"lo": 0, "mode": 1, "hi": 2}}) == Triangular(
        lo=0, mode=1, hi=2
    )
    assert Normal.model_validate({"mean": 1, "sd": 2}) == Normal(loc=1, sd=2)
    median = parse_distribution({"lognormal": {"median": math.e, "sigma": 1}})
    assert isinstance(median, Lognormal)
    assert median.log_median == pytest.approx(1.0)


@pytest.mark.parametrize("raw", CASES, ids=IDS)
def test_to_raw_round_trips(raw: dict[str, Any]) -> None:
    d = parse_distribution(raw)
    assert parse_distribution(d.to_raw()) == d
    assert next(iter(d.to_raw())) == next(iter(raw))


def test_usable_as_a_pydantic_field() -> None:
    class Holder(BaseModel):
        cost: Distribution
        others: list[Distribution] = []

    h = Holder.model_validate({"cost": {"beta": {"a": 2, "b": 3}}, "others": [{"uniform": [0, 1]}]})
    assert isinstance(h.cost, Beta) and isinstance(h.others[0], Uniform)
    with pytest.raises(ValidationError) as info:
        Holder.model_validate({"cost": {"beta": {"a": -2, "b": 3}}})
    assert info.value.errors()[0]["loc"] == ("cost", "beta", "a")


def test_is_distribution() -> None:
    assert KINDS == ("uniform", "triangular", "normal", "beta", "lognormal")
    assert is_distribution({"uniform": [0, 1]})
    assert is_distribution({"normal": {"mean": 0, "sd": 1}, "source": {}})
    assert not is_distribution({"value": 0.4})
    assert not is_distribution(0.4)


def test_kinds_is_the_one_list_of_distributions() -> None:
    """Every class's kind, the number's fields and the reserved keys follow KINDS."""
    from typing import get_args

    from zopa.scenario.schema import RESERVED_KEYS, Number

    union = get_args(get_args(Distribution)[0])
    assert tuple(get_args(member)[0].kind for member in union) == KINDS
    assert all(k in Number.model_fields for k in KINDS)
    assert set(KINDS) <= RESERVED_KEYS
    with pytest.raises(ValidationError, match="uniform, triangular, normal, beta or lognormal"):
        parse_distribution({"gamma": [1, 2]})


def test_probe_is_the_5_and_95_percent_quantiles() -> None:
    d = parse_distribution({"uniform": [0, 10]})
    assert d.probe() == (0.5, 9.5)
    n = parse_distribution({"normal": {"mean": 0, "sd": 1}})
    assert n.probe() == (float(n.ppf(0.05)), float(n.ppf(0.95)))


def test_ppf_refuses_probabilities_outside_the_unit_interval() -> None:
    d = parse_distribution({"uniform": [0, 1]})
    with pytest.raises(ValueError, match="quantiles must lie in"):
        d.ppf([0.5, 1.5])
    with pytest.raises(ValueError, match="quantiles must lie in"):
        d.ppf(np.nan)


def test_latin_hypercube_is_stratified_and_reproducible() -> None:
    n, k = 50, 4
    u = latin_hypercube(np.random.default_rng(11), n, k)
    assert u.shape == (n, k)
    assert np.all((u > 0) & (u < 1))
    for j in range(k):
        assert sorted(np.floor(u[:, j] * n).astype(int)) == list(range(n))
    assert np.array_equal(u, latin_hypercube(np.random.default_rng(11), n, k))
    with pytest.raises(ValueError, match="n >= 1"):
        latin_hypercube(np.random.default_rng(11), 0, 2)


def test_latin_hypercube_mean_is_more_precise_than_plain_sampling() -> None:
    d = parse_distribution({"lognormal": {"mu": 0, "sigma": 0.5}})
    rng = np.random.default_rng(2)
    plain = [d.sample(rng, 100).mean() for _ in range(300)]
    lhs = [d.ppf(latin_hypercube(rng, 100, 1)[:, 0]).mean() for _ in range(300)]
    assert np.std(lhs) < np.std(plain) / 3


finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
positive = st.floats(0.05, 20, allow_nan=False)


@st.composite
def valid_raw(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(KINDS))
    lo = draw(finite)
    hi = lo + draw(st.floats(1e-3, 1e3))
    if kind == "uniform":
        return {"uniform": [lo, hi]}
    if kind == "triangular":
        return {"triangular": [lo, lo + (hi - lo) * draw(st.floats(0, 1)), hi]}
    if kind == "normal":
        mean, sd = draw(finite), draw(st.floats(0.01, 100))
        body: dict[str, Any] = {"mean": mean, "sd": sd}
        start = mean + sd * draw(st.floats(-8, 8))
        if draw(st.booleans()):
            body["lo"] = start
        if draw(st.booleans()):
            body["hi"] = start + sd * draw(st.floats(0.01, 16))
        return {"normal": body}
    if kind == "beta":
        return {"beta": {"a": draw(positive), "b": draw(positive), "lo": lo, "hi": hi}}
    return {"lognormal": {"mu": draw(st.floats(-5, 5)), "sigma": draw(st.floats(0.05, 2))}}


@settings(max_examples=200, deadline=None)
@given(
    raw=valid_raw(),
    q=st.lists(st.floats(0, 1, exclude_min=True, exclude_max=True), min_size=1, max_size=20),
)
def test_ppf_properties_for_random_valid_parameters(raw: dict[str, Any], q: list[float]) -> None:
    d = parse_distribution(raw)
    qs = np.sort(np.asarray(q))
    x = d.ppf(qs)
    lo, hi = d.support
    assert np.all(np.isfinite(x))
    assert np.all((x >= lo) & (x <= hi))
    assert np.all(np.diff(x) >= 0)
    # q lies between scipy's cdf just below and just above x (a few float spacings: a
    # quantile may not be representable, e.g. beta(5, 0.05) puts q = 0.75 within 1e-16 of 1)
    params = [abs(v) for v in (lo, hi, d.mean) if math.isfinite(v)]
    scale = np.maximum(np.abs(x), max(params, default=0.0))
    delta = 8 * np.finfo(float).eps * scale + 1e-300
    twin = scipy_twin(raw)
    assert np.all(twin.cdf(x - delta) <= qs + 1e-8)
    assert np.all(twin.cdf(x + delta) >= qs - 1e-8)
    assert parse_distribution(d.to_raw()) == d


@pytest.mark.parametrize(("a", "b"), [(5.0, 0.05), (2.0, 0.5), (4.0, 6.0), (0.05, 0.05)])
def test_beta_ppf_is_finite_and_monotone_in_the_far_tail(a: float, b: float) -> None:
    q = np.array([0.0, 5e-324, 1e-310, 1e-300, 1e-200, 1e-131, 1e-129, 1e-100, 1e-20, 0.5])
    x = Beta(a=a, b=b).ppf(q)
    assert np.all(np.isfinite(x))
    assert np.all(np.diff(x) >= 0)
    assert x[0] == 0.0
    if a < 1:  # the quantiles of q < 1e-20 are below the smallest float: not representable
        return
    tail = (q > 1e-300) & (q < 1e-20)
    np.testing.assert_allclose(stats.beta(a, b).logcdf(x[tail]), np.log(q[tail]), rtol=1e-6)
