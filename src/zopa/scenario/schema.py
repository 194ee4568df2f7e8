"""The scenario language as a pydantic v2 schema (format version 1).

This module fixes the *shape* of a scenario: field names, types and ranges. Checks that
need the whole file (cross-references, unique ids, every decider has preferences) live
in :mod:`zopa.scenario.check`. ``zopa schema`` prints :func:`json_schema`.

Any number may be written plainly (``0.4``) or as a mapping with ``value:`` plus an
optional ``source:`` (a reference to the scenario's ``sources:`` list and a verbatim
quote) or ``assumption:`` (one line saying why the value was chosen). Mappings of numbers
(``weights``, ``utilities[issue]``, ``ideal``) may carry one ``source:``/``assumption:``
that covers every number in them. The keys of a number (``source``, ``assumption``,
``value``, ``expr``, ``range`` and the distribution kinds: :data:`RESERVED_KEYS`) are
therefore reserved and cannot be issue or option ids; so is ``order``, which turns
``weights`` or ``utilities[issue]`` into a *judgement* (an importance or preference order,
see :mod:`zopa.scenario.judgements`), and ``given``, which makes ``utilities[issue]``
depend on another issue's option (:class:`ConditionalUtility`).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    StrictFloat,
    StrictInt,
    Tag,
    ValidationError,
    model_validator,
)

from zopa.scenario.distributions import KINDS, parse_distribution

FORMAT_VERSION = 1
RESERVED_KEYS = frozenset(
    {"source", "assumption", "value", "expr", "range", "order", "given", *KINDS}
)
ROLES = ("party", "veto", "spoiler", "mediator", "stakeholder")
DECIDER_ROLES = frozenset({"party", "veto"})

Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$", min_length=1, max_length=64)]
ScenarioId = Annotated[str, Field(pattern=r"^[a-z0-9_-]+$", min_length=1, max_length=64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)


SUPPORTS = ("magnitude", "direction", "context")
"""What a quote establishes: the number itself (or a figure it follows from), an order, a
sign or more-or-less, or the topic only."""
SOURCE_KINDS = ("news", "analysis", "opinion", "official", "data")


class SourceRef(_Strict):
    """Where a number comes from: an id of the scenario's ``sources:``, a verbatim quote and
    what the quote establishes (``supports``; unrated when left out)."""

    ref: Id
    quote: Annotated[str, Field(min_length=1)]
    supports: Literal["magnitude", "direction", "context"] | None = None


class Evidence(_Strict):
    """Optional ``source:`` / ``assumption:`` carried by any mapping."""

    source: SourceRef | None = None
    assumption: Annotated[str, Field(min_length=1)] | None = None


class Number(Evidence):
    """A number with its evidence. ``0.4`` and ``{value: 0.4}`` mean the same.

    Instead of ``value`` a number may be an expression of named parameters
    (``{expr: "1 - discount"}``) or a distribution (``{uniform: [0.2, 0.4]}``, see
    :mod:`zopa.scenario.distributions`); its *base* value (used by deterministic analyses) is
    then the expression at the parameters' base values, or the distribution's mean.
    ``range: [lo, hi]`` states how far a leverage analysis may swing it.
    """

    _dist: Any = PrivateAttr(default=None)
    _bounds: tuple[float | None, float | None, bool] = PrivateAttr(default=(None, None, False))

    value: StrictFloat | StrictInt | None = None
    expr: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    uniform: Any = None
    triangular: Any = None
    normal: Any = None
    beta: Any = None
    lognormal: Any = None  # a field for each of distributions.KINDS
    range: tuple[StrictFloat | StrictInt, StrictFloat | StrictInt] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Number:
        given = [k for k in ("value", "expr", *KINDS) if getattr(self, k) is not None]
        if len(given) != 1:
            what = ", ".join(given) if given else "none"
            raise ValueError(
                "give exactly one of value, expr or a distribution "
                f"({', '.join(KINDS)}); got {what}"
            )
        kind = given[0]
        if kind in KINDS:
            try:
                self._dist = parse_distribution({kind: getattr(self, kind)})
            except ValidationError as e:
                err = e.errors()[0]
                where = ".".join(str(x) for x in err["loc"] if x != kind)
                raise ValueError(f"{kind}{'.' + where if where else ''}: {err['msg']}") from None
        if self.range is not None:
            lo, hi = (float(x) for x in self.range)
            if not lo <= hi:
                raise ValueError(f"range {list(self.range)} must be [lo, hi] with lo <= hi")
            base = float(self) if self.kind != "expr" else None
            if base is not None and not lo <= base <= hi:
                what = "value" if self.kind == "value" else "distribution's mean"
                raise ValueError(f"the {what} {base:g} is outside its own range [{lo:g}, {hi:g}]")
        return self

    @property
    def kind(self) -> str:
        """``value``, ``expr`` or ``distribution``."""
        if self.value is not None:
            return "value"
        return "expr" if self.expr is not None else "distribution"

    @property
    def distribution(self) -> Any:
        """The parsed distribution, or None."""
        return getattr(self, "_dist", None)

    @property
    def bounds(self) -> tuple[float | None, float | None, bool]:
        """The bounds of its field: ``(lo, hi, lo_open)`` (None: unbounded)."""
        return getattr(self, "_bounds", (None, None, False))

    @property
    def uncertain(self) -> bool:
        return self.distribution is not None

    def __float__(self) -> float:
        if self.value is not None:
            return float(self.value)
        if self.distribution is not None:
            return float(self.distribution.mean)
        raise TypeError(f"the expression {self.expr!r} needs parameter values")


def _to_number(raw: Any) -> Any:
    if isinstance(raw, bool):
        return raw  # rejected by the strict number type below
    if isinstance(raw, int) and abs(raw) > MAX_MAGNITUDE:
        raise ValueError(f"{raw:.3g} is too large: at most {MAX_MAGNITUDE:g} in absolute value")
    if isinstance(raw, int | float):
        return {"value": raw}
    return raw


MAX_ACTORS = 2_000
"""The most actors a scenario may have (the forecasting models pair every two of them)."""
MAX_ISSUES = 1_000
"""The most issues a scenario may have."""
MAX_OPTIONS = 10_000
"""The most options one issue may have."""
MAX_SPOILERS = 100
"""The most spoilers: each adds a strike probability to every package of every run."""
MAX_ITEMS = 1_000
"""The most items of the other lists (sources, no-deal outcomes, red lines of an actor,
reference packages, constraints)."""

MAX_MAGNITUDE = 1e12
"""The largest absolute value of any number of a scenario (as for expression literals):
sums and products of numbers stay far from overflow."""


def value_problem(
    v: float, lo: float | None = None, hi: float | None = None, lo_open: bool = False
) -> str | None:
    """What is wrong with the value ``v`` of a number whose field has these bounds (see
    :attr:`Number.bounds`), or None: the check every plain number gets."""
    if not math.isfinite(v):
        return "must be a finite number"
    if abs(v) > MAX_MAGNITUDE:
        return f"{v:g} is too large: at most {MAX_MAGNITUDE:g} in absolute value"
    if lo is not None and (v <= lo if lo_open else v < lo):
        bound = f"greater than {lo:g}" if lo_open else f"at least {lo:g}"
        return f"{v:g} is out of range: must be {bound}"
    if hi is not None and v > hi:
        return f"{v:g} is out of range: must be at most {hi:g}"
    return None


def _ranged(
    lo: float | None, hi: float | None, lo_open: bool = False
) -> Callable[[Number], Number]:
    def bad(v: float) -> str | None:
        return value_problem(v, lo, hi, lo_open)

    def check(n: Number) -> Number:
        n._bounds = (lo, hi, lo_open)
        if n.value is not None and (msg := bad(float(n.value))):
            raise ValueError(msg)
        if n.distribution is not None:
            a, b = n.distribution.support
            for v, end in ((a, "lowest"), (b, "highest")):
                if (msg := bad(float(v))) is not None:
                    raise ValueError(f"the distribution's {end} value: {msg}")
        if n.range is not None:
            for v in n.range:
                if (msg := bad(float(v))) is not None:
                    raise ValueError(f"range: {msg}")
        return n  # expressions: over their parameters' supports (scenario.supports)

    return check


_COERCE = BeforeValidator(_to_number, json_schema_input_type=float | Number)

AnyNumber = Annotated[Number, _COERCE, AfterValidator(_ranged(None, None))]
Unit = Annotated[Number, _COERCE, AfterValidator(_ranged(0.0, 1.0))]  # utilities, reservations
Scale = Annotated[Number, _COERCE, AfterValidator(_ranged(0.0, 100.0))]  # places on 0..100
Weight = Annotated[Number, _COERCE, AfterValidator(_ranged(0.0, None))]  # saliences, >= 0
Positive = Annotated[Number, _COERCE, AfterValidator(_ranged(0.0, None, True))]  # capabilities


class _NumberMap(Evidence):
    """A mapping from ids to numbers, plus optional evidence covering all of them."""

    model_config = ConfigDict(extra="allow")

    def numbers(self) -> dict[str, Number]:
        return dict(self.__pydantic_extra__ or {})


class WeightMap(_NumberMap):
    """Id -> number >= 0 (saliences: normalised to sum 1 for package utilities; costs)."""

    __pydantic_extra__: dict[str, Weight]


class UtilityMap(_NumberMap):
    """Id -> number in [0, 1] (option utilities, outcome values, trust, influence weights)."""

    __pydantic_extra__: dict[str, Unit]


class SignedMap(_NumberMap):
    """Id -> any number (trust changes, per-period drifts)."""

    __pydantic_extra__: dict[str, AnyNumber]


class IdealMap(_NumberMap):
    """Issue id -> ideal point on the issue's 0..100 scale (linear loss)."""

    __pydantic_extra__: dict[str, Scale]


Group = Annotated[list[Id], Field(min_length=1, max_length=MAX_OPTIONS)]


class Order(Evidence):
    """A judgement: ids from first (best, most important) to last; a nested list ties."""

    order: Annotated[list[Id | Group], Field(min_length=1, max_length=MAX_OPTIONS)]

    @model_validator(mode="after")
    def _groups_once(self) -> Order:
        if len(self.order) < 2:
            raise ValueError(
                "an order of one group says nothing: give two groups or more"
                " (or write the numbers as a mapping)"
            )
        seen: set[str] = set()
        for x in self.items():
            if x in seen:
                raise ValueError(f"'{x}' appears more than once in the order")
            seen.add(x)
        return self

    def groups(self) -> list[list[str]]:
        """The groups, first to last (a group is one id or several tied ids)."""
        return [[g] if isinstance(g, str) else list(g) for g in self.order]

    def items(self) -> list[str]:
        """Every id of the order, first to last (tied ids in their written order)."""
        return [x for g in self.groups() for x in g]


class WeightOrder(Order):
    """Issues from most important to least (``weights: {order: [...]}``); issues it does
    not name weigh 0. Deterministic analyses use the rank-order centroid."""


class UtilityOrder(Order):
    """An issue's options from best to worst (``utilities: {issue: {order: [...]}}``): the
    first group is worth 1, the last 0. Deterministic analyses use the centroid."""


def _map_or_order(raw: Any) -> str:
    if isinstance(raw, dict) and "given" in raw:
        return "conditional"
    return "order" if isinstance(raw, dict) and "order" in raw else "map"


Weights = Annotated[
    Annotated[WeightMap, Tag("map")] | Annotated[WeightOrder, Tag("order")],
    Discriminator(_map_or_order),
]
"""``weights:``: saliences by issue, or an importance order."""
IssueUtility = Annotated[
    Annotated[UtilityMap, Tag("map")] | Annotated[UtilityOrder, Tag("order")],
    Discriminator(_map_or_order),
]
"""One issue's utilities: a value for each option, or a preference order."""


class ConditionalUtility(Evidence):
    """An issue's utilities that depend on the option chosen on another issue ``given``:
    ``values[g]`` (a value for each option, or an order) holds when ``given`` takes option
    ``g``. The two issues are compiled into one compound issue
    (:mod:`zopa.scenario.compound`)."""

    given: Id
    values: dict[str, IssueUtility]


Utilities = dict[
    str,
    Annotated[
        Annotated[UtilityMap, Tag("map")]
        | Annotated[UtilityOrder, Tag("order")]
        | Annotated[ConditionalUtility, Tag("conditional")],
        Discriminator(_map_or_order),
    ],
]
"""``utilities:``: per issue, a value for each option, a preference order, or either of
them for each option of another issue (``given:``, an interaction between issues)."""


class Source(_Strict):
    """A document the scenario's numbers are taken from."""

    id: Id
    title: str
    file: str | None = None
    url: str | None = None
    kind: Literal["news", "analysis", "opinion", "official", "data"] | None = None
    author: str | None = None
    date: str | None = None


class Actor(Evidence):
    """Someone at or around the table."""

    id: Id
    name: str
    role: Literal["party", "veto", "spoiler", "mediator", "stakeholder"]
    capability: Positive = Field(default_factory=lambda: 1.0, validate_default=True)
    description: str | None = None

    @property
    def decides(self) -> bool:
        return self.role in DECIDER_ROLES


class Delivery(Evidence):
    """A signed option that holds with ``probability``; otherwise the option ``otherwise``
    of the same issue is what is delivered (a halt the signer cannot enforce, a ratification
    that fails). Every value of the option is its expectation over the two."""

    probability: Unit
    otherwise: Id


class Option(Evidence):
    """One option of an issue; ``at`` is its place on the issue's 0..100 scale."""

    id: Id
    at: Scale
    name: str | None = None
    description: str | None = None
    trust: dict[str, SignedMap] = Field(default_factory=dict)  # truster -> trusted -> change
    reverts: dict[str, Id] = Field(default_factory=dict)  # reneging actor -> option it becomes
    delivered: Delivery | None = None  # a commitment that may not be delivered (or ratified)


class Issue(Evidence):
    """An issue and its ordered options."""

    id: Id
    name: str
    description: str | None = None
    options: Annotated[list[Option], Field(min_length=1, max_length=MAX_OPTIONS)]


class RedLine(Evidence):
    """Options of one issue that an actor never accepts; with ``probability: p``, a red line
    the evidence makes likely, not sure (drawn with probability p; deterministic analyses
    keep it when p >= 0.5)."""

    issue: Id
    not_: Annotated[list[Id], Field(alias="not", min_length=1)]
    reason: str | None = None
    probability: Annotated[StrictFloat | StrictInt, Field(gt=0, le=1)] | None = None

    @property
    def uncertain(self) -> bool:
        return self.probability is not None and self.probability < 1.0


class Preferences(Evidence):
    """What an actor wants: weights, per-issue utilities or ideals, reservation, red lines."""

    weights: Weights
    utilities: Utilities = Field(default_factory=dict)
    ideal: IdealMap | None = None
    reservation: Unit | None = None  # None: the expected no-deal value (0 without no_deal)
    red_lines: Annotated[list[RedLine], Field(max_length=MAX_ITEMS)] = Field(default_factory=list)


class Decision(Evidence):
    """The decision rule: unanimity of deciders, or a quota that every veto must join."""

    rule: Literal["unanimity", "quota"] = "unanimity"
    at_least: Annotated[int, Field(ge=1)] | None = None


class Outcome(Evidence):
    """A named way things go without a deal, with its probability and each actor's value."""

    id: Id
    name: str
    description: str | None = None
    probability: Unit
    war: bool = False
    values: UtilityMap


class Conflict(Evidence):
    """Fearon's costs of conflict between two deciders (``prevails``: the first one's chance)."""

    between: Annotated[list[Id], Field(min_length=2, max_length=2)]
    prevails: Unit
    cost: WeightMap
    cost_belief: dict[str, AnyNumber] = Field(default_factory=dict)  # belief about an actor's cost


class Dynamics(Evidence):
    """Powell's shifting power: parameters (and ``prevails``) drift by a step per period."""

    periods: Annotated[int, Field(ge=1, le=200)]
    discount: Unit
    drift: SignedMap


class Credibility(Evidence):
    """``trust[i][j]``: decider i's belief that j keeps the deal over the horizon."""

    trust: dict[str, UtilityMap]


class Spoiler(Evidence):
    """An actor who may strike after a deal (an outsider, or a decider striking despite its
    signature): ``P = max_probability / (1 + exp((U - threshold) / scale))`` of its own
    utility U of the deal, or a fixed ``probability`` whatever the terms. With
    ``influence``, U is mixed with the influencers' utilities for this decision only."""

    actor: Id
    outcome: Id
    probability: Unit | None = None
    max_probability: Unit | None = None
    threshold: Unit | None = None
    scale: Positive | None = None
    influence: UtilityMap | None = None  # who sways the decision to strike (not the deal)
    baseline: Id | None = None  # reference package the outcome's values assume


class ReferencePackage(Evidence):
    """A named package (e.g. the 2015 terms): one option per issue."""

    id: Id
    name: str
    description: str | None = None
    package: dict[str, Id]


class Constraint(Evidence):
    """``actor`` accepts only packages whose utility beats reference package ``beats``."""

    actor: Id
    beats: Id
    margin: AnyNumber = Field(default_factory=lambda: 0.0, validate_default=True)


STRATEGIES = ("boulware", "linear", "conceder", "hardliner", "tit_for_tat", "aspiration")
"""The negotiating strategies of ``simulation.strategies`` (:mod:`zopa.simulation.strategies`)."""
SHOCKS = ("strike", "walk_out", "goalposts", "trust", "preferences")
"""The kinds of ``simulation.shocks`` (:mod:`zopa.simulation.shocks`)."""
MAX_ROUNDS = 10_000
"""The longest deadline of a simulation, in rounds."""

Rounds = Annotated[int, Field(ge=1, le=MAX_ROUNDS)]


class Strategy(Evidence):
    """How one decider negotiates: an aspiration curve (``kind``; ``exponent`` for
    ``aspiration``) and an acceptance rule."""

    kind: Literal["boulware", "linear", "conceder", "hardliner", "tit_for_tat", "aspiration"]
    exponent: Positive | None = None  # aspiration: u(t) = 1 - t ** exponent
    accept: Literal["aspiration", "next", "rational"] = "aspiration"
    accept_after: Unit | None = None  # from this relative time on, accept any acceptable offer
    patience: Rounds | None = None  # walk out after this many rounds offered nothing acceptable

    @model_validator(mode="after")
    def _exponent(self) -> Strategy:
        if self.kind == "aspiration" and self.exponent is None:
            raise ValueError("kind aspiration needs an exponent (u(t) = 1 - t ** exponent)")
        if self.kind != "aspiration" and self.exponent is not None:
            raise ValueError(f"exponent goes with kind: aspiration only (not {self.kind})")
        return self


class Mediator(Evidence):
    """The single negotiating text: who tables it, where it starts, toward which bargaining
    solution of the standing objections it moves, and by how many options a round."""

    actor: Id
    start: Id | None = None  # a reference package; default: the middle of every issue
    solution: Literal["nash", "kalai_smorodinsky", "utilitarian", "egalitarian"] = "nash"
    step: Annotated[int, Field(ge=1, le=MAX_OPTIONS)] = 1


class Shock(Evidence):
    """Something that happens between rounds: at a round (``at``), with a probability each
    round, or (goalposts) after a concession by ``after_concession_by``."""

    kind: Literal["strike", "walk_out", "goalposts", "trust", "preferences"]
    actor: Id
    at: Rounds | None = None
    probability: Unit | None = None
    after_concession_by: Id | None = None
    outcome: Id | None = None  # strike, walk_out: the no-deal outcome it leads to
    weights: Weights | None = None
    utilities: Utilities = Field(default_factory=dict)
    red_lines: Annotated[list[RedLine], Field(max_length=MAX_ITEMS)] = Field(default_factory=list)
    reservation: Unit | None = None
    trust: dict[str, SignedMap] = Field(default_factory=dict)  # actor's trust in each -> change

    @property
    def changes_preferences(self) -> bool:
        return bool(self.weights or self.utilities or self.red_lines or self.reservation)

    @property
    def ends_talks(self) -> bool:
        return self.kind in ("strike", "walk_out")


class Implementation(Evidence):
    """After agreement: ``periods`` in which each decider keeps or reneges; a renege reverts
    the package (``reverts:``) or, for the deciders named in ``renege``, leads to that no-deal
    outcome."""

    periods: Annotated[int, Field(ge=1, le=1_000)]
    renege: dict[str, Id] = Field(default_factory=dict)


class Simulation(Evidence):
    """Rounds of talks (:mod:`zopa.simulation`): protocol, deadline, strategies, mediator,
    shocks between rounds and the implementation of a deal."""

    protocol: Literal["alternating", "mediated"] = "alternating"
    rounds: Rounds = 50
    strategies: dict[str, Strategy] = Field(default_factory=dict)
    mediator: Mediator | None = None
    shocks: Annotated[list[Shock], Field(max_length=MAX_ITEMS)] = Field(default_factory=list)
    implementation: Implementation | None = None
    period: Rounds | None = None  # rounds per period of dynamics: (drifts apply each period)


class Scenario(_Strict):
    """A whole scenario file."""

    zopa: Literal[1]
    id: ScenarioId
    title: str
    description: str | None = None
    sources: Annotated[list[Source], Field(max_length=MAX_ITEMS)] = Field(default_factory=list)
    actors: Annotated[list[Actor], Field(min_length=1, max_length=MAX_ACTORS)]
    issues: Annotated[list[Issue], Field(min_length=1, max_length=MAX_ISSUES)]
    preferences: dict[str, Preferences] = Field(default_factory=dict)
    decision: Decision = Field(default_factory=Decision)
    parameters: dict[str, AnyNumber] = Field(default_factory=dict)
    no_deal: Annotated[list[Outcome], Field(max_length=MAX_ITEMS)] = Field(default_factory=list)
    conflict: Conflict | None = None
    dynamics: Dynamics | None = None
    credibility: Credibility | None = None
    spoilers: Annotated[list[Spoiler], Field(max_length=MAX_SPOILERS)] = Field(default_factory=list)
    influence: dict[str, UtilityMap] = Field(default_factory=dict)
    reference_packages: Annotated[list[ReferencePackage], Field(max_length=MAX_ITEMS)] = Field(
        default_factory=list
    )
    constraints: Annotated[list[Constraint], Field(max_length=MAX_ITEMS)] = Field(
        default_factory=list
    )
    simulation: Simulation | None = None
    # The text it was read from and its name, for workers that re-read it (set by the loader).
    _source: tuple[str, str] | None = PrivateAttr(default=None)

    @property
    def source_text(self) -> tuple[str, str] | None:
        """(text, name) of the file this scenario was read from, when read from text."""
        return self._source

    @property
    def content_hash(self) -> str:
        """``sha256:<hex>`` of the text the scenario was read from (of its canonical JSON
        when it was built in Python): the same file, the same hash, wherever it lies."""
        text = self._source[0] if self._source else self.model_dump_json(by_alias=True)
        return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()

    @property
    def deciders(self) -> list[Actor]:
        return [a for a in self.actors if a.decides]

    def n_packages(self) -> int:
        """Size of the outcome space (product of the issues' option counts)."""
        return math.prod(len(i.options) for i in self.issues)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the scenario language (for editors)."""
    schema = Scenario.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "zopa scenario (format version 1)"
    return schema
