"""Distributions for any number of a scenario, sampled by inverse CDF (Monte Carlo).

A number that is uncertain is written as a mapping with exactly one of these keys:

========================================  ================================================
``{uniform: [lo, hi]}``                   every value in [lo, hi] equally likely
``{triangular: [lo, mode, hi]}``          triangular on [lo, hi], peak at ``mode``
``{normal: {mean, sd, lo?, hi?}}``        normal, truncated to [lo, hi] if given
``{beta: {a, b, lo?, hi?}}``              beta(a, b) scaled to [lo, hi] (default [0, 1])
``{lognormal: {mu, sigma}}``              ``exp(mu + sigma * Z)``; or ``{median, sigma}``
========================================  ================================================

``uniform`` and ``triangular`` also accept mappings (``{uniform: {lo: 0, hi: 1}}``).
Lognormal takes either ``mu`` (the mean of the logarithm) or ``median`` (= ``exp(mu)``),
never both. Each kind is a frozen pydantic v2 model (unknown keys refused, parameters
checked: ``lo < hi``, ``sd > 0``, ``lo <= mode <= hi``, ``a, b > 0``, ``sigma > 0``,
``median > 0``); :func:`parse_distribution` picks the kind from the mapping's key, and
:data:`Distribution` is the same discriminated union for use as a pydantic field type.
Evidence keys (``source:``, ``assumption:``) belong to the scenario language and must be
split off before parsing.

**Sampling is by inverse CDF.** ``d.sample(rng, n)`` is exactly
``d.ppf(uniforms(rng, n))``, where :func:`uniforms` takes ``rng.random(n)`` and replaces
an exact 0 by ``2**-54`` (so unbounded distributions never give an infinite draw). Hence:

- the same generator state gives the same bytes, whatever the distribution's kind;
- one array of uniforms can drive several scenarios (common random numbers): draw
  ``u = uniforms(rng, n)`` once and use ``d.ppf(u)`` wherever ``d.sample`` would be used,
  so that comparisons between scenarios or lever settings are not blurred by noise;
- :func:`latin_hypercube` gives stratified uniforms for ``k`` numbers at once, to be
  mapped through each number's ``ppf`` in the same way.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    model_validator,
)

KINDS = ("uniform", "triangular", "normal", "beta", "lognormal")  # each class's ``kind``
PROBE = (0.05, 0.95)  # the quantiles :meth:`_Distribution.probe` gives


class _Lazy:
    """scipy.special / scipy.stats, imported on first use (they take ~1 s to import)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        import importlib

        return getattr(importlib.import_module(f"scipy.{self._name}"), attr)


special = _Lazy("special")
stats = _Lazy("stats")

_TINY = 2.0**-54  # replaces an exact 0 from rng.random(): ppf(0) may be -inf

Real = Annotated[float, Field(strict=True, allow_inf_nan=False)]
PositiveReal = Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0)]
Array = NDArray[np.float64]


def uniforms(rng: np.random.Generator, n: int) -> Array:
    """``n`` uniform draws in (0, 1): ``rng.random(n)`` with an exact 0 replaced by 2**-54."""
    u = rng.random(n)
    u[u == 0.0] = _TINY
    return u


def latin_hypercube(rng: np.random.Generator, n: int, k: int) -> Array:
    """An ``(n, k)`` Latin hypercube of uniforms in (0, 1).

    Each column has exactly one draw in each of the strata ``[i/n, (i+1)/n)``, in random
    order, independently across columns. Map column ``j`` through the ``ppf`` of the
    ``j``-th number. Deterministic for a given generator state.
    """
    if n < 1 or k < 1:
        raise ValueError(f"a Latin hypercube needs n >= 1 and k >= 1, got n={n}, k={k}")
    strata = np.argsort(rng.random((n, k)), axis=0, kind="stable")
    u: Array = (strata + rng.random((n, k))) / n
    return np.clip(u, _TINY, np.nextafter(1.0, 0.0))


def _quantiles(q: ArrayLike) -> Array:
    arr = np.asarray(q, dtype=np.float64)
    if not np.all((arr >= 0.0) & (arr <= 1.0)):
        raise ValueError("quantiles must lie in [0, 1]")
    return arr


class _Distribution(BaseModel):
    """What every kind provides; subclasses set ``kind`` and the list form's fields."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    kind: ClassVar[str] = ""
    positional: ClassVar[tuple[str, ...]] = ()  # field names of the list form, if any

    @model_validator(mode="before")
    @classmethod
    def _unwrap(cls, raw: Any) -> Any:
        """``{kind: body}`` -> the model's fields; a flat mapping of fields passes through."""
        if not (isinstance(raw, Mapping) and cls.kind in raw):
            return raw
        if len(raw) != 1:
            others = ", ".join(sorted(str(k) for k in raw if k != cls.kind))
            raise ValueError(f"a {cls.kind} distribution takes no other keys (got {others})")
        body = raw[cls.kind]
        if cls.positional and isinstance(body, Sequence) and not isinstance(body, str):
            if len(body) != len(cls.positional):
                form = ", ".join(cls.positional)
                raise ValueError(
                    f"{cls.kind} is written [{form}]: a list of {len(cls.positional)} numbers,"
                    f" got {len(body)}"
                )
            return dict(zip(cls.positional, body, strict=True))
        if not isinstance(body, Mapping):
            form = f"[{', '.join(cls.positional)}] or a mapping" if cls.positional else "a mapping"
            raise ValueError(f"{cls.kind} takes {form}, got {type(body).__name__}")
        return dict(body)

    def to_raw(self) -> dict[str, Any]:
        """The scenario-language form, e.g. ``{"uniform": [0.2, 0.4]}``."""
        fields = self.model_dump(exclude_none=True)
        if self.positional:
            return {self.kind: [fields[name] for name in self.positional]}
        return {self.kind: fields}

    @property
    def support(self) -> tuple[float, float]:
        """The smallest and largest possible values (may be infinite)."""
        raise NotImplementedError

    @property
    def mean(self) -> float:
        """The expected value."""
        raise NotImplementedError

    def ppf(self, q: ArrayLike) -> Array:
        """The inverse CDF (quantile function), vectorised over ``q`` in [0, 1]."""
        raise NotImplementedError

    def cdf(self, x: ArrayLike) -> Array:
        """The CDF, vectorised over ``x``."""
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, n: int) -> Array:
        """``n`` draws: ``self.ppf(uniforms(rng, n))`` (inverse CDF; see the module doc)."""
        return self.ppf(uniforms(rng, n))

    def probe(self) -> tuple[float, float]:
        """The 5% and 95% quantiles (:data:`PROBE`): the ends a leverage swing gives an
        uncertain number, and the two values tried to tell whether it moves anything."""
        lo, hi = (float(self.ppf(q)) for q in PROBE)
        return lo, hi


def _check_interval(lo: float, hi: float) -> None:
    if not lo < hi:
        raise ValueError(f"lo ({lo:g}) must be less than hi ({hi:g})")


class Uniform(_Distribution):
    """``{uniform: [lo, hi]}``: every value in [lo, hi] equally likely."""

    kind: ClassVar[str] = "uniform"
    positional: ClassVar[tuple[str, ...]] = ("lo", "hi")

    lo: Real
    hi: Real

    @model_validator(mode="after")
    def _check(self) -> Uniform:
        _check_interval(self.lo, self.hi)
        return self

    @property
    def support(self) -> tuple[float, float]:
        return (self.lo, self.hi)

    @property
    def mean(self) -> float:
        return (self.lo + self.hi) / 2

    def ppf(self, q: ArrayLike) -> Array:
        return np.asarray(self.lo + _quantiles(q) * (self.hi - self.lo), dtype=np.float64)

    def cdf(self, x: ArrayLike) -> Array:
        z = (np.asarray(x, dtype=np.float64) - self.lo) / (self.hi - self.lo)
        return np.clip(z, 0.0, 1.0)


class Triangular(_Distribution):
    """``{triangular: [lo, mode, hi]}``: density rising linearly to ``mode``, then falling."""

    kind: ClassVar[str] = "triangular"
    positional: ClassVar[tuple[str, ...]] = ("lo", "mode", "hi")

    lo: Real
    mode: Real
    hi: Real

    @model_validator(mode="after")
    def _check(self) -> Triangular:
        _check_interval(self.lo, self.hi)
        if not self.lo <= self.mode <= self.hi:
            raise ValueError(
                f"mode ({self.mode:g}) must lie in [lo, hi] = [{self.lo:g}, {self.hi:g}]"
            )
        return self

    @property
    def support(self) -> tuple[float, float]:
        return (self.lo, self.hi)

    @property
    def mean(self) -> float:
        return (self.lo + self.mode + self.hi) / 3

    def ppf(self, q: ArrayLike) -> Array:
        q = _quantiles(q)
        lo, mode, hi = self.lo, self.mode, self.hi
        split = (mode - lo) / (hi - lo)
        left = lo + np.sqrt(q * (hi - lo) * (mode - lo))
        right = hi - np.sqrt((1.0 - q) * (hi - lo) * (hi - mode))
        x = np.where(q < split, left, right)
        return np.asarray(np.clip(x, lo, hi), dtype=np.float64)

    def cdf(self, x: ArrayLike) -> Array:
        x = np.clip(np.asarray(x, dtype=np.float64), self.lo, self.hi)
        lo, mode, hi = self.lo, self.mode, self.hi
        with np.errstate(divide="ignore", invalid="ignore"):
            left = (x - lo) ** 2 / ((hi - lo) * (mode - lo))
            right = 1.0 - (hi - x) ** 2 / ((hi - lo) * (hi - mode))
        return np.asarray(np.where(x <= mode, np.where(x > lo, left, 0.0), right))


class Normal(_Distribution):
    """``{normal: {mean, sd, lo?, hi?}}``: a normal, truncated to [lo, hi] when given.

    ``mean`` (the field ``loc``) and ``sd`` are those of the normal *before* truncation;
    the property :attr:`mean` is the mean after it.
    """

    kind: ClassVar[str] = "normal"

    loc: Real = Field(alias="mean")
    sd: PositiveReal
    lo: Real | None = None
    hi: Real | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)

    @model_validator(mode="after")
    def _check(self) -> Normal:
        lo, hi = self.support
        _check_interval(lo, hi)
        return self

    def to_raw(self) -> dict[str, Any]:
        return {self.kind: self.model_dump(by_alias=True, exclude_none=True)}

    @property
    def _standard_bounds(self) -> tuple[float, float]:
        lo, hi = self.support
        return ((lo - self.loc) / self.sd, (hi - self.loc) / self.sd)

    @property
    def truncated(self) -> bool:
        """True when ``lo`` or ``hi`` is given."""
        return self.lo is not None or self.hi is not None

    @property
    def support(self) -> tuple[float, float]:
        return (
            -math.inf if self.lo is None else self.lo,
            math.inf if self.hi is None else self.hi,
        )

    @property
    def mean(self) -> float:
        if not self.truncated:
            return self.loc
        a, b = self._standard_bounds  # mean of a truncated normal, in closed form

        def pdf(z: float) -> float:
            return 0.0 if math.isinf(z) else math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)

        def upper(z: float) -> float:  # P(Z > z), accurate in the upper tail
            return 0.5 * math.erfc(z / math.sqrt(2))

        def lower(z: float) -> float:  # P(Z < z), accurate in the lower tail
            return 0.5 * math.erfc(-z / math.sqrt(2))

        mass = upper(a) - upper(b) if a > 0 else lower(b) - lower(a)
        if not mass > 1e-300:  # beyond double precision: scipy's careful evaluation
            with np.errstate(all="ignore"):
                return float(stats.truncnorm.mean(a, b, loc=self.loc, scale=self.sd))
        return self.loc + self.sd * (pdf(a) - pdf(b)) / mass

    def ppf(self, q: ArrayLike) -> Array:
        q = _quantiles(q)
        if not self.truncated:
            with np.errstate(all="ignore"):
                return np.asarray(self.loc + self.sd * special.ndtri(q), dtype=np.float64)
        a, b = self._standard_bounds
        with np.errstate(all="ignore"):
            x = stats.truncnorm.ppf(q, a, b, loc=self.loc, scale=self.sd)
        lo, hi = self.support
        return np.asarray(np.clip(x, lo, hi), dtype=np.float64)

    def cdf(self, x: ArrayLike) -> Array:
        x = np.asarray(x, dtype=np.float64)
        if not self.truncated:
            return np.asarray(special.ndtr((x - self.loc) / self.sd))
        a, b = self._standard_bounds
        with np.errstate(all="ignore"):
            return np.asarray(stats.truncnorm.cdf(x, a, b, loc=self.loc, scale=self.sd))


class Beta(_Distribution):
    """``{beta: {a, b, lo?, hi?}}``: a beta(a, b) variable scaled from [0, 1] to [lo, hi]."""

    kind: ClassVar[str] = "beta"

    a: PositiveReal
    b: PositiveReal
    lo: Real = 0.0
    hi: Real = 1.0

    @model_validator(mode="after")
    def _check(self) -> Beta:
        _check_interval(self.lo, self.hi)
        return self

    @property
    def support(self) -> tuple[float, float]:
        return (self.lo, self.hi)

    @property
    def mean(self) -> float:
        return self.lo + (self.hi - self.lo) * self.a / (self.a + self.b)

    def ppf(self, q: ArrayLike) -> Array:
        q = _quantiles(q)
        # betaincinv is erratic for subnormal q: those map to the smallest normal float
        q = np.where(q > 0.0, np.maximum(q, np.finfo(np.float64).tiny), 0.0)
        with np.errstate(all="ignore"):
            z = special.betaincinv(self.a, self.b, q)
            # betaincinv gives nan for some tiny q (e.g. a=5, b=0.05, q < 1e-130): there
            # I(z; a, b) ~ z**a / (a B(a, b)), so z = (q a B(a, b)) ** (1 / a)
            tail = np.exp((np.log(q) + math.log(self.a) + special.betaln(self.a, self.b)) / self.a)
            z = np.clip(np.where(np.isnan(z), tail, z), 0.0, 1.0)
        return np.asarray(self.lo + (self.hi - self.lo) * z, dtype=np.float64)

    def cdf(self, x: ArrayLike) -> Array:
        z = np.clip((np.asarray(x, dtype=np.float64) - self.lo) / (self.hi - self.lo), 0, 1)
        with np.errstate(all="ignore"):
            return np.asarray(special.betainc(self.a, self.b, z))


class Lognormal(_Distribution):
    """``{lognormal: {mu, sigma}}`` or ``{lognormal: {median, sigma}}``: ``exp(mu + sigma Z)``.

    ``mu`` is the mean of the logarithm and ``median = exp(mu)``; give one of them.
    """

    kind: ClassVar[str] = "lognormal"

    mu: Real | None = None
    median: PositiveReal | None = None
    sigma: PositiveReal

    @model_validator(mode="after")
    def _check(self) -> Lognormal:
        if (self.mu is None) == (self.median is None):
            raise ValueError("give either mu or median (= exp(mu)), not both and not neither")
        if self.log_median + max(self.sigma**2 / 2, 8.3 * self.sigma) > 700:
            raise ValueError(
                f"mu={self.log_median:g}, sigma={self.sigma:g} overflow: the mean"
                " exp(mu + sigma**2 / 2) and the draws up to exp(mu + 8.3 sigma) must stay"
                " below exp(700)"
            )
        return self

    @property
    def log_median(self) -> float:
        """``mu``: the mean (and median) of the logarithm."""
        if self.mu is not None:
            return self.mu
        assert self.median is not None
        return math.log(self.median)

    @property
    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)

    @property
    def mean(self) -> float:
        return math.exp(self.log_median + self.sigma**2 / 2)

    def ppf(self, q: ArrayLike) -> Array:
        with np.errstate(over="ignore"):
            z = self.log_median + self.sigma * special.ndtri(_quantiles(q))
            return np.asarray(np.exp(z), dtype=np.float64)

    def cdf(self, x: ArrayLike) -> Array:
        x = np.asarray(x, dtype=np.float64)
        with np.errstate(divide="ignore"):
            z = (np.log(np.maximum(x, 0.0)) - self.log_median) / self.sigma
        return np.asarray(special.ndtr(z))


def _tag(raw: Any) -> str | None:
    if isinstance(raw, _Distribution):
        return raw.kind
    if isinstance(raw, Mapping) and len(raw) == 1:
        return str(next(iter(raw)))
    return None


Distribution = Annotated[
    Annotated[Uniform, Tag(Uniform.kind)]
    | Annotated[Triangular, Tag(Triangular.kind)]
    | Annotated[Normal, Tag(Normal.kind)]
    | Annotated[Beta, Tag(Beta.kind)]
    | Annotated[Lognormal, Tag(Lognormal.kind)],
    Discriminator(
        _tag,
        custom_error_type="distribution",
        custom_error_message=(
            "a distribution is a mapping with exactly one key: "
            f"{', '.join(KINDS[:-1])} or {KINDS[-1]}"
        ),
    ),
]
"""Any distribution, discriminated by its one key; usable as a pydantic field type."""


@functools.cache
def _adapter() -> TypeAdapter[Distribution]:
    """The validator of :data:`Distribution`, built when first needed (not on import)."""
    return TypeAdapter(Distribution, config=ConfigDict(title="distribution"))


def is_distribution(raw: Any) -> bool:
    """True when ``raw`` is a mapping with a distribution key (whatever else it holds)."""
    return isinstance(raw, Mapping) and any(kind in raw for kind in KINDS)


def parse_distribution(raw: Mapping[str, Any]) -> Distribution:
    """Parse ``{kind: parameters}``; raises ``pydantic.ValidationError`` with clear messages.

    The error's location starts with the kind, e.g. ``('normal', 'sd')``.
    """
    return _adapter().validate_python(raw)
